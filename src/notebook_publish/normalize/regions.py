"""Where the prose is: spans of text that fixers must leave alone.

Fixers that edit inline markup (emphasis) must not touch code, math, link targets, URLs
or raw HTML. This finds those spans on raw text with a small scanner; it does not try to
parse Markdown, only to be conservative about what counts as prose.
"""

from __future__ import annotations

import re

from notebook_publish.normalize.math_blocks import DisplayBlocks, opens_display

_FENCE_OPEN = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_INLINE_PROTECTED = re.compile(
    r"""
      (?P<code>(?P<ticks>`+).+?(?P=ticks))        # code span
    | \$\$.+?\$\$                                 # display math on one line
    | (?<![\\$\w])\$(?=\S)[^$\n]*?(?<=\S)\$(?![\w$])   # inline math $...$
    | \]\([^)\n]*\)                               # link / image destination
    | <[a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*>           # autolink
    | <!--.*?-->                                  # html comment
    | </?[a-zA-Z][^>\n]*>                         # raw html tag
    | https?://[^\s)>\]]+                         # bare url
    """,
    re.VERBOSE,
)


def fenced_block_lines(lines: list[str]) -> list[bool]:
    """For each line, True if it is inside (or is a fence of) a fenced code/math block or
    a display formula on lines of its own (`$$`, `\\[`, `\\begin{align}`…, as
    `math_blocks.DisplayBlocks` finds them)."""
    inside = [False] * len(lines)
    fence: str | None = None
    until = -1  # last line of the display formula being skipped
    blocks = DisplayBlocks(lines)
    for i, line in enumerate(lines):
        if i <= until:
            inside[i] = True
            continue
        stripped = line.strip()
        if fence is not None:
            inside[i] = True
            if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                fence = None
            continue
        m = _FENCE_OPEN.match(line)
        if m:
            fence = m.group(1)
            inside[i] = True
            continue
        if stripped[:1] in ("$", "\\") and opens_display(stripped):
            block = blocks.at(i)
            if block is not None and not block.prose:
                until = block.end
                inside[i] = True
    return inside


def protected_spans(line: str) -> list[tuple[int, int]]:
    """Character ranges of one line that are not prose."""
    return [m.span() for m in _INLINE_PROTECTED.finditer(line)]


_PRIVATE_USE = 0xF0000  # supplementary private use area: never in real notes


_CODE_AND_MATH = re.compile(r"(?P<ticks>`+).+?(?P=ticks)|\$\$.+?\$\$|(?<![\\$\w])\$(?=\S)[^$\n]*?(?<=\S)\$(?![\w$])")


def mask_protected(line: str, pattern: re.Pattern[str] = _INLINE_PROTECTED) -> tuple[str, list[str]]:
    """Replace each protected span by one private-use character.

    A fixer can then edit the prose freely (even moving text across a code span) and
    `unmask` puts every span back verbatim.
    """
    saved: list[str] = []

    def stash(m: re.Match[str]) -> str:
        saved.append(m.group(0))
        return chr(_PRIVATE_USE + len(saved) - 1)

    return pattern.sub(stash, line), saved


def mask_code(line: str) -> tuple[str, list[str]]:
    """Mask only code spans and math: for fixers that edit link targets."""
    return mask_protected(line, _CODE_AND_MATH)


_MASK_ALPHABET = re.compile("[\U000f0000-\U0010ffff]")


def has_mask_characters(line: str) -> bool:
    """Lines that already hold the masking alphabet are left alone rather than garbled."""
    return _MASK_ALPHABET.search(line) is not None


def unmask(line: str, saved: list[str]) -> str:
    if not saved:
        return line
    return re.sub(
        "[\U000f0000-\U000ffffd]",
        lambda m: saved[ord(m.group(0)) - _PRIVATE_USE] if ord(m.group(0)) - _PRIVATE_USE < len(saved) else m.group(0),
        line,
    )
