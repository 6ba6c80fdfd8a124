"""Drawing appended to the pages of a typeset part after WeasyPrint has written it.

Formulas (`math_stamp`) and list bullets (`bullets`) are not drawn by WeasyPrint:
its layout leaves an empty box where each goes, and the worker draws them into the
finished PDF. Each producer gives PDF operators per page in WeasyPrint's own space,
CSS pixels from the page's top-left corner with y pointing down; `draw_over` maps
that space onto the page and appends the operators with pikepdf. What is drawn as
paths but should read as text (a formula) comes with invisible text for the same
place (`text_layer`), written after the drawing in the same space.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from notebook_publish.handbook.overdraw.ops import PX_TO_PT, number

if TYPE_CHECKING:
    import pikepdf

    from notebook_publish.handbook.overdraw.text_layer import Words


def merge(into: dict[int, list[bytes]], more: dict[int, list[bytes]]) -> dict[int, list[bytes]]:
    for page, ops in more.items():
        into.setdefault(page, []).extend(ops)
    return into


def draw_over(
    pdf: bytes, ops_by_page: dict[int, list[bytes]], text_by_page: dict[int, list[Words]] | None = None
) -> bytes:
    """The part's PDF with each page's operators drawn over its content, and each
    page's `text_layer.Words` written over it invisibly."""
    import pikepdf

    from notebook_publish.handbook.overdraw import text_layer

    texts = {index: runs for index, runs in (text_by_page or {}).items() if runs}
    pages = {number_: list(ops) for number_, ops in ops_by_page.items() if ops}
    if not pages and not texts:
        return pdf
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as doc:
        if texts:
            # One font for the part, with codes for just the characters it needs.
            codes = text_layer.codes_for([run for runs in texts.values() for run in runs])
            font = text_layer.make_font(doc, codes)
            for index, runs in texts.items():
                doc.pages[index].add_resource(font, pikepdf.Name.Font, pikepdf.Name(text_layer.RESOURCE))
                pages.setdefault(index, []).append(text_layer.text_ops(runs, codes))
        return append_and_save(doc, pages)


def append_and_save(doc: pikepdf.Pdf, pages: dict[int, list[bytes]]) -> bytes:
    """Each page's operators (WeasyPrint's page space) appended to it; the part saved."""
    import pikepdf

    for index, ops in sorted(pages.items()):
        page = doc.pages[index]
        left, top = float(page.mediabox[0]), float(page.mediabox[3])
        to_page = b" ".join(number(v) for v in (PX_TO_PT, 0, 0, -PX_TO_PT, left, top))
        # The page's own content is wrapped in q/Q so whatever state it leaves
        # (a transform, a clip, a colour) does not reach what is drawn over it.
        page.contents_add(doc.make_stream(b"q\n"), prepend=True)
        page.contents_add(doc.make_stream(b"\nQ\nq " + to_page + b" cm\n" + b"\n".join(ops) + b"\nQ\n"))
    out = io.BytesIO()
    # deterministic_id: the same part gives the same bytes (a reproducible build).
    doc.save(out, deterministic_id=True, compress_streams=True, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()
