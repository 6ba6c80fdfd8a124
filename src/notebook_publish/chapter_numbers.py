"""Which chapters the handbook numbers, and the parts of the book that number themselves.

`pdf.numbering: true` numbers every chapter in book order (1, 2, 3 …) and the
sections the contents lists under it (3.1, 3.1.2); `false` numbers nothing. `auto`,
the default, numbers like `true` except where the notes already carry numbers, which a
second number would only repeat ("71.1 5.1.1 Vectors"):

- The unit is a part of the book: a top-level chapter (a note at depth 0: the index
  note, each note it links to, each orphan) and every note nested under it. Numbers
  are a scheme that runs through a chapter and its sub-chapters, so they are switched
  off for all of it or for none of it.
- A part numbers itself when more than half of its chapter titles, or more than half
  of its headings that would be numbered (those the contents lists), start with a
  number of their own (`carries_number`). Either one is enough: "Lecture 4 - Optics"
  over sections numbered 7.1, 7.2 would read as two schemes.
- Such a part gets no automatic numbers: neither its chapters nor their sections, in
  the body, the contents and the bookmarks alike (they all read the numbers given
  here). An `own-numbering` info names it at its top note. The numbered chapters
  around it count on without a gap.

The writer asks `section_base_level` and `title_heading` what the headings' levels are
and which heading is the title, so this module counts the headings the writer numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from notebook_publish.diagnostics import Diagnostic, info
from notebook_publish.pandoc.ast import header_inlines, header_level, plain_text, walk_blocks
from notebook_publish.titles import opening_heading, repeats_title

if TYPE_CHECKING:
    from notebook_publish.notes import Chapter

AUTO = "auto"

# A number of the heading's own: dotted decimals ("5.1.1", "1."), capped at three
# digits a component so that a year ("2024 Review") or a decimal ("3.14159 …") does
# not count; a Roman numeral; a letter with section numbers ("A.1").
_DECIMAL = r"\d{1,3}(?:\.\d{1,3})*"
_ROMAN = r"(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_ROMAN_ANY_CASE = r"(?i:(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3}))"
# What may follow the number: the end, or a separator and a space ("1. ", "3) ",
# "2: ", "4 - ").
_END = r"(?:[.):]?(?=\s|$)|\s+[-–—:]\s)"
# Words that name a numbered unit of a course or a book. A single letter counts only
# after the ones that are lettered ("Appendix A", "Part B"): "Class A networks" is not.
_WORDS = (
    "chapter|chap|ch|section|sect|sec|part|book|volume|vol|lecture|lect|lec|lesson|week|day|unit|module|"
    "topic|session|seminar|tutorial|lab|exercise|exercises|problem|problems|assignment|homework|hw|"
    "sheet|worksheet|quiz|exam|episode|phase|stage|step|level|appendix|annex"
)
_LETTERED = "appendix|annex|part|section"
_PATTERNS = (
    re.compile(rf"^{_DECIMAL}[a-z]?{_END}"),  # 5.1.1 Vectors, 1. Intro, 3) Setup, 2 - Notes
    re.compile(rf"^{_ROMAN}[.)](?=\s|$)"),  # II. Methods
    re.compile(rf"^[A-Z](?:\.\d{{1,3}})*[.)](?=\s|$)|^[A-Z](?:\.\d{{1,3}})+{_END}"),  # A. Basics, A.1 Proofs
    re.compile(rf"^(?i:{_WORDS})\.?\s*(?:{_DECIMAL}[a-z]?|{_ROMAN_ANY_CASE}){_END}"),  # Chapter 3: …, Part II, Week 2:
    re.compile(rf"^(?i:{_LETTERED})\s+[A-Z]{_END}"),  # Appendix A
    re.compile(rf"^§\s*{_DECIMAL}{_END}"),  # § 4.2
)


def carries_number(text: str) -> bool:
    """Whether a title or heading starts with a number of its own."""
    text = " ".join(text.split())
    return any(pattern.match(text) for pattern in _PATTERNS)


def section_base_level(blocks: list[dict[str, Any]], title: str) -> int:
    """The heading level a note's sections are measured from: its own level-1 heading
    is its title, so sections start one level down; so do the sections under an
    opening heading of another level that says the title (`#### 5.1.1 Vectors`, then
    `##### Norms`). A note without either starts at its shallowest heading."""
    levels = [header_level(b) for b in blocks if b.get("t") == "Header"]
    base = 1 if 1 in levels else (min(levels) - 1 if levels else 1)
    opening = opening_heading(blocks)
    if opening is not None and repeats_title(blocks[opening], title):
        base = min(base, header_level(blocks[opening])) if 1 in levels else header_level(blocks[opening])
    return base


def title_heading(blocks: list[dict[str, Any]], title: str) -> int | None:
    """The index of the block that is the chapter's title rather than a section: the
    note's opening heading (of any level) or, failing that, its first level-1 heading,
    when either says the same as the title. One that says something else stays."""
    at = opening_heading(blocks)
    if at is not None and repeats_title(blocks[at], title):
        return at
    at = next((i for i, b in enumerate(blocks) if b.get("t") == "Header" and header_level(b) == 1), None)
    return at if at is not None and repeats_title(blocks[at], title) else None


def numbered_headings(chapter: Chapter, toc_levels: int) -> list[str]:
    """The texts of the headings the writer would number: sections within the first
    `toc_levels` levels below the title, with text."""
    blocks = chapter.note.ast.get("blocks", [])
    base = section_base_level(blocks, chapter.title)
    title = title_heading(blocks, chapter.title)
    if title is not None:
        blocks = blocks[:title] + blocks[title + 1 :]
    out = []
    for block in walk_blocks(blocks):
        if block.get("t") == "Header" and max(1, header_level(block) - base) <= toc_levels:
            text = " ".join(plain_text(header_inlines(block)).split())
            if text:
                out.append(text)
    return out


@dataclass(frozen=True)
class NumberingPlan:
    numbers: tuple[int | None, ...]  # each chapter's number, None for an unnumbered one
    diagnostics: tuple[Diagnostic, ...]


def plan_numbering(chapters: Sequence[Chapter], numbering: bool | str, toc_levels: int) -> NumberingPlan:
    """`numbering`: `pdf.numbering` (True, False or "auto")."""
    if numbering is False:
        return NumberingPlan((None,) * len(chapters), ())
    if numbering is True:
        return NumberingPlan(tuple(range(1, len(chapters) + 1)), ())
    numbered = [True] * len(chapters)
    diagnostics = []
    for start, end in _parts(chapters):
        found = _own_numbers(chapters[start:end], toc_levels)
        if found is not None:
            numbered[start:end] = [False] * (end - start)
            diagnostics.append(found)
    numbers, count = [], 0
    for on in numbered:
        count += on
        numbers.append(count if on else None)
    return NumberingPlan(tuple(numbers), tuple(diagnostics))


def _parts(chapters: Sequence[Chapter]) -> list[tuple[int, int]]:
    """(start, end) of each top-level chapter and the chapters nested under it."""
    starts = [i for i, chapter in enumerate(chapters) if chapter.depth == 0 or i == 0]
    return list(zip(starts, starts[1:] + [len(chapters)]))


def _own_numbers(part: Sequence[Chapter], toc_levels: int) -> Diagnostic | None:
    """The `own-numbering` info for a part that numbers itself, else None."""
    titles = [chapter.title for chapter in part]
    headings = [text for chapter in part for text in numbered_headings(chapter, toc_levels)]
    own_titles = [t for t in titles if carries_number(t)]
    own_headings = [h for h in headings if carries_number(h)]
    if 2 * len(own_titles) <= len(titles) and 2 * len(own_headings) <= len(headings):
        return None
    top = part[0]
    said = []
    if 2 * len(own_titles) > len(titles):
        said.append(_share(own_titles, titles, "chapter title", "chapter titles"))
    if 2 * len(own_headings) > len(headings):
        said.append(_share(own_headings, headings, "heading", "headings"))
    under = {1: ""}.get(
        len(part), " and the note under it" if len(part) == 2 else f" and the {len(part) - 1} notes under it"
    )
    example = (own_titles + own_headings)[0]
    return info(
        top.note.path,
        _line_of_heading(
            top.note.text, [t for t in (top.title, *numbered_headings(top, toc_levels)) if carries_number(t)]
        ),
        "own-numbering",
        f"own numbers in {' and '.join(said)} (`{example[:60]}`): automatic numbering is off for this chapter{under}",
        "set `pdf.numbering: true` to number them anyway",
    )


def _share(own: list[str], every: list[str], one: str, many: str) -> str:
    return f"the {one}" if len(every) == 1 else f"{len(own)} of {len(every)} {many}"


_HEADING_LINE = re.compile(r"^ {0,3}#{1,6}\s+(.*)$")


def _line_of_heading(text: str, labels: list[str]) -> int:
    """The line of the first heading of `text` that starts like one of `labels` (the
    heading's Markdown may hold emphasis the label has lost), else 1."""
    starts = [label.split()[0] for label in labels if label.split()]
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        heading = _HEADING_LINE.match(line)
        if heading is None and number < len(lines) and re.match(r"^ {0,3}(=+|-+)\s*$", lines[number]) and line.strip():
            heading = re.match(r"^\s*(.*)$", line)  # a setext heading, underlined on the next line
        if heading is not None:
            shown = heading.group(1).lstrip("*_` ")
            if any(shown.startswith(start) for start in starts):
                return number
    return 1
