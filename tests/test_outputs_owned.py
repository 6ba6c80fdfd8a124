"""The tool writes, replaces and removes only files it wrote.

Each case runs the real command line on a small notebook and checks what a user
would find afterwards: their file untouched, the exit code, and one message that says
what the path is and why it was refused.
"""

from __future__ import annotations

import os
import stat

import pytest

from publish_harness import Project, assert_clean

NOTE = "# Guide\n\n## Basics\n\n- one point\n- another point\n\n## More\n\nSome text.\n"


@pytest.fixture
def project(tmp_path) -> Project:
    p = Project(tmp_path)
    p.write("index.md", NOTE)
    p.write("note-003.md", "# Third\n\nA note the user keeps.\n")
    return p


def refused(run, *words: str) -> str:
    """Exit code 2, no traceback, and one error line naming the words."""
    assert_clean(run, codes=(2,))
    lines = [l for l in run.stderr.splitlines() if "error[" in l]
    assert len(lines) == 1, run
    for word in words:
        assert word in lines[0], run
    return lines[0]


def test_out_onto_a_note_is_refused_and_the_note_kept(project):
    note = project.notes / "note-003.md"
    before = note.read_bytes()
    run = project.run("pdf", "--out", str(note))
    refused(run, "note-003.md", "notes folder")
    assert note.read_bytes() == before


def test_out_onto_a_file_that_is_not_a_pdf_is_refused(project, tmp_path):
    target = tmp_path / "report.pdf"
    target.write_text("my own text, not a PDF")
    line = refused(project.run("pdf", "--out", str(target)), "report.pdf", "not a PDF")
    assert "refusing to replace it" in line
    assert target.read_text() == "my own text, not a PDF"


@pytest.mark.slow
def test_out_onto_an_earlier_pdf_replaces_it(project, tmp_path):
    target = tmp_path / "handbook-old.pdf"
    target.write_bytes(b"%PDF-1.4\n% an earlier handbook\n")
    run = project.run("pdf", "--out", str(target))
    assert_clean(run, codes=(0,))
    assert target.read_bytes().startswith(b"%PDF-") and len(target.read_bytes()) > 1000


def test_out_onto_a_fifo_is_refused_and_stays_a_fifo(project, tmp_path):
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)
    refused(project.run("pdf", "--out", str(fifo)), "FIFO")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_out_onto_a_symlink_is_refused_and_stays_a_link(project, tmp_path):
    elsewhere = tmp_path / "elsewhere.pdf"
    elsewhere.write_bytes(b"%PDF-1.4 elsewhere")
    link = tmp_path / "link.pdf"
    link.symlink_to(elsewhere)
    refused(project.run("pdf", "--out", str(link)), "symbolic link", "elsewhere.pdf")
    assert link.is_symlink() and elsewhere.read_bytes() == b"%PDF-1.4 elsewhere"


def test_out_onto_a_device_is_refused(project):
    before = os.lstat("/dev/null")
    refused(project.run("pdf", "--out", "/dev/null"), "/dev/null", "device")
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


@pytest.mark.parametrize("where", ["notes", "."])
def test_out_onto_a_folder_says_it_is_a_folder(project, where):
    line = refused(project.run("pdf", "--out", where), "is a folder")
    assert "give a file name" in line
    assert "Device or resource busy" not in line and "disk full" not in line


def test_output_folder_that_is_the_notes_folder_is_refused(project):
    refused(project.run("pdf", "--output", str(project.notes)), "output folder", "notes folder")
    assert sorted(p.name for p in project.notes.iterdir()) == ["index.md", "note-003.md"]


def test_html_out_onto_a_note_or_a_foreign_page_is_refused(project, tmp_path):
    page = tmp_path / "mine.html"
    page.write_text("<html><body>my page</body></html>")
    refused(project.run("html", "--out", str(page)), "mine.html", "not a page written by notebook-publish")
    assert page.read_text() == "<html><body>my page</body></html>"


def test_slides_keep_a_users_deck_with_a_deck_like_name(project, tmp_path):
    talks = tmp_path / "talks"
    talks.mkdir()
    keynote = talks / "01-my-keynote.pptx"
    keynote.write_bytes(b"the user's own keynote")
    run = project.run("slides", "--out", str(talks))
    assert_clean(run, codes=(0,))
    assert keynote.read_bytes() == b"the user's own keynote"
    # Said without -v: a warning, not a note.
    assert "warning[foreign-file]" in run.stderr and "01-my-keynote.pptx" in run.stderr
    assert sorted(p.name for p in talks.glob("*.pptx")) == ["01-basics.pptx", "01-my-keynote.pptx", "02-more.pptx"]


def test_slides_never_replace_a_users_file_under_a_decks_name(project, tmp_path):
    talks = tmp_path / "talks"
    talks.mkdir()
    theirs = talks / "01-basics.pptx"
    theirs.write_bytes(b"not ours")
    run = project.run("slides", "--out", str(talks))
    assert_clean(run, codes=(1,))
    assert "error[foreign-file]" in run.stderr and "01-basics.pptx" in run.stderr
    assert theirs.read_bytes() == b"not ours"
    assert (talks / "02-more.pptx").is_file()


@pytest.mark.slow
def test_a_stale_deck_is_removed_only_if_unchanged_since_written(project):
    assert_clean(project.run("slides"), codes=(0,))
    decks = project.out / "slides"
    assert sorted(p.name for p in decks.glob("*.pptx")) == ["01-basics.pptx", "02-more.pptx"]
    # The user opens and saves "More" (now theirs), then both topics are renamed.
    (decks / "02-more.pptx").write_bytes((decks / "02-more.pptx").read_bytes() + b"saved by the user")
    project.write("index.md", NOTE.replace("## Basics", "## Start").replace("## More", "## End"))
    run = project.run("slides")
    assert_clean(run, codes=(0,))
    names = sorted(p.name for p in decks.glob("*.pptx"))
    assert names == ["01-start.pptx", "02-end.pptx", "02-more.pptx"]
    assert "warning[foreign-file]" in run.stderr and "02-more.pptx" in run.stderr


@pytest.mark.slow
def test_wrote_is_said_only_after_the_file_was_written(project):
    project.write("index.md", NOTE + "\nTROUBLE here.\n")
    run = project.run("pdf", env={"NOTEBOOK_PUBLISH_TEST_WORKER_FAULT": "crash:index.md"})
    assert_clean(run, codes=(1,))
    assert "wrote" not in run.output
    assert not project.pdf.exists()


@pytest.mark.slow
def test_release_keeps_earlier_releases_and_other_files(project):
    release = project.out / "release"
    release.mkdir(parents=True)
    (release / "my-notes.txt").write_text("kept")
    for version in ("1.0", "1.1"):
        run = project.run("release", "--version", f"v{version}")
        assert_clean(run, codes=(0,))
    names = sorted(p.name for p in release.iterdir() if not p.name.startswith("."))
    assert names == [
        "SHA256SUMS",
        "handbook-1.0.pdf",
        "handbook-1.1.pdf",
        "my-notes.txt",
        "notes-1.0.md",
        "notes-1.1.md",
        "slides-1.0.zip",
        "slides-1.1.zip",
    ]


@pytest.mark.slow
def test_clean_removes_only_what_the_tool_wrote(project):
    assert_clean(project.run("pdf"), codes=(0,))
    assert_clean(project.run("slides"), codes=(0,))
    (project.out / "slides" / "09-mine.pptx").write_bytes(b"mine")
    (project.out / "readme.txt").write_text("mine too")
    run = project.run("clean")
    assert_clean(run, codes=(0,))
    left = sorted(str(p.relative_to(project.out)) for p in project.out.rglob("*"))
    assert left == ["readme.txt", "slides", "slides/09-mine.pptx"]


def test_clean_keeps_a_cache_folder_that_is_not_ours(project, tmp_path):
    home = tmp_path / "home"
    (home / ".cache" / "someapp").mkdir(parents=True)
    (home / ".cache" / "someapp" / "data").write_text("precious")
    run = project.run("clean", "--output", str(home))
    assert_clean(run, codes=(0,))
    assert (home / ".cache" / "someapp" / "data").read_text() == "precious"


# --- what a hostile or odd tree must not make the tool do ----------------------------


@pytest.mark.slow
def test_a_manifest_naming_files_outside_its_folder_removes_nothing(project, tmp_path):
    import hashlib
    import json

    assert_clean(project.run("pdf"), codes=(0,))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    note = project.notes / "index.md"
    entries = {}
    for name, path in (
        ("../notes/index.md", note),
        (str(victim), victim),
        ("sub/../../notes/note-003.md", project.notes / "note-003.md"),
    ):
        data = path.read_bytes()
        entries[name] = {
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "mtime_ns": 0,
            "ctime_ns": 0,
            "ino": 0,
        }
    (project.out / ".notebook-publish-manifest.json").write_text(json.dumps({"format": 1, "files": entries}))
    assert_clean(project.run("clean"), codes=(0,))
    assert victim.read_text() == "keep me" and note.is_file() and (project.notes / "note-003.md").is_file()


@pytest.mark.slow
def test_clean_with_the_project_as_output_removes_only_its_own_files(project):
    (project.root / "keep" / "empty").mkdir(parents=True)
    (project.notes / "empty-sub").mkdir()
    (project.root / ".git" / "refs" / "tags").mkdir(parents=True)
    assert_clean(project.run("pdf", "--output", str(project.root)), codes=(0,))
    assert (project.root / "handbook.pdf").is_file()
    assert_clean(project.run("clean", "--output", str(project.root)), codes=(0,))
    assert not (project.root / "handbook.pdf").exists() and not (project.root / ".cache").exists()
    for kept in ("keep/empty", "notes/empty-sub", ".git/refs/tags", "media", "notes/index.md"):
        assert (project.root / kept).exists(), kept


@pytest.mark.slow
def test_clean_keeps_what_another_program_put_in_a_cache_folder_that_was_there(project, tmp_path):
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)  # empty when the tool first meets it
    (home / "Music").mkdir()
    assert_clean(project.run("pdf", "--output", str(home)), codes=(0,))
    (home / ".cache" / "pip").mkdir()
    (home / ".cache" / "pip" / "wheel.whl").write_text("another program's")
    assert_clean(project.run("clean", "--output", str(home)), codes=(0,))
    assert (home / ".cache" / "pip" / "wheel.whl").is_file() and (home / "Music").is_dir()
    assert not (home / "handbook.pdf").exists()


@pytest.mark.parametrize("linked", ["notes", "media"])
def test_an_output_folder_linked_to_the_notes_or_media_is_refused(project, linked):
    (project.root / "build").symlink_to(project.root / linked)
    refused(project.run("pdf", "--output", str(project.root / "build")), "output folder", f"{linked} folder")
    assert not any(p.suffix == ".pdf" for p in (project.root / linked).iterdir())


def test_an_output_folder_among_the_notes_that_holds_notes_is_refused(project):
    (project.notes / "part").mkdir()
    project.write("part/gamma.md", "# Gamma\n")
    refused(project.run("pdf", "--output", str(project.notes / "part")), "holds notes")
    assert sorted(p.name for p in (project.notes / "part").iterdir()) == ["gamma.md"]


@pytest.mark.slow
def test_notes_at_the_project_root_with_the_output_inside(tmp_path):
    project = Project(tmp_path)
    (project.root / "README.md").write_text(NOTE)
    run = run_at_root(project, "pdf")
    assert_clean(run, codes=(0,))
    again = run_at_root(project, "pdf")
    assert "up to date" in again.stdout


def run_at_root(project, command):
    from publish_harness import run_cli

    return run_cli(project.root, command, "--notes", ".", "--output", "build", "--jobs", "1")


@pytest.mark.parametrize("what", ["symlink", "fifo"])
def test_a_release_folder_that_is_not_a_folder_is_refused(project, tmp_path, what):
    project.out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if what == "symlink":
        (project.out / "release").symlink_to(elsewhere)
    else:
        os.mkfifo(project.out / "release")
    refused(project.run("release", "--version", "1.0"), "release")
    assert list(elsewhere.iterdir()) == []


@pytest.mark.slow
def test_the_page_is_rebuilt_when_its_files_are_gone(project):
    assert_clean(project.run("html"), codes=(0,))
    files = project.out / "handbook_files"
    assert any(files.rglob("*.css"))
    import shutil

    shutil.rmtree(files)
    run = project.run("html")
    assert_clean(run, codes=(0,))
    assert "wrote" in run.stdout and any(files.rglob("*.css"))


@pytest.mark.slow
def test_a_fifo_among_the_media_does_not_hang_the_build(project):
    os.mkfifo(project.media / "pipe.png")
    run = project.run("pdf", timeout=120)
    assert_clean(run, codes=(0,))


@pytest.mark.slow
def test_a_damaged_stamp_or_hash_memo_means_a_new_build(project):
    assert_clean(project.run("pdf"), codes=(0,))
    stamps = project.out / ".cache" / "stamps"
    (stamps / "file-hashes.json").write_text("[]")
    for stamp in stamps.glob("pdf-*.json"):
        stamp.write_text('{"key": "x", "listing": [], "outputs": [], "diagnostics": []}')
    assert_clean(project.run("pdf"), codes=(0,))
    for stamp in stamps.glob("pdf-*.json"):
        stamp.write_text('{"outputs": ')
    assert_clean(project.run("pdf"), codes=(0,))


@pytest.mark.slow
def test_an_output_changed_in_place_with_its_date_put_back_is_rebuilt(project):
    assert_clean(project.run("pdf"), codes=(0,))
    pdf = project.pdf
    before = pdf.read_bytes()
    st = os.stat(pdf)
    with open(pdf, "r+b") as handle:  # same size, other bytes, date restored
        handle.seek(len(before) // 2)
        handle.write(b"XXXX")
    os.utime(pdf, ns=(st.st_atime_ns, st.st_mtime_ns))
    run = project.run("pdf")
    assert_clean(run, codes=(0,))
    assert "wrote" in run.stdout and pdf.read_bytes() == before


@pytest.mark.slow
def test_the_version_is_the_same_on_the_cover_and_in_the_file_names(project):
    import subprocess

    assert_clean(project.run("release", "--version", "vNext"), codes=(0,))
    pdf = project.out / "release" / "handbook-Next.pdf"
    cover = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Version Next" in cover


@pytest.mark.slow
def test_a_manifest_from_an_older_format_still_vouches_by_content(project):
    import json

    assert_clean(project.run("slides"), codes=(0,))
    manifest = project.out / "slides" / ".notebook-publish-manifest.json"
    body = json.loads(manifest.read_text())
    for fields in body["files"].values():
        del fields["ctime_ns"], fields["ino"]
    manifest.write_text(json.dumps(body))
    project.write("index.md", NOTE.replace("## More", "## Later"))
    run = project.run("slides")
    assert_clean(run, codes=(0,))
    assert sorted(p.name for p in (project.out / "slides").glob("*.pptx")) == ["01-basics.pptx", "02-later.pptx"]
