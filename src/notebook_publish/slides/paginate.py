"""Cutting one slide's entries into pages that fit, shrinking within limits.

A slide whose entries do not fit may shrink by up to `sizes.max_shrink` points (never
below `slides.min_font_size`); beyond that it is split into continuation pages, which
prefer breaks between top-level bullets, then between their children (repeating the
parent as a context line), and so on down. `paginate` is a function of its arguments:
it returns the pages, the tables' column widths it measured them with, and how many
entries were too tall for any page.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import cast

from notebook_publish.slides.deck import Run
from notebook_publish.slides.entries import BREAK, CODE, PARA, Entry
from notebook_publish.slides.highlight import Token
from notebook_publish.slides.laid import CODE_INSET_Y, INSET_X, INSET_Y, SLACK
from notebook_publish.slides.measure import Measure, Segment, TableColumns, segment
from notebook_publish.slides.text_metrics import wrap

MAX_CONTEXT_LINES = 4  # ancestors repeated at the top of a continued slide
# The rank of every piece of a paragraph or code line cut because it was taller than a
# page but the first: a break between two such pieces is the last choice, after a
# break before any whole entry (whose rank is its nesting depth).
PIECE_RANK = 99


@dataclass(frozen=True)
class Page:
    entries: tuple[Entry, ...]  # context lines first
    shrink_pt: float


@dataclass(frozen=True)
class Pagination:
    pages: tuple[Page, ...]
    columns: TableColumns  # each table's column widths, as measured
    overflows: int  # entries (a table row, a formula) taller than a page even shrunk


def paginate(
    entries: list[Entry], capacity: Callable[[int], float], width: Callable[[int], float], measure: Measure
) -> Pagination:
    """Pages for one slide's entries. `capacity(i)` and `width(i)` give the body's
    height and width on the i-th page."""
    columns = TableColumns(measure)
    style = measure.style
    entries = list(entries)
    if not any(e.kind is BREAK for e in entries):
        for shrink_pt in range(0, int(min(style.max_shrink, measure.max_shrink())) + 1):
            # At the theme's size every entry is measured, which also sets each table's
            # column shares at the first page's width (TableColumns); at a shrunk size
            # the question is only whether the slide fits.
            limit = math.inf if shrink_pt == 0 else capacity(0)
            if measure.stack_height(entries, shrink_pt, width(0), columns, limit=limit) <= capacity(0):
                return Pagination((Page(tuple(entries), shrink_pt),), columns, 0)
    pages: list[Page] = []
    overflows = 0
    start = 0
    most = int(math.ceil(measure.max_shrink()))
    while start < len(entries):
        if entries[start].kind is BREAK:
            start += 1
            continue
        cap, w = capacity(len(pages)), width(len(pages))
        context = _context_for(entries, start)
        chosen = None
        # A paragraph or code line taller than a slide is cut at the theme's size;
        # only what cannot be cut (a table row, a formula) shrinks to make room.
        cuttable = entries[start].kind in (PARA, CODE)
        for shrink_pt in range(0, (0 if cuttable else most) + 1):
            ends, heights = _fill(entries, start, context, shrink_pt, cap, w, measure, columns)
            if ends:
                chosen = shrink_pt
                break
        if chosen is None:
            pieces = _cut(entries[start], context, 0 if cuttable else most, cap, w, measure, columns)
            if pieces is not None:
                entries[start : start + 1] = pieces
                moved = len(pieces) - 1
                for j in range(start + len(pieces), len(entries)):
                    later = entries[j]
                    if later.parent is not None and later.parent > start:
                        entries[j] = replace(later, parent=later.parent + moved)
                continue
            overflows += 1
            ends, heights = [start + 1], [cap]
        end = ends[-1]
        if end < len(entries) and entries[end].kind is not BREAK:
            end = _choose_break(entries, start, ends, heights, cap)
        pages.append(Page(tuple(context + entries[start:end]), chosen if chosen is not None else most))
        start = end
    return Pagination(tuple(pages), columns, overflows)


def _context_for(entries: list[Entry], start: int) -> list[Entry]:
    """The ancestors of `entries[start]`, outermost first, as context lines."""
    chain: list[int] = []
    parent = entries[start].parent
    # The nearest ancestors say where a continued list is; a whole chain of them
    # (a list nested 40 deep) would leave no room for the items themselves.
    while parent is not None and len(chain) < MAX_CONTEXT_LINES:
        chain.append(parent)
        parent = entries[parent].parent
    out = []
    for index in reversed(chain):
        e = entries[index]
        out.append(replace(e, context=True) if e.kind is PARA else e)
    return out


def _fill(
    entries: list[Entry],
    start: int,
    context: list[Entry],
    shrink_pt: float,
    cap: float,
    width: float,
    measure: Measure,
    columns: TableColumns,
) -> tuple[list[int], list[float]]:
    """Break positions b (page = entries[start:b]) that fit, with their heights."""
    prev: Segment | None
    h, prev = 0.0, None
    for e in context:
        h = measure.add_height(h, prev, e, shrink_pt, width, columns)
        prev = segment(e)
    ends, heights = [], []
    for i in range(start, len(entries)):
        e = entries[i]
        if e.kind is BREAK:
            break
        h = measure.add_height(h, prev, e, shrink_pt, width, columns)
        prev = segment(e)
        if h > cap:
            break
        ends.append(i + 1)
        heights.append(h)
    return ends, heights


def _choose_break(entries: list[Entry], start: int, ends: list[int], heights: list[float], cap: float) -> int:
    """Prefer breaks between shallow entries, not right after their parent, late on the page."""
    best, best_score = ends[-1], None
    for b, h in zip(ends, heights):
        if b >= len(entries):
            continue
        e = entries[b]
        full_enough = h >= 0.4 * cap
        orphan = e.parent == b - 1 and b - 1 >= start
        score = (not full_enough, e.rank, orphan, -b)
        if best_score is None or score < best_score:
            best, best_score = b, score
    return best


def _cut(
    entry: Entry,
    context: list[Entry],
    shrink_pt: float,
    cap: float,
    width: float,
    measure: Measure,
    columns: TableColumns,
) -> list[Entry] | None:
    """One paragraph (or code line) that is taller than a slide, in pieces that fit;
    None for anything else."""
    if entry.kind not in (PARA, CODE):
        return None
    style = measure.style
    ctx_h = measure.stack_height(context, shrink_pt, width, columns) + style.block_gap if context else 0.0
    if entry.kind is PARA:
        size = measure.level_size(entry.level, shrink_pt)
        pieces = measure.pieces(entry.runs, size, entry.quote)
        room = width - 2 * INSET_X - measure.indent_of(entry)
    else:
        size = measure.shrunk(style.code_size, shrink_pt)
        pieces = measure.code_pieces(entry, size)
        room = width - 2 * INSET_X - measure.code_indent(entry.level)
    lines = wrap(pieces, room, measure.measurer)
    per_page = int((cap - ctx_h - 2 * INSET_Y - SLACK - 2 * CODE_INSET_Y) // style.line_height(size))
    if per_page < 1 or len(lines) <= 1:
        return None
    parts = []
    for i in range(0, len(lines), per_page):
        chunk_lines = lines[i : i + per_page]
        rank = entry.rank if i == 0 else PIECE_RANK
        if entry.kind is PARA:
            runs = []
            for li, line in enumerate(chunk_lines):
                for p in line:
                    runs.append(replace(cast(Run, p.key), text=p.text))  # `pieces` keys are runs
                if li < len(chunk_lines) - 1 and runs and not runs[-1].text.endswith(" "):
                    runs.append(Run(" "))
            runs[0] = replace(runs[0], text=runs[0].text.lstrip())
            parts.append(replace(entry, runs=tuple(runs), marker=entry.marker if i == 0 else None, rank=rank))
        else:
            tokens = tuple(
                (p.text, *cast(Token, p.key)[1:]) if p.key else (p.text, style.colour("text"), False, False)
                for line in chunk_lines
                for p in line
            )
            parts.append(replace(entry, tokens=tokens, rank=rank))
    return parts
