"""The emoji shortcodes pandoc's `emoji` extension knows (`:eyes:` -> 👀), for text
pandoc does not read as Markdown.

pandoc turns `:eyes:` into the emoji wherever it reads Markdown: in headings, tables,
links, at the start of a line. It does not read the inside of an HTML block
(`<p align="center">:rocket: …</p>`, `<details>`, `<td>`), which GitHub READMEs are full
of; the raw-HTML filter replaces the shortcodes there with this table, so both writers
show the same emoji pandoc would. Unknown shortcodes (`:1:`, `10:30:`) stay as typed.

The table is pandoc's own: GitHub's gemoji names, each checked against the pandoc
this project installs (`tests/test_emoji.py` runs every entry through pandoc and
compares). It is data, in `data/emoji_shortcodes.json` beside this module.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files

# `:name:` as pandoc's emoji parser reads it: letters, digits, `_`, `+`, `-`.
_CANDIDATE = re.compile(r":(?=([A-Za-z0-9_+\-]+):)")


def replace_shortcodes(text: str) -> str:
    """`text` with every shortcode pandoc knows replaced by its emoji, left to right as
    pandoc reads them (`:foo:eyes:` -> `:foo👀`: an unknown name gives its closing colon back)."""
    if ":" not in text:
        return text
    out: list[str] = []
    pos = 0
    for m in _CANDIDATE.finditer(text):
        if m.start() < pos:
            continue
        emoji = SHORTCODES.get(m.group(1))
        if emoji is None:
            continue
        out.append(text[pos : m.start()])
        out.append(emoji)
        pos = m.end() + len(m.group(1)) + 1
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


SHORTCODES: dict[str, str] = json.loads(
    files("notebook_publish").joinpath("data/emoji_shortcodes.json").read_text(encoding="utf-8")
)
