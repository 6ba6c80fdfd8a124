"""A structural check of a tagged PDF, read with pikepdf as an assistive tool reads it.

`problems(path)` lists what is wrong, as sentences; an empty list is a pass:

- the catalog has a /Lang, /MarkInfo /Marked true and /ViewerPreferences
  /DisplayDocTitle true, and the XMP metadata names the standard (pdfuaid:part, or
  pdfaid:part for PDF/A);
- every marked-content sequence with an MCID in a page's content streams (and in the
  form XObjects it draws) is mapped by the parent tree to a structure element that is
  reachable from the root and claims that MCID on that page, unless it lies inside an
  /Artifact;
- headings nest H1 … H6 in reading order without skipping a level (a heading is at
  most one level below the one before it; the first is an H1);
- every Figure and Formula has /Alt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

_HEADINGS = {f"/H{n}": n for n in range(1, 7)}
_NEED_ALT = {"/Figure", "/Formula"}


@dataclass
class _Tree:
    reachable: set[tuple[int, int]] = field(default_factory=set)  # elements' objgen
    # (page objgen, MCID) -> element objgen, as the elements claim them
    claims: dict[tuple[tuple[int, int], int], tuple[int, int]] = field(default_factory=dict)
    headings: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def problems(path: Path | str, standard: str = "pdfuaid") -> list[str]:
    """What keeps the PDF at `path` from being a well-formed tagged PDF (see the module
    docstring). `standard`: the XMP prefix that must carry a part: pdfuaid or pdfaid."""
    with pikepdf.open(path) as pdf:
        found = _catalog(pdf, standard)
        if "/StructTreeRoot" not in pdf.Root:
            return [*found, "no structure tree"]
        root = pdf.Root.StructTreeRoot
        tree = _walk(root)
        found += tree.problems
        found += _heading_problems(tree.headings)
        parents = _number_tree(root.get("/ParentTree"))
        for number, page in enumerate(pdf.pages, start=1):
            found += _page_problems(number, page, parents, tree)
        return found


def _catalog(pdf: pikepdf.Pdf, standard: str) -> list[str]:
    found = []
    if not str(pdf.Root.get("/Lang", "")):
        found.append("the catalog has no /Lang")
    mark_info = pdf.Root.get("/MarkInfo")
    if mark_info is None or not bool(mark_info.get("/Marked", False)):
        found.append("the catalog's /MarkInfo does not say /Marked true")
    prefs = pdf.Root.get("/ViewerPreferences")
    if prefs is None or not bool(prefs.get("/DisplayDocTitle", False)):
        found.append("the viewer preferences do not say /DisplayDocTitle true")
    meta = pdf.open_metadata()
    if not str(meta.get(f"{standard}:part", "")):
        found.append(f"the XMP metadata has no {standard}:part")
    return found


def _kids(value: Any) -> list[Any]:
    if isinstance(value, Array):
        return list(value)
    return [] if value is None else [value]


def _walk(root: Any) -> _Tree:
    """Every element reachable from the root, in reading order (depth first)."""
    tree = _Tree()
    stack = list(reversed(_kids(root.get("/K"))))
    while stack:
        element = stack.pop()
        if not isinstance(element, Dictionary) or "/S" not in element:
            continue
        if element.objgen in tree.reachable:
            tree.problems.append(f"structure element {element.objgen} is reached twice")
            continue
        tree.reachable.add(element.objgen)
        kind = str(element.S)
        if kind in _HEADINGS:
            tree.headings.append(_HEADINGS[kind])
        if kind in _NEED_ALT and not str(element.get("/Alt", "")):
            tree.problems.append(f"a {kind[1:]} element has no /Alt")
        page = element.get("/Pg")
        children = []
        for kid in _kids(element.get("/K")):
            if isinstance(kid, int):
                _claim(tree, page, kid, element)
            elif isinstance(kid, Dictionary) and kid.get("/Type") == Name.MCR:
                _claim(tree, kid.get("/Pg", page), int(kid.MCID), element)
            elif isinstance(kid, Dictionary) and "/S" in kid:
                children.append(kid)
        stack.extend(reversed(children))
    return tree


def _claim(tree: _Tree, page: Any, mcid: int, element: Any) -> None:
    if page is None:
        tree.problems.append(f"element {element.objgen} claims MCID {mcid} but names no page")
        return
    tree.claims[(page.objgen, mcid)] = element.objgen


def _heading_problems(levels: list[int]) -> list[str]:
    found = []
    previous = 0
    for level in levels:
        if level > previous + 1:
            found.append(f"an H{level} follows an H{previous}" if previous else f"the first heading is an H{level}")
        previous = level
    return found


def _number_tree(tree: Any) -> dict[int, Any]:
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


def _page_problems(number: int, page: pikepdf.Page, parents: dict[int, Any], tree: _Tree) -> list[str]:
    key = page.obj.get("/StructParents")
    entries = parents.get(int(key)) if key is not None else None
    found: list[str] = []
    _stream_problems(f"page {number}", page.obj, page, page.obj, parents, entries, tree, found, set())
    return found


def _stream_problems(
    where: str,
    page_obj: Any,
    holder: Any,
    resources_of: Any,
    parents: dict[int, Any],
    entries: Any,
    tree: _Tree,
    found: list[str],
    seen_forms: set[tuple[int, int]],
    in_artifact: bool = False,
) -> None:
    """The marked content of one content stream (a page's or a form's), and of the
    forms it draws."""
    stack: list[bool] = []  # per open sequence: is it (or is it inside) an artifact
    operations = pikepdf.parse_content_stream(holder, "BDC BMC EMC Do")
    resources = resources_of.get("/Resources") or Dictionary()
    for operands, operator in operations:
        inside = in_artifact or (stack[-1] if stack else False)
        op = str(operator)
        if op == "BMC":
            stack.append(inside or operands[0] == Name.Artifact)
        elif op == "BDC":
            tag, props = operands[0], operands[1]
            artifact = inside or tag == Name.Artifact
            stack.append(artifact)
            if artifact or not isinstance(props, Dictionary) or "/MCID" not in props:
                continue
            mcid = int(props.MCID)
            element = entries[mcid] if entries is not None and mcid < len(entries) else None
            if not isinstance(element, Dictionary):
                found.append(f"{where}: MCID {mcid} ({tag}) has no element in the parent tree")
            elif element.objgen not in tree.reachable:
                found.append(f"{where}: MCID {mcid} ({tag}) maps to an element the tree does not reach")
            elif tree.claims.get((page_obj.objgen, mcid)) != element.objgen:
                found.append(f"{where}: MCID {mcid} ({tag}) maps to an element that does not claim it")
        elif op == "EMC":
            if stack:
                stack.pop()
            else:
                found.append(f"{where}: EMC without a sequence to end")
        elif op == "Do":
            form = (resources.get("/XObject") or Dictionary()).get(operands[0])
            if form is None or form.get("/Subtype") != Name.Form or form.objgen in seen_forms:
                continue
            # A form with /StructParents has MCIDs of its own; else they are the page's.
            form_key = form.get("/StructParents")
            form_entries = parents.get(int(form_key)) if form_key is not None else entries
            _stream_problems(
                f"{where}, form {operands[0]}",
                page_obj,
                form,
                form,
                parents,
                form_entries,
                tree,
                found,
                seen_forms | {form.objgen},
                inside,
            )
    if stack:
        found.append(f"{where}: {len(stack)} marked-content sequence(s) never end")
