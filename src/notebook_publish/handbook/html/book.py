"""The Book's chapters as HTML: writer options, book metadata, the chapters rendered
one by one (for the PDF's parts), and the whole book as one web page (`build_html`)."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from notebook_publish.build import book_version, build_time, open_cache, write_atomically
from notebook_publish.cache import Cache
from notebook_publish.chapter_numbers import plan_numbering
from notebook_publish.diagnostics import Diagnostic
from notebook_publish.handbook.html.chapter import ChapterHtml, WriterOptions, render_chapter
from notebook_publish.handbook.html.ids import note_prefixes
from notebook_publish.handbook.html.index_terms import IndexGroup, build_index
from notebook_publish.handbook.html.outline import INDEX_ANCHOR, toc_entries
from notebook_publish.handbook.html.page_assets import PageAssets
from notebook_publish.handbook.html.page_css import StylesheetCopier
from notebook_publish.handbook.html.web_fonts import faces_named, font_face_rules
from notebook_publish.handbook.typeset.render import fallback_property, template_environment
from notebook_publish.notes import Book
from notebook_publish.themes import load_theme

PAPER_SIZES = {"a4": "A4", "letter": "letter"}
# Where the web page's @font-face rules go, until the page's characters are known.
_FONTS_HERE = "/* notebook-publish: the fonts */"


@dataclass(frozen=True)
class BookMeta:
    title: str
    subtitle: str
    author: str
    language: str
    keywords: tuple[str, ...]
    date: str
    date_iso: str
    version: str


def book_meta(book: Book) -> BookMeta:
    config = book.config
    when = build_time()
    return BookMeta(
        title=config.title,
        subtitle=config.subtitle,
        author=config.author,
        language=config.language,
        keywords=config.keywords,
        date=f"{when.day} {when:%B %Y}",
        date_iso=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        version=book_version(config),
    )


def writer_options(book: Book, url_base: Path | None, file_url: Callable[[Path], str] | None = None) -> WriterOptions:
    """`url_base`: the web page's folder (images relative to it); None for the PDF,
    whose images get `file_url(path)` (`locations.Mounts.url`)."""
    pdf = book.config.pdf
    rels = [chapter.note.rel for chapter in book.chapters]
    return WriterOptions(
        toc_depth=pdf.toc_levels,
        index_max_words=pdf.index_max_words,
        index_terms=pdf.index_terms if pdf.index else (),
        prefixes=note_prefixes(rels),
        note_anchors={chapter.note.rel: chapter.note.anchors for chapter in book.chapters},
        notes_dir=book.config.notes.resolve(),
        media_files=frozenset(p.resolve() for p in book.media_files),
        url_base=url_base,
        file_url=file_url,
        chapter_numbers=plan_numbering(book.chapters, pdf.numbering, pdf.toc_levels).numbers,
    )


def render_chapters(
    book: Book, options: WriterOptions, math_cache: Cache | None = None, which: list[int] | None = None
) -> list[ChapterHtml]:
    """The chapters' HTML, all of them or those at the indices `which`."""
    indices = range(len(book.chapters)) if which is None else which
    return [render_chapter(book.chapters[i], options.chapter_numbers[i], options, math_cache) for i in indices]


def build_html(book: Book, out: Path, self_contained: bool = False) -> list[Diagnostic]:
    """The same book as one web page, for preview, that works wherever it is moved.

    Everything it shows (the theme's stylesheets and what they reference, the fonts
    they name, the pictures, the formulas) is carried in `handbook_files/` beside it,
    named relative to it, or with `self_contained` inside the page as data: URIs
    (`page_assets.py`). Speaker notes are left out: they belong to the decks."""
    config = book.config
    out = Path(out).absolute()
    here = out.parent.resolve()
    assets = PageAssets(out, inline=self_contained)

    theme = load_theme(config)
    template = template_environment(theme).get_template("base.html.j2")
    sheets = StylesheetCopier(theme.folders, assets.place, assets.css_url)
    stylesheet_url = assets.page_url(sheets.stylesheet(theme.file("handbook.css")))
    options = replace(
        writer_options(book, here),
        file_url=lambda path: assets.file(path, "media"),
        math_url=assets.svg,
        speaker_notes=False,
    )
    chapters = render_chapters(book, options, open_cache(config).child("math-svg"))
    diagnostics = list(sheets.diagnostics) + [d for c in chapters for d in c.diagnostics]
    groups: tuple[IndexGroup, ...] = ()
    if config.pdf.index:
        # Without pages, an index entry points at the chapters that use the term.
        chapter_of = {t.anchor: i for i, c in enumerate(chapters, start=1) for t in c.terms}
        groups = build_index([t for c in chapters for t in c.terms], chapter_of, config.pdf.index_exclude)
    toc = toc_entries(chapters, with_index=bool(groups))
    page = template.render(
        book=book_meta(book),
        paper=PAPER_SIZES[config.pdf.paper],
        font_css=_FONTS_HERE,
        stylesheet_url=stylesheet_url,
        mode="html",
        index_anchor=INDEX_ANCHOR,
        chapters=chapters,
        toc=toc,
        index=groups,
        first_page_number=None,
        parts=["cover", "toc", "chapters", "index"],
    )
    # The fonts are declared once the page is written: each is cut down to the
    # characters the page and its stylesheets hold (web_fonts.py).
    if _FONTS_HERE in page:
        text = "".join(set(html.unescape(page)).union(*sheets.texts))
        font_url = lambda path: assets.font(path, text)  # noqa: E731
        fonts = font_face_rules(font_url, faces_named(sheets.texts)) + _fallback_css(book, chapters, font_url)
        page = page.replace(_FONTS_HERE, fonts, 1)
    diagnostics += assets.write()  # before the page, which must never name a file not there yet
    write_atomically(out, page.encode("utf-8"))
    return diagnostics


def _fallback_css(book: Book, chapters: list[ChapterHtml], url_of: Callable[[Path], str]) -> str:
    """@font-face rules for the fallback fonts (emoji, Hangul, other scripts) the page's
    text uses, and
    `--fallback` naming them."""
    from notebook_publish import fonts, glyphs

    config = book.config
    text = "\n".join(
        [
            str(config.title or ""),
            str(config.subtitle or ""),
            str(config.author or ""),
            *(c.title for c in chapters),
            *(c.body for c in chapters),
        ]
    )
    wanted = set(glyphs.coverage(open_cache(config)).fallbacks_for(text))
    faces = [face for face in fonts.fallback_faces() if face.family in wanted]
    return (
        ("\n" + font_face_rules(url_of, faces) if faces else "")
        + "\n"
        + fallback_property([face.family for face in faces])
    )
