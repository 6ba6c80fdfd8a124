"""The GitHub workflows are valid, and the release job really publishes.

The release job's `run:` steps are run in order, in a fresh clone of this repository
with a tag, as the runner would run them: `$GITHUB_REF_NAME`, `$GITHUB_ENV` (read
back between steps) and `$GITHUB_STEP_SUMMARY` set, and stub `gh` and `sudo` commands
on PATH that record what they were asked. The seed notebook must be published with
its accepted problems; a new broken link must fail the job and be named.
"""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
TAG = "v9.9.9"


def test_there_are_ci_and_release_workflows():
    assert {w.name for w in WORKFLOWS} == {"ci.yml", "release.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_the_schema(workflow):
    # check-jsonschema ships the GitHub workflow schema; nothing is downloaded.
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_passes_on_both_workflows():
    actionlint = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    assert actionlint, "actionlint is installed with the dev extra (pip install -e '.[dev]')"
    done = subprocess.run([actionlint, *map(str, WORKFLOWS)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ci_runs_make_test():
    ci = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    steps = [s.get("run", "") for job in ci["jobs"].values() for s in job["steps"]]
    assert "make test" in steps


# --- the release job, run ---------------------------------------------------------------------

STUB = """#!{python}
import json, os, sys
with open(os.environ["STUB_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps([os.path.basename(sys.argv[0]), *sys.argv[1:]]) + "\\n")
"""


def clone_with_tag(where: Path, change=None) -> Path:
    """A fresh clone of the repository, tagged; its .venv borrows the test's Python."""
    git_env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    clone = where / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, env=git_env)
    if change is not None:
        change(clone)
        subprocess.run(["git", "commit", "-qam", "a change"], cwd=clone, check=True, env=git_env)
    subprocess.run(["git", "tag", TAG], cwd=clone, check=True, env=git_env)
    # Set up as `make` would, without installing anything: the test's own venv serves.
    bin_dir = clone / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    (bin_dir / "notebook-publish").symlink_to(Path(sys.prefix) / "bin" / "notebook-publish")
    (clone / ".venv" / ".installed").touch()
    return clone


def run_release_job(clone: Path, where: Path) -> tuple[list[int], dict]:
    """Each `run:` step of the release job in order; returns the steps' exit codes (it
    stops at the first failure, as the runner does) and what the job left behind."""
    stubs = where / "stubs"
    stubs.mkdir()
    for name in ("gh", "sudo"):
        (stubs / name).write_text(STUB.format(python=sys.executable))
        (stubs / name).chmod(0o755)
    files = {name: where / name for name in ("github_env", "summary", "stub_log")}
    for path in files.values():
        path.write_text("")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "SOURCE_DATE_EPOCH")
    }
    env.update(
        PATH=f"{stubs}{os.pathsep}{env['PATH']}",
        PYTHONPATH=str(clone / "src"),
        GITHUB_ACTIONS="true",
        GITHUB_REF_NAME=TAG,
        GITHUB_ENV=str(files["github_env"]),
        GITHUB_STEP_SUMMARY=str(files["summary"]),
        STUB_LOG=str(files["stub_log"]),
    )
    job = yaml.safe_load((clone / ".github/workflows/release.yml").read_text())["jobs"]["release"]
    codes = []
    for step in job["steps"]:
        if "run" not in step:
            continue  # `uses:` steps: the clone and the Python are there already
        step_env = {k: str(v).replace("${{ github.token }}", "test-token") for k, v in (step.get("env") or {}).items()}
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=clone,
            env={**env, **step_env},
            capture_output=True,
            text=True,
            timeout=900,
        )
        codes.append(done.returncode)
        assert "Traceback" not in done.stdout + done.stderr, done.stderr
        for line in files["github_env"].read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
        if done.returncode != 0:
            break
    calls = [json.loads(line) for line in files["stub_log"].read_text().splitlines()]
    return codes, {"summary": files["summary"].read_text(), "calls": calls, "env": env}


@pytest.mark.slow
def test_the_release_job_publishes_the_seed_notebook(tmp_path):
    clone = clone_with_tag(tmp_path)
    codes, left = run_release_job(clone, tmp_path)
    assert codes and all(code == 0 for code in codes), codes
    assert left["env"]["SOURCE_DATE_EPOCH"].isdigit()
    [create] = [c for c in left["calls"] if c[:3] == ["gh", "release", "create"]]
    assert create[3] == TAG
    attached = [Path(a) for a in create[4:] if a.startswith("/")][:3]
    assert [p.name for p in attached] == ["handbook-9.9.9.pdf", "slides-9.9.9.zip", "SHA256SUMS"]
    assert all(p.is_file() for p in attached)
    assert "--notes-file" in create and Path(create[create.index("--notes-file") + 1]).read_text() in left["summary"]
    cover = subprocess.run(["pdftotext", "-l", "1", str(attached[0]), "-"], capture_output=True, text=True).stdout
    assert "Version 9.9.9" in cover
    from pptx import Presentation

    with zipfile.ZipFile(attached[1]) as archive:
        names = archive.namelist()
        assert names
        for name in names:
            (tmp_path / name).write_bytes(archive.read(name))
            first = Presentation(str(tmp_path / name)).slides[0]
            assert "9.9.9" in " ".join(s.text_frame.text for s in first.shapes if s.has_text_frame), name
    summary = left["summary"]
    assert "# Machine Learning Study Notebook 9.9.9" in summary
    assert "Accepted problems (15, in `notebook-publish.baseline`)" in summary
    assert "### `missing-image` (10)" in summary and "### `broken-link` (5)" in summary
    # The sums are right.
    for line in attached[2].read_text().splitlines():
        digest, name = line.split("  ")
        if name in ("handbook-9.9.9.pdf", "slides-9.9.9.zip"):
            import hashlib

            assert hashlib.sha256((attached[0].parent / name).read_bytes()).hexdigest() == digest


@pytest.mark.slow
def test_a_new_broken_link_fails_the_release_job_and_is_named(tmp_path):
    def add_broken_link(clone: Path) -> None:
        index = clone / "notes" / "index.md"
        index.write_text(
            index.read_text(encoding="utf-8") + "\n- [A page never exported](never-exported-page.md)\n",
            encoding="utf-8",
        )

    clone = clone_with_tag(tmp_path, add_broken_link)
    codes, left = run_release_job(clone, tmp_path)
    assert codes[-1] != 0, codes
    assert not any(c[:3] == ["gh", "release", "create"] for c in left["calls"])
    summary = left["summary"]
    assert "not made" in summary and "never-exported-page.md" in summary and "broken-link" in summary
    assert not (clone / "build" / "release" / "handbook-9.9.9.pdf").exists()
