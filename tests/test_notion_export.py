"""A Notion export's .zip, read as it comes: the handbook, the decks and `check` from
`notes: export.zip`, with Notion's layout (ids in names, %20 paths, databases as CSV
beside their row pages, the top page as the index), and a hostile zip kept in its box.
"""

from __future__ import annotations

import io
import re
import stat
import subprocess
import zipfile
from pathlib import Path

import pypdf
import pytest

from notebook_publish import archive
from notebook_publish.config import load_config
from notebook_publish.diagnostics import UsageError
from notebook_publish.notes import load_book
from notion_fixture import PEOPLE, PROJECTS, ROWS, START, TASKS, TOP, enc, tree, write_export, zip_bytes
from publish_harness import assert_clean, run_cli

NOTION_ID = re.compile(r"[0-9a-f]{32}")


def _project(root: Path, files: dict[str, bytes] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    write_export(root / "export.zip", files)
    (root / "handbook.yml").write_text("title: Team Handbook\nnotes: export.zip\n", encoding="utf-8")
    return root


def _pdf_text(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def _pages(pdf: Path) -> list[str]:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True)
    return [" ".join(p.split()) for p in done.stdout.split("\f")]


def _row_page(pages: list[str], title: str) -> int:
    """The page a row page's chapter starts on: its title, then its properties."""
    return next(i for i, p in enumerate(pages) if f"{title} Status:" in p)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = _project(tmp_path_factory.mktemp("notion") / "project")
    before = sorted(p.name for p in root.parent.iterdir())
    run = run_cli(root, "pdf", "--jobs", "1")
    assert_clean(run, (0,))
    return root, run, before


def test_the_handbook_is_built_from_the_zip_in_place(built):
    root, run, before = built
    assert (root / "build" / "handbook.pdf").is_file()
    assert "wrote build/handbook.pdf" in run.stdout
    # Nothing unzipped beside it: the archive is read from the build cache.
    assert sorted(p.name for p in root.iterdir()) == ["build", "export.zip", "handbook.yml"]
    assert sorted(p.name for p in root.parent.iterdir()) == before
    trees = list((root / "build" / ".cache" / "archives").iterdir())
    assert len(trees) == 1 and (trees[0] / "tree" / f"{TOP}.md").is_file()


def test_chapter_titles_and_text_carry_no_notion_ids(built):
    root, _run, _ = built
    text = _pdf_text(root / "build" / "handbook.pdf")
    assert not NOTION_ID.search(text), NOTION_ID.search(text)
    assert "%20" not in text and ".md" not in text and ".csv" not in text
    reader = pypdf.PdfReader(root / "build" / "handbook.pdf")
    titles = []

    def walk(items):
        for item in items:
            walk(item) if isinstance(item, list) else titles.append(item.title)

    walk(reader.outline)
    # The top page is the index, so the first chapter; each database's row pages follow
    # its page, in the CSV's order (not the files' order, which is alphabetical).
    assert titles == [
        "1 Team Handbook",
        "2 Getting Started",
        "3 Projects",
        "3.1 Task board",
        "4 Write the spec",
        "5 Review the draft",
        "6 Ship it",
        "7 People",
        "8 Ada Lovelace",
        "9 Glossary",
        "Index",
    ]
    assert not any(NOTION_ID.search(t) for t in titles)


def test_the_database_is_a_table_followed_by_its_rows_in_csv_order(built):
    root, _run, _ = built
    pages = _pages(root / "build" / "handbook.pdf")
    projects = next(i for i, p in enumerate(pages) if "Everything we are working on." in p)
    table = pages[projects]
    for header in ("Name", "Status", "Owner", "Blocks"):
        assert header in table
    for title, status, owner in ROWS:
        assert re.search(rf"{re.escape(title)}\s+{re.escape(status)}\s+{re.escape(owner)}", table), (title, table)
    # The relation column names the other row, not its file.
    assert "Write the spec Done Ada Lovelace Review the draft" in table
    # Each row page is a chapter after the table, in the CSV's order (not the files' order).
    starts = [_row_page(pages, title) for title, *_ in ROWS]
    assert projects < starts[0] < starts[1] < starts[2], starts
    # Properties under a row page's title are one per line, not run together.
    lines = subprocess.run(
        ["pdftotext", "-layout", str(root / "build" / "handbook.pdf"), "-"], capture_output=True, text=True
    ).stdout.splitlines()
    assert any(line.strip() == "Status: Done" for line in lines) and any(
        line.strip() == "Owner: Ada Lovelace" for line in lines
    )
    # The property names are not terms of the book's index (as bold text would be).
    index = _pdf_text(root / "build" / "handbook.pdf").rsplit("Index", 1)[1]
    assert "handbook" in index and "Status" not in index and "Owner" not in index


def test_pictures_from_percent_encoded_paths_are_embedded(built):
    root, _run, _ = built
    listing = subprocess.run(
        ["pdfimages", "-list", str(root / "build" / "handbook.pdf")], capture_output=True, text=True, check=True
    ).stdout
    sizes = {tuple(map(int, line.split()[3:5])) for line in listing.splitlines()[2:] if line.strip()}
    assert {(64, 48), (80, 40)} <= sizes, listing
    # A file name as alt text is not a caption.
    text = _pdf_text(root / "build" / "handbook.pdf")
    assert "team photo" not in text and "Figure" not in text


def test_links_between_pages_are_internal(built):
    root, _run, _ = built
    pdf = root / "build" / "handbook.pdf"
    reader = pypdf.PdfReader(pdf)
    ids = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    pages = _pages(pdf)
    top = next(i for i, p in enumerate(pages) if "Welcome to the team" in p)
    projects = next(i for i, p in enumerate(pages) if "Everything we are working on." in p)
    people = next(i for i, p in enumerate(pages) if "The team, as a database" in p)

    def targets(index: int) -> tuple[set[int], list]:
        found, uris = set(), []
        for annot in reader.pages[index].get("/Annots") or []:
            annot = annot.get_object()
            dest = annot.get("/Dest")
            if dest is not None:
                found.add(ids[dest[0].idnum])
            action = annot.get("/A")
            if action is not None and action.get_object().get("/URI"):
                uris.append(action.get_object()["/URI"])
        return found, uris

    found, uris = targets(top)
    assert projects in found and people in found and not uris
    # The table's row titles and the relation link to the row pages.
    found, uris = targets(projects)
    row_pages = {_row_page(pages, title) for title, *_ in ROWS}
    assert row_pages <= found, (row_pages, found)
    # A link to notion.so whose page is in the export is a link inside the book.
    found, uris = targets(people)
    assert projects in found and not any("notion.so" in str(u) for u in uris)


@pytest.mark.slow
def test_a_no_op_rebuild_is_up_to_date_and_a_changed_zip_rebuilds(tmp_path):
    root = _project(tmp_path / "project")
    assert_clean(run_cli(root, "pdf", "--jobs", "1"), (0,))
    again = run_cli(root, "pdf", "--jobs", "1")
    assert_clean(again, (0,))
    assert "build/handbook.pdf is up to date" in again.stdout
    files = tree()
    files[f"{TOP}/{START}.md"] = files[f"{TOP}/{START}.md"].replace(b"from the top.", b"twice.")
    write_export(root / "export.zip", files)
    changed = run_cli(root, "pdf", "--jobs", "1")
    assert_clean(changed, (0,))
    assert "wrote build/handbook.pdf" in changed.stdout
    assert "Read the handbook twice." in _pdf_text(root / "build" / "handbook.pdf")
    # The tree of the earlier zip is gone; the new one is the only one.
    trees = [p for p in (root / "build" / ".cache" / "archives").iterdir()]
    assert len(trees) == 1
    assert "up to date" in run_cli(root, "pdf", "--jobs", "1").stdout


def test_check_names_problems_inside_the_zip(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    write_export(root / "export.zip")
    run = run_cli(root, "check", "--notes", "export.zip")
    assert_clean(run, (0,))
    where = f"export.zip/{TOP}/{START}.md:7:"
    assert f"{where}25: warning[broken-link]" in run.stdout, run.stdout
    assert ".cache" not in run.output and "archives" not in run.output
    assert "9 chapter(s)" in run.stdout
    # The baseline keys a problem by its place in the zip, which a new export keeps.
    assert_clean(run_cli(root, "check", "--notes", "export.zip", "--write-baseline"), (0,))
    assert f'"path": "export.zip/{TOP}/{START}.md"' in (root / "notebook-publish.baseline").read_text(encoding="utf-8")
    files = tree()
    files["New page.md"] = b"# New page\n"
    write_export(root / "export.zip", files)
    strict = run_cli(root, "check", "--notes", "export.zip", "--strict")
    assert_clean(strict, (1,))
    assert "broken-link" not in strict.stdout and "warning[orphan-note]" in strict.stdout


def test_an_html_export_says_how_to_export(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    (root / "export.zip").write_bytes(zip_bytes({f"{TOP}.html": b"<html><body>Team</body></html>"}))
    run = run_cli(root, "check", "--notes", "export.zip")
    assert_clean(run, (2,))
    assert (
        "export.zip: error[no-notes]: no Markdown notes in export.zip (make the export with Notion's Export -> Markdown & CSV"
        in run.stderr
    ), run.stderr


def test_a_missing_database_csv_is_reported_at_its_link(tmp_path):
    files = tree()
    del files[f"{TOP}/{PROJECTS}/{TASKS}.csv"]
    del files[f"{TOP}/{PROJECTS}/{TASKS}_all.csv"]
    root = _project(tmp_path / "project", files)
    run = run_cli(root, "check")
    assert_clean(run, (0,))
    assert f"export.zip/{TOP}/{PROJECTS}.md:7:1: warning[notion-database]" in run.stdout, run.stdout


def test_the_decks_are_built_from_the_zip(built):
    from pptx import Presentation

    root, _run, _ = built
    run = run_cli(root, "slides", "--jobs", "1")
    assert_clean(run, (0,))
    decks = sorted((root / "build" / "slides").glob("*.pptx"))
    assert [d.name for d in decks] == ["01-task-board.pptx"]
    tables = [
        [[c.text for c in row.cells] for row in shape.table.rows]
        for slide in Presentation(decks[0]).slides
        for shape in slide.shapes
        if shape.has_table
    ]
    assert tables and tables[0][0] == ["Name", "Status", "Owner", "Blocks"]
    assert [row[0] for row in tables[0][1:]] == [title for title, *_ in ROWS]
    by_note = run_cli(root, "slides", "--jobs", "1", "--set", "slides.topic=note", "--out", "build/by-note")
    assert_clean(by_note, (0,))
    names = [d.name for d in sorted((root / "build" / "by-note").glob("*.pptx"))]
    assert names[:3] == ["01-team-handbook.pptx", "02-getting-started.pptx", "03-projects.pptx"]
    assert not any(NOTION_ID.search(n) for n in names)


# --- hostile archives -------------------------------------------------------------------


def _hostile_zip(absolute: Path) -> bytes:
    """Entries that lead outside the archive; `absolute` is an absolute path of the
    test's own, so that no two runs of the suite share it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(f"{TOP}.md", "# Team Handbook\n\nSafe.\n")
        z.writestr(zipfile.ZipInfo("../evil.md"), "# Evil\n")
        z.writestr(zipfile.ZipInfo("../../evil-deeper.md"), "# Evil\n")
        z.writestr(zipfile.ZipInfo(str(absolute)), "# Evil\n")
        z.writestr(zipfile.ZipInfo("C:\\evil.md"), "# Evil\n")
        link = zipfile.ZipInfo("link.md")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(link, "/etc/passwd")
        folder_link = zipfile.ZipInfo("escape")
        folder_link.create_system = 3
        folder_link.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(folder_link, "..")
        z.writestr(zipfile.ZipInfo("escape/through-the-link.md"), "# Through\n")
        z.writestr(zipfile.ZipInfo("__MACOSX/._junk.md"), "junk")
    return out.getvalue()


@pytest.mark.slow
def test_a_hostile_zip_writes_nothing_outside_the_cache(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    absolute = tmp_path / "evil-absolute.md"
    (root / "export.zip").write_bytes(_hostile_zip(absolute))
    run = run_cli(root, "check", "--notes", "export.zip")
    assert_clean(run, (0,))
    for name, reason in (
        ("../evil.md", "leads outside the archive"),
        ("../../evil-deeper.md", "leads outside the archive"),
        (str(absolute), "absolute path"),
        ("C:\\evil.md", "absolute path"),
        ("link.md", "symbolic link"),
        ("escape", "symbolic link"),
    ):
        assert f"export.zip: warning[archive-entry]: `{name}` skipped: " in run.stdout and reason in run.stdout, (
            name,
            run.stdout,
        )
    assert "__MACOSX" not in run.stdout
    assert not absolute.exists()
    assert not (tmp_path / "evil.md").exists() and not (tmp_path.parent / "evil-deeper.md").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]
    assert sorted(p.name for p in root.iterdir()) == ["build", "export.zip"]
    trees = list((root / "build" / ".cache" / "archives").iterdir())
    assert len(trees) == 1
    for path in trees[0].rglob("*"):
        assert not path.is_symlink(), path
    # The folder that the link would have been is an ordinary folder in the tree.
    assert (trees[0] / "tree" / "escape" / "through-the-link.md").read_text() == "# Through\n"
    # A build says the same, and still makes the book of what is safe.
    pdf = run_cli(root, "pdf", "--notes", "export.zip", "--jobs", "1")
    assert_clean(pdf, (0,))
    assert "`../evil.md` skipped" in pdf.stderr
    assert "Evil" not in _pdf_text(root / "build" / "handbook.pdf")


def test_a_zip_bomb_is_refused_before_anything_is_written(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    data = bytearray(zip_bytes({"Home.md": b"# Home\n", "big.md": b"x" * 1000}))
    # Say in the central directory that big.md unpacks to 4 GB, as a zip bomb would.
    header = data.find(b"big.md", data.find(b"PK\x01\x02")) - 46  # the entry's fixed part comes before its name
    assert data[header : header + 4] == b"PK\x01\x02"
    data[header + 24 : header + 28] = (0xFFFF_FFF0).to_bytes(4, "little")
    (root / "export.zip").write_bytes(bytes(data))
    run = run_cli(root, "check", "--notes", "export.zip")
    assert_clean(run, (2,))
    assert (
        "export.zip: error[notes-archive]: export.zip would unpack to 4.0 GB, more than the 2.0 GB a notes archive may take (a zip bomb?)"
        in run.stderr
    ), run.stderr
    assert "Traceback" not in run.output
    archives = root / "build" / ".cache" / "archives"
    assert not archives.exists() or not any(archives.iterdir())


def test_too_many_files_is_refused_with_the_count(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_FILES", 5)
    source = tmp_path / "export.zip"
    write_export(source)
    with pytest.raises(UsageError) as refused:
        archive.open_archive(source, tmp_path / "cache")
    d = refused.value.diagnostic
    assert d.code == "notes-archive" and d.path == source
    assert "holds 14 files, more than the 5 a notes archive may hold" in d.message
    assert "--notes DIR" in d.hint
    assert not any((tmp_path / "cache" / "archives").iterdir())


def test_not_a_zip_is_one_clear_error(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    (root / "export.zip").write_bytes(b"PK\x03\x04 not really a zip")
    run = run_cli(root, "pdf", "--notes", "export.zip", "--jobs", "1")
    assert_clean(run, (2,))
    assert "export.zip: error[notes-archive]: export.zip is not a zip archive that can be read" in run.stderr, (
        run.stderr
    )


# --- names and layouts ------------------------------------------------------------------


def _rename_in_zip(data: bytes, old: bytes, new: bytes) -> bytes:
    """Rewrite an entry's name bytes (same length) in its local and central headers,
    as a tool that writes UTF-8 names without the UTF-8 flag would have."""
    assert len(old) == len(new)
    return data.replace(old, new)


def test_names_are_decoded_as_their_writer_meant_and_composed(tmp_path):
    composed = "Café"
    decomposed = unicodedata_nfd(composed)
    files = {
        f"Start {'a' * 32}.md": f"# Start\n\n[Café]({enc(composed)}.md)\n\n[Menu](Men%C3%BC.md)\n".encode(),
        "CafeX.md": b"# Cafe\n",  # renamed below to UTF-8 bytes without the flag
        f"{decomposed}2.md": b"# Decomposed\n",  # written NFD with the flag, as macOS does
        "MenuX.md": b"# Menu\n",
    }
    data = zip_bytes(files)
    data = _rename_in_zip(data, b"CafeX.md", "Café.md".encode()[:8])
    data = _rename_in_zip(data, b"MenuX.md", "Menü.md".encode()[:8])
    source = tmp_path / "export.zip"
    source.write_bytes(data)
    unpacked = archive.open_archive(source, tmp_path / "cache")
    names = sorted(p.name for p in unpacked.root.iterdir())
    assert "Café.md" in names and "Menü.md" in names and f"{composed}2.md" in names, names
    config = load_config(None, {"notes": str(source), "output": str(tmp_path / "out")}, cwd=tmp_path)
    book = load_book(config)
    assert not [d for d in book.diagnostics if d.code == "broken-link"], book.diagnostics


def unicodedata_nfd(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFD", text)


def test_notions_wrapper_of_part_zips_is_read_as_one_export(tmp_path):
    files = tree()
    first = {k: v for k, v in files.items() if "Projects" not in k}
    second = {k: v for k, v in files.items() if "Projects" in k}
    outer = io.BytesIO()
    with zipfile.ZipFile(outer, "w") as z:
        z.writestr("Export-0c1d2e3f-Part-1.zip", zip_bytes(first))
        z.writestr("Export-0c1d2e3f-Part-2.zip", zip_bytes(second))
    source = tmp_path / "Export-0c1d2e3f.zip"
    source.write_bytes(outer.getvalue())
    config = load_config(None, {"notes": str(source), "output": str(tmp_path / "out")}, cwd=tmp_path)
    book = load_book(config)
    assert [c.title for c in book.chapters] == [
        "Team Handbook",
        "Getting Started",
        "Projects",
        "Write the spec",
        "Review the draft",
        "Ship it",
        "People",
        "Ada Lovelace",
        "Glossary",
    ]
    assert not any(p.suffix == ".zip" for p in book.archive.root.rglob("*"))


def test_an_export_zipped_with_its_folder_and_an_index_named_through_the_zip(tmp_path):
    files = {f"My Export/{name}": data for name, data in tree().items()}
    source = tmp_path / "export.zip"
    source.write_bytes(zip_bytes(files))
    config = load_config(None, {"notes": str(source), "output": str(tmp_path / "out")}, cwd=tmp_path)
    book = load_book(config)
    assert book.chapters[0].title == "Team Handbook"
    broken = [d for d in book.diagnostics if d.code == "broken-link"]
    assert broken and str(broken[0].path) == str(source / "My Export" / TOP / f"{START}.md")
    index = f"{source}/My Export/{TOP}/{PEOPLE}.md"
    config = load_config(None, {"notes": str(source), "output": str(tmp_path / "out"), "index": index}, cwd=tmp_path)
    assert load_book(config).chapters[0].title == "People"


def test_an_unzipped_notion_export_reads_the_same(tmp_path):
    notes = tmp_path / "notes"
    for name, data in tree().items():
        (notes / name).parent.mkdir(parents=True, exist_ok=True)
        (notes / name).write_bytes(data)
    config = load_config(None, {"notes": str(notes), "output": str(tmp_path / "out")}, cwd=tmp_path)
    book = load_book(config)
    assert [c.title for c in book.chapters][:6] == [
        "Team Handbook",
        "Getting Started",
        "Projects",
        "Write the spec",
        "Review the draft",
        "Ship it",
    ]
    assert not [d for d in book.diagnostics if d.code == "orphan-note"]
    tables = [b for b in book.chapters[2].note.ast["blocks"] if b["t"] == "Table"]
    assert len(tables) == 1


def test_the_database_folder_link_and_all_csv(tmp_path):
    """A page that links to the database's folder gets the table too, from the CSV
    beside the folder, or from `_all.csv` when that is the only one."""
    files = tree()
    config = None
    for drop in (None, "plain"):
        if drop == "plain":
            people = next(k for k in files if k.endswith(".csv") and "People" in k)
            files[people.replace(".csv", "_all.csv")] = files.pop(people)
        source = tmp_path / f"export-{drop}.zip"
        source.write_bytes(zip_bytes(files))
        config = load_config(None, {"notes": str(source), "output": str(tmp_path / "out")}, cwd=tmp_path)
        book = load_book(config)
        people = next(c for c in book.chapters if c.title == "People")
        tables = [b for b in people.note.ast["blocks"] if b["t"] == "Table"]
        assert len(tables) == 1, drop
        assert [c.title for c in book.chapters].index("Ada Lovelace") == [c.title for c in book.chapters].index(
            "People"
        ) + 1


def test_an_entry_holding_more_than_it_declares_is_skipped_as_damaged(tmp_path):
    data = bytearray(zip_bytes({"Home.md": b"# Home\n", "liar.md": b"y" * 5000}))
    # Both headers say 10 bytes; the compressed data holds 5,000.
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        header = data.find(b"liar.md", data.find(signature) if signature == b"PK\x01\x02" else 0) - name_at
        assert data[header : header + 4] == signature
        data[header + offset : header + offset + 4] = (10).to_bytes(4, "little")
    source = tmp_path / "export.zip"
    source.write_bytes(bytes(data))
    unpacked = archive.open_archive(source, tmp_path / "cache")
    assert [s.name for s in unpacked.skipped] == ["liar.md"] and "damaged" in unpacked.skipped[0].reason
    assert not (unpacked.root / "liar.md").exists()
    assert (unpacked.root / "Home.md").read_bytes() == b"# Home\n"


def test_a_flood_of_bad_names_is_reported_in_a_few_lines(tmp_path):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("Home.md", "# Home\n")
        for i in range(archive.MAX_REPORTED + 25):
            z.writestr(zipfile.ZipInfo(f"../evil-{i}.md"), "x")
    source = tmp_path / "export.zip"
    source.write_bytes(out.getvalue())
    unpacked = archive.open_archive(source, tmp_path / "cache")
    assert len(unpacked.diagnostics()) == archive.MAX_REPORTED + 1
    assert unpacked.diagnostics()[-1].message == "`25 more entries` skipped: for the same reasons as those above"
