import pytest

from notebook_publish.normalize import emphasis
from notebook_publish.normalize.context import context_for_text

CTX = context_for_text()


def fix(text: str) -> str:
    return emphasis.fix(text, CTX)[0]


@pytest.mark.parametrize(
    "before, after",
    [
        ("### **CLiP **", "### **CLiP**"),
        ("Only add another **intruction tuning **stage: x", "Only add another **intruction tuning** stage: x"),
        ("Depend on previous **sampling**** xt **", "Depend on previous **sampling** **xt**"),
        ("One **visual representation learner: **", "One **visual representation learner:**"),
        ("**pretrained network ⇒ **gradient", "**pretrained network ⇒** gradient"),
        ("a __bold __word", "a __bold__ word"),
        ("an *italic *word", "an *italic* word"),
        ("an _italic _word", "an _italic_ word"),
        ("x ** spaced** y", "x **spaced** y"),
        ("**end **.", "**end**."),
    ],
)
def test_moves_spaces_outside_markers(before, after):
    assert fix(before) == after


@pytest.mark.parametrize(
    "text",
    [
        "a * b * c",  # arithmetic, not emphasis
        "snake_case_name and other_name",
        "`** code **` stays",
        "math $a * b * c$ and $x_ 1 _y$ stays",
        "```\n**code block **\n```",
        "$$\nx ** 2 **\n$$",
        "* a list item with **bold**",
        "[link](http://example.com/a_b_c_) and https://x.org/**y **",
        "**already fine** and *fine*",
    ],
)
def test_leaves_code_math_urls_and_correct_markup_alone(text):
    assert fix(text) == text


def test_reports_each_line():
    _, diagnostics = emphasis.fix("ok\n**x **\nok\n*y *z", CTX)
    assert [d.line for d in diagnostics] == [2, 4]


def test_a_space_moved_out_of_one_marker_is_moved_out_of_the_next_too():
    # Found by the idempotence property: one pass left `*_-_ * `, the next made it `*_-_* `.
    once = emphasis.fix_line("- * _- _* ")
    assert once == "- *_-_* "
    assert emphasis.fix_line(once) == once
