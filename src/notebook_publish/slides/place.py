"""Geometry: where the frames of a slide go, and a page's entries and pictures placed
in them as boxes; titles and short texts fitted to their boxes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import NamedTuple

from notebook_publish.slides.deck import Picture
from notebook_publish.slides.entries import CODE, FORMULA, PARA, ROW, Entry
from notebook_publish.slides.laid import (
    CAPTION_GAP,
    FORMULA_PAD,
    INSET_X,
    INSET_Y,
    SLACK,
    Block,
    Box,
    CodeBlockOut,
    FormulaBlock,
    Geometry,
    LaidParagraph,
    PictureBlock,
    TableBlock,
    TextBlock,
)
from notebook_publish.slides.measure import Measure, TableColumns, segment
from notebook_publish.slides.style import SlideStyle, callout_colour, darker
from notebook_publish.slides.text_metrics import Face, ParagraphSpec, Piece, paragraphs_height, wrap


def default_geometry(style: SlideStyle, width: float, height: float) -> Geometry:
    """The frames of the built-in template, from the theme's margins and sizes."""
    m = {k: v * 72 for k, v in style.margins.items()}
    inner_w = width - m["left"] - m["right"]
    title_h = style.title_height * 72
    title = Box(m["left"], m["top"], inner_w, title_h)
    footer_h = style.line_height(style.footer_size) + 2 * INSET_Y + SLACK + 4
    footer_y = height - m["bottom"] + (m["bottom"] - footer_h) / 2
    body_top = title.bottom + 8
    body = Box(m["left"], body_top, inner_w, footer_y - 6 - body_top)
    gap = style.column_gap * 72
    column = (inner_w - gap) / 2
    left = Box(body.x, body.y, column, body.h)
    right = Box(body.x + column + gap, body.y, column, body.h)
    cover_title = Box(m["left"], height * 0.28, inner_w, height * 0.30)
    cover_subtitle = Box(m["left"], cover_title.bottom + 12, inner_w, height * 0.22)
    section_title = Box(m["left"], height * 0.35, inner_w, height * 0.30)
    footer = Box(m["left"], footer_y, inner_w * 0.8, footer_h)
    number = Box(m["left"] + inner_w * 0.8, footer_y, inner_w * 0.2, footer_h)
    return Geometry(width, height, title, body, left, right, cover_title, cover_subtitle, section_title, footer, number)


def place_page(
    entries: tuple[Entry, ...], shrink_pt: float, frame: Box, measure: Measure, columns: TableColumns
) -> list[Block]:
    """A page's entries as blocks stacked from the top of `frame`: consecutive entries
    of one segment (`measure.segment`) share a block."""
    style = measure.style
    blocks: list[Block] = []
    y = frame.y
    groups: list[list[Entry]] = []
    for e in entries:
        if groups and segment(groups[-1][-1]) == segment(e):
            groups[-1].append(e)
        else:
            groups.append([e])
    for n, group in enumerate(groups):
        if n:
            y += style.block_gap
        kind = group[0].kind
        h = measure.stack_height(group, shrink_pt, frame.w, columns)
        box = Box(frame.x, y, frame.w, h)
        if kind is PARA:
            paragraphs = []
            family = group[0].callout
            for i, e in enumerate(group):
                size = measure.level_size(e.level, shrink_pt)
                paragraphs.append(
                    LaidParagraph(
                        measure.display_runs(e, shrink_pt, frame.w),
                        size,
                        e.level,
                        e.marker,
                        measure.indent_of(e),
                        measure.hanging_of(e),
                        style.paragraph_space if i else 0.0,
                        style.line_height(size),
                        e.context,
                        e.quote,
                        darker(callout_colour(style, family)) if e.title and family else None,
                    )
                )
            blocks.append(TextBlock(box, tuple(paragraphs), family))
        elif kind is FORMULA:
            e = group[0]
            assert e.formula is not None
            w, fh, size = measure.formula_box(e, shrink_pt, frame.w)
            rendered = measure.rendered[e.formula.tex]
            left = frame.x + measure.code_indent(e.level + 1)
            room = frame.x + frame.w - left
            if rendered is None:
                blocks.append(FormulaBlock(Box(left, y, room, h), e.formula.tex, None, None, size))
            else:
                x = left + max(0.0, (room - w) / 2)
                blocks.append(
                    FormulaBlock(Box(x, y + FORMULA_PAD, w, fh), e.formula.tex, e.formula.omml, rendered[0], size)
                )
        elif kind is CODE:
            size = measure.shrunk(style.code_size, shrink_pt)
            left = frame.x + measure.code_indent(group[0].level)
            blocks.append(
                CodeBlockOut(
                    Box(left, y, frame.x + frame.w - left, h),
                    tuple(e.tokens for e in group),
                    size,
                    style.line_height(size),
                )
            )
        elif kind is ROW:
            size = measure.shrunk(style.table_size, shrink_pt)
            heights = tuple(max(measure.row_heights(e, shrink_pt, frame.w, columns)) for e in group)
            headers = sum(1 for e in group if e.header)
            table = group[0].table
            assert table is not None
            widths = tuple(columns.widths(group[0], frame.w))
            blocks.append(
                TableBlock(
                    box,
                    widths,
                    tuple(e.cells for e in group),
                    headers,
                    heights,
                    table.aligns,
                    size,
                    style.line_height(size),
                )
            )
        y += h
    return blocks


def place_picture(picture: Picture, ratio: float, frame: Box, measure: Measure) -> PictureBlock:
    """The picture as large as `frame` allows at its width-to-height `ratio`, centred,
    its caption (up to three lines) below it."""
    style = measure.style
    caption_h = 0.0
    caption_box = None
    if picture.caption:
        face = Face(style.body_font, False, True)
        caption = shorten(picture.caption, face, style.caption_size, frame.w, 3, measure)
        picture = replace(picture, caption=caption)
        lines = wrap([Piece(caption, face, style.caption_size)], frame.w - 2 * INSET_X, measure.measurer)
        caption_h = len(lines) * style.line_height(style.caption_size) + 2 * INSET_Y + SLACK
    room = Box(frame.x, frame.y, frame.w, frame.h - caption_h - (CAPTION_GAP if caption_h else 0))
    w = min(room.w, room.h * ratio)
    h = w / ratio
    box = Box(room.x + (room.w - w) / 2, room.y + (room.h - h) / 2, w, h)
    if caption_h:
        caption_box = Box(frame.x, box.bottom + CAPTION_GAP, frame.w, caption_h)
    return PictureBlock(box, picture, caption_box, style.caption_size)


class Title(NamedTuple):
    text: str
    size: float
    shortened: bool  # cut at a word and ended with "…" to fit (worth a `long-title`)


def fit_title(text: str, box: Box, size: float, measure: Measure) -> Title:
    """The title and the size it fits at; shrinks to the minimum, then shortens."""
    style = measure.style
    floor = min(size, style.min_font_size)
    current = size
    while True:
        lines = wrap([Piece(text, Face(style.heading_font, True), current)], box.w - 2 * INSET_X, measure.measurer)
        if len(lines) * style.line_height(current) + 2 * INSET_Y + SLACK <= box.h:
            return Title(text, current, False)
        if current - 1 < floor:
            break
        current -= 1
    words = text.split()
    while len(words) > 1:
        words.pop()
        shorter = " ".join(words) + " …"
        lines = wrap([Piece(shorter, Face(style.heading_font, True), floor)], box.w - 2 * INSET_X, measure.measurer)
        if len(lines) * style.line_height(floor) + 2 * INSET_Y + SLACK <= box.h:
            return Title(shorter, floor, True)
    return Title(text[:40] + "…", floor, False)


def fit_lines(texts: Iterable[str], box: Box, size: float, measure: Measure) -> float:
    """The largest size, down to the minimum, at which these paragraphs fit the box."""
    style = measure.style
    face = Face(style.body_font)

    def height(size: float) -> float:
        paragraphs = [ParagraphSpec((Piece(t, face, size),), 0.0, style.line_height(size), 0.0) for t in texts]
        return paragraphs_height(paragraphs, box.w, measure.measurer)

    while size > style.min_font_size and height(size) > box.h:
        size -= 1
    return size


def shorten(text: str, face: Face, size: float, width: float, max_lines: int, measure: Measure) -> str:
    """`text`, cut at a word and ended with "…" if it needs more than `max_lines` lines."""

    def fits(t: str) -> bool:
        return len(wrap([Piece(t, face, size)], width - 2 * INSET_X, measure.measurer)) <= max_lines

    if fits(text):
        return text
    words = text.split()
    while len(words) > 1:
        words.pop()
        if fits(" ".join(words) + " …"):
            return " ".join(words) + " …"
    return "…"
