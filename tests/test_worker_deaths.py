"""Worker processes that die, and a command that dies under its workers.

- A slides worker killed while writing a deck: one error line naming the deck and the
  signal, exit code 1, that deck's old file untouched and no temporary file left, the
  other decks written.
- The `pdf` command's message for a killed typesetting worker: the chapter, the signal,
  the hint, on one line.
- The main `pdf` or `slides` process killed with SIGKILL while a worker is busy: every
  worker (and the fork server, and multiprocessing's resource tracker) ends within
  seconds, and none of them prints anything (they used to print BrokenPipeError
  tracebacks into the terminal long after the command had gone).

Faults are injected with the worker-only test hook NOTEBOOK_PUBLISH_TEST_WORKER_FAULT
(handbook/typeset/parts.py, handbook/typeset/workers.py and slides/pool.py read it).
"""

from __future__ import annotations

import hashlib
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from notebook_publish.handbook.typeset.parts import FAULT_HOOK
from publish_harness import Project, assert_clean

ERROR = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>[\w-]+)\]: (?P<text>.*)$", re.M)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stray_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and (p.name.endswith(".tmp") or p.name.startswith(".tmp-"))]


def deck_book(tmp_path: Path) -> Project:
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n- [Alpha](alpha.md)\n- [Trouble](trouble.md)\n- [Gamma](gamma.md)\n")
    for name in ("alpha", "trouble", "gamma"):
        bullets = "".join(f"- {name} point {i} with some words to lay out\n" for i in range(12))
        project.write(f"{name}.md", f"# {name.title()}\n\n## {name.title()} topic\n\n{bullets}")
    return project


def edit_notes(project: Project, text: str) -> None:
    """Change every deck, so that none comes from the cache."""
    for name in ("alpha", "trouble", "gamma"):
        note = project.notes / f"{name}.md"
        note.write_text(note.read_text(encoding="utf-8") + f"- {text}\n", encoding="utf-8")


# --- a slides worker that dies ------------------------------------------------------------


@pytest.mark.parametrize(
    "fault, how",
    [
        ("kill", "died (killed by SIGKILL)"),
        ("crash", "died (exit status 70)"),
        ("kill-writing", "died (killed by SIGKILL)"),  # its temporary file complete, not yet renamed
    ],
)
@pytest.mark.slow
def test_a_dead_slides_worker_costs_only_its_deck(tmp_path, fault, how):
    project = deck_book(tmp_path)
    first = project.run("slides", "--jobs", "2")
    assert_clean(first, (0,))
    decks = project.decks()
    assert [d.name for d in decks] == ["01-alpha-topic.pptx", "02-trouble-topic.pptx", "03-gamma-topic.pptx"]
    before = {d.name: digest(d) for d in decks}

    edit_notes(project, "one more point")
    run = project.run("slides", "--jobs", "2", env={FAULT_HOOK: f"{fault}:trouble"})
    assert_clean(run, (1,))
    errors = [m.groupdict() for m in ERROR.finditer(run.stderr)]
    assert len(errors) == 1, str(run)
    err = errors[0]
    assert err["path"] == "notes/trouble.md" and err["line"] == "3" and err["code"] == "slides", err
    assert err["text"].startswith(
        f"writing deck 02-trouble-topic.pptx (`Trouble topic`) failed: the worker process writing it {how}"
    ), err
    assert err["text"].endswith("(02-trouble-topic.pptx was not changed)"), err
    assert len(err["text"]) < 300
    # The dead worker's deck is the old one; the others are the new ones, complete.
    after = {d.name: digest(d) for d in project.decks()}
    assert after["02-trouble-topic.pptx"] == before["02-trouble-topic.pptx"]
    assert (
        after["01-alpha-topic.pptx"] != before["01-alpha-topic.pptx"]
        and after["03-gamma-topic.pptx"] != before["03-gamma-topic.pptx"]
    )
    from pptx import Presentation

    for name in ("01-alpha-topic.pptx", "03-gamma-topic.pptx"):
        assert "one more point" in "".join(
            shape.text_frame.text
            for slide in Presentation(str(project.out / "slides" / name)).slides
            for shape in slide.shapes
            if shape.has_text_frame
        )
    assert stray_files(project.out) == []
    assert "wrote" in run.stdout and "02-trouble-topic.pptx" not in run.stdout

    # Without the fault, the next build writes it.
    again = project.run("slides", "--jobs", "2")
    assert_clean(again, (0,))
    assert digest(project.out / "slides" / "02-trouble-topic.pptx") != before["02-trouble-topic.pptx"]


def test_a_new_deck_whose_worker_died_says_it_was_not_written(tmp_path):
    project = deck_book(tmp_path)
    run = project.run("slides", "--jobs", "2", env={FAULT_HOOK: "kill:gamma"})
    assert_clean(run, (1,))
    assert (
        "03-gamma-topic.pptx (`Gamma topic`) failed: the worker process writing it died (killed by SIGKILL)"
        in run.stderr
    ), str(run)
    assert "(03-gamma-topic.pptx was not written)" in run.stderr, str(run)
    assert [d.name for d in project.decks()] == ["01-alpha-topic.pptx", "02-trouble-topic.pptx"]


# --- the pdf command's message for a killed worker ----------------------------------------


def fault_book(tmp_path: Path) -> Project:
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n- [Calm](calm.md)\n- [Trouble](trouble.md)\n")
    project.write("calm.md", "# Calm\n\n" + "A quiet chapter. " * 30 + "\n")
    project.write("trouble.md", "# Trouble\n\n" + "The chapter that fails. " * 30 + "\n")
    return project


@pytest.mark.slow
def test_a_killed_pdf_worker_is_one_line_naming_the_chapter_and_signal(tmp_path):
    project = fault_book(tmp_path)
    run = project.run("pdf", "--jobs", "2", env={FAULT_HOOK: "kill:trouble.md"})
    assert_clean(run, (1,))
    errors = [m.groupdict() for m in ERROR.finditer(run.stderr)]
    assert len(errors) == 1, str(run)
    text = errors[0]["text"]
    assert errors[0]["code"] == "typesetting" and "`trouble.md`" in text, text
    assert "the worker process typesetting it died (killed by SIGKILL)" in text and text.endswith(
        "(handbook.pdf was not changed)"
    ), text
    assert not project.pdf.exists()


# --- the command killed under its workers -------------------------------------------------


def live_processes(group: int) -> list[tuple[int, int, str]]:
    """(pid, parent pid, state) of every process of `group` that is not a zombie."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, ppid, pgrp = fields[0], int(fields[1]), int(fields[2])
        if pgrp == group and state != "Z":
            found.append((int(entry.name), ppid, state))
    return found


def kill_under_workers(project: Project, command: str, fault: str, busy) -> tuple[bytes, float, list]:
    """Start `command` with `fault` in its own process group, wait until `busy(pid)`
    says a worker is at work, SIGKILL the main process only, then read the group's
    stderr (a pipe every process of it inherited) until the last holder closes it.
    Returns (what was printed, seconds from the kill to the pipe's end, processes left)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), FAULT_HOOK: fault}
    proc = subprocess.Popen(
        [sys.executable, "-m", "notebook_publish", command, "-q", "--jobs", "2", "--output", str(project.out)],
        cwd=project.root,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    printed = b""
    try:
        deadline = time.monotonic() + 120
        while not busy(proc.pid):
            assert proc.poll() is None, f"the build ended before it could be killed: {proc.stderr.read()!r}"
            assert time.monotonic() < deadline, "no worker got busy"
            time.sleep(0.1)
        time.sleep(1.0)  # the worker has its job and holds it (the fault)
        assert proc.poll() is None, "the build ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed = time.monotonic()
        fd = proc.stderr.fileno()
        while time.monotonic() < killed + 20:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                printed += chunk
        ended = time.monotonic() - killed
        left = live_processes(proc.pid)
        for _ in range(20):  # the pipe closes as they exit; give the kernel a moment to finish them
            if not left:
                break
            time.sleep(0.1)
            left = live_processes(proc.pid)
        return printed, ended, left
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.stderr.close()


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["hang:trouble.md", "slow:trouble.md"])
def test_pdf_workers_die_quietly_with_the_command(tmp_path, fault):
    project = fault_book(tmp_path)

    def typesetting(main: int) -> bool:
        # A worker is forked by the fork server, not by the main process.
        return any(ppid not in (main, os.getpid()) for _pid, ppid, _state in live_processes(main))

    printed, ended, left = kill_under_workers(project, "pdf", fault, typesetting)
    assert printed == b"", printed.decode("utf-8", "replace")[-3000:]
    assert ended < 5, f"the workers held the command's stderr {ended:.1f} s after it was killed"
    assert left == [], left
    assert not project.pdf.exists()


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["hang:trouble", "slow:trouble"])
def test_slides_workers_die_quietly_with_the_command(tmp_path, fault):
    project = deck_book(tmp_path)
    assert_clean(project.run("slides", "--jobs", "2"), (0,))
    edit_notes(project, "edited")
    slides = project.out / "slides"
    old = {name: (slides / name).stat().st_ino for name in ("01-alpha-topic.pptx", "03-gamma-topic.pptx")}

    def others_written(_main: int) -> bool:
        # The two healthy decks are replaced: the trouble deck's worker holds it.
        return all((slides / name).stat().st_ino != inode for name, inode in old.items())

    printed, ended, left = kill_under_workers(project, "slides", fault, others_written)
    assert printed == b"", printed.decode("utf-8", "replace")[-3000:]
    assert ended < 5, f"the workers held the command's stderr {ended:.1f} s after it was killed"
    assert left == [], left


# --- a worker whose command is gone returns quietly -----------------------------------------

QUIET_WORKER = """
import os, sys
from multiprocessing import Pipe
from {module} import _serve
parent, child = Pipe()
parent.send("not a job")  # fails in the worker, whose answer then meets a closed pipe
parent.close()
_serve(child{args})
print("returned", flush=True)
"""


@pytest.mark.parametrize(
    "module, args",
    [
        ("notebook_publish.handbook.typeset.workers", ", dict(os.environ), os.getcwd()"),
        ("notebook_publish.slides.pool", ", []"),
    ],
    ids=["pdf", "slides"],
)
def test_a_worker_whose_parent_is_gone_returns_quietly(tmp_path, module, args):
    done = subprocess.run(
        [sys.executable, "-c", QUIET_WORKER.format(module=module, args=args)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout == "returned\n", done.stderr
    assert done.stderr == ""
