"""`pdf.numbering: auto`: headings that carry their own numbers are not numbered
twice, in the body, the contents and the bookmarks alike, while the chapters around
them are numbered as before; `check -v` says which parts of the book number
themselves; `true` and `false` still force numbers on or off.

Read the way a reader meets it: the PDF's text (pdftotext) and outline (pypdf).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from notebook_publish.cache import MemoryCache
from notebook_publish.chapter_numbers import carries_number
from notebook_publish.config import load_config
from notebook_publish.handbook import build_pdf
from notebook_publish.notes import load_book
from publish_harness import assert_clean, run_cli

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")

INDEX = """# Course notes

- [Linear algebra](algebra.md)
- [Calculus](calculus.md)
- [Lecture 4 - Optics](optics.md)
"""

# Numbered by hand, and so is the note under it.
ALGEBRA = """# Linear algebra

Intro to the part.

## 5.1 Vectors

Vectors have a length.

### 5.1.1 Vectors in the plane

Two coordinates.

## 5.2 Matrices

Rows and columns.

- [Eigenvalues](eigen.md)
"""

EIGEN = """# Eigenvalues

## 5.3 Characteristic polynomial

The determinant of a shifted matrix.

## 5.4 Diagonal form

A change of basis.
"""

# An ordinary note: numbered.
CALCULUS = """# Calculus

## Limits

Close to a point.

### One-sided limits

From the left.

## Derivatives

Rates of change.
"""

# The title carries the number; the sections do not.
OPTICS = """# Lecture 4 - Optics

## Reflection

Angles are equal.

## Refraction

Snell's law.
"""


def write_course(root: Path, numbering: str | None) -> None:
    notes = root / "notes"
    notes.mkdir(parents=True)
    setting = f"  numbering: {numbering}\n" if numbering is not None else ""
    (root / "handbook.yml").write_text(
        f"title: Course\nnotes: notes\nindex: notes/index.md\npdf:\n  index: false\n{setting}", encoding="utf-8"
    )
    for name, text in {
        "index": INDEX,
        "algebra": ALGEBRA,
        "eigen": EIGEN,
        "calculus": CALCULUS,
        "optics": OPTICS,
    }.items():
        (notes / f"{name}.md").write_text(text, encoding="utf-8")


class Built:
    def __init__(self, root: Path):
        config = load_config(root / "handbook.yml")
        book = load_book(config, MemoryCache())
        out = root / "build" / "handbook.pdf"
        self.diagnostics = list(book.diagnostics) + build_pdf(book, out, jobs=1)
        assert not [d for d in self.diagnostics if d.severity >= 2]
        reader = pypdf.PdfReader(str(out))
        text = subprocess.run(
            ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
        ).stdout
        pages = text.split("\f")
        contents = next(i for i, page in enumerate(pages) if "Contents" in page)
        self.contents = [
            " ".join(line.split()[:-1])
            for line in pages[contents].splitlines()
            if line.split() and line.split()[-1].isdigit()
        ]
        self.body_pages = [
            [" ".join(line.split()) for line in page.splitlines() if line.strip()] for page in pages[contents + 1 :]
        ]
        self.body = [line for page in self.body_pages for line in page]
        self.bookmarks = []

        def walk(items):
            for item in items:
                walk(item) if isinstance(item, list) else self.bookmarks.append(item.title)

        walk(reader.outline)

    def everywhere(self, line: str) -> bool:
        """The line is printed in the body, listed in the contents and a bookmark."""
        return line in self.body and line in self.contents and line in self.bookmarks

    def chapter_number(self, title: str) -> str:
        """The number printed over a chapter's title on its first page ("" for none).
        The page opens with the running head, the chapter's title."""
        opening = next(page for page in self.body_pages if page[:1] == [title] and title in page[1:3])
        return opening[1] if opening[1] != title else ""

    def anywhere(self, pattern: str) -> bool:
        return any(re.search(pattern, line) for line in self.body + self.contents + self.bookmarks)


@pytest.fixture(scope="module")
def auto(tmp_path_factory):
    root = tmp_path_factory.mktemp("auto")
    write_course(root, None)  # auto is the default
    return Built(root)


def test_own_numbers_are_not_numbered_again(auto):
    for heading in ("5.1 Vectors", "5.1.1 Vectors in the plane", "5.2 Matrices", "5.3 Characteristic polynomial"):
        assert auto.everywhere(heading), heading
    assert not auto.anywhere(r"\d\s+5\.\d"), "a second number before a heading's own"
    # Its chapters' titles get no number either, nor does the note nested under it.
    for title in ("Linear algebra", "Eigenvalues"):
        assert auto.everywhere(title) and auto.chapter_number(title) == ""


def test_a_title_with_its_own_number_leaves_its_sections_unnumbered(auto):
    assert auto.everywhere("Lecture 4 - Optics") and auto.chapter_number("Lecture 4 - Optics") == ""
    assert auto.everywhere("Reflection") and auto.everywhere("Refraction")


def test_an_ordinary_chapter_is_still_numbered_and_counts_on_without_a_gap(auto):
    # The index note is chapter 1; the hand-numbered part in between takes no number.
    assert (
        auto.chapter_number("Course notes") == "1"
        and "1 Course notes" in auto.contents
        and "1 Course notes" in auto.bookmarks
    )
    assert auto.chapter_number("Calculus") == "2" and "2 Calculus" in auto.contents and "2 Calculus" in auto.bookmarks
    for line in ("2.1 Limits", "2.1.1 One-sided limits", "2.2 Derivatives"):
        assert auto.everywhere(line), line


def test_the_info_names_each_part_that_numbers_itself(auto):
    own = [d for d in auto.diagnostics if d.code == "own-numbering"]
    assert sorted(d.path.name for d in own) == ["algebra.md", "optics.md"]
    algebra = next(d for d in own if d.path.name == "algebra.md")
    assert algebra.line == ALGEBRA.splitlines().index("## 5.1 Vectors") + 1
    assert "note under it" in algebra.message and algebra.hint


def test_check_verbose_shows_the_info_at_the_note_line(tmp_path):
    write_course(tmp_path, "auto")
    quiet = run_cli(tmp_path, "check", "--output", str(tmp_path / "out"))
    assert_clean(quiet, (0,))
    assert "own-numbering" not in quiet.output  # an info: only with -v
    verbose = run_cli(tmp_path, "check", "-v", "--output", str(tmp_path / "out"))
    assert_clean(verbose, (0,))
    line = ALGEBRA.splitlines().index("## 5.1 Vectors") + 1
    assert re.search(rf"algebra\.md:{line}:\d+: info\[own-numbering\]", verbose.output), verbose.output
    assert re.search(r"optics\.md:1:\d+: info\[own-numbering\]", verbose.output), verbose.output
    assert "calculus.md" not in verbose.output


@pytest.mark.slow
def test_true_numbers_everything_and_false_nothing(tmp_path):
    write_course(tmp_path / "on", "true")
    on = Built(tmp_path / "on")
    assert on.anywhere(r"^\d+\.1 5\.1 Vectors$") and on.anywhere(r"^\d+\.1 Reflection$")
    assert not [d for d in on.diagnostics if d.code == "own-numbering"]
    write_course(tmp_path / "off", "false")
    off = Built(tmp_path / "off")
    assert off.everywhere("Calculus") and off.chapter_number("Calculus") == ""
    assert off.everywhere("Limits") and off.everywhere("5.1 Vectors")
    assert not off.anywhere(r"^\d+(\.\d+)* (Calculus|Limits|Course notes)$")


def test_a_notebook_without_own_numbers_is_numbered_as_before(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (tmp_path / "handbook.yml").write_text(
        "title: Plain\nnotes: notes\nindex: notes/index.md\npdf:\n  index: false\n", encoding="utf-8"
    )
    (notes / "index.md").write_text("# Plain notes\n\n- [Calculus](calculus.md)\n", encoding="utf-8")
    (notes / "calculus.md").write_text(CALCULUS, encoding="utf-8")
    built = Built(tmp_path)
    assert built.chapter_number("Plain notes") == "1" and "1 Plain notes" in built.contents
    assert built.chapter_number("Calculus") == "2" and "2 Calculus" in built.bookmarks
    assert built.everywhere("2.1 Limits") and built.everywhere("2.1.1 One-sided limits")
    assert not [d for d in built.diagnostics if d.code == "own-numbering"]


@pytest.mark.parametrize(
    "text",
    [
        "5.1.1 Vectors",
        "1. Intro",
        "3) Setup",
        "Chapter 3: Light",
        "Lecture 4 - Waves",
        "Part II",
        "Week 2: Review",
        "II. Methods",
        "A. Basics",
        "A.1 Proofs",
        "Appendix B",
        "§ 4.2 Rules",
        "01 intro",
    ],
)
def test_numbers_of_their_own(text):
    assert carries_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "Vectors",
        "2024 Review",
        "3.14159 is pi",
        "10:30 Stand-up",
        "I think therefore",
        "Class A networks",
        "Partial derivatives",
        "Weekly review",
        "Chapter summary",
        "CLiP",
    ],
)
def test_not_numbers_of_their_own(text):
    assert not carries_number(text)
