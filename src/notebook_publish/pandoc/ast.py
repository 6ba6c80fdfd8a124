"""pandoc's JSON AST: its node types, named parts, walks and plain text.

pandoc's JSON AST is a tree of `{"t": type, "c": content}` objects whose content is a
positional list: a Header is `[level, attr, inlines]`, a Link `[attr, inlines,
[url, title]]`, an attribute `[id, classes, [[key, value], ...]]`. The rest of the
project reads those positions only through the accessors here, so that what `["c"][2]`
means is written down once, next to pandoc's own names for the parts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

# The JSON as `json.loads` gives it: every node is a dict, and what its content holds
# depends on its type, so the aliases name the role, not a checked shape.
Ast = dict[str, Any]  # {"pandoc-api-version": ..., "meta": {...}, "blocks": [...]}
Node = dict[str, Any]  # {"t": type, "c": content}
Block = Node
Inline = Node
Blocks = list[Block]
Inlines = list[Inline]
Attr = list[Any]  # [id, [class, ...], [[key, value], ...]]

INLINE_CONTAINERS = ("Emph", "Strong", "Strikeout", "Underline", "SmallCaps", "Superscript", "Subscript")
BREAKS = ("Space", "SoftBreak", "LineBreak")


# --- attributes ------------------------------------------------------------------


def attr_id(attr: Attr) -> str:
    ident: str = attr[0]
    return ident


def set_attr_id(attr: Attr, ident: str) -> None:
    attr[0] = ident


def attr_classes(attr: Attr) -> list[str]:
    classes: list[str] = attr[1]
    return classes


def attr_keyvals(attr: Attr) -> list[list[str]]:
    keyvals: list[list[str]] = attr[2]
    return keyvals


# --- blocks ------------------------------------------------------------------------


def header_level(block: Block) -> int:
    level: int = block["c"][0]
    return level


def set_header_level(block: Block, level: int) -> None:
    block["c"][0] = level


def header_attr(block: Block) -> Attr:
    attr: Attr = block["c"][1]
    return attr


def header_id(block: Block) -> str:
    return attr_id(header_attr(block))


def header_inlines(block: Block) -> Inlines:
    inlines: Inlines = block["c"][2]
    return inlines


def para_inlines(block: Block) -> Inlines:
    """The inlines of a Para or a Plain."""
    inlines: Inlines = block["c"]
    return inlines


def div_attr(block: Block) -> Attr:
    attr: Attr = block["c"][0]
    return attr


def div_blocks(block: Block) -> Blocks:
    blocks: Blocks = block["c"][1]
    return blocks


def code_text(node: Node) -> str:
    """The text of a CodeBlock or a Code inline."""
    text: str = node["c"][1]
    return text


def set_code_text(node: Node, text: str) -> None:
    node["c"][1] = text


def raw_text(node: Node) -> str:
    """The text of a RawBlock or a RawInline (its format is `c[0]`)."""
    text: str = node["c"][1]
    return text


def quote_blocks(block: Block) -> Blocks:
    """The blocks of a BlockQuote."""
    blocks: Blocks = block["c"]
    return blocks


def list_items(block: Block) -> list[Blocks]:
    """The items of a BulletList or an OrderedList, each a list of blocks."""
    items: list[Blocks] = block["c"] if block.get("t") == "BulletList" else block["c"][1]
    return items


def figure_blocks(block: Block) -> Blocks:
    blocks: Blocks = block["c"][2]
    return blocks


def table_cells(content: list[Any]) -> Iterator[Blocks]:
    """The block lists of every cell of a Table's content, head, bodies and foot."""
    _attr, _caption, _colspecs, head, bodies, foot = content
    rows = list(head[1])
    for body in bodies:
        rows += body[2] + body[3]
    rows += foot[1]
    for _row_attr, cells in rows:
        for cell in cells:
            yield cell[4]


# --- inlines -----------------------------------------------------------------------


def str_text(inline: Inline) -> str:
    text: str = inline["c"]
    return text


def span_attr(inline: Inline) -> Attr:
    attr: Attr = inline["c"][0]
    return attr


def span_inlines(inline: Inline) -> Inlines:
    inlines: Inlines = inline["c"][1]
    return inlines


def link_attr(inline: Inline) -> Attr:
    """The attributes of a Link or an Image."""
    attr: Attr = inline["c"][0]
    return attr


def link_inlines(inline: Inline) -> Inlines:
    """A Link's text, an Image's description (also what a Span or a Cite holds)."""
    inlines: Inlines = inline["c"][1]
    return inlines


def link_target(inline: Inline) -> str:
    """The URL of a Link or an Image."""
    url: str = inline["c"][2][0]
    return url


def set_link_target(inline: Inline, url: str) -> None:
    inline["c"][2][0] = url


image_attr = link_attr
image_inlines = link_inlines
image_target = link_target


def math_tex(inline: Inline) -> str:
    """A Math inline's TeX, as written between the dollars."""
    tex: str = inline["c"][1]
    return tex


def set_math_tex(inline: Inline, tex: str) -> None:
    inline["c"][1] = tex


def is_display_math(inline: Inline) -> bool:
    return bool(inline["c"][0]["t"] == "DisplayMath")


def is_double_quoted(inline: Inline) -> bool:
    return bool(inline["c"][0]["t"] == "DoubleQuote")


def quoted_inlines(inline: Inline) -> Inlines:
    inlines: Inlines = inline["c"][1]
    return inlines


def attr_of(node: Node) -> Attr | None:
    """The attributes of any node that has them, else None."""
    t = node.get("t")
    if t == "Header":
        return header_attr(node)
    if t in ("Div", "Span", "Link", "Image", "Code", "CodeBlock", "Figure", "Table"):
        attr: Attr = node["c"][0]
        return attr
    return None


def has_class(node: Node, name: str) -> bool:
    """Whether a node with attributes carries the class `name`."""
    attr = attr_of(node)
    return attr is not None and name in attr_classes(attr)


# --- walking -----------------------------------------------------------------------


def walk_blocks(blocks: Blocks) -> Iterator[Block]:
    """Every block, depth first, including blocks nested in lists, quotes and divs."""
    stack = list(reversed(blocks))
    while stack:
        block = stack.pop()
        if not isinstance(block, dict):
            continue
        yield block
        t, c = block.get("t"), cast(Any, block.get("c"))
        children: Blocks = []
        if t == "BlockQuote":
            children = c
        elif t in ("BulletList", "OrderedList"):
            children = [b for item in list_items(block) for b in item]
        elif t == "Div":
            children = div_blocks(block)
        elif t == "DefinitionList":
            children = [b for _term, defs in c for d in defs for b in d]
        elif t == "Figure":
            children = figure_blocks(block)
        elif t == "Table":
            children = [b for cell in table_cells(c) for b in cell]
        stack.extend(reversed(children))


def walk_inlines(blocks: Blocks) -> Iterator[Inline]:
    """Every inline element in document order, including those nested in other inlines."""
    for block in walk_blocks(blocks):
        t, c = block.get("t"), cast(Any, block.get("c"))
        if t in ("Para", "Plain"):
            roots = c
        elif t == "Header":
            roots = header_inlines(block)
        elif t == "LineBlock":
            roots = [i for line in c for i in line]
        elif t == "DefinitionList":
            roots = [i for term, _ in c for i in term]
        else:
            continue
        stack = list(reversed(roots))
        while stack:
            inline = stack.pop()
            yield inline
            it, ic = inline.get("t"), inline.get("c")
            if it in INLINE_CONTAINERS:
                stack.extend(reversed(ic))
            elif it in ("Link", "Image", "Span", "Quoted"):
                stack.extend(reversed(ic[1]))


# --- plain text --------------------------------------------------------------------


def _as_written(tex: str) -> str:
    return tex


def block_inlines(block: Block) -> Inlines:
    """The inlines of a paragraph, a plain block or a heading; none for any other block."""
    t = block.get("t")
    if t in ("Para", "Plain"):
        return para_inlines(block)
    if t == "Header":
        return header_inlines(block)
    return []


def plain_text(
    inlines: Inlines,
    *,
    math: Callable[[str], str] | None = _as_written,
    words_only: bool = False,
    one_line: bool = False,
) -> str:
    """The text of inline elements, like pandoc's own `stringify`: words, spaces, code,
    formulas' TeX, through emphasis, links, spans, pictures' descriptions and
    quotations (with their marks); footnotes and raw TeX/HTML give nothing.

    The readers that need less say so:
    - `math`: what a formula reads as (its TeX by default; None leaves it out). The
      handbook's labels (contents, bookmarks) give it as Unicode.
    - `words_only`: only what was typed as words, for file names: no code, no
      picture descriptions, no emoji, no quotation marks.
    - `one_line`: runs of white space as one space and the ends trimmed, for labels
      that must stay on one line. The whole text is collapsed once, not each element:
      `foo[ bar](x)` reads "foo bar", not "foobar".
    """

    def text(items: Inlines) -> str:
        out: list[str] = []
        for item in items:
            t = item.get("t")
            if t == "Str":
                out.append(str_text(item))
            elif t in BREAKS:
                out.append(" ")
            elif t == "Code":
                if not words_only:
                    out.append(code_text(item))
            elif t == "Math":
                if math is not None:
                    out.append(math(math_tex(item)))
            elif t in INLINE_CONTAINERS:
                out.append(text(item["c"]))
            elif t == "Image":
                if not words_only:
                    out.append(text(image_inlines(item)))
            elif t == "Span":
                if not (words_only and "emoji" in attr_classes(span_attr(item))):
                    out.append(text(span_inlines(item)))
            elif t in ("Link", "Cite"):
                out.append(text(link_inlines(item)))
            elif t == "Quoted":
                inner = text(quoted_inlines(item))
                marks = "" if words_only else "“”" if is_double_quoted(item) else "‘’"
                out.append(marks[:1] + inner + marks[1:])
        return "".join(out)

    joined = text(inlines)
    return " ".join(joined.split()) if one_line else joined


# --- inline footnotes ------------------------------------------------------------

# A fixer marks a footnote written inline (a Jekyll side note) as `[text]{.inline-note}`:
# the reader (CommonMark) has no `^[…]` inline notes, and a `[^1]` reference would need
# a definition on a line of its own. After parsing, such a span becomes a real Note.
INLINE_NOTE_CLASS = "inline-note"


def make_inline_notes(blocks: Blocks) -> int:
    """Turn every `[text]{.inline-note}` span into a footnote, in place. Returns how many."""
    count = 0
    for inline in walk_inlines(blocks):
        if inline.get("t") == "Span" and INLINE_NOTE_CLASS in attr_classes(span_attr(inline)):
            inline["t"], inline["c"] = "Note", [{"t": "Para", "c": span_inlines(inline)}]
            count += 1
    return count
