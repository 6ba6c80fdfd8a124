"""The harness's figures are the command's: its peak memory does not include the
memory of the pytest worker that asked for it (command_runner.py)."""

from __future__ import annotations

import pytest

from conftest import ROOT
from publish_harness import Project, run_cli


def test_a_command_from_a_big_worker_is_measured_at_its_own_size():
    held = bytearray(600 * 1024 * 1024)
    for i in range(0, len(held), 4096):
        held[i] = 1  # resident, as a worker that has read a big deck is
    run = run_cli(ROOT, "--version")
    assert run.returncode == 0 and "notebook-publish" in run.output
    assert run.max_rss_mb < 200, str(run)
    del held


def test_a_command_past_its_time_limit_is_stopped_and_reported(tmp_path):
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n- a point\n")
    with pytest.raises(AssertionError, match="timed out after 1s"):
        project.run("watch", timeout=1)  # watch runs until stopped


def test_a_command_that_cannot_start_is_an_error_and_the_runner_goes_on(tmp_path):
    with pytest.raises(OSError, match="FileNotFoundError"):
        run_cli(tmp_path / "no-such-folder", "--version")
    assert run_cli(ROOT, "--version").returncode == 0
