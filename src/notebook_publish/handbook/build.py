"""`build_pdf`: chapters typeset in parallel and cached, then index, contents, folio, merge.

See the package docstring for the shape. The phases, in order, are the methods of
`_HandbookBuild`: what every part shares (`__init__`), the chapters (`typeset_chapters`),
their page numbers (`number_pages`), the index, contents and folio
(`typeset_back_matter`), the merge (`assemble`); `failed` words a part that could not
be typeset. What a part's cache key holds:

- the part's whole HTML document (chapter text, its number, the links and anchors of
  the book it refers to, paper size, font and stylesheet URLs);
- the bytes of every image it shows and of the font files;
- the theme's fingerprint (every file of it) and the override CSS of the folio split;
- the fonts fontconfig can find (`system_fonts.py`): a character the theme's fonts
  lack is drawn with one of them;
- the tool (`fingerprints.tool`): the source of the whole package, every folder of it
  included, and the versions of every installed library.

A cached part also lists every file WeasyPrint read for it (`typeset/part_store.py`);
a part whose files no longer hash the same is typeset again.

URLs in the HTML name no real folder (`typeset/locations.py`): WeasyPrint names images
by a hash of their URL, and the same project must give the same bytes wherever it is.

Nothing that changes between two builds of the same inputs (the clock, `git
describe --dirty`) goes into a chapter document: the date and version are on the
cover only, and the PDF metadata is set at assembly.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notebook_publish.build import write_atomically
from notebook_publish.cache import content_key
from notebook_publish.diagnostics import Diagnostic, error
from notebook_publish.handbook.assemble import PdfMeta, assemble
from notebook_publish.handbook.html.index_terms import build_index
from notebook_publish.handbook.html.outline import INDEX_ANCHOR, TocEntry, bookmarks, toc_entries, with_pages
from notebook_publish.handbook.typeset.faces import Preparation, fallback_css, fallback_faces, theme_faces
from notebook_publish.handbook.typeset.folio import (
    FOLIO_PIECE_PAGES,
    first_number_css,
    folio_html,
    folio_pieces,
    page_layers,
)
from notebook_publish.handbook.typeset.locations import Access, Mounts, book_mounts
from notebook_publish.handbook.typeset.part_store import PartStore, file_hash
from notebook_publish.handbook.typeset.parts import Part, PartJob
from notebook_publish.handbook.typeset.schedule import typeset, typeset_as_rendered
from notebook_publish.handbook.typeset.workers import PartFailed, TypesetPool, default_jobs
from notebook_publish.progress import NO_PROGRESS, Progress
from notebook_publish.system_fonts import fontconfig_fingerprint

if TYPE_CHECKING:
    from notebook_publish.config import Config
    from notebook_publish.handbook.html.chapter import ChapterHtml
    from notebook_publish.notes import Book
    from notebook_publish.themes import Theme

_IMG_SRC = re.compile(r'<img [^>]*src="(file:[^"]+)"')

# Every WeasyPrint document pays a fixed cost (styles, fonts, the first use of each
# face), so short chapters are typeset a few at a time. Where a part ends depends on the
# notes' paths, not on their text, so editing a note changes only the part it is in.
PART_SIZE = 4
MAX_PART_TEXT = 40_000  # a part never grows past this much Markdown (unless one note is)


def chapter_groups(rels: list[str], sizes: list[int], part_size: int = 0) -> list[list[int]]:
    """Consecutive runs of chapter indices; a run ends after a chapter whose path hashes to 0 mod `part_size`."""
    part_size = part_size or PART_SIZE
    groups: list[list[int]] = []
    current: list[int] = []
    weight = 0
    for i, (rel, size) in enumerate(zip(rels, sizes)):
        if current and weight + size > MAX_PART_TEXT:
            groups.append(current)
            current, weight = [], 0
        current.append(i)
        weight += size
        if part_size == 1 or int(hashlib.sha256(rel.encode("utf-8")).hexdigest()[:8], 16) % part_size == 0:
            groups.append(current)
            current, weight = [], 0
    if current:
        groups.append(current)
    return groups


def build_pdf(
    book: Book,
    out: Path,
    jobs: int = 0,
    progress: Progress = NO_PROGRESS,
    part_size: int = 0,
    prepared: Preparation | None = None,
) -> list[Diagnostic]:
    """Typeset the handbook to `out` with up to `jobs` worker processes (0: one per CPU).

    `part_size`: chapters per typeset part on average (0: `PART_SIZE`); 1 typesets
    every chapter on its own. `prepared`: a `Preparation` started before the notes
    were loaded.
    """
    build = _HandbookBuild(book, prepared)
    jobs = jobs if jobs and jobs > 0 else default_jobs()
    pool = TypesetPool(jobs, timeout=book.config.pdf.chapter_timeout)
    try:
        # Rendering a part's HTML and typesetting the parts before it overlap: each part
        # goes to a worker as soon as it is rendered, the biggest first.
        edited = _edited_since(out, [c.note.path for c in book.chapters])
        body = build.typeset_chapters(pool, progress, part_size, edited)
        back = build.typeset_back_matter(body, build.number_pages(body), pool, progress)
    except PartFailed as failed:
        return build.failed(failed)
    finally:
        pool.close()
    return build.assemble(body, back, out)


@dataclass
class _Body:
    """The chapters' parts: their jobs in book order and the parts by job key."""

    jobs: list[PartJob]
    parts: dict[str, Part]

    def typeset(self) -> list[Part]:
        return [self.parts[j.key] for j in self.jobs]


@dataclass
class _Pages:
    """Where the body's anchors landed (anchor -> page number) and how many pages it has."""

    page_of: dict[str, int]
    count: int


@dataclass
class _BackMatter:
    """The index (if the book has one), the front matter and the folio layer's pieces,
    typeset, with the contents they list."""

    index: Part | None
    front: Part
    folio: list[Part]
    toc: list[TocEntry]


class _HandbookBuild:
    """One build of the handbook, phase by phase (see the module docstring)."""

    def __init__(self, book: Book, prepared: Preparation | None):
        """What every part shares: theme, template, fonts, the folders WeasyPrint may
        read, the writer's options, and the fingerprint every part's key starts from."""
        from notebook_publish.build import open_cache
        from notebook_publish.handbook.html.book import PAPER_SIZES, BookMeta, book_meta, writer_options
        from notebook_publish.handbook.typeset.render import fallback_property, font_face_css, template_environment
        from notebook_publish.themes import load_theme

        config = self.config = book.config
        self.book = book
        self.diagnostics: list[Diagnostic] = []
        theme = load_theme(config)
        self.template = template_environment(theme).get_template("base.html.j2")
        cache_root = open_cache(config)
        self.math_cache = cache_root.child("math-svg")

        self.stylesheet = theme.file("handbook.css")
        self.layers = page_layers(self.stylesheet.read_text(encoding="utf-8"))
        faces = prepared.faces() if prepared is not None else theme_faces(config)
        font_paths = sorted({face.path for face in faces})
        # The fallback fonts are in no part's key but through the @font-face rules of the
        # parts that use them (an instance's file is named by its hash): a note that starts
        # using emoji changes its own part only.
        self.coverage, self.fallbacks = fallback_faces(book, cache_root)
        fallback_paths = sorted({face.path for face in self.fallbacks.values()})
        self.files = frozenset(book.media_files) | frozenset(font_paths) | frozenset(fallback_paths)
        self.font_files = tuple(font_paths + fallback_paths)  # what the merge makes each face's one subset from
        self.folders = tuple(theme.folders)
        self.mounts = _mounts(config, theme, font_paths + fallback_paths)
        self.base_url = self.mounts.url(config.notes, folder=True)
        self.options = writer_options(book, None, self.mounts.url)
        self.memo: dict[Path, str] = {}
        # The font files by URL, not by path: where the fonts are installed is not an input.
        fonts = (f"{self.mounts.url(p)}:{file_hash(p, self.memo)}" for p in font_paths)
        self.fingerprint = content_key(_code_fingerprint(), theme.fingerprint(), fontconfig_fingerprint(), *fonts)
        self.store = PartStore(
            cache_root.child("pdf-parts"), self.mounts, Access.of(self.files, self.folders), self.memo
        )

        self.meta = meta = book_meta(book)
        # Chapter documents carry no date or version: those change without the chapter changing.
        # The parts' own PDF metadata is dropped at the merge, so their <meta> dates are fixed.
        self.neutral = BookMeta(meta.title, "", "", meta.language, (), "", "1970-01-01T00:00:00Z", "")
        # The cover prints the day; the front matter must not change within it.
        self.front_meta = BookMeta(
            meta.title,
            meta.subtitle,
            meta.author,
            meta.language,
            meta.keywords,
            meta.date,
            meta.date_iso[:10] + "T00:00:00Z",
            meta.version,
        )
        self.common: dict[str, Any] = dict(  # what every part's template is given
            paper=PAPER_SIZES[config.pdf.paper],
            font_css=font_face_css(self.mounts.url, faces) + "\n" + fallback_property(()),
            stylesheet_url=self.mounts.url(self.stylesheet),
            mode="pdf",
            index_anchor=INDEX_ANCHOR,
            toc=[],
            index=(),
            first_page_number=None,
        )
        self.chapters: list[ChapterHtml | None] = [None] * len(book.chapters)  # as each part is rendered

    # --- one part's job ---------------------------------------------------------------

    def _with_fallbacks(self, html: str) -> str:
        """The document with @font-face rules for the fallback fonts its text uses."""
        extra = fallback_css(html, self.coverage, self.fallbacks, self.mounts.url)
        base = self.common["font_css"]
        return html.replace(base, base + "\n" + extra, 1) if extra else html

    def _job(
        self,
        kind: str,
        label: str,
        source: Path | None,
        html: str,
        user_css: str = "",
        members: tuple[str, ...] = (),
        math: tuple[tuple[str, str], ...] = (),
    ) -> PartJob:
        html = self._with_fallbacks(html)
        # The formulas' slot keys in the HTML are hashes of their SVGs: the key covers them.
        images = [file_hash(p, self.memo) for p in _images_of(html, self.mounts)]  # their URLs are in the HTML
        # The folio layer is laid over the pages as one pagination artifact: it needs no tags.
        tagged = self.config.pdf.variant != "none" and kind != "folio"
        key = content_key(self.fingerprint, kind, html, user_css, f"tagged={tagged}", *images)
        return PartJob(
            key,
            kind,
            label,
            source,
            html,
            self.base_url,
            self.files,
            self.folders,
            self.mounts,
            user_css,
            weight=len(html),
            members=members,
            math=math,
            tagged=tagged,
        )

    def _render_part(self, group: list[int]) -> PartJob:
        """The group's chapters rendered to HTML (math drawn) and made into one part."""
        from notebook_publish.handbook.html.book import render_chapters

        book, chapters = self.book, self.chapters
        rendered = render_chapters(book, self.options, self.math_cache, which=group)
        for i, chapter in zip(group, rendered):
            chapters[i] = chapter
        first = book.chapters[group[0]].note
        label = first.rel if len(group) == 1 else f"{first.rel} (+{len(group) - 1})"
        html = self.template.render({**self.common, "book": self.neutral, "chapters": rendered, "parts": ["chapters"]})
        members = tuple(book.chapters[i].note.rel for i in group)
        math = tuple(dict(pair for chapter in rendered for pair in chapter.math).items())
        return self._job("chapter", label, first.path, html, self.layers.chapter_css, members, math)

    def _rendered(self) -> list[ChapterHtml]:
        """Every chapter's HTML: asked for once `typeset_chapters` has rendered them all."""
        rendered = [chapter for chapter in self.chapters if chapter is not None]
        assert len(rendered) == len(self.chapters), "a chapter was not rendered"
        return rendered

    # --- the phases -------------------------------------------------------------------

    def typeset_chapters(self, pool: TypesetPool, progress: Progress, part_size: int, edited: list[bool]) -> _Body:
        """Every chapter rendered and typeset, a few consecutive ones per part."""
        sizes = [len(c.note.text) for c in self.book.chapters]
        groups = chapter_groups([c.note.rel for c in self.book.chapters], sizes, part_size)
        body = _Body(*typeset_as_rendered(groups, sizes, self._render_part, self.store, pool, progress, edited))
        for chapter in self._rendered():
            self.diagnostics.extend(chapter.diagnostics)
        for part_job in body.jobs:
            self.diagnostics.extend(body.parts[part_job.key].diagnostics)
        return body

    @staticmethod
    def number_pages(body: _Body) -> _Pages:
        """Every chapter's pages are known: the body's page numbers follow."""
        page_of: dict[str, int] = {}
        count = 0
        for part in body.typeset():
            for anchor, (page, _x, _y) in part.anchors.items():
                page_of.setdefault(anchor, count + page + 1)
            count += part.page_count
        return _Pages(page_of, count)

    def typeset_back_matter(self, body: _Body, pages: _Pages, pool: TypesetPool, progress: Progress) -> _BackMatter:
        """The index (numbered on from the body), the cover and contents (listing every
        page number) and the folio layer, typeset together."""
        config, chapters, common = self.config, self._rendered(), self.common
        later: list[PartJob] = []
        index_job = None
        if config.pdf.index:
            groups = build_index([t for c in chapters for t in c.terms], pages.page_of, config.pdf.index_exclude)
            if groups:
                html = self.template.render(
                    {
                        **common,
                        "book": self.neutral,
                        "chapters": chapters,
                        "parts": ["index"],
                        "index": groups,
                        "first_page_number": pages.count + 1,
                    }
                )
                index_job = self._job("index", "index", config.source, html)
                later.append(index_job)
                pages.page_of[INDEX_ANCHOR] = pages.count + 1
        toc = with_pages(toc_entries(chapters, with_index=index_job is not None), pages.page_of)
        front_html = self.template.render(
            {**common, "book": self.front_meta, "chapters": chapters, "parts": ["cover", "toc"], "toc": toc}
        )
        front_job = self._job("front", "contents", config.source, front_html)
        later.append(front_job)
        folio_jobs = self._folio_jobs(body)
        later.extend(folio_jobs)
        parts = typeset(later, self.store, pool, progress, "typesetting contents, index and page numbers")
        for extra in later:
            for d in parts[extra.key].diagnostics:
                if d not in self.diagnostics:
                    self.diagnostics.append(d)
        return _BackMatter(
            parts[index_job.key] if index_job else None, parts[front_job.key], [parts[j.key] for j in folio_jobs], toc
        )

    def _folio_jobs(self, body: _Body) -> list[PartJob]:
        """The folio layer: the body's page numbers, on pages named like the body's.
        It is the one job of its stage that splits: in pieces it is shared by the
        workers while the index and the contents are typeset."""
        names = [name for part in body.typeset() for name in part.page_names]
        head = f'<style>{self.common["font_css"]}</style><link rel="stylesheet" href="{self.mounts.url(self.stylesheet)}"><style>@page {{ size: {self.common["paper"]}; }}</style>'
        pieces = folio_pieces(len(names), FOLIO_PIECE_PAGES if self.layers.splittable else 0)
        folio_jobs = []
        for start, count in pieces:
            css = self.layers.folio_css + ("\n" + first_number_css(start + 1) if start else "")
            label = "page numbers" if len(pieces) == 1 else f"page numbers {start + 1}-{start + count}"
            folio_jobs.append(
                self._job("folio", label, self.config.source, folio_html(names[start : start + count], head), css)
            )
        return folio_jobs

    def failed(self, failed: PartFailed) -> list[Diagnostic]:
        """The diagnostics so far and the error naming the part that failed."""
        diagnostics = self.diagnostics
        if not diagnostics:  # failed while the chapters were still being rendered
            diagnostics = [d for chapter in self.chapters if chapter is not None for d in chapter.diagnostics]
        where = failed.job.source if failed.job.kind == "chapter" else self.config.source
        if failed.job.kind == "chapter":  # a part holds a few notes; the line names at most three
            names = [f"`{m}`" for m in failed.job.members]
            what = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        else:
            what = f"the {failed.job.label}"
        diagnostics.append(
            error(
                where, 1, "typesetting", f"typesetting {what} failed: {failed.message}", "handbook.pdf was not changed"
            )
        )
        return diagnostics

    def assemble(self, body: _Body, back: _BackMatter, out: Path) -> list[Diagnostic]:
        """The parts merged into the handbook, written to `out` atomically."""
        meta = self.meta
        pdf_meta = PdfMeta(
            title=meta.title,
            author=meta.author,
            subject=meta.subtitle,
            keywords=", ".join(meta.keywords),
            language=meta.language,
            date="D:" + meta.date_iso.replace("-", "").replace("T", "").replace(":", ""),
            producer=_producer(),
            variant=self.config.pdf.variant,
        )
        try:
            pdf = assemble(
                back.front, body.typeset(), back.index, back.folio, pdf_meta, bookmarks(back.toc), self.font_files
            )
        except Exception as exc:  # a qpdf error must not leave a traceback or a torn file
            self.diagnostics.append(
                error(
                    self.config.source,
                    1,
                    "typesetting",
                    f"merging the typeset parts failed: {type(exc).__name__}: {exc}",
                    "handbook.pdf was not changed",
                )
            )
            return self.diagnostics
        write_atomically(out, pdf)
        return self.diagnostics


def _code_fingerprint() -> str:
    # The whole package (every folder of it) and every installed library: a hand-kept
    # list of "the modules that shape a part" once missed four of them.
    from notebook_publish import fingerprints

    return content_key("handbook-parts-3", fingerprints.tool())


def _images_of(html: str, mounts: Mounts) -> list[Path]:
    paths = []
    for url in dict.fromkeys(_IMG_SRC.findall(html)):
        path = mounts.path(url.replace("&amp;", "&"))
        if path is not None:
            paths.append(path)
    return paths


def _mounts(config: Config, theme: Theme, font_paths: list[Path]) -> Mounts:
    from notebook_publish.themes import BUILTIN_THEMES, DEFAULT_THEME

    default = (BUILTIN_THEMES / DEFAULT_THEME).resolve()
    roles = [("notes", config.notes)] + [(f"media-{i + 1}", m) for i, m in enumerate(config.media)]
    roles += [(f"theme-{i + 1}", f) for i, f in enumerate(theme.folders) if f != default]
    return book_mounts(config.root, roles, default if default in theme.folders else None, font_paths)


def _edited_since(out: Path, sources: list[Path]) -> list[bool]:
    """Which sources changed after the last handbook was written (all False without one).

    Only an ordering hint: whether a part is typeset again is decided by its cache key."""
    try:
        written = out.stat().st_mtime
    except OSError:
        return [False] * len(sources)
    edited = []
    for source in sources:
        try:
            edited.append(source.stat().st_mtime >= written)
        except OSError:
            edited.append(False)
    return edited


def _producer() -> str:
    import pikepdf

    return f"WeasyPrint {_version('weasyprint')}, pikepdf {pikepdf.__version__}"


@cache
def _version(distribution: str) -> str:
    """An installed package's version, without importing it (WeasyPrint takes most of
    a second to import, and only the workers need it)."""
    from importlib.metadata import version

    return version(distribution)
