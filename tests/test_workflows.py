"""The GitHub workflows are valid, and they use the same Make targets as a user."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


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


def test_ci_runs_make_test():
    ci = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    steps = [s.get("run", "") for job in ci["jobs"].values() for s in job["steps"]]
    assert "make test" in steps


def test_release_runs_on_tags_strict_and_reproducible():
    release = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    on = release[True] if True in release else release["on"]  # YAML reads a bare `on` as true
    assert on["push"]["tags"] == ["v*"]
    runs = "\n".join(s.get("run", "") for job in release["jobs"].values() for s in job["steps"])
    assert "make release STRICT=--strict" in runs
    assert "SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)" in runs
    assert "build/release/*" in runs
