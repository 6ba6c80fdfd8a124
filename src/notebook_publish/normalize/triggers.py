"""Whether a note holds a fixer's trigger text, each asked once per text.

The flavour fixers return at once for a note without their syntax, and most notes
have none, so what they cost is mostly these tests: each is a search of the whole
note. Several fixers ask about the same text (`{%` is GitBook's and Liquid's, and the
leftovers pass asks about every tool's), and a fixer that changes nothing hands on the
same text (or an equal copy, which compares in a fraction of a search), so the
answers are remembered for the last text seen.
"""

from __future__ import annotations

from typing import Any

_last: list[Any] = [None, {}]  # the text, and its answers by needle


def has(text: str, needle: str) -> bool:
    if _last[0] is not text and _last[0] != text:  # a fixer may hand on an equal copy
        _last[0], _last[1] = text, {}
    answers: dict[str, bool] = _last[1]
    found = answers.get(needle)
    if found is None:
        found = answers[needle] = needle in text
    return found


def any_of(text: str, needles: tuple[str, ...]) -> bool:
    return any(has(text, needle) for needle in needles)
