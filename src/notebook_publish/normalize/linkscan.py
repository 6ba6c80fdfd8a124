"""Find inline links and images in raw Markdown lines, outside code and math.

Shared by the `images` and `links` fixers. They edit destinations before pandoc sees
the text, because a destination that points nowhere has to be resolved (or flagged)
for both writers alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from notebook_publish.normalize.regions import fenced_block_lines, has_mask_characters, mask_code, unmask

_TEXT = r"(?P<text>(?:[^\[\]\n]|\[[^\[\]\n]*\])*)"
_DEST = r"(?P<dest><[^<>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)"
_TITLE = r"(?P<title>\s+\"[^\"\n]*\"|\s+'[^'\n]*')?"
_ATTRS = r"(?P<attrs>\{[^{}\n]*\})?"

IMAGE = re.compile(r"!\[" + _TEXT + r"\]\(\s*" + _DEST + _TITLE + r"\s*\)" + _ATTRS)
LINK = re.compile(r"(?<![!\\])\[" + _TEXT + r"\]\(\s*" + _DEST + _TITLE + r"\s*\)" + _ATTRS)
REFERENCE_DEFINITION = re.compile(r"^(?P<lead> {0,3}\[(?P<label>[^\]\n]+)\]:[ \t]*)(?P<dest><[^<>\n]*>|\S+)")


def destination(match: re.Match[str]) -> str:
    dest = match.group("dest")
    return dest[1:-1] if dest.startswith("<") and dest.endswith(">") else dest


def rewrite(text: str, pattern: re.Pattern[str], replace: Callable[[re.Match[str], int, int], str]) -> str:
    """Call `replace(match, line_number, column)` for every match outside code and math."""
    lines = text.split("\n")
    skip = fenced_block_lines(lines)
    for number, line in enumerate(lines):
        if skip[number] or "](" not in line or has_mask_characters(line):
            continue
        masked, saved = mask_code(line)

        def one(match: re.Match[str]) -> str:
            column = line.find(match.group(0)) + 1 if saved else match.start() + 1
            return replace(match, number + 1, max(column, 1))

        lines[number] = unmask(pattern.sub(one, masked), saved)
    return "\n".join(lines)


def with_class(match: re.Match[str], new_dest: str, css_class: str | None) -> str:
    """The matched link or image with a new destination and, optionally, a class added once."""
    start, end = match.span("dest")
    whole = match.group(0)
    offset = match.start()
    rebuilt = whole[: start - offset] + new_dest + whole[end - offset :]
    if css_class:
        attrs = match.group("attrs") or ""
        if f".{css_class}" not in attrs:
            if attrs:
                rebuilt = rebuilt[: -len(attrs)] + attrs[:-1].rstrip() + f" .{css_class}}}"
            else:
                rebuilt += f"{{.{css_class}}}"
    return rebuilt
