"""Equations on slides: aligned environments, matrices and text become OMML that viewers
can read, and every equation validates against the OOXML schema (openxml-audit).

The notes are built into decks by the `slides` command; the decks are read back from
their XML parts, validated, and one is drawn by LibreOffice and read with pdftotext."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT
from ooxml_audit import audit_errors, reports_beyond_the_allowed
from publish_harness import Project, assert_clean, run_cli

NS = {
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "a14": "http://schemas.microsoft.com/office/drawing/2010/main",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
}
M = "{" + NS["m"] + "}"

ALIGNED = {
    "align*": r"\begin{align*} f(x) &= (x+1)^2 \\ &= x^2 + 2x + 1 \end{align*}",
    "aligned": r"\begin{aligned} a &= b + c \\ d &= \frac{e}{f} \end{aligned}",
    "align": r"\begin{align} x &= 1 & y &= 2 \\ z &= 3 & w &= 4 \end{align}",
    "split": r"\begin{split} L &= \sum_{i=1}^{n} \ell_i \\ &\le n \max_i \ell_i \end{split}",
    "braced aligned": r"\left\{ \begin{aligned} u &= \sqrt{x} \\ v &= \hat{y} \end{aligned} \right.",
    "row ending in an operator": r"\begin{aligned} a &= b + \\ &\quad c \end{aligned}",
}
GATHER = r"\begin{gather} a = b \\ c = d \end{gather}"
MATRICES = {
    "pmatrix": r"A = \begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}",
    "bmatrix": r"\begin{bmatrix} a & b \\ c & d \end{bmatrix}",
    "vmatrix": r"\det \begin{vmatrix} a & b \\ c & d \end{vmatrix}",
    "matrix": r"\begin{matrix} x & y \\ z & w \end{matrix}",
    "Bmatrix": r"\begin{Bmatrix} 1 & 0 \\ 0 & 1 \end{Bmatrix}",
    "cases": r"|x| = \begin{cases} x & x \ge 0 \\ -x & \text{otherwise} \end{cases}",
}
# Rows of different lengths: texmath writes a matrix (m:m) for both, ending each row at
# its last `&`.
RAGGED = {
    "short row": r"\begin{pmatrix} 1 & 2 & 3 \\ 4 \end{pmatrix}",
    "three columns": r"\begin{aligned} a &= b & c \\ d &= e \end{aligned}",
}
TEXT = r"y = 1 \text{ if } x > 0 \text{ and } \textbf{only then}"
OTHERS = {
    "operatorname": r"\operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_{j} e^{z_j}}",
    "blackboard": r"\mathbb{E}[X] + \mathcal{L}(\theta) + \mathbf{w}",
    "delimiters": r"\left( \frac{a}{b} \right)^2 + \left\| x \right\| + \left[ y \right]",
    "fraction": r"\frac{\partial L}{\partial \theta} = \frac{1}{2}",
    "roots": r"\sqrt{x^2 + y^2} + \sqrt[3]{z}",
    "integral": r"\int_0^\infty e^{-x} \, dx = 1",
    "sum": r"\sum_{i=1}^{n} x_i^2",
    "product and limit": r"\prod_{k=1}^{n} k = n! \quad \lim_{n \to \infty} \left(1 + \frac{1}{n}\right)^n = e",
    "accents": r"\hat{y} + \bar{x} + \vec{v} + \tilde{z} + \dot{q} + \overline{AB}",
    "greek": r"\alpha + \beta + \Gamma + \Delta \omega + \varepsilon",
    "braces": r"\underbrace{a + b}_{n} + \binom{n}{k}",
    # what StarMath (LibreOffice) cannot parse as texmath writes it: a subscript that
    # starts with a relation, an interval's unpaired brackets, a lone operator
    "starmath": r"P(\omega_t \mid \omega_{<t}) \quad x \in [0, 1) \quad x^{*} \quad a \overset{\text{def}}{=} b",
}
SECTIONS = {
    "Aligned": [*ALIGNED.values(), GATHER],
    "Matrices": [*MATRICES.values(), *RAGGED.values()],
    "Text and operators": [TEXT, *OTHERS.values()],
}
ALL = [tex for formulas in SECTIONS.values() for tex in formulas]


def _note() -> str:
    lines = ["# Formulas", ""]
    for title, formulas in SECTIONS.items():
        lines += [f"## {title}", ""]
        for tex in formulas:
            lines += ["A formula:", "", "$$", tex, "$$", ""]
    return "\n".join(lines)


def _equations(deck: Path) -> dict[str, etree._Element]:
    """Each equation of the deck (its m:oMathPara), by its TeX (the shape's description)."""
    found = {}
    with zipfile.ZipFile(deck) as zf:
        for name in zf.namelist():
            if name.startswith("ppt/slides/slide") and name.endswith(".xml"):
                root = etree.fromstring(zf.read(name))
                for sp in root.xpath("//mc:AlternateContent/mc:Choice/p:sp", namespaces=NS):
                    tex = sp.xpath("./p:nvSpPr/p:cNvPr/@descr", namespaces=NS)[0]
                    found[tex] = sp.xpath(".//a14:m/m:oMathPara", namespaces=NS)[0]
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = Project(tmp_path_factory.mktemp("omml"))
    project.write("index.md", _note())
    run = project.run("slides")
    assert_clean(run, codes=(0,))
    decks = project.decks()
    equations = {tex: omml for deck in decks for tex, omml in _equations(deck).items()}
    return project, decks, equations


def _deck_of(decks: list[Path], stem: str) -> Path:
    return next(d for d in decks if d.stem.endswith(stem))


def _texts(omml) -> list[str]:
    return [t.text or "" for t in omml.iter(f"{M}t")]


def test_every_formula_is_an_equation_with_no_ampersand(built):
    _project, decks, equations = built
    assert sorted(equations) == sorted(ALL)  # each one written as OMML, none as a picture only
    for deck in decks:
        with zipfile.ZipFile(deck) as zf:
            for name in zf.namelist():
                if name.endswith(".xml") and NS["m"].encode() in zf.read(name):
                    texts = etree.fromstring(zf.read(name)).xpath("//m:t/text()", namespaces=NS)
                    assert not [t for t in texts if "&" in t], (deck.name, name)


@pytest.mark.parametrize("name", list(ALIGNED))
def test_aligned_rows_become_an_equation_array_with_alignment_points(built, name):
    _project, _decks, equations = built
    tex = ALIGNED[name]
    arrays = list(equations[tex].iter(f"{M}eqArr"))
    assert len(arrays) == 1
    rows = arrays[0].findall(f"{M}e")
    assert len(rows) == tex.count(r"\\") + 1
    for row, source in zip(rows, tex.split(r"\\")):
        # an m:aln where each `&` was, on a run of the row itself
        marks = row.findall(f"{M}r/{M}rPr/{M}aln")
        assert len(marks) == source.count("&"), (name, etree.tostring(row))
    if name == "split":  # `&\le`: the row begins at its alignment point
        second = [r for r in rows[1].findall(f"{M}r") if "".join(_texts(r)).strip()][0]
        assert second.find(f"{M}rPr/{M}aln") is not None and "≤" in "".join(_texts(second))


def test_gather_is_one_column_of_rows(built):
    _project, _decks, equations = built
    omml = equations[GATHER]
    rows = list(omml.iter(f"{M}mr")) or list(omml.iter(f"{M}eqArr"))[0].findall(f"{M}e")
    assert len(rows) == 2


@pytest.mark.parametrize("name", list(MATRICES))
def test_matrices_and_cases_are_matrices_with_columns_in_schema_order(built, name):
    _project, _decks, equations = built
    matrices = list(equations[MATRICES[name]].iter(f"{M}m"))
    assert len(matrices) == 1
    rows = matrices[0].findall(f"{M}mr")
    assert len(rows) == 2 and all(len(r.findall(f"{M}e")) == 2 for r in rows)
    columns = matrices[0].findall(f"{M}mPr/{M}mcs/{M}mc/{M}mcPr")
    assert len(columns) == 2
    for mcpr in columns:
        assert [etree.QName(c).localname for c in mcpr] == ["count", "mcJc"]
    delimiter = {"pmatrix": "(", "bmatrix": "[", "vmatrix": "|", "Bmatrix": "{", "cases": "{"}.get(name)
    if delimiter:
        begins = [d.find(f"{M}dPr/{M}begChr").get(f"{M}val") for d in equations[MATRICES[name]].iter(f"{M}d")]
        assert any(b in (delimiter, "∣") for b in begins)  # LibreOffice wants U+2223 for |


@pytest.mark.parametrize("name", list(RAGGED))
def test_short_rows_are_filled_out(built, name):
    _project, _decks, equations = built
    matrix = next(equations[RAGGED[name]].iter(f"{M}m"))
    widths = {len(row.findall(f"{M}e")) for row in matrix.findall(f"{M}mr")}
    assert widths == {3}
    assert all(len(cell) for cell in matrix.iter(f"{M}e"))  # an empty cell is drawn as an error by LibreOffice
    counts = matrix.findall(f"{M}mPr/{M}mcs/{M}mc/{M}mcPr/{M}count")
    assert sum(int(c.get(f"{M}val")) for c in counts) == 3


def test_text_is_normal_text_without_a_style_and_keeps_its_spaces_and_weight(built):
    _project, _decks, equations = built
    runs = {"".join(_texts(r)): r for r in equations[TEXT].iter(f"{M}r")}
    for words in (" if ", " and ", "only then"):
        rpr = runs[words].find(f"{M}rPr")
        assert [etree.QName(c).localname for c in rpr] == ["nor"]  # not nor and sty together
        t = runs[words].find(f"{M}t")
        if words != words.strip():
            assert t.get("{http://www.w3.org/XML/1998/namespace}space") == "preserve"
    assert runs["only then"].find("a:rPr", NS).get("b") == "1"  # \textbf stays bold
    assert runs[" if "].find("a:rPr", NS).get("b") is None
    assert runs[" if "].find("a:rPr", NS).get("i") == "0"
    assert not equations[TEXT].xpath(".//w:*", namespaces=NS)  # Word's run properties became a:rPr


def test_every_deck_validates_against_the_schema(built, tmp_path):
    _project, decks, _equations = built
    for deck in decks:
        problems, allowed = audit_errors(deck, tmp_path)
        assert problems == [], (deck.name, problems[:10])
        assert allowed > 0  # the deck's equations have runs with a:rPr
        # The validator reads the equations: on the deck as written it reports the
        # allowed a:rPr at exactly the runs the audit counted, and nothing else.
        others, reported = reports_beyond_the_allowed(deck)
        assert others == [] and reported == allowed, (deck.name, others[:10], reported, allowed)


def _with_first_run_changed(deck: Path, out: Path, change) -> Path:
    """A copy of `deck` whose first OMML run holding an a:rPr is passed to `change`."""
    with zipfile.ZipFile(deck) as src, zipfile.ZipFile(out, "w") as dst:
        done = False
        for info in src.infolist():
            data = src.read(info)
            if not done and info.filename.endswith(".xml") and NS["m"].encode() in data:
                root = etree.fromstring(data)
                runs = [r for r in root.iter(f"{M}r") if r.find("a:rPr", NS) is not None]
                if runs:
                    change(runs[0])
                    data, done = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True), True
            dst.writestr(info, data)
    assert done, "the deck has no OMML run with an a:rPr"
    return out


def test_a_fault_inside_an_equation_run_is_not_hidden_by_the_allowed_report(built, tmp_path):
    """The validator stops reading a run at the allowed a:rPr: a fault behind it, or an
    a:rPr where PowerPoint never puts it, must still be found."""
    _project, decks, _equations = built
    deck = _deck_of(decks, "operators")

    def unknown_child_after(run):
        etree.SubElement(run, f"{M}bogus")

    def drawing_props_last(run):
        run.append(run.find("a:rPr", NS))

    for change, expected in ((unknown_child_after, "bogus"), (drawing_props_last, "not the run's first child")):
        broken = _with_first_run_changed(deck, tmp_path / f"{change.__name__}.pptx", change)
        problems, _allowed = audit_errors(broken, tmp_path)
        assert any(expected in p for p in problems), (change.__name__, problems[:5])


def _pdf_text(deck: Path, out: Path) -> str:
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{out / 'profile'}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(deck),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = out / f"{deck.stem}.pdf"
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None, reason="needs LibreOffice and pdftotext"
)
def test_libreoffice_draws_the_equations_without_garbage(built, tmp_path):
    _project, decks, _equations = built
    for deck in decks:
        # LibreOffice reads the OMML (not the picture fallback) as StarMath: a leftover
        # `&` was drawn "∧", and what StarMath cannot parse (a relation with nothing on
        # its left, an unpaired bracket, a short matrix row) "¿".
        text = _pdf_text(deck, tmp_path)
        assert "∧" not in text and "¿" not in text, (deck.name, text)
        assert "=" in text, (deck.name, text)
    aligned = _pdf_text(_deck_of(decks, "aligned"), tmp_path)
    assert "≤" in aligned and "√" in aligned  # the equations themselves are drawn
    matrices = _pdf_text(_deck_of(decks, "matrices"), tmp_path)
    assert "otherwise" in matrices and "det" in matrices
    text = _pdf_text(_deck_of(decks, "operators"), tmp_path)
    assert "softmax" in text and "only then" in text


@pytest.mark.slow
def test_the_seed_decks_validate(tmp_path):
    run = run_cli(ROOT, "slides", "--output", str(tmp_path / "build"), "--out", str(tmp_path / "slides"), "--jobs", "1")
    assert_clean(run, codes=(0, 1))
    decks = sorted((tmp_path / "slides").glob("*.pptx"))
    assert decks
    allowed = 0
    for deck in decks:
        problems, found = audit_errors(deck, tmp_path)
        assert problems == [], (deck.name, problems[:10])
        allowed += found
        # The validator reads the equations: it reports the allowed a:rPr at exactly
        # the runs the audit counted, and nothing else.
        others, reported = reports_beyond_the_allowed(deck)
        assert others == [] and reported == found, (deck.name, others[:10], reported, found)
    assert allowed > 0  # the seed has equations (the Blip section's)


def test_a_literal_ampersand_is_kept_and_marked_literal():
    from notebook_publish.mathrender import tex_to_omml

    omml = etree.fromstring(tex_to_omml(r"\begin{aligned} R \& D &= x \end{aligned}", True))
    runs = [r for r in omml.iter(f"{M}r") if "&" in "".join(_texts(r))]
    assert len(runs) == 1  # the `\&`, not the alignment tab
    assert runs[0].find(f"{M}rPr/{M}lit") is not None  # StarMath quotes it instead of reading "and"
    assert len(list(omml.iter(f"{M}aln"))) == 1
