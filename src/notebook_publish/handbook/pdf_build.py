"""`build_pdf`: chapters typeset in parallel and cached, then index, contents, folio, merge.

See the package docstring for the shape. What a part's cache key holds:

- the part's whole HTML document (chapter text, its number, the links and anchors of
  the book it refers to, paper size, font and stylesheet URLs);
- the bytes of every image it shows and of the font files;
- the theme's fingerprint (every file of it) and the override CSS of the folio split;
- the fonts fontconfig can find (`system_fonts.py`): a character the theme's fonts
  lack is drawn with one of them;
- the versions of WeasyPrint and pydyf, and the source of the modules that typeset
  and post-process parts.

A cached part also lists every file WeasyPrint read for it (an image inside an SVG, a
stylesheet's `@import` and `url()`, a font; `Part.inputs`) with the hash of what it
read; a part whose files no longer hash the same, or are gone, is typeset again (like
ninja's depfiles: what the HTML does not name is found by typesetting it once).

URLs in the HTML name no real folder (`locations.py`): WeasyPrint names images by a
hash of their URL, and the same project must give the same bytes wherever it is.

Nothing that changes between two builds of the same inputs (the clock, `git
describe --dirty`) goes into a chapter document: the date and version are on the
cover only, and the PDF metadata is set at assembly.
"""

from __future__ import annotations

import hashlib
import re
import threading
from functools import cache
from pathlib import Path

from notebook_publish.build import write_atomically
from notebook_publish.cache import content_key
from notebook_publish.diagnostics import Diagnostic, error
from notebook_publish.handbook.assemble import PdfMeta, assemble
from notebook_publish.handbook.typeset.folio import first_number_css, folio_html, folio_pieces, page_layers
from notebook_publish.handbook.html.index_terms import build_index
from notebook_publish.handbook.typeset.locations import Access, Mounts, book_mounts
from notebook_publish.handbook.html.outline import INDEX_ANCHOR, bookmarks, toc_entries, with_pages
from notebook_publish.handbook.typeset.parts import Part, PartJob
from notebook_publish.handbook.typeset.workers import PartFailed, TypesetPool, default_jobs
from notebook_publish.progress import NO_PROGRESS, Progress
from notebook_publish.system_fonts import fontconfig_fingerprint

_IMG_SRC = re.compile(r'<img [^>]*src="(file:[^"]+)"')


def _code_fingerprint() -> str:
    # The whole package and every installed library: a hand-kept list of "the modules
    # that shape a part" once missed four of them.
    from notebook_publish import fingerprints

    return content_key("handbook-parts-3", fingerprints.tool())


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


def _file_hash(path: Path, memo: dict[Path, str]) -> str:
    if path not in memo:
        try:
            memo[path] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            memo[path] = "unreadable"
    return memo[path]


def _images_of(html: str, mounts: Mounts) -> list[Path]:
    paths = []
    for url in dict.fromkeys(_IMG_SRC.findall(html)):
        path = mounts.path(url.replace("&amp;", "&"))
        if path is not None:
            paths.append(path)
    return paths


def _mounts(config, theme, font_paths: list[Path]) -> Mounts:
    from notebook_publish.themes import BUILTIN_THEMES, DEFAULT_THEME

    default = (BUILTIN_THEMES / DEFAULT_THEME).resolve()
    roles = [("notes", config.notes)] + [(f"media-{i + 1}", m) for i, m in enumerate(config.media)]
    roles += [(f"theme-{i + 1}", f) for i, f in enumerate(theme.folders) if f != default]
    return book_mounts(config.root, roles, default if default in theme.folders else None, font_paths)


def _static_faces(config):
    from notebook_publish.build import open_cache
    from notebook_publish.handbook.typeset.render import VARIABLE_WEIGHTS, all_font_faces
    from notebook_publish.handbook.typeset.static_fonts import static_faces

    cache_root = open_cache(config)
    return static_faces(all_font_faces(), VARIABLE_WEIGHTS, cache_root.child("static-fonts"), cache_root.root / "fonts")


def _fallback_faces(book, cache_root) -> tuple[object, dict]:
    """The coverage of the font stacks, and the fallback fonts the book's text draws
    characters from (family -> static face), made only for those: a book in Latin
    script makes and declares none.

    A fallback is one static instance at weight 400 (the variable ones pinned like the
    text fonts, see `static_fonts.py`); bold and italic text uses the same face."""
    from notebook_publish import fonts, glyphs
    from notebook_publish.handbook.typeset.static_fonts import static_faces

    config = book.config
    text = "\n".join([str(config.title or ""), str(config.subtitle or ""), str(config.author or ""), *(c.title for c in book.chapters), *(c.note.text for c in book.chapters if not c.note.text.isascii())])
    if text.isascii():
        return None, {}
    cov = glyphs.coverage(cache_root)
    wanted = set(cov.fallbacks_for(text))
    if not wanted:
        return cov, {}
    faces = [face for face in fonts.fallback_faces() if face.family in wanted]
    made = static_faces(faces, (400,), cache_root.child("static-fonts"), cache_root.root / "fonts")
    return cov, {face.family: face for face in made}


def fallback_css(html: str, coverage, fallbacks: dict, url_of) -> str:
    """@font-face rules for the fallback fonts (family -> static face) whose characters
    the document's text has, and `--fallback` naming them; "" for a document that needs
    none of them."""
    from notebook_publish.handbook.typeset.render import fallback_property, font_face_css

    families = [f for f in coverage.fallbacks_for(html) if f in fallbacks] if fallbacks else ()
    if not families:
        return ""
    return font_face_css(url_of, [fallbacks[f] for f in families]) + "\n" + fallback_property(families)


class Preparation:
    """What typesetting needs that does not depend on the notes, made on a thread while
    the notes are read and parsed (the main thread mostly waits on pandoc then): the
    static font instances, made or read from the cache. (The workers' fork server is
    started even earlier, by the command.)"""

    def __init__(self, config):
        self._faces = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(config,), name="notebook-publish-prepare", daemon=True)
        self._thread.start()

    def _run(self, config) -> None:
        try:
            self._faces = _static_faces(config)
        except BaseException as exc:  # handed to the caller of faces()
            self._error = exc

    def faces(self):
        """The static faces; waits for the thread."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._faces


def build_pdf(book, out: Path, jobs: int = 0, progress: Progress = NO_PROGRESS, part_size: int = 0, prepared: Preparation | None = None) -> list[Diagnostic]:
    """Typeset the handbook to `out` with up to `jobs` worker processes (0: one per CPU).

    `part_size`: chapters per typeset part on average (0: `PART_SIZE`); 1 typesets
    every chapter on its own. `prepared`: a `Preparation` started before the notes
    were loaded.
    """
    from notebook_publish.build import open_cache
    from notebook_publish.handbook.html.book import BookMeta, PAPER_SIZES, book_meta, render_chapters, writer_options
    from notebook_publish.handbook.typeset.render import fallback_property, font_face_css, template_environment
    from notebook_publish.themes import load_theme

    config = book.config
    diagnostics: list[Diagnostic] = []
    theme = load_theme(config)
    template = template_environment(theme).get_template("base.html.j2")
    cache_root = open_cache(config)
    math_cache = cache_root.child("math-svg")

    stylesheet = theme.file("handbook.css")
    layers = page_layers(stylesheet.read_text(encoding="utf-8"))
    faces = prepared.faces() if prepared is not None else _static_faces(config)
    font_paths = sorted({face.path for face in faces})
    # The fallback fonts are in no part's key but through the @font-face rules of the
    # parts that use them (an instance's file is named by its hash): a note that starts
    # using emoji changes its own part only.
    coverage, fallbacks = _fallback_faces(book, cache_root)
    fallback_paths = sorted({face.path for face in fallbacks.values()})
    files = frozenset(book.media_files) | frozenset(font_paths) | frozenset(fallback_paths)
    folders = tuple(theme.folders)
    mounts = _mounts(config, theme, font_paths + fallback_paths)
    base_url = mounts.url(config.notes, folder=True)
    options = writer_options(book, None, mounts.url)
    memo: dict[Path, str] = {}
    # The font files by URL, not by path: where the fonts are installed is not an input.
    fonts = (f"{mounts.url(p)}:{_file_hash(p, memo)}" for p in font_paths)
    fingerprint = content_key(_code_fingerprint(), theme.fingerprint(), fontconfig_fingerprint(), *fonts)
    store = _PartStore(cache_root.child("pdf-parts"), mounts, Access.of(files, folders), memo)

    meta = book_meta(book)
    # Chapter documents carry no date or version: those change without the chapter changing.
    # The parts' own PDF metadata is dropped at the merge, so their <meta> dates are fixed.
    neutral = BookMeta(meta.title, "", "", meta.language, (), "", "1970-01-01T00:00:00Z", "")
    # The cover prints the day; the front matter must not change within it.
    front_meta = BookMeta(meta.title, meta.subtitle, meta.author, meta.language, meta.keywords, meta.date, meta.date_iso[:10] + "T00:00:00Z", meta.version)
    common = dict(
        paper=PAPER_SIZES[config.pdf.paper],
        font_css=font_face_css(mounts.url, faces) + "\n" + fallback_property(()),
        stylesheet_url=mounts.url(stylesheet),
        mode="pdf",
        index_anchor=INDEX_ANCHOR,
        toc=[],
        index=(),
        first_page_number=None,
    )

    def with_fallbacks(html: str) -> str:
        """The document with @font-face rules for the fallback fonts its text uses."""
        extra = fallback_css(html, coverage, fallbacks, mounts.url)
        base = common["font_css"]
        return html.replace(base, base + "\n" + extra, 1) if extra else html

    def job(kind: str, label: str, source, html: str, user_css: str = "", members: tuple[str, ...] = (), math: tuple = ()) -> PartJob:
        html = with_fallbacks(html)
        # The formulas' slot keys in the HTML are hashes of their SVGs: the key covers them.
        images = [_file_hash(p, memo) for p in _images_of(html, mounts)]  # their URLs are in the HTML
        key = content_key(fingerprint, kind, html, user_css, *images)
        return PartJob(key, kind, label, source, html, base_url, files, folders, mounts, user_css, weight=len(html), members=members, math=math)

    sizes = [len(c.note.text) for c in book.chapters]
    groups_of_chapters = chapter_groups([c.note.rel for c in book.chapters], sizes, part_size)
    chapters: list = [None] * len(book.chapters)

    def render_part(group: list[int]) -> PartJob:
        """The group's chapters rendered to HTML (math drawn) and made into one part."""
        for i, chapter in zip(group, render_chapters(book, options, math_cache, which=group)):
            chapters[i] = chapter
        first = book.chapters[group[0]].note
        label = first.rel if len(group) == 1 else f"{first.rel} (+{len(group) - 1})"
        html = template.render({**common, "book": neutral, "chapters": [chapters[i] for i in group], "parts": ["chapters"]})
        members = tuple(book.chapters[i].note.rel for i in group)
        math = tuple(dict(pair for i in group for pair in chapters[i].math).items())
        return job("chapter", label, first.path, html, layers.chapter_css, members, math)

    jobs = jobs if jobs and jobs > 0 else default_jobs()
    pool = TypesetPool(jobs, timeout=config.pdf.chapter_timeout)
    try:
        # Rendering a part's HTML and typesetting the parts before it overlap: each part
        # goes to a worker as soon as it is rendered, the biggest first.
        edited = _edited_since(out, [c.note.path for c in book.chapters])
        chapter_jobs, parts = _typeset_as_rendered(groups_of_chapters, sizes, render_part, store, pool, progress, edited)
        for chapter in chapters:
            diagnostics.extend(chapter.diagnostics)
        for part_job in chapter_jobs:
            diagnostics.extend(parts[part_job.key].diagnostics)

        # Every chapter's pages are known: the body's page numbers follow.
        page_of: dict[str, int] = {}
        body_pages = 0
        for part_job in chapter_jobs:
            part = parts[part_job.key]
            for anchor, (page, _x, _y) in part.anchors.items():
                page_of.setdefault(anchor, body_pages + page + 1)
            body_pages += part.page_count

        later: list[PartJob] = []
        index_job = None
        groups = ()
        if config.pdf.index:
            groups = build_index([t for c in chapters for t in c.terms], page_of, config.pdf.index_exclude)
            if groups:
                html = template.render({**common, "book": neutral, "chapters": chapters, "parts": ["index"], "index": groups, "first_page_number": body_pages + 1})
                index_job = job("index", "index", config.source, html)
                later.append(index_job)
                page_of[INDEX_ANCHOR] = body_pages + 1
        toc = with_pages(toc_entries(chapters, with_index=index_job is not None), page_of)
        front_html = template.render({**common, "book": front_meta, "chapters": chapters, "parts": ["cover", "toc"], "toc": toc})
        front_job = job("front", "contents", config.source, front_html)
        later.append(front_job)
        names = [name for part_job in chapter_jobs for name in parts[part_job.key].page_names]
        head = f'<style>{common["font_css"]}</style><link rel="stylesheet" href="{mounts.url(stylesheet)}"><style>@page {{ size: {common["paper"]}; }}</style>'
        # The folio is the one job of this stage that splits: in pieces it is shared
        # by both workers while the index and the contents are typeset.
        pieces = folio_pieces(len(names), jobs if layers.splittable else 1)
        folio_jobs = []
        for start, count in pieces:
            css = layers.folio_css + ("\n" + first_number_css(start + 1) if start else "")
            label = "page numbers" if len(pieces) == 1 else f"page numbers {start + 1}-{start + count}"
            folio_jobs.append(job("folio", label, config.source, folio_html(names[start : start + count], head), css))
        later.extend(folio_jobs)
        parts.update(_typeset(later, store, pool, progress, "typesetting contents, index and page numbers"))
    except PartFailed as failed:
        if not diagnostics:  # failed while the chapters were still being rendered
            diagnostics = [d for chapter in chapters if chapter is not None for d in chapter.diagnostics]
        where = failed.job.source if failed.job.kind == "chapter" else config.source
        if failed.job.kind == "chapter":  # a part holds a few notes; the line names at most three
            names = [f"`{m}`" for m in failed.job.members]
            what = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        else:
            what = f"the {failed.job.label}"
        diagnostics.append(error(where, 1, "typesetting", f"typesetting {what} failed: {failed.message}", "handbook.pdf was not changed"))
        return diagnostics
    finally:
        pool.close()

    for extra in later:
        for d in parts[extra.key].diagnostics:
            if d not in diagnostics:
                diagnostics.append(d)
    pdf_meta = PdfMeta(
        title=meta.title,
        author=meta.author,
        subject=meta.subtitle,
        keywords=", ".join(meta.keywords),
        language=meta.language,
        date="D:" + meta.date_iso.replace("-", "").replace("T", "").replace(":", ""),
        producer=_producer(),
    )
    try:
        pdf = assemble(
            parts[front_job.key],
            [parts[j.key] for j in chapter_jobs],
            parts[index_job.key] if index_job else None,
            [parts[j.key] for j in folio_jobs],
            pdf_meta,
            bookmarks(toc),
        )
    except Exception as exc:  # a qpdf error must not leave a traceback or a torn file
        diagnostics.append(error(config.source, 1, "typesetting", f"merging the typeset parts failed: {type(exc).__name__}: {exc}", "handbook.pdf was not changed"))
        return diagnostics
    write_atomically(out, pdf)
    return diagnostics


def _producer() -> str:
    import pikepdf

    return f"WeasyPrint {_version('weasyprint')}, pikepdf {pikepdf.__version__}"


@cache
def _version(distribution: str) -> str:
    """An installed package's version, without importing it (WeasyPrint takes most of
    a second to import, and only the workers need it)."""
    from importlib.metadata import version

    return version(distribution)


def _keep(store: "_PartStore", stage):
    """What happens to each part a worker finishes: it is cached and reported."""

    def done(part_job: PartJob, part: Part) -> None:
        store.put(part_job.key, part)
        stage.finish(part_job.key, part_job.label, f"{part.page_count} pages")

    return done


class _PartStore:
    """The typeset parts in the cache, each served only while the files it read
    (`Part.inputs`) still hold what they held: every file is hashed at most once per
    build (`memo`), and each URL's state is worked out once."""

    def __init__(self, cache, mounts: Mounts, access: Access, memo: dict[Path, str]):
        self.cache = cache
        self.mounts = mounts
        self.access = access
        self.memo = memo
        self.states: dict[str, str] = {}

    def get(self, key: str) -> Part | None:
        blob = self.cache.get(key)
        if blob is None:
            return None
        try:
            part = Part.from_bytes(blob)
        except (ValueError, KeyError, TypeError):
            return None  # an entry from an older layout: typeset again
        return part if all(self._state(url) == state for url, state in part.inputs) else None

    def put(self, key: str, part: Part) -> None:
        self.cache.put(key, part.to_bytes())

    def _state(self, url: str) -> str:
        if url not in self.states:
            self.states[url] = self.access.state(self.mounts.path(url), lambda p: _file_hash(p, self.memo))
        return self.states[url]


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


def _typeset_as_rendered(groups: list[list[int]], sizes: list[int], render_part, store: _PartStore, pool: TypesetPool, progress: Progress, edited: list[bool]) -> tuple[list[PartJob], dict[str, Part]]:
    """The chapter parts, rendered by `render_part(group)` in this process while the
    workers typeset the parts rendered before. Returns the jobs in book order and the
    parts by key (cached or typeset, then cached).

    Parts with a note edited since the last build go first, so that after an edit the
    one part to typeset again starts at once rather than after every other part has
    been rendered (to find its cache key); then the biggest first, so that the last
    part to finish is a small one."""
    parts: dict[str, Part] = {}
    part_jobs: list[PartJob | None] = [None] * len(groups)
    submitted: set[str] = set()
    with progress.stage("typesetting chapters", len(groups)) as stage:
        pool.begin(on_start=lambda j: stage.start(j.key, j.label), on_done=_keep(store, stage))
        for g in sorted(range(len(groups)), key=lambda g: (not any(edited[i] for i in groups[g]), -sum(sizes[i] for i in groups[g]))):
            part_job = part_jobs[g] = render_part(groups[g])
            part = parts.get(part_job.key) or store.get(part_job.key)
            if part is not None:
                if part_job.key not in parts:
                    stage.cached(part_job.key, part_job.label)
                parts[part_job.key] = part
            elif part_job.key not in submitted:
                submitted.add(part_job.key)
                pool.submit(part_job)
            pool.poll()
        parts.update(pool.finish())
    return [j for j in part_jobs if j is not None], parts


def _typeset(jobs: list[PartJob], store: _PartStore, pool: TypesetPool, progress: Progress, title: str) -> dict[str, Part]:
    """Parts from the cache where they are, the rest from the workers (then cached)."""
    parts: dict[str, Part] = {}
    missing: list[PartJob] = []
    for part_job in jobs:
        if part_job.key in parts:
            continue
        part = store.get(part_job.key)
        if part is not None:
            parts[part_job.key] = part
        elif part_job.key not in {j.key for j in missing}:
            missing.append(part_job)
    with progress.stage(title, len(jobs)) as stage:
        for part_job in jobs:
            if part_job.key in parts:
                stage.cached(part_job.key, part_job.label)
        parts.update(pool.run(missing, on_start=lambda j: stage.start(j.key, j.label), on_done=_keep(store, stage)))
    return parts
