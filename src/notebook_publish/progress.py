"""Progress of the parallel work (chapters, decks), for people and for logs.

- On a terminal: rich progress bars, an overall bar for the stage and one bar for
  each chapter or deck in flight.
- Anywhere else (CI, a pipe, a file): one plain line per finished item.
- `-q`: nothing. `-v`: plain lines also for items taken from the cache.

The writers get a `Progress` and call `stage(...)`; `NO_PROGRESS` reports nothing and
is the default, so library callers and tests see no output.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress as Bars
    from rich.progress import TaskID


class Stage:
    """One stage of work with a known number of items (chapters of a book, decks)."""

    def start(self, key: str, label: str) -> None:
        pass

    def finish(self, key: str, label: str, note: str = "") -> None:
        pass

    def cached(self, key: str, label: str) -> None:
        pass


class Progress:
    """Reports nothing; the base of the two real displays."""

    @contextmanager
    def stage(self, title: str, total: int) -> Iterator[Stage]:
        yield Stage()


NO_PROGRESS = Progress()


class _PlainStage(Stage):
    def __init__(self, title: str, total: int, stream: TextIO, verbose: bool):
        self.title, self.total, self.stream, self.verbose = title, total, stream, verbose
        self.count = 0
        self.started: dict[str, float] = {}

    def start(self, key: str, label: str) -> None:
        self.started[key] = time.perf_counter()

    def finish(self, key: str, label: str, note: str = "") -> None:
        self.count += 1
        took = time.perf_counter() - self.started.pop(key, time.perf_counter())
        extra = f", {note}" if note else ""
        print(f"{self.title} [{self.count}/{self.total}] {label} ({took:.1f} s{extra})", file=self.stream, flush=True)

    def cached(self, key: str, label: str) -> None:
        self.count += 1
        if self.verbose:
            print(
                f"{self.title} [{self.count}/{self.total}] {label} (unchanged, from the cache)",
                file=self.stream,
                flush=True,
            )


class PlainProgress(Progress):
    def __init__(self, stream: TextIO, verbose: bool = False):
        self.stream, self.verbose = stream, verbose

    @contextmanager
    def stage(self, title: str, total: int) -> Iterator[Stage]:
        stage = _PlainStage(title, total, self.stream, self.verbose)
        yield stage
        if total and stage.count:
            print(f"{title}: {stage.count} done", file=self.stream, flush=True)


class _RichStage(Stage):
    def __init__(self, bars: Bars, overall: TaskID) -> None:
        self.bars, self.overall = bars, overall
        self.tasks: dict[str, TaskID] = {}

    def start(self, key: str, label: str) -> None:
        self.tasks[key] = self.bars.add_task(label, total=1)

    def finish(self, key: str, label: str, note: str = "") -> None:
        task = self.tasks.pop(key, None)
        if task is not None:
            self.bars.update(task, completed=1)
            self.bars.remove_task(task)
        self.bars.advance(self.overall)

    def cached(self, key: str, label: str) -> None:
        self.bars.advance(self.overall)


class RichProgress(Progress):
    def __init__(self, stream: TextIO):
        self.stream = stream

    @contextmanager
    def stage(self, title: str, total: int) -> Iterator[Stage]:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bars

        console = Console(file=self.stream)
        with Bars(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bars:
            overall = bars.add_task(f"[bold]{title}", total=total)
            yield _RichStage(bars, overall)
        console.print(f"{title}: {total} done", highlight=False)


def make_progress(quiet: bool = False, verbose: bool = False, stream: TextIO | None = None) -> Progress:
    """Bars on an interactive terminal, plain lines elsewhere (CI sets CI=true), or nothing."""
    stream = stream or sys.stderr
    if quiet:
        return NO_PROGRESS
    interactive = (
        hasattr(stream, "isatty") and stream.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"
    )
    return RichProgress(stream) if interactive else PlainProgress(stream, verbose)
