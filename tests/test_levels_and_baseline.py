"""Levels per diagnostic code, and the baseline of accepted problems.

The same notebook is read by `check`, `pdf`, `slides` and `release` through the real
command line: each must accept the same problems, fail under --strict on the same new
ones, and name the same baseline entries that no longer occur.
"""

from __future__ import annotations

import ast
import json
import shutil

import pytest

from conftest import ROOT
from notebook_publish.baseline import Entry, entry_of
from notebook_publish.codes import CODES
from notebook_publish.config import load_config
from notebook_publish.diagnostics import Severity, UsageError, warning
from notebook_publish.levels import apply_levels
from publish_harness import Project, assert_clean

NOTE = (
    "# Book\n\n"
    "## Links\n\n"
    "- [Gone](gone.md)\n"  # line 5: broken-link `gone.md`
    "- ![Lost](lost.png)\n"  # line 6: missing-image `lost.png`
    "- ![Lost again](lost.png)\n"  # line 7: the same image, a second time
    "\n## Archive\n\n- [Old](archive/old.md)\n"
)
BUILD_COMMANDS = ("check", "pdf", "slides")


@pytest.fixture
def project(tmp_path) -> Project:
    p = Project(tmp_path)
    p.write("index.md", NOTE)
    p.write("archive/old.md", "# Old\n\n![Old picture](old.png)\n")
    return p


def codes_of(run, severity: str = "warning") -> list[str]:
    return sorted(
        line.split(f"{severity}[")[1].split("]")[0] for line in run.output.splitlines() if f": {severity}[" in line
    )


# --- the codes --------------------------------------------------------------------------


def test_every_code_the_tool_can_report_is_listed_with_its_meaning():
    used = set()
    for path in (ROOT / "src" / "notebook_publish").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                at = {"info": 2, "warning": 2, "error": 2}.get(name)
                if (
                    at is not None
                    and len(node.args) > at
                    and isinstance(node.args[at], ast.Constant)
                    and isinstance(node.args[at].value, str)
                ):
                    used.add(node.args[at].value)
    used |= {"bad-image", "unsupported-image"}  # named through pictures.BAD / UNSUPPORTED
    assert used - set(CODES) == set(), "codes reported but not listed in codes.py"
    assert all(code.meaning for code in CODES.values())


def test_config_lists_the_codes(project):
    run = project.run("config")
    assert_clean(run, codes=(0,))
    for code in ("missing-image", "broken-link", "math-error", "slide-overflow", "typesetting"):
        assert f"| `{code}` |" in run.stdout


# --- levels ---------------------------------------------------------------------------------


def test_levels_with_and_without_paths(project):
    project.config(
        "diagnostics:\n"
        "  missing-image: info\n"
        "  broken-link:\n"
        "    - level: error\n"
        "    - level: ignore\n"
        "      paths: [notes/archive/*]\n"
    )
    run = project.run("check")
    assert_clean(run, codes=(1,))
    assert codes_of(run, "error") == ["broken-link"]  # gone.md; the archive's link is ignored
    assert "gone.md" in run.stdout and "archive/old.md" not in run.stdout.split("error[")[0]
    assert codes_of(run, "warning") == []
    assert "info[missing-image]" not in run.output  # infos only with -v
    assert "info[missing-image]" in project.run("check", "-v").output


def test_an_unknown_code_or_level_is_refused_with_a_suggestion(project):
    project.config("title: T\ndiagnostics:\n  missing-imag: warning\n")
    run = project.run("check")
    assert_clean(run, codes=(2,))
    assert (
        "handbook.yml:3:" in run.stderr
        and "unknown diagnostic code `missing-imag`" in run.stderr
        and "did you mean `missing-image`?" in run.stderr
    )
    project.config("diagnostics:\n  missing-image: warn\n")
    run = project.run("check")
    assert_clean(run, codes=(2,))
    assert "must be one of error, warning, info, ignore" in run.stderr and "did you mean `warning`?" in run.stderr
    project.config("diagnostics:\n  typesetting: ignore\n")
    assert "cannot be set" in project.run("check").stderr


def test_set_overrides_a_level_on_the_command_line(project):
    run = project.run("check", "--set", "diagnostics.broken-link=ignore", "--set", "diagnostics.missing-image=ignore")
    assert_clean(run, codes=(0,))
    assert codes_of(run) == []


def test_apply_levels_last_matching_rule_wins(tmp_path):
    (tmp_path / "handbook.yml").write_text(
        "diagnostics:\n  orphan-note:\n    - level: error\n    - {level: ignore, paths: [notes/old/*]}\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path / "handbook.yml", cwd=tmp_path)
    found = [
        warning(tmp_path / "notes" / "old" / "a.md", 1, "orphan-note", "m"),
        warning(tmp_path / "notes" / "b.md", 1, "orphan-note", "m"),
    ]
    out = apply_levels(found, config.diagnostics, config.root)
    assert [(d.path.name, d.severity) for d in out] == [("b.md", Severity.ERROR)]


def test_a_diagnostics_value_of_the_wrong_shape(tmp_path):
    (tmp_path / "handbook.yml").write_text("diagnostics: [missing-image]\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_config(tmp_path / "handbook.yml", cwd=tmp_path)
    assert "must be a mapping of codes to levels" in caught.value.diagnostic.message


# --- the baseline -----------------------------------------------------------------------------


def test_the_key_has_no_line(tmp_path):
    a = warning(tmp_path / "notes" / "x.md", 5, "missing-image", "image `a.png` not found")
    b = warning(tmp_path / "notes" / "x.md", 90, "missing-image", "image `a.png` not found", col=3)
    assert entry_of(a, tmp_path) == entry_of(b, tmp_path) == Entry("notes/x.md", "missing-image", "a.png")


@pytest.mark.slow
def test_write_then_strict_passes_in_every_command(project):
    run = project.run("check", "--write-baseline")
    assert_clean(run, codes=(0,))
    baseline = json.loads((project.root / "notebook-publish.baseline").read_text())
    assert sorted((e["code"], e["target"]) for e in baseline["problems"]) == [
        ("broken-link", "gone.md"),
        ("missing-image", "lost.png"),
        ("missing-image", "lost.png"),
        ("missing-image", "old.png"),
    ]
    for command in BUILD_COMMANDS:
        run = project.run(command, "--strict")
        assert_clean(run, codes=(0,))
        assert "4 accepted in notebook-publish.baseline" in run.output, command
        assert codes_of(run) == []
        verbose = project.run(command, "--strict", "-v")
        assert verbose.output.count("[accepted: in notebook-publish.baseline]") == 4, command


@pytest.mark.slow
def test_moving_a_problem_keeps_it_accepted_and_a_new_one_fails_everywhere(project):
    assert_clean(project.run("check", "--write-baseline"), codes=(0,))
    # Lines above move every problem down; a new broken link appears.
    project.write(
        "index.md",
        "# Book\n\nAn added paragraph.\n\nAnother.\n" + NOTE[len("# Book\n") :] + "\n- [Fresh](fresh-miss.md)\n",
    )
    for command in (*BUILD_COMMANDS, "release"):
        run = project.run(command, "--strict")
        assert_clean(run, codes=(1,))
        assert codes_of(run) == ["broken-link"], command
        assert "fresh-miss.md" in run.output, command
        assert "4 accepted" in run.output or command == "release", command


@pytest.mark.slow
def test_a_second_occurrence_of_an_accepted_problem_is_new(project):
    assert_clean(project.run("check", "--write-baseline"), codes=(0,))
    project.write("index.md", NOTE + "\n- ![Lost a third time](lost.png)\n")
    run = project.run("check", "--strict")
    assert_clean(run, codes=(1,))
    assert codes_of(run) == ["missing-image"]


@pytest.mark.slow
def test_problems_that_are_gone_are_named(project):
    assert_clean(project.run("check", "--write-baseline"), codes=(0,))
    project.write("gone.md", "# Gone no more\n")
    for command in (*BUILD_COMMANDS, "release"):
        run = project.run(command, "--strict")
        assert_clean(run, codes=(0,))
        lines = [l for l in run.output.splitlines() if "no longer occurs" in l]
        assert len(lines) == 1 and "broken-link" in lines[0] and "gone.md" in lines[0], (command, run)


def test_a_damaged_baseline_is_a_clear_error(project):
    (project.root / "notebook-publish.baseline").write_text('{"problems": [\n  {"path": 1,\n')
    run = project.run("check")
    assert_clean(run, codes=(2,))
    assert "notebook-publish.baseline:" in run.stderr and "not valid JSON" in run.stderr


def test_the_seed_notebook_passes_strict_against_its_baseline(tmp_path):
    from publish_harness import run_cli

    run = run_cli(ROOT, "check", "--strict", "--output", str(tmp_path / "out"))
    assert_clean(run, codes=(0,))
    assert "15 accepted in notebook-publish.baseline" in run.stdout


@pytest.mark.slow
def test_release_notes_list_the_accepted_problems_by_code(project, tmp_path):
    assert_clean(project.run("check", "--write-baseline"), codes=(0,))
    summary = tmp_path / "summary.md"
    run = project.run("release", "--strict", "--version", "2.0", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert_clean(run, codes=(0,))
    notes = (project.out / "release" / "notes-2.0.md").read_text()
    assert notes.startswith("# Notebook 2.0\n")
    assert "`handbook-2.0.pdf`, " in notes and " pages" in notes and "`slides-2.0.zip`, 1 deck\n" in notes
    assert "### `missing-image` (3)" in notes and "### `broken-link` (1)" in notes and "gone.md" in notes
    assert summary.read_text().strip() == notes.strip()


def test_upload_without_gh_says_how_to_get_it_before_building(project, tmp_path):
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("git", "python3"):
        found = shutil.which(tool)
        if found:
            (bare / tool).symlink_to(found)
    run = project.run("release", "--upload", env={"PATH": str(bare)})
    assert_clean(run, codes=(2,))
    assert "--upload needs the `gh` command" in run.stderr and "https://cli.github.com" in run.stderr
    assert not project.pdf.exists()


@pytest.mark.slow
def test_release_writes_a_baseline_with_what_only_typesetting_finds(tmp_path):
    project = Project(tmp_path)
    project.write("index.md", "# M\n\n## Topic\n\n- a formula $\\nosuchmacro{x}$\n")
    assert "0 warnings" in project.run("check").stdout  # reading the notes does not draw formulas
    run = project.run("release", "--write-baseline", "--version", "1")
    assert_clean(run, codes=(0,))
    problems = json.loads((project.root / "notebook-publish.baseline").read_text())["problems"]
    assert [(p["code"], p["target"]) for p in problems] == [("math-error", "\\nosuchmacro{x}")]
    run = project.run("release", "--strict", "--version", "1")
    assert_clean(run, codes=(0,))
    assert "1 accepted in notebook-publish.baseline" in run.output
