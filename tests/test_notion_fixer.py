"""The `notion` fixer: database links marked, notion.so links made local, file-name alt
texts dropped, row pages' properties one per line; lines kept, idempotent."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notebook_publish.normalize import NoteContext, normalize, notion

ROOT = Path("/export")
PROJECTS = ROOT / "Projects 3c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b.md"
TASKS_CSV = ROOT / "Projects 3c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b" / "Tasks 4d9a3b2c1d0e4f9a8b7c6d5e4f3a2b1c.csv"
ROW = TASKS_CSV.with_suffix("") / "Write the spec 5e0b4c3d2e1f4a0b9c8d7e6f5a4b3c2d.md"
PICTURE = ROOT / "Projects 3c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b" / "Screenshot 2024-03-01.png"
FILES = frozenset({PROJECTS, TASKS_CSV, ROW, PICTURE})


def ctx(path: Path = PROJECTS, flavours=None) -> NoteContext:
    extra = {} if flavours is None else {"flavours": frozenset(flavours)}
    return NoteContext(path=path, notes_dir=ROOT, files=FILES, **extra)


def test_a_database_link_on_its_own_line_is_marked():
    text = "# Projects\n\n[Tasks](Projects%203c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b/Tasks%204d9a3b2c1d0e4f9a8b7c6d5e4f3a2b1c.csv)\n"
    out, found = notion.fix(text, ctx())
    assert (
        out.splitlines()[2]
        == "[Tasks](<Projects 3c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b/Tasks 4d9a3b2c1d0e4f9a8b7c6d5e4f3a2b1c.csv>){.notion-database}"
    )
    assert not found
    assert notion.fix(out, ctx()) == (out, [])


def test_a_link_to_the_database_folder_is_pointed_at_its_csv():
    text = "[Tasks](Projects%203c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b/Tasks%204d9a3b2c1d0e4f9a8b7c6d5e4f3a2b1c)\n"
    out, _ = notion.fix(text, ctx())
    assert out.startswith(
        "[Tasks](<Projects 3c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b/Tasks 4d9a3b2c1d0e4f9a8b7c6d5e4f3a2b1c.csv>){.notion-database}"
    )


def test_a_csv_link_inside_a_sentence_stays_a_link():
    text = "See [the data](Projects%203c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b/Tasks%204d9a3b2c1d0e4f9a8b7c6d5e4f3a2b1c.csv) here.\n"
    assert notion.fix(text, ctx()) == (text, [])


def test_a_missing_csv_is_a_warning_at_its_link():
    text = "# P\n\n  [Old](Projects%203c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b/Old%209a.csv)\n"
    out, found = notion.fix(text, ctx())
    assert out == text
    assert [(d.code, d.line, d.col) for d in found] == [("notion-database", 3, 3)]
    assert found[0].message.startswith("`Projects%203c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b/Old%209a.csv`")


def test_a_notion_url_of_a_page_in_the_export_becomes_a_local_link():
    text = "Read [the spec](https://www.notion.so/acme/Write-the-spec-5e0b4c3d2e1f4a0b9c8d7e6f5a4b3c2d?pvs=21) and [elsewhere](https://www.notion.so/Other-0123456789abcdef0123456789abcdef).\n"
    out, _ = notion.fix(text, ctx())
    assert (
        "[the spec](<Projects 3c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b/Tasks 4d9a3b2c1d0e4f9a8b7c6d5e4f3a2b1c/Write the spec 5e0b4c3d2e1f4a0b9c8d7e6f5a4b3c2d.md>)"
        in out
    )
    assert "(https://www.notion.so/Other-0123456789abcdef0123456789abcdef)" in out


def test_a_file_name_as_alt_text_is_dropped():
    text = "![Screenshot 2024-03-01.png](Projects%203c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b/Screenshot%202024-03-01.png)\n![A chart of sales](x.png)\n"
    out, _ = notion.fix(text, ctx())
    assert (
        out
        == "![](Projects%203c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b/Screenshot%202024-03-01.png)\n![A chart of sales](x.png)\n"
    )


def test_row_page_properties_are_one_per_line():
    text = "# Write the spec\n\nStatus: Done\nOwner: Ada Lovelace\nDue: March 3, 2024\n\nBody: not a property.\n"
    out, _ = notion.fix(text, ctx(ROW))
    assert out == (
        "# Write the spec\n\n[Status:]{.notion-property} Done\\\n[Owner:]{.notion-property} Ada Lovelace\\\n"
        "[Due:]{.notion-property} March 3, 2024\n\nBody: not a property.\n"
    )
    assert notion.fix(out, ctx(ROW))[0] == out
    # Only in a row page (its folder has a CSV beside it).
    assert notion.fix(text, ctx())[0] == text


def test_pinning_other_flavours_turns_it_off():
    text = "[Tasks](Projects%203c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b/Tasks%204d9a3b2c1d0e4f9a8b7c6d5e4f3a2b1c.csv)\n"
    assert notion.fix(text, ctx(flavours={"obsidian"})) == (text, [])


PIECES = st.sampled_from(
    [
        "# ",
        "Status: ",
        "Owner: x",
        "**",
        "\\",
        "\n",
        "\n\n",
        " ",
        "[",
        "]",
        "(",
        ")",
        "![",
        "](",
        ".csv",
        ".png",
        "Tasks%204d9a3b2c1d0e4f9a8b7c6d5e4f3a2b1c",
        "Projects%203c8f2a1b0c9d4e8f9a7b6c5d4e3f2a1b/",
        "https://www.notion.so/x-5e0b4c3d2e1f4a0b9c8d7e6f5a4b3c2d",
        "{.notion-database}",
        "```\n",
        "`",
        ":",
        "word",
        "é",
    ]
)
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=4)), max_size=30).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, st.sampled_from([PROJECTS, ROW]))
def test_lines_are_kept_and_normalising_twice_is_once(text, path):
    text = text.replace("\r", "")
    out, _ = notion.fix(text, ctx(path))
    assert out.count("\n") == text.count("\n")
    once, _ = normalize(text, ctx(path))
    assert once.count("\n") == text.count("\n")
    assert normalize(once, ctx(path))[0] == once


# --- the table made from a database's CSV (at the I/O edge, after parsing) --------------


def _database_ast(csv_name: str) -> dict:
    import json

    import pypandoc

    from notebook_publish.pandoc.process import READER

    return json.loads(
        pypandoc.convert_text(f"# Page\n\n[Tasks](<{csv_name}>){{.notion-database}}\n", "json", format=READER)
    )


def _cells(table: dict) -> list[list[str]]:
    from notebook_publish.pandoc.ast import plain_text

    _attr, _caption, _specs, head, bodies, _foot = table["c"]
    rows = head[1] + [row for body in bodies for row in body[3]]
    return [[plain_text(cell[4][0]["c"]) if cell[4] else "" for cell in row[1]] for row in rows]


def test_odd_csvs_make_a_table_or_a_warning_never_an_error(tmp_path):
    from notebook_publish.notion_export import expand_databases

    note = tmp_path / "Page.md"
    cases = {
        "ragged.csv": (
            "\ufeffName,Status\nOne,Done,extra\nTwo\n\n".encode(),
            [["Name", "Status", ""], ["One", "Done", "extra"], ["Two", "", ""]],
            None,
        ),
        "quoted.csv": (
            b'Name,Notes\n"A, with comma","two\nlines"\n',
            [["Name", "Notes"], ["A, with comma", "two lines"]],
            None,
        ),
        "latin.csv": ("Name\nCaf\xe9\n".encode("cp1252"), [["Name"], ["Café"]], "not UTF-8"),
        "header.csv": (b"Name,Status\n", [["Name", "Status"]], None),
        "empty.csv": (b"\n\n", None, "empty"),
        "nul.csv": (b"Name\nA\x00B\x1b[31m\n", [["Name"], ["AB[31m"]], "control characters"),
        "missing.csv": (None, None, "not in the notes"),
    }
    files = {note}
    for name, (data, _rows, _problem) in cases.items():
        if data is not None:
            (tmp_path / name).write_bytes(data)
            files.add(tmp_path / name)
    for name, (_data, rows, problem) in cases.items():
        ast, found = expand_databases(
            note, f"[Tasks](<{name}>){{.notion-database}}", _database_ast(name), frozenset(files)
        )
        tables = [b for b in ast["blocks"] if b["t"] == "Table"]
        if rows is None:
            assert not tables and [d.code for d in found] == ["notion-database"] and problem in found[0].message, name
        else:
            assert len(tables) == 1 and _cells(tables[0]) == rows, (name, _cells(tables[0]) if tables else None)
            assert (problem is None and not found) or problem in found[0].message, name
