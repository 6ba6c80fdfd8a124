"""Snippets inside code blocks: `--8<-- "file"` (pymdownx.snippets) filled in after
parsing, from the files in the notes folder only. The fixer `normalize/snippets.py`
fills the snippets in the text; inside a fenced code block the line is code to the
reader, so it is filled here, in the code block's text."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.normalize.resolve import is_external
from notebook_publish.pandoc.ast import code_text, set_code_text, walk_blocks

if TYPE_CHECKING:
    from notebook_publish.notes import Note

MAX_SNIPPET_BYTES = 1024 * 1024
_SNIPPET = re.compile(r"""^(?P<indent>[ \t]*)--8<--[ \t]+(?P<q>["'])(?P<path>[^"'\n]+)(?P=q)[ \t]*$""", re.MULTILINE)


def fill_code_snippets(
    note: Note, notes_dir: Path, files: Collection[Path], read: Callable[[Path], bytes]
) -> list[Diagnostic]:
    """Each `--8<-- "file"` line inside a code block (pymdownx snippets) replaced by
    that file's text, indented as the line was; a file outside the notes folder,
    unreadable or over MAX_SNIPPET_BYTES stays the line it was, with a warning."""
    found: list[Diagnostic] = []
    for block in walk_blocks(note.ast.get("blocks", [])):
        if block.get("t") != "CodeBlock" or "--8<--" not in code_text(block):
            continue

        def one(m: re.Match[str]) -> str:
            name = m.group("path").strip().split(":", 1)[0]
            where = snippet_file(name, note.path.parent, notes_dir, files)
            line = note.line_of(m.group(0).strip())
            if where is None:
                found.append(
                    warning(
                        note.path,
                        line,
                        "snippet-outside",
                        f"snippet `{name[:120]}` is outside the notes folder: not included",
                        "move the file into the notes folder",
                        len(m.group("indent")) + 1,
                    )
                )
                return m.group(0)
            try:
                data = read(where)
            except OSError as exc:
                found.append(
                    warning(
                        note.path,
                        line,
                        "snippet-outside",
                        f"snippet `{name[:120]}` cannot be read: {exc.strerror}",
                        "check the file's permissions",
                    )
                )
                return m.group(0)
            if len(data) > MAX_SNIPPET_BYTES:
                found.append(
                    warning(
                        note.path,
                        line,
                        "snippet-outside",
                        f"snippet `{name[:120]}` is over {MAX_SNIPPET_BYTES // 1024} KB: not included",
                        "include a smaller file",
                    )
                )
                return m.group(0)
            text = data.decode("utf-8", "replace").replace("\r\n", "\n").rstrip("\n")
            return "\n".join(m.group("indent") + piece if piece else piece for piece in text.split("\n"))

        set_code_text(block, _SNIPPET.sub(one, code_text(block)))
    return found


def snippet_file(name: str, note_dir: Path, notes_dir: Path, files: Collection[Path]) -> Path | None:
    if is_external(name):
        return None
    for base in (notes_dir.parent, notes_dir, note_dir):
        candidate = Path(os.path.normpath(base / name.lstrip("/")))
        if candidate.is_relative_to(notes_dir) and candidate in files:
            return candidate
    return None
