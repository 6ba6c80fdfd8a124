"""Normalisation is idempotent and never raises, whatever the text."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notebook_publish.normalize import FIXERS, normalize
from notebook_publish.normalize.context import context_for_text

CTX = context_for_text("/tmp/fuzz/note.md")

PIECES = st.sampled_from(
    [
        "- ",
        "    - ",
        "* ",
        "1. ",
        "#",
        "## ",
        "**",
        "*",
        "_",
        "__",
        "`",
        "```",
        "```math\n",
        "$$",
        "$",
        "$`",
        "[",
        "]",
        "(",
        ")",
        "![",
        "](",
        "x.md",
        "img.png",
        "#anchor",
        "{.c}",
        "<b>",
        "</b>",
        "\n",
        "\n\n",
        " ",
        "word",
        "â‡’",
        "ð›½",
        "Ã©",
        "𝛽",
        "é",
        "中文",
        "👍🏽",
        "\t",
        "\\",
        "\u00a0",
        "|",
        "---",
        ">",
    ]
)
MARKDOWNISH = st.lists(st.one_of(PIECES, st.text(max_size=5)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MARKDOWNISH)
def test_normalize_is_idempotent(text):
    once, _ = normalize(text, CTX)
    twice, _ = normalize(once, CTX)
    assert twice == once


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_normalize_never_raises_and_keeps_line_count(text):
    text = text.replace("\r", "")
    out, diagnostics = normalize(text, CTX)
    assert isinstance(out, str)
    for d in diagnostics:
        assert d.line >= 1


@settings(max_examples=200, deadline=None)
@given(MARKDOWNISH)
def test_each_fixer_keeps_the_number_of_lines(text):
    text = text.replace("\r", "")
    for fixer in FIXERS:
        out, _ = fixer.fix(text, CTX)
        assert out.count("\n") == text.count("\n"), fixer.__name__
        text = out
