"""Worker processes that typeset parts of the handbook, one part at a time each.

The workers are forked from a fork server (multiprocessing's "forkserver"), a fresh
process that imports WeasyPrint and the typesetting modules once. `start_server()`
starts it as early as the command knows it will typeset, so that the second of a
second WeasyPrint takes to import is spent on the other core while this process reads
the notes, instead of in this process (where it held the interpreter lock against the
reading). The workers then start in milliseconds, and without a copy of this
process's heap (every note's AST). Each worker keeps one WeasyPrint font
configuration for all the parts it typesets. The parent hands out parts, biggest first, and watches every
worker: a part that runs past the time limit gets its worker killed, and a worker
that dies (a crash in a C library, the OOM killer) is noticed by its process
sentinel. Either way the build stops with `PartFailed` naming the part, and nothing
has been written: the cache only ever receives finished parts, and the handbook is
written once, atomically, at the very end.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import TYPE_CHECKING, Any

from notebook_publish.handbook.typeset.parts import FAULT_HOOK, Part, PartJob, typeset_part
from notebook_publish.lifeline import die_with_parent, send_or_stop

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.context import ForkServerContext, SpawnContext


class PartFailed(Exception):
    def __init__(self, job: PartJob, message: str):
        super().__init__(message)
        self.job = job
        self.message = message


# What a worker answers for a part: ("ok", the Part) or ("error", what went wrong).
_Reply = tuple[str, Any]


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection[PartJob | None, _Reply]
    job: PartJob | None = None
    deadline: float = 0.0


# What the fork server imports before it forks any worker: everything `typeset_part`
# needs, so no worker imports anything of weight itself.
PRELOAD = (
    "notebook_publish.handbook.typeset.library_lookup",  # WeasyPrint, without 40 lookup processes
    "weasyprint",
    "weasyprint.text.fonts",
    "weasyprint.formatting_structure.boxes",
    "pikepdf",
    "svgelements",
    "notebook_publish.handbook.typeset.workers",
    "notebook_publish.handbook.typeset.parts",
    "notebook_publish.handbook.typeset.fetcher",
    "notebook_publish.handbook.overdraw.math_stamp",
    "notebook_publish.handbook.overdraw.bullets",
    "notebook_publish.handbook.overdraw.pages",
    "notebook_publish.handbook.overdraw.tagged_pages",
    "notebook_publish.handbook.typeset.tag_record",
    "notebook_publish.handbook.typeset.render",
)


def _context() -> ForkServerContext | SpawnContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(PRELOAD))
        return context
    return multiprocessing.get_context("spawn")  # no fork server here (Windows): each worker imports


def start_server() -> None:
    """Start the fork server now if it is not running; it imports `PRELOAD` on its own."""
    context = _context()
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def stop_server() -> None:
    """Stop the fork server and multiprocessing's resource tracker (started with it),
    and wait for both: left to notice this process's exit on their own, they would
    outlive it for a moment, as zombies wherever nothing reaps orphans (a container
    whose first process is a shell). A no-op when they are not running.

    multiprocessing has no public way to do this; `_stop` is the method its own tests
    use. Without it they end as before, a moment after this process.

    The fork server is killed first. Told to stop, it exits like any interpreter,
    tearing WeasyPrint and the rest down module by module: 0.08 s that every build
    waited for. It holds nothing to keep (its workers are gone or die with
    it, and `_stop` removes its socket)."""
    from multiprocessing import forkserver, resource_tracker

    server = getattr(forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    if isinstance(pid, int):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass  # already gone
    for owner in (server, getattr(resource_tracker, "_resource_tracker", None)):
        stop = getattr(owner, "_stop", None)
        if stop is None:
            continue
        try:
            stop()
        except (OSError, TypeError):
            pass  # already gone


def _release_the_fork_server() -> None:
    """Close this worker's copy of the fork server's "alive" pipe.

    The fork server ends when every holder of that pipe's write end has closed it:
    the command, and (multiprocessing hands it to them) each worker. A worker busy
    when the command is killed would keep the server up, and the server would keep
    the worker's parent-death signal from firing: both would live on until the part
    was done. Without its copy, the server ends with the command and the worker with
    the server (`lifeline`). A worker starts no processes, so it never needs the pipe.
    multiprocessing keeps the descriptor in a private attribute; if a later Python
    moves it, the worker still ends, quietly, once its part is done."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    fd = getattr(server, "_forkserver_alive_fd", None)
    if server is not None and isinstance(fd, int):  # (no server, no descriptor)
        try:
            os.close(fd)
        except OSError:
            pass
        server._forkserver_alive_fd = None


def _serve(conn: Connection[_Reply, PartJob | None], env: dict[str, str], cwd: str) -> None:
    """The worker's loop: typeset each part it is sent until told to stop (None).
    When the command is gone (its end of the pipe closed), the worker returns quietly."""
    from weasyprint.text.fonts import FontConfiguration

    die_with_parent()
    _release_the_fork_server()
    # The fork server was started with the environment and folder of its time; a
    # worker takes its parent's, as a plain fork would.
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    # Keep the garbage collector from walking the preloaded modules again and again
    # (gc.freeze is made for forked workers). Switching the collector off while a part
    # is typeset was slower.
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    font_config = FontConfiguration()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        _slow_fault(job, env)
        reply: _Reply
        try:
            reply = ("ok", typeset_part(job, font_config))
        except Exception as exc:  # a WeasyPrint bug: reported for this part, the worker goes on
            reply = ("error", f"{type(exc).__name__}: {exc}"[:500])
        if not send_or_stop(conn, reply):
            return


def _slow_fault(job: PartJob, env: dict[str, str]) -> None:
    """Test hook (see FAULT_HOOK in parts.py), read only here in the worker:
    "slow:<text>" holds the part 10 s before typesetting it, then goes on, so a test
    can kill the command while a worker is busy and would still send a result."""
    kind, _, where = env.get(FAULT_HOOK, "").partition(":")
    if kind == "slow" and where and any(where in text for text in (job.label, str(job.source or ""), *job.members)):
        time.sleep(10)


class TypesetPool:
    """Up to `size` workers; `timeout` seconds per part."""

    def __init__(self, size: int, timeout: float):
        self.size = max(1, size)
        self.timeout = timeout
        self.workers: list[_Worker] = []
        self._context = _context()

    def _start_one(self) -> None:
        """A new worker. The first waits for the fork server to finish its imports, so
        workers start only when there is a part to typeset: a rebuild that finds every
        part in the cache never waits for WeasyPrint."""
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_serve, args=(child, dict(os.environ), os.getcwd()), daemon=True, name="notebook-publish-typeset"
        )
        process.start()
        child.close()
        self.workers.append(_Worker(process, parent))

    def run(
        self,
        jobs: list[PartJob],
        on_start: Callable[[PartJob], None] = lambda job: None,
        on_done: Callable[[PartJob, Part], None] = lambda job, part: None,
    ) -> dict[str, Part]:
        """Typeset all jobs; returns parts by job key. Raises PartFailed on the first failure."""
        if not jobs:
            return {}
        self.begin(on_start, on_done)
        for job in jobs:
            self.submit(job)
        return self.finish()

    # The same in steps, for a caller that makes the jobs while earlier ones are typeset:
    # begin(), submit() each job as it is ready (and poll() between), then finish().

    def begin(
        self,
        on_start: Callable[[PartJob], None] = lambda job: None,
        on_done: Callable[[PartJob, Part], None] = lambda job, part: None,
    ) -> None:
        self._on_start, self._on_done = on_start, on_done
        self._pending: list[PartJob] = []
        self._done: dict[str, Part] = {}

    def submit(self, job: PartJob) -> None:
        """Queue a job (the biggest waiting job goes first) and hand out what can be."""
        self._pending.append(job)
        self._pending.sort(key=lambda j: -j.weight)
        self._guarded(self._dispatch)

    def poll(self, timeout: float = 0.0) -> None:
        """Collect what finished within `timeout` seconds; hand out waiting jobs."""
        self._guarded(lambda: self._step(timeout))

    def finish(self) -> dict[str, Part]:
        """Wait for every submitted job; returns all parts by job key."""

        def drain() -> None:
            while self._pending or any(w.job for w in self.workers):
                self._step(None)

        self._guarded(drain)
        return self._done

    def _guarded(self, work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException:
            self.close(kill=True)
            raise

    def _dispatch(self) -> None:
        idle = sum(1 for w in self.workers if w.job is None)
        while len(self._pending) > idle and len(self.workers) < self.size:
            self._start_one()
            idle += 1
        for worker in self.workers:
            if worker.job is None and self._pending:
                worker.job = self._pending.pop(0)
                worker.deadline = time.monotonic() + self.timeout
                worker.conn.send(worker.job)
                self._on_start(worker.job)

    def _step(self, timeout: float | None) -> None:
        """Wait up to `timeout` (None: until a worker finishes or a deadline passes)."""
        self._dispatch()
        busy = [w for w in self.workers if w.job is not None]
        if not busy:
            return
        left = min(w.deadline for w in busy) - time.monotonic()
        wait_for = max(0.0, left) if timeout is None else max(0.0, min(left, timeout))
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=wait_for)
        for worker in busy:
            job = worker.job
            assert job is not None  # `busy` holds the workers with a job
            if worker.conn in ready or worker.conn.poll():
                try:
                    status, payload = worker.conn.recv()
                except (EOFError, OSError):
                    raise PartFailed(job, self._death(worker)) from None
                worker.job = None
                if status != "ok":
                    raise PartFailed(job, f"WeasyPrint failed: {payload}")
                self._done[job.key] = payload
                self._on_done(job, payload)
            elif worker.process.sentinel in ready or not worker.process.is_alive():
                raise PartFailed(job, self._death(worker))
            elif time.monotonic() >= worker.deadline:
                raise PartFailed(job, f"typesetting took longer than {self.timeout:g} s and was stopped")
        self._dispatch()

    @staticmethod
    def _death(worker: _Worker) -> str:
        worker.process.join(1)
        return f"the worker process typesetting it {how_it_ended(worker.process.exitcode)}"

    def close(self, kill: bool = False) -> None:
        for worker in self.workers:
            if kill or worker.job is not None:
                worker.process.kill()
            else:
                try:
                    worker.conn.send(None)
                except OSError:
                    worker.process.kill()
        for worker in self.workers:
            worker.process.join(5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self.workers = []

    def __enter__(self) -> TypesetPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(kill=exc[0] is not None)


def how_it_ended(code: int | None) -> str:
    """ "died (...)" for a dead worker's exit code: the signal's name, and for SIGKILL
    (a worker the pool stops itself is reported otherwise) its usual sender, the
    kernel's out-of-memory killer."""
    if code is None:
        return "stopped answering"
    if code >= 0:
        return f"died (exit status {code})"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        return f"died (killed by signal {-code})"
    if -code == signal.SIGKILL:
        return f"died (killed by {name}), perhaps for lack of memory"
    return f"died (killed by {name})"


def default_jobs() -> int:
    return os.cpu_count() or 1
