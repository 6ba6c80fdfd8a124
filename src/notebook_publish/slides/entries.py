"""A slide's body as one vertical stack of entries, the unit that pages are cut from.

One entry per paragraph, formula, code line or table row, plus the page breaks a `---`
asked for. Each entry knows its `rank` (how deeply it is nested: a page prefers to end
before a shallow entry) and its `parent` (the entry repeated as context at the top of
a page that continues it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from notebook_publish.slides.deck import (
    Bullet,
    Callout,
    Cells,
    CodeBlock,
    Formula,
    Item,
    Numbering,
    PageBreak,
    Run,
    Table,
)
from notebook_publish.slides.highlight import Token, code_lines
from notebook_publish.slides.style import SlideStyle


class EntryKind(Enum):
    PARA = "para"  # a paragraph: a bullet, a plain line, a callout's title or line
    FORMULA = "formula"  # a display formula
    CODE = "code"  # one line of a code block
    ROW = "row"  # one row of a table
    BREAK = "break"  # a page break (`---` in the note)


PARA, FORMULA, CODE, ROW, BREAK = EntryKind.PARA, EntryKind.FORMULA, EntryKind.CODE, EntryKind.ROW, EntryKind.BREAK


@dataclass(frozen=True)
class TableInfo:
    """What every row of one table shares: its alignments, and all its rows (cells,
    is-header), from which its columns' shares of the width are measured."""

    aligns: tuple[str, ...]
    rows: tuple[tuple[Cells, bool], ...]


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    rank: int  # nesting depth: splits prefer the smallest rank
    parent: int | None  # index of the entry repeated as context on a continuation slide
    group: int = -1  # the code block, table or formula this entry is (part of), per slide
    level: int = 0
    runs: tuple[Run, ...] = ()
    marker: str | Numbering | None = None  # bullet character, list number, or none
    quote: bool = False
    context: bool = False  # a parent repeated at the top of a continued page
    formula: Formula | None = None
    tokens: tuple[Token, ...] = ()  # code
    cells: Cells = ()  # row: runs of each cell
    header: bool = False
    table: TableInfo | None = None
    callout: str | None = None  # the family of the callout box this paragraph is in
    box: int = -1  # which callout box
    title: bool = False  # the callout's title line


def slide_entries(items: tuple[Item, ...], style: SlideStyle) -> list[Entry]:
    """The entries of a slide's items, in reading order."""
    out: list[Entry] = []
    groups = [0]
    boxes = [0]
    last_level = style.levels - 1

    def add(
        items: Iterable[Item], rank: int, depth: int, parent: int | None, box: tuple[str, int] | None = None
    ) -> None:
        family, box_id = box if box is not None else (None, -1)
        for item in items:
            if isinstance(item, Callout):
                boxes[0] += 1
                inner = (item.family, boxes[0])
                title = parent
                if item.title:
                    out.append(
                        Entry(
                            PARA,
                            rank,
                            parent,
                            level=min(depth, last_level),
                            runs=item.title,
                            callout=item.family,
                            box=boxes[0],
                            title=True,
                        )
                    )
                    title = len(out) - 1
                add(item.items, rank + 1 if item.title else rank, depth, title, inner)
            elif isinstance(item, Bullet):
                level = min(depth, last_level)
                runs = item.runs
                if depth > level:  # deeper than the theme has levels: flatten, visibly
                    runs = (Run(style.flatten_marker * (depth - level) + " "),) + runs
                if item.runs:
                    marker: str | Numbering | None = None
                    if item.marker == "bullet":
                        marker = style.bullets[level % len(style.bullets)]
                    elif item.marker:
                        marker = item.marker
                    out.append(
                        Entry(
                            PARA,
                            rank,
                            parent,
                            level=level,
                            runs=runs,
                            marker=marker,
                            quote=item.quote,
                            callout=family,
                            box=box_id,
                        )
                    )
                    add(item.children, rank + 1, depth + 1, len(out) - 1, box)
                else:
                    add(item.children, rank, depth, parent, box)
            elif isinstance(item, Formula):
                groups[0] += 1
                out.append(Entry(FORMULA, rank, parent, group=groups[0], level=min(depth, last_level), formula=item))
            elif isinstance(item, CodeBlock):
                groups[0] += 1
                for i, tokens in enumerate(code_lines(item, style)):
                    out.append(
                        Entry(
                            CODE,
                            rank if i == 0 else rank + 1,
                            parent,
                            group=groups[0],
                            level=min(depth, last_level),
                            tokens=tokens,
                        )
                    )
            elif isinstance(item, Table):
                groups[0] += 1
                info = TableInfo(
                    item.aligns, tuple((row, True) for row in item.header) + tuple((row, False) for row in item.rows)
                )
                header_index = None
                for i, row in enumerate(item.header):
                    out.append(
                        Entry(
                            ROW,
                            rank if i == 0 else rank + 1,
                            parent if header_index is None else header_index,
                            group=groups[0],
                            cells=row,
                            header=True,
                            table=info,
                        )
                    )
                    header_index = len(out) - 1
                for i, row in enumerate(item.rows):
                    first = i == 0 and header_index is None
                    out.append(
                        Entry(
                            ROW,
                            rank if first else rank + 1,
                            header_index if header_index is not None else parent,
                            group=groups[0],
                            cells=row,
                            table=info,
                        )
                    )
            elif isinstance(item, PageBreak):
                out.append(Entry(BREAK, rank, parent))

    add(items, 0, 0, None)
    return out
