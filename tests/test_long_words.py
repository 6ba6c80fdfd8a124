"""Long URLs, identifiers and words break inside the measure: nothing the PDF prints
crosses the text area's edge."""

from __future__ import annotations

import re
import subprocess

from publish_harness import Project, assert_clean

A4_WIDTH_PT = 595.276
SIDE_MARGIN_PT = 22 * 72 / 25.4  # the default theme's @page margin
URL = (
    "https://example.com/a/very/long/path/that/keeps/going/and/going/without/any/break/at/all/index.html?query=1&more=2"
)
IDENT = "SomeVeryLongIdentifierNameThatNeverEndsAndKeepsGoingForeverAndEverMore_with_underscores_too"
WORD = "Pneumonoultramicroscopicsilicovolcanoconiosisandevenmorelettersaddedhereforgoodmeasure"


def test_nothing_crosses_the_text_area(tmp_path):
    p = Project(tmp_path / "book")
    p.write(
        "index.md",
        "# Long things\n\n"
        f"See {URL} for details, or <{URL}>, or [the page]({URL}) with [{URL}]({URL}).\n\n"
        f"An identifier: `{IDENT}`, and one more `{IDENT}{IDENT}`.\n\n"
        f"A word: {WORD}.\n\n"
        f"- a list item with {URL}\n  - nested, with `{IDENT}`\n\n"
        f"> quoted: {URL} and `{IDENT}`\n\n"
        f"| name | value |\n| --- | --- |\n| `{IDENT}` | {URL} |\n",
    )
    assert_clean(p.run("pdf"), codes=(0,))
    boxes = subprocess.run(["pdftotext", "-bbox", str(p.pdf), "-"], capture_output=True, text=True).stdout
    right = A4_WIDTH_PT - SIDE_MARGIN_PT
    words = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', boxes)
    assert len(words) > 30
    # A glyph box may end a point or two past the measure (a code span's padding, a
    # justified line's rounding); before, an inline identifier ran 24 pt past it.
    over = [(text, float(x_max)) for x_min, x_max, text in words if float(x_max) > right + 2.0]
    assert over == []
    lefts = [float(x_min) for x_min, _x_max, _text in words]
    assert min(lefts) >= SIDE_MARGIN_PT - 1.0
