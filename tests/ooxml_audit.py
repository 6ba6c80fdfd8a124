"""openxml-audit on a deck, with its one known false positive allowed and nothing else.

PowerPoint writes an `a:rPr` (the run's DrawingML look) inside each OMML run `m:r`; the
schema of `m:r` has no room for it, so the validator reports "Unexpected element 'rPr'"
at every such run. We allow exactly that:

- each such report must point at an `m:r` that really holds an `a:rPr`;
- the validator stops reading a run at its first unexpected child, so the deck is also
  validated once more with the `a:rPr`s taken out of the runs, and that copy must have
  no errors at all (nothing else in the runs hides behind the allowed one).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree
from openxml_audit import OpenXmlValidator

NS_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_STEP = re.compile(r"([^/\[]+)\[(\d+)\]")


def _describe(error) -> str:
    return f"{error.part_uri}:{error.path}: {error.description}"


def _validate(path: Path) -> list:
    return list(OpenXmlValidator(max_errors=0).validate(path).errors)


def _children(element):
    """Element children as the validator sees them: an mc:AlternateContent stands for
    its mc:Choice's children (the validator reads the Choice, which holds the OMML)."""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag == f"{{{NS_MC}}}AlternateContent":
            choice = child.find(f"{{{NS_MC}}}Choice")
            if choice is not None:
                yield from _children(choice)
            continue
        yield child


def _same_tag_position(element) -> int:
    return 1 + sum(1 for s in element.itersiblings(preceding=True) if s.tag == element.tag)


def _resolve(root, path: str) -> list:
    """Every element the validator's path (local names, 1-based position among siblings of
    the same tag under the real parent) can mean."""
    steps = _STEP.findall(path)
    if not steps or etree.QName(root).localname != steps[0][0]:
        return []
    found = [root]
    for name, position in steps[1:]:
        found = [
            child
            for element in found
            for child in _children(element)
            if etree.QName(child).localname == name and _same_tag_position(child) == int(position)
        ]
    return found


def _is_allowed(error, parts: dict[str, bytes]) -> bool:
    if error.description != "Unexpected element 'rPr' found" or error.node != "rPr":
        return False
    data = parts.get(error.part_uri.lstrip("/"))
    if data is None:
        return False
    runs = _resolve(etree.fromstring(data), error.path)
    return (
        bool(runs)
        and all(
            run.tag == f"{{{NS_M}}}r"
            # the first child the schema of m:r cannot place is the a:rPr (after an optional m:rPr)
            and [c for c in run if c.tag != f"{{{NS_M}}}rPr"][:1] == run.findall(f"{{{NS_A}}}rPr")[:1]
            and run.find(f"{{{NS_A}}}rPr") is not None
            for run in runs
        )
    )


def _without_run_drawing_props(deck: Path, out: Path) -> Path:
    with zipfile.ZipFile(deck) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".xml") and f"{NS_M}".encode() in data:
                root = etree.fromstring(data)
                for rpr in root.iter(f"{{{NS_A}}}rPr"):
                    if rpr.getparent().tag == f"{{{NS_M}}}r":
                        rpr.getparent().remove(rpr)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            dst.writestr(info, data)
    return out


def audit_errors(deck: Path, scratch: Path) -> tuple[list[str], int]:
    """(the errors openxml-audit finds in `deck` beyond the allowed one, how many
    allowed ones it found)."""
    with zipfile.ZipFile(deck) as zf:
        parts = {name: zf.read(name) for name in zf.namelist() if name.endswith(".xml")}
    allowed = 0
    problems: list[str] = []
    for error in _validate(deck):
        if _is_allowed(error, parts):
            allowed += 1
        else:
            problems.append(_describe(error))
    if any(NS_M.encode() in data for data in parts.values()):  # else the copy would be the deck itself
        stripped = _without_run_drawing_props(deck, scratch / f"{deck.stem}.stripped.pptx")
        problems += [f"(runs without a:rPr) {_describe(e)}" for e in _validate(stripped)]
    return problems, allowed
