"""The parts' structure trees joined into the book's, and what a tagged PDF declares.

Each typeset part is a tagged PDF of its own (WeasyPrint's tree, with the formulas,
bullets and running heads tagged by `overdraw/tagged_pages.py`). Its tree hangs from
one `Document` element, whose children are the part's top-level elements, page by
page; a page finds its marked content's elements through `/StructParents` (a key of
the part's parent tree, an array indexed by MCID), a link annotation its element
through `/StructParent`. Keys start from 0 in every part, so they collide in the book.

`join_structure` makes the book's tree: one `StructTreeRoot` whose `Document` holds
every part's top-level elements in book order (front matter, chapters, index), with
the parent tree (a number tree, written flat: readers search it, a few thousand
entries are no burden) renumbered so that each page and annotation has a key of its
own. The elements are copied with qpdf's foreign-object copier, which maps a part's
page to the copy the merge already made of it: every `/Pg` lands on the book's page.

`declare` writes what the catalog says of a tagged book (`/MarkInfo`, `/Lang`,
`/ViewerPreferences /DisplayDocTitle`) and the XMP metadata, mirroring the document
information and naming the standard: `pdfuaid:part 1`, or `pdfaid:part 3` with its
conformance level for PDF/A, which also gets an sRGB output intent (the ICC profile
WeasyPrint ships) and annotations marked printable.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pikepdf import Array, Dictionary, Name, Pdf, String

# pdf.variant -> (XMP namespace prefix, part, conformance)
STANDARDS: dict[str, tuple[str, str, str]] = {
    "pdf/ua-1": ("pdfuaid", "1", ""),
    "pdf/a-3b": ("pdfaid", "3", "B"),
    "pdf/a-3u": ("pdfaid", "3", "U"),
}


def join_structure(book: Pdf, parts: Iterable[tuple[Pdf, int]]) -> None:
    """Give `book` one structure tree made of the trees of `parts`: (the part's PDF,
    the index in `book` of its first page), in book order. Pages whose part has no tree
    (a part typeset untagged) are left without keys."""
    document = book.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
    root = book.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=Array([document])))
    document.P = root
    # The new parent tree's entries, made into one array at the end: extending a
    # pikepdf Array entry by entry took seconds on a 300-page book.
    nums: list[Any] = []
    kept = {annot.objgen for page in book.pages for annot in (page.obj.get("/Annots") or ())}
    next_key = 0
    for part, first in parts:
        if "/StructTreeRoot" not in part.Root:
            continue
        copied = book.copy_foreign(part.Root.StructTreeRoot)
        entries = _number_tree(copied.get("/ParentTree"))
        renumbered: dict[int, int] = {}
        for offset in range(len(part.pages)):
            page = book.pages[first + offset].obj
            if "/StructParents" in page:
                old = int(page.StructParents)
                page.StructParents = renumbered.setdefault(old, next_key + len(renumbered))
            for annot in page.get("/Annots") or ():
                if "/StructParent" in annot:
                    old = int(annot.StructParent)
                    annot.StructParent = renumbered.setdefault(old, next_key + len(renumbered))
        for old, new in sorted(renumbered.items(), key=lambda pair: pair[1]):
            if old in entries:
                nums += [new, entries[old]]
        for old, entry in entries.items():
            if old not in renumbered and isinstance(entry, Dictionary):
                _drop_dead_link_references(entry, kept)  # a link the merge dropped
        next_key += len(renumbered)
        for element in _kids(copied.get("/K")):
            # The part's Document element: its children become the book's Document's.
            for child in _kids(element.get("/K")) if element.get("/S") == Name.Document else [element]:
                child.P = document
                document.K.append(child)
    root.ParentTree = book.make_indirect(Dictionary(Nums=Array(nums)))
    root.ParentTreeNextKey = next_key
    book.Root.StructTreeRoot = root


def _kids(value: Any) -> list[Any]:
    """A /K value's structure elements (MCIDs and references to content are skipped)."""
    if isinstance(value, Array):
        return [kid for kid in value if isinstance(kid, Dictionary) and "/S" in kid]
    if isinstance(value, Dictionary) and "/S" in value:
        return [value]
    return []


def _number_tree(tree: Any) -> dict[int, Any]:
    """A number tree's entries, its /Kids followed."""
    entries: dict[int, Any] = {}
    stack = [tree] if tree is not None else []
    while stack:
        node = stack.pop()
        nums = node.get("/Nums")
        if nums is not None:
            for i in range(0, len(nums) - 1, 2):
                entries[int(nums[i])] = nums[i + 1]
        stack.extend(node.get("/Kids") or ())
    return entries


def _drop_dead_link_references(element: Any, kept: set[tuple[int, int]]) -> None:
    """The merge drops a link whose anchor exists nowhere (its annotation is on no
    page, so its key was not renumbered); the reference of the link's element to the
    annotation (an /OBJR) goes with it, or the tree would point at nothing on a page."""
    kids = element.get("/K")
    if isinstance(kids, Array):
        alive = [kid for kid in kids if not _dead_reference(kid, kept)]
        if len(alive) != len(kids):
            element.K = Array(alive)
    elif _dead_reference(kids, kept):
        element.K = Array()


def _dead_reference(kid: Any, kept: set[tuple[int, int]]) -> bool:
    if not isinstance(kid, Dictionary) or kid.get("/Type") != Name.OBJR:
        return False
    target = kid.get("/Obj")
    return target is None or target.objgen not in kept


def declare(book: Pdf, variant: str, language: str) -> None:
    """The catalog entries and XMP metadata of a tagged book written to `variant`
    (a key of STANDARDS). Call it after the document information is set: the XMP
    mirrors it."""
    prefix, part, conformance = STANDARDS[variant]
    book.Root.MarkInfo = Dictionary(Marked=True)
    book.Root.Lang = String(language)
    book.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    # No pikepdf mark and no MetadataDate of today: the same input gives the same bytes.
    with book.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
        xmp.load_from_docinfo(book.docinfo)
        xmp[f"{prefix}:part"] = part
        if conformance:
            xmp[f"{prefix}:conformance"] = conformance
    if prefix == "pdfaid":
        _archival(book)


def _archival(book: Pdf) -> None:
    """What PDF/A asks beyond the metadata: an output intent naming the colour space
    every colour is meant in (sRGB; the profile is WeasyPrint's copy of sRGB2014), and
    every annotation printable (flag 3, "Print")."""
    profile = book.make_stream(srgb_profile().read_bytes())
    profile.N = 3
    book.Root.OutputIntents = Array(
        [
            Dictionary(
                Type=Name.OutputIntent,
                S=Name.GTS_PDFA1,
                OutputConditionIdentifier=String("sRGB2014.icc"),
                Info=String("sRGB IEC61966-2.1"),
                DestOutputProfile=profile,
            )
        ]
    )
    for page in book.pages:
        for annot in page.obj.get("/Annots") or ():
            annot.F = 4


def srgb_profile() -> Path:
    """The sRGB ICC profile WeasyPrint ships, found without importing WeasyPrint (the
    main process never does: it takes most of a second)."""
    from importlib.util import find_spec

    spec = find_spec("weasyprint")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("WeasyPrint is not installed: no sRGB profile for PDF/A")
    return Path(spec.origin).parent / "pdf" / "sRGB2014.icc"


def is_tagged(variant: str) -> bool:
    return variant in STANDARDS


# The folio layer drawn over a tagged page: page furniture, outside the structure.
FOLIO_ARTIFACT = (b"/Artifact <</Type /Pagination>> BDC\n", b"\nEMC")
