"""The handbook as a tagged PDF, checked as assistive technology reads it
(`pdf_structure.problems`: the structure tree, the parent tree, every page's marked
content, headings, alternate texts, the catalog and the XMP), for each `pdf.variant`;
and the checker itself, on PDFs broken on purpose."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

from notebook_publish.cache import MemoryCache
from notebook_publish.config import load_config
from notebook_publish.diagnostics import UsageError
from notebook_publish.handbook import build_pdf
from notebook_publish.notes import load_book
from pdf_structure import problems

ROOT = Path(__file__).resolve().parents[1]


def _build(project: Path, variant: str | None = None, name: str = "handbook.pdf") -> Path:
    overrides = {"pdf.variant": variant} if variant else None
    config = load_config(project / "handbook.yml", overrides=overrides)
    out = project / "build" / name
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        diagnostics = build_pdf(load_book(config, MemoryCache()), out, jobs=1)
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    assert not [d for d in diagnostics if d.severity >= 2], diagnostics
    return out


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("seed")
    shutil.copytree(ROOT / "notes", project / "notes")
    (project / "media").mkdir()
    if (ROOT / "media").is_dir():
        shutil.copytree(ROOT / "media", project / "media", dirs_exist_ok=True)
    shutil.copy(ROOT / "handbook.yml", project / "handbook.yml")
    return _build(project)


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small book with what the seed lacks: an undescribed picture, a table, a
    footnote, nested lists, headings three deep and a link to another note."""
    from PIL import Image

    project = tmp_path_factory.mktemp("varied")
    notes = project / "notes"
    (notes / "media").mkdir(parents=True)
    Image.new("RGB", (120, 60), (40, 90, 160)).save(notes / "media" / "chart.png")
    (notes / "index.md").write_text("# Overview\n\n[Alpha](alpha.md)\n\n[Beta](beta.md)\n", encoding="utf-8")
    (notes / "alpha.md").write_text(
        "# Alpha\n\n## Train\n\nWith **gradient descent** and $e^{i\\pi}+1=0$. See [Beta](beta.md#deep).\n\n"
        "![](media/chart.png)\n\n![A described chart](media/chart.png)\n\n"
        "| a | b |\n| --- | --- |\n| 1 | $x^2$ |\n\nA claim.[^1]\n\n[^1]: The footnote.\n\n"
        "- one\n  - nested $\\alpha$\n- two\n\n$$\\int_0^1 f(x)\\,dx$$\n",
        encoding="utf-8",
    )
    (notes / "beta.md").write_text(
        "# Beta\n\n" + "Filler words here. " * 300 + "\n\n## Deep\n\n### Deeper\n\nText.\n", encoding="utf-8"
    )
    (project / "handbook.yml").write_text("title: Varied\nmedia: []\n", encoding="utf-8")
    return project


def test_generated_notebook_is_well_formed(tmp_path: Path) -> None:
    """The benchmark's kind of notebook (bench/generate_notebook.py: code, tables,
    callouts, nested lists, inline and display math, pictures), a few notes of it."""
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from generate_notebook import generate_notebook

    generate_notebook(tmp_path / "notes", 10, 1)
    (tmp_path / "handbook.yml").write_text("title: Generated\nnotes: notes\nmedia: [notes/media]\n", encoding="utf-8")
    out = _build(tmp_path)
    assert problems(out) == []
    assert _elements(out, "Formula") and _elements(out, "Table") and _elements(out, "Figure")


def _pdfinfo(path: Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def _elements(path: Path, kind: str) -> list[dict[str, str]]:
    """The structure elements of one type, with their Alt and ActualText."""
    found = []
    with pikepdf.open(path) as pdf:
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    stack.append(kid)
            if node.get("/S") == pikepdf.Name("/" + kind):
                found.append({"alt": str(node.get("/Alt", "")), "text": str(node.get("/ActualText", ""))})
    return found


needs_pdfinfo = pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="needs poppler-utils (pdfinfo)")


@needs_pdfinfo
def test_seed_is_tagged_and_well_formed(seed: Path) -> None:
    assert "Tagged:          yes" in _pdfinfo(seed)
    assert problems(seed) == []


def test_seed_formulas_read_as_their_tex_and_text(seed: Path) -> None:
    formulas = _elements(seed, "Formula")
    assert len(formulas) == 2
    assert any("\\sum" in f["alt"] and "∑" in f["text"] for f in formulas)


def test_contents_and_index_are_tagged_as_such(seed: Path) -> None:
    assert _elements(seed, "TOC") and len(_elements(seed, "TOCI")) >= 5
    assert len(_elements(seed, "Index")) >= 1


def test_varied_book_is_well_formed(varied: Path) -> None:
    out = _build(varied)
    assert problems(out) == []
    figures = _elements(out, "Figure")
    assert sorted(f["alt"] for f in figures) == ["A described chart", "picture chart.png"]
    assert len(_elements(out, "Formula")) == 4
    assert _elements(out, "Table") and _elements(out, "H3")


@needs_pdfinfo
def test_pdf_a_variant(varied: Path) -> None:
    out = _build(varied, "pdf/a-3b", "archival.pdf")
    assert problems(out, "pdfaid") == []
    with pikepdf.open(out) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] == "B"
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == pikepdf.Name.GTS_PDFA1
        assert b"sRGB" in intent.DestOutputProfile.read_bytes()[:200] or intent.DestOutputProfile.N == 3
        for page in pdf.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                descriptor = (font.DescendantFonts[0] if "/DescendantFonts" in font else font).FontDescriptor
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont
            for annot in page.get("/Annots") or ():
                assert int(annot.F) & 4


@needs_pdfinfo
def test_none_variant_is_untagged(varied: Path) -> None:
    out = _build(varied, "none", "plain.pdf")
    assert "Tagged:          no" in _pdfinfo(out)
    with pikepdf.open(out) as pdf:
        assert "/StructTreeRoot" not in pdf.Root


def test_an_unknown_variant_is_refused_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "handbook.yml").write_text("title: T\npdf:\n  variant: pdf/x-4\n", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_config(tmp_path / "handbook.yml")
    found = caught.value.diagnostic
    assert found.path is not None and found.path.name == "handbook.yml" and found.line == 3
    assert "pdf/ua-1" in found.message and "pdf/a-3b" in found.message


# --- the checker catches what it is there for ------------------------------------------


def test_checker_finds_an_untagged_mcid(seed: Path, tmp_path: Path) -> None:
    broken = tmp_path / "untagged-mcid.pdf"
    with pikepdf.open(seed) as pdf:
        page = pdf.pages[len(pdf.pages) // 2]
        page.contents_add(pdf.make_stream(b"/Span <</MCID 9999>> BDC EMC"))
        pdf.save(broken)
    assert any("MCID 9999" in p and "no element" in p for p in problems(broken))


def test_checker_finds_a_figure_without_alt(varied: Path, tmp_path: Path) -> None:
    out = _build(varied, name="for-breaking.pdf")
    broken = tmp_path / "no-alt.pdf"
    with pikepdf.open(out) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == pikepdf.Name.Figure:
                del obj["/Alt"]
                break
        pdf.save(broken)
    assert "a Figure element has no /Alt" in problems(broken)


def test_checker_finds_a_skipped_heading_level_and_an_untagged_catalog(seed: Path, tmp_path: Path) -> None:
    broken = tmp_path / "skipped.pdf"
    with pikepdf.open(seed) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == pikepdf.Name.H2:
                obj.S = pikepdf.Name.H4
                break
        del pdf.Root["/MarkInfo"]
        pdf.save(broken)
    found = problems(broken)
    assert any("an H4 follows an H1" in p for p in found)
    assert "the catalog's /MarkInfo does not say /Marked true" in found
