"""Where a display formula that opens a line ends.

One rule, shared by the math fixer and `regions.fenced_block_lines` (which tells every
other fixer which lines are TeX), so that all of them agree. A line opens a display
formula when it starts (after indentation) with `$$`, `\\[` or
`\\begin{equation|align|gather|multline}` (with or without `*`). The formula is display
only when it stands on its own lines: its closing delimiter ends a line, or is followed
by nothing but an anchor (Obsidian's `^block-id`, or the `[]{#…}` the Obsidian fixer
makes of it). A formula whose closing delimiter has text after it is inline, and is
left to `math_delimiters`.

A formula never takes in text past a blank line followed by a heading or a new
paragraph: after a blank line it goes on only with lines that read as TeX, and a
closing delimiter right after the blank line is taken as the opening of the next
formula. A formula left open stops before the blank line (`closed` is False), unless
its lines read as prose: then the opener was not meant as math (`prose` is True).
"""

from __future__ import annotations

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

_CODE_SPAN = re.compile(r"(`+).+?\1")
_BRACED = re.compile(r"\{[^{}]*\}")
_COMMAND = re.compile(r"\\(?:[A-Za-z]+|.)")
_WORD_RUN = re.compile(r"[A-Za-z]{2,}(?:[,;:.!?]?[ \t]+[A-Za-z]{2,}){2,}")
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
    return stripped.startswith(("$$", "\\[")) or (stripped.startswith("\\begin{") and ENVIRONMENT.match(stripped) is not None)


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


def _closes_earlier(lines: list[str], i: int, limit: int = 200) -> bool:
    """Whether the `$$` starting line `i` closes a formula opened earlier in its
    paragraph (`We have $$` … `$$, so`): an odd number of `$$` before it."""
    count = 0
    for j in range(i - 1, max(-1, i - 1 - limit), -1):
        line = lines[j]
        if not line.strip():
            break
        if "`" in line:
            line = _CODE_SPAN.sub("", line)
        at = find_close(line, 0, "$$")
        while at >= 0:
            count += 1
            at = find_close(line, at + 2, "$$")
    return count % 2 == 1


def display_block(lines: list[str], i: int) -> DisplayBlock | None:
    """The display formula opening at line `i`, or None if the line opens none (no
    opener, a formula closed with text after it, an unclosed `\\[`)."""
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
    if kind == "$$" and _closes_earlier(lines, i):
        return None
    at = find_close(stripped, start, close)
    if at >= 0:
        after = stripped[at + len(close) :].strip()
        if after and not ANCHOR.match(after):
            return None  # text goes on after the formula: it is inline
        return DisplayBlock(i, i, kind, True, after)
    blank = just_blank = False
    for j in range(i + 1, len(lines)):
        line = lines[j].strip()
        if not line:
            blank = just_blank = True
            continue
        if _HEADING.match(line) or _FENCE.match(line):
            break
        if (just_blank and opens_display(line)) or (blank and (_BLOCK_START.match(line) or looks_like_prose(line))):
            break  # a new formula, paragraph or block after the blank line
        just_blank = False
        at = find_close(line, 0, close)
        if at >= 0:
            after = line[at + len(close) :].strip()
            if not after or ANCHOR.match(after):
                return DisplayBlock(i, j, kind, True, after)
            if blank:
                break
            return None  # closed inside a line of text: an inline formula over several lines
    if kind == "\\[":
        return None  # an escaped bracket, most likely, with its partner missing
    end = i
    while end + 1 < len(lines) and lines[end + 1].strip() and not _HEADING.match(lines[end + 1].strip()) and not _FENCE.match(lines[end + 1].strip()):
        end += 1
    first = stripped[start:]
    prose = looks_like_prose(first) or any(looks_like_prose(lines[k]) for k in range(i + 1, end + 1))
    return DisplayBlock(i, end, kind, False, prose=prose)
