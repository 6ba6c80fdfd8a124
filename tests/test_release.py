import hashlib
import os
import subprocess
import zipfile
from datetime import UTC

import pytest

from notebook_publish.diagnostics import UsageError
from notebook_publish.release import make_release, release_version


@pytest.fixture
def built(tmp_path):
    (tmp_path / "slides").mkdir()
    (tmp_path / "handbook.pdf").write_bytes(b"%PDF-1.7 handbook")
    (tmp_path / "slides" / "01-a.pptx").write_bytes(b"deck a")
    (tmp_path / "slides" / "02-b.pptx").write_bytes(b"deck b")
    return tmp_path


def decks(built):
    return sorted((built / "slides").glob("*.pptx"))


def test_release_files_and_checksums(built, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    written, problems = make_release(built / "handbook.pdf", decks(built), built / "release", "v1.2.0")
    assert problems == []
    assert [p.name for p in written] == ["handbook-1.2.0.pdf", "slides-1.2.0.zip", "SHA256SUMS"]
    sums = (built / "release" / "SHA256SUMS").read_text().splitlines()
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((built / "release" / name).read_bytes()).hexdigest() == digest
    with zipfile.ZipFile(built / "release" / "slides-1.2.0.zip") as archive:
        assert archive.namelist() == ["01-a.pptx", "02-b.pptx"]
        assert archive.read("02-b.pptx") == b"deck b"
        assert archive.getinfo("01-a.pptx").date_time == (2023, 11, 14, 22, 13, 20)


def test_release_zip_is_reproducible(built, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = make_release(built / "handbook.pdf", decks(built), built / "r1", "v1")[0][1].read_bytes()
    (built / "slides" / "01-a.pptx").touch()
    second = make_release(built / "handbook.pdf", decks(built), built / "r2", "v1")[0][1].read_bytes()
    assert first == second


def test_release_needs_built_files(tmp_path):
    with pytest.raises(UsageError) as caught:
        make_release(tmp_path / "handbook.pdf", [], tmp_path / "release", "v1")
    assert "make pdf" in caught.value.diagnostic.hint


def test_version_for_file_names():
    assert release_version("v2.0.1") == "2.0.1"
    assert release_version("v2.0.1-3-gabc1234-dirty") == "2.0.1-3-gabc1234-dirty"
    assert release_version("") == "0.0.0"
    assert release_version("a/b c") == "a-b-c"


def test_earlier_releases_and_other_files_are_kept(built):
    release = built / "release"
    release.mkdir()
    (release / "notes-to-self.txt").write_text("mine")
    make_release(built / "handbook.pdf", decks(built), release, "v1.0")
    make_release(built / "handbook.pdf", decks(built), release, "v1.1")
    assert sorted(p.name for p in release.iterdir() if not p.name.startswith(".")) == [
        "SHA256SUMS",
        "handbook-1.0.pdf",
        "handbook-1.1.pdf",
        "notes-to-self.txt",
        "slides-1.0.zip",
        "slides-1.1.zip",
    ]
    assert (release / "notes-to-self.txt").read_text() == "mine"
    assert "handbook-1.1.pdf" in (release / "SHA256SUMS").read_text()


def test_a_file_of_the_users_under_a_release_name_stops_the_release(built):
    release = built / "release"
    release.mkdir()
    (release / "handbook-2.0.pdf").write_bytes(b"%PDF-1.4 the user's own")
    written, problems = make_release(built / "handbook.pdf", decks(built), release, "v2.0")
    assert written == []
    assert [p.code for p in problems] == ["foreign-file"]
    assert problems[0].path.name == "handbook-2.0.pdf" and "did not write" in problems[0].message
    assert (release / "handbook-2.0.pdf").read_bytes() == b"%PDF-1.4 the user's own"
    assert not (release / "slides-2.0.zip").exists()


def test_a_release_file_changed_by_hand_is_not_replaced(built):
    release = built / "release"
    make_release(built / "handbook.pdf", decks(built), release, "v3")
    (release / "SHA256SUMS").write_text("edited by hand\n")
    written, problems = make_release(built / "handbook.pdf", decks(built), release, "v3")
    assert written == [] and [p.code for p in problems] == ["foreign-file"]
    assert (release / "SHA256SUMS").read_text() == "edited by hand\n"


def _git(root, *args):
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "HOME": str(root),
    }
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env={**os.environ, **env})


def _title_slide_text(deck) -> str:
    from pptx import Presentation

    return "\n".join(s.text_frame.text for s in Presentation(str(deck)).slides[0].shapes if s.has_text_frame)


@pytest.mark.slow
def test_the_release_version_is_on_the_cover_the_slides_and_the_file_names(tmp_path):
    """Built before the tag, released after it, then from a dirty tree: each time the
    cover, the title slides and the file names show the version being released."""
    import subprocess

    from publish_harness import Project, assert_clean

    project = Project(tmp_path)
    project.write("index.md", "# Versions\n\n## First topic\n\n- a point\n")
    (project.root / ".gitignore").write_text("out/\n")
    _git(project.root, "init", "-q")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-qm", "notes")
    assert_clean(project.run("pdf"), codes=(0,))  # built before the tag: the cover shows the commit
    _git(project.root, "tag", "v1.0")

    def released(version: str) -> None:
        run = project.run("release")
        assert_clean(run, codes=(0,))
        release = project.out / "release"
        assert (release / f"handbook-{version}.pdf").is_file() and (release / f"slides-{version}.zip").is_file()
        cover = subprocess.run(
            ["pdftotext", "-l", "1", str(release / f"handbook-{version}.pdf"), "-"], capture_output=True, text=True
        ).stdout
        assert f"Version {version}" in cover
        decks = sorted((project.out / "slides").glob("*.pptx"))
        assert decks and all(f"· {version}" in _title_slide_text(d) for d in decks)
        with zipfile.ZipFile(release / f"slides-{version}.zip") as archive:
            assert sorted(archive.namelist()) == [d.name for d in decks]

    released("1.0")
    (project.notes / "index.md").write_text("# Versions\n\n## First topic\n\n- a point, edited\n")
    released("1.0-dirty")


def test_release_zip_without_source_date_epoch_is_dated_from_zips_epoch(built, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    written, _ = make_release(built / "handbook.pdf", decks(built), built / "release", "v1")
    with zipfile.ZipFile(written[1]) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert {(i.create_system, i.external_attr >> 16) for i in archive.infolist()} == {(3, 0o644)}


def test_reproducible_zip_dates_and_attributes():
    from datetime import datetime

    from notebook_publish.build import reproducible_zip

    entries = [("b.xml", b"<b/>" * 100), ("a/c.bin", bytes(range(256)))]
    odd_second = datetime(2023, 11, 14, 22, 13, 21, tzinfo=UTC)
    data = reproducible_zip(entries, odd_second, unix_mode=0o600, made_on_dos=True)
    assert data == reproducible_zip(iter(entries), odd_second, unix_mode=0o600, made_on_dos=True)
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert [(i.filename, archive.read(i)) for i in archive.infolist()] == entries  # in the order given
        assert {(i.date_time, i.create_system, i.external_attr) for i in archive.infolist()} == {
            ((2023, 11, 14, 22, 13, 20), 0, 0o600 << 16)
        }
    before_zip_existed = datetime(1979, 12, 31, tzinfo=UTC)
    with zipfile.ZipFile(io.BytesIO(reproducible_zip(entries, before_zip_existed))) as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
