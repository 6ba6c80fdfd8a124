"""The normaliser: a chain of small fixers that make exported notes parse right.

Each fixer is `fix(text, ctx) -> (text, diagnostics)`, pure, and keeps the number of
lines so every diagnostic points at the line of the file on disk. The order matters:
encoding first (later fixers look for ASCII markers), emphasis before headings (a
heading's `**x **` must become `**x**` before it can be unwrapped), math before the
link fixers (a formula may contain `](`), images before links.
"""

from __future__ import annotations

from notebook_publish.diagnostics import Diagnostic
from notebook_publish.normalize import emphasis, encoding, headings, images, links, math
from notebook_publish.normalize.context import NoteContext, context_for_text

FIXERS = (encoding, emphasis, headings, math, images, links)

__all__ = ["FIXERS", "NoteContext", "context_for_text", "normalize"]


def normalize(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    diagnostics: list[Diagnostic] = []
    for fixer in FIXERS:
        text, found = fixer.fix(text, ctx)
        diagnostics.extend(found)
    return text, diagnostics
