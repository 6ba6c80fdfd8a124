"""Runs the test harness's commands from a small process of its own, so that the peak
memory `wait4` reports for a command is the command's.

Linux counts in a child's peak memory (`ru_maxrss`) the memory of the process it was
forked from, up to its `exec`: a command started by a pytest worker that has read a
big deck or validated one (openxml-audit holds 200 MB of schema tables) was reported
at 403 MB though it used about 30. This process starts small and stays small, and starts
every command for the worker that started it.

It reads one request per line on stdin (JSON: args, cwd, env, timeout) and answers one
line on stdout (JSON: returncode, stdout, stderr, seconds, max_rss_mb, timed_out). A
command runs in its own process group, so a timeout kills pandoc and any worker with it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time


def run(args: list[str], cwd: str, env: dict[str, str], timeout: float) -> dict[str, object]:
    start = time.monotonic()
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}

    def drain(stream, sink: list[bytes]) -> None:
        for block in iter(lambda: stream.read(65536), b""):
            sink.append(block)

    readers = [
        threading.Thread(target=drain, args=(proc.stdout, chunks["out"]), daemon=True),
        threading.Thread(target=drain, args=(proc.stderr, chunks["err"]), daemon=True),
    ]
    for reader in readers:
        reader.start()
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    for reader in readers:
        reader.join(timeout=10)
    proc.stdout.close()
    proc.stderr.close()
    return {
        "returncode": os.waitstatus_to_exitcode(status),
        "stdout": b"".join(chunks["out"]).decode("utf-8", "replace"),
        "stderr": b"".join(chunks["err"]).decode("utf-8", "replace"),
        "seconds": time.monotonic() - start,
        "max_rss_mb": usage.ru_maxrss / 1024,
        "timed_out": timed_out.is_set(),
    }


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = run(request["args"], request["cwd"], request["env"], request["timeout"])
        except OSError as exc:  # the command could not start (no such folder, say)
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
