"""openxml-audit on a deck, with its one known false positive allowed and nothing else.

PowerPoint writes an `a:rPr` (the run's DrawingML look) inside each OMML run `m:r`; the
schema of `m:r` has no room for it, so the validator reports "Unexpected element 'rPr'"
at every such run, and stops reading the run there. We allow exactly that:

- each `a:rPr` inside an `m:r` must sit where PowerPoint puts it, as the run's first
  child after an optional `m:rPr` (checked here, run by run);
- the deck is validated with those `a:rPr`s taken out of the runs, and that copy must
  have no errors at all, so nothing else in the runs hides behind the allowed report.

A deck without such runs is validated as it is. Either way each deck is validated once;
test_omml_schema.py checks, on real decks, that the validator reports the allowed
`a:rPr` at exactly the runs counted here.
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


# One for the session: building one loads its schema tables. (openxml-audit keeps some
# cross-part results by the id() of the package object, which a later deck may reuse;
# those rules concern animation and shape-id targets, which our decks do not have.
# If decks gain animations, build a validator per deck again.)
_VALIDATOR: list[OpenXmlValidator] = []


def validate(path: Path) -> list:
    """Every error openxml-audit finds in the package at `path`."""
    if not _VALIDATOR:
        _VALIDATOR.append(OpenXmlValidator(max_errors=0))
    return list(_VALIDATOR[0].validate(path).errors)


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


def _xml_parts(deck: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(deck) as zf:
        return {name: zf.read(name) for name in zf.namelist() if name.endswith(".xml")}


def _misplaced_run_drawing_props(parts: dict[str, bytes]) -> tuple[int, list[str]]:
    """(how many `a:rPr` sit inside OMML runs, those not where PowerPoint puts them)."""
    count, misplaced = 0, []
    for name, data in parts.items():
        if NS_M.encode() not in data:
            continue
        root = etree.fromstring(data)
        for run in root.iter(f"{{{NS_M}}}r"):
            drawing = run.findall(f"{{{NS_A}}}rPr")
            if not drawing:
                continue
            count += len(drawing)
            children = [c for c in run if isinstance(c.tag, str)]
            if children[:1] and children[0].tag == f"{{{NS_M}}}rPr":
                children = children[1:]  # the optional math run properties come first
            if len(drawing) > 1 or children[:1] != drawing[:1]:
                misplaced.append(f"/{name}:{root.getroottree().getpath(run)}: a:rPr is not the run's first child")
    return count, misplaced


def audit_errors(deck: Path, scratch: Path) -> tuple[list[str], int]:
    """(the errors openxml-audit finds in `deck` beyond the allowed one, how many
    allowed ones it holds: the `a:rPr`s inside OMML runs)."""
    parts = _xml_parts(deck)
    allowed, problems = _misplaced_run_drawing_props(parts)
    if not allowed:
        return [_describe(e) for e in validate(deck)], 0
    stripped = _without_run_drawing_props(deck, scratch / f"{deck.stem}.stripped.pptx")
    return problems + [f"(runs without a:rPr) {_describe(e)}" for e in validate(stripped)], allowed


def reports_beyond_the_allowed(deck: Path) -> tuple[list[str], int]:
    """The deck as it is, through the validator: (its reports other than the allowed
    `a:rPr` in an `m:r`, how many allowed ones it made). For the test that the
    validator reads the equations' runs and reports the runs `audit_errors` counts."""
    parts = _xml_parts(deck)
    allowed, others = 0, []
    for error in validate(deck):
        if _is_allowed(error, parts):
            allowed += 1
        else:
            others.append(_describe(error))
    return others, allowed
