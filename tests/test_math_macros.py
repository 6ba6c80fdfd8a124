"""TeX macros as MathJax sites and math notes use them, in the handbook and on the slides.

`math.macros` in handbook.yml (MathJax's own form), `math.macros_file`, and
`\\newcommand`, `\\DeclareMathOperator`, `\\def` written in a note's formulas, holding
from there to the end of the book. Each case is a small notebook built with the real
commands; what is checked is what a reader gets: the messages, the PDF's text, the web
page's formula labels and the decks read back with python-pptx.
"""

from __future__ import annotations

import re
import time

import pytest
from pptx import Presentation

from publish_harness import Project, assert_clean

DIAGNOSTIC = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|info)\[(?P<code>[\w-]+)\]: (?P<message>.*)$",
    re.M,
)
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"


def found(run, code: str = "math-error") -> list[dict]:
    return [m.groupdict() for m in DIAGNOSTIC.finditer(run.output) if m.group("code") == code]


def deck_slides(project: Project) -> list:
    """Every slide of every deck, read back with python-pptx."""
    return [slide for deck in project.decks() for slide in Presentation(str(deck)).slides]


def slide_text(project: Project) -> str:
    return "\n".join(
        shape.text_frame.text for slide in deck_slides(project) for shape in slide.shapes if shape.has_text_frame
    )


def deck_formulas(project: Project) -> list:
    """The OMML equations (`m:oMath`) on the slides."""
    return [el for slide in deck_slides(project) for el in slide._element.iter(f"{{{M_NS}}}oMath")]


def html_labels(project: Project) -> list[str]:
    page = (project.out / "handbook.html").read_text(encoding="utf-8")
    return re.findall(r'<img class="math-svg" alt="([^"]*)"', page)


CONFIG = """title: Macros
math:
  macros:
    E: '\\mathbb{E}'
    note: ['\\textcolor{blue}{[NOTE: #1]}', 1]
    idx: ['#1_{#2}', 2, 'w']
"""

DEFINITIONS = r"""# Definitions

## Notation

$$
\newcommand{\bfx}[1]{\mathbf{#1}}
\DeclareMathOperator{\KL}{KL}
$$

Vectors are bold, as $\bfx{v}$.
"""

USES = r"""# Uses

## Divergence

The expectation $\E[\bfx{x}]$ has weights $\idx{i}$ and $\idx[u]{j}$, $\note{check this}$.

$$
\KL(p \| q) = \E_{p}\left[\log \frac{p}{q}\right] + \bfx{x}^\top \bfx{y}
$$

$$\def\half#1{\frac{#1}{2}}$$

Half of it: $\half{a}$.
"""


def macro_project(tmp_path) -> Project:
    project = Project(tmp_path / "book")
    project.config(CONFIG)
    project.write("index.md", "# Book\n\n- [Definitions](definitions.md)\n- [Uses](uses.md)\n")
    project.write("definitions.md", DEFINITIONS)
    project.write("uses.md", USES)
    return project


@pytest.mark.slow
def test_macros_of_notes_and_config_draw_in_pdf_web_page_and_slides(tmp_path):
    project = macro_project(tmp_path)
    runs = project.run_all(commands=("check", "pdf", "html", "slides"))
    for command, run in runs.items():
        assert_clean(run, codes=(0,))
        assert found(run) == [], f"{command}: {run}"

    text = project.pdf_text()
    assert "TeX error" not in text and "TEX ERROR" not in text
    for literal in ("bfx", "newcommand", "DeclareMathOperator", "\\E", "idx", "half"):
        assert literal not in text, literal
    assert "Vectors are bold, as" in text and "Half of it:" in text

    # The web page labels each formula with its text: the macros are expanded in it.
    labels = html_labels(project)
    assert "𝐯" in labels  # \bfx{v}, defined in the earlier note
    assert any("𝔼" in label and "𝐱" in label for label in labels)  # \E[\bfx{x}]
    assert "w_i" in labels and "u_j" in labels  # \idx: the optional first argument and its default
    assert "[NOTE: check this]" in labels
    assert any(label.startswith("KL(p") for label in labels)  # \DeclareMathOperator
    assert "a/2" in labels  # \def with an argument
    # The formulas that only define macros are drawn as nothing: 7 formulas, not 9.
    assert len(labels) == 7, labels

    # On the slides: the display formula with macros is an OMML equation, and no
    # macro is left as text anywhere.
    formulas = deck_formulas(project)
    assert len(formulas) == 1
    omml_text = "".join(t.text or "" for t in formulas[0].iter(f"{{{M_NS}}}t"))
    assert "KL" in omml_text and "log" in omml_text and "\\" not in omml_text
    words = slide_text(project)
    for literal in ("bfx", "\\KL", "newcommand", "\\E", "idx", "half", "TeX error"):
        assert literal not in words, literal
    assert "𝐯" in words and "𝔼[𝐱]" in words and "w_i" in words and "u_j" in words
    assert "[NOTE: check this]" in words


@pytest.mark.slow
def test_undefined_command_is_reported_at_its_place_with_a_guess(tmp_path):
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n- [Case](case.md)\n")
    project.write(
        "case.md",
        "# Case\n\n## Part\n\n"  # lines 1-4
        "$$\\newcommand{\\bfx}{\\mathbf{x}}$$\n\n"  # line 5
        "A typo: $\\bfx + \\bfy$.\n",  # line 7: \bfy at column 17
    )
    runs = project.run_all(commands=("check", "pdf", "slides"))
    for run in runs.values():
        assert_clean(run)
    assert found(runs["check"]) == []  # reading the notes draws no formula
    for command in ("pdf", "slides"):
        errors = found(runs[command])
        assert [(d["path"], d["line"], d["col"]) for d in errors] == [("notes/case.md", "7", "17")], runs[command]
        message = errors[0]["message"]
        assert "unknown command \\bfy" in message and "did you mean `\\bfx`?" in message
    # The same visible mark in both: a box in the PDF, marked text on the slide.
    assert "TeX error" in project.pdf_text() or "TEX ERROR" in project.pdf_text()
    words = slide_text(project)
    assert "TeX error" in words and "\\bfx + \\bfy" in words


@pytest.mark.slow
def test_each_formula_is_reported_at_its_own_line(tmp_path):
    lines = ["# Long", "", "## Part", ""]
    lines += [f"Filler line {n} with $x_{{{n}}}$." for n in range(5, 45)]
    lines += ["The first use: $a \\oops b$ here."]  # line 45
    lines += [f"Filler line {n}." for n in range(46, 289)]
    lines += ["Again, $a \\oops b$ and $\\alpha$."]  # line 289
    lines += [
        "",
        "$$",
        "\\begin{aligned}",
        "a &= b \\\\",
        "  c &= \\oops d",
        "\\end{aligned}",
        "$$",
        "",
    ]  # \oops on line 294
    assert lines[44].startswith("The first use") and lines[288].startswith("Again")
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n- [Long](long.md)\n")
    project.write("long.md", "\n".join(lines) + "\n")
    runs = project.run_all(commands=("pdf", "slides"))
    for command, run in runs.items():
        assert_clean(run)
        places = [(d["line"], d["col"]) for d in found(run)]
        assert places == [("45", "19"), ("289", "11"), ("294", "8")], f"{command}: {run}"


@pytest.mark.slow
def test_recursive_macros_stop_with_a_message(tmp_path):
    project = Project(tmp_path / "book")
    project.config("math:\n  macros:\n    grow: '\\grow\\grow'\n")
    project.write("index.md", "# Book\n\n- [Loop](loop.md)\n")
    project.write("loop.md", "# Loop\n\n## Part\n\n$$\\def\\again{\\again}\\again$$\n\nAnd $\\grow$ too, then $x$.\n")
    start = time.monotonic()
    runs = project.run_all(commands=("pdf", "slides"), timeout=120)
    assert time.monotonic() - start < 120
    for command, run in runs.items():
        assert_clean(run)
        errors = found(run)
        assert [(d["line"], d["col"]) for d in errors] == [("5", "21"), ("7", "6")], f"{command}: {run}"
        assert all("does it use itself?" in d["message"] for d in errors)


@pytest.mark.slow
def test_macros_file_is_read_and_its_changes_rebuild(tmp_path):
    project = Project(tmp_path / "book")
    project.config("math:\n  macros_file: tex/macros.sty\n")
    (project.root / "tex").mkdir()
    sty = project.root / "tex" / "macros.sty"
    sty.write_text(
        "% the course's macros\n\\ProvidesPackage{macros}\n\\newcommand{\\R}{\\mathbb{R}}\n\\DeclareMathOperator*{\\argmax}{arg\\,max}\n",
        encoding="utf-8",
    )
    project.write("index.md", "# Book\n\n- [Use](use.md)\n")
    project.write("use.md", "# Use\n\n## Part\n\nLet $x \\in \\R^n$ and $\\hat\\theta = \\argmax_\\theta f$.\n")
    run = project.run("slides")
    assert_clean(run, codes=(0,))
    assert found(run) == []
    assert "ℝ^n" in slide_text(project) and "arg max" in slide_text(project).replace("\u2006", " ")
    assert "is up to date" in project.run("slides").output

    # A changed file is a changed input: the decks are built again, with the new macro.
    sty.write_text(sty.read_text(encoding="utf-8").replace("\\mathbb{R}", "\\mathcal{R}"), encoding="utf-8")
    run = project.run("slides")
    assert_clean(run, codes=(0,))
    assert "is up to date" not in run.output
    assert "ℛ^n" in slide_text(project)

    # A line that is no definition stops the build at that line, before any work.
    sty.write_text("\\newcommand{\\R}{\\mathbb{R}}\n\n\\usepackage{amsmath}\nsome text\n", encoding="utf-8")
    run = project.run("check")
    assert_clean(run, codes=(2,))
    assert re.search(r"tex/macros\.sty:4:1: error\[config\]: macros file: `s` is not a macro definition", run.output), (
        run
    )


def test_bad_macros_in_the_config_are_config_errors(tmp_path):
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\nText.\n")
    project.config("title: T\nmath:\n  macros:\n    note: ['#2', 1]\n")
    run = project.run("check")
    assert_clean(run, codes=(2,))
    assert "handbook.yml:3:1: error[config]: `math.macros`: `\\note` uses #2 but takes 1 argument" in run.output, run
    project.config("title: T\nmath:\n  macros_file: nowhere.tex\n")
    run = project.run("check")
    assert_clean(run, codes=(2,))
    assert "handbook.yml:3:1: error[config]: cannot read the macros file" in run.output, run
