"""MkDocs snippets (pymdownx.snippets): `--8<-- "path"` and the block form

    --8<--
    path/one.md
    path/two.md
    --8<--

A snippet that names a note in the notes folder becomes the same marker an Obsidian
embed does (`[]{.transclude note="…"}`), and `transclude.py` puts that note's blocks in
its place after parsing. Paths are read as pymdownx reads them, from the site's folder
(the notes folder's parent, where `mkdocs.yml` lives), then from the notes folder and
the note's own folder. A snippet of a file outside the notes folder (or of a file that
is not a note) is not included: the line stays as it is, with a `snippet-outside`
warning. Snippets inside code blocks are filled in after parsing (`transclude.py`).
`;--8<--` is pymdownx's escape and is left alone.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.normalize.obsidian import TRANSCLUDE_CLASS, _attr_value
from notebook_publish.normalize.regions import fenced_block_lines
from notebook_publish.normalize.resolve import NOTE_SUFFIXES, is_external
from notebook_publish.normalize.triggers import has

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

SNIPPET_LINE = re.compile(r"""^(?P<indent>[ \t]*)--8<--[ \t]+(?P<q>["'])(?P<path>[^"'\n]+)(?P=q)[ \t]*$""")
_BLOCK_FENCE = re.compile(r"^[ \t]*--8<--[ \t]*$")


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    if not ctx.uses("mkdocs") or not (has(text, "8<-") and "--8<--" in text):  # `8<-` is what the leftovers pass asks
        return text, []
    lines = text.split("\n")
    skip = fenced_block_lines(lines)
    diagnostics: list[Diagnostic] = []
    block_start: int | None = None
    for i, line in enumerate(lines):
        if skip[i] or "--8<--" not in line and block_start is None:
            continue
        if block_start is not None:
            if _BLOCK_FENCE.match(line):
                for j in range(block_start, i + 1):
                    if j == block_start or j == i:
                        lines[j] = ""
                    elif lines[j].strip() and not lines[j].lstrip().startswith(";"):
                        lines[j] = include(lines[j], lines[j].strip(), "", j + 1, ctx, diagnostics)
                    elif lines[j].strip():
                        lines[j] = ""  # pymdownx skips a path commented out with `;`
                block_start = None
            continue
        if _BLOCK_FENCE.match(line):
            block_start = i
            continue
        m = SNIPPET_LINE.match(line)
        if m:
            lines[i] = include(line, m.group("path"), m.group("indent"), i + 1, ctx, diagnostics)
    return "\n".join(lines), diagnostics


def resolve_snippet(path: str, ctx: NoteContext) -> tuple[Path | None, bool]:
    """(the note `path` names, whether it lies inside the notes folder at all)."""
    if is_external(path):
        return None, False
    # `file.md:section` and `file.md:2:10` select parts: the whole note is included.
    name = path.strip().split(":", 1)[0]
    inside = False
    for base in (ctx.notes_dir.parent, ctx.notes_dir, ctx.note_dir):
        candidate = Path(os.path.normpath(base / name.lstrip("/")))
        if not candidate.is_relative_to(ctx.notes_dir):
            continue
        inside = True
        if candidate in ctx.files and candidate.suffix.lower() in NOTE_SUFFIXES:
            return candidate, True
    return None, inside


def include(line: str, path: str, indent: str, number: int, ctx: NoteContext, diagnostics: list[Diagnostic]) -> str:
    found, inside = resolve_snippet(path, ctx)
    col = len(indent) + 1
    if found is None:
        if inside and PurePosixPath(path.split(":", 1)[0]).suffix.lower() in NOTE_SUFFIXES:
            diagnostics.append(
                warning(
                    ctx.path,
                    number,
                    "broken-link",
                    f"snippet `{path[:120]}` goes nowhere",
                    "the file is not in the notes folder",
                    col,
                )
            )
        else:
            what = "is not a note" if inside else "is outside the notes folder"
            diagnostics.append(
                warning(
                    ctx.path,
                    number,
                    "snippet-outside",
                    f"snippet `{path[:120]}` {what}: not included",
                    "move it into the notes folder as a note, or put the snippet in a code block",
                    col,
                )
            )
        return line
    rel = found.relative_to(ctx.notes_dir).as_posix()
    return f'{indent}[]{{.{TRANSCLUDE_CLASS} note="{_attr_value(rel)}" as="snippet" line="{number}" col="{col}"}}'
