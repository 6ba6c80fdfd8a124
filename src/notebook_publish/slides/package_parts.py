"""The package-level parts of a deck, made true to the deck before it is packed.

python-pptx starts every deck from its own template package, whose parts describe that
package, not ours: `docProps/app.xml` says "Microsoft Macintosh PowerPoint" and 0
slides, the slide size says `screen4x3` whatever its shape, a blank 4:3 thumbnail
rides along, and a user's template keeps its PowerPoint sections, naming slides that
are gone (PowerPoint then offers to repair the file). Each is rewritten here from the
deck itself, on the package's entries, so nothing depends on python-pptx's internals.
"""

from __future__ import annotations

from lxml import etree

APP_XML = "docProps/app.xml"
PRESENTATION_XML = "ppt/presentation.xml"
PACKAGE_RELS = "_rels/.rels"
THUMBNAIL_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
EXTENDED_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
# The extension that holds PowerPoint's section list (p14:sectionLst).
SECTIONS_EXT = "{521415D9-36F7-43E2-AB2F-B90AF26B5E84}"
# Slide sizes that have a name in the schema (ST_SlideSizeType), in EMU; any other
# size is `custom`, which is what the attribute's absence means.
NAMED_SIZES = {
    (9144000, 6858000): "screen4x3",
    (9144000, 5143500): "screen16x9",
    (9144000, 5715000): "screen16x10",
}
FORMATS = {
    "screen4x3": "On-screen Show (4:3)",
    "screen16x9": "On-screen Show (16:9)",
    "screen16x10": "On-screen Show (16:10)",
}
WIDESCREEN = (12192000, 6858000)


def fix_parts(entries: list[tuple[str, bytes]], titles: list[str], notes: int) -> list[tuple[str, bytes]]:
    """The package's entries with the app properties, slide size type, section list and
    thumbnail made true to the deck whose slides have `titles` (and `notes` notes pages)."""
    out = []
    size = (0, 0)
    for name, data in entries:
        if name == PRESENTATION_XML:
            data, size = _presentation(data)
        out.append((name, data))
    fixed = []
    thumbnail = None
    for name, data in out:
        if name == APP_XML:
            data = _app_properties(data, titles, notes, size)
        elif name == PACKAGE_RELS:
            data, thumbnail = _without_thumbnail(data)
        fixed.append((name, data))
    return [(name, data) for name, data in fixed if name != thumbnail]


def _xml(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)


def _presentation(data: bytes) -> tuple[bytes, tuple[int, int]]:
    root = etree.fromstring(data)
    size = root.find(f"{{{P_NS}}}sldSz")
    # Both are required by the schema; a template without them is read as 0 by 0 (no named size).
    cx, cy = (int(size.get("cx") or 0), int(size.get("cy") or 0)) if size is not None else (0, 0)
    if size is not None:
        named = NAMED_SIZES.get((cx, cy))
        if named:
            size.set("type", named)
        elif "type" in size.attrib:
            del size.attrib["type"]
    ext_list = root.find(f"{{{P_NS}}}extLst")
    if ext_list is not None:
        for ext in list(ext_list):
            if ext.get("uri") == SECTIONS_EXT:
                ext_list.remove(ext)
        if len(ext_list) == 0:
            root.remove(ext_list)
    return _xml(root), (cx, cy)


def _app_properties(data: bytes, titles: list[str], notes: int, size: tuple[int, int]) -> bytes:
    """app.xml as PowerPoint writes it for this deck: who made it, its format, its
    slide count and titles. The template's other parts (its theme, fonts) are kept."""
    old = etree.fromstring(data)
    groups = _groups(old)
    groups = [(kind, names) for kind, names in groups if kind != "Slide Titles"] + [("Slide Titles", titles)]
    # lxml-stubs allow only text keys in `nsmap`; lxml takes None for the default namespace.
    root = etree.Element(f"{{{EXTENDED_NS}}}Properties", nsmap={None: EXTENDED_NS, "vt": VT_NS})  # type: ignore[dict-item]

    def add(tag: str, text: str) -> None:
        etree.SubElement(root, f"{{{EXTENDED_NS}}}{tag}").text = text

    add("TotalTime", "0")
    add("Application", "notebook-publish")
    named = NAMED_SIZES.get(size)
    add("PresentationFormat", FORMATS[named] if named else "Widescreen" if size == WIDESCREEN else "Custom")
    add("Slides", str(len(titles)))
    add("Notes", str(notes))
    add("HiddenSlides", "0")
    add("MMClips", "0")
    add("ScaleCrop", "false")
    pairs = etree.SubElement(root, f"{{{EXTENDED_NS}}}HeadingPairs")
    vector = etree.SubElement(pairs, f"{{{VT_NS}}}vector", size=str(2 * len(groups)), baseType="variant")
    for kind, names in groups:
        etree.SubElement(etree.SubElement(vector, f"{{{VT_NS}}}variant"), f"{{{VT_NS}}}lpstr").text = kind
        etree.SubElement(etree.SubElement(vector, f"{{{VT_NS}}}variant"), f"{{{VT_NS}}}i4").text = str(len(names))
    parts = etree.SubElement(root, f"{{{EXTENDED_NS}}}TitlesOfParts")
    every = [name for _kind, names in groups for name in names]
    vector = etree.SubElement(parts, f"{{{VT_NS}}}vector", size=str(len(every)), baseType="lpstr")
    for name in every:
        etree.SubElement(vector, f"{{{VT_NS}}}lpstr").text = name
    add("LinksUpToDate", "false")
    add("SharedDoc", "false")
    add("HyperlinksChanged", "false")
    add("AppVersion", "16.0000")
    return _xml(root)


def _groups(app: etree._Element) -> list[tuple[str, list[str]]]:
    """(kind, names) of the template's parts, as its HeadingPairs and TitlesOfParts list them."""
    pairs = app.findall(f"{{{EXTENDED_NS}}}HeadingPairs/{{{VT_NS}}}vector/{{{VT_NS}}}variant")
    names = [e.text or "" for e in app.findall(f"{{{EXTENDED_NS}}}TitlesOfParts/{{{VT_NS}}}vector/{{{VT_NS}}}lpstr")]
    groups: list[tuple[str, list[str]]] = []
    at = 0
    for kind_variant, count_variant in zip(pairs[::2], pairs[1::2]):
        kind = kind_variant.findtext(f"{{{VT_NS}}}lpstr") or ""
        try:
            count = int(count_variant.findtext(f"{{{VT_NS}}}i4") or "0")
        except ValueError:
            count = 0
        groups.append((kind, names[at : at + count]))
        at += count
    return groups


def _without_thumbnail(data: bytes) -> tuple[bytes, str | None]:
    """The package relationships without the template's thumbnail (a blank picture of
    another shape), and the part it named."""
    root = etree.fromstring(data)
    gone = None
    for rel in list(root):
        if rel.get("Type") == THUMBNAIL_REL:
            gone = rel.get("Target", "").lstrip("/")
            root.remove(rel)
    return _xml(root), gone
