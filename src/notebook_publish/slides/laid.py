"""The laid-out deck: every box, size and line pitch known, in points.

`layout.py` makes it and `pptx_writer.py` only draws it. The frame insets and gaps
below are reserved by the layout and written by the writer, so both read them here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from notebook_publish.slides.deck import Cells, Deck, Numbering, Picture, Run

if TYPE_CHECKING:
    from notebook_publish.slides.highlight import Token

EMU_PER_PT = 12700
INSET_X = 7.2  # text frame insets, points (PowerPoint's defaults, written explicitly)
INSET_Y = 3.6
SLACK = 2.0  # points added to every text frame's height
CODE_INSET_Y = 5.0
CELL_MARGIN_X = 5.0
CELL_MARGIN_Y = 3.0
FORMULA_PAD = 4.0
CAPTION_GAP = 6.0
CALLOUT_INSET_Y = 5.0  # a callout's box: room above and below its text, points
CALLOUT_BAR = 4.0  # the coloured rule at its left edge
CALLOUT_PAD = 6.0  # extra indent of its text, clear of the rule


@dataclass(frozen=True)
class Box:
    x: float  # points
    y: float
    w: float
    h: float

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class Geometry:
    """Where things go on a slide, in points: from the template's layouts or the theme."""

    width: float
    height: float
    title: Box
    body: Box
    left: Box  # Two Content: text column
    right: Box  # Two Content: picture column
    cover_title: Box
    cover_subtitle: Box
    section_title: Box
    footer: Box
    number: Box


@dataclass(frozen=True)
class LaidParagraph:
    runs: tuple[Run, ...]
    size: float
    level: int
    marker: str | Numbering | None
    indent: float  # points from the frame's inner left edge to the text
    hanging: float  # points the bullet hangs left of the text
    space_before: float
    line_height: float
    context: bool = False
    quote: bool = False
    colour: str | None = None  # a callout title's colour


@dataclass(frozen=True)
class TextBlock:
    box: Box
    paragraphs: tuple[LaidParagraph, ...]
    callout: str | None = None  # drawn as a shaded box in this callout family's colour


@dataclass(frozen=True)
class FormulaBlock:
    box: Box
    tex: str
    omml: str | None
    png: bytes | None
    size: float  # font size of the OMML


@dataclass(frozen=True)
class CodeBlockOut:
    box: Box
    lines: tuple[tuple[Token, ...], ...]  # per line: ((text, colour, bold, italic), ...)
    size: float
    line_height: float


@dataclass(frozen=True)
class TableBlock:
    box: Box
    col_widths: tuple[float, ...]
    rows: tuple[Cells, ...]  # runs per cell
    header_rows: int
    row_heights: tuple[float, ...]
    aligns: tuple[str, ...]
    size: float
    line_height: float


@dataclass(frozen=True)
class PictureBlock:
    box: Box
    picture: Picture
    caption_box: Box | None
    caption_size: float


Block = TextBlock | FormulaBlock | CodeBlockOut | TableBlock | PictureBlock


@dataclass(frozen=True)
class LaidSlide:
    layout: str  # cover | content | two | picture | section
    title: str
    title_size: float
    blocks: tuple[Block, ...] = ()
    subtitle: tuple[str, ...] = ()
    notes: str = ""


@dataclass(frozen=True)
class LaidDeck:
    deck: Deck
    slides: tuple[LaidSlide, ...]
    geometry: Geometry
    footer: str = ""
    subtitle_size: float = 20.0
