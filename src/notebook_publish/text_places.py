"""Where a text is in a note, as a diagnostic gives it: line and column, from 1.

The AST carries no positions, so a problem found in it is reported at the first place
its text appears in the note's text. `Note.line_of` and `Note.place_of` are the way to
ask; the functions here serve the steps that run before the `Note` exists (marking
pictures, Notion's databases, the parser's flattening warnings).
"""

from __future__ import annotations


def line_of(text: str, *needles: str) -> int:
    """The line of the first of `needles` (tried in turn) found in `text`; 1 when none
    is. An empty needle is found at the start."""
    for needle in needles:
        at = text.find(needle)
        if at >= 0:
            return text.count("\n", 0, at) + 1
    return 1


def place_of(text: str, needle: str) -> tuple[int, int]:
    """(line, column) of the first `needle` in `text`; (1, 1) when it is not there."""
    at = text.find(needle)
    if at < 0:
        return 1, 1
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
