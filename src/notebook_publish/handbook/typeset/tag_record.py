"""What the tagged PDF's structure elements stand for, noted while WeasyPrint writes them.

With `pdf_tags`, WeasyPrint builds one structure element per box (`weasyprint.pdf.
tags._build_box_tree`) but keeps no link from an element back to the HTML element it
came from, and the part needs three such links after the PDF is written:

- a formula's slot (`span.np-math`), an empty box during layout, whose element is
  turned into a `Formula` when the outlines are drawn in (`overdraw/tagged_pages.py`);
- the contents' `nav.toc` and the index's `section.book-index`, retagged `TOC` and
  `Index`;
- the marked content of the margin boxes (the running heads): WeasyPrint maps it to
  elements it leaves out of the tree, and a running head is a pagination artifact.

`recording()` wraps that one function for the time of a `write_pdf` and notes, by
object number (pydyf numbers objects as it adds them, and the written file keeps the
numbers), which element each of those boxes became. The wrapper calls the original
with the same arguments and yields the same elements, so the tree is WeasyPrint's own.
A WeasyPrint without that function (another version) still writes a tagged part; the
record is then empty and the formulas are attached where `tagged_pages` says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from notebook_publish.handbook.overdraw.math_stamp import SLOT_CLASS

# Classes of the HTML elements whose structure elements are retagged, and their new type.
RETAGGED = {"toc": "TOC", "book-index": "Index"}


@dataclass
class TagRecord:
    """Object numbers of the structure elements WeasyPrint wrote for the boxes that matter."""

    # (page index, slot key, element's object number) for every formula slot, in tree order
    slots: list[tuple[int, str, int]] = field(default_factory=list)
    # (class from RETAGGED, element's object number)
    retag: list[tuple[str, int]] = field(default_factory=list)
    # page index -> MCIDs of the margin boxes' marked content on that page
    margins: dict[int, list[int]] = field(default_factory=dict)


def _classes(box: Any) -> list[str]:
    element = getattr(box, "element", None)
    if element is None or not hasattr(element, "get"):
        return []
    return str(element.get("class") or "").split()


@contextmanager
def recording() -> Iterator[TagRecord]:
    """Note, while a document is written with tags, the elements of `TagRecord`."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags as weasy_tags

    record = TagRecord()
    original: Callable[..., Iterator[Any]] | None = getattr(weasy_tags, "_build_box_tree", None)
    if original is None:
        yield record
        return
    build = original

    def noting(
        box: Any, parent: Any, pdf: Any, page_number: int, nums: Any, annotations: Any, tags: dict[Any, Any]
    ) -> Iterator[Any]:
        if isinstance(box, boxes.MarginBox):
            before = {id(key): value["mcid"] for key, value in tags.items()}
            elements = list(build(box, parent, pdf, page_number, nums, annotations, tags))
            left = {id(key) for key in tags}
            taken = sorted(mcid for key, mcid in before.items() if key not in left)
            record.margins.setdefault(page_number, []).extend(taken)
            yield from elements
            return
        elements = list(build(box, parent, pdf, page_number, nums, annotations, tags))
        classes = _classes(box)
        if classes and len(elements) == 1:
            number = int(elements[0].number)
            if SLOT_CLASS in classes and box.element_tag == "span":
                record.slots.append((page_number, str(box.element.get("data-math") or ""), number))
            for name in classes:
                if name in RETAGGED:
                    record.retag.append((name, number))
        yield from elements

    weasy_tags._build_box_tree = noting
    try:
        yield record
    finally:
        weasy_tags._build_box_tree = original
