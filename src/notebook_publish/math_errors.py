"""The `math-error` of a formula, said the same way by the handbook and the slides.

`book_math` has placed every formula in its note and found what it can without
drawing it (a macro that cannot be expanded, a command nothing defines, with a "did
you mean"). The handbook adds what drawing it says (`mathrender.render_svg`), the
slides what ziamath's TeX reading says (`mathrender.tex_problem`). Both then build
the diagnostic here, from the same place, source and words, so that `release`,
which runs both, reports a bad formula once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from notebook_publish.book_math import AT, PROBLEM, SRC
from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.pandoc.ast import math_tex

if TYPE_CHECKING:
    from notebook_publish.notes import Note

CODE = "math-error"
HINT = "fix the TeX; its source is printed in a box"
LABEL = "TeX error"  # what the box on the page and the marked text on a slide start with


def source_of(node: dict[str, Any] | None, tex: str = "") -> str:
    """The formula as the note writes it (before its macros were expanded)."""
    if node is None:
        return tex.strip()
    return str(node.get(SRC, math_tex(node))).strip()


def found_problem(node: dict[str, Any] | None) -> bool:
    """Whether reading the book already found this formula cannot be drawn."""
    return node is not None and bool(node.get(PROBLEM))


def diagnostic(node: dict[str, Any] | None, note: Note, error: str = "", tex: str = "") -> Diagnostic:
    """The warning for a formula that cannot be drawn: the problem `book_math` found,
    else `error` (what the renderer said), at the formula's own line and column."""
    source = source_of(node, tex)
    problem = node.get(PROBLEM) if node is not None else None
    if problem:
        message, hint, line, col = problem
    else:
        message, hint = error, HINT
        line, col = _start(node, note, source)
    path = node[AT][0] if node is not None and AT in node else note.path
    return warning(path, line, CODE, f"cannot draw `{source[:80]}`: {message}", hint, col=col)


def _start(node: dict[str, Any] | None, note: Note, source: str) -> tuple[int, int]:
    if node is not None and AT in node:
        return node[AT][1], node[AT][2]
    # A formula `book_math` has not seen (a chapter rendered on its own): its first
    # appearance in the note.
    return note.line_of(source.splitlines()[0] if source else ""), 1
