"""Formulas in the PDF can be searched and copied: each drawn formula carries its text
(the Unicode linear form) in the text layer, where it stands in its line, while the
page still shows only the outlines (handbook/overdraw/text_layer.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pypdf
import pytest
from PIL import Image

from test_handbook import build, copy_seed, word_boxes

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("pdftotext", "pdftoppm", "qpdf")), reason="needs poppler-utils and qpdf"
)

ROOT = Path(__file__).resolve().parents[1]


def pdftotext(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    root = tmp_path_factory.mktemp("math-search")
    (root / "notes").mkdir()
    (root / "notes" / "index.md").write_text(
        "# Searching formulas\n\n"
        "Here the weight $\\alpha$ is small, and it ends with $\\beta$.\n\n"
        "The expectation $\\mathbb{E}[X]$ is a sum.\n\n"
        "$$\n\\mathrm{Attention}(Q, K, V) = \\mathrm{softmax}\\left(\\frac{QK^T}{\\sqrt{d_k}}\\right) V\n$$\n\n"
        "After the display formula, the text goes on.\n",
        encoding="utf-8",
    )
    (root / "handbook.yml").write_text("title: Math search\nnotes: notes\nmedia: []\n", encoding="utf-8")
    out, _ = build(root)
    return out


def _body_page(pdf: Path, words: str) -> int:
    pages = pdftotext(pdf).split("\f")
    return next(i for i, text in enumerate(pages) if words in text)


def test_inline_formulas_read_between_the_words_around_them(book):
    text = pdftotext(book)
    assert "Here the weight α is small, and it ends with β." in text
    # A character beyond the BMP (a surrogate pair in the ToUnicode map) comes out whole.
    assert "The expectation 𝔼[X] is a sum." in text
    assert "\\alpha" not in text and "\\mathbb" not in text


def test_a_display_formula_is_found_by_search_in_its_place(book):
    text = pdftotext(book)
    assert re.search(r"Attention\(Q, K, V\) = softmax\(.*\) V", text)
    assert text.index("is a sum.") < text.index("softmax") < text.index("After the display formula")
    # pypdf (another extractor, in content-stream order) finds it too, and the Greek letter.
    extracted = "\n".join(page.extract_text() for page in pypdf.PdfReader(str(book)).pages)
    assert "softmax" in extracted and "α" in extracted and "𝔼" in extracted


def _dark_pixels(pdf: Path, page: int, box: tuple[float, float, float, float], tmp: Path, name: str) -> int:
    """Dark pixels of a page rendered at 60 dpi inside a box given in points."""
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "60",
            "-gray",
            "-png",
            "-f",
            str(page + 1),
            "-l",
            str(page + 1),
            "-singlefile",
            str(pdf),
            str(tmp / name),
        ],
        check=True,
    )
    image = Image.open(tmp / f"{name}.png").convert("L")
    scale = 60 / 72
    x0, y0, x1, y1 = box
    region = image.crop((int(x0 * scale), int(y0 * scale), int(x1 * scale) + 1, int(y1 * scale) + 1))
    return sum(1 for p in getattr(region, "get_flattened_data", region.getdata)() if p < 160)


def test_the_formula_is_drawn_where_its_text_is(book, tmp_path):
    page = _body_page(book, "softmax")
    words = [w for w in word_boxes(book, page) if w[4].startswith("softmax")]
    assert len(words) == 1
    x0, y0, x1, y1, _ = words[0]
    # The outlines of `softmax(QK^T/√d_k)` fill the box the text layer gives that word.
    assert _dark_pixels(book, page, (x0, y0 - 6, x1, y1 + 6), tmp_path, "page") > 30


def test_the_text_layer_adds_nothing_visible(book, tmp_path):
    """The page with its formula texts taken out of the content renders the same."""
    page = _body_page(book, "softmax")
    with pikepdf.open(book) as pdf:
        target = pdf.pages[page]
        fonts = target.resources.get("/Font", {})
        invisible = [
            name
            for name, font in fonts.items()
            if "/ToUnicode" in font and str(font.get("/BaseFont", "")).startswith("/NPText")
        ]
        assert invisible, "the page has no formula text font"
        kept, inside = [], False
        for operands, operator in pikepdf.parse_content_stream(target):
            if str(operator) == "Tf" and str(operands[0]) in invisible:
                inside = True
            if not inside:
                kept.append((operands, operator))
            if str(operator) == "ET":
                inside = False
        target.Contents = pdf.make_stream(pikepdf.unparse_content_stream(kept))
        stripped = tmp_path / "stripped.pdf"
        pdf.save(stripped)
    assert "softmax" not in pdftotext(stripped)
    for path, name in ((book, "with"), (stripped, "without")):
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "60",
                "-png",
                "-f",
                str(page + 1),
                "-l",
                str(page + 1),
                "-singlefile",
                str(path),
                str(tmp_path / name),
            ],
            check=True,
        )
    assert (tmp_path / "with.png").read_bytes() == (tmp_path / "without.png").read_bytes()


def test_the_pdf_passes_qpdf_check(book):
    result = subprocess.run(["qpdf", "--check", str(book)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _seed_formula_with(word: str) -> str:
    """The seed's display formula (a ```math block) that contains `word`."""
    blocks = re.findall(r"```math\n(.*?)\n```", (ROOT / "notes" / "index.md").read_text(encoding="utf-8"), re.S)
    return next(block.strip() for block in blocks if word in block)


@pytest.mark.slow
def test_the_seed_handbook_has_the_blip_formula_as_text(tmp_path, tmp_path_factory):
    formula = _seed_formula_with("ITM")  # L_{ITM} = -YlogP - (1 - Y)log(1-P)
    project = copy_seed(tmp_path_factory.mktemp("seed-math"))
    out, _ = build(project)
    text = pdftotext(out)
    blip = text.index("Blip")
    lines = [line for line in text[blip:].splitlines() if "ITM" in line and "YlogP" in line]
    assert lines, "the Blip formula's text is not in the text layer"
    # Its letters as written, in the order written; in the section, after the bullet it follows.
    assert re.sub(r"[^A-Za-z]", "", lines[0]) == re.sub(r"[^A-Za-z]", "", formula)
    assert (
        text.index("classify whether it is the right text", blip)
        < text.index(lines[0], blip)
        < text.index("filter for text", blip)
    )
    assert subprocess.run(["qpdf", "--check", str(out)], capture_output=True).returncode == 0
