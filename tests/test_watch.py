"""`watch` rebuilds after a save and reports problems with file:line."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time

from conftest import ROOT


def read_lines(stream, lines: queue.Queue) -> None:
    for line in stream:
        lines.put(line)


def wait_for(lines: queue.Queue, needle: str, seen: list, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        seen.append(line)
        if needle in line:
            return
    raise AssertionError(f"never saw {needle!r}; got:\n{''.join(seen)}")


def test_watch_rebuilds_on_save(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    note = notes / "index.md"
    note.write_text("# Start\n\nFirst text.\n")
    out = tmp_path / "build"
    proc = subprocess.Popen(
        [sys.executable, "-m", "notebook_publish", "watch", "--html", "--notes", str(notes), "--output", str(out)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=read_lines, args=(proc.stdout, lines), daemon=True).start()
    seen: list = []
    try:
        wait_for(lines, "waiting for changes", seen)
        assert "First text." in (out / "handbook.html").read_text()
        note.write_text("# Start\n\nSecond text with ![pic](gone.png).\n")
        wait_for(lines, "changed index.md", seen)
        wait_for(lines, "waiting for changes", seen)
        assert "Second text" in (out / "handbook.html").read_text()
        assert any("index.md:3:" in line and "missing-image" in line for line in seen), "".join(seen)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert "Traceback" not in "".join(seen)
