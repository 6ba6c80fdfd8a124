"""The typeset parts merged into one PDF with pikepdf (qpdf).

- Pages are copied in book order: front matter, chapters, index.
- The folio layer's pages (the page numbers) are laid over the chapter pages as form
  XObjects, without parsing the chapters' content streams.
- Every `xref:<anchor>` link becomes a destination on the page and at the spot where
  the anchor was laid out; a link to an anchor that exists nowhere is dropped, as
  WeasyPrint drops it.
- The text says `-` where the notes typed `-` (`_typed_hyphens`).
- Each face is embedded once (`shared_fonts.py`): every part subsets the fonts it
  uses, keeping the glyph ids, so the parts' subsets of a face become one program cut
  from the font file the parts were typeset with (`fonts`) to the union of their
  glyphs, named by a tag from its bytes, and the parts' font dictionaries of the face
  become one. On the 296-page bench book: 229 font programs (631 KB) down to 9 (32 KB).
- The page labels follow the printed folios: roman for the front matter, arabic
  from the first chapter.
- The outline is made from the contents' entries (`outline.bookmarks`), each at the
  spot where its anchor was laid out and nested by its level, however deep; the
  metadata is set from the book. The file identifier is a hash of the content, so the
  same parts always give the same bytes.

qpdf copies the pages and their resources in C++: on a 300-page book with tens of
thousands of objects the merge takes a fraction of what copying them object by object
in Python did.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, Pdf, String

from notebook_publish.handbook.shared_fonts import share_font_programs
from notebook_publish.handbook.structure_tree import FOLIO_ARTIFACT, declare, is_tagged, join_structure
from notebook_publish.handbook.typeset.parts import XREF, Part

Bookmark = tuple[int, str, str]  # (level, title, anchor): outline.bookmarks

# Bookmarks nest as the book nests down to this level; deeper ones stay in the tree at
# this level, under the last bookmark above it. Readers give up on deeper outlines:
# pypdf refuses one more than 100 levels deep, and pikepdf writes 15 unless told.
MAX_OUTLINE_LEVELS = 64


@dataclass(frozen=True)
class PdfMeta:
    title: str
    author: str
    subject: str
    keywords: str
    language: str
    date: str  # PDF date, "D:20231114221320Z"
    producer: str
    variant: str = "none"  # pdf.variant: the standard the book is written to (structure_tree.STANDARDS)


def assemble(
    front: Part,
    chapters: list[Part],
    index: Part | None,
    folio: list[Part],
    meta: PdfMeta,
    outline: list[Bookmark],
    fonts: Sequence[Path] = (),
) -> bytes:
    """`folio`: the folio layer's pieces, in order (their pages laid over the body's).
    `outline`: the bookmarks in book order. `fonts`: the font files the parts were
    typeset with, which the parts' subsets of each face are made one from."""
    with ExitStack() as open_files:  # the parts stay open until the book is written: its pages refer to them
        return _merge(open_files, front, chapters, index, folio, meta, list(outline), fonts)


def _merge(
    open_files: ExitStack,
    front: Part,
    chapters: list[Part],
    index: Part | None,
    folio: list[Part],
    meta: PdfMeta,
    outline: list[Bookmark],
    fonts: Sequence[Path],
) -> bytes:
    def opened(part: Part) -> Pdf:
        return open_files.enter_context(Pdf.open(BytesIO(part.pdf)))

    book = open_files.enter_context(Pdf.new())
    parts = [front, *chapters] + ([index] if index else [])
    anchors: dict[str, tuple[int, float, float]] = {}
    placed_parts: list[tuple[Pdf, int]] = []  # each part's PDF and its first page in the book
    for part in parts:
        first = len(book.pages)
        part_pdf = opened(part)
        placed_parts.append((part_pdf, first))
        book.pages.extend(part_pdf.pages)
        for name, (page, x, y) in part.anchors.items():
            anchors.setdefault(name, (first + page, x, y))

    body_start = front.page_count
    body_pages = sum(c.page_count for c in chapters)
    for piece in folio:
        _overlay(book, opened(piece), body_start, body_pages, tagged=is_tagged(meta.variant))
        body_start += piece.page_count
        body_pages -= piece.page_count

    _resolve_links(book, anchors)
    if is_tagged(meta.variant):
        join_structure(book, placed_parts)
    placed = _add_outline(book, outline, anchors)
    book.Root.PageLabels = _page_labels(book, front.page_count)
    _typed_hyphens(book)
    share_font_programs(book, fonts)
    book.docinfo = book.make_indirect(
        Dictionary(
            Title=String(meta.title),
            Author=String(meta.author),
            Subject=String(meta.subject),
            Keywords=String(meta.keywords),
            Creator=String("notebook-publish"),
            Producer=String(meta.producer),
            CreationDate=String(meta.date),
            ModDate=String(meta.date),
        )
    )
    book.Root.Lang = String(meta.language)
    if is_tagged(meta.variant):
        declare(book, meta.variant, meta.language)
    if placed:
        book.Root.PageMode = Name.UseOutlines
    out = BytesIO()
    # deterministic_id: the /ID is a hash of the file's content, so a reproducible
    # build is byte-identical. The parts' streams are already compressed: copy them as
    # they are instead of inflating and deflating them again.
    book.save(
        out,
        deterministic_id=True,
        compress_streams=True,
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        # PDF/UA-1 and the PDF/A-3 tags are defined on PDF 1.7 (ISO 32000-1).
        min_version="1.7" if is_tagged(meta.variant) else "",
    )
    return out.getvalue()


# A ToUnicode entry that gives one glyph the text U+2010 HYPHEN.
_TO_HYPHEN = re.compile(rb"(<[0-9A-Fa-f]+>\s*)<2010>")


def _typed_hyphens(book: Pdf) -> None:
    """Text that says `-` where the notes typed `-`. The text fonts draw the typed
    hyphen-minus with their hyphen glyph, and WeasyPrint's character maps name that
    glyph U+2010, so a search for "Q-Former" found none. The notes type U+002D (a
    U+2010 in a note is rare, and reads the same); the glyph's entry says so."""
    seen: set[tuple[int, int]] = set()
    for page in book.pages:
        resources: pikepdf.Object | dict[str, Any] = page.obj.get("/Resources", {})
        fonts = resources.get("/Font") or {}
        for font in fonts.values():
            cmap = font.get("/ToUnicode")
            if cmap is None or cmap.objgen in seen:
                continue
            seen.add(cmap.objgen)
            data = cmap.read_bytes()
            if b"<2010>" in data:
                cmap.write(_TO_HYPHEN.sub(rb"\1<002D>", data))


def _page_labels(book: Pdf, front_pages: int) -> Dictionary:
    """The page numbers a viewer shows, as the folios print them: the cover and the
    contents in lower-case roman (i, ii …), the chapters and the index from 1."""
    nums = Array([0, Dictionary(S=Name.r)])
    if front_pages < len(book.pages):
        nums.extend([front_pages, Dictionary(S=Name.D, St=1)])  # type: ignore[list-item]  # pikepdf takes Python numbers; its stub wants Objects
    return book.make_indirect(Dictionary(Nums=nums))


def _overlay(book: Pdf, folio: Pdf, start: int, count: int, tagged: bool = False) -> None:
    """Draw folio page i over book page start + i, after the page's own content (in a
    tagged book, as a pagination artifact).

    Not `Page.add_overlay`: that names the form XObject at random, and a reproducible
    build must give the same bytes."""
    for i in range(min(count, len(folio.pages))):
        form = book.copy_foreign(folio.pages[i].as_form_xobject())
        page = book.pages[start + i]
        # Pages of one part share a resources dictionary: give this page its own.
        resources = Dictionary(dict(page.obj.Resources.items()))
        xobjects = Dictionary(dict(resources.XObject.items())) if "/XObject" in resources else Dictionary()
        xobjects.NpFolio = form
        resources.XObject = xobjects
        page.obj.Resources = resources
        page.contents_add(book.make_stream(b"q\n"), prepend=True)
        begin, end = FOLIO_ARTIFACT if tagged else (b"", b"")
        page.contents_add(book.make_stream(b"\nQ\n" + begin + b"q /NpFolio Do Q" + end + b"\n"))


def _resolve_links(book: Pdf, anchors: dict[str, tuple[int, float, float]]) -> None:
    pages = list(book.pages)
    refs = [page.obj for page in pages]
    for page in pages:
        annots = page.obj.get("/Annots")
        if annots is None:
            continue
        kept = Array()
        for annot in annots:
            action = annot.get("/A")
            uri = action.get("/URI") if action is not None else None
            if uri is None or not str(uri).startswith(XREF):
                kept.append(annot)
                continue
            target = anchors.get(str(uri)[len(XREF) :])
            if target is None:
                continue  # no such anchor anywhere in the book
            number, x, y = target
            del annot["/A"]
            annot.Dest = Array([refs[number], Name.XYZ, x, y, 0])
            kept.append(annot)
        page.obj.Annots = kept


def _add_outline(book: Pdf, bookmarks: list[Bookmark], anchors: dict[str, tuple[int, float, float]]) -> int:
    """Nest the bookmarks by level, as WeasyPrint does: each under the last shallower
    one, down to MAX_OUTLINE_LEVELS. A bookmark whose anchor was laid out nowhere (a
    user theme's template that drops an id) is left out, as a link to it is. Returns
    how many were placed."""
    refs = [page.obj for page in book.pages]
    placed = 0
    with book.open_outline(max_depth=MAX_OUTLINE_LEVELS) as outline:
        stack: list[tuple[int, OutlineItem]] = []  # (level, outline item)
        for level, title, anchor in bookmarks:
            target = anchors.get(anchor)
            if target is None:
                continue
            page, x, y = target
            level = min(level, MAX_OUTLINE_LEVELS)
            while stack and stack[-1][0] >= level:
                stack.pop()
            item = OutlineItem(title, destination=Array([refs[page], Name.XYZ, x, y, 0]))
            (stack[-1][1].children if stack else outline.root).append(item)
            stack.append((level, item))
            placed += 1
    return placed
