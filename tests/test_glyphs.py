"""Every character gets a glyph, or a `missing-glyph` warning that names it.

Emoji are drawn with Noto Emoji and Hangul with Noto Sans KR (both PyPI font packages,
declared only in the documents that use them); a character no shipped font has is
reported by check, pdf and slides alike, at its line and column, before typesetting.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from notebook_publish import glyphs
from notebook_publish.cache import Cache
from publish_harness import Project, assert_clean

DIAGNOSTIC = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>\w+)\[(?P<code>[\w-]+)\]: (?P<message>.*)$", re.M
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man, woman, girl joined by ZWJ
PRIVATE = "\uf123"  # private use: no font has it
UNNAMED = "\U0001faff"  # not assigned in Unicode: no font has it

NOTE = (
    "# Glyphs \U0001f600\n"  # 1
    "## Emoji and Hangul \U0001f389\n"  # 2: a topic, so a deck
    f"Emoji: \U0001f600 \U0001f44d \U0001f389 \u2705 and a family {FAMILY} here.\n"  # 3
    "\n"  # 4
    "Korean: \ud55c\uad6d\uc5b4 text, a thumb \U0001f44d\U0001f3fd, a warning \u26a0\ufe0f, a key 1\ufe0f\u20e3, a flag \U0001f1f0\U0001f1f7.\n"  # 5
    "\n"  # 6
    f"Combining: e\u0301 and q\u0303; private use {PRIVATE} and unassigned {UNNAMED}.\n"  # 7
    "\n"  # 8
    f"Again {PRIVATE} in `code {PRIVATE}` and math $x$.\n"  # 9
    "\n"  # 10
    "```\n"  # 11
    "code \ud55c\uad6d\uc5b4 \U0001f600\n"  # 12
    "```\n"  # 13
)
EXPECTED = {
    ("7", str(NOTE.split("\n")[6].index(PRIVATE) + 1), "U+F123"),
    ("7", str(NOTE.split("\n")[6].index(UNNAMED) + 1), "U+1FAFF"),
}


def found(run, code: str) -> list[dict]:
    return [m.groupdict() for m in DIAGNOSTIC.finditer(run.output) if m["code"] == code]


# --- the check, in-process -----------------------------------------------------------------


def test_only_the_characters_no_font_has_are_reported_once_each_at_their_first_place():
    cov = glyphs.coverage(None)
    found_ = glyphs.check_text(Path("n.md"), NOTE, cov)
    places = {(str(d.line), str(d.col), re.search(r"`(U\+[0-9A-F]+)`", d.message).group(1)) for d in found_}
    assert places == EXPECTED
    [apple] = [d for d in found_ if "U+F123" in d.message]
    assert "private-use" in apple.message and "3 times" in apple.message  # prose, then the code span
    assert all(d.code == "missing-glyph" for d in found_)


def test_names_come_from_unicode():
    assert glyphs.describe("\U0001f600") == "`U+1F600` GRINNING FACE"
    assert "private-use" in glyphs.describe(PRIVATE)


def test_joiners_marks_and_selectors_are_not_reported_when_their_base_is_drawn():
    cov = glyphs.coverage(None)
    text = f"{FAMILY} \U0001f44d\U0001f3ff \u2764\ufe0f a\u0301\u0302 x\u20dd \U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f\n"
    assert glyphs.check_text(Path("n.md"), text, cov) == []
    # A mark after a character no font has is not reported a second time.
    assert [d.col for d in glyphs.check_text(Path("n.md"), f"ab {PRIVATE}\u0301\ufe0f\n", cov)] == [4]


def test_code_is_checked_against_the_mono_stack_and_math_is_left_to_the_math_renderer():
    cov = glyphs.coverage(None)
    assert glyphs.check_text(Path("n.md"), f"$$\n{PRIVATE}\n$$\n\nInline ${PRIVATE}$ math.\n", cov) == []
    [d] = glyphs.check_text(Path("n.md"), f"```\n{PRIVATE}\n```\n", cov)
    assert (d.line, d.col) == (2, 1)


def test_an_ascii_note_costs_nothing():
    # No coverage is even needed: the checker never reads the fonts for it.
    checker = glyphs.NoteChecker(None)
    assert checker.check(Path("n.md"), "# Plain\n\nOnly ASCII.\n") == []
    assert checker._coverage is None


def test_the_coverage_is_kept_in_the_build_cache(tmp_path, monkeypatch):
    cache = Cache(tmp_path)
    glyphs._memo.clear()
    first = glyphs.coverage(cache)
    assert list((tmp_path / "misc").rglob("*")), "nothing was cached"
    glyphs._memo.clear()
    monkeypatch.setattr(glyphs, "_cmap", lambda path: pytest.fail("the fonts were read again"))
    again = glyphs.coverage(cache)
    assert all((ch in again.text) == (ch in first.text) for ch in "a\u00e9\U0001f600\ud55c" + PRIVATE)
    assert again.fallbacks_for("a \U0001f600 \ud55c") == ["Noto Emoji", "Noto Sans KR"]
    assert again.fallbacks_for("plain text \u2014 \u201cquoted\u201d") == []


def test_a_book_in_latin_script_declares_no_fallback_font():
    from notebook_publish.handbook.typeset.faces import fallback_css

    cov = glyphs.coverage(None)
    faces = {f.family: f for f in _static_like_faces()}
    url = lambda p: p.as_uri()  # noqa: E731
    assert (
        fallback_css("<p>Caf\u00e9 \u2014 na\u00efve \u201cquotes\u201d \u2192 \u03b1\u03b2</p>", cov, faces, url) == ""
    )
    css = fallback_css("<p>Hi \U0001f600 \ud55c</p>", cov, faces, url)
    assert css.count("@font-face") == 2 and '"Noto Emoji"' in css and '"Noto Sans KR"' in css
    # The theme's stacks end with var(--fallback): only the declared fallbacks are named.
    assert '--fallback: "STIX Two Math", "Noto Emoji", "Noto Sans KR";' in css


def _static_like_faces():
    from notebook_publish import fonts
    from notebook_publish.handbook.typeset.static_fonts import StaticFace

    return [StaticFace(f.family, f.path, False, 400) for f in fonts.fallback_faces()]


# --- the slides' measure ----------------------------------------------------------------------


def test_the_slides_measure_emoji_as_the_emoji_font_draws_them():
    from notebook_publish.slides.text_metrics import Face, TextMeasurer

    m = TextMeasurer()
    sans = Face("sans")
    one = m.width("\U0001f600", sans)
    assert one >= 1.0  # Noto Emoji's advance, not a .notdef's
    assert m.width(FAMILY, sans) == pytest.approx(one)  # a ZWJ sequence is one emoji
    assert m.width("\U0001f44d\U0001f3fd", sans) == pytest.approx(one)  # the skin tone joins it
    assert m.width("\U0001f1f0\U0001f1f7\U0001f1ef\U0001f1f5", sans) == pytest.approx(2 * one)  # two flags
    assert m.width("\ud55c\uad6d\uc5b4", sans) >= 3.0


# --- what a reader gets -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = Project(tmp_path_factory.mktemp("glyphs") / "book")
    project.write("index.md", NOTE + "\nSee [the plain note](plain.md).\n")
    project.write("plain.md", "# Plain\n\n## Latin only\n\nNothing but Latin text \u2014 \u201cquoted\u201d.\n")
    runs = project.run_all()
    return project, runs


@pytest.mark.slow
def test_check_pdf_and_slides_report_exactly_the_characters_without_a_glyph(built):
    project, runs = built
    for command, run in runs.items():
        assert_clean(run, (0,))
        places = {
            (d["line"], d["col"], re.search(r"`(U\+[0-9A-F]+)`", d["message"]).group(1))
            for d in found(run, "missing-glyph")
        }
        assert places == EXPECTED, f"{command}: {run}"
        assert all(d["path"].endswith("index.md") for d in found(run, "missing-glyph"))


@pytest.mark.slow
def test_the_pdf_embeds_the_emoji_and_hangul_fonts_and_gives_the_text_back(built):
    from pypdf import PdfReader

    project, _runs = built
    reader = PdfReader(str(project.pdf))
    names = set()
    for page in reader.pages:
        fonts_ = page.get("/Resources", {}).get("/Font", {})
        names |= {str(f.get_object().get("/BaseFont")) for f in fonts_.values()}
        for xobject in page.get("/Resources", {}).get("/XObject", {}).values():  # the merged parts are forms
            inner = xobject.get_object().get("/Resources", {}).get("/Font", {})
            names |= {str(f.get_object().get("/BaseFont")) for f in inner.values()}
    assert any("Noto-Emoji" in n for n in names), names
    assert any("Noto-Sans-KR" in n for n in names), names
    text = project.pdf_text()
    for wanted in ("\U0001f600", "\U0001f44d", "\U0001f389", "\u2705", "\ud55c\uad6d\uc5b4", FAMILY):
        assert wanted in text, wanted


def _word_boxes(pdf: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    done = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    words = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', done.stdout
    )
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in words]


def _glyph_picture(pdf: Path, page: int, box, tmp: Path, dpi: int = 300) -> Image.Image:
    """The word's box on the rendered page, as a black-and-white picture."""
    _w, x0, y0, x1, y1 = box
    stem = tmp / f"page{page}"
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-f",
            str(page),
            "-l",
            str(page),
            "-gray",
            "-png",
            "-singlefile",
            str(pdf),
            str(stem),
        ],
        check=True,
        timeout=120,
    )
    scale = dpi / 72
    with Image.open(f"{stem}.png") as image:
        region = image.convert("L").crop((int(x0 * scale), int(y0 * scale), int(x1 * scale) + 1, int(y1 * scale) + 1))
        return region.point(lambda v: 255 if v < 160 else 0)  # ink white on black, for getbbox


def _ink(picture: Image.Image, box=None) -> float:
    data = (picture.crop(box) if box else picture).tobytes()
    return sum(1 for v in data if v) / max(1, len(data))


@pytest.mark.slow
def test_an_emoji_is_drawn_as_a_glyph_not_as_an_empty_box(built, tmp_path):
    project, _runs = built
    page = next(i for i in range(1, 10) if any(w[0] == PRIVATE for w in _word_boxes(project.pdf, i)))
    boxes = _word_boxes(project.pdf, page)
    # The biggest grinning face on the page (the chapter title's) and the missing character.
    face = _glyph_picture(
        project.pdf, page, max((w for w in boxes if w[0] == "\U0001f600"), key=lambda w: w[4] - w[2]), tmp_path
    )
    missing = _glyph_picture(project.pdf, page, next(w for w in boxes if w[0] == PRIVATE), tmp_path)
    face = face.crop(face.getbbox())
    missing = missing.crop(missing.getbbox())
    w, h = face.size
    assert w > 10 and h > 10, face.size
    # An empty box (.notdef; Source Serif's has a cross inside) is a rectangle's outline:
    # ink all along its four edges. The grinning face is a circle: it touches its box at
    # four points, its corners are blank, and its eyes and mouth put ink inside.
    assert _is_box(missing), "the missing character was not drawn as the .notdef box this test expects"
    assert not _is_box(face)
    assert _ink(face, (0, 0, max(1, w // 8), max(1, h // 8))) < 0.05
    assert _ink(face, (w // 4, h // 4, 3 * w // 4, 3 * h // 4)) > 0.1


def _is_box(picture: Image.Image) -> bool:
    """Ink along most of its top, bottom and left edges (within 2 pixels of the edge;
    the right one may stick out of the word's box, which is the glyph's advance)."""
    w, h = picture.size
    px = picture.load()
    top = sum(1 for x in range(w) if px[x, 0] or px[x, 1]) / w
    bottom = sum(1 for x in range(w) if px[x, h - 1] or px[x, h - 2]) / w
    left = sum(1 for y in range(h) if px[0, y] or px[1, y]) / h
    return min(top, bottom, left) > 0.8


@pytest.mark.slow
def test_the_decks_name_an_emoji_font_for_emoji_runs(built):
    from pptx import Presentation

    project, _runs = built
    runs = [
        r
        for deck in project.decks()
        for slide in Presentation(str(deck)).slides
        for shape in slide.shapes
        if shape.has_text_frame
        for p in shape.text_frame.paragraphs
        for r in p.runs
    ]
    emoji = [r for r in runs if r.text in ("\U0001f600", FAMILY, "\U0001f44d\U0001f3fd", "\U0001f1f0\U0001f1f7")]
    assert {r.text for r in emoji} == {"\U0001f600", FAMILY, "\U0001f44d\U0001f3fd", "\U0001f1f0\U0001f1f7"}
    assert all(r.font.name == "Segoe UI Emoji" for r in emoji)
    hangul = [r for r in runs if "\ud55c\uad6d\uc5b4" in r.text]
    # Hangul stays in the theme font's run: PowerPoint draws it in its theme's font for the script.
    assert hangul and all(r.font.name in ("Source Sans 3", "Source Code Pro") for r in hangul)
