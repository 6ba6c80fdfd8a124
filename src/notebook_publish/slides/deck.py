"""The deck model: what a deck contains, not where anything goes.

`read_ast.py` builds it from the pandoc AST, `layout.py` measures it and splits what
does not fit, and `pptx_writer.py` draws the result. Every value here is a plain,
picklable, frozen dataclass, so decks can be handed to worker processes and their
`repr` is a cache key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

NOTE_LINK = "note:"  # a link to a note (path from the notes folder, #anchor), until `book_decks.link_decks`
SLIDE_LINK = "#slide:"  # a jump to the slide with this title, in the same deck


@dataclass(frozen=True)
class Run:
    """A stretch of text with one formatting."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    math: bool = False  # inline math, written out in Unicode
    strike: bool = False
    baseline: int = 0  # 1 superscript, -1 subscript
    # An external URL; another deck's file name (a link to a note in another deck); or
    # SLIDE_LINK + a slide's title (a jump within the deck). NOTE_LINK + note#anchor
    # only between `read_ast.build_deck` and `book_decks.link_decks`.
    link: str | None = None
    highlight: bool = False  # `==text==` in Obsidian

    def same_format(self, other: Run) -> bool:
        return (
            self.bold,
            self.italic,
            self.code,
            self.math,
            self.strike,
            self.baseline,
            self.link,
            self.highlight,
        ) == (
            other.bold,
            other.italic,
            other.code,
            other.math,
            other.strike,
            other.baseline,
            other.link,
            other.highlight,
        )


@dataclass(frozen=True)
class Numbering:
    """The number of an ordered-list item: PowerPoint numbers it itself (`scheme`)."""

    scheme: str  # arabicPeriod, alphaLcPeriod, romanUcPeriod, ...
    number: int
    label: str  # as shown, e.g. "3." or "c."


@dataclass(frozen=True)
class Bullet:
    """One paragraph of a slide and the items nested under it.

    `marker` is "bullet" for a bullet-list item, a `Numbering` for an ordered list
    item, or None for a plain paragraph.
    """

    runs: tuple[Run, ...]
    children: tuple[Item, ...] = ()
    marker: str | Numbering | None = "bullet"
    quote: bool = False


@dataclass(frozen=True)
class Formula:
    tex: str
    omml: str | None = None  # filled in for the whole build at once (one pandoc run)


@dataclass(frozen=True)
class CodeBlock:
    text: str
    language: str = ""


@dataclass(frozen=True)
class Callout:
    """A callout of any flavour: a shaded box in its family's colour, its title in bold
    (empty: no title line), then its items."""

    family: str  # one of callouts.FAMILIES
    title: tuple[Run, ...]
    items: tuple[Item, ...] = ()


@dataclass(frozen=True)
class Table:
    header: tuple[tuple[tuple[Run, ...], ...], ...]  # rows of cells of runs
    rows: tuple[tuple[tuple[Run, ...], ...], ...]
    aligns: tuple[str, ...]  # "l", "c" or "r" per column


@dataclass(frozen=True)
class PageBreak:
    """A horizontal rule (`---`) in a note: start a new slide here."""


# What a slide's body and a callout hold, and a bullet's children.
Item = Bullet | Formula | CodeBlock | Callout | Table | PageBreak
Cells = tuple[tuple[Run, ...], ...]  # a table row: the runs of each cell


@dataclass(frozen=True)
class Picture:
    target: str  # as the note wrote it (after normalisation)
    path: Path | None  # None when the file is missing or cannot be drawn
    caption: str = ""
    problem: str | None = None  # `missing-image`, `bad-image` or `unsupported-image` (see pictures.py)


@dataclass(frozen=True)
class Slide:
    title: str
    items: tuple[Item, ...] = ()
    pictures: tuple[Picture, ...] = ()
    notes: str = ""
    kind: str = "content"  # content | agenda | section
    line: int = 1


@dataclass(frozen=True)
class Deck:
    number: int
    title: str
    slug: str
    source: Path
    line: int
    book_title: str
    date_line: str  # date and version, for the title slide
    slides: tuple[Slide, ...] = ()

    @property
    def filename(self) -> str:
        return f"{self.number:02d}-{self.slug}.pptx"

    @property
    def footer(self) -> str:
        return f"{self.book_title} · {self.title}"
