"""The parts of a deck's package say what the deck is (app properties, slide size type,
no stale sections or thumbnail), and the handbook's page labels match its folios."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree
from pptx import Presentation

from ooxml_audit import audit_errors
from publish_harness import Project, assert_clean

P14_SECTIONS = "{521415D9-36F7-43E2-AB2F-B90AF26B5E84}"
NOTES = "# Course\n\n## Kernels\n\n- one idea\n- another idea\n\n### More\n\n- a third\n\n::: notes\nSay hello.\n:::\n"


def _read(deck: Path, name: str) -> bytes:
    with zipfile.ZipFile(deck) as z:
        return z.read(name)


def _template_with_sections(path: Path, aspect=(9144000, 6858000)) -> Path:
    """A user's template as PowerPoint saves one: two slides, in two named sections."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = aspect
    ids = []
    for _ in range(2):
        slide = prs.slides.add_slide(prs.slide_layouts[1])
        ids.append(slide.slide_id)
    prs.save(str(path))
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    xml = entries["ppt/presentation.xml"].decode("utf-8")
    sections = (
        f'<p:extLst><p:ext uri="{P14_SECTIONS}"><p14:sectionLst xmlns:p14="http://schemas.microsoft.com/office/powerpoint/2010/main">'
        + "".join(
            f'<p14:section name="Part {i}" id="{{0000000{i}-0000-0000-0000-000000000000}}"><p14:sldIdLst><p14:sldId id="{sid}"/></p14:sldIdLst></p14:section>'
            for i, sid in enumerate(ids, start=1)
        )
        + "</p14:sectionLst></p:ext></p:extLst>"
    )
    entries["ppt/presentation.xml"] = xml.replace("</p:presentation>", sections + "</p:presentation>").encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def test_a_deck_says_what_it_is(tmp_path):
    p = Project(tmp_path / "book")
    p.write("index.md", NOTES)
    assert_clean(p.run("slides", "--set", "slides.topic=heading"), codes=(0,))
    [deck] = p.decks()
    prs = Presentation(str(deck))
    app = etree.fromstring(_read(deck, "docProps/app.xml"))
    ns = {
        "a": "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
        "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
    }
    assert app.findtext("a:Application", namespaces=ns) == "notebook-publish"
    assert int(app.findtext("a:Slides", namespaces=ns)) == len(prs.slides) >= 2
    assert int(app.findtext("a:Notes", namespaces=ns)) == sum(1 for s in prs.slides if s.has_notes_slide) >= 1
    titles = [e.text for e in app.findall("a:TitlesOfParts/vt:vector/vt:lpstr", ns)]
    assert titles[-len(prs.slides) :] == [s.shapes.title.text if s.shapes.title is not None else "" for s in prs.slides]
    assert app.findtext("a:PresentationFormat", namespaces=ns) == "Widescreen"
    size = re.search(rb"<p:sldSz [^>]*>", _read(deck, "ppt/presentation.xml")).group(0)
    assert b"type=" not in size  # 13.33 x 7.5 in is `custom`: no named type fits it
    with zipfile.ZipFile(deck) as z:
        assert not [n for n in z.namelist() if "thumbnail" in n]
        assert b"thumbnail" not in z.read("_rels/.rels")
    (tmp_path / "audit").mkdir(exist_ok=True)
    errors, _allowed = audit_errors(deck, tmp_path / "audit")
    assert errors == []


def test_a_template_with_sections_gives_a_deck_without_stale_ones(tmp_path):
    p = Project(tmp_path / "book")
    p.write("index.md", NOTES)
    template = _template_with_sections(tmp_path / "brand.pptx")
    p.config(f"slides:\n  template: {template}\n  topic: heading\n")
    run = p.run("slides")
    assert_clean(run, codes=(0,))
    [deck] = p.decks()
    presentation = _read(deck, "ppt/presentation.xml")
    assert b"sectionLst" not in presentation  # it named the template's slides, which are gone
    assert b'type="screen4x3"' in re.search(rb"<p:sldSz [^>]*>", presentation).group(0)
    app = _read(deck, "docProps/app.xml")
    assert b"On-screen Show (4:3)" in app and b"Macintosh" not in app
    (tmp_path / "audit").mkdir(exist_ok=True)
    errors, _allowed = audit_errors(deck, tmp_path / "audit")
    assert errors == []


def test_the_page_labels_match_the_printed_folios(tmp_path):
    from pypdf import PdfReader

    p = Project(tmp_path / "book")
    p.write("index.md", "# One\n\n- [Two](two.md)\n\ntext\n")
    p.write("two.md", "# Two\n\ntext\n")
    assert_clean(p.run("pdf"), codes=(0,))
    reader = PdfReader(str(p.pdf))
    labels = reader.page_labels
    texts = [page.extract_text() for page in reader.pages]
    front = next(i for i, t in enumerate(texts) if "text" in t)  # the first chapter's page
    assert labels[:front] == ["i", "ii", "iii", "iv"][:front]
    assert labels[front:] == [str(n) for n in range(1, len(labels) - front + 1)]
    # The chapter's printed folio is its label.
    assert re.search(r"(^|\n)1\s*$", texts[front].strip()) or texts[front].strip().endswith("1")


def test_typed_hyphens_are_found_by_search(tmp_path):
    import subprocess

    p = Project(tmp_path / "book")
    p.write(
        "index.md",
        "# Models\n\nThe Q-Former reads the image. A Q-Former has 32 queries.\n\n- **Q-Former** again, and a built-in cross-attention.\n",
    )
    assert_clean(p.run("pdf"), codes=(0,))
    text = subprocess.run(["pdftotext", str(p.pdf), "-"], capture_output=True, text=True).stdout
    body = text[text.index("The Q") : text.index("\x0cIndex")]  # the chapter (the bold term is in the index too)
    assert body.count("Q-Former") == 3 and "built-in cross-attention" in " ".join(body.split())
    assert "\u2010" not in text


def _template_with_a_custom_show(path: Path) -> Path:
    """A user's template with two slides and a custom show (Slide Show > Custom Slide
    Show) listing them: the show names the slides through the presentation's relationships."""
    prs = Presentation()
    for n in range(2):
        prs.slides.add_slide(prs.slide_layouts[1]).shapes.title.text = f"Template slide {n}"
    prs.save(str(path))
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    xml = entries["ppt/presentation.xml"].decode("utf-8")
    rids = re.findall(r'<p:sldId [^>]*r:id="(rId\d+)"', xml)
    show = (
        '<p:custShowLst><p:custShow name="Short" id="0"><p:sldLst>'
        + "".join(f'<p:sld r:id="{rid}"/>' for rid in rids)
        + "</p:sldLst></p:custShow></p:custShowLst>"
    )
    entries["ppt/presentation.xml"] = re.sub(r"(<p:notesSz [^>]*/>)", lambda m: m.group(1) + show, xml).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def test_a_template_with_a_custom_show_gives_a_deck_with_its_slides_only(tmp_path):
    """The template's slides are removed; a custom show listing them kept them in the
    package, under the names the deck's own slides were then given (two zip entries
    each)."""
    from deck_package import package_faults

    p = Project(tmp_path / "book")
    p.write("index.md", NOTES)
    template = _template_with_a_custom_show(tmp_path / "brand.pptx")
    p.config(f"slides:\n  template: {template}\n  topic: heading\n")
    assert_clean(p.run("slides"), codes=(0,))
    [deck] = p.decks()
    with zipfile.ZipFile(deck) as z:
        names = z.namelist()
    assert len(names) == len(set(names))
    prs = Presentation(str(deck))
    titles = [s.shapes.title.text for s in prs.slides if s.shapes.title is not None]
    assert "Kernels" in titles and not [t for t in titles if t.startswith("Template slide")]
    assert b"custShow" not in _read(deck, "ppt/presentation.xml")  # it named only the template's slides
    assert package_faults(deck) == []
