"""The package check (deck_package.py) passes a deck the tool wrote and finds each kind
of fault when the deck is broken on purpose; conftest.py runs it on every deck."""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from deck_checks import DeckChecks
from deck_package import ALTERNATE, C_NV_PR, NS_P, NS_P14, package_faults
from publish_harness import Project, assert_clean, png_bytes

NOTE = """# Course

## Shapes

![A red square](../media/red.png)

- a point with a [link](#more)

$$
a^2 + b^2 = c^2
$$

::: notes
Say it slowly.
:::

### More

| a | b |
|---|---|
| 1 | 2 |

```python
print("hello")
```
"""

Entries = dict[str, bytes]


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = Project(tmp_path_factory.mktemp("package") / "book")
    (p.media / "red.png").write_bytes(png_bytes(40, 30))
    p.write("index.md", NOTE)
    assert_clean(p.run("slides", "--set", "slides.topic=heading"), codes=(0,))
    [deck] = p.decks()
    return deck


def _entries(deck: Path) -> Entries:
    with zipfile.ZipFile(deck) as z:
        return {name: z.read(name) for name in z.namelist()}


def _write(entries: Entries, path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return path


def _slide_with(entries: Entries, needle: bytes) -> str:
    return next(n for n in sorted(entries) if re.fullmatch(r"ppt/slides/slide\d+\.xml", n) and needle in entries[n])


def _edit(entries: Entries, name: str, change: Callable[[etree._Element], None]) -> None:
    root = etree.fromstring(entries[name])
    change(root)
    entries[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def test_a_deck_the_tool_wrote_is_sound(deck: Path) -> None:
    assert package_faults(deck) == []


def test_a_section_list_naming_each_slide_once_is_sound(deck: Path, tmp_path: Path) -> None:
    entries = _entries(deck)
    assert len(_sections(entries)) >= 2
    assert package_faults(_write(entries, tmp_path / "sections.pptx")) == []


def test_the_two_branches_of_an_equation_share_their_shape_id(deck: Path) -> None:
    """Why ids are counted per branch: the deck's equation is drawn twice under one id,
    which a count over every cNvPr would call a duplicate."""
    entries = _entries(deck)
    slide = etree.fromstring(entries[_slide_with(entries, b"AlternateContent")])
    [alternate] = slide.iter(ALTERNATE)
    ids = [e.get("id") for e in alternate.iter(C_NV_PR)]
    assert len(ids) == 2 and ids[0] == ids[1]
    assert max(Counter(e.get("id") for e in slide.iter(C_NV_PR)).values()) == 2


def _delete_picture(entries: Entries) -> str:
    media = next(n for n in entries if n.startswith("ppt/media/") and n.endswith(".png"))
    del entries[media]
    return f"points at {media}, which is not in the package"


def _delete_slide(entries: Entries) -> str:
    del entries["ppt/slides/slide2.xml"]
    return "Override for /ppt/slides/slide2.xml, which is not in the package"


def _duplicate_an_id(entries: Entries) -> str:
    name = _slide_with(entries, b"AlternateContent")  # a picture, a list and the equation

    def clash(root: etree._Element) -> None:
        shapes = [e for e in root.iter(C_NV_PR) if ALTERNATE not in _tags_above(e)]
        shapes[2].set("id", str(shapes[1].get("id")))

    first = etree.fromstring(entries[name])
    first_id = [e for e in first.iter(C_NV_PR) if ALTERNATE not in _tags_above(e)][1].get("id")
    _edit(entries, name, clash)
    return f"{name}: shape id {first_id} used 2 times"


def _fallback_takes_another_shapes_id(entries: Entries) -> str:
    name = _slide_with(entries, b"AlternateContent")

    def clash(root: etree._Element) -> None:
        other = [e for e in root.iter(C_NV_PR) if ALTERNATE not in _tags_above(e)][1]  # [0] is the shape tree's
        fallback = next(root.iter(f"{ALTERNATE[: -len('AlternateContent')]}Fallback"))
        next(fallback.iter(C_NV_PR)).set("id", str(other.get("id")))

    _edit(entries, name, clash)
    return "(as a viewer taking each mc:Fallback reads it)"


def _tags_above(element: etree._Element) -> list[str]:
    return [str(a.tag) for a in element.iterancestors()]


def _stray_part(entries: Entries) -> str:
    entries["ppt/media/stray.png"] = png_bytes(2, 2)
    return "ppt/media/stray.png: nothing in the package refers to it"


def _no_content_type(entries: Entries) -> str:
    _edit(
        entries, "[Content_Types].xml", lambda root: root.remove(next(e for e in root if e.get("Extension") == "png"))
    )
    media = next(n for n in entries if n.startswith("ppt/media/") and n.endswith(".png"))
    return f"{media}: no content type"


def _slide_left_to_the_xml_default(entries: Entries) -> str:
    _edit(
        entries,
        "[Content_Types].xml",
        lambda root: root.remove(next(e for e in root if e.get("PartName") == "/ppt/slides/slide1.xml")),
    )
    return "is a slide relationship, but ppt/slides/slide1.xml is application/xml"


def _dangling_embed(entries: Entries) -> str:
    name = _slide_with(entries, b"r:embed")

    def dangle(root: etree._Element) -> None:
        blip = next(
            e
            for e in root.iter()
            if "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed" in e.attrib
        )
        blip.set("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed", "rId999")

    _edit(entries, name, dangle)
    return "'rId999'> names no relationship of the part"


def _repeated_relationship_id(entries: Entries) -> str:
    rels = "ppt/_rels/presentation.xml.rels"

    def repeat(root: etree._Element) -> None:
        first, second = root[0], root[1]
        second.set("Id", str(first.get("Id")))

    _edit(entries, rels, repeat)
    return f"{rels}: relationship id"


def _orphan_slide(entries: Entries) -> str:
    """The presentation's relationship to a slide gone: the slide's part is left over."""
    rels = "ppt/_rels/presentation.xml.rels"
    _edit(entries, rels, lambda root: root.remove(next(r for r in root if r.get("Target") == "slides/slide2.xml")))
    return "ppt/slides/slide2.xml: nothing in the package refers to it"


def _sections(entries: Entries, extra: str = "") -> list[str]:
    """PowerPoint's section list put into the presentation: a section for each slide
    of the deck, and one more for the slide id `extra`. Returns the ids named."""
    ids = [str(e.get("id")) for e in etree.fromstring(entries["ppt/presentation.xml"]).iter(f"{{{NS_P}}}sldId")]
    ids += [extra] if extra else []
    sections = "".join(
        f'<p14:section name="S{i}" id="{{{i:08d}-0000-0000-0000-000000000000}}">'
        f'<p14:sldIdLst><p14:sldId id="{sid}"/></p14:sldIdLst></p14:section>'
        for i, sid in enumerate(ids, start=1)
    )
    ext = (
        '<p:extLst><p:ext uri="{521415D9-36F7-43E2-AB2F-B90AF26B5E84}">'
        f'<p14:sectionLst xmlns:p14="{NS_P14}">{sections}</p14:sectionLst></p:ext></p:extLst>'
    )
    xml = entries["ppt/presentation.xml"].decode("utf-8")
    entries["ppt/presentation.xml"] = xml.replace("</p:presentation>", ext + "</p:presentation>").encode("utf-8")
    return ids


def _section_naming_a_gone_slide(entries: Entries) -> str:
    _sections(entries, extra="9999")
    return "a section names slide 9999, which is not in the deck"


def _slide_size_type_of_another_size(entries: Entries) -> str:
    xml = entries["ppt/presentation.xml"].decode("utf-8")
    entries["ppt/presentation.xml"] = re.sub(r"<p:sldSz ", '<p:sldSz type="screen4x3" ', xml, count=1).encode("utf-8")
    return "slide size type screen4x3 on a"


def _app_properties_counting_other_slides(entries: Entries) -> str:
    xml = entries["docProps/app.xml"].decode("utf-8")
    entries["docProps/app.xml"] = re.sub(r"<Slides>\d+</Slides>", "<Slides>99</Slides>", xml).encode("utf-8")
    return "docProps/app.xml: says 99 slides"


BREAKAGES = [
    _delete_picture,
    _delete_slide,
    _duplicate_an_id,
    _fallback_takes_another_shapes_id,
    _stray_part,
    _no_content_type,
    _slide_left_to_the_xml_default,
    _dangling_embed,
    _repeated_relationship_id,
    _orphan_slide,
    _section_naming_a_gone_slide,
    _slide_size_type_of_another_size,
    _app_properties_counting_other_slides,
]


@pytest.mark.parametrize("breakage", BREAKAGES, ids=lambda f: f.__name__.lstrip("_"))
def test_a_deck_broken_on_purpose_fails_the_check(
    deck: Path, tmp_path: Path, breakage: Callable[[Entries], str]
) -> None:
    entries = _entries(deck)
    expected = breakage(entries)
    faults = package_faults(_write(entries, tmp_path / "broken.pptx"))
    assert any(expected in fault for fault in faults), faults


def test_a_part_twice_in_the_zip_fails_the_check(deck: Path, tmp_path: Path) -> None:
    import warnings

    broken = _write(_entries(deck), tmp_path / "twice.pptx")
    with warnings.catch_warnings(), zipfile.ZipFile(broken, "a") as z:
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name it is asked to write
        z.writestr("ppt/slides/slide1.xml", _entries(deck)["ppt/slides/slide2.xml"])
    assert "ppt/slides/slide1.xml: in the zip 2 times" in package_faults(broken)


def test_the_suite_checks_the_decks_the_tool_wrote_and_only_those(deck: Path, tmp_path: Path) -> None:
    """What conftest runs after each test: a deck a manifest vouches for is checked, and
    its faults reported; a broken copy the tool did not write is left alone."""
    import shutil

    from notebook_publish.outputs import MANIFEST, OutputFolder

    out = tmp_path / "slides"
    out.mkdir()
    shutil.copy(deck, out / deck.name)
    checks = DeckChecks(root=tmp_path)
    entries = _entries(deck)
    _write(entries | {"ppt/media/stray.png": png_bytes(2, 2)}, out / "02-not-ours.pptx")
    assert checks.after_test() == []  # no manifest: nothing here is the tool's
    folder = OutputFolder(out)
    folder.record(deck.name)
    folder.record("02-not-ours.pptx")
    folder.save()
    assert (out / MANIFEST).exists()
    faults = checks.after_test()
    assert checks.checked == 2
    assert [f for f in faults if f.startswith(deck.name)] == []
    assert any(f.startswith("02-not-ours.pptx: package: ") and "stray.png" in f for f in faults), faults
    assert checks.after_test() == []  # each file looked at once
    (out / "02-not-ours.pptx").write_bytes(b"changed by someone")  # no longer what the manifest records
    assert checks.after_test() == [] and checks.checked == 2
    checks.close()
