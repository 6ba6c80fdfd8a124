"""Text with the parts a scanner must not read blanked out, at the same offsets.

The Liquid, kramdown and leftover-syntax passes look for constructs that may span
lines (`{% include … %}` over three lines), so they scan the whole note rather than
line by line. They scan a copy in which code (fenced and indented), inline code, math
and the YAML front matter (pandoc reads it as metadata) and HTML comments are replaced by
spaces, every
newline kept: an offset in the copy is the same offset in the note, so edits and
diagnostics land in the right place.
"""

from __future__ import annotations

import re

from notebook_publish.normalize.regions import fenced_block_lines

# Inline code and math, as regions.py finds them (a code span, `$$…$$` and `$…$` on one line).
CODE_AND_MATH = re.compile(r"(?P<ticks>`+).+?(?P=ticks)|\$\$.+?\$\$|(?<![\\$\w])\$(?=\S)[^$\n]*?(?<=\S)\$(?![\w$])")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")
_YAML_KEY = re.compile(r"^[\w-]+[ \t]*:")
# A comment; one never closed is an HTML block to the end only if it opens a line.
_COMMENT = re.compile(r"<!--.*?-->|^ {0,3}<!--.*\Z", re.S | re.M)
_SPACES = re.compile(r"[^\n]")


def front_matter_lines(lines: list[str]) -> int:
    """How many lines of YAML front matter open the note (0 for none): a `---` line,
    `key:` lines, and a closing `---` or `...`, as pandoc's metadata block reads them."""
    if not lines or lines[0].rstrip() != "---" or len(lines) < 3:
        return 0
    first = next((line for line in lines[1:] if line.strip()), "")
    if not _YAML_KEY.match(first):
        return 0
    for i in range(1, min(len(lines), 1000)):
        if lines[i].rstrip() in ("---", "..."):
            return i + 1
    return 0


def indented_code_lines(lines: list[str], skip: list[bool]) -> list[bool]:
    """Lines of indented code blocks: four spaces in, after a blank line, outside lists.

    Conservative: an indented line after a list item is the item's continuation."""
    inside = [False] * len(lines)
    in_list = in_code = False
    blank_before = True
    for i, line in enumerate(lines):
        if skip[i]:
            in_code, blank_before = False, False
            continue
        if not line.strip():
            blank_before = True
            continue
        indent = len(line) - len(line.lstrip(" \t"))
        width = len(line[:indent].expandtabs(4))
        if width >= 4 and not in_list and (blank_before or in_code):
            inside[i] = in_code = True
        else:
            in_code = False
            if _LIST_ITEM.match(line):
                in_list = True
            elif width == 0 and blank_before:
                in_list = False
        blank_before = False
    return inside


def blank(text: str, inline: re.Pattern[str] = CODE_AND_MATH, front_matter: bool = True) -> str:
    """`text` with code blocks, front matter, HTML comments and every `inline` match
    made spaces."""
    lines = text.split("\n")
    skip = fenced_block_lines(lines)
    if front_matter:
        for i in range(front_matter_lines(lines)):
            skip[i] = True
    code = indented_code_lines(lines, skip)
    out = []
    for i, line in enumerate(lines):
        if skip[i] or code[i]:
            out.append(" " * len(line))
        elif inline.search(line):
            out.append(inline.sub(lambda m: " " * len(m.group(0)), line))
        else:
            out.append(line)
    scan = "\n".join(out)
    if "<!--" in scan:  # HTML comments, on one line or several: nothing in them is shown
        scan = _COMMENT.sub(lambda m: _SPACES.sub(" ", m.group(0)), scan)
    return scan


class Positions:
    """Line and column (1-based) of offsets in a text."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> tuple[int, int]:
        import bisect

        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1
