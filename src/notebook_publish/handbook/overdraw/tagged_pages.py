"""Drawing over a tagged part: what `pages.draw_over` does, with every mark accounted for.

A tagged PDF must say of every piece of page content what it is: a structure element
(through a marked-content id, MCID, that the parent tree maps to the element) or an
artifact (decoration, page furniture). WeasyPrint tags what it draws; what the worker
draws after layout is tagged here:

- bullets are decoration (the list structure already says "list item"): `/Artifact`;
- a formula's outlines and its invisible text are one marked-content sequence of a
  new MCID on its page, the content of a `Formula` element with `/Alt` (the TeX
  source) and `/ActualText` (the Unicode linear form a reader hears). The element is
  the one WeasyPrint made for the formula's slot (`typeset/tag_record.py` noted its
  object number), so the formula sits in the tree exactly where it stands in the
  text: inside its paragraph, list item or table cell, between the words around it.
  Retagging that element rather than hanging a new one under the nearest block keeps
  the reading order. A slot without a noted element (another WeasyPrint) gets a new
  `Formula` at the end of the page's part of the document: still reachable, out of
  place;
- the margin boxes (running heads) are page furniture: WeasyPrint gives their text
  MCIDs but leaves the elements out of the tree, so their `BDC` becomes
  `/Artifact <</Type /Pagination>>` and their parent-tree entries are emptied;
- the contents' list becomes `TOC`/`TOCI` (each entry's body a `Reference`), the
  index's section `Index`.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from notebook_publish.handbook.overdraw import text_layer
from notebook_publish.handbook.overdraw.pages import append_and_save
from notebook_publish.handbook.overdraw.text_layer import Words

# How WeasyPrint (pydyf) opens a marked-content sequence with an MCID.
_MARKED = re.compile(rb"/([A-Za-z0-9]+)\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")
PAGINATION = b"/Artifact <</Type /Pagination>> BDC"

# Retagging of the contents' structure: WeasyPrint's list types to the TOC's.
_TOC_TYPES = {"/L": "/TOC", "/LI": "/TOCI", "/LBody": "/Reference"}


@dataclass(frozen=True)
class TaggedFormula:
    page: int  # index of the page in the part
    element: int  # object number of the slot's structure element; 0 when none was noted
    ops: bytes  # the outlines (pages' CSS px space)
    words: Words | None  # the invisible text over them
    tex: str  # the TeX source: /Alt
    text: str  # the Unicode linear form: /ActualText


def draw_over_tagged(
    pdf: bytes,
    bullets: dict[int, list[bytes]],
    formulas: list[TaggedFormula],
    margins: dict[int, list[int]],
    retag: list[tuple[str, int]],
) -> bytes:
    """The tagged part with bullets and formulas drawn in and tagged, the margin boxes
    made artifacts and the contents and index retagged (see the module docstring)."""
    import pikepdf

    with pikepdf.Pdf.open(io.BytesIO(pdf)) as doc:
        if "/StructTreeRoot" not in doc.Root:
            raise ValueError("the part was written without a structure tree")
        tree = doc.Root.StructTreeRoot
        parents = _page_arrays(tree)
        for index, mcids in sorted(margins.items()):
            _make_pagination(doc, index, set(mcids), parents)
        for kind, objnum in retag:
            _retag(doc.get_object(objnum, 0), kind)
        words = [f.words for f in formulas if f.words is not None]
        codes = text_layer.codes_for(words) if words else {}
        font = text_layer.make_font(doc, codes) if words else None
        pages: dict[int, list[bytes]] = {}
        for index, ops in bullets.items():
            if ops:
                pages.setdefault(index, []).append(b"/Artifact BMC\n" + b"\n".join(ops) + b"\nEMC")
        for formula in formulas:
            page = doc.pages[formula.page]
            if formula.words is not None and font is not None:
                page.add_resource(font, pikepdf.Name.Font, pikepdf.Name(text_layer.RESOURCE))
            body = formula.ops + (b"\n" + text_layer.text_ops([formula.words], codes) if formula.words else b"")
            mcid = _formula_element(doc, tree, parents, formula)
            pages.setdefault(formula.page, []).append(b"/Formula <</MCID %d>> BDC\n%s\nEMC" % (mcid, body))
        return append_and_save(doc, pages)


def _page_arrays(tree: Any) -> dict[int, Any]:
    """The parent tree's entries by key (a page's array of elements by MCID, or an
    annotation's element); WeasyPrint writes one flat /Nums array."""
    nums = tree.ParentTree.get("/Nums")
    if nums is None:
        raise ValueError("the part's parent tree has no /Nums")
    return {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}


def _make_pagination(doc: Any, index: int, mcids: set[int], parents: dict[int, Any]) -> None:
    """The margin boxes' marked content on a page turned into pagination artifacts."""
    import pikepdf

    if not mcids:
        return
    page = doc.pages[index].obj
    contents = page.Contents
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]

    def swap(match: re.Match[bytes]) -> bytes:
        return PAGINATION if int(match.group(2)) in mcids else match.group(0)

    for stream in streams:
        data = stream.read_bytes()
        stream.write(_MARKED.sub(swap, data))
    entries = parents.get(int(page.StructParents))
    if entries is not None:
        for mcid in mcids:
            if mcid < len(entries):
                entries[mcid] = None


def _retag(element: Any, kind: str) -> None:
    """`TOC` below the contents' element (its lists, items and their bodies), or the
    index's section as `Index`."""
    import pikepdf

    if kind == "book-index":
        element.S = pikepdf.Name.Index
        return
    stack = [element]
    while stack:
        node = stack.pop()
        new = _TOC_TYPES.get(str(node.get("/S", "")))
        if new is not None:
            node.S = pikepdf.Name(new)
        kids = node.get("/K")
        if isinstance(kids, pikepdf.Array):
            stack.extend(kid for kid in kids if isinstance(kid, pikepdf.Dictionary) and "/S" in kid)
        elif isinstance(kids, pikepdf.Dictionary) and "/S" in kids:
            stack.append(kids)


def _formula_element(doc: Any, tree: Any, parents: dict[int, Any], formula: TaggedFormula) -> int:
    """The formula's structure element made (or found) and mapped to a new MCID on its
    page; returns the MCID."""
    import pikepdf

    page = doc.pages[formula.page].obj
    entries = parents[int(page.StructParents)]
    mcid = len(entries)
    if formula.element:
        element = doc.get_object(formula.element, 0)
    else:
        document = tree.K[0] if isinstance(tree.K, pikepdf.Array) else tree.K
        element = doc.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, P=document))
        document.K.append(element)
    element.S = pikepdf.Name.Formula
    element.Pg = page
    element.K = pikepdf.Array([mcid])
    element.Alt = pikepdf.String(formula.tex or formula.text)
    if formula.text:
        element.ActualText = pikepdf.String(formula.text)
    entries.append(element)
    return mcid
