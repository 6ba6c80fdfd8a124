"""Hostile references: the book builds with diagnostics, and nothing outside the notes
is read, nothing is fetched, no script survives.

Each case is a notebook in a temporary folder with a canary beside it: a note, a text
file and a picture outside `notes/` whose content is unique to the test. The notes
point at them every way they can; `check`, `pdf`, `html` and `slides` run as real
processes, and the canary must not appear in any output, the local server must see no
connection, and every run must end with exit code 0 or 1 and no traceback.
"""

from __future__ import annotations

import base64
import os
import re

import pytest

from publish_harness import CountingServer, Project, assert_clean, image_colours, image_sizes, png_bytes

OUTSIDE_PNG = (37, 23)  # a size no other picture in these tests has
OUTSIDE_COLOUR = (201, 31, 29)  # and a colour no other picture has


@pytest.fixture
def server():
    with CountingServer() as s:
        yield s


def hostile_project(tmp_path) -> Project:
    """A project whose parent folder holds the canary files."""
    project = Project(tmp_path / "work" / "book")
    outside = tmp_path / "work" / "outside"
    outside.mkdir(parents=True)
    (outside / "secret.md").write_text(f"# Secret\n\n## Leak\n\n- {project.canary}\n", encoding="utf-8")
    (outside / "secret.txt").write_text(project.canary + "\n", encoding="utf-8")
    (outside / "secret.css").write_text(f'body::before {{ content: "{project.canary}" }}\n', encoding="utf-8")
    (outside / "secret.png").write_bytes(png_bytes(*OUTSIDE_PNG, colour=OUTSIDE_COLOUR))
    (outside / "secret.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="37" height="23"><text x="0" y="20">{project.canary}</text></svg>',
        encoding="utf-8",
    )
    project.outside = outside  # type: ignore[attr-defined]
    return project


def build_everything(project: Project) -> dict:
    runs = project.run_all(commands=("check", "pdf", "html", "slides"))
    for name, run in runs.items():
        assert_clean(run)
        if name != "check":
            assert run.returncode == 0, str(run)  # hostile input is warned about, not fatal
    return runs


def assert_nothing_leaked(project: Project, server: CountingServer | None = None) -> None:
    assert project.pdf.is_file()
    text = project.pdf_text()
    html = (project.out / "handbook.html").read_text(encoding="utf-8")
    xml = project.deck_xml()
    for where, content in (("PDF", text), ("HTML", html), ("PPTX", xml)):
        assert project.canary not in content, f"canary leaked into the {where}"
        assert "root:x:0:0" not in content, f"/etc/passwd leaked into the {where}"
    assert OUTSIDE_PNG not in project.pdf_images()
    assert OUTSIDE_PNG not in image_sizes(project.deck_media())
    assert not any(
        OUTSIDE_COLOUR in colours for colours in image_colours(project.deck_media())
    )  # not even drawn into an SVG
    # The preview page may only point at files inside the notebook, never above it.
    for src in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert "/etc/passwd" not in src and "outside" not in src and not src.startswith("file:"), src
    if server is not None:
        assert server.connections == [], f"the test server was contacted: {server.connections}"


def diagnostics_of(run, code: str) -> list[str]:
    return [line for line in run.output.splitlines() if f"[{code}]" in line]


# --- cases -----------------------------------------------------------------------------


@pytest.mark.slow
def test_file_urls_absolute_paths_and_escapes(tmp_path, server):
    project = hostile_project(tmp_path)
    outside = project.outside
    project.write(
        "index.md",
        "# Hostile paths\n\n## Paths\n\n"
        "![passwd](file:///etc/passwd)\n\n"
        "![abs](/etc/passwd)\n\n"
        f"![canary file url]({outside.as_uri()}/secret.png)\n\n"
        f"![canary abs]({outside}/secret.png)\n\n"
        "![escape](../../outside/secret.png)\n\n"
        "![escape 2](../outside/secret.png)\n\n"
        "![escape svg](../outside/secret.svg)\n\n"
        "- [passwd link](file:///etc/passwd)\n"
        "- [escaping note](../outside/secret.md)\n"
        f"- [absolute note]({outside}/secret.md)\n"
        "- [text file](../outside/secret.txt)\n"
        "- [js](javascript:alert(1))\n\n"
        '<img src="file:///etc/passwd"> <img src="../outside/secret.png"> '
        f'<img src="{outside}/secret.png"> <a href="file:///etc/passwd">raw file link</a>\n',
    )
    runs = build_everything(project)
    check = runs["check"]
    assert len(diagnostics_of(check, "remote-image")) >= 2  # file: URLs are never read
    assert len(diagnostics_of(check, "missing-image")) >= 4  # paths outside the notes do not exist for the book
    assert len(diagnostics_of(check, "broken-link")) >= 2
    for line in diagnostics_of(check, "missing-image") + diagnostics_of(check, "broken-link"):
        assert line.startswith("notes/index.md:"), line
    assert_nothing_leaked(project, server)
    xml = project.deck_xml()
    # Placeholders name what was refused; no deck links to it.
    assert "javascript:" not in xml and 'Target="file:' not in xml


@pytest.mark.slow
def test_symlinks_inside_the_notes_that_point_outside(tmp_path, server):
    project = hostile_project(tmp_path)
    outside = project.outside
    os.symlink(outside / "secret.md", project.notes / "leak.md")
    os.symlink(outside / "secret.png", project.notes / "leak.png")
    os.symlink(outside / "secret.png", project.media / "leak-media.png")
    os.symlink(outside, project.notes / "linked-folder")
    os.symlink("/etc/passwd", project.notes / "passwd.md")
    os.symlink("/etc", project.media / "etc")
    project.write(
        "index.md",
        "# Symlinks\n\n## Links\n\n"
        "- [leak](leak.md)\n- [passwd](passwd.md)\n- [folder](linked-folder/secret.md)\n\n"
        "![leak](leak.png)\n\n![media leak](../media/leak-media.png)\n\n![in folder](linked-folder/secret.png)\n\n"
        "![etc](../media/etc/passwd)\n",
    )
    runs = build_everything(project)
    assert len(diagnostics_of(runs["check"], "missing-image")) == 4
    assert len(diagnostics_of(runs["check"], "broken-link")) == 3
    assert "1 chapter(s)" in runs["check"].stdout  # the linked notes are not part of the book
    assert_nothing_leaked(project, server)


@pytest.mark.slow
def test_remote_urls_are_never_fetched(tmp_path, server):
    project = hostile_project(tmp_path)
    http, https = server.url, server.url.replace("http:", "https:")
    project.write(
        "index.md",
        "# Remote\n\n## Remote things\n\n"
        f"![http]({http}/a.png)\n\n![https]({https}/b.png)\n\n"
        f"![svg]({http}/c.svg)\n\n"
        f"- [a page]({http}/page) and ![inline]({http}/inline.png)\n"
        f'- <img src="{http}/raw.png"> and <img src="{https}/raw.png" srcset="{http}/2x.png 2x">\n\n'
        f"[note over http]({http}/other.md)\n",
    )
    runs = build_everything(project)
    assert len(diagnostics_of(runs["check"], "remote-image")) >= 4
    assert "is not fetched" in runs["check"].stdout
    assert_nothing_leaked(project, server)


@pytest.mark.slow
def test_a_50_mb_data_uri(tmp_path):
    project = hostile_project(tmp_path)
    payload = base64.b64encode(b"\x89PNG\r\n\x1a\n" + os.urandom(3 * 1024 * 1024)).decode()
    big = "A" * (50 * 1024 * 1024)
    # Over the size limit for notes: refused with one message, in bounded time and memory.
    project.write("huge-data.md", f"# Huge\n\n## Picture\n\n![big](data:image/png;base64,{big})\n")
    # Under the limit: a real (if corrupt) data URI is typeset without being decoded twice.
    project.write(
        "index.md", f"# Data\n\n## Picture\n\n![mid](data:image/png;base64,{payload})\n\n- [huge](huge-data.md)\n"
    )
    runs = project.run_all(commands=("check", "pdf", "html", "slides"))
    for run in runs.values():
        assert_clean(run, codes=(1,))  # the refused note is an error; the rest of the book is built
        refused = [l for l in run.output.splitlines() if "huge-data.md" in l and "note-too-large" in l]
        assert len(refused) == 1 and refused[0].startswith("notes/huge-data.md:1:"), str(run)
        assert run.seconds < 120, str(run)
    assert_nothing_leaked(project)
    assert "image-refused" not in runs["pdf"].output  # a data:image URI is allowed, and typeset or skipped


SVG_EXTERNAL = """<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="120" height="60">
  <style>@import url("{http}/svg-import.css"); .remote {{ fill: url("{http}/fill.svg#p"); }}</style>
  <image href="file:///etc/passwd" width="10" height="10"/>
  <image xlink:href="{outside}/secret.png" width="37" height="23"/>
  <image href="../../outside/secret.png" width="37" height="23"/>
  <image href="{http}/remote.png" width="10" height="10"/>
  <use href="{http}/sprite.svg#icon"/>
  <use xlink:href="{outside}/secret.svg#x"/>
  <rect x="40" y="10" width="30" height="30" fill="#2a6"/>
  <foreignObject width="100" height="50"><iframe xmlns="http://www.w3.org/1999/xhtml" src="{http}/frame"/></foreignObject>
  <script>document.title = "{canary}-script"</script>
</svg>
"""

SVG_XXE = """<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY xxe SYSTEM "file://{outside}/secret.txt">
  <!ENTITY passwd SYSTEM "file:///etc/passwd">
  <!ENTITY remote SYSTEM "{http}/xxe">
]>
<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="0" y="20">&xxe;&passwd;&remote;</text></svg>
"""

SVG_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE svg [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="0" y="20">&lol9;</text></svg>
"""


@pytest.mark.slow
def test_svg_images_with_external_references_and_entities(tmp_path, server):
    project = hostile_project(tmp_path)
    fill = dict(http=server.url, outside=project.outside, canary=project.canary)
    (project.media / "external.svg").write_text(SVG_EXTERNAL.format(**fill), encoding="utf-8")
    (project.media / "xxe.svg").write_text(SVG_XXE.format(**fill), encoding="utf-8")
    (project.media / "laughs.svg").write_text(SVG_LAUGHS, encoding="utf-8")
    project.write(
        "index.md",
        "# SVG\n\n## External\n\n![external](../media/external.svg)\n\n"
        "## Entities\n\n![xxe](../media/xxe.svg)\n\n"
        "## Laughs\n\n![laughs](../media/laughs.svg)\n",
    )
    runs = build_everything(project)
    for run in runs.values():
        assert run.seconds < 90 and run.max_rss_mb < 1000, str(run)
    assert_nothing_leaked(project, server)
    for content in (project.pdf_text(), project.deck_xml()):
        assert "lollollol" not in content
    assert len(project.decks()) == 3
    # What the SVG draws itself is kept.
    assert any((0x22, 0xAA, 0x66) in colours for colours in image_colours(project.deck_media()))


def png_bomb(width: int, height: int) -> bytes:
    """A valid grey PNG of width x height pixels that compresses to almost nothing."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


@pytest.mark.slow
def test_decompression_bombs_and_broken_pictures(tmp_path):
    project = hostile_project(tmp_path)
    (project.media / "bomb.png").write_bytes(png_bomb(20000, 20000))
    (project.media / "not-a-picture.png").write_text("this is text, not a PNG\n", encoding="utf-8")
    (project.media / "truncated.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    (project.media / "empty.gif").write_bytes(b"")
    (project.media / "broken.svg").write_text("<svg><unclosed", encoding="utf-8")
    project.write(
        "index.md",
        "# Pictures\n\n## Bomb\n\n![bomb](../media/bomb.png)\n\n## Broken\n\n"
        "![text](../media/not-a-picture.png)\n\n![truncated](../media/truncated.jpg)\n\n"
        "![empty](../media/empty.gif)\n\n![svg](../media/broken.svg)\n",
    )
    runs = build_everything(project)
    for run in runs.values():
        assert run.seconds < 120 and run.max_rss_mb < 1000, str(run)
    assert len(project.decks()) == 2


@pytest.mark.slow
def test_raw_html_is_reduced_to_harmless_formatting(tmp_path, server):
    project = hostile_project(tmp_path)
    url = server.url
    project.write(
        "index.md",
        "# Raw HTML\n\n## Markup\n\n"
        f"<script>document.write('{project.canary}-script')</script>\n\n"
        f'<script src="{url}/s.js"></script>\n\n'
        f'<iframe src="{url}/frame">{project.canary}-iframe</iframe>\n\n'
        f'<iframe src="file:///etc/passwd"></iframe>\n\n'
        f'<object data="{url}/object">{project.canary}-object</object>\n\n'
        f'<embed src="{url}/embed"> <embed src="../outside/secret.txt">\n\n'
        f'<link rel="stylesheet" href="{url}/sheet.css">\n\n'
        f'<link rel="stylesheet" href="../outside/secret.css">\n\n'
        f"<style>@import url({url}/import.css); @import '../outside/secret.css'; "
        f"body {{ background: url({url}/bg.png) }}</style>\n\n"
        f'<style>p::after {{ content: "{project.canary}-style" }}</style>\n\n'
        f'<base href="{url}/">\n\n'
        f'<meta http-equiv="refresh" content="0;url={url}/meta">\n\n'
        f'<p onclick="alert(1)" style="background:url({url}/inline.png)">kept paragraph</p>\n\n'
        f'- <span onmouseover="x()" style="background-image:url(../outside/secret.png)">kept span</span>\n'
        f'- <img src="{url}/x.png" onerror="alert(1)"> <a href="javascript:alert(1)">js link</a>\n'
        f'- <svg><image href="{url}/svg.png"/></svg> <math><mi>{project.canary}-math</mi></math>\n'
        f'- <video src="{url}/v.mp4" poster="{url}/poster.png"></video> <audio src="{url}/a.mp3"></audio>\n'
        f'- <form action="{url}/form"><input name="q" value="{project.canary}-input"></form>\n'
        f'- <div style="content: url({url}/div.png)">kept div</div>\n\n'
        '<table><tr><td onclick="x()">kept cell</td></tr></table>\n',
    )
    runs = build_everything(project)
    raw = diagnostics_of(runs["pdf"], "raw-html")
    assert raw and all(line.startswith("notes/index.md:") for line in raw), str(runs["pdf"])
    assert_nothing_leaked(project, server)
    text = project.pdf_text()
    for kept in ("kept paragraph", "kept span", "js link", "kept div", "kept cell"):
        assert kept in text
    html = (project.out / "handbook.html").read_text(encoding="utf-8")
    body = html.split("<body", 1)[1]
    for bad in (
        "<script",
        "<iframe",
        "<object",
        "<embed",
        "<link",
        "@import",
        "onclick",
        "onerror",
        "onmouseover",
        "javascript:",
        "<base",
        "<meta",
        "<form",
        "<input",
        "<video",
        "<audio",
        "<style",
        f'="{url}',
        f"url({url}",
    ):
        assert bad not in body, bad  # a placeholder may name a refused URL as text, nothing more
