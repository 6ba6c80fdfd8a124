"""The named parts of pandoc's AST, read from what pandoc itself makes of a note."""

from __future__ import annotations

import pytest

from notebook_publish.pandoc.ast import (
    attr_classes,
    attr_id,
    attr_keyvals,
    code_text,
    div_attr,
    div_blocks,
    has_class,
    header_attr,
    header_id,
    header_inlines,
    header_level,
    image_inlines,
    image_target,
    is_display_math,
    is_double_quoted,
    link_inlines,
    link_target,
    list_items,
    make_inline_notes,
    math_tex,
    para_inlines,
    plain_text,
    quote_blocks,
    quoted_inlines,
    raw_text,
    set_code_text,
    set_header_level,
    set_link_target,
    set_math_tex,
    span_attr,
    span_inlines,
    table_cells,
    walk_blocks,
    walk_inlines,
)
from notebook_publish.pandoc.parse import parse_markdown

NOTE = """\
## Vectors *and* norms {#vec .intro lang=en}

See [the guide](guide.md#top "Guide") and ![a plot](plot.png), then `x = 1` and $a^2$:

$$\\sum_i x_i$$

::: {#box .warning title="Careful"}
> quoted **text**
:::

- one
- two [marked]{#m .hl kind=x}

1. first

| a | b |
|---|---|
| c | d |

```python
print("hi")
```

<div>raw</div>

Say "hello" to [an inline note]{.inline-note}.
"""


@pytest.fixture
def blocks() -> list:
    return parse_markdown(NOTE)["blocks"]


def first(blocks: list, t: str) -> dict:
    return next(b for b in walk_blocks(blocks) if b["t"] == t)


def inline(blocks: list, t: str) -> dict:
    return next(i for i in walk_inlines(blocks) if i["t"] == t)


def test_a_heading_s_level_attributes_and_text(blocks):
    h = first(blocks, "Header")
    assert header_level(h) == 2
    assert header_id(h) == attr_id(header_attr(h)) == "vec"
    assert attr_classes(header_attr(h)) == ["intro"]
    assert attr_keyvals(header_attr(h)) == [["lang", "en"]]
    assert plain_text(header_inlines(h)) == "Vectors and norms"
    assert has_class(h, "intro") and not has_class(h, "outro")
    set_header_level(h, 4)
    assert header_level(h) == 4


def test_links_pictures_code_and_math(blocks):
    link = inline(blocks, "Link")
    assert link_target(link) == "guide.md#top"
    assert plain_text(link_inlines(link)) == "the guide"
    picture = inline(blocks, "Image")
    assert image_target(picture) == "plot.png"
    assert plain_text(image_inlines(picture)) == "a plot"
    assert code_text(inline(blocks, "Code")) == "x = 1"
    formulas = [i for i in walk_inlines(blocks) if i["t"] == "Math"]
    assert [(math_tex(m), is_display_math(m)) for m in formulas] == [("a^2", False), ("\\sum_i x_i", True)]
    set_link_target(link, "other.md")
    set_math_tex(formulas[0], "b^2")
    assert link_target(link) == "other.md" and math_tex(formulas[0]) == "b^2"


def test_containers_and_their_blocks(blocks):
    div = first(blocks, "Div")
    assert attr_id(div_attr(div)) == "box" and has_class(div, "warning")
    assert dict(attr_keyvals(div_attr(div))) == {"title": "Careful"}
    quote = div_blocks(div)[0]
    assert quote["t"] == "BlockQuote"
    assert plain_text(para_inlines(quote_blocks(quote)[0])) == "quoted text"
    bullets = first(blocks, "BulletList")
    assert [plain_text(para_inlines(item[0])) for item in list_items(bullets)] == ["one", "two marked"]
    numbered = first(blocks, "OrderedList")
    assert [plain_text(para_inlines(item[0])) for item in list_items(numbered)] == ["first"]
    span = inline(blocks, "Span")
    assert attr_id(span_attr(span)) == "m" and attr_classes(span_attr(span)) == ["hl"]
    assert plain_text(span_inlines(span)) == "marked"


def test_table_cells_code_blocks_and_raw_blocks(blocks):
    table = first(blocks, "Table")
    assert [plain_text(para_inlines(cell[0])) for cell in table_cells(table["c"])] == ["a", "b", "c", "d"]
    code = first(blocks, "CodeBlock")
    assert code_text(code) == 'print("hi")'
    set_code_text(code, "pass")
    assert code_text(code) == "pass"
    assert raw_text(first(blocks, "RawBlock")).strip() == "<div>raw</div>"


def test_quotations_and_inline_notes(blocks):
    # The reader has no `smart` extension: a Quoted node comes only from a filter or a
    # writer, in this shape.
    quoted = {"t": "Quoted", "c": [{"t": "DoubleQuote"}, [{"t": "Str", "c": "hello"}]]}
    assert is_double_quoted(quoted) and plain_text(quoted_inlines(quoted)) == "hello"
    assert plain_text([quoted]) == "“hello”" and plain_text([quoted], words_only=True) == "hello"
    last = blocks[-1]
    assert plain_text(para_inlines(last)) == 'Say "hello" to an inline note.'
    assert make_inline_notes(blocks) == 1
    assert plain_text(para_inlines(last)) == 'Say "hello" to .'  # a footnote gives no text


def test_plain_text_for_labels_and_for_file_names():
    para = para_inlines(parse_markdown("Mean  `μ` of $x_i$, *the* ![pic](p.png) [a]{.emoji}")["blocks"][0])
    assert plain_text(para) == "Mean μ of x_i, the pic a"
    # Labels (contents, bookmarks): formulas through the caller's reading, on one line.
    assert plain_text(para, math=lambda tex: f"<{tex}>", one_line=True) == "Mean μ of <x_i>, the pic a"
    # File names: only typed words, no code, formulas, pictures, emoji or quotation marks.
    assert plain_text(para, math=None, words_only=True) == "Mean  of , the  "


def test_one_line_keeps_the_space_at_an_elements_edge():
    para = para_inlines(parse_markdown("foo[ bar](x) *baz*\n\tqux `a  b`")["blocks"][0])
    assert plain_text(para) == "foo bar baz qux a  b"
    assert plain_text(para, one_line=True) == "foo bar baz qux a b"
