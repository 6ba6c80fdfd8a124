"""Small helpers to read the pandoc AST (JSON form) that both writers share.

pandoc's JSON AST is a tree of `{"t": type, "c": content}` objects. These helpers walk
it without knowing what a writer wants from it.
"""

from __future__ import annotations

INLINE_CONTAINERS = ("Emph", "Strong", "Strikeout", "Underline", "SmallCaps", "Superscript", "Subscript")


def stringify(inlines: list) -> str:
    """Plain text of a list of inline elements (like pandoc's own `stringify`)."""
    out: list[str] = []

    def walk(items: list) -> None:
        for item in items:
            t = item.get("t")
            c = item.get("c")
            if t == "Str":
                out.append(c)
            elif t in ("Space", "SoftBreak", "LineBreak"):
                out.append(" ")
            elif t in ("Code", "Math"):
                out.append(c[1])
            elif t in INLINE_CONTAINERS:
                walk(c)
            elif t in ("Link", "Image", "Span"):
                walk(c[1])
            elif t == "Quoted":
                q = "“”" if c[0]["t"] == "DoubleQuote" else "‘’"
                out.append(q[0])
                walk(c[1])
                out.append(q[1])
            elif t == "Cite":
                walk(c[1])

    walk(inlines)
    return "".join(out)


def table_cells(c: list):
    """The block lists of every cell of a Table's content, head, bodies and foot."""
    _attr, _caption, _colspecs, head, bodies, foot = c
    rows = list(head[1])
    for body in bodies:
        rows += body[2] + body[3]
    rows += foot[1]
    for _row_attr, cells in rows:
        for cell in cells:
            yield cell[4]


def walk_blocks(blocks: list):
    """Every block, depth first, including blocks nested in lists, quotes and divs."""
    stack = list(reversed(blocks))
    while stack:
        block = stack.pop()
        if not isinstance(block, dict):
            continue
        yield block
        t, c = block.get("t"), block.get("c")
        children: list = []
        if t in ("BlockQuote",):
            children = c
        elif t in ("BulletList",):
            children = [b for item in c for b in item]
        elif t == "OrderedList":
            children = [b for item in c[1] for b in item]
        elif t == "Div":
            children = c[1]
        elif t == "DefinitionList":
            children = [b for _term, defs in c for d in defs for b in d]
        elif t == "Figure":
            children = c[2]
        elif t == "Table":
            children = [b for cell in table_cells(c) for b in cell]
        stack.extend(reversed(children))


def walk_inlines(blocks: list):
    """Every inline element in document order, including those nested in other inlines."""
    for block in walk_blocks(blocks):
        t, c = block.get("t"), block.get("c")
        if t in ("Para", "Plain"):
            roots = c
        elif t == "Header":
            roots = c[2]
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
            elif it in ("Link", "Image", "Span"):
                stack.extend(reversed(ic[1]))
            elif it == "Quoted":
                stack.extend(reversed(ic[1]))


# A fixer marks a footnote written inline (a Jekyll side note) as `[text]{.inline-note}`:
# the reader (CommonMark) has no `^[…]` inline notes, and a `[^1]` reference would need
# a definition on a line of its own. After parsing, such a span becomes a real Note.
INLINE_NOTE_CLASS = "inline-note"


def make_inline_notes(blocks: list) -> int:
    """Turn every `[text]{.inline-note}` span into a footnote, in place. Returns how many."""
    count = 0
    for inline in walk_inlines(blocks):
        if inline.get("t") == "Span" and INLINE_NOTE_CLASS in inline["c"][0][1]:
            inline["t"], inline["c"] = "Note", [{"t": "Para", "c": inline["c"][1]}]
            count += 1
    return count
