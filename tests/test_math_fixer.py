import json

from notebook_publish.normalize import math
from notebook_publish.normalize.context import context_for_text
from notebook_publish.pandoc.ast import walk_blocks
from notebook_publish.pandoc.parse import parse_markdown

CTX = context_for_text()

NESTED = """\
- Match loss
    - **classify whether it is the right text**
```math
L_{ITM} = -YlogP - (1 - Y)log(1-P)
```


    - Train a **filter for text**

- language loss
"""


def fix(text: str) -> str:
    return math.fix(text, CTX)[0]


def test_fence_becomes_dollars_in_its_list_item():
    out = fix(NESTED)
    assert "```" not in out
    assert "      $$\n      L_{ITM} = -YlogP - (1 - Y)log(1-P)\n      $$" in out
    assert len(out.split("\n")) == len(NESTED.split("\n"))


def test_list_goes_on_after_the_formula():
    ast = parse_markdown(fix(NESTED))
    kinds = [b["t"] for b in walk_blocks(ast["blocks"])]
    assert "CodeBlock" not in kinds
    text = json.dumps(ast)
    assert "DisplayMath" in text
    outer = ast["blocks"][0]
    assert outer["t"] == "BulletList" and len(outer["c"]) == 2  # "Match loss" and "language loss"
    inner = [b for b in outer["c"][0] if b["t"] == "BulletList"][0]
    assert len(inner["c"]) == 2  # "classify ..." (with the formula) and "Train a filter"


def test_unfixed_text_really_breaks_pandoc():
    ast = parse_markdown(NESTED)
    assert "CodeBlock" in [b["t"] for b in walk_blocks(ast["blocks"])]


def test_inline_dollar_backtick_math():
    assert fix("where $`\\beta_t`$ grows") == "where $\\beta_t$ grows"


def test_tex_stays_verbatim():
    tex = r"L = -\sum{log(P(\omega_t|\omega_{i<t}))}"
    assert tex in fix(f"- item\n```math\n{tex}\n```\n")


def test_math_outside_lists_keeps_its_column():
    assert fix("Text\n\n```math\nx^2\n```\n") == "Text\n\n$$\nx^2\n$$\n"


def test_structural_tex_lines_are_joined_not_parsed_as_markdown():
    out = fix("- item\n```math\na\n- b\n```\n")
    assert "  $$a - b$$" in out
    ast = parse_markdown(out)
    assert "DisplayMath" in json.dumps(ast)


def test_code_fences_are_untouched():
    text = "```python\n```math\nx\n```\n"
    assert fix(text) == text


def test_unclosed_math_is_reported():
    out, diagnostics = math.fix("- a\n```math\nx = 1\n", CTX)
    assert any(d.code == "unclosed-math" and d.line == 2 for d in diagnostics)
    assert "```" not in out


def test_dollar_code_that_makes_a_display_line_is_settled_in_one_run():
    # Found by the idempotence property: `$`$`$$` became `$$$$`, and a second run `$$ $$`.
    once, _ = math.fix("$`$`$$", CTX)
    again, _ = math.fix(once, CTX)
    assert again == once
