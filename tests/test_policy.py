"""The rules about what the notes may make a reader's viewer do (`policy.py`), as the
outputs show them: the web page and the decks make the same links clickable, raw HTML
keeps a link only to the same places, a picture is published only from the book's
folders, and an SVG keeps nothing that points outside itself."""

from __future__ import annotations

import html
import os
import re

from pptx import Presentation

from notebook_publish.cache import MemoryCache
from notebook_publish.config import load_config
from notebook_publish.handbook import build_html
from notebook_publish.notes import load_book
from notebook_publish.policy import publishable_picture, self_contained_svg
from notebook_publish.slides import build_decks

# Each link of the note, and whether a reader may click it.
LINKS = {
    "https://example.org/a": True,
    "HTTP://EXAMPLE.ORG/b": True,
    "mailto:someone@example.org": True,
    "javascript:alert(1)": False,
    "file:///etc/passwd": False,
    "data:text/html,hi": False,
    "ftp://example.org/c": False,
}
SAFE = {url for url, safe in LINKS.items() if safe}


def _project(tmp_path):
    project = tmp_path / "links"
    (project / "notes").mkdir(parents=True)
    (project / "handbook.yml").write_text("title: Links\nmedia: []\n", encoding="utf-8")
    items = "\n".join(f"- See [link {i}](<{url}>) here." for i, url in enumerate(LINKS))
    raw = " ".join(f'<a href="{url}">raw {i}</a>' for i, url in enumerate(LINKS))
    (project / "notes" / "index.md").write_text(f"# Links\n\n## Places\n\n{items}\n\nRaw: {raw}\n", encoding="utf-8")
    return load_book(load_config(project / "handbook.yml"), MemoryCache()), project


def test_the_page_and_the_decks_make_the_same_links_clickable(tmp_path):
    book, project = _project(tmp_path)
    page_path = project / "build" / "handbook.html"
    build_html(book, page_path)
    page = page_path.read_text(encoding="utf-8")
    anchors = {
        (html.unescape(text), html.unescape(href))
        for href, text in re.findall(r'<a [^>]*href="([^"]*)"[^>]*>([^<]*)</a>', page)
    }
    # Markdown links and raw <a> alike: clickable exactly when the rule says so.
    assert {href for text, href in anchors if text.startswith("link ")} == SAFE
    assert {href for text, href in anchors if text.startswith("raw ")} == SAFE

    written, _diagnostics = build_decks(book, project / "build" / "slides")
    addresses = set()
    for deck in written:
        for slide in Presentation(str(deck)).slides:
            for shape in slide.shapes:
                if shape.has_text_frame:
                    addresses |= {
                        run.hyperlink.address
                        for p in shape.text_frame.paragraphs
                        for run in p.runs
                        if run.hyperlink.address
                    }
    assert addresses == SAFE


def test_a_picture_is_published_only_from_the_books_folders(tmp_path):
    notes, outside = tmp_path / "notes", tmp_path / "outside"
    notes.mkdir()
    outside.mkdir()
    (notes / "my pic.png").write_bytes(b"png")
    (outside / "secret.png").write_bytes(b"png")
    os.symlink(outside / "secret.png", notes / "leak.png")
    files = {(notes / "my pic.png").resolve(), (notes / "leak.png")}  # a listing never follows a link out
    note = notes / "index.md"
    assert publishable_picture(note, "my%20pic.png", files) == (notes / "my pic.png").resolve()
    for target in (
        "../outside/secret.png",
        str(outside / "secret.png"),
        (outside / "secret.png").as_uri(),
        "leak.png",
        "https://example.org/x.png",
        "data:image/png;base64,AAAA",
        "",
    ):
        assert publishable_picture(note, target, files) is None, target


def test_an_svg_keeps_nothing_that_points_outside_itself():
    svg = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY leak SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">
  <style>@import url(http://evil.example/x.css); rect { fill: url(#g); stroke: url(/etc/stroke.png) }</style>
  <script>alert(1)</script>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">&leak;</div></foreignObject>
  <linearGradient id="g"/>
  <image href="/etc/secret.png" width="5" height="5"/>
  <image xlink:href="file:///etc/secret.png" width="5" height="5"/>
  <image href="data:image/png;base64,iVBORw0KGgo=" width="5" height="5"/>
  <image href="data:image/svg+xml;base64,PHN2Zy8+" width="5" height="5"/>
  <use href="#g"/>
  <rect width="10" height="10" onclick="steal()" style="fill:url(http://evil.example/p)"/>
</svg>"""
    out = self_contained_svg(svg)
    for gone in ("/etc/", "evil.example", "<script", "foreignObject", "onclick", "svg+xml", "ENTITY"):
        assert gone not in out, gone
    for kept in ("data:image/png", 'href="#g"', "url(#g)", "<rect"):
        assert kept in out, kept
    assert self_contained_svg(b"<html>not a picture</html>") is None
