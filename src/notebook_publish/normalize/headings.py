"""Unwrap headings that an exporter set entirely in bold.

`### **Blip**` renders as a bold heading, which is redundant, and its text would carry
`**` into contents entries, bookmarks and slide titles. A heading is already emphasised.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, info
from notebook_publish.normalize.regions import fenced_block_lines

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

_WRAPPED_HEADING = re.compile(
    r"^(?P<hashes> {0,3}#{1,6})[ \t]+(?P<mark>\*\*|__)(?P<text>(?:(?!(?P=mark)).)+?)(?P=mark)[ \t]*(?P<close>#*)[ \t]*$"
)


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    lines = text.split("\n")
    skip = fenced_block_lines(lines)
    diagnostics: list[Diagnostic] = []
    for number, line in enumerate(lines):
        if skip[number] or "#" not in line:
            continue
        m = _WRAPPED_HEADING.match(line)
        if m and m.group("text").strip():
            lines[number] = f"{m.group('hashes')} {m.group('text').strip()}"
            diagnostics.append(
                info(
                    ctx.path,
                    number + 1,
                    "bold-heading",
                    "removed bold around a heading",
                    "headings are emphasised already",
                )
            )
    return "\n".join(lines), diagnostics
