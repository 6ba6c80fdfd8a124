"""The command line as a user runs it: real processes, real exit codes."""

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, SEED


def run(*args: str, cwd: Path = ROOT, input: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "notebook_publish", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120
    )


def test_version_and_help():
    assert run("--version").stdout.startswith("notebook-publish ")
    for command in ("check", "normalize", "config", "pdf", "html", "slides"):
        done = run(command, "--help")
        assert done.returncode == 0 and "--notes" in done.stdout, command


def test_unknown_command_suggests():
    done = run("chek")
    assert done.returncode == 2 and "did you mean `check`" in done.stderr.lower()


def test_check_on_the_seed(tmp_path):
    # -v: the seed's problems are accepted in its baseline, and listed only then.
    done = run("check", "-v", "--output", str(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    broken = [l for l in lines if "warning[broken-link]" in l]
    missing = [l for l in lines if "warning[missing-image]" in l]
    names = ["basic.md", "transformer_lm.md", "infrustructure.md", "recSys.md", "domain.md"]
    assert len(broken) == 5 and all(any(f"`{n}`" in l for l in broken) for n in names)
    assert len(missing) == 10
    for line in broken + missing:
        assert line.startswith("notes/index.md:")
        assert int(line.split(":")[1]) > 0
    assert [l.split(":")[1] for l in broken] == ["18", "26", "45", "47", "49"]
    assert all(l.endswith("[accepted: in notebook-publish.baseline]") for l in broken + missing)
    assert "0 errors, 0 warnings" in lines[-1] and "15 accepted in notebook-publish.baseline" in lines[-1]


def test_check_strict_fails_on_warnings_the_baseline_does_not_accept(tmp_path):
    assert run("check", "--strict", "--output", str(tmp_path)).returncode == 0  # all 15 are in the seed's baseline
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "index.md").write_bytes(SEED.read_bytes())
    done = run("check", "--strict", "--notes", "notes", "--output", "out", cwd=tmp_path)  # no baseline here
    assert done.returncode == 1 and "0 errors, 15 warnings" in done.stdout


def test_check_any_folder_without_config(book_dir):
    done = run("check", "--notes", str(book_dir), "--media", str(book_dir / "media"), cwd=book_dir.parent)
    assert done.returncode == 0
    assert "book/SUMMARY.md:6:3: warning[broken-link]" in done.stdout


def test_bad_config_exits_2_with_file_and_line(tmp_path):
    (tmp_path / "handbook.yml").write_text("title: x\nautor: me\n")
    done = run("check", cwd=tmp_path)
    assert done.returncode == 2
    assert "handbook.yml:2:1: error[config]: unknown key `autor`" in done.stderr
    assert "did you mean `author`" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_notes_folder_is_a_usage_error(tmp_path):
    done = run("check", "--notes", "nope", cwd=tmp_path)
    assert done.returncode == 2 and "notes folder not found" in done.stderr and "Traceback" not in done.stderr


def test_normalize_prints_diff_and_writes_only_when_asked(tmp_path):
    note = tmp_path / "n.md"
    note.write_text("# **Title**\n\nText â‡’ more **bold **here\n")
    before = note.read_bytes()
    done = run("normalize", str(note), cwd=tmp_path)
    assert done.stdout == "# Title\n\nText ⇒ more **bold** here\n"
    assert note.read_bytes() == before
    diff = run("normalize", "--diff", str(note), cwd=tmp_path).stdout
    assert diff.startswith("--- a/") and "+# Title" in diff
    run("normalize", "--write", str(note), cwd=tmp_path)
    assert note.read_text() == "# Title\n\nText ⇒ more **bold** here\n"


def test_config_lists_keys():
    done = run("config")
    assert "`pdf.paper`" in done.stdout and "`slides.level`" in done.stdout
