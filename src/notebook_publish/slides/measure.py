"""How tall an entry, or a stack of them, is at a given shrink in a given width.

`shrink_pt` is how many points every size of the slide is made smaller by (never
below `slides.min_font_size`); pagination tries 0 first. Heights are memoised per
entry object: the same entry is measured again and again while a page is filled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import cast

from notebook_publish.slides.deck import Formula, Numbering, Run
from notebook_publish.slides.entries import CODE, FORMULA, PARA, ROW, Entry, EntryKind, TableInfo
from notebook_publish.slides.laid import (
    CALLOUT_INSET_Y,
    CALLOUT_PAD,
    CELL_MARGIN_X,
    CELL_MARGIN_Y,
    CODE_INSET_Y,
    FORMULA_PAD,
    INSET_X,
    INSET_Y,
    SLACK,
)
from notebook_publish.slides.style import SlideStyle
from notebook_publish.slides.text_metrics import SAFETY, Face, Piece, TextMeasurer, wrap

FORMULA_DPI = 300
# A rendered formula: PNG bytes and its size in pixels at FORMULA_DPI (1 em = 12 pt),
# or None when it cannot be drawn (its Unicode text is shown instead).
Rendered = tuple[bytes, int, int] | None


class TableColumns:
    """Each table's columns' shares of the width, per slide. A table's shares are set
    by the width it is first measured in (the first page it is on) and kept on the
    pages that continue it, so its columns do not move between them."""

    def __init__(self, measure: Measure):
        self.measure = measure
        self._shares: dict[int, tuple[float, ...]] = {}

    def widths(self, entry: Entry, width: float) -> list[float]:
        shares = self._shares.get(entry.group)
        if shares is None:
            assert entry.table is not None
            shares = self._shares[entry.group] = self.measure.column_shares(entry.table, width)
        return [f * width for f in shares]


class Measure:
    def __init__(self, style: SlideStyle, measurer: TextMeasurer, body_height: float, rendered: Mapping[str, Rendered]):
        self.style = style
        self.measurer = measurer
        self.body_height = body_height  # a formula is never taller than 60% of it
        self.rendered = rendered  # every formula's picture, by its TeX
        self._memo: dict[tuple[int, float, float], tuple[Entry, float]] = {}  # an entry's height
        self._context_memo: dict[tuple[int, float, float], tuple[Entry, tuple[Run, ...]]] = {}  # `display_runs`

    # sizes ---------------------------------------------------------------------------

    def shrunk(self, base: float, shrink_pt: float) -> float:
        floor = self.style.min_font_size
        return base if base <= floor else max(floor, base - shrink_pt)

    def level_size(self, level: int, shrink_pt: float) -> float:
        return self.shrunk(self.style.level_sizes[min(level, self.style.levels - 1)], shrink_pt)

    def max_shrink(self) -> float:
        """The shrink past which nothing on a slide gets smaller."""
        sizes = list(self.style.level_sizes) + [self.style.code_size, self.style.table_size]
        return max(0.0, max(sizes) - self.style.min_font_size)

    def face(self, run: Run, kind: str | None = None) -> Face:
        if run.code:
            return Face(self.style.code_font, run.bold, run.italic)
        if run.math:
            return Face(self.style.math_font, run.bold, True)
        return Face(kind or self.style.body_font, run.bold, run.italic)

    def pieces(self, runs: tuple[Run, ...], size: float, italic: bool = False) -> list[Piece]:
        return [Piece(r.text, self.face(replace(r, italic=r.italic or italic)), size, r) for r in runs]

    def code_pieces(self, entry: Entry, size: float) -> list[Piece]:
        return [Piece(t, Face(self.style.code_font, b, i), size, (t, c, b, i)) for t, c, b, i in entry.tokens] or [
            Piece(" ", Face(self.style.code_font), size)
        ]

    def hanging_of(self, entry: Entry) -> float:
        """Room for the bullet, or for a list number such as "12." (which must not push the text)."""
        if not entry.marker:
            return 0.0
        hanging = self.style.hanging * 72
        if isinstance(entry.marker, Numbering):
            size = self.style.level_sizes[min(entry.level, self.style.levels - 1)]
            hanging = max(hanging, self.measurer.width(entry.marker.label, Face(self.style.body_font)) * size + 8)
        return hanging

    def indent_of(self, entry: Entry) -> float:
        return self.style.indent * 72 * entry.level + self.hanging_of(entry) + (CALLOUT_PAD if entry.callout else 0.0)

    def code_indent(self, level: int) -> float:
        return self.style.indent * 72 * level

    # one entry -----------------------------------------------------------------------

    def entry_height(self, entry: Entry, shrink_pt: float, width: float, columns: TableColumns) -> float:
        key = (id(entry), shrink_pt, width)
        found = self._memo.get(key)
        if found is not None and found[0] is entry:  # ids of dead objects get reused
            return found[1]
        if entry.kind is PARA:
            size = self.level_size(entry.level, shrink_pt)
            pieces = self.pieces(self.display_runs(entry, shrink_pt, width), size, entry.quote)
            lines = wrap(pieces, width - 2 * INSET_X - self.indent_of(entry), self.measurer)
            h = len(lines) * self.style.line_height(size)
        elif entry.kind is CODE:
            size = self.shrunk(self.style.code_size, shrink_pt)
            lines = wrap(
                self.code_pieces(entry, size), width - 2 * INSET_X - self.code_indent(entry.level), self.measurer
            )
            h = len(lines) * self.style.line_height(size)
        elif entry.kind is ROW:
            h = max(self.row_heights(entry, shrink_pt, width, columns))
        elif entry.kind is FORMULA:
            h = self.formula_box(entry, shrink_pt, width)[1] + 2 * FORMULA_PAD
        else:
            h = 0.0
        self._memo[key] = (entry, h)
        return h

    def display_runs(self, entry: Entry, shrink_pt: float, width: float) -> tuple[Run, ...]:
        """The runs as shown: a context line is cut to one line and marked as continued."""
        if not entry.context:
            return entry.runs
        key = (id(entry), shrink_pt, width)
        found = self._context_memo.get(key)
        if found is not None and found[0] is entry:
            return found[1]
        size = self.level_size(entry.level, shrink_pt)
        room = width - 2 * INSET_X - self.indent_of(entry)
        suffix = Run(" " + self.style.continued, italic=True)
        runs = entry.runs + (suffix,)
        if len(wrap(self.pieces(runs, size, entry.quote), room, self.measurer)) > 1:
            ellipsis = Run(" …")
            reserve = sum(self.measurer.width(r.text, self.face(r)) for r in (ellipsis, suffix)) * size / SAFETY + 2
            first = wrap(self.pieces(entry.runs, size, entry.quote), max(room - reserve, 1.0), self.measurer)[0]
            while True:
                cut = tuple(replace(cast(Run, p.key), text=p.text) for p in first)  # `pieces` keys are runs
                if cut:
                    cut = cut[:-1] + (replace(cut[-1], text=cut[-1].text.rstrip()),)
                runs = cut + (ellipsis, suffix)
                if (
                    len(first) <= 1
                    and len(first[0].text if first else "") <= 1
                    or len(wrap(self.pieces(runs, size, entry.quote), room, self.measurer)) == 1
                ):
                    break
                last = first[-1]
                shorter = last.text.rsplit(" ", 1)[0] if " " in last.text.strip() else ""
                first = first[:-1] + ([Piece(shorter, last.face, last.size, last.key)] if shorter else [])
        self._context_memo[key] = (entry, runs)
        return runs

    def row_heights(self, entry: Entry, shrink_pt: float, width: float, columns: TableColumns) -> list[float]:
        size = self.shrunk(self.style.table_size, shrink_pt)
        heights = []
        for cell, w in zip(entry.cells, columns.widths(entry, width)):
            runs = tuple(replace(r, bold=r.bold or entry.header) for r in cell) or (Run(" "),)
            lines = wrap(self.pieces(runs, size), w - 2 * CELL_MARGIN_X, self.measurer)
            heights.append(len(lines) * self.style.line_height(size) + 2 * CELL_MARGIN_Y)
        return heights or [self.style.line_height(size) + 2 * CELL_MARGIN_Y]

    def column_shares(self, table: TableInfo, width: float) -> tuple[float, ...]:
        """Each column's share of `width`: its natural width when all fit; else at least
        its longest word (and 8% of the width), the rest shared by what each needs more."""
        n = max(len(cells) for cells, _header in table.rows)
        size = self.style.table_size
        natural = [0.0] * n
        longest = [0.0] * n
        for cells, header in table.rows:
            for i, cell in enumerate(cells):
                text_w = (
                    sum(self.measurer.width(r.text, self.face(replace(r, bold=r.bold or header))) for r in cell) * size
                )
                words = [w for r in cell for w in r.text.split()]
                word_w = max((self.measurer.width(w, self.face(Run(w, bold=True))) * size for w in words), default=0.0)
                natural[i] = max(natural[i], text_w + 2 * CELL_MARGIN_X + 4)
                longest[i] = max(longest[i], word_w + 2 * CELL_MARGIN_X + 4)
        floor = [max(longest[i], 0.08 * width) for i in range(n)]
        if sum(natural) <= width:
            widths = [natural[i] * width / sum(natural) for i in range(n)]
        elif sum(floor) < width:
            extra = [max(0.0, natural[i] - floor[i]) for i in range(n)]
            spare = width - sum(floor)
            widths = [floor[i] + (spare * extra[i] / sum(extra) if sum(extra) else spare / n) for i in range(n)]
        else:
            widths = [width / n] * n
        return tuple(w / width for w in widths)

    def formula_box(self, entry: Entry, shrink_pt: float, width: float) -> tuple[float, float, float]:
        """(width, height, font size) of a display formula, in points."""
        assert entry.formula is not None
        size = self.level_size(entry.level + 1, shrink_pt)
        rendered = self.rendered[entry.formula.tex]
        if rendered is None:
            text = formula_text(entry.formula)
            lines = wrap(
                self.pieces((Run(text, math=True),), size),
                width - 2 * INSET_X - self.code_indent(entry.level + 1),
                self.measurer,
            )
            return width, len(lines) * self.style.line_height(size) + 2 * INSET_Y + SLACK, size
        _png, w_px, h_px = rendered
        scale = size / 12.0  # the PNG is drawn with 1 em = 12 pt
        w = w_px / FORMULA_DPI * 72 * scale
        h = h_px / FORMULA_DPI * 72 * scale
        room = width - self.code_indent(entry.level + 1) - 2 * INSET_X
        limit_h = self.body_height * 0.6
        factor = min(1.0, room / w if w else 1.0, limit_h / h if h else 1.0)
        return w * factor, h * factor, size * factor

    # a stack of entries --------------------------------------------------------------

    def stack_height(
        self, entries: list[Entry], shrink_pt: float, width: float, columns: TableColumns, limit: float = math.inf
    ) -> float:
        """The entries' height stacked, or the first partial sum past `limit`: a caller
        that only asks whether they fit needs no more (a list of 15,000 items measured
        whole at every size it may shrink to took seconds)."""
        prev: Segment | None
        h, prev = 0.0, None
        for e in entries:
            h = self.add_height(h, prev, e, shrink_pt, width, columns)
            if h > limit:
                return h
            prev = segment(e)
        return h

    def add_height(
        self, h: float, prev: Segment | None, e: Entry, shrink_pt: float, width: float, columns: TableColumns
    ) -> float:
        """`h` with `e` stacked below an entry of segment `prev` (None: `e` is first)."""
        seg = segment(e)
        if seg != prev:
            h += (self.style.block_gap if prev is not None else 0.0) + overhead(seg)
        elif e.kind is PARA:
            h += self.style.paragraph_space
        return h + self.entry_height(e, shrink_pt, width, columns)


def formula_text(formula: Formula) -> str:
    from notebook_publish.math_unicode import tex_to_unicode

    return tex_to_unicode(formula.tex)


# The frame an entry is drawn in: "text", ("callout", box) or (kind, group).
Segment = str | tuple[str | EntryKind, int]


def segment(entry: Entry) -> Segment:
    """The frame an entry is drawn in: consecutive entries of one segment share it (the
    text frame, a callout's box, a code block's box, a table, a formula's own)."""
    if entry.kind is PARA:
        return "text" if entry.callout is None else ("callout", entry.box)
    return (entry.kind, entry.group)


def overhead(seg: Segment) -> float:
    """The height a segment's frame adds around its entries."""
    if seg == "text":
        return 2 * INSET_Y + SLACK
    if seg[0] is CODE:
        return 2 * CODE_INSET_Y + SLACK
    if seg[0] == "callout":
        return 2 * CALLOUT_INSET_Y + SLACK
    return 0.0
