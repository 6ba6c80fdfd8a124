"""Nothing raw in silence: what is left of another tool's syntax is reported, once, at
its line and column, and nothing in code, inline code or math is."""

from __future__ import annotations

import re
import time

from notebook_publish.normalize import leftovers, normalize
from notebook_publish.normalize.context import context_for_text
from publish_harness import Project, assert_clean

CTX = context_for_text("/nonexistent/notes/note.md")

# One of each construct, with the line and column where it starts.
EACH = [
    ("See [[Other Note]] here.", 5, "wiki link"),
    ("![[picture.png]]", 1, "embed"),
    ("> [!info] A custom title", 3, "callout"),
    ("{% include unknown.html %}", 1, "Liquid"),
    ("Value {{ page.title }} here.", 7, "template"),
    ("Text {: .class} here.", 6, "kramdown"),
    ('!!! note "Admonition"', 1, "admonition"),
    ("??? tip", 1, "admonition"),
    ("::: tip A title", 1, "container"),
    ("A %% hidden %% comment.", 3, "comment"),
    ("Some ==highlighted== text.", 6, "highlight"),
    ("A paragraph with a block id ^abc-123", 29, "block id"),
    ('--8<-- "snippet.md"', 1, "snippet"),
    ('{% hint style="info" %}', 1, "GitBook"),
]


def each_note() -> str:
    return "# Each\n\n" + "\n\n".join(line for line, _col, _what in EACH) + "\n"


def test_one_report_for_each_construct_at_its_place():
    """The pass alone, as when no flavour's fixer ran (`flavour: [notion]`)."""
    from dataclasses import replace

    text = each_note()
    out, found = leftovers.fix(text, replace(CTX, flavours=frozenset({"notion"})))
    assert out == text  # reported, not changed
    lines = text.split("\n")
    expected = [(lines.index(line) + 1, col) for line, col, _what in EACH]
    assert [(d.line, d.col) for d in found] == expected
    assert {d.code for d in found} == {"unsupported-syntax"}
    for d, (_line, _col, what) in zip(found, EACH):
        assert what.lower() in d.message.lower(), d.message
        assert d.hint


def test_with_every_flavour_on_only_what_no_fixer_renders_is_reported():
    """Every flavour's fixer takes its constructs; what is left is reported once: the
    Liquid tags no one can render (the snippet line is the snippets fixer's to report)."""
    text = each_note()
    _out, found = normalize(text, CTX)
    lines = text.split("\n")
    place = {what: (lines.index(line) + 1, col) for line, col, what in EACH}
    warnings = sorted((d.line, d.col) for d in found if d.code == "unsupported-syntax")
    assert warnings == sorted([place["Liquid"], place["template"]])


def test_nothing_in_code_math_or_what_pandoc_reads_is_reported():
    text = (
        '# Code only\n\n```\n[[Other]] ![[x.png]] {% tag %} {{ x }} %% c %% ==h== ^id\n!!! note\n::: tip Title\n--8<-- "x"\n```\n\n'
        "Inline `[[x]]`, `{% t %}`, `{{ y }}`, `==h==`, `%%c%%`, `--8<--` and math $a_{%} {{b}}$ and $$ {{c}} ==d== $$.\n\n"
        "$$\n[[x]] {{ y }} %% z\n$$\n\n    indented {{ code }} [[x]]\n    ^block-id\n\n"
        "<!-- {{ comment }} [[x]]\nmulti %% -->\n\n"
        "> [!NOTE]\n> A GitHub alert pandoc reads.\n\n::: warning\nA div pandoc reads.\n:::\n\n"
        "A citation [[1]](https://example.org), a == b == c, x==y, 2^10, a footnote[^1].\n\n"
        "Setext\n======\n\n[^1]: The note.\n"
    )
    assert leftovers.fix(text, CTX) == (text, [])
    _out, found = normalize(text, CTX)
    assert [d for d in found if d.code == "unsupported-syntax"] == []


def test_containers_pandoc_does_not_read():
    text = "::: tip Title\nin tip\n:::\n\n::: warning\nw\n:::\n\n:::\nstray\n\n::::: details Click\nx\n:::::\n"
    _out, found = leftovers.fix(text, CTX)
    assert [(d.line, d.col) for d in found] == [(1, 1), (9, 1), (12, 1)]


def test_comments_over_several_lines_are_one_report():
    _out, found = leftovers.fix("Text %% starts\nstill hidden\nends %% here %%and%% again\n", CTX)
    assert [(d.line, d.col) for d in found] == [(1, 6), (3, 14)]


def test_a_note_without_trigger_characters_costs_one_search():
    prose = "A plain paragraph of prose, with **bold** and a [link](other.md).\n\n" * 20000  # 1.3 MB
    start = time.perf_counter()
    for _ in range(10):
        assert leftovers.fix(prose, CTX) == (prose, [])
    assert (time.perf_counter() - start) / 10 < 0.05


def test_check_reports_them_as_file_line_col(tmp_path):
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n- [Each](each.md)\n")
    project.write("each.md", each_note())
    project.config("title: Book\nnotes: notes\nmedia: []\nflavour: [notion]\n")  # no Jekyll fixers: all are left
    run = project.run("check")
    assert_clean(run)
    found = re.findall(r"^notes/each\.md:(\d+):(\d+): warning\[unsupported-syntax\]: ", run.output, re.M)
    lines = each_note().split("\n")
    assert [(int(a), int(b)) for a, b in found] == [(lines.index(line) + 1, col) for line, col, _what in EACH]
