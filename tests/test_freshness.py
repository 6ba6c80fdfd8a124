"""`make` rebuilds exactly what changed, whatever make itself can see, and a rebuild
equals a build from scratch, byte for byte.

The project here is a user's: notes, media, a theme kept outside `themes/`, a second
media folder, and the repository's Makefile, with `.venv` linked to the one running
the tests. After each change the outputs are compared with a cold build of a copy of
the same files in another folder (outputs name no folder, so the bytes must agree).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from publish_harness import png_bytes

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (Path(sys.prefix) / "bin" / "notebook-publish").exists(), reason="needs the project's venv (make test)"
    ),
]

EPOCH = "1700000000"
CONFIG = """\
title: Freshness
notes: notes
media: [media, pictures]
theme: ../shared-theme/plain
output: build
"""


def write_project(root: Path) -> None:
    (root / "notes").mkdir(parents=True)
    (root / "media").mkdir()
    (root / "pictures").mkdir()
    (root / "notes" / "index.md").write_text(
        "# Freshness\n\n- [Alpha](alpha.md)\n- [Beta](beta.md)\n- [Prices](price%20$5.md)\n- [Gamma](gamma.md)\n",
        encoding="utf-8",
    )
    (root / "notes" / "alpha.md").write_text(
        "# Alpha\n\n## Points\n\n- first point\n- second point\n\n![Red](red.png)\n", encoding="utf-8"
    )
    (root / "notes" / "beta.md").write_text(
        "# Beta\n\n## Ideas\n\n- an idea\n- $x^2$ squared\n\n![Blue](blue.png)\n", encoding="utf-8"
    )
    (root / "notes" / "price $5.md").write_text("# Prices\n\n## Costs\n\n- five dollars\n", encoding="utf-8")
    (root / "notes" / "gamma.md").write_text("# Gamma\n\n## Steps\n\n- step one\n", encoding="utf-8")
    (root / "media" / "red.png").write_bytes(png_bytes(40, 30, (200, 30, 30)))
    (root / "pictures" / "blue.png").write_bytes(png_bytes(40, 30, (30, 30, 200)))
    (root / "handbook.yml").write_text(CONFIG, encoding="utf-8")
    shutil.copy(ROOT / "Makefile", root / "Makefile")
    (root / ".venv").symlink_to(Path(sys.prefix))


def write_theme(base: Path) -> Path:
    theme = base / "shared-theme" / "plain"
    theme.mkdir(parents=True)
    (theme / "handbook.css").write_text(
        (ROOT / "themes" / "default" / "handbook.css").read_text(encoding="utf-8"), encoding="utf-8"
    )
    return theme


def make(root: Path, *targets: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}
    env.update(PYTHONPATH=str(ROOT / "src"), SOURCE_DATE_EPOCH=EPOCH)
    # -o: the linked .venv is set up already; make must never reinstall into it.
    done = subprocess.run(
        ["make", "-o", ".venv/.installed", *targets], cwd=root, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return done.stdout + done.stderr


def outputs(root: Path) -> dict[str, bytes]:
    build = root / "build"
    found = {"handbook.pdf": (build / "handbook.pdf").read_bytes()}
    found.update({f"slides/{p.name}": p.read_bytes() for p in sorted((build / "slides").glob("*.pptx"))})
    return found


def cold_build(project: Path, scratch: Path) -> dict[str, bytes]:
    """The same files, copied to a new folder, built from nothing."""
    if scratch.exists():
        shutil.rmtree(scratch)
    copy = scratch / "deeper" / "copy"
    copy.mkdir(parents=True)
    for name in ("notes", "media", "pictures"):
        shutil.copytree(project / name, copy / name, symlinks=True)
    for name in ("handbook.yml", "Makefile"):
        shutil.copy(project / name, copy / name)
    shutil.copytree(project.parent / "shared-theme", copy.parent / "shared-theme")
    (copy / ".venv").symlink_to(os.readlink(project / ".venv"))
    make(copy)
    return outputs(copy)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    base = tmp_path_factory.mktemp("freshness")
    write_theme(base)
    project = base / "project"
    write_project(project)
    make(project)
    return base, project


def step(workspace, change) -> tuple[dict[str, bytes], dict[str, bytes], str]:
    base, project = workspace
    before = outputs(project)
    change(project)
    said = make(project)
    after = outputs(project)
    assert after == cold_build(project, base / "cold"), "the rebuild differs from a cold build"
    return before, after, said


def test_nothing_changed_says_up_to_date(workspace):
    _base, project = workspace
    said = make(project)
    assert "build/handbook.pdf is up to date" in said and "build/slides is up to date" in said
    assert "wrote" not in said


def test_a_removed_note_leaves_the_book_and_the_decks(workspace):
    before, after, _ = step(workspace, lambda p: (p / "notes" / "gamma.md").unlink())
    assert after["handbook.pdf"] != before["handbook.pdf"]
    assert not any("steps" in name for name in after)


def test_a_note_copied_with_its_old_date_is_rebuilt(workspace):
    base, project = workspace
    note = project / "notes" / "beta.md"
    old = base / "beta-old.md"
    shutil.copy2(note, old)  # the old text, with the old date
    note.write_text(note.read_text(encoding="utf-8") + "\n- a later idea\n", encoding="utf-8")
    make(project)
    built = os.stat(project / "build" / "handbook.pdf").st_mtime_ns

    def copy_back(p: Path) -> None:
        shutil.copy2(old, p / "notes" / "beta.md")  # as `cp -p` does
        # make's view: the note is older than the handbook, so nothing to do.
        assert os.stat(p / "notes" / "beta.md").st_mtime_ns < built

    before, after, _ = step(workspace, copy_back)
    assert after["handbook.pdf"] != before["handbook.pdf"]


def test_a_deleted_deck_is_written_again(workspace):
    _base, project = workspace
    deck = sorted((project / "build" / "slides").glob("*.pptx"))[0]
    before, after, said = step(workspace, lambda p: deck.unlink())
    assert deck.is_file() and after == before
    assert f"wrote build/slides/{deck.name}" in said


def test_a_note_renamed_to_a_name_make_cannot_spell(workspace):
    def rename(p: Path) -> None:
        (p / "notes" / "alpha.md").rename(p / "notes" / "a: b.md")
        index = p / "notes" / "index.md"
        index.write_text(index.read_text(encoding="utf-8").replace("(alpha.md)", "(a:%20b.md)"), encoding="utf-8")

    before, after, _ = step(workspace, rename)
    assert after["handbook.pdf"] != before["handbook.pdf"]


def test_an_edit_to_a_note_named_with_a_dollar(workspace):
    note = "notes/price $5.md"
    before, after, _ = step(
        workspace, lambda p: (p / note).write_text("# Prices\n\n## Costs\n\n- six dollars now\n", encoding="utf-8")
    )
    assert after["handbook.pdf"] != before["handbook.pdf"]


def test_a_theme_outside_the_project_is_watched(workspace):
    base, _project = workspace
    css = base / "shared-theme" / "plain" / "handbook.css"
    before, after, _ = step(
        workspace,
        lambda p: css.write_text(css.read_text(encoding="utf-8") + "\nh1 { letter-spacing: 2pt; }\n", encoding="utf-8"),
    )
    assert after["handbook.pdf"] != before["handbook.pdf"]


def test_a_picture_in_a_second_media_folder(workspace):
    before, after, _ = step(
        workspace, lambda p: (p / "pictures" / "blue.png").write_bytes(png_bytes(40, 30, (30, 160, 30)))
    )
    assert after != before


def test_notes_named_with_a_semicolon_a_tab_and_a_newline(workspace):
    names = ["semi;colon.md", "tab\there.md", "new\nline.md"]

    def add(p: Path) -> None:
        for i, name in enumerate(names):
            (p / "notes" / name).write_text(f"# Odd {i}\n\n## Odd topic {i}\n\n- point {i}\n", encoding="utf-8")

    before, after, said = step(workspace, add)
    assert after["handbook.pdf"] != before["handbook.pdf"]
    assert sum("odd-topic" in name for name in after) == 3
    assert make(workspace[1]).count("up to date") == 2
