"""The web page (`notebook-publish html`) as a reader gets it: moved to another folder
it still finds everything it shows, it fits a phone's screen, it leaves the speaker
notes out, and `--self-contained` makes it one file that names no other."""

from __future__ import annotations

import re
import shutil
from base64 import b64decode
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from fontTools.ttLib import TTFont

from publish_harness import Project, assert_clean, png_bytes

SPEAKER = "Say this aloud only"
NOTE = (
    "# Shapes\n\n"
    "The energy $E = mc^2$ (λ is a wavelength) and a long address "
    "https://example.com/" + "a" * 150 + " in one line.\n\n"
    "$$\n\\int_0^1 x^2\\,dx = \\frac{1}{3}\n$$\n\n"
    "- first\n- second\n  - nested\n\n"
    "![A red box](../media/red.png)\n\n"
    f"::: notes\n{SPEAKER}.\n:::\n\n"
    "```python\nvalue = '" + "x" * 200 + "'\n```\n"
)
URL_IN_CSS = re.compile(r"""url\(\s*["']?([^"')]*)["']?\s*\)|@import\s+["']([^"']*)["']""")


class References(HTMLParser):
    """Every URL the page names: in attributes, inline styles and <style> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []  # (tag, url)
        self.meta: list[dict[str, str]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta":
            self.meta.append(values)
        self._in_style = tag == "style"
        for key in ("src", "href", "poster", "data"):
            if key in values:
                self.found.append((tag, values[key]))
        for url in css_urls(values.get("style", "")):
            self.found.append((tag, url))

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found.extend(("style", url) for url in css_urls(data))


def css_urls(css: str) -> list[str]:
    return [a or b for a, b in URL_IN_CSS.findall(css)]


def references(page: Path) -> References:
    parser = References()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def visible_text(page: Path) -> str:
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"<[^>]+>", " ", text)


def decode_data(url: str) -> bytes:
    head, _, payload = url[5:].partition(",")
    return b64decode(payload) if head.endswith(";base64") else unquote(payload).encode()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    project = Project(tmp_path_factory.mktemp("web"))
    project.write("index.md", NOTE)
    (project.media / "red.png").write_bytes(png_bytes(60, 40))
    return project


def build(project: Project, *args: str) -> Path:
    run = project.run("html", *args)
    assert_clean(run, codes=(0,))
    return project.out / "handbook.html"


def moved(page: Path, to: Path) -> Path:
    """The page and its folder copied elsewhere, the originals removed."""
    to.mkdir(parents=True)
    files = page.parent / f"{page.stem}_files"
    shutil.copy2(page, to / page.name)
    if files.exists():
        shutil.copytree(files, to / files.name)
        shutil.rmtree(files)
    page.unlink()
    return to / page.name


def test_a_moved_page_finds_every_file_it_names(project: Project, tmp_path: Path) -> None:
    page = moved(build(project), tmp_path / "elsewhere" / "deeper")
    here = page.parent
    checked = 0
    pending = [(page, url) for _tag, url in references(page).found]
    while pending:
        source, url = pending.pop()
        parts = urlsplit(url)
        if url.startswith(("#", "data:")) or (parts.scheme in ("http", "https", "mailto") and source == page):
            continue  # within the page, inside it, or a link a reader follows to the web
        assert not parts.scheme and not parts.netloc and not parts.path.startswith("/"), f"{source.name} names {url}"
        target = (source.parent / unquote(parts.path)).resolve()
        assert target.is_relative_to(here.resolve()), f"{url} leads out of the page's folder"
        assert target.is_file(), f"{source.name} names {url}, which is not there"
        checked += 1
        if target.suffix == ".css":
            pending += [(target, u) for u in css_urls(target.read_text(encoding="utf-8"))]
    tags = [tag for tag, url in references(page).found if not url.startswith(("#", "http", "data:"))]
    assert "link" in tags and tags.count("img") >= 3  # the stylesheet, the picture, two formulas
    assert checked >= 5

    found = references(page).found
    picture = next(u for tag, u in found if tag == "img" and "media" in u)
    assert (here / unquote(picture)).read_bytes() == (project.media / "red.png").read_bytes()
    formulas = [here / unquote(u) for tag, u in found if tag == "img" and u.endswith(".svg")]
    assert len(formulas) == 2 and all(b"<path" in f.read_bytes() for f in formulas)  # drawn, not placeholders
    fonts = list((here / "handbook_files" / "fonts").iterdir())
    serif = next(f for f in fonts if f.name.startswith("SourceSerif4-opsz"))
    # Cut down to the page's characters: λ is there, Cyrillic (which the font has) is not.
    cmap = TTFont(serif).getBestCmap()
    assert ord("λ") in cmap and ord("E") in cmap and ord("ж") not in cmap
    assert "fvar" in TTFont(serif)  # still variable: every weight from one file


def test_the_page_fits_a_phone_and_hides_the_speaker_notes(project: Project) -> None:
    page = build(project)
    meta = references(page).meta
    assert any(m.get("name") == "viewport" and "width=device-width" in m.get("content", "") for m in meta)
    text = visible_text(page)
    assert "The energy" in text and "nested" in text
    assert SPEAKER not in page.read_text(encoding="utf-8")


def test_self_contained_names_no_other_file(project: Project, tmp_path: Path) -> None:
    build(project)  # a page with its folder first: the folder is then the tool's to remove
    assert (project.out / "handbook_files").is_dir()
    page = build(project, "--self-contained")
    assert not (project.out / "handbook_files").exists()
    page = moved(page, tmp_path / "alone")
    pending = [url for tag, url in references(page).found if not (tag == "a" and url.startswith(("#", "http")))]
    assert len(pending) >= 4
    while pending:
        url = pending.pop()
        assert url.startswith("data:"), f"the page names {url[:80]}"
        if url.startswith("data:text/css"):
            pending += css_urls(decode_data(url).decode("utf-8"))
    assert SPEAKER not in page.read_text(encoding="utf-8")


def test_a_rebuild_equals_a_cold_build_and_old_files_go(project: Project, tmp_path: Path) -> None:
    build(project)
    files = project.out / "handbook_files"
    mine = files / "media" / "mine.txt"
    mine.write_text("the user's own")
    (project.media / "red.png").write_bytes(png_bytes(30, 20, (10, 200, 10)))
    try:
        build(project)
    finally:
        (project.media / "red.png").write_bytes(png_bytes(60, 40))
    build(project)
    rebuilt = {p.relative_to(files): p.read_bytes() for p in files.rglob("*") if p.is_file() and p.name[0] != "."}
    assert mine.read_text() == "the user's own"  # never the tool's: kept
    del rebuilt[mine.relative_to(files)]

    cold = Project(tmp_path / "cold")
    cold.write("index.md", NOTE)
    (cold.media / "red.png").write_bytes(png_bytes(60, 40))
    build(cold)
    cold_files = cold.out / "handbook_files"
    assert rebuilt == {
        p.relative_to(cold_files): p.read_bytes() for p in cold_files.rglob("*") if p.is_file() and p.name[0] != "."
    }
    assert (project.out / "handbook.html").read_bytes() == (cold.out / "handbook.html").read_bytes()


def test_only_the_fonts_the_stylesheet_names_are_carried(tmp_path: Path) -> None:
    project = Project(tmp_path / "plain")
    project.write("index.md", "# Plain\n\nJust text, and `code`.\n")
    theme = project.root / "plain-theme"
    theme.mkdir()
    (theme / "handbook.css").write_text('body { font-family: "Source Sans 3", var(--fallback), sans-serif; }\n')
    (theme / "unused.png").write_bytes(png_bytes(5, 5))
    project.config("theme: ./plain-theme\n")
    build(project)
    fonts = sorted(p.name.split("-")[0] for p in (project.out / "handbook_files" / "fonts").iterdir())
    assert fonts == ["STIXTwoMath", "SourceSans3", "SourceSans3"]  # upright and italic; math for symbols
    assert not (project.out / "handbook_files" / "theme").exists()  # a file no rule uses stays behind


def test_a_themes_references_are_carried_and_nothing_outside_it(tmp_path: Path) -> None:
    from notebook_publish.handbook.html.page_css import EMPTY_URI, StylesheetCopier

    theme = tmp_path / "theme"
    (theme / "parts").mkdir(parents=True)
    (tmp_path / "secret.png").write_bytes(b"not the theme's")
    (theme / "stripe.png").write_bytes(png_bytes(4, 4))
    (theme / "parts" / "extra.css").write_text('@import "../handbook.css";\nh2 { background: url(../stripe.png); }\n')
    (theme / "handbook.css").write_text(
        '@import "parts/extra.css" print;\n'
        "/* url(commented.png) */\n"
        "h1 { background: url('stripe.png'); }\n"
        'p { background: url("https://example.com/track.png"); }\n'
        "li { background: url(../secret.png); }\n"
        'ol { background: url("data:image/png;base64,AAAA"); }\n'
    )
    placed: dict[str, bytes] = {}

    def place(path: Path, data: bytes, kind: str) -> str:
        placed[f"{kind}/{path.name}"] = data
        return f"{kind}/{path.name}"

    copier = StylesheetCopier((theme,), place, lambda ref: "../" + ref)
    assert copier.stylesheet(theme / "handbook.css") == "css/handbook.css"
    main, extra = placed["css/handbook.css"].decode(), placed["css/extra.css"].decode()
    assert '@import "../css/extra.css" print;' in main  # its media list kept
    assert 'url("../theme/stripe.png")' in main and 'url("../theme/stripe.png")' in extra
    assert placed["theme/stripe.png"] == (theme / "stripe.png").read_bytes()
    assert f'@import "{EMPTY_URI}"' in extra  # the import back to the first sheet: a cycle, cut
    assert "example.com" not in main and "secret" not in main and main.count(f'url("{EMPTY_URI}")') == 2
    assert "url(commented.png)" in main and "theme/commented.png" not in placed
    assert 'url("data:image/png;base64,AAAA")' in main
    refused = sorted((d.code, d.line) for d in copier.diagnostics)
    assert refused == [("fetch-refused", 4), ("fetch-refused", 5)]
    assert all(d.path == (theme / "handbook.css").resolve() for d in copier.diagnostics)
