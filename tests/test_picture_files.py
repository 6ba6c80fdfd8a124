"""Pictures that exist but cannot be drawn, and pictures a camera stored turned.

A file that is text saved as `.png`, a JPEG cut short, a decompression bomb or an SVG
that is not XML is a placeholder naming the file in the PDF and on the slides, with a
`bad-image` warning at the picture's line and column from `check`, `pdf` and `slides`
alike. A picture in a format that cannot be drawn (HEIC) is an `unsupported-image`, not
"not found". A JPEG with an EXIF orientation is upright on the slide, in a frame of
its upright shape.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, features

from notebook_publish import pictures
from notebook_publish.cache import MemoryCache
from notebook_publish.picture_marks import PictureMarker
from publish_harness import Project, assert_clean, png_bytes
from test_hostile import png_bomb

DIAGNOSTIC = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>\w+)\[(?P<code>[\w-]+)\]: (?P<message>.*)$", re.M
)

RED, GREEN, BLUE = (230, 20, 20), (20, 200, 40), (20, 40, 230)


def jpeg_bytes(im: Image.Image, **save) -> bytes:
    out = io.BytesIO()
    im.save(out, "JPEG", quality=95, **save)
    return out.getvalue()


def fake_heic() -> bytes:
    """The start of an iPhone photo: an ISO media `ftyp` box with the HEIC brands."""
    return b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(range(256)) * 4


def found(run, code: str) -> list[dict]:
    return [m.groupdict() for m in DIAGNOSTIC.finditer(run.output) if m["code"] == code]


# --- the judge, in-process -------------------------------------------------------------


@pytest.mark.slow
def test_the_judge_names_what_is_wrong_with_each_file():
    photo = jpeg_bytes(Image.new("RGB", (64, 48), RED))
    assert pictures.judge(photo, ".jpg") == pictures.Verdict(None, "", 64, 48)
    assert pictures.judge(png_bytes(10, 20), ".png").ok
    assert pictures.judge(b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>', ".svg").ok

    cases = {
        "text.png": (b"just some text\n", "not a picture"),
        "cut.jpg": (photo[: len(photo) // 2], "cut short"),
        "cut.png": (png_bytes(200, 200)[:-40], "cut short"),
        "empty.gif": (b"", "empty"),
        "bomb.png": (png_bomb(30000, 30000), "900,000,000 pixels"),
        "doc.png": (b"PK\x03\x04" + bytes(60), "ZIP archive"),
        "broken.svg": (b"<svg><unclosed", "not an SVG picture"),
        "page.svg": (b"<html><body/></html>", "not an SVG picture"),
    }
    for name, (data, words) in cases.items():
        verdict = pictures.judge(data, "." + name.rsplit(".", 1)[1])
        assert verdict.problem == pictures.BAD and words in verdict.reason, (name, verdict)
    heic = pictures.judge(fake_heic(), ".heic")
    assert heic.problem == pictures.UNSUPPORTED
    assert pictures.message(heic, "photo.heic") == (
        "`photo.heic` is a HEIC picture, which the PDF and slides cannot show",
        "convert it to PNG or JPEG",
    )


def test_an_exif_turn_gives_the_upright_size():
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = jpeg_bytes(Image.new("RGB", (80, 30), RED), exif=exif.tobytes())
    verdict = pictures.judge(stored, ".jpg")
    assert verdict.ok and (verdict.width, verdict.height) == (30, 80)


def test_each_file_is_judged_once_and_the_verdict_is_cached(tmp_path):
    (tmp_path / "bad.png").write_text("not a picture", encoding="utf-8")
    note = tmp_path / "note.md"
    text = "# N\n\n![one](bad.png)\n\nand again ![two](bad.png)\n"
    ast = {
        "blocks": [
            {"t": "Para", "c": [{"t": "Image", "c": [["", [], []], [], ["bad.png", ""]]}]},
            {"t": "Para", "c": [{"t": "Image", "c": [["", [], []], [], ["bad.png", ""]]}]},
        ]
    }
    cache = MemoryCache()
    marker = PictureMarker(frozenset({(tmp_path / "bad.png").resolve()}), cache)
    diagnostics = marker.mark(note, text, ast)
    assert [(d.code, d.line, d.col) for d in diagnostics] == [("bad-image", 3, 1), ("bad-image", 5, 11)]
    assert all(block["c"][0]["c"][0][1] == ["bad-image"] for block in ast["blocks"])
    assert len(marker.verdicts) == 1 and len(cache.entries) == 1
    # A second build reads the verdict from the cache (the file is not decoded again).
    again = PictureMarker(marker.files, cache)
    assert again.verdict((tmp_path / "bad.png").resolve()).problem == "bad-image"


# --- the real command line ---------------------------------------------------------------


def picture_project(tmp_path) -> Project:
    project = Project(tmp_path / "book")
    photo = jpeg_bytes(Image.new("RGB", (300, 200), RED))
    (project.media / "bomb.png").write_bytes(png_bomb(30000, 30000))
    (project.media / "notes.png").write_text("this is a text file, not a PNG\n", encoding="utf-8")
    (project.media / "cut.jpg").write_bytes(photo[: len(photo) // 2])
    (project.media / "broken.svg").write_text("<svg><unclosed", encoding="utf-8")
    (project.media / "photo.heic").write_bytes(fake_heic())
    (project.media / "good.png").write_bytes(png_bytes(41, 29, GREEN))
    project.write(
        "index.md",
        "# Pictures\n\n## Broken\n\nA paragraph first.\n\n"  # lines 1-5
        "![A bomb](../media/bomb.png)\n\n"  # line 7
        "Inline ![text](../media/notes.png) and ![cut](../media/cut.jpg) pictures.\n\n"  # line 9
        "![An SVG](../media/broken.svg)\n\n"  # line 11
        "## Formats\n\n"
        "![A phone photo](../media/photo.heic)\n\n"  # line 15
        "![A good one](../media/good.png)\n",  # line 17
    )
    return project


@pytest.mark.slow
def test_broken_pictures_are_named_placeholders_with_a_warning_everywhere(tmp_path):
    project = picture_project(tmp_path)
    runs = project.run_all()
    expected_bad = [("7", "1", "bomb.png"), ("9", "8", "notes.png"), ("9", "40", "cut.jpg"), ("11", "1", "broken.svg")]
    for name, run in runs.items():
        assert_clean(run, (0,))
        assert run.max_rss_mb < 1000, str(run)  # the bomb is never decoded
        bad = found(run, "bad-image")
        assert [(d["line"], d["col"], re.search(r"`([^`]+)`", d["message"])[1]) for d in bad] == expected_bad, (
            name + str(run)
        )
        assert all(d["path"] == "notes/index.md" for d in bad)
        [heic] = found(run, "unsupported-image")
        assert (heic["line"], heic["col"]) == ("15", "1")
        assert heic["message"].startswith("`photo.heic` is a HEIC picture, which the PDF and slides cannot show")
        assert "convert it to PNG or JPEG" in run.output
        assert found(run, "missing-image") == [] and found(run, "slide-image") == []

    text = " ".join(project.pdf_text().split())
    for name in ("bomb.png", "notes.png", "cut.jpg", "broken.svg"):
        assert f"UNREADABLE IMAGE {name}" in text, (name, text)
    assert "UNSUPPORTED IMAGE FORMAT photo.heic" in text
    assert "A bomb" not in text and "An SVG" not in text  # a placeholder, not the alt text as if it were a picture
    assert (41, 29) in project.pdf_images()  # the good one is drawn

    from pptx import Presentation

    placeholders = []
    for deck in project.decks():
        for slide in Presentation(str(deck)).slides:
            placeholders += [s.text_frame.text for s in slide.shapes if s.name == "Missing image"]
    assert sorted(placeholders) == sorted(
        [
            "Unreadable image\nbomb.png",
            "Unreadable image\nnotes.png",
            "Unreadable image\ncut.jpg",
            "Unreadable image\nbroken.svg",
            "Unsupported image format\nphoto.heic",
        ]
    )


@pytest.mark.slow
def test_an_avif_is_found_and_drawn_where_pillow_reads_it(tmp_path):
    project = Project(tmp_path / "book")
    out = io.BytesIO()
    Image.new("RGB", (53, 31), BLUE).save(out, "AVIF" if features.check("avif") else "PNG")
    (project.media / "picture.avif").write_bytes(out.getvalue())
    project.write("index.md", "# Pictures\n\n## AVIF\n\n![An AVIF](../media/picture.avif)\n")
    runs = project.run_all()
    for run in runs.values():
        assert_clean(run, (0,))
        assert found(run, "missing-image") == [], str(run)  # found, not "not found"
    if not features.check("avif"):
        pytest.skip("this Pillow cannot read AVIF; test_the_judge covers the unsupported case")
    for run in runs.values():
        assert found(run, "unsupported-image") == [] and found(run, "bad-image") == [], str(run)
    assert (53, 31) in project.pdf_images()
    from publish_harness import image_sizes

    assert (53, 31) in image_sizes(project.deck_media())  # converted to PNG for PowerPoint


def test_a_turned_jpeg_is_upright_on_the_slide_in_a_portrait_frame(tmp_path):
    # Upright, the picture is portrait: red on top (green in its top-right corner),
    # blue below. The camera stored it turned a quarter to the left, with orientation 6.
    upright = Image.new("RGB", (60, 100), BLUE)
    upright.paste(RED, (0, 0, 60, 50))
    upright.paste(GREEN, (40, 0, 60, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    assert stored.size == (100, 60)
    project = Project(tmp_path / "book")
    (project.media / "phone.jpg").write_bytes(jpeg_bytes(stored, exif=exif.tobytes()))
    project.write("index.md", "# Photos\n\n## Phone\n\n![A phone photo](../media/phone.jpg)\n")
    run = project.run("slides")
    assert_clean(run, (0,))

    from pptx import Presentation

    [deck] = project.decks()
    [picture] = [s for slide in Presentation(str(deck)).slides for s in slide.shapes if s.shape_type == 13]
    assert picture.height > picture.width  # a portrait frame
    assert abs(picture.width / picture.height - 60 / 100) < 0.01
    with Image.open(io.BytesIO(picture.image.blob)) as embedded:
        assert embedded.getexif().get(0x0112, 1) == 1  # no viewer turns it again
        im = embedded.convert("RGB")
    assert im.size == (60, 100)

    def near(colour, wanted):
        return all(abs(a - b) < 40 for a, b in zip(colour, wanted))

    assert near(im.getpixel((10, 30)), RED)  # top left
    assert near(im.getpixel((52, 8)), GREEN)  # top right
    assert near(im.getpixel((30, 80)), BLUE)  # bottom


@pytest.mark.slow
def test_a_data_uri_picture_is_judged_and_reported_at_its_own_line(tmp_path):
    import base64

    good = base64.b64encode(png_bytes(4, 3)).decode("ascii")
    p = Project(tmp_path / "book")
    p.write(
        "index.md",
        "# Data pictures\n\nOne.\n\nTwo.\n\nThree.\n\n![broken](data:image/png;base64,AAAA)\n\n"
        f"Fine: ![dot](data:image/png;base64,{good})\n",
    )
    runs = p.run_all("-v")
    for command, run in runs.items():
        assert_clean(run, codes=(0,))
        # At line 9, where it is written; never at line 1 from the typesetter.
        assert "notes/index.md:9:1: warning[bad-image]" in run.output, command
        assert "index.md:1:1" not in run.output and "[typesetting]" not in run.output, command
    assert "UNREADABLE IMAGE" in p.pdf_text().upper()
    assert (4, 3) in p.pdf_images()
