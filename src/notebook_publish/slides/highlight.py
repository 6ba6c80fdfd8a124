"""A code block's lines as coloured tokens (Pygments, in the theme's `pygments_style`)."""

from __future__ import annotations

from notebook_publish.slides.deck import CodeBlock
from notebook_publish.slides.style import SlideStyle

Token = tuple[str, str, bool, bool]  # text, RRGGBB colour, bold, italic


def code_lines(block: CodeBlock, style: SlideStyle) -> list[tuple[Token, ...]]:
    """One tuple of tokens per line (an empty code block is one empty line). An unknown
    language is plain text; an unknown style is Pygments' default."""
    from pygments import lex
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.styles import get_style_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(block.language) if block.language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    try:
        pstyle = get_style_by_name(style.pygments_style)
    except ClassNotFound:
        pstyle = get_style_by_name("default")
    lines: list[list[Token]] = [[]]
    for ttype, value in lex(block.text.expandtabs(4), lexer):
        spec = pstyle.style_for_token(ttype)
        colour = (spec.get("color") or style.colour("text")).upper()
        for i, part in enumerate(value.split("\n")):
            if i:
                lines.append([])
            if part:
                lines[-1].append((part, colour, bool(spec.get("bold")), bool(spec.get("italic"))))
    if lines and not lines[-1]:
        lines.pop()
    return [tuple(line) for line in lines] or [()]
