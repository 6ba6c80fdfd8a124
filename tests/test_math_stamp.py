"""Formulas drawn into the typeset pages after layout (handbook/overdraw/math_stamp.py): the
outlines land in the box the formula took in the line, in the colour of the text
around it, wherever the formula is (heading, table, quote, footnote)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from notebook_publish import mathrender
from notebook_publish.handbook.overdraw.math_stamp import can_stamp
from notebook_publish.handbook.overdraw.svg_ops import formula_ops
from test_handbook import Pdf, build, word_boxes

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10" viewBox="0 0 20 10">{}</svg>'


def test_renderer_output_is_stampable_and_foreign_svg_is_not():
    assert can_stamp(mathrender.render_svg(r"\frac{a}{\sqrt{b}} + \sum_i x_i", True).svg)
    assert not can_stamp(SVG.format('<text x="0" y="5">a</text>'))
    assert not can_stamp(SVG.format('<image href="file:///etc/passwd" width="5" height="5"/>'))


def test_quadratic_curves_become_the_same_cubic_and_black_takes_the_text_colour():
    ops, width, height = formula_ops(SVG.format('<path d="M 0 0 Q 3 6 6 0 Z" fill="black"/>'))
    assert (width, height) == (20.0, 10.0)
    # Control points two thirds of the way from each end to the quadratic's control point.
    assert b"0 0 m\n2 4 4 4 6 0 c\nh\nf" in ops
    assert b"rg" not in ops  # black is left to the colour set for the slot
    red, _, _ = formula_ops(SVG.format('<rect x="1" y="2" width="3" height="4" fill="#ff0000"/>'))
    assert red.startswith(b"1 0 0 rg\n1 2 m") and red.endswith(b"f")
    stroked, _, _ = formula_ops(SVG.format('<path d="M 0 0 L 5 5" fill="none" stroke="black" stroke-width="0.5"/>'))
    assert stroked.endswith(b"S") and b"0.5 w" in stroked


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    root = tmp_path_factory.mktemp("math-places")
    (root / "notes").mkdir()
    (root / "notes" / "index.md").write_text(
        "# Math places\n\n"
        "## Energy $E = mc^2$ in a heading\n\n"
        "Body text with $\\alpha + \\beta$ between words.[^1]\n\n"
        "| formula | meaning |\n| --- | --- |\n| $\\sqrt{x}$ | a root |\n\n"
        "> A quote with $\\sqrt{y}$ inside.\n\n"
        "[^1]: The footnote holds $\\gamma$ too.\n",
        encoding="utf-8",
    )
    (root / "handbook.yml").write_text("title: Math places\nnotes: notes\nmedia: []\n", encoding="utf-8")
    out, _ = build(root)
    return out, root


def _ink_between(pdf: Path, page: int, left: str, right: str, tmp: Path) -> list[tuple[int, int, int]]:
    """Colours of the non-white pixels between two words that follow each other on one
    line of a page (the nearest such pair)."""
    boxes = word_boxes(pdf, page)
    pairs = [
        (b[0] - a[2], a, b)
        for a in boxes
        if a[4] == left
        for b in boxes
        if b[4] == right and b[0] > a[2] and abs(b[1] - a[1]) < 8
    ]
    _gap, (_x0, y0, x1, y1, _w), after = min(pairs)
    dpi = 144
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-f",
            str(page + 1),
            "-l",
            str(page + 1),
            "-singlefile",
            str(pdf),
            str(tmp / "page"),
        ],
        check=True,
    )
    image = Image.open(tmp / "page.png").convert("RGB")
    scale = dpi / 72
    region = image.crop(
        (int((x1 + 1) * scale), int((y0 - 4) * scale), int((after[0] - 1) * scale), int((y1 + 4) * scale))
    )
    pixels = getattr(region, "get_flattened_data", region.getdata)()  # getdata is deprecated in newer Pillow
    return [p for p in pixels if sum(p) < 600]


def test_formulas_are_drawn_between_the_words_around_them(places, tmp_path):
    out, _ = places
    pdf = Pdf(out)
    page = pdf.page_with("Body text with")
    body = _ink_between(out, page, "with", "between", tmp_path)
    assert len(body) > 40  # α + β is drawn where the text left room for it
    assert all(abs(r - g) < 40 and abs(g - b) < 40 for r, g, b in body)  # in the body's near-black ink
    heading = _ink_between(out, page, "Energy", "in", tmp_path)
    assert len(heading) > 40
    # In the heading's accent blue, not black: blue clearly above red on the darkest pixels.
    darkest = sorted(heading, key=sum)[: len(heading) // 3]
    assert sum(b - r for r, _, b in darkest) / len(darkest) > 30
    for left, right in (("with", "inside."), ("holds", "too.")):
        assert len(_ink_between(out, page, left, right, tmp_path)) > 20
    # No TeX and no stray text for the formulas in the text layer.
    text = " ".join(pdf.pages)
    assert "\\alpha" not in text and "sqrt" not in text


def test_a_formula_in_a_table_cell_is_drawn(places):
    out, _ = places
    pdf = Pdf(out)
    assert pdf.curve_count(pdf.page_with("a root")) > 10


def test_the_fast_reader_gives_what_the_svg_parser_gives():
    """ziamath's SVGs are read without svgelements; the shapes must be the same, and
    anything else must fall back to svgelements."""
    from notebook_publish.handbook.overdraw.svg_ops import _parsed_shapes, _simple_shapes

    formulas = [
        r"\frac{a}{\sqrt{b}} + \sum_i x_i",
        r"\binom{n}{k}",
        r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}",
        r"\cancel{x} + \color{red}{y}",
        r"\int_0^\infty e^{-x^2} dx",
    ]
    for tex in formulas:
        for display in (False, True):
            svg = mathrender.render_svg(tex, display).svg
            fast = _simple_shapes(svg)
            assert fast is not None, tex
            assert fast == _parsed_shapes(svg), tex
    # Relative commands, transforms, arcs, text: not the renderer's form.
    for other in (
        SVG.format('<path d="m 0 0 l 5 5 z" fill="black"/>'),
        SVG.format('<g transform="scale(2)"><path d="M 0 0 L 5 5 Z"/></g>'),
        SVG.format('<path d="M 0 0 A 5 5 0 0 1 10 0 Z" fill="black"/>'),
        SVG.format('<!-- note --><path d="M 0 0 L 5 5 Z"/>'),
    ):
        assert _simple_shapes(other) is None
        assert formula_ops(other)[0]  # drawn all the same, through svgelements
