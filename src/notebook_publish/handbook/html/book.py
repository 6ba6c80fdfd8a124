"""The Book's chapters as HTML: writer options, book metadata, the chapters rendered
one by one (for the PDF's parts), and the whole book as one web page (`build_html`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from notebook_publish.build import book_version, build_time, open_cache, write_atomically
from notebook_publish.cache import Cache
from notebook_publish.chapter_numbers import plan_numbering
from notebook_publish.diagnostics import Diagnostic
from notebook_publish.handbook.html.chapter import ChapterHtml, WriterOptions, render_chapter
from notebook_publish.handbook.html.ids import note_prefixes
from notebook_publish.handbook.html.index_terms import IndexGroup, build_index
from notebook_publish.handbook.html.outline import INDEX_ANCHOR, toc_entries
from notebook_publish.handbook.typeset.render import fallback_property, font_face_css, template_environment
from notebook_publish.notes import Book
from notebook_publish.themes import load_theme

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


def build_html(book: Book, out: Path) -> list[Diagnostic]:
    """The same book as one web page, for preview. Paths are relative to the page.

    A file inside the project's folder is linked where it is (when the page is in that
    folder too, as `build/handbook.html` is); the fonts and a theme from outside it (the
    one shipped with the tool) are copied beside the page, into `handbook_files/`, so
    that the page names no folder of the machine it was built on and moves with the
    project."""
    config = book.config
    out = Path(out).absolute()
    here = out.parent.resolve()
    assets = _Assets(config.root, out, here)

    theme = load_theme(config)
    template = template_environment(theme).get_template("base.html.j2")
    chapters = render_chapters(book, writer_options(book, here), open_cache(config).child("math-svg"))
    diagnostics = [d for c in chapters for d in c.diagnostics]
    groups: tuple[IndexGroup, ...] = ()
    if config.pdf.index:
        # Without pages, an index entry points at the chapters that use the term.
        chapter_of = {t.anchor: i for i, c in enumerate(chapters, start=1) for t in c.terms}
        groups = build_index([t for c in chapters for t in c.terms], chapter_of, config.pdf.index_exclude)
    toc = toc_entries(chapters, with_index=bool(groups))
    page = template.render(
        book=book_meta(book),
        paper=PAPER_SIZES[config.pdf.paper],
        font_css=font_face_css(assets.font_url) + _fallback_css(book, chapters, assets.font_url),
        stylesheet_url=assets.stylesheet_url(theme.file("handbook.css")),
        mode="html",
        index_anchor=INDEX_ANCHOR,
        chapters=chapters,
        toc=toc,
        index=groups,
        first_page_number=None,
        parts=["cover", "toc", "chapters", "index"],
    )
    diagnostics += assets.write()  # before the page, which must never name a file not there yet
    write_atomically(out, page.encode("utf-8"))
    return diagnostics


def _fallback_css(book: Book, chapters: list[ChapterHtml], url_of: Callable[[Path], str]) -> str:
    """@font-face rules for the fallback fonts (emoji, Hangul, other scripts) the page's
    text uses, the packages' own files (a browser handles variable fonts), and
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
    faces = [_Face(face.family, face.path, False, 400) for face in fonts.fallback_faces() if face.family in wanted]
    return (
        ("\n" + font_face_css(url_of, faces) if faces else "")
        + "\n"
        + fallback_property([face.family for face in faces])
    )


@dataclass(frozen=True)
class _Face:
    family: str
    path: Path
    italic: bool
    weight: int


class _Assets:
    """URLs, relative to the page, for the fonts and the stylesheet; what lies outside
    the project is copied beside the page."""

    def __init__(self, root: Path, out: Path, here: Path):
        self.root = root.resolve()
        self.here = here
        self.folder = here / f"{out.stem}_files"
        self.inside = here.is_relative_to(self.root)
        self.copies: dict[Path, Path] = {}  # copy -> original
        self.names: dict[Path, str] = {}

    def _relative(self, path: Path) -> str:
        return quote(Path(os.path.relpath(path, self.here)).as_posix())

    def _in_project(self, path: Path) -> bool:
        return self.inside and path.is_relative_to(self.root)

    def font_url(self, path: Path) -> str:
        real = path.resolve()
        if self._in_project(real):
            return self._relative(real)
        name = self.names.setdefault(
            real, real.name if real.name not in self.names.values() else f"{len(self.names)}-{real.name}"
        )
        copy = self.folder / "fonts" / name
        self.copies[copy] = real
        return self._relative(copy)

    def stylesheet_url(self, path: Path) -> str:
        """The stylesheet's own folder goes with it (minus the templates): its `url()`
        and `@import` are relative to it."""
        real = path.resolve()
        if self._in_project(real):
            return self._relative(real)
        theme = real.parent
        target = self.folder / "themes" / theme.name
        for file in sorted(theme.rglob("*")):
            rel = file.relative_to(theme)
            if file.is_file() and rel.parts[0] != "templates" and not any(p.startswith(".") for p in rel.parts):
                self.copies[target / rel] = file
        return self._relative(target / real.name)

    def write(self) -> list[Diagnostic]:
        """Copy what the page needs; a file of the user's in the way is kept (and said)."""
        from notebook_publish.outputs import OutputFolder

        if not self.copies:
            return []
        folder = OutputFolder(self.folder)
        found = []
        try:
            for copy, original in sorted(self.copies.items()):
                name = copy.relative_to(self.folder).as_posix()
                data = original.read_bytes()
                try:
                    if copy.is_file() and not copy.is_symlink() and copy.read_bytes() == data:
                        folder.record(name)  # already what it should be: left alone (and its date)
                        continue
                except OSError:
                    pass
                if not folder.may_write(name):
                    found.append(folder.foreign(name, f"the copy of {original.name} the page uses"))
                    continue
                write_atomically(copy, data)
                folder.record(name)
        finally:
            folder.save()
        return found
