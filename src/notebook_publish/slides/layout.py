"""A deck laid out: the deck model to slides whose every box is known (`laid.LaidDeck`).

Each slide's body becomes a stack of entries (`entries.py`); its formulas are drawn
once (PNG, for their size and the fallback picture) and its pictures' shapes read;
then the entries are cut into pages that fit (`paginate.py`) and placed (`place.py`).
This module is the only one of those that reads files or reports problems: the
stages it calls are functions of their arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from notebook_publish import pictures
from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.slides.deck import Deck, Slide
from notebook_publish.slides.entries import BREAK, FORMULA, Entry, slide_entries
from notebook_publish.slides.laid import Block, Box, Geometry, LaidDeck, LaidSlide, PictureBlock
from notebook_publish.slides.measure import FORMULA_DPI, Measure, Rendered, TableColumns
from notebook_publish.slides.paginate import Page, paginate
from notebook_publish.slides.place import fit_lines, fit_title, place_page, place_picture, shorten
from notebook_publish.slides.slide_pictures import size_picture
from notebook_publish.slides.style import SlideStyle
from notebook_publish.slides.text_metrics import Face, TextMeasurer

if TYPE_CHECKING:
    from notebook_publish.cache import Cache


def layout_deck(
    deck: Deck, style: SlideStyle, geometry: Geometry, measurer: TextMeasurer, cache: Cache | None = None
) -> tuple[LaidDeck, list[Diagnostic]]:
    """The laid-out deck, and the problems found on the way (`slide-overflow`,
    `long-title`, a picture that became unreadable). `cache`: the math cache, or None."""
    bodies = [slide_entries(slide.items, style) if slide.kind != "section" else [] for slide in deck.slides]
    measure = Measure(style, measurer, geometry.body.h, _render_formulas(bodies, cache))
    diagnostics: list[Diagnostic] = []

    def title(text: str, box: Box, size: float, line: int) -> tuple[str, float]:
        fitted = fit_title(text, box, size, measure)
        if fitted.shortened:
            diagnostics.append(
                warning(deck.source, line, "long-title", f"slide title shortened: `{text}`", "use a shorter heading")
            )
        return fitted.text, fitted.size

    g = geometry
    # The cover's problems are reported at the note's first line.
    cover_title, cover_size = title(deck.title, g.cover_title, style.title_slide_size, 1)
    subtitle = tuple(line for line in (deck.book_title, deck.date_line) if line)
    slides: list[LaidSlide] = [LaidSlide("cover", cover_title, cover_size, subtitle=subtitle)]
    for slide, entries in zip(deck.slides, bodies):
        if slide.kind == "section":
            text, size = title(slide.title, g.section_title, style.title_slide_size, slide.line)
            slides.append(LaidSlide("section", text, size, notes=slide.notes))
            continue
        parts, found = _lay_out_slide(slide, entries, deck, g, measure)
        diagnostics += found
        total = len(parts)
        for i, (layout, blocks) in enumerate(parts):
            full = f"{slide.title} ({i + 1}/{total})" if total > 1 else slide.title
            text, size = title(full, g.title, style.title_size, slide.line)
            slides.append(LaidSlide(layout, text, size, blocks, notes=slide.notes if i == 0 else ""))
    footer = shorten(deck.footer, Face(style.body_font), style.footer_size, g.footer.w, 1, measure)
    laid = LaidDeck(deck, tuple(slides), g, footer, fit_lines(subtitle, g.cover_subtitle, style.subtitle_size, measure))
    return laid, diagnostics


def _lay_out_slide(
    slide: Slide, entries: list[Entry], deck: Deck, g: Geometry, measure: Measure
) -> tuple[list[tuple[str, tuple[Block, ...]]], list[Diagnostic]]:
    """The (layout, blocks) of each slide one slide of the deck becomes: pages of its
    body, the first beside its pictures one each (`two`), then any pictures left, one
    per slide."""
    found: list[Diagnostic] = []
    pictures_ = list(slide.pictures)
    pages: tuple[Page, ...] = ()
    columns: TableColumns | None = None
    if any(e.kind is not BREAK for e in entries):
        two = bool(pictures_)
        pagination = paginate(
            entries,
            capacity=lambda i: g.left.h if two and i < len(pictures_) else g.body.h,
            width=lambda i: g.left.w if two and i < len(pictures_) else g.body.w,
            measure=measure,
        )
        pages, columns = pagination.pages, pagination.columns
        found += [
            warning(
                deck.source,
                slide.line,
                "slide-overflow",
                "a table row or formula is taller than a slide",
                "split the row or the formula",
            )
        ] * pagination.overflows

    def picture_block(index: int, frame: Box) -> PictureBlock:
        sized = size_picture(pictures_[index])
        if sized.problem is not None:
            found.append(warning(deck.source, slide.line, pictures.BAD, *sized.problem))
        return place_picture(sized.picture, sized.ratio, frame, measure)

    out: list[tuple[str, tuple[Block, ...]]] = []
    for i, page in enumerate(pages):
        two = i < len(pictures_)
        assert columns is not None  # set with the pages
        blocks = place_page(page.entries, page.shrink_pt, g.left if two else g.body, measure, columns)
        if two:
            blocks.append(picture_block(i, g.right))
        out.append(("two" if two else "content", tuple(blocks)))
    for i in range(len(pages), len(pictures_)):
        out.append(("picture", (picture_block(i, g.body),)))
    return out, found


def _render_formulas(bodies: list[list[Entry]], cache: Cache | None) -> dict[str, Rendered]:
    """Each display formula of the deck drawn once, for its size and fallback picture."""
    from notebook_publish.mathrender import render_png

    rendered: dict[str, Rendered] = {}
    for entries in bodies:
        for e in entries:
            if e.kind is FORMULA and e.formula is not None and e.formula.tex not in rendered:
                rendered[e.formula.tex] = render_png(e.formula.tex, True, dpi=FORMULA_DPI, cache=cache)
    return rendered
