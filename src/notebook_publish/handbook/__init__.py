"""The handbook: the Book's chapters as HTML through the theme's templates, then a PDF.

The PDF is typeset as three documents and merged page by page:

1. the body (all chapters), whose pages are numbered from 1;
2. the index, typeset once the body's pages are known, numbered on from the body;
3. the front matter (cover and contents), typeset last, when every page number it
   prints is known. It is numbered in roman numerals, as books do.

Links, bookmarks and metadata survive the merge: WeasyPrint resolves anchors over all
pages of the merged document. Chapters are rendered to HTML by a pure function of
the chapter and the options, so they could be rendered apart and merged the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from notebook_publish.build import book_version, build_time, open_cache, write_atomically
from notebook_publish.diagnostics import Diagnostic, error
from notebook_publish.handbook.fetcher import SafeFetcher
from notebook_publish.handbook.html_writer import ChapterHtml, WriterOptions, render_chapter
from notebook_publish.handbook.ids import note_prefixes
from notebook_publish.handbook.index_terms import build_index
from notebook_publish.handbook.outline import INDEX_ANCHOR, toc_entries, with_pages
from notebook_publish.handbook.render import (
    all_font_faces,
    anchor_pages,
    font_face_css,
    render_document,
    template_environment,
    weasyprint_messages,
)
from notebook_publish.notes import Book
from notebook_publish.themes import load_theme

__all__ = ["build_pdf", "build_html", "render_chapters"]

PAPER_SIZES = {"a4": "A4", "letter": "letter"}


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


def writer_options(book: Book, url_base: Path | None) -> WriterOptions:
    pdf = book.config.pdf
    rels = [chapter.note.rel for chapter in book.chapters]
    return WriterOptions(
        toc_depth=max(0, min(pdf.toc_depth, 5)),
        numbering=pdf.numbering,
        index_max_words=pdf.index_max_words,
        index_terms=pdf.index_terms if pdf.index else (),
        prefixes=note_prefixes(rels),
        note_anchors={chapter.note.rel: chapter.note.anchors for chapter in book.chapters},
        notes_dir=book.config.notes.resolve(),
        media_files=frozenset(p.resolve() for p in book.media_files),
        url_base=url_base,
    )


def render_chapters(book: Book, options: WriterOptions, math_cache=None) -> list[ChapterHtml]:
    numbering = book.config.pdf.numbering
    return [render_chapter(chapter, i + 1 if numbering else None, options, math_cache) for i, chapter in enumerate(book.chapters)]


def build_pdf(book: Book, out: Path, jobs: int = 1) -> list[Diagnostic]:
    """Typeset the handbook to `out`. `jobs` is accepted for the CLI; chapters render in one process today."""
    from weasyprint.text.fonts import FontConfiguration

    config = book.config
    diagnostics: list[Diagnostic] = []
    theme = load_theme(config)
    env = template_environment(theme)
    template = env.get_template("base.html.j2")
    math_cache = open_cache(config).child("math-svg")
    chapters = render_chapters(book, writer_options(book, None), math_cache)
    for chapter in chapters:
        diagnostics.extend(chapter.diagnostics)

    fonts = frozenset(face.path for face in all_font_faces())
    fetcher = SafeFetcher(files=book.media_files | fonts, folders=tuple(theme.folders))
    font_config = FontConfiguration()
    base_url = config.notes.resolve().as_uri() + "/"
    common = dict(
        book=book_meta(book),
        paper=PAPER_SIZES[config.pdf.paper],
        font_css=font_face_css(lambda p: p.as_uri()),
        stylesheet_url=theme.file("handbook.css").as_uri(),
        mode="pdf",
        index_anchor=INDEX_ANCHOR,
        chapters=chapters,
        toc=[],
        index=(),
        first_page_number=None,
    )

    def typeset(**parts):
        return render_document(template.render({**common, **parts}), base_url, fetcher, font_config)

    try:
        with weasyprint_messages(diagnostics, config.source):
            body = typeset(parts=["chapters"])
            page_of = anchor_pages(body, first_page=1)
            index_doc = None
            if config.pdf.index:
                groups = build_index([t for c in chapters for t in c.terms], page_of, config.pdf.index_exclude)
                if groups:
                    first = len(body.pages) + 1
                    index_doc = typeset(parts=["index"], index=groups, first_page_number=first)
                    page_of[INDEX_ANCHOR] = first
            toc = with_pages(toc_entries(chapters, with_index=index_doc is not None), page_of)
            front = typeset(parts=["cover", "toc"], toc=toc)
            pages = front.pages + body.pages + (index_doc.pages if index_doc else [])
            # A content hash as the file identifier keeps reproducible builds identical.
            pdf = front.copy(pages).write_pdf(pdf_identifier=True)
    except Exception as exc:  # a WeasyPrint bug must not leave a traceback or a torn file
        diagnostics.extend(fetcher.diagnostics(config.source))
        diagnostics.append(error(config.source, 1, "typesetting", f"WeasyPrint failed: {type(exc).__name__}: {exc}", "handbook.pdf was not changed"))
        return diagnostics
    diagnostics.extend(fetcher.diagnostics(config.source))
    write_atomically(out, pdf)
    return diagnostics


def build_html(book: Book, out: Path) -> list[Diagnostic]:
    """The same book as one web page, for preview. Paths are relative to the page."""
    config = book.config
    out = Path(out).absolute()
    here = out.parent

    def relative(path: Path) -> str:
        return quote(Path(os.path.relpath(path, here)).as_posix())

    theme = load_theme(config)
    template = template_environment(theme).get_template("base.html.j2")
    chapters = render_chapters(book, writer_options(book, here), open_cache(config).child("math-svg"))
    diagnostics = [d for c in chapters for d in c.diagnostics]
    groups = ()
    if config.pdf.index:
        # Without pages, an index entry points at the chapters that use the term.
        chapter_of = {t.anchor: i for i, c in enumerate(chapters, start=1) for t in c.terms}
        groups = build_index([t for c in chapters for t in c.terms], chapter_of, config.pdf.index_exclude)
    toc = toc_entries(chapters, with_index=bool(groups))
    page = template.render(
        book=book_meta(book),
        paper=PAPER_SIZES[config.pdf.paper],
        font_css=font_face_css(relative),
        stylesheet_url=relative(theme.file("handbook.css")),
        mode="html",
        index_anchor=INDEX_ANCHOR,
        chapters=chapters,
        toc=toc,
        index=groups,
        first_page_number=None,
        parts=["cover", "toc", "chapters", "index"],
    )
    write_atomically(out, page.encode("utf-8"))
    return diagnostics
