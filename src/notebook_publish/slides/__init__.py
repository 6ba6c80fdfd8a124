"""One PPTX deck per topic: `build_decks(book, out_dir, topic, jobs)`.

The deck models are made here, in one process (`book_decks`: `read_ast` for each topic,
then every formula of every deck turned into OMML in a single pandoc run). Then the decks, which share nothing, are laid
out and written by worker processes, each deck with `write_atomically`.

A written deck is cached (`build/.cache/decks`) under a hash of its model, the slide
style and config, the template, the bytes of its pictures, the versions of the
libraries and fonts that lay it out, the source of the slides modules and the date it
records. The date is the build's day (00:00 UTC) unless `SOURCE_DATE_EPOCH` is set, so
a rebuild on the same day serves unchanged decks from the cache, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from notebook_publish.build import build_time, write_atomically
from notebook_publish.config import Config
from notebook_publish.cache import Cache, content_key
from notebook_publish.diagnostics import Diagnostic, Severity, UsageError, error, info, warning
from notebook_publish.notes import Book
from notebook_publish.outputs import OutputFolder
from notebook_publish.progress import NO_PROGRESS, Progress
from notebook_publish.slides.book_decks import decks_of_book
from notebook_publish.slides.deck import Deck
from notebook_publish.slides.pool import DeckPool, file_identity, short_title
from notebook_publish.slides.style import SlideStyle, load_slide_style
from notebook_publish.themes import load_theme

__all__ = ["build_decks", "decks_of_book"]

# `NN-` and words of letters and digits (of any script: see deck_names) joined by hyphens.
DECK_NAME = re.compile(r"^\d{2,}-[^\W_]+(?:-[^\W_]+)*\.pptx$")


@dataclass(frozen=True)
class _Job:
    decks: tuple[Deck, ...]
    config: Config
    style: SlideStyle
    out_dir: Path
    when: datetime
    cache_root: Path | None
    keys: tuple[str, ...] = ()  # the decks' cache keys, in the order of `decks`


def deck_time() -> datetime:
    """When the decks say they were made (`build.build_time`: day-granular unless
    SOURCE_DATE_EPOCH is set, so a deck rebuilt the same day is byte-identical)."""
    return build_time()


def _code_fingerprint() -> str:
    """The package's code and the installed libraries and fonts (see `fingerprints`)."""
    from notebook_publish import fingerprints

    return content_key("deck-2", fingerprints.tool())


def _file_hash(path: Path | None) -> str:
    if path is None:
        return "none"
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def deck_key(deck: Deck, config: Config, style: SlideStyle, when: datetime) -> str:
    """Everything a written deck's bytes depend on."""
    pictures = [f"{p.path}:{_file_hash(p.path)}" for slide in deck.slides for p in slide.pictures]
    template = config.slides.template
    return content_key(
        _code_fingerprint(), repr(deck), repr(style), repr(config.slides), config.author,
        _file_hash(template) if template is not None else "default template", when.isoformat(), *pictures,
    )


def _entry(data: bytes, diagnostics: list[Diagnostic]) -> bytes:
    head = [[str(d.path) if d.path else None, d.line, d.col, int(d.severity), d.code, d.message, d.hint] for d in diagnostics]
    blob = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return len(blob).to_bytes(8, "big") + blob + data


def _from_entry(entry: bytes) -> tuple[bytes, list[Diagnostic]] | None:
    try:
        size = int.from_bytes(entry[:8], "big")
        head = json.loads(entry[8 : 8 + size])
        found = [Diagnostic(Path(p) if p else None, line, col, Severity(sev), code, msg, hint) for p, line, col, sev, code, msg, hint in head]
    except (ValueError, TypeError, KeyError):
        return None
    return entry[8 + size :], found


def build_decks(book: Book, out_dir: Path, topic: str | None = None, jobs: int = 1, progress: Progress = NO_PROGRESS) -> tuple[list[Path], list[Diagnostic]]:
    """Write one deck per topic into `out_dir`; returns the files written and what was found."""
    from notebook_publish.slides.pptx_writer import open_template

    config = book.config
    out_dir = Path(out_dir)
    style = load_slide_style(load_theme(config), config.slides.min_font_size)
    open_template(config)  # a bad template is a usage error, before any work starts
    when = deck_time()
    decks, diagnostics = decks_of_book(book, topic, when)
    folder = OutputFolder(out_dir)
    mine = []
    for deck in decks:
        if folder.may_write(deck.filename):
            mine.append(deck)
        else:  # the user's own file under a deck's name: kept, the deck not written
            diagnostics.append(folder.foreign(deck.filename, f"the deck of `{short_title(deck.title)}`"))
    try:
        written, found = _write_decks(book, mine, out_dir, folder, style, when, jobs, progress)
    finally:
        folder.save()  # also when interrupted: the decks written so far are the tool's
    diagnostics += found
    if topic is None and out_dir.is_dir():
        diagnostics += _remove_stale(folder, {deck.filename for deck in decks})
        folder.save()
    return written, diagnostics


def _remove_stale(folder: OutputFolder, keep: set[str]) -> list[Diagnostic]:
    """Decks of topics that are gone or empty are removed, if the tool wrote them and
    they are unchanged since. A deck-like file the tool did not write is kept, and said."""
    found: list[Diagnostic] = []
    for old in sorted(folder.folder.iterdir()):
        if not DECK_NAME.match(old.name) or old.name in keep:
            continue
        if folder.owns(old.name):
            try:
                folder.remove(old.name)
                found.append(info(old, 0, "stale-deck", f"removed {old.name}: its topic is gone or now empty"))
            except OSError:
                pass
        else:
            found.append(
                warning(old, 0, "foreign-file", f"{old.name} looks like a deck but notebook-publish did not write it (or it was changed since): kept it", "remove it yourself if it is not needed")
            )
    return found


def _write_decks(book: Book, decks: list[Deck], out_dir: Path, folder: OutputFolder, style: SlideStyle, when: datetime, jobs: int, progress: Progress) -> tuple[list[Path], list[Diagnostic]]:
    """Write `decks` (from the deck cache, or laid out by workers), recording each in
    the folder's manifest as soon as it is in place."""
    config = book.config
    diagnostics: list[Diagnostic] = []

    def keep_result(result: tuple[list[Path], list[Diagnostic]]) -> None:
        results.append(result)
        for path in result[0]:
            folder.record(path.name)
        if result[0]:
            folder.save()

    cache_root = config.cache_dir
    deck_cache = Cache(cache_root).child("decks") if cache_root else None
    keys = {deck.filename: deck_key(deck, config, style, when) for deck in decks} if deck_cache else {}
    results: list[tuple[list[Path], list[Diagnostic]]] = []
    hits: list[Deck] = []
    missing: list[Deck] = []
    for deck in decks:
        entry = deck_cache.get(keys[deck.filename]) if deck_cache else None
        cached = _from_entry(entry) if entry is not None else None
        if cached is None:
            missing.append(deck)
            continue
        data, found = cached
        path = out_dir / deck.filename
        hits.append(deck)
        if folder.holds(deck.filename, data):  # unchanged: the file (and its date) stay
            results.append(([], found))
            continue
        try:
            write_atomically(path, data)
        except UsageError as exc:
            hits.pop()
            results.append(([], [exc.diagnostic]))
            continue
        keep_result(([path], found))

    workers = max(1, min(jobs, len(missing)))
    batches: list[list[Deck]] = [[] for _ in range(workers)]
    # Biggest decks first, each to the least loaded worker.
    load = [0] * workers
    for deck in sorted(missing, key=lambda d: -len(d.slides)):
        i = load.index(min(load))
        batches[i].append(deck)
        load[i] += len(deck.slides) + 1
    job_list = [_Job(tuple(b), config, style, out_dir, when, cache_root, tuple(keys.get(d.filename, "") for d in b)) for b in batches if b]

    with progress.stage("writing decks", len(decks)) as stage:
        for deck in hits:
            stage.cached(deck.filename, deck.filename)
        if workers == 1:
            for job in job_list:
                for deck, key in zip(job.decks, job.keys):
                    stage.start(deck.filename, deck.filename)
                    keep_result(_build_batch(replace(job, decks=(deck,), keys=(key,))))
                    stage.finish(deck.filename, deck.filename, f"{len(deck.slides)} slides")
        else:
            # One task per deck, so progress is per deck; biggest first, as the batches were.
            order = [deck for job in job_list for deck in job.decks]
            order.sort(key=lambda d: -len(d.slides))
            tasks = [replace(job_list[0], decks=(deck,), keys=(keys.get(deck.filename, ""),)) for deck in order]
            before = {deck.filename: file_identity(out_dir / deck.filename) for deck in order}

            def done(task: _Job, result) -> None:
                deck = task.decks[0]
                keep_result(result)
                stage.finish(deck.filename, deck.filename, f"{len(deck.slides)} slides")

            def failed(task: _Job, how: str) -> None:
                deck = task.decks[0]
                path = out_dir / deck.filename
                now = file_identity(path)
                if now == before[deck.filename]:
                    kept = f"{deck.filename} was not changed" if now else f"{deck.filename} was not written"
                else:  # renamed into place, complete, before the worker died
                    kept = f"{deck.filename} was written before it died; build again to see its warnings"
                message = f"writing deck {deck.filename} (`{short_title(deck.title)}`) failed: {how}"
                results.append(([], [error(deck.source, deck.line, "slides", message, kept)]))
                stage.finish(deck.filename, deck.filename, "failed")

            DeckPool(workers, out_dir).run(tasks, on_start=lambda t: stage.start(t.decks[0].filename, t.decks[0].filename), on_done=done, on_failed=failed)
    written: list[Path] = []
    for paths, found in results:
        written += paths
        diagnostics += found
    written.sort()
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

    measurer = _worker_measurer(lambda: TextMeasurer(Cache(job.cache_root) if job.cache_root else None))
    cache = Cache(job.cache_root).child("math") if job.cache_root else None
    written: list[Path] = []
    diagnostics: list[Diagnostic] = []
    custom = job.config.slides.template is not None
    deck_cache = Cache(job.cache_root).child("decks") if job.cache_root else None
    keys = job.keys or ("",) * len(job.decks)
    for deck, key in zip(job.decks, keys):
        try:
            prs = open_template(job.config)
            geometry = template_geometry(prs, job.style, custom)
            laid, found = layout_deck(deck, job.style, geometry, measurer, cache)
            diagnostics += found
            DeckWriter(prs, job.style, custom, measurer.coverage).write(laid)
            set_core_properties(prs, deck.title, deck.book_title, job.config.author, job.when)
            path = job.out_dir / deck.filename
            data = save_deck(prs, job.when)
            write_atomically(path, data)
            written.append(path)
            if deck_cache is not None and key:
                deck_cache.put(key, _entry(data, list(found)))
        except UsageError as exc:
            diagnostics.append(exc.diagnostic)
    return written, diagnostics
