"""List bullets drawn into the typeset pages after layout (handbook/overdraw/bullets.py): a
disc, a ring and a square by depth, in the hanging indent left of each item's first
word, in the theme's muted ink, and nothing in the text layer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from notebook_publish.handbook.overdraw.bullets import bullet_ops
from test_handbook import Pdf, build, word_boxes

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils")

MM = 72 / 25.4  # points per millimetre


def test_the_shapes_and_where_they_go():
    # A 10 px span at (100, 200), 20 px tall: the 7 px picture square starts 1.2 mm in
    # and 55% of the free 13 px down; the shapes are centred in it.
    disc = bullet_ops("disc", 100, 200, 20, 10, (0.5, 0.5, 0.5))
    assert disc.startswith(b"0.5 0.5 0.5 rg ") and disc.endswith(b" h f")
    left = 100 + 1.2 * 96 / 25.4
    cx, r = left + 3.5, 0.22 * 7
    assert f"{cx + r:.3f}".rstrip("0").encode() in disc.split(b" m")[0]
    ring = bullet_ops("circle", 100, 200, 20, 10, (0, 0, 0))
    assert b" RG " in ring and b" w " in ring and ring.endswith(b" h S")
    square = bullet_ops("square", 100, 200, 20, 10, (0, 0, 0))
    assert square.endswith(b" re f")
    assert bullet_ops("none", 100, 200, 20, 10, (0, 0, 0)) is None
    assert bullet_ops("decimal", 100, 200, 20, 10, (0, 0, 0)) is None


@pytest.fixture(scope="module")
def nested(tmp_path_factory):
    root = tmp_path_factory.mktemp("bullets")
    (root / "notes").mkdir()
    (root / "notes" / "index.md").write_text(
        "# Bullets\n\n- Alphafirst item\n  - Betasecond item\n    - Gammathird item\n- Deltafourth item\n",
        encoding="utf-8",
    )
    (root / "handbook.yml").write_text("title: Bullets\nnotes: notes\nmedia: []\n", encoding="utf-8")
    out, diagnostics = build(root)
    assert not [d for d in diagnostics if d.severity >= 2]
    return out


def _ink_left_of(pdf: Path, page: int, word: str, tmp: Path) -> list[tuple[int, int, int]]:
    """The non-white pixels in the 5.5 mm hanging indent left of a word, on its line."""
    x0, y0, _x1, y1, _w = next(b for b in word_boxes(pdf, page) if b[4] == word)
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
    region = image.crop((int((x0 - 5.5 * MM) * scale), int(y0 * scale), int((x0 - 0.3) * scale), int(y1 * scale)))
    pixels = getattr(region, "get_flattened_data", region.getdata)()  # getdata is deprecated in newer Pillow
    return [p for p in pixels if sum(p) < 700]


def test_every_level_gets_its_shape_in_muted_ink(nested, tmp_path):
    pdf = Pdf(nested)
    page = pdf.page_with("Alphafirst")
    marks = {
        word: _ink_left_of(nested, page, word, tmp_path)
        for word in ("Alphafirst", "Betasecond", "Gammathird", "Deltafourth")
    }
    for word, ink in marks.items():
        assert len(ink) >= 4, f"no bullet left of {word}"
        assert all(abs(r - g) < 30 and abs(g - b) < 30 for r, g, b in ink)  # grey, not the accent colour
    # A filled disc puts down more ink than a ring of about its size.
    assert len(marks["Alphafirst"]) > len(marks["Betasecond"])
    assert len(marks["Alphafirst"]) == pytest.approx(len(marks["Deltafourth"]), rel=0.2)


def test_bullets_are_not_text(nested):
    text = subprocess.run(["pdftotext", str(nested), "-"], capture_output=True, text=True, check=True).stdout
    assert "Alphafirst item" in text
    assert not any(ch in text for ch in "•◦▪∙·")
