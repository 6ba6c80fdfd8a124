"""One PPTX deck per topic: `build_decks(book, out_dir, topic, jobs)`.

model (AST -> Deck) runs here, in one process, and every formula of every deck is
turned into OMML in a single pandoc run. Then the decks, which share nothing, are laid
out and written by worker processes, each deck with `write_atomically`.
"""

from __future__ import annotations

import difflib
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from notebook_publish.build import book_version, build_time, open_cache, write_atomically
from notebook_publish.config import Config
from notebook_publish.diagnostics import Diagnostic, UsageError, error, info
from notebook_publish.notes import Book
from notebook_publish.progress import NO_PROGRESS, Progress
from notebook_publish.slides.model import Deck, build_deck, find_topics, formulas_of, slugify, with_omml
from notebook_publish.slides.style import SlideStyle, load_slide_style
from notebook_publish.themes import load_theme

__all__ = ["build_decks", "decks_of_book"]

DECK_NAME = re.compile(r"^\d{2,}-[a-z0-9-]+\.pptx$")


@dataclass(frozen=True)
class _Job:
    decks: tuple[Deck, ...]
    config: Config
    style: SlideStyle
    out_dir: Path
    when: datetime
    cache_root: Path | None


def _date_line(config: Config, when: datetime) -> str:
    version = book_version(config)
    return " · ".join(part for part in (f"{when:%d %B %Y}".lstrip("0"), version) if part)


def decks_of_book(book: Book, topic: str | None = None, when: datetime | None = None) -> tuple[list[Deck], list[Diagnostic]]:
    """The deck models of the book (or of one topic), numbered, formulas converted."""
    config = book.config
    when = when or build_time()
    date_line = _date_line(config, when)
    diagnostics: list[Diagnostic] = []
    decks: list[Deck] = []
    topics = find_topics(book)
    if not topics:
        what = "notes" if config.slides.topic == "note" else f"level-{config.slides.level} headings"
        diagnostics.append(info(config.notes, 1, "no-topics", f"no topics: the notes have no {what}", "set `slides.level` or `slides.topic: note`"))
    number = 0
    wanted = _find_wanted(topics, topic) if topic is not None else None
    for t in topics:
        deck, found = build_deck(t, number + 1, book, date_line)
        if deck is not None:
            number += 1
        if wanted is not None and t is not wanted:
            continue
        diagnostics += found
        if deck is not None:
            decks.append(deck)
    formulas = sorted({f.tex for deck in decks for f in formulas_of(deck)})
    if formulas:
        from notebook_publish.mathrender import tex_to_omml_many

        cache = open_cache(config).child("math") if config.cache_dir else None
        converted = tex_to_omml_many([(tex, True) for tex in formulas], cache)
        omml = dict(zip(formulas, converted))
        decks = [with_omml(deck, omml) for deck in decks]
    return decks, diagnostics


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _find_wanted(topics, name: str):
    for t in topics:
        if _normal(t.title) == _normal(name) or slugify(t.title) == slugify(name):
            return t
    titles = [t.title for t in topics]
    close = difflib.get_close_matches(name, titles, n=1, cutoff=0.5)
    hint = f"did you mean `{close[0]}`?" if close else f"topics: {', '.join(titles)}" if titles else "the notes have no topics"
    raise UsageError(error(None, 0, "usage", f"no topic named `{name}`", hint))


def build_decks(book: Book, out_dir: Path, topic: str | None = None, jobs: int = 1, progress: Progress = NO_PROGRESS) -> tuple[list[Path], list[Diagnostic]]:
    """Write one deck per topic into `out_dir`; returns the files written and what was found."""
    from notebook_publish.slides.pptx_writer import open_template

    config = book.config
    out_dir = Path(out_dir)
    style = load_slide_style(load_theme(config), config.slides.min_font_size)
    open_template(config)  # a bad template is a usage error, before any work starts
    when = build_time()
    decks, diagnostics = decks_of_book(book, topic, when)

    cache_root = config.cache_dir
    workers = max(1, min(jobs, len(decks)))
    batches: list[list[Deck]] = [[] for _ in range(workers)]
    # Biggest decks first, each to the least loaded worker.
    load = [0] * workers
    for deck in sorted(decks, key=lambda d: -len(d.slides)):
        i = load.index(min(load))
        batches[i].append(deck)
        load[i] += len(deck.slides) + 1
    job_list = [_Job(tuple(b), config, style, out_dir, when, cache_root) for b in batches if b]

    results: list[tuple[list[Path], list[Diagnostic]]] = []
    with progress.stage("writing decks", len(decks)) as stage:
        if workers == 1:
            for job in job_list:
                for deck in job.decks:
                    stage.start(deck.filename, deck.filename)
                    results.append(_build_batch(replace(job, decks=(deck,))))
                    stage.finish(deck.filename, deck.filename, f"{len(deck.slides)} slides")
        else:
            # One task per deck, so progress is per deck; biggest first, as the batches were.
            order = [deck for job in job_list for deck in job.decks]
            order.sort(key=lambda d: -len(d.slides))
            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {}
                for deck in order:
                    futures[pool.submit(_build_batch, replace(job_list[0], decks=(deck,)))] = deck
                    stage.start(deck.filename, deck.filename)
                for future in as_completed(futures):
                    deck = futures[future]
                    results.append(future.result())
                    stage.finish(deck.filename, deck.filename, f"{len(deck.slides)} slides")
    written: list[Path] = []
    for paths, found in results:
        written += paths
        diagnostics += found
    written.sort()

    if topic is None and out_dir.is_dir():
        keep = {deck.filename for deck in decks}  # a deck that failed to write keeps its old file
        for old in sorted(out_dir.iterdir()):
            if DECK_NAME.match(old.name) and old.name not in keep:
                try:
                    old.unlink()
                    diagnostics.append(info(old, 0, "stale-deck", f"removed {old.name}: its topic is gone or now empty"))
                except OSError:
                    pass
    return written, diagnostics


_MEASURERS: dict[int, object] = {}


def _worker_measurer(make):
    """One text measurer per process, so its width cache serves every deck the process writes."""
    import os

    pid = os.getpid()
    if pid not in _MEASURERS:
        _MEASURERS[pid] = make()
    return _MEASURERS[pid]


def _build_batch(job: _Job) -> tuple[list[Path], list[Diagnostic]]:
    """Lay out and write some decks (in a worker process); never raises on user errors."""
    from notebook_publish.cache import Cache
    from notebook_publish.slides.layout import TextMeasurer, layout_deck
    from notebook_publish.slides.pptx_writer import DeckWriter, open_template, save_deck, set_core_properties, template_geometry

    measurer = _worker_measurer(TextMeasurer)
    cache = Cache(job.cache_root).child("math") if job.cache_root else None
    written: list[Path] = []
    diagnostics: list[Diagnostic] = []
    custom = job.config.slides.template is not None
    for deck in job.decks:
        try:
            prs = open_template(job.config)
            geometry = template_geometry(prs, job.style, custom)
            laid, found = layout_deck(deck, job.style, geometry, measurer, cache)
            diagnostics += found
            DeckWriter(prs, job.style, custom).write(laid)
            set_core_properties(prs, deck.title, deck.book_title, job.config.author, job.when)
            path = job.out_dir / deck.filename
            write_atomically(path, save_deck(prs, job.when))
            written.append(path)
        except UsageError as exc:
            diagnostics.append(exc.diagnostic)
    return written, diagnostics
