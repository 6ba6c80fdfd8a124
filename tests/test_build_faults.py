"""A worker that hangs or dies fails the build cleanly: a diagnostic naming the note,
exit code 1, the previous handbook untouched and no damaged cache entry.

The faults are injected with the worker-only test hook `NOTEBOOK_PUBLISH_TEST_WORKER_FAULT`
(see handbook/typeset/parts.py)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from notebook_publish.cache import Cache, MemoryCache
from notebook_publish.config import load_config
from notebook_publish.handbook import build_pdf
from notebook_publish.handbook.typeset.parts import FAULT_HOOK, Part
from notebook_publish.notes import load_book

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "index.md").write_text("# Book\n\n- [Calm](calm.md)\n- [Trouble](trouble.md)\n", encoding="utf-8")
    (notes / "calm.md").write_text("# Calm\n\nA quiet chapter. " * 30 + "\n", encoding="utf-8")
    (notes / "trouble.md").write_text("# Trouble\n\nThe chapter that fails. " * 30 + "\n", encoding="utf-8")
    # Long enough for a calm chapter on two busy cores (`make test` runs two tests at
    # once, each build with workers of its own); the hanging worker waits it out.
    (tmp_path / "handbook.yml").write_text("title: Faults\nmedia: []\npdf:\n  chapter_timeout: 6\n", encoding="utf-8")
    return tmp_path


def build(project: Path, **kwargs):
    config = load_config(project / "handbook.yml")
    book = load_book(config, MemoryCache())
    return config, build_pdf(book, project / "build" / "handbook.pdf", jobs=2, part_size=1, **kwargs)


def assert_cache_sound(config) -> None:
    """Every entry on disk passes its checksum and reads back as a part."""
    folder = config.cache_dir / "pdf-parts"
    entries = [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []
    cache = Cache(config.cache_dir).child("pdf-parts")
    for path in entries:
        assert not path.name.startswith(".tmp-"), f"leftover temporary file {path}"
        blob = cache.get(path.name)
        assert blob is not None, f"damaged cache entry {path}"
        assert Part.from_bytes(blob).page_count >= 1


@pytest.mark.parametrize(
    "fault, expected",
    [
        ("hang", "took longer than 6 s and was stopped"),
        ("crash", "died (exit status 70)"),
        ("kill", "died (killed by SIGKILL)"),
    ],
)
@pytest.mark.slow
def test_worker_fault_fails_the_build_and_keeps_the_old_handbook(project, monkeypatch, fault, expected):
    config, first = build(project)
    assert not [d for d in first if d.severity >= 2]
    old = (project / "build" / "handbook.pdf").read_bytes()

    # Change the failing note so its part is not in the cache, then break its worker.
    trouble = project / "notes" / "trouble.md"
    trouble.write_text(trouble.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    monkeypatch.setenv(FAULT_HOOK, f"{fault}:trouble.md")
    _config, diagnostics = build(project)

    errors = [d for d in diagnostics if d.severity >= 2]
    assert len(errors) == 1
    assert errors[0].path.name == "trouble.md" and errors[0].code == "typesetting"
    assert expected in errors[0].message and "`trouble.md`" in errors[0].message
    assert "handbook.pdf was not changed" in errors[0].hint
    assert (project / "build" / "handbook.pdf").read_bytes() == old
    assert not [p for p in (project / "build").iterdir() if p.name.endswith(".tmp")]
    assert_cache_sound(config)
    # No worker is left behind.
    import multiprocessing

    assert not [p for p in multiprocessing.active_children() if p.name == "notebook-publish-typeset"]


@pytest.mark.slow
def test_the_command_exits_1_naming_the_note(project):
    env = {**os.environ, FAULT_HOOK: "crash:trouble.md", "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "notebook_publish", "pdf", "--config", str(project / "handbook.yml")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    # The note is named, whichever notes share its part.
    assert re.search(r":1:1: error\[typesetting\]: typesetting .*`trouble\.md`.*died", done.stderr), done.stderr
    assert "Traceback" not in done.stderr
    assert not (project / "build" / "handbook.pdf").exists()


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["", "crash:trouble.md"])
def test_no_process_outlives_the_command(project, fault):
    """The workers, their fork server and multiprocessing's resource tracker have all
    ended, and been waited for, when the command returns: nothing is left in its
    process group, not even a zombie."""
    import signal

    env = {**os.environ, FAULT_HOOK: fault, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "notebook_publish",
            "pdf",
            "-q",
            "--jobs",
            "2",
            "--config",
            str(project / "handbook.yml"),
        ],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        proc.communicate(timeout=300)
        assert proc.returncode == (1 if fault else 0)
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
