"""Where a display formula that opens a line ends.

One rule, shared by the math fixer and `regions.fenced_block_lines` (which tells every
other fixer which lines are TeX), so that all of them agree. A line opens a display
formula when it starts (after indentation) with `$$`, `\\[` or
`\\begin{equation|align|gather|multline}` (with or without `*`). The formula is display
only when it stands on its own lines: its closing delimiter ends a line, or is followed
by nothing but an anchor (Obsidian's `^block-id`, or the `[]{#…}` the Obsidian fixer
makes of it). A formula whose closing delimiter has text after it is inline, and is
left to `math_delimiters`; so is a `$$` line that closes a formula opened earlier in its
paragraph (`We have $$` … `$$, so`).

A formula never takes in text past a blank line followed by a heading or a new
paragraph: after a blank line it goes on only with lines that read as TeX, and a
closing delimiter right after the blank line is taken as the opening of the next
formula. A formula left open stops before the blank line (`closed` is False), unless
its lines read as prose: then the opener was not meant as math (`prose` is True). A
`\\[` nothing closes is an escaped bracket.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

ENVIRONMENT = re.compile(r"\\begin\{(?P<name>equation|align|gather|multline)(?P<star>\*?)\}")
# What may follow the closing delimiter of a display formula on its line.
ANCHOR = re.compile(r"^(?:\^(?P<id>[A-Za-z0-9][A-Za-z0-9-]*)|\[\]\{#[^{}\s]+\})$")
_HEADING = re.compile(r"^#{1,6}(?:[ \t]|$)")
_FENCE = re.compile(r"^(?:`{3,}|~{3,})")
# Lines that start a Markdown block of their own after a blank line: list items, quotes,
# fences, tables, HTML.
_BLOCK_START = re.compile(r"^(?:[-+*](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|>|`{3,}|~{3,}|\||<[A-Za-z!/])")
# Characters that only TeX puts between `\[` and `\]`: without one, `\[1\]` is an
# escaped bracket (exporters write `[1]` and `[Draft]` so), not a formula.
_TEX_SIGN = re.compile(r"[\\^_{}=+<>|]")

# How far a display formula may reach: real ones take a few dozen lines; the bound keeps
# a note of unclosed openers from costing a pass over the note per opener.
MAX_LINES = 500
_PROSE_LINES = 50  # lines of an unclosed formula read to tell TeX from prose
_CODE_SPAN = re.compile(r"(`+).+?\1")
_BRACED = re.compile(r"\{[^{}]*\}")
_COMMAND = re.compile(r"\\(?:[A-Za-z]+|.)")
_WORD_RUN = re.compile(r"(?<![A-Za-z])[A-Za-z]{2,}(?:[,;:.!?]?[ \t]+[A-Za-z]{2,}){2,}")
_LONG_WORD = re.compile(r"[A-Za-z]{3,}")
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]{4,}")


@dataclass(frozen=True)
class DisplayBlock:
    start: int  # line of the opening delimiter
    end: int  # last line of the formula (of an unclosed one: the last before the blank line)
    kind: str  # "$$", "\\[" or "env"
    closed: bool
    after: str = ""  # what follows the closing delimiter on its line: "" or an anchor
    prose: bool = False  # unclosed, and its lines read as prose: not a formula at all


def looks_like_tex(text: str) -> bool:
    return _TEX_SIGN.search(text) is not None


def looks_like_prose(text: str) -> bool:
    """Whether a line reads as a sentence rather than TeX: three words in a row outside
    any braces and commands (`\\text{…}` holds words in TeX), two of them of three
    letters or more, or a run of CJK characters. `dx dy dz` and `\\text{if and only if}`
    are TeX."""
    bare = text
    for _round in range(8):  # innermost braces first: `\frac{a}{\text{b c}}`
        stripped = _BRACED.sub(" ", bare)
        if stripped == bare:
            break
        bare = stripped
    bare = _COMMAND.sub(" ", bare)
    for run in _WORD_RUN.finditer(bare):
        if len(_LONG_WORD.findall(run.group(0))) >= 2:
            return True
    return _CJK_RUN.search(bare) is not None


def opens_display(stripped: str) -> bool:
    """Whether a stripped line starts with a display delimiter (a cheap first test)."""
    return stripped.startswith(("$$", "\\[")) or (
        stripped.startswith("\\begin{") and ENVIRONMENT.match(stripped) is not None
    )


def find_close(text: str, start: int, close: str) -> int:
    """Offset of the first `close` in `text` from `start` that is not escaped (`\\$$` is
    an escaped dollar and a dollar), or -1."""
    at = text.find(close, start)
    while at >= 0:
        first = at + 1 if close.startswith("\\") else at  # the backslash of `\]` is its own
        slashes = 0
        while first - slashes - 1 >= 0 and text[first - slashes - 1] == "\\":
            slashes += 1
        if close.startswith("\\"):
            slashes -= 1  # the delimiter's own backslash
        if slashes % 2 == 0:
            return at
        at = text.find(close, at + 1)
    return -1


class DisplayBlocks:
    """The display formulas of a note's lines, found line by line on demand.

    What the search needs to know about the lines (where each paragraph ends, which
    lines hold a closing delimiter, whether a paragraph has an open `$$` before a line,
    which lines read as prose) is worked out once per note and kept, so a note of many
    thousand openers, closed or not, costs a few passes rather than a pass per opener.
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self._stops: list[int] | None = None
        self._open_before: dict[int, bool] = {}
        self._closers: dict[str, list[int]] = {}
        self._prose: dict[int, bool] = {}
        self._past_blank: dict[tuple[int, str], tuple[int, str] | None] = {}

    def at(self, i: int) -> DisplayBlock | None:
        """The display formula opening at line `i`, or None if the line opens none (no
        opener, a formula closed with text after it, an unclosed `\\[`)."""
        lines = self.lines
        stripped = lines[i].strip()
        env = ENVIRONMENT.match(stripped) if stripped.startswith("\\begin{") else None
        if env:
            kind, close, start = "env", f"\\end{{{env.group('name')}{env.group('star')}}}", env.end()
        elif stripped.startswith("$$"):
            kind, close, start = "$$", "$$", 2
        elif stripped.startswith("\\["):
            kind, close, start = "\\[", "\\]", 2
        else:
            return None
        if kind == "$$" and self.open_before(i):
            return None  # it closes `We have $$` … on an earlier line: an inline formula
        at = find_close(stripped, start, close)
        if at >= 0:
            after = stripped[at + len(close) :].strip()
            if after and not ANCHOR.match(after):
                return None  # text goes on after the formula: it is inline
            return DisplayBlock(i, i, kind, True, after)
        stop = self.stops()[i + 1] if i + 1 < len(lines) else len(lines)
        closers = self.closers(close)
        k = bisect.bisect_right(closers, i)
        while k < len(closers) and closers[k] < stop:  # closed within its paragraph
            line = lines[closers[k]].strip()
            at = find_close(line, 0, close)
            if at >= 0:
                after = line[at + len(close) :].strip()
                if not after or ANCHOR.match(after):
                    return DisplayBlock(i, closers[k], kind, True, after)
                return None  # closed inside a line of text: an inline formula over lines
            k += 1
        if stop < len(lines) and not lines[stop].strip() and k < len(closers):
            found = self.past_blank(stop, close, closers[k])
            if found is not None:
                return DisplayBlock(i, found[0], kind, True, found[1])
        if kind == "\\[":
            return None  # an escaped bracket, most likely, with its partner missing
        end = max(i, min(stop - 1, i + MAX_LINES))
        prose = looks_like_prose(stripped[start:]) or any(
            self.prose(k) for k in range(i + 1, min(end, i + _PROSE_LINES) + 1)
        )
        return DisplayBlock(i, end, kind, False, prose=prose)

    def past_blank(self, blank: int, close: str, candidate: int) -> tuple[int, str] | None:
        """(line, anchor) of the closing delimiter at `candidate`, if the lines from the
        blank line at `blank` to it go on with the formula: TeX only, no heading, no new
        block, no opening delimiter straight after a blank line."""
        key = (blank, close)
        if key not in self._past_blank:
            self._past_blank[key] = self._scan_past_blank(blank, close, candidate)
        return self._past_blank[key]

    def _scan_past_blank(self, blank: int, close: str, candidate: int) -> tuple[int, str] | None:
        if candidate - blank > MAX_LINES:
            return None
        just_blank = False
        for j in range(blank, candidate + 1):
            line = self.lines[j].strip()
            if not line:
                just_blank = True
                continue
            if (
                _HEADING.match(line)
                or _FENCE.match(line)
                or (just_blank and opens_display(line))
                or _BLOCK_START.match(line)
                or self.prose(j)
            ):
                return None  # a new paragraph, block or formula after the blank line
            just_blank = False
        line = self.lines[candidate].strip()
        at = find_close(line, 0, close)
        if at < 0:
            return None
        after = line[at + len(close) :].strip()
        return (candidate, after) if not after or ANCHOR.match(after) else None

    def stops(self) -> list[int]:
        """For each line, the first line from it that ends a paragraph: a blank line, a
        heading or a fence (the length of the text if none)."""
        if self._stops is None:
            stops = [len(self.lines)] * (len(self.lines) + 1)
            for j in range(len(self.lines) - 1, -1, -1):
                line = self.lines[j].strip()
                stops[j] = j if not line or _HEADING.match(line) or _FENCE.match(line) else stops[j + 1]
            self._stops = stops
        return self._stops

    def open_before(self, i: int) -> bool:
        """Whether line `i`'s paragraph has an odd number of `$$` before it."""
        known = self._open_before
        stops = self.stops()
        j = i
        while j > 0 and j not in known and stops[j - 1] != j - 1:
            j -= 1  # back to a line whose answer is known, or the paragraph's first line
        odd = known.get(j, False)
        while j < i:  # and forward again, keeping each answer
            known[j] = odd
            odd ^= self._pairs(j) % 2 == 1
            j += 1
        known[i] = odd
        return odd

    def _pairs(self, j: int) -> int:
        """How many `$$` line `j` holds outside code spans, not escaped."""
        line = self.lines[j]
        if "$$" not in line:
            return 0
        if "`" in line:
            line = _CODE_SPAN.sub("", line)
        if "\\" not in line:
            return line.count("$$")
        count, at = 0, find_close(line, 0, "$$")
        while at >= 0:
            count += 1
            at = find_close(line, at + 2, "$$")
        return count

    def closers(self, close: str) -> list[int]:
        """The lines that hold `close`, in order."""
        if close not in self._closers:
            self._closers[close] = [j for j, line in enumerate(self.lines) if close in line]
        return self._closers[close]

    def prose(self, j: int) -> bool:
        if j not in self._prose:
            self._prose[j] = looks_like_prose(self.lines[j])
        return self._prose[j]
