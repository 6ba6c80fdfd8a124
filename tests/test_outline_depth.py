"""A book whose notes nest deeper than six levels: every chapter and every section the
contents lists is a bookmark, nested as the notes nest (read back with pypdf), the
contents page lists them all, and the running head names the deepest chapter.

The notes form a chain, index → Alpha → Bravo → … → India, each note listing the
next as a list item, so Alpha is a top chapter and India is nested eight notes
below it: nine levels of chapters, each with a section one level further down.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from notebook_publish.cache import MemoryCache
from notebook_publish.config import load_config
from notebook_publish.handbook import build_pdf
from notebook_publish.notes import load_book

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")

NAMES = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India"]


def write_chain(root: Path, numbering: str) -> None:
    notes = root / "notes"
    notes.mkdir(parents=True)
    (root / "handbook.yml").write_text(
        f"title: Deep book\nnotes: notes\nindex: notes/index.md\npdf:\n  numbering: {numbering}\n  index: false\n",
        encoding="utf-8",
    )
    (notes / "index.md").write_text("# Start here\n\n- [Alpha](alpha.md)\n", encoding="utf-8")
    for i, name in enumerate(NAMES):
        text = f"# {name}\n\nThe {name.lower()} note says a few words.\n\n## About {name.lower()}\n\nMore words about {name.lower()}.\n"
        if i + 1 < len(NAMES):
            following = NAMES[i + 1]
            text += f"\n- [{following}]({following.lower()}.md)\n"
        (notes / f"{name.lower()}.md").write_text(text, encoding="utf-8")


def build(root: Path) -> Path:
    config = load_config(root / "handbook.yml")
    book = load_book(config, MemoryCache())
    out = root / "build" / "handbook.pdf"
    diagnostics = build_pdf(book, out, jobs=1)
    assert not [d for d in list(book.diagnostics) + diagnostics if d.severity >= 2]
    return out


def outline_of(reader: pypdf.PdfReader) -> list[tuple[int, str, int]]:
    """(nesting level, title, page index) of every bookmark, depth first."""
    out = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                out.append((level, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 1)
    return out


def page_texts(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")


@pytest.fixture(scope="module")
def deep(tmp_path_factory):
    root = tmp_path_factory.mktemp("deep")
    write_chain(root, "false")
    out = build(root)
    return pypdf.PdfReader(str(out)), page_texts(out)


def test_every_chapter_and_section_is_a_bookmark_nested_as_the_notes_nest(deep):
    reader, _pages = deep
    outline = outline_of(reader)
    expected = [(1, "Start here")]
    for depth, name in enumerate(NAMES, start=1):  # Alpha: a top chapter, each next one level down
        expected += [(depth, name), (depth + 1, f"About {name.lower()}")]
    assert [(level, title) for level, title, _page in outline] == expected
    assert max(level for level, _t, _p in outline) == len(NAMES) + 1


def test_each_bookmark_lands_on_the_page_of_its_heading(deep):
    reader, pages = deep
    for _level, title, page in outline_of(reader):
        lines = [" ".join(line.split()) for line in pages[page].splitlines()]
        assert title in lines, f"{title!r} not on page {page + 1}"


def test_contents_lists_entries_deeper_than_six_levels(deep):
    _reader, pages = deep
    contents = next(text for text in pages if "Contents" in text)
    labels = [
        " ".join(line.split()[:-1]) for line in contents.splitlines() if line.split() and line.split()[-1].isdigit()
    ]
    expected = ["Start here"] + [label for name in NAMES for label in (name, f"About {name.lower()}")]
    assert labels == expected


def test_running_head_names_the_deepest_chapter(deep):
    reader, pages = deep
    deepest = next(page for level, title, page in outline_of(reader) if title == NAMES[-1])
    first_line = next(line.strip() for line in pages[deepest].splitlines() if line.strip())
    assert first_line == NAMES[-1]


def test_numbered_bookmarks_are_the_contents_lines_at_any_depth(tmp_path):
    write_chain(tmp_path, "true")
    out = build(tmp_path)
    reader = pypdf.PdfReader(str(out))
    contents = next(text for text in page_texts(out) if "Contents" in text)
    lines = [
        " ".join(line.split()[:-1]) for line in contents.splitlines() if line.split() and line.split()[-1].isdigit()
    ]
    outline = outline_of(reader)
    assert [title for _level, title, _page in outline] == lines
    assert len(outline) == 1 + 2 * len(NAMES)
    # The sections of the deepest chapter are numbered under it, in the body too.
    india = next(title for _l, title, _p in outline if title.endswith(" India"))
    number = india.split()[0]
    assert f"{number}.1 About india" in [title for _l, title, _p in outline]


def test_bookmarks_deeper_than_readers_take_are_kept_at_the_deepest_level():
    """A chain of notes 80 deep: readers refuse outlines past 100 levels (pypdf) and
    pikepdf writes 15 unless told, so the tree nests to MAX_OUTLINE_LEVELS and keeps
    the deeper bookmarks there, in order."""
    from io import BytesIO

    import pikepdf

    from notebook_publish.handbook.assemble import MAX_OUTLINE_LEVELS, PdfMeta, assemble
    from notebook_publish.handbook.typeset.parts import Part

    def one_page() -> bytes:
        pdf = pikepdf.new()
        pdf.add_blank_page(page_size=(595, 842))
        out = BytesIO()
        pdf.save(out)
        return out.getvalue()

    deepest = 80
    anchors = {f"n{level}": (0, 72.0, 800.0 - 8 * level) for level in range(1, deepest + 1)}
    chapter = Part(one_page(), [""], anchors)
    meta = PdfMeta("Deep", "", "", "", "en", "D:20231114000000Z", "test")
    outline = [(level, f"Level {level}", f"n{level}") for level in range(1, deepest + 1)]
    reader = pypdf.PdfReader(BytesIO(assemble(Part(one_page(), ["front"], {}), [chapter], None, [], meta, outline)))
    found = outline_of(reader)
    assert [title for _l, title, _p in found] == [f"Level {level}" for level in range(1, deepest + 1)]
    assert [level for level, _t, _p in found] == [min(level, MAX_OUTLINE_LEVELS) for level in range(1, deepest + 1)]
    assert {page for _l, _t, page in found} == {1}
