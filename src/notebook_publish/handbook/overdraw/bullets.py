"""List bullets drawn into a typeset part after layout.

A bullet is an empty `span.bullet` at the start of the item's first line, hanging in
the item's left padding (`html/blocks.py` puts it there). WeasyPrint would paint a
background picture on it as a pattern of its own, one PDF object per bullet: on a
page of bullets that was an eighth of the time to typeset it. Instead the span is
left empty, and `bullet_drawings` reads from the laid-out boxes where each landed and
draws a small disc, ring or square there as a few path operators.

The theme keeps the say: the span's `list-style-type` (`disc`, `circle`, `square`,
or `none` for no bullet) picks the shape, its `color` the ink and its `font-size`
the size. The geometry is that of the picture it replaces: a square of 0.7em whose
left edge is 1.2mm into the span and whose top is 55% of the way down the free
height, holding a disc of radius 0.154em, a ring of radius 0.133em and line 0.056em,
or a square of side 0.28em.
"""

from __future__ import annotations

from typing import Any

from notebook_publish.handbook.overdraw.ops import number, srgb

BULLET_CLASS = "bullet"
_MM = 96 / 25.4  # CSS px per millimetre
_KAPPA = 0.5523  # control-point distance of a quarter circle drawn as a cubic Bézier, per radius


def _circle(cx: float, cy: float, r: float) -> bytes:
    k = _KAPPA * r
    points = [
        (cx + r, cy),
        (cx + r, cy + k, cx + k, cy + r, cx, cy + r),
        (cx - k, cy + r, cx - r, cy + k, cx - r, cy),
        (cx - r, cy - k, cx - k, cy - r, cx, cy - r),
        (cx + k, cy - r, cx + r, cy - k, cx + r, cy),
    ]
    first, *curves = points
    ops = [b"%s %s m" % (number(first[0]), number(first[1]))]
    ops += [b" ".join(number(v) for v in curve) + b" c" for curve in curves]
    return b" ".join(ops) + b" h"


def bullet_ops(
    shape: str, x: float, y: float, height: float, font_size: float, colour: tuple[float, float, float]
) -> bytes | None:
    """Operators for one bullet in a span whose padding box starts at (x, y) and is
    `height` tall (CSS px, y down); None for a shape that is not drawn."""
    size = 0.7 * font_size
    left = x + 1.2 * _MM
    top = y + 0.55 * (height - size)
    cx, cy = left + size / 2, top + size / 2
    ink = b" ".join(number(c) for c in colour)
    if shape == "disc":
        return ink + b" rg " + _circle(cx, cy, 0.22 * size) + b" f"
    if shape == "circle":
        return ink + b" RG " + number(0.08 * size) + b" w " + _circle(cx, cy, 0.19 * size) + b" S"
    if shape == "square":
        side = 0.4 * size
        return ink + b" rg " + b" ".join(number(v) for v in (cx - side / 2, cy - side / 2, side, side)) + b" re f"
    return None


def bullet_drawings(document: Any) -> dict[int, list[bytes]]:  # a WeasyPrint Document
    """Operators per page (for `pages.draw_over`) for every bullet span of a laid-out
    WeasyPrint document."""
    from weasyprint.formatting_structure.boxes import InlineBox

    drawings: dict[int, list[bytes]] = {}
    for index, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            if type(box) is not InlineBox or box.element_tag != "span" or box.element is None:
                continue
            if BULLET_CLASS not in (box.element.get("class") or "").split():
                continue
            style = box.style
            ops = bullet_ops(
                str(style["list_style_type"]),
                box.padding_box_x(),
                box.padding_box_y(),
                box.padding_height(),
                style["font_size"],
                srgb(style["color"]),
            )
            if ops is not None:
                drawings.setdefault(index, []).append(ops)
    return drawings
