"""`notebook-publish normalize`: print (or diff, or write back) a note as the build
sees it after the fixers."""

from __future__ import annotations

import sys
from argparse import ArgumentParser, Namespace
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_publish.app import config_from_args, min_severity, usage_problem
from notebook_publish.commands.spec import CommandSpec
from notebook_publish.diagnostics import Diagnostic, UsageError, exit_code, print_diagnostics

if TYPE_CHECKING:
    from notebook_publish.normalize.vault import VaultIndex


def add_arguments(p: ArgumentParser) -> None:
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff instead of the text")
    mode.add_argument("--write", action="store_true", help="rewrite each file in place with its normalised text")


def run_normalize(args: Namespace) -> int:
    import difflib

    from notebook_publish.build import write_atomically
    from notebook_publish.normalize import NoteContext, normalize
    from notebook_publish.note_files import list_files, read_note_text

    config = config_from_args(args)
    notes_dir = config.notes.resolve() if config.notes.is_dir() else None
    media = tuple(m.resolve() for m in config.media if m.is_dir())
    diagnostics: list[Diagnostic] = []
    for file in args.files:
        if not file.is_file():
            raise UsageError(usage_problem(f"no such note: {file}", "give the path of a Markdown file"))
        path = file.resolve()
        root = notes_dir if notes_dir and path.is_relative_to(notes_dir) else path.parent
        files = list_files([root, *media])
        raw, found = read_note_text(path)
        diagnostics.extend(found)
        if raw is None:
            continue
        vault = _vault(root, files)  # the other notes' aliases, for wikilinks
        text, found = normalize(
            raw,
            NoteContext(
                path=path, notes_dir=root, media_dirs=media, files=files, flavours=config.flavours, vault=vault
            ),
        )
        diagnostics.extend(found)
        if args.diff:
            sys.stdout.writelines(
                difflib.unified_diff(raw.splitlines(True), text.splitlines(True), f"a/{file}", f"b/{file}")
            )
        elif args.write:
            if text != raw:
                write_atomically(path, text.encode("utf-8"))
                print(f"rewrote {file}", file=sys.stderr)
        else:
            sys.stdout.write(text)
    print_diagnostics(diagnostics, sys.stderr, min_severity(args))
    return exit_code(diagnostics, args.strict)


def _vault(root: Path, files: frozenset[Path]) -> VaultIndex:
    from notebook_publish.normalize.vault import NOTE_SUFFIXES, VaultIndex, read_front_matter
    from notebook_publish.note_files import read_note_text

    notes = [f for f in files if f.suffix.lower() in NOTE_SUFFIXES and f.is_relative_to(root)]
    return VaultIndex.build(
        root, files, {f: fm for f in notes if (fm := read_front_matter(read_note_text(f)[0] or ""))}
    )


COMMAND = CommandSpec(
    "normalize",
    "print a note as the build sees it, after repairs",
    "Print the normalised Markdown of each FILE to stdout: mojibake repaired, emphasis "
    "markers fixed, math fences rewritten, image and link targets resolved. The file itself is not "
    "changed unless --write is given.",
    add_arguments,
    run_normalize,
)
