"""The typeset parts merged into one PDF with pypdf.

- Pages are copied in book order: front matter, chapters, index.
- The folio layer's pages (the page numbers) are laid over the chapter pages as form
  XObjects, without parsing the chapters' content streams.
- Every `xref:<anchor>` link becomes a destination on the page and at the spot where
  the anchor was laid out; a link to an anchor that exists nowhere is dropped, as
  WeasyPrint drops it.
- The outline is rebuilt from the parts' bookmarks, and the metadata and the file
  identifier are set from the book, so the same parts always give the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from notebook_publish.handbook.parts import XREF, Part


@dataclass(frozen=True)
class PdfMeta:
    title: str
    author: str
    subject: str
    keywords: str
    language: str
    date: str  # PDF date, "D:20231114221320Z"
    producer: str


def assemble(front: Part, chapters: list[Part], index: Part | None, folio: Part | None, meta: PdfMeta) -> bytes:
    writer = PdfWriter()
    parts = [front, *chapters] + ([index] if index else [])
    anchors: dict[str, tuple[int, float, float]] = {}
    bookmarks = []
    first_page = []
    for part in parts:
        first = len(writer.pages)
        first_page.append(first)
        reader = PdfReader(BytesIO(part.pdf))
        for page in reader.pages:
            writer.add_page(page)
        for name, (page, x, y) in part.anchors.items():
            anchors.setdefault(name, (first + page, x, y))
        bookmarks.extend((level, label, first + page, x, y, is_open) for level, label, page, x, y, is_open in part.bookmarks)

    if folio is not None:
        body_start = front.page_count
        body_pages = sum(c.page_count for c in chapters)
        _overlay(writer, PdfReader(BytesIO(folio.pdf)), body_start, body_pages)

    _resolve_links(writer, anchors)
    _add_outline(writer, bookmarks)
    writer.add_metadata(
        {
            "/Title": meta.title,
            "/Author": meta.author,
            "/Subject": meta.subject,
            "/Keywords": meta.keywords,
            "/Creator": "notebook-publish",
            "/Producer": meta.producer,
            "/CreationDate": meta.date,
            "/ModDate": meta.date,
        }
    )
    writer._root_object[NameObject("/Lang")] = TextStringObject(meta.language)
    if bookmarks:
        writer._root_object[NameObject("/PageMode")] = NameObject("/UseOutlines")
    # The identifier is a hash of the content, so a reproducible build is byte-identical.
    digest = hashlib.sha256()
    for part in parts + ([folio] if folio else []):
        digest.update(hashlib.sha256(part.pdf).digest())
    digest.update(repr(meta).encode("utf-8"))
    ident = ByteStringObject(digest.digest()[:16])
    writer._ID = ArrayObject([ident, ident])
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _overlay(writer: PdfWriter, folio: PdfReader, start: int, count: int) -> None:
    """Draw folio page i over book page start + i, after the page's own content."""
    save = writer._add_object(_stream(b"q\n"))
    restore = writer._add_object(_stream(b"\nQ\n"))
    draw = writer._add_object(_stream(b"q /NpFolio Do Q\n"))
    for i in range(min(count, len(folio.pages))):
        layer = folio.pages[i]
        form = _stream(_content_bytes(layer))
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject(FloatObject(v) for v in layer.mediabox)
        form[NameObject("/Resources")] = layer["/Resources"].get_object().clone(writer)
        form_ref = writer._add_object(form)

        page = writer.pages[start + i]
        # Pages of one part may share a resources dictionary: give this page its own.
        resources = DictionaryObject(page["/Resources"].get_object())
        xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object())
        xobjects[NameObject("/NpFolio")] = form_ref
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources
        contents = page["/Contents"].get_object() if "/Contents" in page else ArrayObject()
        own = list(contents) if isinstance(contents, ArrayObject) else [page.raw_get("/Contents")]
        page[NameObject("/Contents")] = ArrayObject([save, *own, restore, draw])


def _content_bytes(page) -> bytes:
    contents = page["/Contents"].get_object()
    if isinstance(contents, ArrayObject):
        return b"\n".join(c.get_object().get_data() for c in contents)
    return contents.get_data()


def _stream(data: bytes) -> DecodedStreamObject:
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def _resolve_links(writer: PdfWriter, anchors: dict[str, tuple[int, float, float]]) -> None:
    refs = [page.indirect_reference for page in writer.pages]
    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        annots = annots.get_object()
        kept = ArrayObject()
        for ref in annots:
            annot = ref.get_object()
            action = annot.get("/A")
            uri = action.get_object().get("/URI") if action is not None else None
            if uri is None or not str(uri).startswith(XREF):
                kept.append(ref)
                continue
            target = anchors.get(str(uri)[len(XREF) :])
            if target is None:
                continue  # no such anchor anywhere in the book
            number, x, y = target
            del annot[NameObject("/A")]
            annot[NameObject("/Dest")] = ArrayObject([refs[number], NameObject("/XYZ"), FloatObject(x), FloatObject(y), NumberObject(0)])
            kept.append(ref)
        page[NameObject("/Annots")] = kept


def _add_outline(writer: PdfWriter, bookmarks: list) -> None:
    """Nest the bookmarks by level, as WeasyPrint does: each under the last shallower one."""
    from pypdf.generic import Fit

    stack: list[tuple[int, object]] = []  # (level, outline item)
    for level, label, page, x, y, is_open in bookmarks:
        while stack and stack[-1][0] >= level:
            stack.pop()
        parent = stack[-1][1] if stack else None
        item = writer.add_outline_item(title=label, page_number=page, parent=parent, fit=Fit.xyz(left=x, top=y, zoom=0), is_open=is_open)
        stack.append((level, item))

