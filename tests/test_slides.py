"""The slide decks, read back with python-pptx as a viewer would see them."""

from __future__ import annotations

import os
import re
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Emu

from deck_fit import text_frame_fits
from notebook_publish.cache import Cache
from notebook_publish.config import load_config
from notebook_publish.diagnostics import Severity, UsageError
from notebook_publish.notes import load_book
from notebook_publish.pandoc.ast import plain_text
from notebook_publish.slides import build_decks
from notebook_publish.slides.text_metrics import TextMeasurer

ROOT = Path(__file__).resolve().parents[1]
EPOCH = "1700000000"  # 2023-11-14 22:13:20 UTC
NS = {
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "a14": "http://schemas.microsoft.com/office/drawing/2010/main",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
CONTINUED = re.compile(r" \(\d+/\d+\)$")


class _Epoch:
    def __enter__(self):
        self.old = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = EPOCH

    def __exit__(self, *exc):
        if self.old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = self.old


def _book(root: Path, out: Path, config_file: Path | None = None, **overrides):
    config = load_config(config_file, overrides={"output": str(out), **overrides}, cwd=root)
    return load_book(config, Cache(out / ".cache"))


def _build(book, out_dir: Path, topic=None, jobs=2):
    with _Epoch():
        return build_decks(book, out_dir, topic=topic, jobs=jobs)


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    out = tmp_path_factory.mktemp("seed")
    book = _book(ROOT, out, ROOT / "handbook.yml")
    written, diagnostics = _build(book, out / "slides")
    return book, out, written, diagnostics


def _deck(written, stem: str) -> Presentation:
    path = next(p for p in written if p.stem.endswith(stem))
    return Presentation(str(path))


def _title(slide) -> str:
    return slide.shapes.title.text_frame.text if slide.shapes.title is not None else ""


def _body_paragraphs(slide):
    """(level, text, paragraph) of the slide's body text, in order (not title or footer)."""
    out = []
    for shape in slide.shapes:
        if (
            not shape.has_text_frame
            or shape == slide.shapes.title
            or shape.name in ("Footer", "Slide Number", "Caption", "Missing image", "Code")
        ):
            continue
        for p in shape.text_frame.paragraphs:
            if p.text.strip():
                out.append((p.level, p.text, p))
    return out


def _all_text(prs: Presentation) -> list[str]:
    texts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
        if slide.has_notes_slide:
            texts.append(slide.notes_slide.notes_text_frame.text)
    return texts


def _section_bullets(book, heading: str) -> tuple[list[tuple[int, str]], set[str]]:
    """(depth, text) of every list item under a heading of the seed, and its bold phrases."""
    blocks = book.chapters[0].note.ast["blocks"]
    start = next(i for i, b in enumerate(blocks) if b["t"] == "Header" and plain_text(b["c"][2]).strip() == heading)
    items: list[tuple[int, str]] = []
    bold: set[str] = set()

    def inline_text(inlines):
        # Display math is a block of its own on a slide; stop the paragraph there.
        cut = next(
            (i for i, x in enumerate(inlines) if x["t"] == "Math" and x["c"][0]["t"] == "DisplayMath"), len(inlines)
        )
        return " ".join(plain_text(inlines[:cut]).split())

    def walk(block, depth):
        if block["t"] == "BulletList":
            for item in block["c"]:
                for j, child in enumerate(item):
                    if j == 0 and child["t"] in ("Para", "Plain"):
                        items.append((depth, inline_text(child["c"])))
                    else:
                        walk(child, depth + 1)
        for inline in _inlines(block):
            if inline["t"] == "Strong":
                bold.add(" ".join(plain_text(inline["c"]).split()))

    for block in blocks[start + 1 :]:
        if block["t"] == "Header":
            break
        walk(block, 0)
    return items, bold


def _xp(element, path: str) -> list:
    from lxml import etree

    return etree.XPath(path, namespaces=NS)(element)


def _inlines(block):
    from notebook_publish.pandoc.ast import walk_inlines

    return list(walk_inlines([block]))


# --- the seed notebook ------------------------------------------------------------------


def test_seed_topics_make_decks_and_empty_topics_are_reported(seed):
    book, out, written, diagnostics = seed
    names = [p.name for p in written]
    assert names == [
        "01-subpage.pptx",
        "02-transformer.pptx",
        "03-large-model-tricks.pptx",
        "04-multi-modality-model.pptx",
        "05-diffusion.pptx",
    ]
    empty = {d.message.split("`")[1] for d in diagnostics if d.code == "empty-topic"}
    assert empty == {"ML", "DL"}
    assert all(d.severity == Severity.INFO for d in diagnostics if d.code == "empty-topic")
    assert not [d for d in diagnostics if d.severity >= Severity.ERROR]


def test_multimodality_deck_structure(seed):
    book, out, written, _ = seed
    prs = _deck(written, "multi-modality-model")
    assert prs.slide_width == Emu(12192000) and prs.slide_height == Emu(6858000)  # 16:9
    titles = [_title(s) for s in prs.slides]
    cover = prs.slides[0]
    assert titles[0] == "Multi-Modality Model"
    assert "Machine Learning Study Notebook" in cover.placeholders[1].text_frame.text
    assert "14 November 2023" in cover.placeholders[1].text_frame.text  # the SOURCE_DATE_EPOCH date
    assert titles[1] == "Agenda"
    agenda = [text for _level, text, _p in _body_paragraphs(prs.slides[1])]
    assert agenda == ["CLiP", "Blip", "Blip2", "Instruct-BLiP", "LLaVA"]
    bases = []
    for t in titles[2:]:
        base = CONTINUED.sub("", t)
        if not bases or bases[-1] != base:
            bases.append(base)
    assert bases == ["CLiP", "Blip", "Blip2", "Instruct-BLiP", "LLaVA"]
    # Continuation titles count the slides of their subtopic: "Blip (1/3)" ... "Blip (3/3)".
    blip = [t for t in titles if CONTINUED.sub("", t) == "Blip"]
    assert len(blip) >= 2 and blip == [f"Blip ({i}/{len(blip)})" for i in range(1, len(blip) + 1)]
    # Footer and slide number on every slide but the cover.
    for number, slide in enumerate(prs.slides, 1):
        names = {s.name: s for s in slide.shapes}
        if number == 1:
            assert "Footer" not in names
            continue
        assert names["Footer"].text_frame.text == "Machine Learning Study Notebook · Multi-Modality Model"
        field = names["Slide Number"]._element.xpath(".//a:fld[@type='slidenum']")
        assert field and field[0].xpath("string(a:t)") == str(number)


@pytest.mark.parametrize("heading", ["CLiP", "Blip", "Blip2", "Instruct-BLiP", "LLaVA"])
def test_bullets_levels_and_bold_runs_match_the_notes(seed, heading):
    book, out, written, _ = seed
    expected, bold_phrases = _section_bullets(book, heading)
    prs = _deck(written, "multi-modality-model")
    got = []
    bold_runs = set()
    for slide in prs.slides:
        if CONTINUED.sub("", _title(slide)) != heading:
            continue
        for level, text, p in _body_paragraphs(slide):
            if text.endswith("(continued)"):
                continue  # the parent repeated for context on a continuation slide
            got.append((level, " ".join(text.split())))
            bold_runs |= {" ".join(r.text.split()) for r in p.runs if r.font.bold}
    assert got == expected
    assert bold_runs == bold_phrases


def test_blip_carries_omml_equations_with_picture_fallbacks(seed):
    book, out, written, _ = seed
    prs = _deck(written, "multi-modality-model")
    found = []
    for slide in prs.slides:
        if CONTINUED.sub("", _title(slide)) != "Blip":
            continue
        for alt in _xp(slide.shapes._spTree, "./mc:AlternateContent"):
            choice = _xp(alt, "./mc:Choice[@Requires='a14']//a14:m/m:oMathPara")
            blips = _xp(alt, "./mc:Fallback//a:blip/@r:embed")
            assert choice and blips
            part = slide.part.related_part(blips[0])
            assert part.content_type == "image/png" and part.blob[:8] == b"\x89PNG\r\n\x1a\n"
            found.append("".join(_xp(choice[0], ".//m:t/text()")))
    assert len(found) == 2
    assert "ITM" in found[0] and "ω" in found[1]


def test_no_markdown_or_tex_delimiters_in_any_text(seed):
    _book_, out, written, _ = seed
    for path in written:
        for text in _all_text(Presentation(str(path))):
            assert "**" not in text and "$$" not in text, (path.name, text)


def test_missing_images_become_named_placeholders(seed):
    _book_, out, written, _ = seed
    prs = _deck(written, "multi-modality-model")
    clip = next(s for s in prs.slides if _title(s).startswith("CLiP"))
    placeholder = next(s for s in clip.shapes if s.name == "Missing image")
    assert "image_1b505834-30de-8037-bee9-cfc97356b605.png" in placeholder.text_frame.text
    # Text and picture side by side: the text ends left of the picture.
    body = next(s for s in clip.shapes if s.is_placeholder and s.placeholder_format.idx == 1)
    assert body.left + body.width <= placeholder.left


def _assert_fits(prs: Presentation, measurer: TextMeasurer, min_size: float | None = None) -> int:
    checked = 0
    for number, slide in enumerate(prs.slides, 1):
        for shape in slide.shapes:
            assert 0 <= shape.left and shape.left + shape.width <= prs.slide_width, (number, shape.name)
            assert 0 <= shape.top and shape.top + shape.height <= prs.slide_height, (number, shape.name)
            if not shape.has_text_frame or not shape.text_frame.text.strip():
                continue
            needed, available = text_frame_fits(shape, measurer)
            assert needed <= available + 0.01, (number, _title(slide), shape.name, needed, available)
            checked += 1
            if min_size is not None and shape.name not in ("Footer", "Slide Number", "Caption", "Missing image"):
                sizes = [r.font.size.pt for p in shape.text_frame.paragraphs for r in p.runs]
                assert min(sizes) >= min_size, (number, shape.name, sizes)
    return checked


def test_no_text_frame_overflows_in_the_seed_decks(seed):
    _book_, out, written, _ = seed
    measurer = TextMeasurer()
    assert sum(_assert_fits(Presentation(str(p)), measurer, 14.0) for p in written) > 30


def test_rebuild_is_byte_identical(seed, tmp_path):
    book, out, written, _ = seed
    again, _ = _build(book, tmp_path / "again", jobs=1)
    assert [p.name for p in again] == [p.name for p in written]
    for first, second in zip(written, again):
        assert first.read_bytes() == second.read_bytes(), first.name
    with zipfile.ZipFile(written[0]) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    props = Presentation(str(written[0])).core_properties
    assert props.modified == datetime(2023, 11, 14, 22, 13, 20) and props.created == props.modified


def test_topic_option_builds_one_deck_with_its_usual_number(seed, tmp_path):
    book, *_ = seed
    written, _ = _build(book, tmp_path / "one", topic="diffusion")
    assert [p.name for p in written] == ["05-diffusion.pptx"]
    assert sorted(p.name for p in (tmp_path / "one").iterdir() if not p.name.startswith(".")) == ["05-diffusion.pptx"]
    with pytest.raises(UsageError) as caught:
        _build(book, tmp_path / "none", topic="Difusion")
    assert "Diffusion" in caught.value.diagnostic.hint


def test_template_missing_a_layout_is_a_clear_error(seed, tmp_path):
    book, *_ = seed
    prs = Presentation()
    layout = next(l for l in prs.slide_layouts if l.name == "Two Content")
    layout._element.cSld.set("name", "Two Columns")
    template = tmp_path / "brand.pptx"
    prs.save(str(template))
    config = load_config(
        ROOT / "handbook.yml", overrides={"output": str(tmp_path), "slides.template": str(template)}, cwd=ROOT
    )
    broken = type(book)(config=config, chapters=book.chapters, media_files=book.media_files)
    with pytest.raises(UsageError) as caught:
        build_decks(broken, tmp_path / "slides", None, 1)
    assert "'Two Content'" in caught.value.diagnostic.message
    assert "'Two Columns'" in caught.value.diagnostic.hint


def test_user_template_layouts_are_used(seed, tmp_path):
    book, *_ = seed
    prs = Presentation()  # a 4:3 template: its size and layouts win over the defaults
    template = tmp_path / "brand.pptx"
    prs.save(str(template))
    config = load_config(
        ROOT / "handbook.yml", overrides={"output": str(tmp_path), "slides.template": str(template)}, cwd=ROOT
    )
    custom = type(book)(config=config, chapters=book.chapters, media_files=book.media_files)
    written, _ = _build(custom, tmp_path / "slides", topic="Multi-Modality Model", jobs=1)
    deck = Presentation(str(written[0]))
    assert deck.slide_width == Emu(9144000)
    assert [s.slide_layout.name for s in deck.slides][:3] == ["Title Slide", "Title and Content", "Two Content"]
    _assert_fits(deck, TextMeasurer(), 14.0)


# --- a stress topic and the other kinds of blocks ----------------------------------------

LONG = "a sentence that goes on and on about attention heads and embeddings and gradients " * 3


def _stress_note() -> str:
    lines = ["# Stress", "", "## Stress Topic", "", "### Many bullets", ""]
    for i in range(60):
        depth = [0, 1, 2, 3, 4, 5, 6, 7, 1, 2][i % 10]
        text = (
            f"item-{i:02d} "
            + (LONG if i % 3 == 0 else "short point")
            + (" **bold key**" if i % 4 == 0 else "")
            + (" with `code`" if i % 5 == 0 else "")
        )
        lines.append("    " * depth + f"- {text}")
    lines += [
        "",
        "### One long paragraph",
        "",
        ("word " * 900).strip() + " the-end",
        "",
        "::: notes",
        "Say this out loud.",
        ":::",
        "",
    ]
    lines += (
        ["### Code", "", "```python"]
        + [f"def f{i}(x):  # line {i}\n    return x + {i}" for i in range(40)]
        + ["```", ""]
    )
    lines += (
        ["### Table", "", "| name | meaning |", "| --- | --- |"]
        + [f"| row-{i:02d} | {'long cell text ' * (1 + i % 4)}|" for i in range(40)]
        + [""]
    )
    lines += [
        "### Numbered",
        "",
        "1. first",
        "2. second",
        "   1. inner",
        "3. third",
        "",
        "$$",
        r"x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \epsilon",
        "$$",
        "",
    ]
    lines += [
        "### Quote",
        "",
        "> Note: remember the stress test.",
        "",
        "Text with a [link](https://example.org) and $\\alpha + \\beta$ inline.",
        "",
    ]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def stress(tmp_path_factory):
    root = tmp_path_factory.mktemp("stress")
    (root / "notes").mkdir()
    (root / "notes" / "index.md").write_text(_stress_note(), encoding="utf-8")
    book = _book(root, root / "build")
    written, diagnostics = _build(book, root / "build" / "slides")
    return written, diagnostics


def test_stress_topic_splits_and_every_frame_fits(stress):
    written, _ = stress
    assert [p.name for p in written] == ["01-stress-topic.pptx"]
    prs = Presentation(str(written[0]))
    titles = [_title(s) for s in prs.slides]
    many = [t for t in titles if t.startswith("Many bullets")]
    assert len(many) >= 4 and many[0] == f"Many bullets (1/{len(many)})"
    _assert_fits(prs, TextMeasurer(), 14.0)
    # Nothing lost: every item appears once, outside context lines; deep ones are flattened visibly.
    body = []
    for slide in prs.slides:
        if _title(slide).startswith("Many bullets"):
            body += [(level, text) for level, text, _p in _body_paragraphs(slide) if not text.endswith("(continued)")]
    for i in range(60):
        assert sum(1 for _l, t in body if f"item-{i:02d} " in t) == 1, i
    deep = [(level, t) for level, t in body if "item-07 " in t]
    assert deep[0][0] == 4 and deep[0][1].startswith("››› item-07")
    # A parent split from its children is repeated as context.
    assert any(t.endswith("(continued)") for s in prs.slides for _l, t, _p in _body_paragraphs(s))


def test_stress_long_paragraph_code_table_and_notes(stress):
    written, _ = stress
    prs = Presentation(str(written[0]))
    slides = {}
    for slide in prs.slides:
        slides.setdefault(CONTINUED.sub("", _title(slide)), []).append(slide)
    # A paragraph taller than a slide continues on the next one, every word kept.
    words = " ".join(" ".join(t for _l, t, _p in _body_paragraphs(s)) for s in slides["One long paragraph"]).split()
    assert words.count("word") == 900 and words[-1] == "the-end" and len(slides["One long paragraph"]) >= 2
    assert "Say this out loud." in slides["One long paragraph"][0].notes_slide.notes_text_frame.text
    # Code: monospace runs with Pygments colours, split over slides, no line lost.
    code_lines = []
    for slide in slides["Code"]:
        code = next(s for s in slide.shapes if s.name == "Code")
        code_lines += [p.text for p in code.text_frame.paragraphs]
        fonts = {r.font.name for p in code.text_frame.paragraphs for r in p.runs}
        assert fonts == {"Source Code Pro"}
        colours = {str(r.font.color.rgb) for p in code.text_frame.paragraphs for r in p.runs}
        assert len(colours) > 1
    assert len(slides["Code"]) >= 2 and code_lines == [
        line for i in range(40) for line in (f"def f{i}(x):  # line {i}", f"    return x + {i}")
    ]
    # Table: native, split with the header repeated.
    rows = []
    for slide in slides["Table"]:
        table = next(s for s in slide.shapes if s.has_table).table
        assert table.cell(0, 0).text == "name"
        rows += [table.cell(r, 0).text for r in range(1, len(table.rows))]
    assert len(slides["Table"]) >= 2 and rows == [f"row-{i:02d}" for i in range(40)]
    # Numbered list, formula and the quote that is a speaker note.
    numbered = slides["Numbered"][0]
    nums = _xp(numbered.shapes._spTree, ".//a:buAutoNum/@startAt")
    assert nums == ["1", "2", "1", "3"]
    assert _xp(numbered.shapes._spTree, "./mc:AlternateContent/mc:Fallback//a:blip")
    quote = slides["Quote"][0]
    assert "remember the stress test" in quote.notes_slide.notes_text_frame.text
    texts = " ".join(t for _l, t, _p in _body_paragraphs(quote))
    assert "α + β" in texts and "$" not in texts
    link = next(r for _l, _t, p in _body_paragraphs(quote) for r in p.runs if r.text == "link")
    assert link.hyperlink.address == "https://example.org"


def test_note_topics_with_the_generated_notebook(tmp_path):
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from generate_notebook import generate_notebook
    finally:
        sys.path.remove(str(ROOT / "bench"))
    generate_notebook(tmp_path / "notes", 3, seed=3)
    book = _book(tmp_path, tmp_path / "build", **{"notes": "notes", "slides.topic": "note"})
    written, diagnostics = _build(book, tmp_path / "build" / "slides")
    # The index only links to the notes: nothing to present, so no deck.
    assert [p.name[:12] for p in written] == ["01-topic-001", "02-topic-002", "03-topic-003"]
    assert any(d.code == "empty-topic" for d in diagnostics)
    measurer = TextMeasurer()
    for path in written:
        prs = Presentation(str(path))
        _assert_fits(prs, measurer, 14.0)
        pictures = [s for slide in prs.slides for s in slide.shapes if s.shape_type == 13]  # PICTURE
        assert pictures, path.name
        assert any(s.has_table for slide in prs.slides for s in slide.shapes)
