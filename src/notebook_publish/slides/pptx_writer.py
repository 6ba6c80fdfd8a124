"""Draw a laid-out deck with python-pptx, and save it reproducibly.

Every box, size and line pitch comes from `layout.py`; this module only writes them,
explicitly, so that what the fit measure assumed is what a viewer gets: exact line
spacing, fixed insets, no autofit, and the font families the text was measured in.
Shapes come from python-pptx's API; the XML it has no API for comes from `ooxml.py`.

Display formulas are written the way PowerPoint itself writes them: an
`mc:AlternateContent` whose Choice is a text box holding the OMML equation (editable
in PowerPoint, and read by LibreOffice into its own formula objects) and whose Fallback
is the same box filled with a picture of the formula, which Google Slides and Keynote
show instead.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lxml.etree import _Element
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.text import CT_TextParagraph
from pptx.parts.slide import SlidePart
from pptx.presentation import Presentation
from pptx.shapes.autoshape import Shape
from pptx.slide import Slide
from pptx.util import Pt

from notebook_publish import fonts, pictures
from notebook_publish.glyphs import Coverage
from notebook_publish.slides import ooxml
from notebook_publish.slides.deck import SLIDE_LINK, Numbering, Run
from notebook_publish.slides.laid import (
    CALLOUT_BAR,
    CALLOUT_INSET_Y,
    CELL_MARGIN_X,
    CELL_MARGIN_Y,
    CODE_INSET_Y,
    EMU_PER_PT,
    INSET_X,
    INSET_Y,
    Box,
    CodeBlockOut,
    FormulaBlock,
    Geometry,
    LaidDeck,
    LaidParagraph,
    PictureBlock,
    TableBlock,
    TextBlock,
)
from notebook_publish.slides.slide_pictures import picture_bytes
from notebook_publish.slides.style import SlideStyle, callout_colour, tint
from notebook_publish.slides.template import emu, layout_named, placeholder

LAYOUT_OF = {
    "cover": "Title Slide",
    "content": "Title and Content",
    "two": "Two Content",
    "picture": "Title and Content",
    "section": "Section Header",
}
SLIDENUM_FIELD_ID = "{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}"  # any fixed GUID: output stays reproducible
PITCH_FAMILY = {
    "Source Code Pro": "49",
    "Source Serif 4": "18",
    "Source Sans 3": "34",
}  # fixed/modern, variable/roman, variable/swiss
# Emoji get runs of their own in the emoji font a viewer has: PowerPoint on Windows
# has Segoe UI Emoji (and PowerPoint for Mac uses Apple Color Emoji for it); other
# viewers fall back to theirs. It is named in the Latin, East Asian and complex-script
# slots, so it is the run's font whichever class a viewer puts the characters in. The
# decks are measured with Noto Emoji's widths (`text_metrics.TextMeasurer`).
EMOJI_TYPEFACE = "Segoe UI Emoji"
_ALIGN = {"l": PP_ALIGN.LEFT, "c": PP_ALIGN.CENTER, "r": PP_ALIGN.RIGHT}


@dataclass
class _OnSlide:
    """The slide being written, and the links to a slide of this deck found on it (run
    properties and the slide's title), made once every slide exists."""

    slide: Slide
    jumps: list[tuple[_Element, str]] = field(default_factory=list)  # (run properties, slide title)


class DeckWriter:
    def __init__(self, prs: Presentation, style: SlideStyle, custom_template: bool, coverage: Callable[[], Coverage]):
        self.prs = prs
        self.style = style
        self.custom = custom_template
        self.coverage = coverage  # a callable giving `glyphs.Coverage`, asked for when a run has emoji

    def _pieces(self, text: str, kind: str | None) -> list[tuple[str, bool]]:
        """The run's text, each emoji cluster a piece of its own (True)."""
        if kind is None or text.isascii():
            return [(text, False)]
        from notebook_publish.glyphs import emoji_runs

        return emoji_runs(text, self.coverage(), kind)

    # text ----------------------------------------------------------------------------

    def frame(self, shape: Shape, box: Box, anchor: MSO_ANCHOR = MSO_ANCHOR.TOP, inset_y: float = INSET_Y) -> None:
        shape.left, shape.top, shape.width, shape.height = emu(box.x), emu(box.y), emu(box.w), emu(box.h)
        tf = shape.text_frame
        tf.word_wrap = True
        tf.auto_size = MSO_AUTO_SIZE.NONE
        tf.margin_left = tf.margin_right = emu(INSET_X)
        tf.margin_top = tf.margin_bottom = emu(inset_y)
        tf.vertical_anchor = anchor

    def paragraph(
        self,
        p: CT_TextParagraph,
        *,
        level: int = 0,
        indent: float = 0.0,
        hanging: float = 0.0,
        marker: str | Numbering | None = None,
        line_height: float,
        space_before: float = 0.0,
        align: PP_ALIGN | None = None,
    ) -> None:
        ooxml.paragraph_properties(
            p,
            level=level,
            indent_emu=int(round(indent * EMU_PER_PT)),
            hanging_emu=int(round(hanging * EMU_PER_PT)),
            align=align,
            line_height=line_height,
            space_before=space_before,
            marker=marker,
        )

    def add_run(
        self,
        on: _OnSlide,
        p: CT_TextParagraph,
        run: Run,
        size: float,
        *,
        kind: str | None = None,
        colour: str | None = None,
        italic: bool = False,
        bold: bool | None = None,
    ) -> None:
        """Append `run` to paragraph `p` with every property explicit: a line break at
        each newline, and each emoji cluster in a run of its own."""
        if run.code:
            text_kind = self.style.code_font
        elif run.math:
            text_kind = None  # written out in Unicode in the math font, as it is
        else:
            text_kind = kind or self.style.body_font
        family = fonts.family_name(self.style.math_font if text_kind is None else text_kind)
        if run.link:
            colour = self.style.colour("link")
        elif run.code:
            colour = colour or self.style.colour("accent")
        highlight = self.style.colour("highlight") if run.highlight else None
        for i, text in enumerate(ooxml.xml_safe(run.text).split("\n")):
            if i:
                ooxml.add_line_break(p, size)
            if not text:
                continue
            for piece, emoji in self._pieces(text, text_kind):
                rPr = ooxml.add_run(
                    p,
                    piece,
                    size=size,
                    bold=run.bold if bold is None else bold,
                    italic=run.italic or italic or run.math,
                    strike=run.strike,
                    baseline=run.baseline,
                    colour=colour,
                    highlight=highlight,
                    # The pitch-and-family hint lets a viewer without the font pick a like
                    # one (a monospace font for code rather than its default sans).
                    typeface=EMOJI_TYPEFACE if emoji else family,
                    pitch_family=None if emoji else PITCH_FAMILY.get(family, "34"),
                    every_script=emoji,
                )
                if run.link and run.link.startswith(SLIDE_LINK):
                    on.jumps.append((rPr, run.link[len(SLIDE_LINK) :]))
                elif run.link:
                    # A web address, or another deck of the book (`02-topic.pptx`, next to this one).
                    ooxml.add_hyperlink(rPr, on.slide.part.relate_to(run.link, RT.HYPERLINK, is_external=True))

    def write_paragraphs(self, on: _OnSlide, shape: Shape, paragraphs: tuple[LaidParagraph, ...]) -> None:
        body = ooxml.text_body(shape)
        for i, lp in enumerate(paragraphs):
            p = body.p_lst[0] if i == 0 else body.add_p()
            self.paragraph(
                p,
                level=lp.level,
                indent=lp.indent,
                hanging=lp.hanging,
                marker=lp.marker,
                line_height=lp.line_height,
                space_before=lp.space_before,
                align=PP_ALIGN.LEFT,
            )
            colour = lp.colour or (
                self.style.colour("muted")
                if (lp.context or lp.quote)
                else (None if self.custom else self.style.colour("text"))
            )
            for run in lp.runs:
                self.add_run(on, p, run, lp.size, colour=colour, italic=lp.quote)
            ooxml.set_end_size(p, lp.size)

    def write_lines(
        self, on: _OnSlide, shape: Shape, lines: list[Run], size: float, *, align: PP_ALIGN | None, colour: str | None
    ) -> None:
        """Paragraphs of one run each, at `size`."""
        body = ooxml.text_body(shape)
        for i, run in enumerate(lines):
            p = body.p_lst[0] if i == 0 else body.add_p()
            self.paragraph(p, line_height=self.style.line_height(size), align=align)
            self.add_run(on, p, run, size, colour=colour)
            ooxml.set_end_size(p, size)

    def write_title(
        self,
        on: _OnSlide,
        shape: Shape,
        box: Box,
        text: str,
        size: float,
        *,
        align: PP_ALIGN | None = None,
        anchor: MSO_ANCHOR = MSO_ANCHOR.MIDDLE,
    ) -> None:
        self.frame(shape, box, anchor)
        body = ooxml.text_body(shape)
        for extra in body.p_lst[1:]:
            body.remove(extra)
        p = body.p_lst[0]
        for content in p.content_children:
            p.remove(content)
        self.paragraph(p, line_height=self.style.line_height(size), align=align)
        self.add_run(
            on,
            p,
            Run(text),
            size,
            kind=self.style.heading_font,
            bold=True,
            colour=None if self.custom else self.style.colour("title"),
        )
        ooxml.set_end_size(p, size)

    # slides --------------------------------------------------------------------------

    def write(self, laid: LaidDeck) -> None:
        g = laid.geometry
        jumps: list[tuple[_Element, SlidePart, str]] = []  # (run properties, slide part, title) of slide links
        for number, ls in enumerate(laid.slides, 1):
            slide = self.prs.slides.add_slide(layout_named(self.prs, LAYOUT_OF[ls.layout]))
            on = _OnSlide(slide)
            used: set[int] = set()
            title = slide.shapes.title
            if ls.layout == "cover":
                self.write_title(
                    on,
                    title,
                    g.cover_title,
                    ls.title,
                    ls.title_size,
                    align=None if self.custom else PP_ALIGN.CENTER,
                    anchor=MSO_ANCHOR.BOTTOM,
                )
                used.add(0)
                sub = placeholder(slide, 1)
                if sub is not None and ls.subtitle:
                    self.frame(sub, g.cover_subtitle)
                    self.write_lines(
                        on,
                        sub,
                        [Run(line) for line in ls.subtitle],
                        laid.subtitle_size,
                        align=None if self.custom else PP_ALIGN.CENTER,
                        colour=None if self.custom else self.style.colour("muted"),
                    )
                    used.add(1)
            elif ls.layout == "section":
                self.write_title(on, title, g.section_title, ls.title, ls.title_size, anchor=MSO_ANCHOR.MIDDLE)
                used.add(0)
            else:
                self.write_title(
                    on, title, g.title, ls.title, ls.title_size, align=None if self.custom else PP_ALIGN.LEFT
                )
                used.add(0)
                body = placeholder(slide, 1)
                for block in ls.blocks:
                    if isinstance(block, TextBlock) and block.callout:
                        self.write_callout(on, block)
                    elif isinstance(block, TextBlock):
                        if body is not None and 1 not in used:
                            shape = body
                            used.add(1)
                        else:
                            shape = slide.shapes.add_textbox(
                                emu(block.box.x), emu(block.box.y), emu(block.box.w), emu(block.box.h)
                            )
                        self.frame(shape, block.box)
                        self.write_paragraphs(on, shape, block.paragraphs)
                    elif isinstance(block, FormulaBlock):
                        self.write_formula(on, block)
                    elif isinstance(block, CodeBlockOut):
                        self.write_code(on, block)
                    elif isinstance(block, TableBlock):
                        self.write_table(on, block)
                    elif isinstance(block, PictureBlock):
                        self.write_picture(on, block)
            for ph in list(slide.placeholders):
                if ph.placeholder_format.idx not in used:
                    ph.element.getparent().remove(ph.element)
            if ls.layout != "cover":
                self.write_footer(on, g, laid.footer, number)
            if ls.notes:
                slide.notes_slide.notes_text_frame.text = ooxml.xml_safe(ls.notes)
            jumps += [(rPr, slide.part, target) for rPr, target in on.jumps]
        self.link_slides(laid, jumps)

    def link_slides(self, laid: LaidDeck, jumps: list[tuple[_Element, SlidePart, str]]) -> None:
        """Links to a slide of this deck, once every slide exists: a slide jump to the
        first slide with that title (or its first part, `Title (1/2)`); the cover for
        the topic itself."""
        slides = list(self.prs.slides)
        for rPr, part, title in jumps:
            index = 0
            if title:
                index = next(
                    (i for i, ls in enumerate(laid.slides) if ls.title == title or ls.title.startswith(title + " (")),
                    -1,
                )
            if index < 0 or index >= len(slides):
                continue
            ooxml.add_hyperlink(rPr, part.relate_to(slides[index].part, RT.SLIDE), slide_jump=True)

    def write_footer(self, on: _OnSlide, g: Geometry, footer: str, number: int) -> None:
        size = self.style.footer_size
        box = on.slide.shapes.add_textbox(emu(g.footer.x), emu(g.footer.y), emu(g.footer.w), emu(g.footer.h))
        box.name = "Footer"
        self.frame(box, g.footer, MSO_ANCHOR.MIDDLE)
        self.write_lines(on, box, [Run(footer)], size, align=PP_ALIGN.LEFT, colour=self.style.colour("muted"))
        num = on.slide.shapes.add_textbox(emu(g.number.x), emu(g.number.y), emu(g.number.w), emu(g.number.h))
        num.name = "Slide Number"
        self.frame(num, g.number, MSO_ANCHOR.MIDDLE)
        p = ooxml.text_body(num).p_lst[0]
        self.paragraph(p, line_height=self.style.line_height(size), align=PP_ALIGN.RIGHT)
        ooxml.add_slide_number(
            p,
            field_id=SLIDENUM_FIELD_ID,
            number=number,
            size=size,
            colour=self.style.colour("muted"),
            typeface=fonts.family_name(self.style.body_font),
        )
        ooxml.set_end_size(p, size)

    def write_formula(self, on: _OnSlide, block: FormulaBlock) -> None:
        box = block.box
        shapes = on.slide.shapes
        if block.png is None:
            from notebook_publish.math_unicode import tex_to_unicode

            shape = shapes.add_textbox(emu(box.x), emu(box.y), emu(box.w), emu(box.h))
            self.frame(shape, box)
            p = ooxml.text_body(shape).p_lst[0]
            self.paragraph(p, line_height=self.style.line_height(block.size), align=PP_ALIGN.CENTER)
            self.add_run(on, p, Run(tex_to_unicode(block.tex), math=True), block.size)
            ooxml.set_end_size(p, block.size)
            return
        _part, rid = on.slide.part.get_or_add_image_part(io.BytesIO(block.png))
        if block.omml is None:
            pic = shapes.add_picture(io.BytesIO(block.png), emu(box.x), emu(box.y), emu(box.w), emu(box.h))
            pic.name = "Formula"
            ooxml.set_description(pic.element, block.tex)
            return
        ooxml.add_equation(
            shapes.element,
            shape_id=shapes.element.max_shape_id + 1,
            x=emu(box.x),
            y=emu(box.y),
            cx=emu(box.w),
            cy=emu(box.h),
            tex=block.tex,
            omml=ooxml.omml_for_slides(block.omml, block.size, self.style.colour("text")),
            size=block.size,
            picture_rId=rid,
        )

    def _rectangle(self, on: _OnSlide, box: Box, name: str, fill: str) -> Shape:
        shape = on.slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, emu(box.x), emu(box.y), emu(box.w), emu(box.h))
        shape.name = name
        shape.shadow.inherit = False
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor.from_string(fill)  # type: ignore[no-untyped-call]  # unannotated in python-pptx
        return shape

    def write_callout(self, on: _OnSlide, block: TextBlock) -> None:
        """A callout: its text in a rectangle filled with a tint of its family's colour,
        and a bar of that colour along the left edge (a shape of its own, in the text's
        left inset, which the layout widened for it)."""
        box = block.box
        colour = callout_colour(self.style, block.callout or "")  # `write` sends only callouts here
        shape = self._rectangle(on, box, f"Callout {block.callout}", tint(colour))
        shape.line.fill.background()
        self.frame(shape, box, inset_y=CALLOUT_INSET_Y)
        self.write_paragraphs(on, shape, block.paragraphs)
        bar = self._rectangle(on, Box(box.x, box.y, CALLOUT_BAR, box.h), "Callout rule", colour)
        bar.line.fill.background()

    def write_code(self, on: _OnSlide, block: CodeBlockOut) -> None:
        box = block.box
        shape = self._rectangle(on, box, "Code", self.style.colour("code_background"))
        shape.line.color.rgb = RGBColor.from_string(self.style.colour("code_border"))  # type: ignore[no-untyped-call]
        shape.line.width = Pt(0.75)
        self.frame(shape, box, inset_y=CODE_INSET_Y)
        body = ooxml.text_body(shape)
        for i, tokens in enumerate(block.lines):
            p = body.p_lst[0] if i == 0 else body.add_p()
            self.paragraph(p, line_height=block.line_height, align=PP_ALIGN.LEFT)
            for text, colour, bold, italic in tokens:
                self.add_run(
                    on, p, Run(text, bold=bold, italic=italic), block.size, kind=self.style.code_font, colour=colour
                )
            ooxml.set_end_size(p, block.size)

    def write_table(self, on: _OnSlide, block: TableBlock) -> None:
        box = block.box
        rows, cols = len(block.rows), len(block.col_widths)
        frame = on.slide.shapes.add_table(rows, cols, emu(box.x), emu(box.y), emu(box.w), emu(sum(block.row_heights)))
        table = frame.table
        table.first_row = block.header_rows > 0
        table.horz_banding = True
        for i, w in enumerate(block.col_widths):
            table.columns[i].width = emu(w)
        tbl = table._tbl  # the frame's `a:tbl`, typed (`frame.element` is any shape's)
        for r, (cells, height) in enumerate(zip(block.rows, block.row_heights)):
            table.rows[r].height = emu(height)
            for c in range(cols):
                cell = table.cell(r, c)
                cell.margin_left = cell.margin_right = emu(CELL_MARGIN_X)
                cell.margin_top = cell.margin_bottom = emu(CELL_MARGIN_Y)
                cell.vertical_anchor = MSO_ANCHOR.TOP
                p = tbl.tc(r, c).get_or_add_txBody().p_lst[0]
                self.paragraph(
                    p,
                    line_height=block.line_height,
                    align=_ALIGN.get(block.aligns[c] if c < len(block.aligns) else "l"),
                )
                for run in cells[c] if c < len(cells) else ():
                    self.add_run(on, p, run, block.size, bold=True if r < block.header_rows else None)
                ooxml.set_end_size(p, block.size)

    def write_picture(self, on: _OnSlide, block: PictureBlock) -> None:
        box = block.box
        data = picture_bytes(block.picture.path) if block.picture.path is not None else None
        if data is not None:
            try:
                pic = on.slide.shapes.add_picture(io.BytesIO(data), emu(box.x), emu(box.y), emu(box.w), emu(box.h))
            except Exception:  # python-pptx could not read it after all: a placeholder, not a crash
                data = None
            else:
                ooxml.set_description(pic.element, block.picture.caption or Path(block.picture.target).name)
        if data is None:
            shape = self._rectangle(on, box, "Missing image", self.style.colour("placeholder"))
            shape.line.color.rgb = RGBColor.from_string(self.style.colour("muted"))  # type: ignore[no-untyped-call]
            shape.line.dash_style = 4  # MSO_LINE.DASH
            self.frame(shape, box, MSO_ANCHOR.MIDDLE)
            label = pictures.PLACEHOLDER_LABELS.get(block.picture.problem or "", "Missing image")
            size = block.caption_size
            body = ooxml.text_body(shape)
            for i, text in enumerate((label, Path(block.picture.target).name)):
                p = body.p_lst[0] if i == 0 else body.add_p()
                self.paragraph(p, line_height=self.style.line_height(size), align=PP_ALIGN.CENTER)
                self.add_run(on, p, Run(text, bold=i == 0, code=i == 1), size, colour=self.style.colour("muted"))
                ooxml.set_end_size(p, size)
        if block.caption_box is not None:
            cb = block.caption_box
            cap = on.slide.shapes.add_textbox(emu(cb.x), emu(cb.y), emu(cb.w), emu(cb.h))
            cap.name = "Caption"
            self.frame(cap, cb)
            self.write_lines(
                on,
                cap,
                [Run(block.picture.caption, italic=True)],
                block.caption_size,
                align=PP_ALIGN.CENTER,
                colour=self.style.colour("muted"),
            )
