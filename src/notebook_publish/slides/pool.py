"""Worker processes that lay out and write decks, one deck at a time each.

The parent hands each idle worker the biggest deck still waiting and watches every
worker's pipe and process sentinel. A worker that dies (a crash in a C library, the
OOM killer) costs only its deck: the deck is reported, with the signal that ended the
worker, as one error naming it; the temporary file it may have left is removed (decks
are written to a temporary name and renamed, so the deck itself is never half
written); the old deck stays; a new worker takes the remaining decks.

Workers die with the command (`lifeline`). Interrupted, the parent asks its busy
workers to stop with SIGTERM, which they turn into an exception so that the file
being written is removed on the way out, and kills any that do not stop.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from notebook_publish.lifeline import die_with_parent, send_or_stop

if TYPE_CHECKING:
    from notebook_publish.slides.deck import Deck

STOP_GRACE = 3.0  # seconds a worker told to stop has to remove its temporary files


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Any
    task: Any = None  # the job (one deck, `build.DeckJob`) it is writing


class _Stop(BaseException):
    """SIGTERM in a worker: unwind (temporary files go) and end quietly."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Stop()


def _serve(conn: Connection, inherited: list[Connection]) -> None:
    """The worker's loop: run each job it is sent (`job.run()` lays out and writes
    `job.deck`) until told to stop (None).

    `inherited`: the parent's ends of this worker's pipe and of the workers forked
    before it, which a forked worker holds copies of. Closed at once: while any copy
    is open, a worker would not see its pipe close when the command dies."""
    for other in inherited:
        other.close()
    die_with_parent()
    # Ctrl-C is the parent's to handle; it stops the workers itself. SIGTERM replaces
    # the handler inherited from the command's main process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        while True:
            try:
                task = conn.recv()
            except (EOFError, OSError):
                return
            if task is None:
                return
            try:
                _injected_fault(task.deck)
                reply = ("ok", task.run())
            except Exception as exc:  # a bug, reported for this deck; the worker goes on
                reply = ("error", f"{type(exc).__name__}: {exc}"[:300])
            if not send_or_stop(conn, reply):
                return
    except _Stop:
        return


# Test hook, read only in the deck worker: NOTEBOOK_PUBLISH_TEST_WORKER_FAULT (the one
# handbook/parts.py reads) set to "<kind>:<text>" breaks the worker writing a deck whose
# file name, title or note contains <text>. Kinds: "hang", "slow" (10 s, then the deck
# is written), "crash" (os._exit(70)), "kill" (SIGKILL before the deck is laid out),
# "kill-writing" (SIGKILL once the deck's temporary file is complete, just before it is
# renamed into place). tests/test_worker_deaths.py uses it; nothing else should set it.
def _injected_fault(deck: Deck) -> None:
    from notebook_publish.handbook.parts import FAULT_HOOK

    kind, _, where = os.environ.get(FAULT_HOOK, "").partition(":")
    if not where or not any(where in text for text in (deck.filename, deck.title, str(deck.source))):
        return
    if kind == "hang":
        while True:
            time.sleep(60)
    if kind == "slow":
        time.sleep(10)
    if kind == "crash":
        os._exit(70)
    if kind == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if kind == "kill-writing":
        rename = os.replace

        def replace(
            src: str | bytes | os.PathLike[str] | os.PathLike[bytes],
            dst: str | bytes | os.PathLike[str] | os.PathLike[bytes],
            *args: Any,
            **kwargs: Any,
        ) -> None:
            if Path(os.fsdecode(dst)).name == deck.filename:
                os.kill(os.getpid(), signal.SIGKILL)
            return rename(src, dst, *args, **kwargs)

        os.replace = replace


def file_identity(path: Path) -> tuple[int, int, int] | None:
    """What tells a file replaced by a rename from the one that was there (None: none),
    to say whether a dead worker's deck was renamed into place before it died."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def short_title(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def remove_partial(out_dir: Path, filename: str) -> None:
    """The temporary files `write_atomically` makes for `filename` (".NAME.xxxx.tmp"),
    left by a worker that died or was killed while writing it."""
    try:
        leftovers = list(Path(out_dir).glob(f".{filename}.*.tmp"))
    except OSError:
        return
    for path in leftovers:
        try:
            path.unlink()
        except OSError:
            pass


class DeckPool:
    """Up to `size` workers writing one deck each at a time.

    A task is a job with a `deck` and a `run()` (`build.DeckJob`). `run(tasks, ...)`
    calls `on_start(task)` as a task is handed out, `on_done(task, result)` with what
    `task.run()` returned, and `on_failed(task, message)` when its worker died ("died
    (killed by SIGKILL)") or `task.run()` raised. Use it from one
    thread, the one that made it (see `lifeline`)."""

    def __init__(self, size: int, out_dir: Path):
        self.size = max(1, size)
        self.out_dir = Path(out_dir)
        self.workers: list[_Worker] = []
        self._context = multiprocessing.get_context()

    def _start_one(self) -> None:
        parent, child = self._context.Pipe()
        # Only a forked worker has copies of the parent's descriptors to close (a
        # spawned one gets `child` alone, pickled).
        inherited = [parent, *(w.conn for w in self.workers)] if self._context.get_start_method() == "fork" else []
        process = self._context.Process(
            target=_serve, args=(child, inherited), daemon=True, name="notebook-publish-deck"
        )
        process.start()
        child.close()
        self.workers.append(_Worker(process, parent))

    def run(
        self,
        tasks: list[Any],  # the jobs (`build.DeckJob`)
        on_start: Callable[[Any], None],
        on_done: Callable[[Any, Any], None],
        on_failed: Callable[[Any, str], None],
    ) -> None:
        pending = list(tasks)
        try:
            while pending or any(w.task is not None for w in self.workers):
                self._dispatch(pending, on_start)
                busy = [w for w in self.workers if w.task is not None]
                ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
                for worker in busy:
                    if worker.conn in ready or worker.conn.poll():
                        try:
                            status, payload = worker.conn.recv()
                        except (EOFError, OSError):
                            self._buried(worker, on_failed)
                            continue
                        task, worker.task = worker.task, None
                        if status == "ok":
                            on_done(task, payload)
                        else:
                            on_failed(task, f"failed in its worker ({payload}; a bug, please report it)")
                    elif worker.process.sentinel in ready:
                        self._buried(worker, on_failed)
        except BaseException:
            self.close()
            raise
        self.close()

    def _dispatch(self, pending: list[Any], on_start: Callable[[Any], None]) -> None:
        for worker in [w for w in self.workers if w.task is None and not w.process.is_alive()]:
            worker.conn.close()  # ended between decks: its deck was done, the next goes elsewhere
            self.workers.remove(worker)
        idle = [w for w in self.workers if w.task is None]
        while len(pending) > len(idle) and len(self.workers) < self.size:
            self._start_one()
            idle.append(self.workers[-1])
        for worker in idle:
            if not pending:
                break
            worker.task = pending.pop(0)
            try:
                worker.conn.send(worker.task)
            except OSError:  # died before it got its deck; noticed by its sentinel
                pass
            on_start(worker.task)

    def _buried(self, worker: _Worker, on_failed: Callable[[Any, str], None]) -> None:
        """A worker that died: report its deck, clear up after it, forget it."""
        from notebook_publish.handbook.workers import how_it_ended

        worker.process.join(1)
        if worker.process.is_alive():  # closed its pipe but lives on: it is no use now
            worker.process.kill()
            worker.process.join()
        task = worker.task
        remove_partial(self.out_dir, task.deck.filename)
        worker.conn.close()
        self.workers.remove(worker)
        on_failed(task, f"the worker process writing it {how_it_ended(worker.process.exitcode)}")

    def close(self) -> None:
        """Let idle workers end; stop busy ones (only left when interrupted): SIGTERM,
        SIGKILL after `STOP_GRACE` seconds, and remove what they were writing."""
        for worker in self.workers:
            if worker.task is not None:
                worker.process.terminate()
            else:
                try:
                    worker.conn.send(None)
                except OSError:
                    worker.process.terminate()
        deadline = time.monotonic() + STOP_GRACE
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            if worker.task is not None:
                remove_partial(self.out_dir, worker.task.deck.filename)
            worker.conn.close()
        self.workers = []
