"""Formulas drawn into a typeset part after WeasyPrint has laid it out.

WeasyPrint draws an SVG image by walking its XML and re-parsing every `<path>` on
every page it appears on: in a chapter with a few formulas a page, that was a quarter
of the time to typeset it. So a chapter's HTML for the PDF holds an empty box of the
formula's size in place of each formula (a *slot*, `span.np-math`, which takes part
in line layout and page breaks exactly as the picture did), and after layout:

1. `find_slots` reads where each slot landed from WeasyPrint's box tree;
2. `formula_ops` turns the formula's SVG into PDF path operators, once per formula
   (svgelements parses the SVG: shapes, transforms and colours are resolved there);
3. `formula_drawings` scales them into each slot's box, and `overdraw.draw_over`
   appends them to the page's content with pikepdf.

The result is the same vector outlines at the same places, with no text in the text
layer. Only SVGs made of shapes and paths become slots (`can_stamp`); anything else
stays an `<img>` for WeasyPrint to draw.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache

from notebook_publish.handbook.overdraw import number, srgb

SLOT_CLASS = "np-math"

# What ziamath draws with; any other element (text, gradients, images, clips) stays an <img>.
_STAMPABLE_TAGS = frozenset({"svg", "g", "path", "rect", "line", "polyline", "polygon", "circle", "ellipse"})
_TAG = re.compile(r"<\s*([A-Za-z][\w:.-]*)")


def can_stamp(svg: str) -> bool:
    return all(tag.split(":")[-1] in _STAMPABLE_TAGS for tag in _TAG.findall(svg))


def slot_html(key: str, style: str, label: str) -> str:
    """The empty box that stands for a formula in a chapter's HTML for the PDF."""
    return f'<span class="math-svg {SLOT_CLASS}" data-math="{key}" role="img" aria-label="{label}" style="display:inline-block;{style}"></span>'


@dataclass(frozen=True)
class Slot:
    page: int  # index of the page in the part
    key: str
    x: float  # border box in CSS px, from the page's top-left corner
    y: float
    width: float
    height: float
    colour: tuple[float, float, float] = (0.0, 0.0, 0.0)  # of the text around it, 0-1


def find_slots(document) -> list[Slot]:
    """Every formula slot of a laid-out WeasyPrint document, with its page and box."""
    from weasyprint.formatting_structure.boxes import InlineBlockBox

    slots = []
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = box.element
            if element is None or not isinstance(box, InlineBlockBox) or box.element_tag != "span":
                continue
            if SLOT_CLASS not in (element.get("class") or "").split():
                continue
            key = element.get("data-math") or ""
            slots.append(Slot(number, key, box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height(), srgb(box.style["color"])))
    return slots


def _colour(color) -> bytes | None:
    """`r g b` for a solid colour (svgelements Color), None for none or transparent, and
    b"" for black: the renderer's default ink, drawn in the colour of the text around
    the formula (a formula in a heading takes the heading's colour)."""
    if color is None or color.value is None or color.alpha == 0:
        return None
    if (color.red, color.green, color.blue) == (0, 0, 0):
        return b""
    return b" ".join(number(c / 255) for c in (color.red, color.green, color.blue))


@lru_cache(maxsize=2048)
def formula_ops(svg: str) -> tuple[bytes, float, float]:
    """PDF operators that draw the SVG in its own pixel space (y down, origin top-left),
    and the SVG's width and height in pixels."""
    from svgelements import SVG, Arc, Close, CubicBezier, Line, Move, Path, QuadraticBezier, Shape

    document = SVG.parse(io.StringIO(svg), reify=True)
    ops: list[bytes] = []
    for element in document.elements():
        if not isinstance(element, Shape):
            continue
        fill, stroke = _colour(element.fill), _colour(element.stroke)
        if fill is None and stroke is None:
            continue
        path: list[bytes] = []
        for segment in Path(element).segments():
            if isinstance(segment, Move):
                path.append(b"%s %s m" % (number(segment.end.x), number(segment.end.y)))
            elif isinstance(segment, Line):
                path.append(b"%s %s l" % (number(segment.end.x), number(segment.end.y)))
            elif isinstance(segment, Close):
                path.append(b"h")
            else:
                curves = segment.as_cubic_curves() if isinstance(segment, Arc) else [segment]
                for curve in curves:
                    if isinstance(curve, QuadraticBezier):  # the same curve as a cubic: control points 2/3 of the way to the quadratic's
                        c1 = curve.start + (curve.control - curve.start) * (2 / 3)
                        c2 = curve.end + (curve.control - curve.end) * (2 / 3)
                    elif isinstance(curve, CubicBezier):
                        c1, c2 = curve.control1, curve.control2
                    else:
                        raise ValueError(f"unexpected path segment {type(curve).__name__}")
                    path.append(b" ".join(number(v) for v in (c1.x, c1.y, c2.x, c2.y, curve.end.x, curve.end.y)) + b" c")
        if not path:
            continue
        even_odd = str(element.values.get("fill-rule", "nonzero")).strip() == "evenodd"
        if fill:
            ops.append(fill + b" rg")
        if stroke is not None:
            width = element.stroke_width if element.stroke_width is not None else 1.0
            ops.append((stroke + b" RG " if stroke else b"") + number(width) + b" w")
        ops.extend(path)
        if fill is not None and stroke is not None:
            ops.append(b"B*" if even_odd else b"B")
        elif fill is not None:
            ops.append(b"f*" if even_odd else b"f")
        else:
            ops.append(b"S")
    return b"\n".join(ops), float(document.width), float(document.height)


def formula_drawings(slots: list[Slot], svgs: dict[str, str]) -> dict[int, list[bytes]]:
    """Operators per page (for `overdraw.draw_over`) that draw each slot's formula in its box."""
    drawings: dict[int, list[bytes]] = {}
    for slot in slots:
        if slot.key not in svgs:
            continue
        ops, width, height = formula_ops(svgs[slot.key])
        if width <= 0 or height <= 0:
            continue
        # SVG pixels into the slot's box, both y down.
        matrix = (slot.width / width, 0, 0, slot.height / height, slot.x, slot.y)
        ink = b" ".join(number(c) for c in slot.colour)
        drawings.setdefault(slot.page, []).append(b"q %s rg %s RG " % (ink, ink) + b" ".join(number(v) for v in matrix) + b" cm\n" + ops + b"\nQ")
    return drawings
