"""Worker processes that typeset parts of the handbook, one part at a time each.

Each worker is a forked process that keeps one WeasyPrint font configuration for all
the parts it typesets. The parent hands out parts, biggest first, and watches every
worker: a part that runs past the time limit gets its worker killed, and a worker
that dies (a crash in a C library, the OOM killer) is noticed by its process
sentinel. Either way the build stops with `PartFailed` naming the part, and nothing
has been written: the cache only ever receives finished parts, and the handbook is
written once, atomically, at the very end.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Callable

from notebook_publish.handbook.parts import Part, PartJob, typeset_part


class PartFailed(Exception):
    def __init__(self, job: PartJob, message: str):
        super().__init__(message)
        self.job = job
        self.message = message


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: object
    job: PartJob | None = None
    deadline: float = 0.0


def _serve(conn) -> None:
    """The worker's loop: typeset each part it is sent until told to stop (None)."""
    from weasyprint.text.fonts import FontConfiguration

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    font_config = FontConfiguration()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            conn.send(("ok", typeset_part(job, font_config)))
        except Exception as exc:  # a WeasyPrint bug: reported for this part, the worker goes on
            conn.send(("error", f"{type(exc).__name__}: {exc}"[:500]))


class TypesetPool:
    """Up to `size` workers; `timeout` seconds per part."""

    def __init__(self, size: int, timeout: float):
        self.size = max(1, size)
        self.timeout = timeout
        self.workers: list[_Worker] = []
        # fork: workers inherit the imported WeasyPrint and start in milliseconds.
        self._context = multiprocessing.get_context("fork")

    def start(self, count: int) -> None:
        """Fork workers up front (before a progress display starts its thread)."""
        while len(self.workers) < min(count, self.size):
            parent, child = self._context.Pipe()
            process = self._context.Process(target=_serve, args=(child,), daemon=True, name="notebook-publish-typeset")
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
        pending = sorted(jobs, key=lambda j: -j.weight)
        if not pending:
            return {}
        self.start(len(pending))
        done: dict[str, Part] = {}
        try:
            while pending or any(w.job for w in self.workers):
                for worker in self.workers:
                    if worker.job is None and pending:
                        worker.job = pending.pop(0)
                        worker.deadline = time.monotonic() + self.timeout
                        worker.conn.send(worker.job)
                        on_start(worker.job)
                busy = [w for w in self.workers if w.job is not None]
                left = min(w.deadline for w in busy) - time.monotonic()
                ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=max(0.0, left))
                for worker in busy:
                    job = worker.job
                    if worker.conn in ready or worker.conn.poll():
                        try:
                            status, payload = worker.conn.recv()
                        except (EOFError, OSError):
                            raise PartFailed(job, self._death(worker)) from None
                        worker.job = None
                        if status != "ok":
                            raise PartFailed(job, f"WeasyPrint failed: {payload}")
                        done[job.key] = payload
                        on_done(job, payload)
                    elif worker.process.sentinel in ready or not worker.process.is_alive():
                        raise PartFailed(job, self._death(worker))
                    elif time.monotonic() >= worker.deadline:
                        raise PartFailed(job, f"typesetting took longer than {self.timeout:g} s and was stopped")
        except BaseException:
            self.close(kill=True)
            raise
        return done

    @staticmethod
    def _death(worker: _Worker) -> str:
        worker.process.join(1)
        code = worker.process.exitcode
        if code is not None and code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
        else:
            how = f"exit status {code}"
        return f"the worker process typesetting it died ({how})"

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

    def __enter__(self) -> "TypesetPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close(kill=exc[0] is not None)


def default_jobs() -> int:
    return os.cpu_count() or 1
