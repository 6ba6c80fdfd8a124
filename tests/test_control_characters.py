"""Control characters in notes: removed by the normaliser with a warning at their line
and column, so the deck (XML, which cannot hold them) is written and the PDF has the
words, kept apart. A few NUL bytes make a damaged note, not a binary one.
"""

from __future__ import annotations

import os
import re

import pytest

from notebook_publish.normalize import context_for_text, control, normalize
from notebook_publish.notes import binary_reason
from publish_harness import Project, assert_clean, png_bytes

DIAGNOSTIC = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>\w+)\[(?P<code>[\w-]+)\]: (?P<message>.*)$", re.M
)


def found(run, code: str) -> list[tuple[str, str, str, str]]:
    return [
        (m["path"], m["line"], m["col"], m["message"]) for m in DIAGNOSTIC.finditer(run.output) if m["code"] == code
    ]


# --- the fixer -----------------------------------------------------------------------------


def test_each_control_character_is_named_at_its_line_and_column():
    ctx = context_for_text()
    text = "# Title\x01\n\npage one\x0cpage two\n\nplain line\ntab\tstays, vt\x0bsplits\n\x1b[1;31mred\x1b[0m and a bell\x07\n"
    fixed, diagnostics = control.fix(text, ctx)
    assert fixed == "# Title\n\npage one page two\n\nplain line\ntab\tstays, vt splits\nred and a bell\n"
    assert fixed.count("\n") == text.count("\n")  # lines kept: later diagnostics still point at the file
    assert [(d.code, d.line, d.col) for d in diagnostics] == [
        ("control-character", 1, 8),
        ("control-character", 3, 9),
        ("control-character", 6, 14),
        ("control-character", 7, 1),
    ]
    assert diagnostics[0].message == "control character U+0001 START OF HEADING removed"
    assert diagnostics[1].message == "control character U+000C FORM FEED replaced by a space"
    assert diagnostics[2].message == "control character U+000B LINE TABULATION replaced by a space"
    assert diagnostics[3].message == (
        "control character U+0007 BELL and terminal escape sequences `ESC[1;31m` and `ESC[0m` removed (3 on this line)"
    )
    assert control.fix(fixed, ctx) == (fixed, [])


def test_nul_del_and_c1_controls_go_but_mojibake_is_repaired_first():
    ctx = context_for_text()
    # 0x93/0x94 read as Latin-1 are Windows-1252 quote marks: the encoding fixer, which
    # runs before, makes them quotes; a lone U+0090 means nothing and goes.
    text, diagnostics = normalize("\x93quoted\x94 words\nnul\x00here, del\x7fthere, dcs\x90gone\n", ctx)
    assert text == "“quoted” words\nnulhere, delthere, dcsgone\n"
    [d] = [d for d in diagnostics if d.code == "control-character"]
    assert (d.line, d.col) == (2, 4)
    assert "U+0000 NULL" in d.message and "U+007F DELETE" in d.message and "U+0090 DEVICE CONTROL STRING" in d.message


def test_what_makes_a_note_binary():
    assert binary_reason(png_bytes(20, 20)) == (
        "it is a PNG picture, not a Markdown note",
        "put pictures in a media folder and show them with `![](…)`",
    )
    assert "ZIP archive" in binary_reason(b"PK\x03\x04" + os.urandom(2000))[0]
    reason, _hint = binary_reason(os.urandom(8192))
    assert reason.startswith("it looks like a binary file:") and "bytes are control bytes such as NUL" in reason
    # Text with a few NULs (a damaged export) is text.
    assert binary_reason(b"# Note\n\n" + b"Some words,\x00 more words.\n" * 20 + b"\x00\x00 end\n") is None
    assert binary_reason("# Café\n\nCrème brûlée\x0c\n".encode("latin-1")) is None


# --- the command line ----------------------------------------------------------------------

NOTE = (
    "# Controls\n\n"
    "## Pasted\x01 text\n\n"  # line 3: in a heading, which becomes a slide title
    "- from a PDF: alpha\x0cbravo\n"  # line 5
    "- from a terminal: \x1b[32mcharlie\x1b[0m delta\n"  # line 6
    "- odd ones: echo\x0bfoxtrot golf\x01hotel\x1b\n"  # line 7
    "\n```\ncode\x02 india\n```\n"  # line 10: inside code, too
)


@pytest.mark.slow
def test_control_characters_are_warned_about_and_the_deck_is_written(tmp_path):
    project = Project(tmp_path / "book")
    project.write("index.md", NOTE)
    runs = project.run_all()
    expected = [("3", "10"), ("5", "20"), ("6", "20"), ("7", "17"), ("10", "5")]
    for name, run in runs.items():
        assert_clean(run, (0,))
        assert [(line, col) for path, line, col, _m in found(run, "control-character")] == expected, name + str(run)
        assert all(path == "notes/index.md" for path, *_ in found(run, "control-character"))
        assert "U+000C FORM FEED" in run.output and "`ESC[32m`" in run.output
    pdf = " ".join(project.pdf_text().split())
    for words in ("Pasted text", "alpha bravo", "charlie delta", "echo foxtrot", "golfhotel", "code india"):
        assert words in pdf, words
    [deck] = project.decks()
    xml = project.deck_xml()
    assert "alpha bravo" in xml and "charlie delta" in xml and "golfhotel" in xml and "[32m" not in xml


def test_a_control_character_in_the_config_is_refused_at_its_line(tmp_path):
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n## Topic\n\n- a point\n")
    project.config('title: Fine\nauthor: "Ann\\x1b"\n')
    for name, run in project.run_all().items():
        assert_clean(run, (2,))
        assert "handbook.yml:2:1: error[config]: `author` contains the control character U+001B" in run.stderr, (
            name + str(run)
        )


@pytest.mark.slow
def test_a_few_nul_bytes_do_not_drop_the_note(tmp_path):
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n- [Damaged](damaged.md)\n- [Picture](picture.md)\n")
    project.write("damaged.md", b"# Damaged\n\n## Kept\n\nThe words\x00 survive\x00.\n\n- and this\x00 item\n")
    project.write("picture.md", png_bytes(20, 20))
    runs = project.run_all()
    for name, run in runs.items():
        assert_clean(run, (1,))  # the picture saved as a note is an error
        assert [(p, line, col) for p, line, col, _m in found(run, "control-character")] == [
            ("notes/damaged.md", "5", "10"),
            ("notes/damaged.md", "7", "11"),
        ], name + str(run)
        [binary] = found(run, "binary-note")
        assert binary[:2] == ("notes/picture.md", "1") and "it is a PNG picture, not a Markdown note" in binary[3]
    pdf = " ".join(project.pdf_text().split())
    assert "The words survive." in pdf and "and this item" in pdf
    assert "The words survive." in project.deck_xml()
