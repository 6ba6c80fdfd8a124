"""`Note.line_of` and `Note.place_of`: where a text found through the AST is in the note,
as the diagnostics report it."""

from __future__ import annotations

from pathlib import Path

from notebook_publish.notes import Note
from notebook_publish.text_places import line_of, place_of

TEXT = "# Title\n\nSee [guide](guide.md#setup).\n\n  ![plot](plot.png)\nplot again\n"


def note(text: str = TEXT) -> Note:
    return Note(path=Path("/notes/a.md"), rel="a.md", raw=text, text=text, ast={"blocks": []})


def test_the_line_of_the_first_appearance():
    assert note().line_of("# Title") == 1
    assert note().line_of("#setup") == 3
    assert note().line_of("plot") == 5  # the first of two, not the line that starts with it


def test_needles_are_tried_in_turn():
    assert note().line_of("nowhere", "plot again", "#setup") == 6
    assert note().line_of("nowhere", "nor here") == 1


def test_a_missing_or_empty_text_is_placed_at_the_first_line():
    assert note().line_of("not in the note") == 1
    assert note().line_of("") == 1
    assert note("").line_of("x") == 1


def test_the_place_has_the_column_too():
    assert note().place_of("plot.png") == (5, 11)
    assert note().place_of("Title") == (1, 3)
    assert note().place_of("missing") == (1, 1)
    assert note().place_of("") == (1, 1)


def test_the_note_and_the_text_functions_agree():
    for needle in ("guide", "plot", "again\n", "absent", ""):
        assert note().line_of(needle) == line_of(TEXT, needle)
        assert note().place_of(needle) == place_of(TEXT, needle)


def test_a_broken_anchor_is_reported_at_the_line_of_its_link(tmp_path):
    from notebook_publish.config import Config
    from notebook_publish.notes import load_book

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "index.md").write_text("# Index\n\n- [Guide](guide.md)\n", encoding="utf-8")
    (notes / "guide.md").write_text("# Guide\n\nText.\n\nSee [there](#nowhere).\n", encoding="utf-8")
    book = load_book(Config(notes=notes, output=tmp_path / "build"))
    broken = [d for d in book.diagnostics if d.code == "broken-anchor"]
    assert [(d.path.name, d.line) for d in broken] == [("guide.md", 5)]
