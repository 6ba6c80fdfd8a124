"""Normalised Markdown in, pandoc AST out: cached, many notes at a time, its nesting bounded.

pandoc parses each note once (a batch of notes per process when many are parsed, see
`batch`; never per block) and its JSON AST is cached by content hash plus pandoc's
version and the reader, so an unchanged note is never parsed twice. The AST is the one
document model both writers read.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import FrameType
from typing import Any, Protocol, cast

from notebook_publish.cache import content_key
from notebook_publish.pandoc.ast import (
    Ast,
    Block,
    Blocks,
    Inlines,
    div_blocks,
    figure_blocks,
    list_items,
    para_inlines,
    plain_text,
    quote_blocks,
    walk_blocks,
)
from notebook_publish.pandoc.batch import parse_batch
from notebook_publish.pandoc.process import READER, ParseError, pandoc_version, run_pandoc

BATCH_NOTES = 24  # notes per pandoc process when many are parsed at once

# How deep the writers may find the AST. They walk it recursively, as pandoc's own
# writers do; a note whose lists nest deeper (an export gone wrong, or a hostile note)
# has its deeper levels flattened, so the text is kept and the stack is not exhausted.
MAX_BLOCK_NESTING = 40  # lists, quotes and divs inside each other
# Block quotes are boxes: in the default theme each level takes 4 mm of padding on both
# sides and a 2.5 pt rule, 8.9 mm (25.2 pt) of the 166 mm (470.6 pt) an A4 page's text
# block has. Measured in the PDF, a quote's text is 445 pt wide at depth 1, 168 pt (36%)
# at depth 12 and 143 pt (30%) at depth 13; from about 18 levels the box runs off the
# page and its words are cut, from about 40 they are gone. Twelve is the deepest level
# whose text still has a third of the line (on Letter too: 38%); deeper quotes are
# flattened into the twelfth.
MAX_QUOTE_NESTING = 12
_JSON_FAST_DEPTH = 300  # JSON levels loaded without further thought (about 60 list levels)
_JSON_MAX_DEPTH = 8000  # beyond this the note is refused
_AST_MAX_DEPTH = 600  # JSON levels left after flattening (deep inline nesting)
_CONTAINERS = ("BulletList", "OrderedList", "BlockQuote", "Div", "DefinitionList", "Figure")


DEEP_NESTING_KEY = "notebook-publish-deep-nesting"  # the text where lists and the like were first flattened
DEEP_QUOTES_KEY = "notebook-publish-deep-quotes"  # the text where block quotes were first flattened


class TooDeep(ParseError):
    """The note nests deeper than any writer can follow, even after flattening lists."""


class AstCache(Protocol):
    """Where parsed notes are kept (`cache.Cache`, `cache.MemoryCache`)."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes) -> None: ...


def parse_markdown(text: str, cache: AstCache | None = None) -> Ast:
    """Return the pandoc AST (as a JSON-compatible dict) of normalised Markdown.
    Raises ParseError."""
    result = parse_many([text], cache, jobs=1)[0]
    if isinstance(result, ParseError):
        raise result
    return result


def parse_many(texts: list[str], cache: AstCache | None = None, jobs: int = 0) -> list[Ast | ParseError]:
    """`parse_markdown` for many notes, with up to `jobs` pandoc processes at a time
    (0: one per CPU). Returns, in order, each note's AST or the ParseError it raised.

    Only the pandoc processes run in threads; cache look-ups and loading the JSON
    (which adjusts the recursion limit) stay in the calling thread.
    """
    results: list[Ast | ParseError | None] = [None] * len(texts)
    keys = [content_key("ast", pandoc_version(), READER, text) for text in texts]
    pending: list[int] = []
    for i, key in enumerate(keys):
        hit = cache.get(key) if cache is not None else None
        if hit is not None:
            try:
                results[i] = load_ast(hit)
                continue
            except TooDeep as exc:
                results[i] = exc
                continue
            except ValueError:
                pass  # not JSON after all: parse again
        pending.append(i)

    def run(i: int) -> str | ParseError:
        try:
            return run_pandoc(texts[i])
        except ParseError as exc:
            return exc

    def keep(i: int, raw: str | ParseError) -> None:
        if isinstance(raw, ParseError):
            results[i] = raw
            return
        try:
            results[i] = load_ast(raw)
        except ParseError as exc:
            results[i] = exc
            return
        if cache is not None:
            cache.put(keys[i], raw.encode("utf-8"))

    workers = max(1, min(jobs or os.cpu_count() or 1, len(pending)))
    # Several notes per pandoc process (starting pandoc costs about as much as parsing
    # a note); what a batch cannot give back with certainty is parsed on its own. The
    # batches come in a multiple of the processes, of equal size, so that no process
    # parses a last short batch alone while the others wait.
    count = -(-len(pending) // BATCH_NOTES) if len(pending) > 1 else 0
    count = -(-count // workers) * workers if count else 0
    size = -(-len(pending) // count) if count else 0
    batches = [list(range(k, min(k + size, len(pending)))) for k in range(0, len(pending), size)] if count else []
    alone: list[int] = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # Each batch's JSON is loaded (in this thread) as soon as it is back, while
        # pandoc still parses the later batches.
        for batch, got in zip(batches, pool.map(lambda b: parse_batch([texts[pending[j]] for j in b]), batches)):
            for j, raw in zip(batch, got):
                if raw is None:
                    alone.append(j)
                else:
                    keep(pending[j], raw)
        if not batches:
            alone = list(range(len(pending)))
        for j, alone_raw in zip(alone, pool.map(lambda j: run(pending[j]), alone)):
            keep(pending[j], alone_raw)
    return cast("list[Ast | ParseError]", results)  # every note has its AST or its error by now


def _frame_depth() -> int:
    frame: FrameType | None = sys._getframe()
    depth = 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


def load_ast(raw: str | bytes) -> Ast:
    """pandoc's JSON as a dict, however deeply it nests (up to a hard limit).

    Ordinary notes load under a recursion limit lowered to just above what they need;
    one that hits it is loaded again with a higher limit, then flattened. One that loads
    at once is flattened only if its block quotes nest too deep for the page.
    """
    old = sys.getrecursionlimit()
    here = _frame_depth()
    try:
        sys.setrecursionlimit(here + _JSON_FAST_DEPTH)
        try:
            ast = json.loads(raw)
        except RecursionError:
            pass
        else:
            return limit_nesting(ast)[0] if _quotes_nest_deeper(raw, ast, MAX_QUOTE_NESTING) else ast
        sys.setrecursionlimit(here + _JSON_MAX_DEPTH)
        try:
            ast = json.loads(raw)
        except RecursionError:
            raise TooDeep(f"the note nests more than {_JSON_MAX_DEPTH} levels deep") from None
    finally:
        sys.setrecursionlimit(old)
    ast, _flattened = limit_nesting(ast)
    if ast_depth(ast) > _AST_MAX_DEPTH:
        raise TooDeep(f"the note nests more than {_AST_MAX_DEPTH} levels deep, even with its lists flattened")
    return ast


def _quotes_nest_deeper(raw: str | bytes, ast: Ast, limit: int) -> bool:
    """Whether some block quote lies inside more than `limit` others. Most notes have
    fewer quotes than that in all, which the JSON text tells without a walk."""
    quotes_in_text = raw.count('"BlockQuote"') if isinstance(raw, str) else raw.count(b'"BlockQuote"')
    if quotes_in_text <= limit:
        return False
    stack = [(b, 0) for b in ast.get("blocks", [])]
    while stack:
        block, quotes = stack.pop()
        if not isinstance(block, dict):
            continue
        kids = _children(block)
        if kids is None:
            continue
        if block.get("t") == "BlockQuote":
            quotes += 1
            if quotes > limit:
                return True
        stack.extend((k, quotes) for k in kids)
    return False


def ast_depth(node: Any) -> int:
    """How deeply lists and objects nest in a JSON value, without recursion."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > deepest:
            deepest = depth
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))
    return deepest


def limit_nesting(
    ast: Ast, max_nesting: int = MAX_BLOCK_NESTING, max_quotes: int = MAX_QUOTE_NESTING
) -> tuple[Ast, bool]:
    """The AST with containers below `max_nesting` levels replaced by their content, and
    block quotes below `max_quotes` quotes by theirs.

    Below the limit a list's items, a quote's paragraphs ... become plain blocks of the
    item at the limit: every word stays, in order, one level deep. A quote inside
    `max_quotes` others loses only its own box: what it holds (lists too) is kept, in the
    quote at the limit. Returns the AST and whether anything was flattened. The AST's
    `meta` gets `DEEP_NESTING_KEY` and `DEEP_QUOTES_KEY` (the text at the first place
    each limit flattened) so a diagnostic can point at its line.
    """
    state: dict[str, str | None] = {"first": None, "quotes": None}

    def leaves(block: Block) -> Blocks:
        out: Blocks = []
        stack = [block]
        while stack:
            b = stack.pop()
            kids = _children(b)
            if kids is None:
                # A tight list's items are `Plain`; as paragraphs they stay apart.
                out.append({"t": "Para", "c": b["c"]} if b.get("t") == "Plain" else b)
            else:
                stack.extend(reversed(kids))
        if state["first"] is None:
            first = out[0] if out else {}
            inlines = first.get("c") if first.get("t") in ("Para", "Plain") else []
            state["first"] = plain_text(inlines or [])[:40]
        return out

    def unquoted(quote: Block) -> Blocks:
        """The blocks of a quote and of the quotes directly in it, without their boxes
        (iteratively: a note may nest quotes thousands deep)."""
        out: Blocks = []
        stack = [quote]
        while stack:
            b = stack.pop()
            if isinstance(b, dict) and b.get("t") == "BlockQuote":
                stack.extend(reversed(quote_blocks(b)))
            else:
                out.append(b)
        if state["quotes"] is None:
            state["quotes"] = _first_text(out)
        return out

    def blocks(items: Blocks, depth: int, quotes: int) -> Blocks:
        out: Blocks = []
        for b in items:
            if not isinstance(b, dict) or b.get("t") not in _CONTAINERS:
                out.append(b)
            elif b["t"] == "BlockQuote" and quotes >= max_quotes:
                out.extend(blocks(unquoted(b), depth, quotes))  # holds no quote at its top: no deeper recursion
            elif depth >= max_nesting:
                out.extend(leaves(b))
            else:
                inside = quotes + (b["t"] == "BlockQuote")
                out.append(_rebuild(b, lambda bs: blocks(bs, depth + 1, inside)))
        return out

    flat = dict(ast, blocks=blocks(ast.get("blocks", []), 0, 0))
    if state["first"] is None and state["quotes"] is None:
        return ast, False
    meta = dict(flat.get("meta") or {})
    for key, first in ((DEEP_NESTING_KEY, state["first"]), (DEEP_QUOTES_KEY, state["quotes"])):
        if first is not None:
            meta[key] = {"t": "MetaString", "c": first}
    flat["meta"] = meta
    return flat, True


def _first_text(blocks: Blocks) -> str:
    """The first words of the first paragraph among `blocks`, as the note's text has
    them, to find their line by: the plain words before any markup or line break."""
    for block in walk_blocks(blocks):
        if block.get("t") in ("Para", "Plain") and block.get("c"):
            plain: Inlines = []
            for inline in para_inlines(block):
                if inline.get("t") not in ("Str", "Space"):
                    break
                plain.append(inline)
            return plain_text(plain or para_inlines(block))[:40]
    return ""


def _children(block: Block) -> Blocks | None:
    """The blocks inside a container, in order (a definition's term as a paragraph)."""
    t, c = block.get("t"), cast(Any, block.get("c"))
    if t in ("BulletList", "OrderedList"):
        return [b for item in list_items(block) for b in item]
    if t == "BlockQuote":
        return list(quote_blocks(block))
    if t == "Div":
        return list(div_blocks(block))
    if t == "Figure":
        return list(figure_blocks(block))
    if t == "DefinitionList":
        return [b for term, defs in c for b in [{"t": "Plain", "c": term}] + [x for d in defs for x in d]]
    return None


def _rebuild(block: Block, inner: Callable[[Blocks], Blocks]) -> Block:
    """The container with `inner` applied to each list of blocks it holds."""
    t, c = block["t"], block["c"]
    if t == "BulletList":
        return {"t": t, "c": [inner(item) for item in c]}
    if t == "OrderedList":
        return {"t": t, "c": [c[0], [inner(item) for item in c[1]]]}
    if t == "BlockQuote":
        return {"t": t, "c": inner(c)}
    if t == "Div":
        return {"t": t, "c": [c[0], inner(c[1])]}
    if t == "Figure":
        return {"t": t, "c": [c[0], c[1], inner(c[2])]}
    if t == "DefinitionList":
        return {"t": t, "c": [[term, [inner(d) for d in defs]] for term, defs in c]}
    return block
