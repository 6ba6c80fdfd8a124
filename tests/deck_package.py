"""The package of a .pptx, checked as PowerPoint reads it before it shows anything.

openxml-audit validates each XML part against the schema; it does not look at how the
parts hang together. PowerPoint does, and offers to "repair" a deck (dropping what it
cannot place) when:

- two zip entries have one name (which of them is the part?);
- a relationship points at a part that is not in the package, or an `r:id` in a part
  names no relationship of that part;
- a part has no content type (an `Override` for it, or a `Default` for its extension),
  or not the one its relationship's type calls for (a slide left to the `xml` Default
  is no slide), or an `Override` names a part that is not there;
- a part is in the package but nothing reaches it through relationships from the
  package's root (only `[Content_Types].xml` and `_rels/.rels` stand on their own; a
  part's `.rels` belongs to that part);
- two shapes of one slide (or layout, master, notes page) share an id. The two
  branches of an `mc:AlternateContent` are alternatives: a viewer reads the Choice or
  the Fallback, so each may reuse the other's ids; the ids are checked once as a
  viewer that takes every Choice sees them, and once as one that takes every Fallback;
- the presentation says other than what the package holds: a section list
  (`p14:sectionLst`) that does not name each slide exactly once, or names a slide that
  is gone; a slide size `type` that is not the size; `docProps/app.xml` counting other
  slides or notes pages than there are.

`package_faults(path)` lists every fault found, each naming its part; an empty list
is a sound package.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

CONTENT_TYPES = "[Content_Types].xml"
ROOT_RELS = "_rels/.rels"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
NS_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NS_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
# The parts whose shapes PowerPoint numbers: a slide and everything it is drawn over.
SHAPE_TREES = {
    f"{{{NS_P}}}{name}" for name in ("sld", "sldLayout", "sldMaster", "notes", "notesMaster", "handoutMaster")
}
C_NV_PR = f"{{{NS_P}}}cNvPr"
ALTERNATE = f"{{{NS_MC}}}AlternateContent"
_PML = "application/vnd.openxmlformats-officedocument.presentationml."
_OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
# The content types a relationship's type calls for in its target.
TARGET_TYPES = {
    f"{_OFFICE_REL}officeDocument": {
        f"{_PML}{kind}.main+xml"
        for kind in ("presentation", "slideshow", "template", "presentation.macroEnabled", "slideshow.macroEnabled")
    },
    **{
        f"{_OFFICE_REL}{kind}": {f"{_PML}{kind}+xml"}
        for kind in (
            "slide",
            "slideLayout",
            "slideMaster",
            "notesSlide",
            "notesMaster",
            "handoutMaster",
            "presProps",
            "viewProps",
            "tableStyles",
        )
    },
    f"{_OFFICE_REL}theme": {"application/vnd.openxmlformats-officedocument.theme+xml"},
    f"{_OFFICE_REL}extended-properties": {"application/vnd.openxmlformats-officedocument.extended-properties+xml"},
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties": {
        "application/vnd.openxmlformats-package.core-properties+xml"
    },
}
IMAGE_REL = f"{_OFFICE_REL}image"
NS_P14 = "http://schemas.microsoft.com/office/powerpoint/2010/main"
NS_EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
# The slide sizes a `type` names (ST_SlideSizeType), in EMU.
NAMED_SIZES = {"screen4x3": (9144000, 6858000), "screen16x9": (9144000, 5143500), "screen16x10": (9144000, 5715000)}


def package_faults(path: Path) -> list[str]:
    """Every fault of the package at `path` (see the module's doc); [] when sound."""
    try:
        with zipfile.ZipFile(path) as package:
            names = [n for n in package.namelist() if not n.endswith("/")]
            twice = [f"{name}: in the zip {n} times" for name, n in Counter(names).items() if n > 1]
            return twice + faults_of({name: package.read(name) for name in names})
    except zipfile.BadZipFile as exc:
        return [f"not a zip package: {exc}"]


def faults_of(parts: dict[str, bytes]) -> list[str]:
    """The faults of a package given as its zip entries, by name."""
    faults: list[str] = []
    by_key: dict[str, str] = {}
    for name in parts:
        if name.lower() in by_key:  # part names are compared without case (OPC)
            faults.append(f"{name}: same part name as {by_key[name.lower()]}, but for case")
        by_key[name.lower()] = name
    if CONTENT_TYPES not in parts:
        return [*faults, f"no {CONTENT_TYPES}"]
    types, type_faults = _content_types(parts, by_key)
    faults += type_faults
    relationships: dict[str, list[tuple[str, str]]] = {}  # source part ("" for the package): (id, target part)
    rel_ids: dict[str, set[str]] = {}  # source part: the ids of all its relationships, external ones too
    for name in parts:
        if _is_rels(name):
            source = _source_of(name)
            if source and source.lower() not in by_key:
                faults.append(f"{name}: relationships of {source}, which is not in the package")
            found, ids, rel_faults = _relationships(name, parts[name], by_key, types)
            relationships[source], rel_ids[source] = found, ids
            faults += rel_faults
    for name, data in parts.items():
        if name.endswith(".xml") and name != CONTENT_TYPES:
            faults += _part_faults(name, data, rel_ids.get(name, set()))
    faults += _unreached(parts, relationships, by_key)
    faults += _presentation_faults(parts, relationships)
    return faults


def _is_rels(name: str) -> bool:
    return posixpath.basename(posixpath.dirname(name)) == "_rels" and name.endswith(".rels")


def _source_of(rels: str) -> str:
    """The part whose relationships `rels` holds; "" for the package's own."""
    folder = posixpath.dirname(posixpath.dirname(rels))
    return posixpath.join(folder, posixpath.basename(rels)[: -len(".rels")]) if rels != ROOT_RELS else ""


def _parse(name: str, data: bytes) -> tuple[etree._Element | None, list[str]]:
    try:
        return etree.fromstring(data), []
    except etree.XMLSyntaxError as exc:
        return None, [f"{name}: not well-formed XML ({exc})"]


def _content_types(parts: dict[str, bytes], by_key: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Each part's content type, and the faults of `[Content_Types].xml`."""
    root, faults = _parse(CONTENT_TYPES, parts[CONTENT_TYPES])
    if root is None:
        return {}, faults
    defaults = {
        (e.get("Extension") or "").lower(): e.get("ContentType") or "" for e in root.iter(f"{{{NS_CT}}}Default")
    }
    overrides: dict[str, str] = {}
    for override in root.iter(f"{{{NS_CT}}}Override"):
        part = (override.get("PartName") or "").lstrip("/")
        if part.lower() in overrides:
            faults.append(f"{CONTENT_TYPES}: two Overrides for /{part}")
        overrides[part.lower()] = override.get("ContentType") or ""
        if part.lower() not in by_key:
            faults.append(f"{CONTENT_TYPES}: Override for /{part}, which is not in the package")
    types: dict[str, str] = {}
    for name in parts:
        base = posixpath.basename(name)  # `.rels` is all extension: splitext would say none
        extension = base.rsplit(".", 1)[1].lower() if "." in base else ""
        if name == CONTENT_TYPES:
            continue
        if name.lower() in overrides:
            types[name] = overrides[name.lower()]
        elif extension in defaults:
            types[name] = defaults[extension]
        else:
            faults.append(f"{name}: no content type (no Override for it, no Default for .{extension})")
    return types, faults


def _relationships(
    rels: str, data: bytes, by_key: dict[str, str], types: dict[str, str]
) -> tuple[list[tuple[str, str]], set[str], list[str]]:
    """(id, target part) of each internal relationship in `rels`, the ids of all of
    them, and the faults (a target missing, outside, or not of the type the
    relationship calls for)."""
    root, faults = _parse(rels, data)
    if root is None:
        return [], set(), faults
    source = _source_of(rels)
    found: list[tuple[str, str]] = []
    ids = Counter(rel.get("Id") or "" for rel in root.iter(f"{{{NS_REL}}}Relationship"))
    faults += [f"{rels}: relationship id {rid} used {n} times" for rid, n in ids.items() if n > 1]
    for rel in root.iter(f"{{{NS_REL}}}Relationship"):
        rid, target = rel.get("Id") or "", rel.get("Target") or ""
        if rel.get("TargetMode") == "External":
            continue
        part = _resolve(source, target)
        if part is None:
            faults.append(f"{rels}: {rid} points outside the package ({target})")
        elif part.lower() not in by_key:
            faults.append(f"{rels}: {rid} points at {part}, which is not in the package")
        else:
            part = by_key[part.lower()]
            found.append((rid, part))
            faults += _type_fault(rels, rid, rel.get("Type") or "", part, types.get(part))
    return found, {rid for rid in ids if rid}, faults


def _type_fault(rels: str, rid: str, rel_type: str, part: str, content_type: str | None) -> list[str]:
    if content_type is None:  # no content type at all: said already
        return []
    wanted = TARGET_TYPES.get(rel_type)
    if wanted is not None and content_type not in wanted:
        kind = rel_type.rsplit("/", 1)[-1]
        return [f"{rels}: {rid} is a {kind} relationship, but {part} is {content_type}"]
    if rel_type == IMAGE_REL and not content_type.startswith("image/"):
        return [f"{rels}: {rid} is an image relationship, but {part} is {content_type}"]
    return []


def _resolve(source: str, target: str) -> str | None:
    """The part name a relationship's target means, from the part `source`; None when
    it leads out of the package."""
    target = unquote(target.split("#", 1)[0])
    joined = target.lstrip("/") if target.startswith("/") else posixpath.join(posixpath.dirname(source), target)
    part = posixpath.normpath(joined)
    return None if part.startswith("..") or part in ("", ".") else part


def _part_faults(name: str, data: bytes, rel_ids: set[str]) -> list[str]:
    root, faults = _parse(name, data)
    if root is None:
        return faults
    for element in root.iter():
        for key, value in element.attrib.items():
            attribute = etree.QName(key)
            if attribute.namespace == NS_R and value and str(value) not in rel_ids:
                local = etree.QName(element).localname
                faults.append(
                    f"{name}: <{local} r:{attribute.localname}={str(value)!r}> names no relationship of the part"
                )
    if root.tag in SHAPE_TREES:
        for view in ("Choice", "Fallback"):
            ids = Counter(e.get("id") for e in _shapes_seen(root, view))
            faults += [
                f"{name}: shape id {sid} used {n} times (as a viewer taking each mc:{view} reads it)"
                for sid, n in ids.items()
                if n > 1
            ]
    return faults


def _shapes_seen(element: etree._Element, view: str) -> Iterator[etree._Element]:
    """The `p:cNvPr`s under `element` that a viewer sees when it takes the `view`
    branch (the first mc:Choice, or the mc:Fallback) of every mc:AlternateContent."""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag == ALTERNATE:
            branch = child.find(f"{{{NS_MC}}}{view}")
            if branch is not None:
                yield from _shapes_seen(branch, view)
            continue
        if child.tag == C_NV_PR:
            yield child
        yield from _shapes_seen(child, view)


def _unreached(
    parts: dict[str, bytes], relationships: dict[str, list[tuple[str, str]]], by_key: dict[str, str]
) -> list[str]:
    """Parts no chain of relationships from the package's root reaches."""
    reached: set[str] = set()
    waiting = [""]
    while waiting:
        source = waiting.pop()
        for _rid, part in relationships.get(source, []):
            if part not in reached:
                reached.add(part)
                waiting.append(part)
    standing = {CONTENT_TYPES, ROOT_RELS}
    return [
        f"{name}: nothing in the package refers to it"
        for name in parts
        if name not in standing and name not in reached and not (_is_rels(name) and _source_of(name) in reached)
    ]


def _presentation_faults(parts: dict[str, bytes], relationships: dict[str, list[tuple[str, str]]]) -> list[str]:
    """Where the presentation part or the app properties say other than the package."""
    targets = {rid: part for rid, part in relationships.get("", [])}
    root_types = _relationship_types(parts.get(ROOT_RELS, b""))
    main = next(
        (targets[r] for r, t in root_types.items() if t == f"{_OFFICE_REL}officeDocument" and r in targets), None
    )
    if main is None or main not in parts:
        return ["the package has no presentation part"]
    presentation, faults = _parse(main, parts[main])
    if presentation is None:
        return faults
    slide_ids = [e.get("id") for e in presentation.iterfind(f"{{{NS_P}}}sldIdLst/{{{NS_P}}}sldId")]
    for section_list in presentation.iter(f"{{{NS_P14}}}sectionLst"):
        named = Counter(e.get("id") for e in section_list.iter(f"{{{NS_P14}}}sldId"))
        faults += [
            f"{main}: a section names slide {sid}, which is not in the deck" for sid in named if sid not in slide_ids
        ]
        faults += [f"{main}: slide {sid} is in {named[sid]} sections" for sid in slide_ids if named[sid] != 1]
    size = presentation.find(f"{{{NS_P}}}sldSz")
    if size is not None and size.get("type") in NAMED_SIZES:
        shape = (int(size.get("cx") or 0), int(size.get("cy") or 0))
        if NAMED_SIZES[str(size.get("type"))] != shape:
            faults.append(f"{main}: slide size type {size.get('type')} on a {shape[0]} x {shape[1]} EMU slide")
    app = next(
        (targets[r] for r, t in root_types.items() if t == f"{_OFFICE_REL}extended-properties" and r in targets), None
    )
    if app is not None:
        properties, app_faults = _parse(app, parts[app])
        faults += app_faults
        slide_parts = [part for _rid, part in relationships.get(main, []) if _is_slide(parts, part)]
        notes = sum(1 for p in slide_parts if any(_is_notes(parts, q) for _r, q in relationships.get(p, [])))
        for tag, count in (("Slides", len(slide_ids)), ("Notes", notes)):
            said = properties.findtext(f"{{{NS_EXTENDED}}}{tag}") if properties is not None else None
            if said is not None and said.strip() != str(count):
                faults.append(f"{app}: says {said.strip()} {tag.lower()}, the deck has {count}")
    return faults


def _relationship_types(data: bytes) -> dict[str, str]:
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError:
        return {}
    return {rel.get("Id") or "": rel.get("Type") or "" for rel in root.iter(f"{{{NS_REL}}}Relationship")}


def _root_tag(parts: dict[str, bytes], name: str) -> str:
    try:
        return str(etree.fromstring(parts[name]).tag)
    except (KeyError, etree.XMLSyntaxError):
        return ""


def _is_slide(parts: dict[str, bytes], name: str) -> bool:
    return name.endswith(".xml") and _root_tag(parts, name) == f"{{{NS_P}}}sld"


def _is_notes(parts: dict[str, bytes], name: str) -> bool:
    return name.endswith(".xml") and _root_tag(parts, name) == f"{{{NS_P}}}notes"
