"""The cache never serves a stale entry: each edit shows in the output, and the
incremental output equals a cold build of the edited project."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow

DEFAULT_THEME = ROOT / "themes" / "default"


def build(project: Path, output: Path, command: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "SOURCE_DATE_EPOCH": "1700000000"}
    done = subprocess.run(
        [sys.executable, "-m", "notebook_publish", command, "--output", str(output), "--jobs", "2", "-q"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def outputs(output: Path) -> dict[str, bytes]:
    files = [output / "handbook.pdf", *sorted((output / "slides").glob("*.pptx"))]
    return {f.name: f.read_bytes() for f in files}


def build_both(project: Path, output: Path) -> dict[str, bytes]:
    build(project, output, "pdf")
    build(project, output, "slides")
    return outputs(output)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "index.md").write_text("# Home\n\n- [First](first.md)\n- [Second](second.md)\n")
    (tmp_path / "notes" / "first.md").write_text("# First\n\n## Topic A\n\n- alpha **term**\n- beta\n")
    (tmp_path / "notes" / "second.md").write_text("# Second\n\n## Topic B\n\n- gamma\n- delta $x^2$\n")
    shutil.copytree(DEFAULT_THEME, tmp_path / "mytheme")
    (tmp_path / "handbook.yml").write_text("title: Fresh Book\ntheme: ./mytheme\n")
    return tmp_path


def test_each_edit_changes_the_output_and_matches_a_cold_build(project, tmp_path):
    incremental = project / "build"
    before = build_both(project, incremental)

    edits = [
        ("note", lambda: (project / "notes" / "second.md").write_text("# Second\n\n## Topic B\n\n- gamma edited\n- delta $x^3$\n")),
        ("theme css", lambda: _append(project / "mytheme" / "handbook.css", "\nh2 { color: #aa0000; }\n")),
        ("theme slides", lambda: _replace_first_colour(project / "mytheme" / "slides.yaml")),
        ("config", lambda: (project / "handbook.yml").write_text("title: Renamed Book\ntheme: ./mytheme\n")),
    ]
    for number, (what, edit) in enumerate(edits):
        edit()
        after = build_both(project, incremental)
        assert after != before, f"editing the {what} changed nothing"
        cold = build_both(project, tmp_path / f"cold-{number}")
        assert after == cold, f"after editing the {what}, the incremental build differs from a cold one"
        before = after


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def _replace_first_colour(path: Path) -> None:
    import re

    text = path.read_text()
    changed = re.sub(r"(?m)^(\s+title:\s*)[0-9A-Fa-f]{6}", r"\g<1>123456", text, count=1)
    assert changed != text, "slides.yaml has no colour to change"
    path.write_text(changed)
