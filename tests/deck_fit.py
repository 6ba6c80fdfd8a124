"""The slides' fit measure applied to a saved deck: does a shape's text fit its frame?

Reads each paragraph back as the layout measured it (sizes, fonts, margins, exact line
pitch from the XML) and asks `text_metrics.paragraphs_height` how tall it is, so a test
checks what a viewer gets against the same measure the layout used.
"""

from __future__ import annotations

from pptx.oxml.ns import qn

from notebook_publish import fonts
from notebook_publish.slides.laid import EMU_PER_PT
from notebook_publish.slides.text_metrics import Face, ParagraphSpec, Piece, TextMeasurer, paragraphs_height


def _face_of_family(family: str | None, bold: bool, italic: bool) -> Face:
    for kind in ("sans", "serif", "mono"):
        if family == fonts.family_name(kind):
            return Face(kind, bold, italic)
    return Face("sans", bold, italic)


def text_frame_paragraphs(shape) -> list[ParagraphSpec]:
    """The paragraphs of a python-pptx shape's text frame, as the fit measure sees them."""
    specs = []
    for p in shape.text_frame.paragraphs:
        pPr = p._p.find(qn("a:pPr"))
        indent = int(pPr.get("marL", "0")) / EMU_PER_PT if pPr is not None else 0.0
        line_height = 0.0
        space_before = 0.0
        if pPr is not None:
            pts = pPr.find(qn("a:lnSpc") + "/" + qn("a:spcPts"))
            if pts is not None:
                line_height = int(pts.get("val")) / 100
            bef = pPr.find(qn("a:spcBef") + "/" + qn("a:spcPts"))
            if bef is not None:
                space_before = int(bef.get("val")) / 100
        pieces = []
        size_max = 0.0
        for child in p._p:
            if child.tag == qn("a:r"):
                rPr = child.find(qn("a:rPr"))
                size = int(rPr.get("sz")) / 100 if rPr is not None and rPr.get("sz") else 18.0
                latin = rPr.find(qn("a:latin")) if rPr is not None else None
                face = _face_of_family(
                    latin.get("typeface") if latin is not None else None,
                    rPr is not None and rPr.get("b") == "1",
                    rPr is not None and rPr.get("i") == "1",
                )
                text = child.findtext(qn("a:t")) or ""
                pieces.append(Piece(text, face, size))
                size_max = max(size_max, size)
            elif child.tag == qn("a:br"):
                pieces.append(Piece("\n", Face("sans"), size_max or 18.0))
        if not line_height:
            line_height = 1.2 * (size_max or 18.0)  # no exact pitch written: assume single spacing
        specs.append(ParagraphSpec(tuple(pieces), indent, line_height, space_before))
    return specs


def text_frame_fits(shape, measurer: TextMeasurer) -> tuple[float, float]:
    """(height needed, height available) in points for a shape's text."""
    needed = paragraphs_height(text_frame_paragraphs(shape), shape.width / EMU_PER_PT, measurer)
    return needed, shape.height / EMU_PER_PT
