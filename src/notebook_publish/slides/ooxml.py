"""Every XML element the slides write by hand, in one place.

python-pptx has no API for exact line pitch, list numbering, highlighted or emoji runs,
slide-number fields, slide jumps or equations, and its run proxies cost more than the
rest of a deck together. So those elements are made here, with lxml on python-pptx's
oxml elements: each parent's children in schema order (ECMA-376 Part 1, DrawingML and
PresentationML) are declared once, in `CHILD_ORDER`, and `add` puts every new child
where its parent's order wants it, whatever is already there.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, cast

from lxml import etree
from pptx.oxml.ns import qn

if TYPE_CHECKING:
    from pptx.enum.text import PP_PARAGRAPH_ALIGNMENT
    from pptx.oxml.text import CT_TextBody, CT_TextParagraph
    from pptx.oxml.xmlchemy import BaseOxmlElement
    from pptx.shapes.autoshape import Shape

    from notebook_publish.slides.deck import Numbering

NS_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
NS_A14 = "http://schemas.microsoft.com/office/drawing/2010/main"
NS_M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
NS_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_CLARK = {"mc": NS_MC, "a14": NS_A14, "m": NS_M}

_FILLS = ("a:noFill", "a:solidFill", "a:gradFill", "a:blipFill", "a:pattFill", "a:grpFill")
_COLOURS = ("a:scrgbClr", "a:srgbClr", "a:hslClr", "a:sysClr", "a:schemeClr", "a:prstClr")
_SPACING = (("a:spcPct", "a:spcPts"),)
# Each parent's children in schema order. A tuple inside is a choice (or a repeated
# group): its members share a place and keep the order they were added in.
CHILD_ORDER: dict[str, tuple[str | tuple[str | tuple[str, ...], ...], ...]] = {
    "p:spTree": (
        "p:nvGrpSpPr",
        "p:grpSpPr",
        ("p:sp", "p:grpSp", "p:graphicFrame", "p:cxnSp", "p:pic", "p:contentPart", "mc:AlternateContent"),
        "p:extLst",
    ),
    "mc:AlternateContent": ("mc:Choice", "mc:Fallback"),
    "mc:Choice": ("p:sp",),
    "mc:Fallback": ("p:sp",),
    "p:sp": ("p:nvSpPr", "p:spPr", "p:style", "p:txBody", "p:extLst"),
    "p:nvSpPr": ("p:cNvPr", "p:cNvSpPr", "p:nvPr"),
    "p:spPr": (
        "a:xfrm",
        ("a:custGeom", "a:prstGeom"),
        _FILLS,
        "a:ln",
        ("a:effectLst", "a:effectDag"),
        "a:scene3d",
        "a:sp3d",
        "a:extLst",
    ),
    "a:xfrm": ("a:off", "a:ext"),
    "a:prstGeom": ("a:avLst",),
    "a:blipFill": ("a:blip", "a:srcRect", ("a:tile", "a:stretch")),
    "a:stretch": ("a:fillRect",),
    "p:txBody": ("a:bodyPr", "a:lstStyle", "a:p"),
    "a:bodyPr": (
        "a:prstTxWarp",
        ("a:noAutofit", "a:normAutofit", "a:spAutoFit"),
        "a:scene3d",
        ("a:sp3d", "a:flatTx"),
        "a:extLst",
    ),
    "a:p": ("a:pPr", ("a:r", "a:br", "a:fld", "a14:m"), "a:endParaRPr"),
    "a:pPr": (
        "a:lnSpc",
        "a:spcBef",
        "a:spcAft",
        ("a:buClrTx", "a:buClr"),
        ("a:buSzTx", "a:buSzPct", "a:buSzPts"),
        ("a:buFontTx", "a:buFont"),
        ("a:buNone", "a:buAutoNum", "a:buChar", "a:buBlip"),
        "a:tabLst",
        "a:defRPr",
        "a:extLst",
    ),
    "a:lnSpc": _SPACING,
    "a:spcBef": _SPACING,
    "a:spcAft": _SPACING,
    "a:r": ("a:rPr", "a:t"),
    "a:br": ("a:rPr",),
    "a:fld": ("a:rPr", "a:pPr", "a:t"),
    "a:rPr": (
        "a:ln",
        _FILLS,
        ("a:effectLst", "a:effectDag"),
        "a:highlight",
        ("a:uLnTx", "a:uLn"),
        ("a:uFillTx", "a:uFill"),
        "a:latin",
        "a:ea",
        "a:cs",
        "a:sym",
        "a:hlinkClick",
        "a:hlinkMouseOver",
        "a:rtl",
        "a:extLst",
    ),
    "a:solidFill": (_COLOURS,),
    "a:highlight": (_COLOURS,),
}
# The paragraph properties set by `paragraph_properties` (replaced each time).
_SPACING_AND_BULLETS = (
    "a:lnSpc",
    "a:spcBef",
    "a:spcAft",
    "a:buClrTx",
    "a:buSzTx",
    "a:buFontTx",
    "a:buNone",
    "a:buAutoNum",
    "a:buChar",
    "a:buFont",
)


def _clark(tag: str) -> str:
    prefix, _, local = tag.partition(":")
    return f"{{{_CLARK[prefix]}}}{local}" if prefix in _CLARK else qn(tag)


def _ranks(parent_tag: str) -> dict[str, int]:
    found = _RANKS.get(parent_tag)
    if found is None:
        found = _RANKS[parent_tag] = {}
        for rank, entry in enumerate(CHILD_ORDER[parent_tag]):
            for tag in entry if isinstance(entry, tuple) else (entry,):
                for member in tag if isinstance(tag, tuple) else (tag,):
                    found[_clark(member)] = rank
    return found


_RANKS: dict[str, dict[str, int]] = {}
_PREFIX_OF = {NS_A: "a", "http://schemas.openxmlformats.org/presentationml/2006/main": "p", NS_MC: "mc"}


def _tag_name(element: etree._Element) -> str:
    q = etree.QName(element)
    return f"{_PREFIX_OF[q.namespace]}:{q.localname}"


def add(
    parent: etree._Element,
    tag: str,
    attrs: dict[str, str] | None = None,
    *,
    text: str | None = None,
    nsmap: dict[str, str] | None = None,
) -> etree._Element:
    """A new child `tag` ("a:rPr") of `parent`, placed as `CHILD_ORDER` says: before the
    first child the schema puts after it. `attrs` in the order given ("r:id" style
    names are namespaced); `nsmap`: namespaces to declare on it."""
    ranks = _ranks(_tag_name(parent))
    name = _clark(tag)
    rank = ranks[name]
    child = etree.SubElement(parent, name, nsmap=nsmap) if nsmap else etree.SubElement(parent, name)
    for key, value in (attrs or {}).items():
        child.set(qn(key) if ":" in key else key, value)
    if text is not None:
        child.text = text
    for sibling in parent:
        if sibling is child:
            break
        if ranks.get(sibling.tag, -1) > rank:
            sibling.addprevious(child)
            break
    return child


# --- text ---------------------------------------------------------------------------------

# What XML 1.0 cannot hold: C0 controls but tab, newline and return, lone surrogates,
# U+FFFE and U+FFFF. The normaliser removes them from the notes (with a warning); this
# keeps any other way in (the config's title, a template's text) from failing the deck.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters lxml refuses; form feed and vertical tab, which
    separate words, become spaces."""
    if not _NOT_XML.search(text):
        return text
    return _NOT_XML.sub(lambda m: " " if m.group(0) in "\x0b\x0c" else "", text)


def hundredths(points: float) -> str:
    """Points as the hundredths DrawingML sizes and spacings are written in."""
    return str(int(round(points * 100)))


def paragraph_properties(
    p: CT_TextParagraph,
    *,
    level: int,
    indent_emu: int,
    hanging_emu: int,
    align: PP_PARAGRAPH_ALIGNMENT | None,
    line_height: float,
    space_before: float,
    marker: str | Numbering | None,
) -> None:
    """`a:pPr` of paragraph `p`: level, margins, alignment (a python-pptx PP_ALIGN or
    None: inherited), exact line pitch, space before and none after, and its bullet:
    None (no bullet), a `deck.Numbering` (numbered by the viewer) or a character."""
    pPr = p.get_or_add_pPr()
    pPr.lvl = level
    pPr.set("marL", str(indent_emu))
    pPr.set("indent", str(-hanging_emu))
    if align is not None:
        pPr.algn = align
    for tag in _SPACING_AND_BULLETS:
        for old in pPr.findall(qn(tag)):
            pPr.remove(old)
    add(add(pPr, "a:lnSpc"), "a:spcPts", {"val": hundredths(line_height)})
    add(add(pPr, "a:spcBef"), "a:spcPts", {"val": hundredths(space_before)})
    add(add(pPr, "a:spcAft"), "a:spcPts", {"val": "0"})
    if marker is None:
        add(pPr, "a:buNone")
    elif isinstance(marker, str):
        add(pPr, "a:buFont", {"typeface": "Arial"})
        add(pPr, "a:buChar", {"char": marker})
    else:
        add(pPr, "a:buAutoNum", {"type": marker.scheme, "startAt": str(marker.number)})


def add_run(
    p: etree._Element,
    text: str,
    *,
    size: float,
    bold: bool,
    italic: bool,
    strike: bool = False,
    baseline: int = 0,
    colour: str | None = None,
    highlight: str | None = None,
    typeface: str,
    pitch_family: str | None = None,
    every_script: bool = False,
) -> etree._Element:
    """An `a:r` with every property explicit, after `p`'s other runs; returns its
    `a:rPr`. `every_script`: the typeface in the Latin, East Asian and complex-script
    slots, so a viewer uses it whichever class it puts the characters in."""
    r = add(p, "a:r")
    attrs = {"lang": "en-US", "sz": hundredths(size), "b": "1" if bold else "0", "i": "1" if italic else "0"}
    if strike:
        attrs["strike"] = "sngStrike"
    if baseline:
        attrs["baseline"] = "30000" if baseline > 0 else "-25000"
    rPr = add(r, "a:rPr", attrs)
    if colour:
        add(add(rPr, "a:solidFill"), "a:srgbClr", {"val": colour})
    if highlight:
        add(add(rPr, "a:highlight"), "a:srgbClr", {"val": highlight})
    if every_script:
        for slot in ("a:latin", "a:ea", "a:cs"):
            add(rPr, slot, {"typeface": typeface})
    else:
        add(rPr, "a:latin", {"typeface": typeface, **({"pitchFamily": pitch_family} if pitch_family else {})})
    add(r, "a:t", text=text)
    return rPr


def add_line_break(p: etree._Element, size: float) -> None:
    add(add(p, "a:br"), "a:rPr", {"sz": hundredths(size)})


def add_slide_number(p: etree._Element, *, field_id: str, number: int, size: float, colour: str, typeface: str) -> None:
    """A slide-number field showing `number` until a viewer updates it."""
    fld = add(p, "a:fld", {"id": field_id, "type": "slidenum"})
    rPr = add(fld, "a:rPr", {"lang": "en-US", "sz": str(int(size * 100))})
    add(add(rPr, "a:solidFill"), "a:srgbClr", {"val": colour})
    add(rPr, "a:latin", {"typeface": typeface})
    add(fld, "a:t", text=str(number))


def text_body(shape: Shape) -> CT_TextBody:
    """The shape's `p:txBody`: every shape the writer puts text in (a text box, a
    placeholder, a rectangle) has one."""
    body = shape.element.txBody
    assert body is not None
    return body


def set_end_size(p: CT_TextParagraph, size: float) -> None:
    """The size of the paragraph's end mark (what an empty paragraph's height follows)."""
    p.get_or_add_endParaRPr().set("sz", hundredths(size))


def add_hyperlink(rPr: etree._Element, rId: str, *, slide_jump: bool = False) -> None:
    """A click on the run opens the relationship `rId`: a web address, another deck, or
    (`slide_jump`) a slide of this deck."""
    add(rPr, "a:hlinkClick", {"r:id": rId, "action": "ppaction://hlinksldjump"} if slide_jump else {"r:id": rId})


def set_description(shape_element: BaseOxmlElement, text: str) -> None:
    """The alt text (`descr`) of a shape or picture."""
    shape_element.xpath("./*[1]/p:cNvPr")[0].set("descr", xml_safe(text))


# --- equations ----------------------------------------------------------------------------


def add_equation(
    spTree: etree._Element,
    *,
    shape_id: int,
    x: int,
    y: int,
    cx: int,
    cy: int,
    tex: str,
    omml: etree._Element,
    size: float,
    picture_rId: str,
) -> None:
    """A display formula as PowerPoint writes one: an `mc:AlternateContent` whose Choice
    is a text box holding the OMML equation (`omml`, from `omml_for_slides`) and whose
    Fallback is the same box filled with the formula's picture."""
    content = add(spTree, "mc:AlternateContent", nsmap={"mc": NS_MC})
    sz = hundredths(size)
    choice = add(content, "mc:Choice", {"Requires": "a14"}, nsmap={"a14": NS_A14})
    fallback = add(content, "mc:Fallback")
    for branch in (choice, fallback):
        sp = add(branch, "p:sp")
        nv = add(sp, "p:nvSpPr")
        add(nv, "p:cNvPr", {"id": str(shape_id), "name": f"Equation {shape_id}", "descr": _as_parsed_attribute(tex)})
        add(nv, "p:cNvSpPr", {"txBox": "1"})
        add(nv, "p:nvPr")
        sp_pr = add(sp, "p:spPr")
        xfrm = add(sp_pr, "a:xfrm")
        add(xfrm, "a:off", {"x": str(x), "y": str(y)})
        add(xfrm, "a:ext", {"cx": str(cx), "cy": str(cy)})
        add(add(sp_pr, "a:prstGeom", {"prst": "rect"}), "a:avLst")
        if branch is choice:
            add(sp_pr, "a:noFill")
        else:
            blip_fill = add(sp_pr, "a:blipFill")
            add(blip_fill, "a:blip", {"r:embed": picture_rId})
            add(add(blip_fill, "a:stretch"), "a:fillRect")
        body = add(sp, "p:txBody")
        add(
            add(
                body, "a:bodyPr", {"wrap": "none", "lIns": "0", "tIns": "0", "rIns": "0", "bIns": "0", "anchor": "ctr"}
            ),
            "a:noAutofit",
        )
        add(body, "a:lstStyle")
        p = add(body, "a:p")
        if branch is choice:
            add(p, "a:pPr", {"algn": "ctr"})
            add(p, "a14:m").append(omml)
        add(p, "a:endParaRPr", {"lang": "en-US", "sz": sz})


def _as_parsed_attribute(text: str) -> str:
    """`text` as an XML attribute value reads once parsed: line ends and tabs are spaces."""
    text = xml_safe(text).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", " ").replace("\t", " ")


def omml_for_slides(omml: str, size: float, colour: str) -> etree._Element:
    """pandoc's OMML (made for Word, repaired by `omml_fix`) with the run properties
    PowerPoint expects: an `a:rPr` after each run's `m:rPr`, where Word has `w:rPr`."""
    root = etree.fromstring(omml.encode("utf-8"))
    for run in root.iter(f"{{{NS_M}}}r"):
        bold, italic = _run_look(run)
        for w in run.findall(f"{{{NS_W}}}rPr"):
            run.remove(w)
        rpr = etree.Element(f"{{{NS_A}}}rPr", nsmap={"a": NS_A})
        rpr.set("lang", "en-US")
        rpr.set("sz", hundredths(size))
        if bold:
            rpr.set("b", "1")
        rpr.set("i", "1" if italic else "0")
        fill = etree.SubElement(rpr, f"{{{NS_A}}}solidFill")
        etree.SubElement(fill, f"{{{NS_A}}}srgbClr").set("val", colour)
        latin = etree.SubElement(rpr, f"{{{NS_A}}}latin")
        latin.set("typeface", "Cambria Math")
        m_rpr = run.find(f"{{{NS_M}}}rPr")
        if m_rpr is not None:
            m_rpr.addnext(rpr)
        else:
            run.insert(0, rpr)
    for w in cast("list[etree._Element]", root.xpath("//*[namespace-uri()=$ns]", ns=NS_W)):  # elements: `//*`
        parent = w.getparent()
        if parent is not None:  # a w: root (never pandoc's) stays
            parent.remove(w)
    for t in root.iter(f"{{{NS_M}}}t"):
        # LibreOffice reads OMML text as StarMath, where "|" means "or" (∨); U+2223
        # looks the same in every viewer and is the proper relation anyway.
        if t.text and "|" in t.text:
            t.text = t.text.replace("|", "\u2223")
    for jc in root.iter(f"{{{NS_M}}}jc"):
        jc.set(f"{{{NS_M}}}val", "centerGroup")
    etree.cleanup_namespaces(root)
    return root


def _run_look(run: etree._Element) -> tuple[bool, bool]:
    """(bold, italic) of a math run: math text from its `m:sty` (none is italic, as for a
    variable), normal text (`m:nor`) from the `w:rPr` that `omml_fix` gave it."""
    if run.find(f"{{{NS_M}}}rPr/{{{NS_M}}}nor") is not None:
        return (run.find(f"{{{NS_W}}}rPr/{{{NS_W}}}b") is not None, run.find(f"{{{NS_W}}}rPr/{{{NS_W}}}i") is not None)
    sty = run.find(f"{{{NS_M}}}rPr/{{{NS_M}}}sty")
    look = "i" if sty is None else sty.get(f"{{{NS_M}}}val", "i")
    return "b" in look, "i" in look
