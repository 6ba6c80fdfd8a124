"""Math delimiters as the source tool means them: kramdown/GitBook's inline `$$`, display
blocks on lines of their own, `\\(…\\)`, `\\[…\\]` and environments outside dollars,
Obsidian's `^block-id` after a formula, and an unclosed `$$` that stops at the blank line.

Each case is normalised and parsed by pandoc, and the AST is what is checked: which
formulas are inline and which display, which headings and paragraphs there are.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notebook_publish.diagnostics import Severity
from notebook_publish.normalize import normalize
from notebook_publish.normalize.context import context_for_text
from notebook_publish.pandoc.ast import plain_text, walk_inlines
from notebook_publish.pandoc.parse import parse_markdown
from publish_harness import Project, assert_clean

CTX = context_for_text("/tmp/delimiters/note.md")


def read(text: str):
    """(AST blocks, normalised text, diagnostics) of a note."""
    out, diagnostics = normalize(text, CTX)
    assert out.count("\n") == text.count("\n")  # diagnostics point at the file on disk
    return parse_markdown(out)["blocks"], out, diagnostics


def maths(blocks) -> list[tuple[str, str]]:
    """(InlineMath or DisplayMath, TeX) of every formula, in order."""
    return [(i["c"][0]["t"], i["c"][1].strip()) for i in walk_inlines(blocks) if i["t"] == "Math"]


def text_of(blocks) -> str:
    return plain_text(list(walk_inlines(blocks)))


def kinds(blocks) -> list[str]:
    return [kind for kind, _ in maths(blocks)]


def top(blocks, kind: str) -> list[dict]:
    return [b for b in blocks if b["t"] == kind]


# --- inline `$$` ------------------------------------------------------------------------------

MINIMAL = """\
The probability under our model is
$$0.1 \\times 0 = 0$$. We did not observe one word.

## Setup
"""


def test_the_minimal_case_keeps_its_heading_and_sets_the_formula_inline():
    blocks, _, diagnostics = read(MINIMAL)
    headers = top(blocks, "Header")
    assert [plain_text(h["c"][2]) for h in headers] == ["Setup"]
    paragraphs = top(blocks, "Para")
    assert len(paragraphs) == 1
    text = plain_text(paragraphs[0]["c"])
    assert text.startswith("The probability") and text.endswith("observe one word.")
    assert maths(blocks) == [("InlineMath", r"0.1 \times 0 = 0")]
    assert not [d for d in diagnostics if d.severity > Severity.INFO]


KRAMDOWN = (
    "Given a vector $$u$$ in $$\\mathbb{R}^n$$, find the vector $$v$$ of unit length "
    "that maximises $$u^T v$$, subject to $$\\|v\\|_2 = 1$$ and nothing else.\n"
)


def test_a_kramdown_paragraph_of_five_inline_formulas_stays_one_paragraph():
    blocks, _, _ = read(KRAMDOWN)
    assert [b["t"] for b in blocks] == ["Para"]
    assert kinds(blocks) == ["InlineMath"] * 5


def test_kramdowns_escaped_opener_makes_a_formula_of_its_own_inline():
    blocks, _, _ = read("The following is a paragraph:\n\n\\$$ 5 + 5 $$\n\nand a price of \\$$ stays text.\n")
    assert maths(blocks) == [("InlineMath", "5 + 5")]
    assert "a price of $$ stays text." in text_of(blocks)


def test_inline_dollars_inside_lists_quotes_tables_and_headings():
    blocks, _, _ = read(
        "- an item with $$x$$ in it\n"
        "> a quote with $$y$$ in it\n\n"
        "| a | b |\n|---|---|\n| $$z$$ | text $$w$$ |\n\n"
        "## The case $$n = 1$$\n"
    )
    assert kinds(blocks) == ["InlineMath"] * 5
    assert top(blocks, "Table") and top(blocks, "Header")


def test_spaces_and_line_breaks_just_inside_the_dollars():
    blocks, _, _ = read("Spaces $$ a + b $$ here, and over lines $$\nc +\nd\n$$, as kramdown allows.\n")
    assert maths(blocks) == [("InlineMath", "a + b"), ("InlineMath", "c +\nd")]
    assert len(top(blocks, "Para")) == 1


def test_braces_holding_dollars_and_escaped_dollars():
    blocks, _, _ = read("Cost $$\\text{if $x > 0$}$$ and $$\\$5 + y$$ total.\n")
    assert maths(blocks) == [("InlineMath", r"\text{if $x > 0$}"), ("InlineMath", r"\$5 + y")]


def test_a_formula_glued_to_a_word():
    blocks, _, _ = read("The $$n$$th element and $$k$$-means.\n")
    assert maths(blocks) == [("InlineMath", "n"), ("InlineMath", "k")]
    assert "th element" in text_of(blocks[:1])


# --- display blocks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Before.\n\n$$x^2 + y^2$$\n\nAfter.\n",  # its own paragraph
        "Before.\n\n$$\nx^2 + y^2\n$$\n\nAfter.\n",  # on lines of its own
        "Before, then\n$$\nx^2 + y^2\n$$\nand after.\n",  # on lines of its own inside a paragraph
        "- item\n\n  $$\n  x^2 + y^2\n  $$\n- next\n",  # in a list item
        "- item\n  $$x^2 + y^2$$\n",
        "> quoted\n>\n> $$\n> x^2 + y^2\n> $$\n",  # in a quote
        "> $$x^2 + y^2$$\n",
    ],
)
def test_display_blocks_stay_display(text):
    blocks, _, diagnostics = read(text)
    assert maths(blocks) == [("DisplayMath", "x^2 + y^2")]
    assert not [d for d in diagnostics if d.severity > Severity.INFO]


def test_a_display_block_with_a_blank_line_inside_its_tex():
    blocks, _, _ = read("$$\n\\begin{aligned}\na &= b \\\\\n\nc &= d\n\\end{aligned}\n$$\n\nAfter.\n")
    assert kinds(blocks) == ["DisplayMath"]
    assert text_of(blocks[-1:]) == "After."


@pytest.mark.parametrize(
    "text", ["$$x$$^block-id\n", "$$x$$ ^block-id\n", "$$\nx\n$$ ^block-id\n", "> $$x$$^block-id\n"]
)
def test_obsidian_block_id_after_a_formula_is_an_anchor(text):
    blocks, out, _ = read(text)
    assert maths(blocks) == [("DisplayMath", "x")]
    spans = [i for i in walk_inlines(blocks) if i["t"] == "Span"]
    assert [s["c"][0][0] for s in spans] == ["block-block-id"]
    assert "^block-id" not in text_of(blocks) and "^" not in out.replace("x^", "")


def test_a_link_to_the_block_id_finds_the_formula(tmp_path):
    from notebook_publish.normalize.context import NoteContext

    note = tmp_path / "note.md"
    ctx = NoteContext(path=note, notes_dir=tmp_path, files=frozenset({note}))
    out, _ = normalize("See [[#^energy]].\n\n$$E = mc^2$$ ^energy\n", ctx)
    assert "(#block-energy)" in out and "[]{#block-energy}" in out


# --- TeX's own delimiters -----------------------------------------------------------------


def test_tex_delimiters_outside_dollars_become_math():
    blocks, _, _ = read(
        "Inline \\(a\\) in a sentence.\n\n"
        "\\[b\\]\n\n"
        "\\[\nc^2\n\\]\n\n"
        "\\begin{align*}\nd &= e \\\\\nf &= g\n\\end{align*}\n\n"
        "\\begin{equation}\nh = i\n\\end{equation}\n\n"
        "Within a line \\[j^2\\] and \\begin{gather}k\\end{gather} here.\n"
    )
    assert maths(blocks) == [
        ("InlineMath", "a"),
        ("DisplayMath", "b"),
        ("DisplayMath", "c^2"),
        ("DisplayMath", "\\begin{align*}\nd &= e \\\\\nf &= g\n\\end{align*}"),
        ("DisplayMath", "\\begin{equation}\nh = i\n\\end{equation}"),
        ("InlineMath", "j^2"),
        ("InlineMath", "\\begin{gather}k\\end{gather}"),
    ]


def test_an_environment_keeps_its_lines():
    _, out, _ = read("Text.\n\n\\begin{multline*}\na + b \\\\\nc + d\n\\end{multline*}\n")
    assert out.split("\n")[2] == "$$\\begin{multline*}"  # its first line is still line 3


def test_escaped_brackets_are_not_math():
    blocks, _, _ = read("A reference \\[1\\] and a tag \\[Draft\\] in a line.\n")
    assert maths(blocks) == []
    assert "[1]" in text_of(blocks) and "[Draft]" in text_of(blocks)


def test_code_spans_before_and_between_formulas():
    blocks, _, _ = read("A `$$code$$` span, then $$x$$ and ``a ` $$b$$`` then \\(y\\) and | `|` $$z$$.\n")
    assert maths(blocks) == [("InlineMath", "x"), ("InlineMath", "y"), ("InlineMath", "z")]
    assert "$$code$$" in text_of(blocks) and "a ` $$b$$" in text_of(blocks)


def test_no_math_in_code():
    text = "Code `\\(a\\)` and `$$x$$ y` here.\n\n```\n\\(a\\) $$x$$ text\n\\[b\\]\n\\begin{align}\nc\n\\end{align}\n```\n\n    \\(indented\\) $$code$$ z\n"
    blocks, out, _ = read(text)
    assert out == text
    assert maths(blocks) == []


# --- unclosed `$$` --------------------------------------------------------------------------


def test_an_unclosed_display_block_stops_at_the_blank_line():
    text = "Before.\n\n$$\nx = 1\n\n## Setup\n\nThe next paragraph says things.\n\n## Results\n"
    blocks, _, diagnostics = read(text)
    assert [(d.code, d.line, d.col) for d in diagnostics if d.code == "unclosed-math"] == [("unclosed-math", 3, 1)]
    assert [plain_text(h["c"][2]) for h in top(blocks, "Header")] == ["Setup", "Results"]
    assert "The next paragraph says things." in [plain_text(p["c"]) for p in top(blocks, "Para")]
    assert maths(blocks) == [("DisplayMath", "x = 1")]


def test_an_unclosed_inline_dollar_pair_is_text():
    text = "The price is $$ for the lot, we said.\n\n## Setup\n\nMore text here.\n"
    blocks, _, diagnostics = read(text)
    assert [(d.code, d.line, d.col) for d in diagnostics if d.code == "unclosed-math"] == [("unclosed-math", 1, 14)]
    assert text_of(blocks[:1]) == "The price is $$ for the lot, we said."
    assert [plain_text(h["c"][2]) for h in top(blocks, "Header")] == ["Setup"]
    assert maths(blocks) == []


def test_an_unclosed_formula_with_prose_after_it_keeps_the_prose():
    text = "Intro.\n\n$$x + y. We never closed it and went on writing.\n\n# Next\n"
    blocks, _, diagnostics = read(text)
    assert [(d.code, d.line) for d in diagnostics if d.code == "unclosed-math"] == [("unclosed-math", 3)]
    assert maths(blocks) == []
    assert [plain_text(h["c"][2]) for h in top(blocks, "Header")] == ["Next"]


def test_the_unclosed_check_reports_at_its_line_in_a_build(tmp_path):
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n- [Case](case.md)\n")
    project.write("case.md", "# Case\n\nText.\n\nSome prose $$ a + b that never closes.\n\n## Later\n\nMore.\n")
    run = project.run("check")
    assert_clean(run)
    found = re.findall(r"^(\S+):(\d+):(\d+): warning\[unclosed-math\]", run.output, re.M)
    assert found == [("notes/case.md", "5", "12")], run.output


# --- the PDF -------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")
def test_a_kramdown_paragraph_typesets_as_one_paragraph(tmp_path):
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n- [Lecture](lecture.md)\n")
    project.write("lecture.md", "# Lecture\n\n## Vectors\n\n" + KRAMDOWN + "\nThe end.\n")
    run = project.run("pdf")
    assert_clean(run, (0,))
    layout = subprocess.run(
        ["pdftotext", "-layout", str(project.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    # The lines from the sentence's first words to the next blank line: its paragraph. A
    # formula set as display would stand on a line of its own, between blank lines (it
    # is drawn, not written as text).
    lines = layout.split("\n")
    first = next(i for i, line in enumerate(lines) if "Given a vector" in line)
    paragraph = []
    for line in lines[first:]:
        if not line.strip():
            break
        paragraph.append(line)
    flat = " ".join(" ".join(paragraph).split())
    words = [
        "Given a vector",
        "in",
        ", find the vector",
        "of unit length",
        "that maximises",
        ", subject to",
        "and nothing else.",
    ]
    at = [flat.find(w) for w in words]
    assert -1 not in at and at == sorted(at), layout
    assert len(paragraph) <= 3, layout


# --- every rewrite settles ---------------------------------------------------------------

PIECES = st.sampled_from(
    [
        "$$",
        "$",
        "\\(",
        "\\)",
        "\\[",
        "\\]",
        "\\begin{align*}",
        "\\end{align*}",
        "x",
        "a b",
        "{",
        "}",
        "\\",
        " ",
        "\n",
        "\n\n",
        "- ",
        "> ",
        "  ",
        "# ",
        "`",
        "```\n",
        "| a | b |\n|---|---|\n",
        "|",
        "^id",
        " ^id",
        "The cost is here",
        "\\text{a $b$}",
        "$`",
        "`$",
        "1. ",
        "    ",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=30).map("".join))
def test_delimiter_rewrites_are_idempotent_and_keep_lines(text):
    once, _ = normalize(text, CTX)
    assert once.count("\n") == text.count("\n")
    assert normalize(once, CTX)[0] == once
