"""Draw laid-out slides with python-pptx, and save them reproducibly.

Every box, size and line pitch comes from `layout.py`; this module only writes them,
explicitly, so that what the fit measure assumed is what a viewer gets: exact line
spacing, fixed insets, no autofit, and the font families the text was measured in.

Display formulas are written the way PowerPoint itself writes them: an
`mc:AlternateContent` whose Choice is a text box holding the OMML equation (editable
in PowerPoint, and read by LibreOffice into its own formula objects) and whose Fallback
is the same box filled with a picture of the formula, which Google Slides and Keynote
show instead.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml import oxml_parser
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from notebook_publish import fonts, pictures
from notebook_publish.config import Config
from notebook_publish.diagnostics import UsageError, error
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
from notebook_publish.slides.place import default_geometry
from notebook_publish.slides.slide_pictures import picture_bytes
from notebook_publish.slides.style import callout_colour, tint
from notebook_publish.slides.deck import SLIDE_LINK, Numbering, Run
from notebook_publish.slides.style import SlideStyle

REQUIRED_LAYOUTS = ("Title Slide", "Title and Content", "Two Content", "Section Header")
LAYOUT_OF = {"cover": "Title Slide", "content": "Title and Content", "two": "Two Content", "picture": "Title and Content", "section": "Section Header"}
ASPECTS = {"16:9": (960.0, 540.0), "4:3": (720.0, 540.0)}  # points
NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NS_A14 = "http://schemas.microsoft.com/office/drawing/2010/main"
NS_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
NS_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SLIDENUM_FIELD_ID = "{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}"  # any fixed GUID: output stays reproducible
PITCH_FAMILY = {"Source Code Pro": "49", "Source Serif 4": "18", "Source Sans 3": "34"}  # fixed/modern, variable/roman, variable/swiss
# Emoji get runs of their own in the emoji font a viewer has: PowerPoint on Windows
# has Segoe UI Emoji (and PowerPoint for Mac uses Apple Color Emoji for it); other
# viewers fall back to theirs. Naming it in the Latin, East Asian and complex-script
# slots makes it the run's font whichever class a viewer puts the characters in. The
# decks are measured with Noto Emoji's widths (`text_metrics.TextMeasurer`).
EMOJI_TYPEFACE = "Segoe UI Emoji"
_EMOJI_SLOTS = ("a:latin", "a:ea", "a:cs")


def emu(points: float) -> Emu:
    return Emu(int(round(points * EMU_PER_PT)))


# --- template -------------------------------------------------------------------------


def open_template(config: Config) -> Presentation:
    """The user's template (slides removed, layouts checked) or python-pptx's default."""
    template = config.slides.template
    if template is None:
        prs = Presentation()
        width, height = ASPECTS[config.slides.aspect]
        prs.slide_width, prs.slide_height = emu(width), emu(height)
        return prs
    if not template.is_file():
        raise UsageError(error(config.source, config.line_of("slides.template"), "slides-template", f"slide template not found: {template}", "set `slides.template` to a .pptx file"))
    try:
        prs = Presentation(str(template))
    except Exception as exc:  # python-pptx raises many kinds on a broken file
        raise UsageError(error(template, 1, "slides-template", f"cannot read slide template: {exc}", "save it again from PowerPoint as .pptx")) from None
    names = [layout.name for layout in prs.slide_layouts]
    missing = [name for name in REQUIRED_LAYOUTS if name not in names]
    if missing:
        raise UsageError(
            error(
                template,
                1,
                "slides-template",
                f"slide template has no layout named {', '.join(repr(m) for m in missing)}",
                f"its layouts are {', '.join(repr(n) for n in names)}; rename one in PowerPoint's Slide Master view",
            )
        )
    slide_ids = prs.slides._sldIdLst
    for slide_id in list(slide_ids):
        prs.part.drop_rel(slide_id.rId)
        slide_ids.remove(slide_id)
    return prs


def _layout(prs: Presentation, name: str):
    for layout in prs.slide_layouts:
        if layout.name == name:
            return layout
    raise KeyError(name)


def _placeholder_box(layout, idx: int | None = None, kinds: tuple[str, ...] = ()) -> Box | None:
    for ph in layout.placeholders:
        fmt = ph.placeholder_format
        if (idx is not None and fmt.idx == idx) or (kinds and str(fmt.type).split(".")[-1].split(" ")[0] in kinds):
            if ph.width and ph.height:
                return Box(ph.left / EMU_PER_PT, ph.top / EMU_PER_PT, ph.width / EMU_PER_PT, ph.height / EMU_PER_PT)
    return None


def template_geometry(prs: Presentation, style: SlideStyle, custom: bool) -> Geometry:
    """Boxes from the template's layouts; the built-in template is laid out from the theme."""
    width, height = prs.slide_width / EMU_PER_PT, prs.slide_height / EMU_PER_PT
    base = default_geometry(style, width, height)
    if not custom:
        return base
    content = _layout(prs, "Title and Content")
    two = _layout(prs, "Two Content")
    cover = _layout(prs, "Title Slide")
    section = _layout(prs, "Section Header")
    return Geometry(
        width,
        height,
        title=_placeholder_box(content, 0) or base.title,
        body=_placeholder_box(content, 1) or base.body,
        left=_placeholder_box(two, 1) or base.left,
        right=_placeholder_box(two, 2) or base.right,
        cover_title=_placeholder_box(cover, 0) or base.cover_title,
        cover_subtitle=_placeholder_box(cover, 1) or base.cover_subtitle,
        section_title=_placeholder_box(section, 0) or base.section_title,
        footer=_placeholder_box(content, kinds=("FOOTER",)) or base.footer,
        number=_placeholder_box(content, kinds=("SLIDE_NUMBER",)) or base.number,
    )


# --- writing --------------------------------------------------------------------------


class DeckWriter:
    def __init__(self, prs: Presentation, style: SlideStyle, custom_template: bool, coverage=None):
        self.prs = prs
        self.style = style
        self.custom = custom_template
        self._jumps: list = []  # (run properties, slide part, title) of links to a slide of this deck
        self._coverage = coverage  # a callable giving `glyphs.Coverage`, asked for when a run has emoji

    def coverage(self):
        if self._coverage is None:
            from notebook_publish import glyphs

            return glyphs.coverage(None)
        return self._coverage()

    def _pieces(self, text: str, kind: str | None) -> list[tuple[str, bool]]:
        """The run's text, each emoji cluster a piece of its own (True)."""
        if kind is None or text.isascii():
            return [(text, False)]
        from notebook_publish.glyphs import emoji_runs

        return emoji_runs(text, self.coverage(), kind)

    # text ----------------------------------------------------------------------------

    def family(self, kind: str) -> str:
        return fonts.family_name(kind)

    def frame(self, shape, box: Box, anchor=MSO_ANCHOR.TOP, inset_y: float = INSET_Y) -> None:
        shape.left, shape.top, shape.width, shape.height = emu(box.x), emu(box.y), emu(box.w), emu(box.h)
        tf = shape.text_frame
        tf.word_wrap = True
        tf.auto_size = MSO_AUTO_SIZE.NONE
        tf.margin_left = tf.margin_right = emu(INSET_X)
        tf.margin_top = tf.margin_bottom = emu(inset_y)
        tf.vertical_anchor = anchor

    def paragraph_format(self, p, *, level: int = 0, indent: float = 0.0, hanging: float = 0.0, marker=None,
                         line_height: float, space_before: float = 0.0, align=None) -> None:
        p.level = min(level, 8)
        pPr = p._p.get_or_add_pPr()
        pPr.set("marL", str(int(round(indent * EMU_PER_PT))))
        pPr.set("indent", str(-int(round(hanging * EMU_PER_PT))))
        if align is not None:
            p.alignment = align
        for tag in ("a:lnSpc", "a:spcBef", "a:spcAft", "a:buClrTx", "a:buSzTx", "a:buFontTx", "a:buNone", "a:buAutoNum", "a:buChar", "a:buFont"):
            for old in pPr.findall(qn(tag)):
                pPr.remove(old)
        # Children must follow the schema's order: lnSpc, spcBef, spcAft, bu*.
        ln = etree.SubElement(pPr, qn("a:lnSpc"))
        etree.SubElement(ln, qn("a:spcPts")).set("val", str(int(round(line_height * 100))))
        bef = etree.SubElement(pPr, qn("a:spcBef"))
        etree.SubElement(bef, qn("a:spcPts")).set("val", str(int(round(space_before * 100))))
        aft = etree.SubElement(pPr, qn("a:spcAft"))
        etree.SubElement(aft, qn("a:spcPts")).set("val", "0")
        if marker is None:
            etree.SubElement(pPr, qn("a:buNone"))
        elif isinstance(marker, Numbering):
            auto = etree.SubElement(pPr, qn("a:buAutoNum"))
            auto.set("type", marker.scheme)
            auto.set("startAt", str(marker.number))
        else:
            etree.SubElement(pPr, qn("a:buFont")).set("typeface", "Arial")
            etree.SubElement(pPr, qn("a:buChar")).set("char", marker)

    def add_run(self, p, run: Run, size: float, *, kind: str | None = None, colour: str | None = None, italic: bool = False, bold: bool | None = None) -> None:
        """Append `run` to paragraph `p` with every property explicit (lxml directly:
        python-pptx's proxies cost more than the rest of the deck together)."""
        if run.code:
            text_kind = self.style.code_font
        elif run.math:
            text_kind = None  # written out in Unicode in the math font, as it is
        else:
            text_kind = kind or self.style.body_font
        family = self.family(self.style.math_font if text_kind is None else text_kind)
        if run.link:
            colour = self.style.colour("link")
        elif run.code:
            colour = colour or self.style.colour("accent")
        end = p._p.find(_END)
        for i, text in enumerate(xml_safe(run.text).split("\n")):
            if i:
                br = oxml_parser.makeelement(_BR)
                etree.SubElement(br, _RPR).set("sz", str(int(round(size * 100))))
                _insert(p._p, br, end)
            if not text:
                continue
            for piece, emoji in self._pieces(text, text_kind):
                r = oxml_parser.makeelement(_R)
                rPr = etree.SubElement(r, _RPR)
                rPr.set("lang", "en-US")
                rPr.set("sz", str(int(round(size * 100))))
                rPr.set("b", "1" if (run.bold if bold is None else bold) else "0")
                rPr.set("i", "1" if (run.italic or italic or run.math) else "0")
                if run.strike:
                    rPr.set("strike", "sngStrike")
                if run.baseline:
                    rPr.set("baseline", "30000" if run.baseline > 0 else "-25000")
                if colour:
                    etree.SubElement(etree.SubElement(rPr, _SOLID), _SRGB).set("val", colour)
                if run.highlight:
                    etree.SubElement(etree.SubElement(rPr, _HIGHLIGHT), _SRGB).set("val", self.style.colour("highlight"))
                if emoji:
                    for slot in _EMOJI_SLOTS:
                        etree.SubElement(rPr, qn(slot)).set("typeface", EMOJI_TYPEFACE)
                else:
                    latin = etree.SubElement(rPr, _LATIN)
                    latin.set("typeface", family)
                    # The pitch-and-family hint lets a viewer without the font pick a like one
                    # (a monospace font for code rather than its default sans).
                    latin.set("pitchFamily", PITCH_FAMILY.get(family, "34"))
                etree.SubElement(r, _T).text = piece
                _insert(p._p, r, end)
                if run.link and run.link.startswith(SLIDE_LINK):
                    self._jumps.append((rPr, p.part, run.link[len(SLIDE_LINK) :]))
                elif run.link:
                    from pptx.text.text import _Run

                    # A web address, or another deck of the book (`02-topic.pptx`, next to this one).
                    _Run(r, p).hyperlink.address = run.link

    def end_size(self, p, size: float) -> None:
        end = p._p.get_or_add_endParaRPr()
        end.set("sz", str(int(round(size * 100))))

    def write_paragraphs(self, shape, paragraphs: list[LaidParagraph]) -> None:
        tf = shape.text_frame
        for i, lp in enumerate(paragraphs):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            self.paragraph_format(p, level=lp.level, indent=lp.indent, hanging=lp.hanging, marker=lp.marker,
                                  line_height=lp.line_height, space_before=lp.space_before, align=PP_ALIGN.LEFT)
            colour = lp.colour or (self.style.colour("muted") if (lp.context or lp.quote) else (None if self.custom else self.style.colour("text")))
            for run in lp.runs:
                self.add_run(p, run, lp.size, colour=colour, italic=lp.quote)
            self.end_size(p, lp.size)

    def write_title(self, shape, box: Box, text: str, size: float, *, align=None, anchor=MSO_ANCHOR.MIDDLE) -> None:
        self.frame(shape, box, anchor)
        tf = shape.text_frame
        p = tf.paragraphs[0]
        for extra in tf.paragraphs[1:]:
            extra._p.getparent().remove(extra._p)
        p.clear()
        self.paragraph_format(p, line_height=self.style.line_height(size), align=align)
        self.add_run(p, Run(text), size, kind=self.style.heading_font, bold=True, colour=None if self.custom else self.style.colour("title"))
        self.end_size(p, size)

    # slides --------------------------------------------------------------------------

    def write(self, laid: LaidDeck, notes_author: str = "") -> None:
        g = laid.geometry
        for number, ls in enumerate(laid.slides, 1):
            slide = self.prs.slides.add_slide(_layout(self.prs, LAYOUT_OF[ls.layout]))
            used: set[int] = set()
            title = slide.shapes.title
            if ls.layout == "cover":
                self.write_title(title, g.cover_title, ls.title, ls.title_size, align=None if self.custom else PP_ALIGN.CENTER, anchor=MSO_ANCHOR.BOTTOM)
                used.add(0)
                sub = _placeholder(slide, 1)
                if sub is not None and ls.subtitle:
                    self.frame(sub, g.cover_subtitle)
                    tf = sub.text_frame
                    for i, line in enumerate(ls.subtitle):
                        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
                        self.paragraph_format(p, line_height=self.style.line_height(laid.subtitle_size), align=None if self.custom else PP_ALIGN.CENTER)
                        self.add_run(p, Run(line), laid.subtitle_size, colour=None if self.custom else self.style.colour("muted"))
                        self.end_size(p, laid.subtitle_size)
                    used.add(1)
            elif ls.layout == "section":
                self.write_title(title, g.section_title, ls.title, ls.title_size, anchor=MSO_ANCHOR.MIDDLE)
                used.add(0)
            else:
                self.write_title(title, g.title, ls.title, ls.title_size, align=None if self.custom else PP_ALIGN.LEFT)
                used.add(0)
                body = _placeholder(slide, 1)
                for block in ls.blocks:
                    if isinstance(block, TextBlock) and block.callout:
                        self.write_callout(slide, block)
                    elif isinstance(block, TextBlock):
                        if body is not None and 1 not in used:
                            shape = body
                            used.add(1)
                        else:
                            shape = slide.shapes.add_textbox(emu(block.box.x), emu(block.box.y), emu(block.box.w), emu(block.box.h))
                        self.frame(shape, block.box)
                        self.write_paragraphs(shape, block.paragraphs)
                    elif isinstance(block, FormulaBlock):
                        self.write_formula(slide, block)
                    elif isinstance(block, CodeBlockOut):
                        self.write_code(slide, block)
                    elif isinstance(block, TableBlock):
                        self.write_table(slide, block)
                    elif isinstance(block, PictureBlock):
                        self.write_picture(slide, block)
            for ph in list(slide.placeholders):
                if ph.placeholder_format.idx not in used:
                    ph._element.getparent().remove(ph._element)
            if ls.layout != "cover":
                self.write_footer(slide, g, laid.footer, number)
            if ls.notes:
                slide.notes_slide.notes_text_frame.text = xml_safe(ls.notes)
        self.link_slides(laid)

    def link_slides(self, laid: LaidDeck) -> None:
        """Links to a slide of this deck, once every slide exists: a slide jump to the
        first slide with that title (or its first part, `Title (1/2)`); the cover for
        the topic itself."""
        from pptx.opc.constants import RELATIONSHIP_TYPE as RT

        slides = list(self.prs.slides)
        for rPr, part, title in self._jumps:
            index = 0
            if title:
                index = next((i for i, ls in enumerate(laid.slides) if ls.title == title or ls.title.startswith(title + " (")), -1)
            if index < 0 or index >= len(slides):
                continue
            click = etree.SubElement(rPr, qn("a:hlinkClick"))
            click.set(qn("r:id"), part.relate_to(slides[index].part, RT.SLIDE))
            click.set("action", "ppaction://hlinksldjump")
        self._jumps.clear()

    def write_footer(self, slide, g: Geometry, footer: str, number: int) -> None:
        size = self.style.footer_size
        box = slide.shapes.add_textbox(emu(g.footer.x), emu(g.footer.y), emu(g.footer.w), emu(g.footer.h))
        box.name = "Footer"
        self.frame(box, g.footer, MSO_ANCHOR.MIDDLE)
        p = box.text_frame.paragraphs[0]
        self.paragraph_format(p, line_height=self.style.line_height(size), align=PP_ALIGN.LEFT)
        self.add_run(p, Run(footer), size, colour=self.style.colour("muted"))
        self.end_size(p, size)
        num = slide.shapes.add_textbox(emu(g.number.x), emu(g.number.y), emu(g.number.w), emu(g.number.h))
        num.name = "Slide Number"
        self.frame(num, g.number, MSO_ANCHOR.MIDDLE)
        p = num.text_frame.paragraphs[0]
        self.paragraph_format(p, line_height=self.style.line_height(size), align=PP_ALIGN.RIGHT)
        fld = etree.SubElement(p._p, qn("a:fld"))
        fld.set("id", SLIDENUM_FIELD_ID)
        fld.set("type", "slidenum")
        rPr = etree.SubElement(fld, qn("a:rPr"))
        rPr.set("lang", "en-US")
        rPr.set("sz", str(int(size * 100)))
        fill = etree.SubElement(rPr, qn("a:solidFill"))
        etree.SubElement(fill, qn("a:srgbClr")).set("val", self.style.colour("muted"))
        etree.SubElement(rPr, qn("a:latin")).set("typeface", self.family(self.style.body_font))
        etree.SubElement(fld, qn("a:t")).text = str(number)
        end = p._p.find(qn("a:endParaRPr"))
        if end is not None:  # endParaRPr must stay last
            p._p.remove(end)
            p._p.append(end)
        self.end_size(p, size)

    def write_formula(self, slide, block: FormulaBlock) -> None:
        box = block.box
        if block.png is None:
            shape = slide.shapes.add_textbox(emu(box.x), emu(box.y), emu(box.w), emu(box.h))
            self.frame(shape, box)
            p = shape.text_frame.paragraphs[0]
            from notebook_publish.mathrender import tex_to_unicode

            self.paragraph_format(p, line_height=self.style.line_height(block.size), align=PP_ALIGN.CENTER)
            self.add_run(p, Run(tex_to_unicode(block.tex), math=True), block.size)
            self.end_size(p, block.size)
            return
        _part, rid = slide.part.get_or_add_image_part(io.BytesIO(block.png))
        if block.omml is None:
            pic = slide.shapes.add_picture(io.BytesIO(block.png), emu(box.x), emu(box.y), emu(box.w), emu(box.h))
            pic.name = "Formula"
            _set_descr(pic, block.tex)
            return
        shape_id = slide.shapes._next_shape_id
        xfrm = f'<a:xfrm><a:off x="{emu(box.x)}" y="{emu(box.y)}"/><a:ext cx="{emu(box.w)}" cy="{emu(box.h)}"/></a:xfrm>'
        nv = f'<p:nvSpPr><p:cNvPr id="{shape_id}" name="Equation {shape_id}" descr="{_attr(block.tex)}"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr>'
        body_pr = '<a:bodyPr wrap="none" lIns="0" tIns="0" rIns="0" bIns="0" anchor="ctr"><a:noAutofit/></a:bodyPr><a:lstStyle/>'
        size = int(round(block.size * 100))
        xml = (
            f'<mc:AlternateContent xmlns:mc="{NS_MC}" xmlns:p="{NS_P}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
            f'<mc:Choice xmlns:a14="{NS_A14}" Requires="a14"><p:sp>{nv}'
            f'<p:spPr>{xfrm}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/></p:spPr>'
            f'<p:txBody>{body_pr}<a:p><a:pPr algn="ctr"/><a14:m>{_omml_for_slides(block.omml, size, self.style.colour("text"))}</a14:m>'
            f'<a:endParaRPr lang="en-US" sz="{size}"/></a:p></p:txBody></p:sp></mc:Choice>'
            f'<mc:Fallback><p:sp>{nv}'
            f'<p:spPr>{xfrm}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
            f'<a:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></a:blipFill></p:spPr>'
            f'<p:txBody>{body_pr}<a:p><a:endParaRPr lang="en-US" sz="{size}"/></a:p></p:txBody></p:sp></mc:Fallback>'
            "</mc:AlternateContent>"
        )
        slide.shapes._spTree.append(etree.fromstring(xml))

    def write_callout(self, slide, block: TextBlock) -> None:
        """A callout: its text in a rectangle filled with a tint of its family's colour,
        and a bar of that colour along the left edge (a shape of its own, in the text's
        left inset, which the layout widened for it)."""
        box = block.box
        colour = callout_colour(self.style, block.callout)
        shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, emu(box.x), emu(box.y), emu(box.w), emu(box.h))
        shape.name = f"Callout {block.callout}"
        shape.shadow.inherit = False
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor.from_string(tint(colour))
        shape.line.fill.background()
        self.frame(shape, box, inset_y=CALLOUT_INSET_Y)
        self.write_paragraphs(shape, block.paragraphs)
        bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, emu(box.x), emu(box.y), emu(CALLOUT_BAR), emu(box.h))
        bar.name = "Callout rule"
        bar.shadow.inherit = False
        bar.fill.solid()
        bar.fill.fore_color.rgb = RGBColor.from_string(colour)
        bar.line.fill.background()

    def write_code(self, slide, block: CodeBlockOut) -> None:
        box = block.box
        shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, emu(box.x), emu(box.y), emu(box.w), emu(box.h))
        shape.name = "Code"
        shape.shadow.inherit = False
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor.from_string(self.style.colour("code_background"))
        shape.line.color.rgb = RGBColor.from_string(self.style.colour("code_border"))
        shape.line.width = Pt(0.75)
        self.frame(shape, box, inset_y=CODE_INSET_Y)
        tf = shape.text_frame
        for i, tokens in enumerate(block.lines):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            self.paragraph_format(p, line_height=block.line_height, align=PP_ALIGN.LEFT)
            for text, colour, bold, italic in tokens:
                self.add_run(p, Run(text, bold=bold, italic=italic), block.size, kind=self.style.code_font, colour=colour)
            self.end_size(p, block.size)

    def write_table(self, slide, block: TableBlock) -> None:
        box = block.box
        rows, cols = len(block.rows), len(block.col_widths)
        frame = slide.shapes.add_table(rows, cols, emu(box.x), emu(box.y), emu(box.w), emu(sum(block.row_heights)))
        table = frame.table
        table.first_row = block.header_rows > 0
        table.horz_banding = True
        for i, w in enumerate(block.col_widths):
            table.columns[i].width = emu(w)
        align = {"l": PP_ALIGN.LEFT, "c": PP_ALIGN.CENTER, "r": PP_ALIGN.RIGHT}
        for r, (cells, height) in enumerate(zip(block.rows, block.row_heights)):
            table.rows[r].height = emu(height)
            for c in range(cols):
                cell = table.cell(r, c)
                cell.margin_left = cell.margin_right = emu(CELL_MARGIN_X)
                cell.margin_top = cell.margin_bottom = emu(CELL_MARGIN_Y)
                cell.vertical_anchor = MSO_ANCHOR.TOP
                p = cell.text_frame.paragraphs[0]
                self.paragraph_format(p, line_height=block.line_height, align=align.get(block.aligns[c] if c < len(block.aligns) else "l"))
                for run in cells[c] if c < len(cells) else ():
                    self.add_run(p, run, block.size, bold=True if r < block.header_rows else None)
                self.end_size(p, block.size)

    def write_picture(self, slide, block: PictureBlock) -> None:
        box = block.box
        data = picture_bytes(block.picture.path) if block.picture.path is not None else None
        if data is not None:
            try:
                pic = slide.shapes.add_picture(io.BytesIO(data), emu(box.x), emu(box.y), emu(box.w), emu(box.h))
            except Exception:  # python-pptx could not read it after all: a placeholder, not a crash
                data = None
            else:
                _set_descr(pic, block.picture.caption or Path(block.picture.target).name)
        if data is None:
            shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, emu(box.x), emu(box.y), emu(box.w), emu(box.h))
            shape.name = "Missing image"
            shape.shadow.inherit = False
            shape.fill.solid()
            shape.fill.fore_color.rgb = RGBColor.from_string(self.style.colour("placeholder"))
            shape.line.color.rgb = RGBColor.from_string(self.style.colour("muted"))
            shape.line.dash_style = 4  # MSO_LINE.DASH
            self.frame(shape, box, MSO_ANCHOR.MIDDLE)
            size = block.caption_size
            label = pictures.PLACEHOLDER_LABELS.get(block.picture.problem, "Missing image")
            for i, text in enumerate((label, Path(block.picture.target).name)):
                p = shape.text_frame.paragraphs[0] if i == 0 else shape.text_frame.add_paragraph()
                self.paragraph_format(p, line_height=self.style.line_height(size), align=PP_ALIGN.CENTER)
                self.add_run(p, Run(text, bold=i == 0, code=i == 1), size, colour=self.style.colour("muted"))
                self.end_size(p, size)
        if block.caption_box is not None:
            cb = block.caption_box
            cap = slide.shapes.add_textbox(emu(cb.x), emu(cb.y), emu(cb.w), emu(cb.h))
            cap.name = "Caption"
            self.frame(cap, cb)
            p = cap.text_frame.paragraphs[0]
            self.paragraph_format(p, line_height=self.style.line_height(block.caption_size), align=PP_ALIGN.CENTER)
            self.add_run(p, Run(block.picture.caption, italic=True), block.caption_size, colour=self.style.colour("muted"))
            self.end_size(p, block.caption_size)


_END, _BR, _R, _RPR, _T = qn("a:endParaRPr"), qn("a:br"), qn("a:r"), qn("a:rPr"), qn("a:t")
_SOLID, _SRGB, _LATIN = qn("a:solidFill"), qn("a:srgbClr"), qn("a:latin")
_HIGHLIGHT = qn("a:highlight")


# What XML 1.0 cannot hold: C0 controls but tab, newline and return, lone surrogates,
# U+FFFE and U+FFFF. The normaliser removes them from the notes (with a warning); this
# keeps any other way in (the config's title, a template's text) from failing the deck.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters lxml refuses; form feed and vertical tab, which
    separate words, become spaces."""
    if not _NOT_XML.search(text):
        return text
    return _NOT_XML.sub(lambda m: " " if m.group(0) in "\x0b\x0c" else "", text)


def _insert(paragraph, element, end) -> None:
    if end is not None:
        end.addprevious(element)
    else:
        paragraph.append(element)


def _placeholder(slide, idx: int):
    for ph in slide.placeholders:
        if ph.placeholder_format.idx == idx:
            return ph
    return None


def _attr(text: str) -> str:
    return xml_safe(text).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def _set_descr(shape, text: str) -> None:
    shape._element.xpath("./*[1]/p:cNvPr")[0].set("descr", xml_safe(text))


def _omml_for_slides(omml: str, size: int, colour: str) -> str:
    """pandoc's OMML (made for Word, repaired by `omml_fix`) with the run properties
    PowerPoint expects: an `a:rPr` after each run's `m:rPr`, where Word has `w:rPr`."""
    root = etree.fromstring(omml.encode("utf-8"))
    for run in root.iter(f"{{{NS_M}}}r"):
        bold, italic = _run_look(run)
        for w in run.findall(f"{{{NS_W}}}rPr"):
            run.remove(w)
        rpr = etree.Element(f"{{{NS_A}}}rPr", nsmap={"a": NS_A})
        rpr.set("lang", "en-US")
        rpr.set("sz", str(size))
        if bold:
            rpr.set("b", "1")
        rpr.set("i", "1" if italic else "0")
        fill = etree.SubElement(rpr, f"{{{NS_A}}}solidFill")
        etree.SubElement(fill, f"{{{NS_A}}}srgbClr").set("val", colour)
        latin = etree.SubElement(rpr, f"{{{NS_A}}}latin")
        latin.set("typeface", "Cambria Math")
        m_rpr = run.find(f"{{{NS_M}}}rPr")
        if m_rpr is not None:
            m_rpr.addnext(rpr)
        else:
            run.insert(0, rpr)
    for w in root.xpath("//*[namespace-uri()=$ns]", ns=NS_W):
        w.getparent().remove(w)
    for t in root.iter(f"{{{NS_M}}}t"):
        # LibreOffice reads OMML text as StarMath, where "|" means "or" (∨); U+2223
        # looks the same in every viewer and is the proper relation anyway.
        if t.text and "|" in t.text:
            t.text = t.text.replace("|", "\u2223")
    for jc in root.iter(f"{{{NS_M}}}jc"):
        jc.set(f"{{{NS_M}}}val", "centerGroup")
    etree.cleanup_namespaces(root)
    return etree.tostring(root, encoding="unicode")


def _run_look(run) -> tuple[bool, bool]:
    """(bold, italic) of a math run: math text from its `m:sty` (none is italic, as for a
    variable), normal text (`m:nor`) from the `w:rPr` that `omml_fix` gave it."""
    if run.find(f"{{{NS_M}}}rPr/{{{NS_M}}}nor") is not None:
        return (run.find(f"{{{NS_W}}}rPr/{{{NS_W}}}b") is not None, run.find(f"{{{NS_W}}}rPr/{{{NS_W}}}i") is not None)
    sty = run.find(f"{{{NS_M}}}rPr/{{{NS_M}}}sty")
    look = "i" if sty is None else sty.get(f"{{{NS_M}}}val", "i")
    return "b" in look, "i" in look


# --- saving ---------------------------------------------------------------------------


def set_core_properties(prs: Presentation, title: str, subject: str, author: str, when: datetime) -> None:
    props = prs.core_properties
    stamp = when.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
    props.title = xml_safe(title)
    props.subject = xml_safe(subject)
    props.author = xml_safe(author) or "notebook-publish"
    props.last_modified_by = "notebook-publish"
    props.revision = 1
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    props.keywords = ""
    props.comments = ""


def reproducible_zip(data: bytes, when: datetime) -> bytes:
    """The same package with every entry's date set to `when` and fixed attributes."""
    stamp = when.astimezone(timezone.utc)
    date_time = (max(1980, stamp.year), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second - stamp.second % 2)
    if stamp.year < 1980:
        date_time = (1980, 1, 1, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, src.read(item.filename), compresslevel=6)
    return out.getvalue()


def save_deck(prs: Presentation, when: datetime) -> bytes:
    raw = io.BytesIO()
    prs.save(raw)
    return reproducible_zip(raw.getvalue(), when)
