"""The cache never serves a stale entry: each edit shows in the output, and the
incremental output equals a cold build of the edited project."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from publish_harness import png_bytes

pytestmark = pytest.mark.slow

DEFAULT_THEME = ROOT / "themes" / "default"
EPOCH = "1700000000"


def build(
    project: Path, output: Path, command: str, epoch: str = EPOCH, env: dict | None = None, jobs: str = "2"
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SOURCE_DATE_EPOCH": epoch, **(env or {})}
    done = subprocess.run(
        [sys.executable, "-m", "notebook_publish", command, "--output", str(output), "--jobs", jobs, "-q"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def outputs(output: Path) -> dict[str, bytes]:
    files = [output / "handbook.pdf", *sorted((output / "slides").glob("*.pptx"))]
    return {f.name: f.read_bytes() for f in files}


def build_both(project: Path, output: Path, epoch: str = EPOCH, jobs: str = "2") -> dict[str, bytes]:
    build(project, output, "pdf", epoch, jobs=jobs)
    build(project, output, "slides", epoch, jobs=jobs)
    return outputs(output)


def _package_file(package: str, *parts: str) -> Path:
    from importlib.util import find_spec

    return Path(find_spec(package).submodule_search_locations[0], *parts)


def dejavu_sans() -> Path:
    """A font the project does not ship, from a package that comes with ziamath."""
    return _package_file("ziafont", "fonts", "DejaVuSans.ttf")


def stix_math() -> Path:
    return _package_file("ziamath", "fonts", "STIXTwoMath-Regular.ttf")


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80">'
    '<rect width="120" height="80" fill="#dddddd"/><image href="inner.png" x="20" y="10" width="80" height="60"/></svg>'
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Notes with a picture and an SVG that shows another picture; a user theme whose
    stylesheet @imports another, draws a picture of its own and one from the media
    folder with url(), and sets the level-2 headings in a font file of its own."""
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "index.md").write_text("# Home\n\n- [First](first.md)\n- [Second](second.md)\n")
    (tmp_path / "notes" / "first.md").write_text(
        "# First\n\n## Topic A\n\n- alpha **term**\n- beta\n\n![A photo](../media/photo.png)\n\n![A drawing](../media/drawing.svg)\n"
    )
    (tmp_path / "notes" / "second.md").write_text("# Second\n\n## Topic B\n\n- gamma\n- delta $x^2$\n")
    media = tmp_path / "media"
    media.mkdir()
    (media / "photo.png").write_bytes(png_bytes(60, 40, (200, 30, 30)))
    (media / "inner.png").write_bytes(png_bytes(40, 30, (30, 160, 30)))
    (media / "drawing.svg").write_text(SVG)
    (media / "rule.png").write_bytes(png_bytes(8, 2, (90, 90, 200)))
    theme = tmp_path / "mytheme"
    shutil.copytree(DEFAULT_THEME, theme)
    (theme / "fonts").mkdir()
    shutil.copy(dejavu_sans(), theme / "fonts" / "heading.ttf")
    (theme / "stripe.png").write_bytes(png_bytes(8, 8, (240, 200, 40)))
    (theme / "extra.css").write_text("h1 { text-decoration: underline; }\n")
    css = theme / "handbook.css"
    css.write_text(
        '@import "extra.css";\n'
        + css.read_text()
        + '\n@font-face { font-family: "Heading Face"; src: url("fonts/heading.ttf"); }\n'
        + 'h2 { font-family: "Heading Face"; background: url("stripe.png") repeat-x; }\n'
        + 'h1 { background: url("../media/rule.png") repeat-x left bottom; }\n'
    )
    (tmp_path / "handbook.yml").write_text("title: Fresh Book\ntheme: ./mytheme\n")
    return tmp_path


def test_each_edit_changes_the_output_and_matches_a_cold_build(project, tmp_path):
    """Every input in turn: the rebuild differs from the build before it, and equals a
    cold build of the edited project into a fresh folder, byte for byte. The cold
    builds run one worker, the rebuilds two: the number of workers changes no byte."""
    incremental = project / "build"
    epoch = {"now": EPOCH}
    before = build_both(project, incremental)

    edits = [
        (
            "note",
            lambda: (project / "notes" / "second.md").write_text(
                "# Second\n\n## Topic B\n\n- gamma edited\n- delta $x^3$\n"
            ),
        ),
        ("image", lambda: (project / "media" / "photo.png").write_bytes(png_bytes(60, 40, (30, 30, 200)))),
        (
            "image inside an SVG",
            lambda: (project / "media" / "inner.png").write_bytes(png_bytes(40, 30, (160, 30, 160))),
        ),
        (
            "theme's url() picture",
            lambda: (project / "mytheme" / "stripe.png").write_bytes(png_bytes(8, 8, (20, 200, 200))),
        ),
        (
            "media picture the theme's url() names",
            lambda: (project / "media" / "rule.png").write_bytes(png_bytes(8, 2, (200, 90, 20))),
        ),
        (
            "@import'ed stylesheet",
            lambda: (project / "mytheme" / "extra.css").write_text("h1 { text-decoration: line-through; }\n"),
        ),
        ("theme's font file", lambda: shutil.copy(stix_math(), project / "mytheme" / "fonts" / "heading.ttf")),
        ("theme css", lambda: _append(project / "mytheme" / "handbook.css", "\nh2 { color: #aa0000; }\n")),
        ("theme slides", lambda: _replace_first_colour(project / "mytheme" / "slides.yaml")),
        ("config title", lambda: (project / "handbook.yml").write_text("title: Renamed Book\ntheme: ./mytheme\n")),
        (
            "config version",
            lambda: (project / "handbook.yml").write_text("title: Renamed Book\nversion: '2.0'\ntheme: ./mytheme\n"),
        ),
        ("SOURCE_DATE_EPOCH", lambda: epoch.update(now="1800000000")),
    ]
    for number, (what, edit) in enumerate(edits):
        edit()
        after = build_both(project, incremental, epoch["now"])
        assert after["handbook.pdf"] != before["handbook.pdf"] or what == "theme slides", (
            f"editing the {what} did not change the handbook"
        )
        assert after != before, f"editing the {what} changed nothing"
        cold = build_both(project, tmp_path / f"cold-{number}", epoch["now"], jobs="1")
        assert after == cold, f"after editing the {what}, the incremental build differs from a cold one"
        before = after


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def _replace_first_colour(path: Path) -> None:
    import re

    text = path.read_text()
    changed = re.sub(r"(?m)^(\s+title:\s*)[0-9A-Fa-f]{6}", r"\g<1>123456", text, count=1)
    assert changed != text, "slides.yaml has no colour to change"
    path.write_text(changed)


BRAILLE = "\u2813\u2811\u2807\u2807\u2815"  # "hello" in Braille: in DejaVu Sans, in none of the bundled fonts


def pdf_fonts(pdf: Path) -> set[str]:
    from pypdf import PdfReader

    names = set()
    for page in PdfReader(str(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font") or {}
        for ref in fonts.get_object().values():
            names.add(str(ref.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


def test_a_font_installed_after_a_build_fills_the_empty_boxes(tmp_path):
    """A character no bundled font has is drawn from a system font: a part typeset
    while that font was missing is typeset again once fontconfig can find it."""
    from fontTools.ttLib import TTFont

    from notebook_publish.fonts import font_faces

    bundled = [face.path for kind in ("serif", "sans", "mono", "math") for face in font_faces(kind)]
    assert all(not set(map(ord, BRAILLE)) & set(TTFont(f).getBestCmap()) for f in bundled), (
        "a bundled font has the test's characters"
    )
    assert set(map(ord, BRAILLE)) <= set(TTFont(dejavu_sans()).getBestCmap())

    # The system's fonts, as fontconfig reads them: the configuration includes a folder
    # of configuration files, one of which names the font folder.
    fonts = tmp_path / "system" / "fonts"
    fonts.mkdir(parents=True)
    conf_d = tmp_path / "system" / "conf.d"
    conf_d.mkdir()
    (conf_d / "10-fonts.conf").write_text(f'<?xml version="1.0"?>\n<fontconfig><dir>{fonts}</dir></fontconfig>\n')
    fonts_conf = tmp_path / "system" / "fonts.conf"
    fonts_conf.write_text(
        f'<?xml version="1.0"?>\n<fontconfig><include ignore_missing="yes">{conf_d}</include></fontconfig>\n'
    )
    env = {"FONTCONFIG_FILE": str(fonts_conf)}

    project = tmp_path / "book"
    (project / "notes").mkdir(parents=True)
    (project / "notes" / "index.md").write_text("# Home\n\n- [Scripts](scripts.md)\n")
    (project / "notes" / "scripts.md").write_text(f"# Scripts\n\nIn Braille: {BRAILLE}.\n")
    (project / "handbook.yml").write_text("title: Fonts\n")

    build(project, project / "build", "pdf", env=env)
    without = project / "build" / "handbook.pdf"
    assert not any("DejaVu" in name for name in pdf_fonts(without))
    before = without.read_bytes()

    shutil.copy(dejavu_sans(), fonts / "DejaVuSans.ttf")
    build(project, project / "build", "pdf", env=env)
    after = (project / "build" / "handbook.pdf").read_bytes()
    build(project, tmp_path / "cold", "pdf", env=env)
    assert after != before, "the installed font did not reach the rebuilt handbook"
    assert after == (tmp_path / "cold" / "handbook.pdf").read_bytes()
    assert any("DejaVu" in name for name in pdf_fonts(project / "build" / "handbook.pdf"))
