"""`:shortcode:` emoji: every one pandoc knows is the emoji in both writers, wherever it is.

pandoc's `emoji` extension already turns `:eyes:` into 👀 in headings, tables, links and
at the start of lines. What it never reads is the inside of an HTML block (a README's
`<p align="center">`, `<details>`, an HTML table): that text reached the PDF as
`:eyes:`. The raw-HTML filter now replaces shortcodes there from the same table.
"""

from __future__ import annotations

import json
import subprocess

import pypandoc
import pytest

from notebook_publish.emoji import SHORTCODES, replace_shortcodes
from notebook_publish.rawhtml import RawHtmlFilter
from publish_harness import Project, assert_clean


def pandoc_emoji(text: str) -> str:
    return pypandoc.convert_text(text, "plain", format="gfm", extra_args=["--wrap=none"]).strip()


def test_the_table_is_pandocs():
    names = sorted(SHORTCODES)
    text = "\n\n".join(f":{name}:" for name in names)
    done = subprocess.run(
        [pypandoc.get_pandoc_path(), "-f", "gfm", "-t", "json"], input=text.encode(), capture_output=True, check=True
    )
    got = {}
    for block in json.loads(done.stdout)["blocks"]:
        for inline in block["c"]:
            if inline["t"] == "Span" and "emoji" in inline["c"][0][1]:
                got[dict(inline["c"][0][2])["data-emoji"]] = "".join(i["c"] for i in inline["c"][1] if i["t"] == "Str")
    assert got == SHORTCODES
    assert len(SHORTCODES) > 1800 and SHORTCODES["eyes"] == "👀" and SHORTCODES["+1"] == "👍"


def test_shortcodes_are_read_as_pandoc_reads_them():
    for text in (
        ":eyes: :foo:eyes: :eyes::eyes:x 10:30:eyes: ::eyes:: :+1:+1: :1: :Eyes: a:rocket:b",
        ":white_check_mark: done, :x: not",
    ):
        assert replace_shortcodes(text) == pandoc_emoji(text)


def test_html_blocks_get_the_emoji_but_code_in_them_does_not():
    filt = RawHtmlFilter(image=lambda src, alt: f"[{alt}]")
    html = filt.feed(
        '<p align="center">:rocket: Launch <code>:eyes:</code> <img src="x.png" alt=":tada: party"> :1:</p>'
    )
    assert html == "<p>🚀 Launch <code>:eyes:</code> [🎉 party] :1:</p>"


NOTE = """# Emoji :eyes: everywhere

:eyes: at the start of a line, and :rocket: inside one.

## Topic :tada:

- item :white_check_mark:
- [a link :star:](other.md)

| head :eyes: | b |
|---|---|
| :smile: | **bold :fire:** |

<p align="center">:bulb: An HTML block with :sparkles:</p>

<details><summary>:eyes: Summary</summary>

Inside :zap:
</details>

<table><tr><td>:bug: cell</td></tr></table>

Unknown :1: and :notanemoji: stay, and so does `:eyes:` in code.
"""


@pytest.mark.slow
def test_every_shortcode_becomes_the_emoji_in_the_pdf_and_the_deck(tmp_path):
    project = Project(tmp_path / "book")
    project.write("index.md", NOTE)
    project.write("other.md", "# Other\n\nText.\n")
    project.config("title: Book\nnotes: notes\nmedia: []\n")
    for command in ("pdf", "slides"):
        assert_clean(project.run(command))
    text = project.pdf_text()
    for emoji in "👀🚀🎉✅⭐😄🔥💡✨⚡🐛":
        assert emoji in text, emoji
    left = set(__import__("re").findall(r":([a-z_]+):", text))
    assert left == {"notanemoji", "eyes"}, left  # `:eyes:` only in the inline code
    assert text.count(":eyes:") == 1 and ":1:" in text
    xml = project.deck_xml()
    for emoji in "🎉✅😄🔥":  # (a list item that only links to a note is navigation: not on a slide)
        assert emoji in xml, emoji
    assert ":tada:" not in xml and ":smile:" not in xml
