"""Writing the decks: `build_decks(book, out_dir, topic, jobs)`.

The deck models are made in this process (`book_decks`). Then each deck, which shares
nothing with the others, is served from the deck cache or laid out and written by a
worker (`pool.DeckPool`, biggest deck first), with `write_atomically`, and recorded in
the output folder's manifest as soon as it is in place.

A written deck is cached (`build/.cache/decks`) under a hash of its model, the slide
style and config, the template, the bytes of its pictures, the versions of the
libraries and fonts that lay it out, the source of the package and the date it
records. The date is the build's day (00:00 UTC) unless `SOURCE_DATE_EPOCH` is set, so
a rebuild on the same day serves unchanged decks from the cache, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_publish.build import build_time, write_atomically
from notebook_publish.cache import Cache, content_key
from notebook_publish.config import Config
from notebook_publish.diagnostics import Diagnostic, Severity, UsageError, error, info, warning
from notebook_publish.notes import Book
from notebook_publish.outputs import OutputFolder
from notebook_publish.progress import NO_PROGRESS, Progress
from notebook_publish.slides.book_decks import decks_of_book
from notebook_publish.slides.deck import Deck
from notebook_publish.slides.pool import DeckPool, file_identity, short_title
from notebook_publish.slides.style import SlideStyle, load_slide_style
from notebook_publish.themes import load_theme

if TYPE_CHECKING:
    from notebook_publish.slides.text_metrics import TextMeasurer

# `NN-` and words of letters and digits (of any script: see deck_names) joined by hyphens.
DECK_NAME = re.compile(r"^\d{2,}-[^\W_]+(?:-[^\W_]+)*\.pptx$")

Result = tuple[list[Path], list[Diagnostic]]  # the files written and what was found


@dataclass(frozen=True)
class WrittenDeck:
    """What writing one deck came to: the file (none when a user error stopped it),
    what was found, and how many slides the file holds, counted after pagination split
    the model's slides into continuation slides (the number a viewer shows)."""

    written: list[Path]
    diagnostics: list[Diagnostic]
    slides: int = 0

    @property
    def result(self) -> Result:
        return self.written, self.diagnostics

    @property
    def note(self) -> str:
        """The deck's line in the progress: its real slide count."""
        if not self.written:
            return "not written"
        return f"{self.slides} slide" if self.slides == 1 else f"{self.slides} slides"


@dataclass(frozen=True)
class DeckJob:
    """One deck to lay out and write, as handed to a worker (`pool`)."""

    deck: Deck
    config: Config
    style: SlideStyle
    out_dir: Path
    when: datetime
    cache_root: Path | None
    key: str = ""  # the deck's cache key; empty: not cached

    def run(self) -> WrittenDeck:
        return write_deck(self)


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
        _code_fingerprint(),
        repr(deck),
        repr(style),
        repr(config.slides),
        config.author,
        _file_hash(template) if template is not None else "default template",
        when.isoformat(),
        *pictures,
    )


def _entry(data: bytes, diagnostics: list[Diagnostic]) -> bytes:
    """A cache entry: the deck's diagnostics as JSON (after its length), then its bytes."""
    head = [
        [str(d.path) if d.path else None, d.line, d.col, int(d.severity), d.code, d.message, d.hint]
        for d in diagnostics
    ]
    blob = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return len(blob).to_bytes(8, "big") + blob + data


def _from_entry(entry: bytes) -> tuple[bytes, list[Diagnostic]] | None:
    try:
        size = int.from_bytes(entry[:8], "big")
        head = json.loads(entry[8 : 8 + size])
        found = [
            Diagnostic(Path(p) if p else None, line, col, Severity(sev), code, msg, hint)
            for p, line, col, sev, code, msg, hint in head
        ]
    except (ValueError, TypeError, KeyError):
        return None
    return entry[8 + size :], found


def build_decks(
    book: Book, out_dir: Path, topic: str | None = None, jobs: int = 1, progress: Progress = NO_PROGRESS
) -> Result:
    """Write one deck per topic into `out_dir`; returns the files written and what was found."""
    from notebook_publish.slides.template import open_template

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
                warning(
                    old,
                    0,
                    "foreign-file",
                    f"{old.name} looks like a deck but notebook-publish did not write it (or it was changed since): kept it",
                    "remove it yourself if it is not needed",
                )
            )
    return found


def _write_decks(
    book: Book,
    decks: list[Deck],
    out_dir: Path,
    folder: OutputFolder,
    style: SlideStyle,
    when: datetime,
    jobs: int,
    progress: Progress,
) -> Result:
    """Write `decks` (from the deck cache, or laid out by workers), recording each in
    the folder's manifest as soon as it is in place."""
    config = book.config
    results: list[Result] = []

    def keep_result(result: Result) -> None:
        results.append(result)
        for path in result[0]:
            folder.record(path.name)
        if result[0]:
            folder.save()

    cache_root = config.cache_dir
    deck_cache = Cache(cache_root).child("decks") if cache_root else None
    keys = {deck.filename: deck_key(deck, config, style, when) for deck in decks} if deck_cache else {}
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

    # One job per deck, biggest first: the last deck to start is a small one.
    jobs_ = [
        DeckJob(deck, config, style, out_dir, when, cache_root, keys.get(deck.filename, ""))
        for deck in sorted(missing, key=lambda d: -len(d.slides))
    ]
    workers = max(1, min(jobs, len(missing)))
    with progress.stage("writing decks", len(decks)) as stage:
        for deck in hits:
            stage.cached(deck.filename, deck.filename)
        if workers == 1:
            for job in jobs_:
                deck = job.deck
                stage.start(deck.filename, deck.filename)
                outcome = job.run()
                keep_result(outcome.result)
                stage.finish(deck.filename, deck.filename, outcome.note)
        else:
            before = {job.deck.filename: file_identity(out_dir / job.deck.filename) for job in jobs_}

            def done(job: DeckJob, outcome: WrittenDeck) -> None:
                keep_result(outcome.result)
                stage.finish(job.deck.filename, job.deck.filename, outcome.note)

            def failed(job: DeckJob, how: str) -> None:
                deck = job.deck
                now = file_identity(out_dir / deck.filename)
                if now == before[deck.filename]:
                    kept = f"{deck.filename} was not changed" if now else f"{deck.filename} was not written"
                else:  # renamed into place, complete, before the worker died
                    kept = f"{deck.filename} was written before it died; build again to see its warnings"
                message = f"writing deck {deck.filename} (`{short_title(deck.title)}`) failed: {how}"
                results.append(([], [error(deck.source, deck.line, "slides", message, kept)]))
                stage.finish(deck.filename, deck.filename, "failed")

            DeckPool(workers, out_dir).run(
                jobs_,
                on_start=lambda job: stage.start(job.deck.filename, job.deck.filename),
                on_done=done,
                on_failed=failed,
            )
    written: list[Path] = []
    diagnostics: list[Diagnostic] = []
    for paths, found in results:
        written += paths
        diagnostics += found
    written.sort()
    return written, diagnostics


_MEASURERS: dict[int, TextMeasurer] = {}


def _process_measurer(cache_root: Path | None) -> TextMeasurer:
    """One text measurer per process, so its width cache serves every deck the process
    writes (keyed by the process: a forked worker inherits its parent's)."""
    from notebook_publish.slides.text_metrics import TextMeasurer

    pid = os.getpid()
    if pid not in _MEASURERS:
        _MEASURERS[pid] = TextMeasurer(Cache(cache_root) if cache_root else None)
    return _MEASURERS[pid]


def write_deck(job: DeckJob) -> WrittenDeck:
    """Lay out and write one deck (in a worker process); never raises on user errors."""
    from notebook_publish.slides.deck_file import pptx_bytes
    from notebook_publish.slides.layout import layout_deck
    from notebook_publish.slides.template import open_template, template_geometry

    measurer = _process_measurer(job.cache_root)
    cache = Cache(job.cache_root).child("math") if job.cache_root else None
    deck_cache = Cache(job.cache_root).child("decks") if job.cache_root else None
    custom = job.config.slides.template is not None
    deck = job.deck
    written: list[Path] = []
    diagnostics: list[Diagnostic] = []
    slides = 0
    try:
        prs = open_template(job.config)
        geometry = template_geometry(prs, job.style, custom)
        laid, found = layout_deck(deck, job.style, geometry, measurer, cache)
        diagnostics += found
        data = pptx_bytes(prs, laid, job.style, custom, measurer.coverage, job.config.author, job.when)
        slides = len(laid.slides)  # after pagination; the writer draws one slide for each
        path = job.out_dir / deck.filename
        write_atomically(path, data)
        written.append(path)
        if deck_cache is not None and job.key:
            deck_cache.put(job.key, _entry(data, list(found)))
    except UsageError as exc:
        diagnostics.append(exc.diagnostic)
    return WrittenDeck(written, diagnostics, slides)
