"""Formulas drawn into a typeset part after WeasyPrint has laid it out.

WeasyPrint draws an SVG image by walking its XML and re-parsing every `<path>` on
every page it appears on: in a chapter with a few formulas a page, that was a quarter
of the time to typeset it. So a chapter's HTML for the PDF holds an empty box of the
formula's size in place of each formula (a *slot*, `span.np-math`, which takes part
in line layout and page breaks exactly as the picture did), and after layout:

1. `find_slots` reads where each slot landed from WeasyPrint's box tree;
2. `svg_ops.formula_ops` turns the formula's SVG into PDF path operators, once per formula
   (the plain form ziamath writes is read directly; any other SVG goes through
   svgelements, which resolves shapes, transforms and colours);
3. `formula_drawings` scales them into each slot's box, and `pages.draw_over`
   appends them to the page's content with pikepdf.

The result is the same vector outlines at the same places. Outlines are not text,
so `formula_texts` also gives each formula's plain form (the slot's `aria-label`, the
Unicode linear form `mathrender.tex_to_unicode` writes: `α`, `softmax(x)`, `L_ITM`),
which `pages.draw_over` writes invisibly over the formula (`text_layer`): search,
copy and `pdftotext` find it where the formula stands in its line. Only SVGs made of
shapes and paths become slots (`can_stamp`); anything else stays an `<img>` for
WeasyPrint to draw.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from notebook_publish.handbook.overdraw.ops import number, srgb
from notebook_publish.handbook.overdraw.svg_ops import formula_ops
from notebook_publish.handbook.overdraw.text_layer import Words

SLOT_CLASS = "np-math"

# What ziamath draws with; any other element (text, gradients, images, clips) stays an <img>.
_STAMPABLE_TAGS = frozenset({"svg", "g", "path", "rect", "line", "polyline", "polygon", "circle", "ellipse"})
_TAG = re.compile(r"<\s*([A-Za-z][\w:.-]*)")


def can_stamp(svg: str) -> bool:
    return all(tag.split(":")[-1] in _STAMPABLE_TAGS for tag in _TAG.findall(svg))


def slot_html(key: str, style: str, label: str, tex: str = "") -> str:
    """The empty box that stands for a formula in a chapter's HTML for the PDF. `label`
    (escaped for an attribute) is the formula's text: for assistive technology in the
    HTML, and the invisible text written over the formula in the PDF. `tex` (escaped)
    is its TeX source, the tagged PDF's alternate description of the formula."""
    return f'<span class="math-svg {SLOT_CLASS}" data-math="{key}" data-tex="{tex}" role="img" aria-label="{label}" style="display:inline-block;{style}"></span>'


@dataclass(frozen=True)
class Slot:
    page: int  # index of the page in the part
    key: str
    x: float  # border box in CSS px, from the page's top-left corner
    y: float
    width: float
    height: float
    colour: tuple[float, float, float] = (0.0, 0.0, 0.0)  # of the text around it, 0-1
    text: str = ""  # the formula as plain text
    baseline: float = 0.0  # y of the line's baseline the formula sits on, CSS px
    font_size: float = 0.0  # of the text around it, CSS px
    tex: str = ""  # the formula's TeX source


def find_slots(document: Any) -> list[Slot]:  # a WeasyPrint Document
    """Every formula slot of a laid-out WeasyPrint document, with its page and box."""
    from weasyprint.formatting_structure.boxes import InlineBlockBox

    slots = []
    for index, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = box.element
            if element is None or not isinstance(box, InlineBlockBox) or box.element_tag != "span":
                continue
            if SLOT_CLASS not in (element.get("class") or "").split():
                continue
            key = element.get("data-math") or ""
            x, y, width, height = box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height()
            slots.append(
                Slot(
                    index,
                    key,
                    x,
                    y,
                    width,
                    height,
                    srgb(box.style["color"]),
                    element.get("aria-label") or "",
                    _baseline(box),
                    box.style["font_size"],
                    element.get("data-tex") or "",
                )
            )
    return slots


def _baseline(box: Any) -> float:  # a WeasyPrint box
    """Where the baseline of the slot's line runs. An empty inline-block's own baseline
    is its bottom margin edge, and the slot's `vertical-align: -depth` sets that edge
    `depth` below the line's baseline (WeasyPrint computes the length in px)."""
    bottom: float = box.position_y + box.margin_height()
    shift: object = box.style["vertical_align"]
    return bottom + shift if isinstance(shift, (int, float)) else bottom


def slot_drawing(slot: Slot, svgs: dict[str, str]) -> bytes | None:
    """Operators that draw the slot's formula in its box (None: nothing to draw)."""
    if slot.key not in svgs:
        return None
    ops, width, height = formula_ops(svgs[slot.key])
    if width <= 0 or height <= 0:
        return None
    # SVG pixels into the slot's box, both y down.
    matrix = (slot.width / width, 0, 0, slot.height / height, slot.x, slot.y)
    ink = b" ".join(number(c) for c in slot.colour)
    return b"q %s rg %s RG " % (ink, ink) + b" ".join(number(v) for v in matrix) + b" cm\n" + ops + b"\nQ"


def slot_words(slot: Slot, svgs: dict[str, str]) -> Words | None:
    """The plain text of the slot's formula, over the slot's box, on the baseline and
    at the size of the text around it, so that an inline formula reads between the
    words beside it (None: no text to write)."""
    text = slot.text.strip()
    if text and slot.key in svgs and slot.width > 0 and slot.font_size > 0:
        return Words(slot.x, slot.baseline, slot.width, slot.font_size, text)
    return None


def formula_drawings(slots: list[Slot], svgs: dict[str, str]) -> dict[int, list[bytes]]:
    """Operators per page (for `pages.draw_over`) that draw each slot's formula in its box."""
    drawings: dict[int, list[bytes]] = {}
    for slot in slots:
        ops = slot_drawing(slot, svgs)
        if ops is not None:
            drawings.setdefault(slot.page, []).append(ops)
    return drawings


def formula_texts(slots: list[Slot], svgs: dict[str, str]) -> dict[int, list[Words]]:
    """The plain text of each drawn formula, per page (for `pages.draw_over`)."""
    texts: dict[int, list[Words]] = {}
    for slot in slots:
        words = slot_words(slot, svgs)
        if words is not None:
            texts.setdefault(slot.page, []).append(words)
    return texts
