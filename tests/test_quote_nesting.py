"""Block quotes nested deeper than the page can hold are flattened into the deepest
level that still has a third of the text block, keeping every word and what the deep
quotes hold (lists stay lists)."""

from __future__ import annotations

import pytest

from notebook_publish.pandoc.ast import plain_text, walk_blocks
from notebook_publish.pandoc.parse import DEEP_QUOTES_KEY, MAX_QUOTE_NESTING, load_ast, parse_markdown
from notebook_publish.pandoc.process import run_pandoc


def quote_depth(blocks: list, depth: int = 0) -> int:
    deepest = depth
    for b in blocks:
        if b["t"] == "BlockQuote":
            deepest = max(deepest, quote_depth(b["c"], depth + 1))
        elif b["t"] == "BulletList":
            deepest = max(deepest, *(quote_depth(item, depth) for item in b["c"]))
    return deepest


def paragraphs(ast: dict) -> list[str]:
    return [plain_text(b["c"]) for b in walk_blocks(ast["blocks"]) if b["t"] in ("Para", "Plain")]


def test_quotes_deeper_than_the_limit_lose_their_boxes_not_their_text():
    text = "".join("> " * d + f"level {d}\n" + "> " * d + "\n" for d in range(1, 31))
    text += "> " * 20 + "- a list\n" + "> " * 20 + "  - inside it\n"
    ast = parse_markdown(text)
    assert quote_depth(ast["blocks"]) == MAX_QUOTE_NESTING == 12
    assert paragraphs(ast) == [f"level {d}" for d in range(1, 31)] + ["a list", "inside it"]
    lists = [b for b in walk_blocks(ast["blocks"]) if b["t"] == "BulletList"]
    assert len(lists) == 2  # the list in the 20th quote is still a list, in the 12th
    assert ast["meta"][DEEP_QUOTES_KEY]["c"] == "level 13"


def test_notes_within_the_limit_load_unchanged():
    text = "".join("> " * d + f"level {d}\n\n" for d in range(1, 13))
    raw = run_pandoc(text)
    ast = load_ast(raw)
    assert quote_depth(ast["blocks"]) == 12 and DEEP_QUOTES_KEY not in ast["meta"]
    # Many quotes side by side are no deep quote.
    side_by_side = load_ast(run_pandoc("> one\n\nText.\n\n" * 40))
    assert DEEP_QUOTES_KEY not in side_by_side["meta"] and len(side_by_side["blocks"]) == 80


@pytest.mark.slow
def test_a_quote_thousands_deep_is_flattened_without_recursion():
    text = "> " * 3000 + "bottom\n"
    ast = load_ast(run_pandoc(text))
    assert quote_depth(ast["blocks"]) == 12 and paragraphs(ast) == ["bottom"]
