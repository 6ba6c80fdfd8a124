"""Faults outside the notes: an output folder that can't be written, a full disk, a
build stopped by SIGINT or SIGTERM, a damaged cache.

Expected every time: the outputs of the previous build stay intact (every file is
written to a temporary name and renamed), no temporary files are left behind, the
cache never serves a damaged entry, and the exit code says what happened:
2 output not writable, 130 interrupted (SIGINT), 143 terminated (SIGTERM).

(A worker process that crashes and a WeasyPrint render that hangs are in
test_build_faults.py.)
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT
from publish_harness import Project, assert_clean

sys.path.insert(0, str(ROOT / "bench"))
from generate_notebook import generate_notebook  # noqa: E402


def small_book(tmp_path: Path) -> Project:
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n- [One](one.md)\n")
    project.write("one.md", "# One\n\n## Topic\n\n- a point with $x^2$\n- another point\n\n$$\\int_0^1 x\\,dx$$\n")
    return project


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stray_files(folder: Path) -> list[Path]:
    """Temporary files a build leaves only if it did not clean up after itself."""
    return [p for p in folder.rglob("*") if p.is_file() and (p.name.endswith(".tmp") or p.name.startswith(".tmp-"))]


def outputs(project: Project) -> dict[Path, str]:
    files = [project.pdf, project.out / "handbook.html", *project.decks()]
    return {p: digest(p) for p in files if p.is_file()}


# --- an output folder that can't be written ------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("where", ["file-as-folder", "proc", "read-only-mount"])
def test_output_folder_that_cannot_be_written(tmp_path, where):
    project = small_book(tmp_path)
    if where == "file-as-folder":
        blocker = project.root / "build-is-a-file"
        blocker.write_text("not a folder\n")
        out = blocker / "out"
    elif where == "proc":
        out = Path("/proc/version/out")
    else:
        out = project.root / "readonly"
        out.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(out)], capture_output=True, text=True
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a read-only tmpfs here: {done.stderr.strip()}")
    try:
        for command in ("pdf", "html", "slides"):
            run = project.run(command, "--output", str(out))
            assert_clean(run, (2,))
            lines = [l for l in run.stderr.splitlines() if "error[output]" in l]
            assert len(lines) == 1, str(run)
            assert "cannot write" in lines[0] and "--output" in lines[0], str(run)  # a message and a hint
        assert project.run("check", "--output", str(out)).returncode == 0  # check writes nothing it needs
    finally:
        if where == "read-only-mount":
            subprocess.run(["umount", str(out)], check=False)


@pytest.fixture
def tiny_disk(tmp_path):
    """A 32 MB tmpfs (a build with its cache needs about 10 MB), filled to the brim by the test."""
    disk = tmp_path / "disk"
    disk.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(disk)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
    yield disk
    subprocess.run(["umount", str(disk)], check=False)


@pytest.mark.slow
def test_a_full_disk_keeps_the_previous_outputs(tmp_path, tiny_disk):
    project = small_book(tmp_path)
    out = tiny_disk / "out"
    out.mkdir()
    # The previous build's outputs, then an edit, then a disk filled to the brim.
    for command in ("pdf", "html", "slides"):
        assert_clean(project.run(command, "--output", str(out)), (0,))
    before = {p: digest(p) for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts}
    note = next(project.notes.glob("*.md"))
    note.write_text(note.read_text(encoding="utf-8") + "\nOne more line after the last build.\n", encoding="utf-8")
    filler = tiny_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    for command in ("pdf", "html", "slides"):
        run = project.run(command, "--output", str(out))
        assert_clean(run, (1, 2))
        assert run.returncode != 0, str(run)
        assert "No space left on device" in run.stderr and "disk full" in run.stderr, str(run)
        assert {p: digest(p) for p in before} == before, "a previous output was changed"
        assert stray_files(out) == [], stray_files(out)
    filler.unlink()  # room again: the same command now works
    run = project.run("pdf", "--output", str(out))
    assert_clean(run, (0,))
    assert (out / "handbook.pdf").read_bytes().startswith(b"%PDF") and digest(out / "handbook.pdf") != before[
        out / "handbook.pdf"
    ]


# --- interrupted builds ---------------------------------------------------------------------


def interrupt(project: Project, command: str, sig: int, *, group: bool, after: str, jobs: str = "2") -> tuple[int, str]:
    """Start a build, wait until it prints `after`, send `sig`, return (exit code, output)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "notebook_publish", command, "--output", str(project.out), "--jobs", jobs, "-v"],
        cwd=project.root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        text=True,
    )
    seen = []
    deadline = time.monotonic() + 120
    try:
        for line in proc.stdout:
            seen.append(line)
            if after in line:
                break
            assert time.monotonic() < deadline, "the build never got going"
        else:
            pytest.fail("the build ended before it could be interrupted:\n" + "".join(seen))
        time.sleep(0.3)
        if group:
            os.killpg(proc.pid, sig)  # as a terminal's Ctrl-C does: every process of the job
        else:
            os.kill(proc.pid, sig)  # as `kill` or a CI runner does: the main process
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    time.sleep(0.5)
    try:  # every worker is gone with the main process
        os.killpg(proc.pid, 0)
        leftover = True
    except ProcessLookupError:
        leftover = False
    assert not leftover, "worker processes outlived the build"
    return proc.returncode, "".join(seen) + rest


@pytest.fixture(scope="module")
def built_book(tmp_path_factory) -> Project:
    """A book big enough to stop midway (24 notes: seconds of typesetting and deck
    writing, on a quiet machine too), built once with all its outputs."""
    project = Project(tmp_path_factory.mktemp("interrupt") / "book")
    generate_notebook(project.notes, 24, seed=3)
    for command in ("pdf", "slides"):
        run = project.run(command, "--jobs", "2", timeout=600)
        assert_clean(run, (0, 1))
    return project


@pytest.mark.slow
@pytest.mark.parametrize(
    "command, sig, group, code, after",
    [
        ("pdf", signal.SIGINT, True, 130, "typesetting chapters"),
        ("pdf", signal.SIGINT, False, 130, "typesetting chapters"),
        ("pdf", signal.SIGTERM, False, 143, "typesetting chapters"),
        ("slides", signal.SIGINT, True, 130, "writing decks"),
        ("slides", signal.SIGTERM, False, 143, "writing decks"),
    ],
    ids=["pdf-ctrl-c", "pdf-sigint", "pdf-sigterm", "slides-ctrl-c", "slides-sigterm"],
)
def test_an_interrupted_build_keeps_the_previous_outputs(built_book, command, sig, group, code, after):
    project = built_book
    # Edit every note so nothing comes from the cache and the build takes a while.
    for note in project.notes.glob("note-*.md"):
        note.write_text(note.read_text(encoding="utf-8") + f"\nEdited for {command} {sig}.\n", encoding="utf-8")
    before = outputs(project)
    assert project.pdf in before and len(before) > 2
    returncode, output = interrupt(project, command, sig, group=group, after=after)
    assert returncode == code, output
    assert "Traceback" not in output and "internal error" not in output, output
    assert ("interrupted" if sig == signal.SIGINT else "terminated") in output and "intact" in output, output
    after = outputs(project)
    assert set(after) == set(before), "an output of the previous build is gone"
    for path, old in before.items():
        if after[path] == old:
            continue
        # Decks are written one by one, each atomically: one finished before the signal
        # is a complete new deck; the handbook is one file and must be untouched.
        assert path.suffix == ".pptx", f"{path.name} was changed"
        from pptx import Presentation

        assert len(Presentation(str(path)).slides) > 0
    assert stray_files(project.out) == []


# --- the cache ------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_damaged_cache_is_never_served(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # both builds stamp the same time
    project = small_book(tmp_path)
    project.write("two.md", "# Two\n\n## More\n\n- $\\alpha + \\beta$ and **bold term**\n")
    first = project.run_all(commands=("pdf", "slides"))
    for run in first.values():
        assert_clean(run, (0,))
    text, decks = project.pdf_text(), project.deck_xml()
    entries = [p for p in (project.out / ".cache").rglob("*") if p.is_file()]
    assert len(entries) > 3
    # Every kind of damage: flipped bytes, truncation, emptiness, another entry's
    # content under this key, and garbage that claims a valid checksum header.
    for i, entry in enumerate(sorted(entries)):
        data = entry.read_bytes()
        kind = i % 5
        if kind == 0:
            entry.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
        elif kind == 1:
            entry.write_bytes(data[: len(data) // 2])
        elif kind == 2:
            entry.write_bytes(b"")
        elif kind == 3:
            other = sorted(entries)[(i + 1) % len(entries)]
            entry.write_bytes(other.read_bytes() if other.exists() else b"x")
        else:
            payload = b"{not json" * 10
            entry.write_bytes(hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    second = project.run_all(commands=("check", "pdf", "slides"))
    for run in second.values():
        assert_clean(run, (0,))
    assert project.pdf_text() == text
    assert project.deck_xml() == decks


@pytest.mark.slow
def test_a_cache_folder_that_is_a_file(tmp_path):
    project = small_book(tmp_path)
    project.out.mkdir()
    (project.out / ".cache").write_text("in the way\n")
    for command in ("check", "pdf", "slides"):
        run = project.run(command)
        assert_clean(run, (0,))  # a cache that can't be used only costs time
    assert "a point with" in project.pdf_text()
