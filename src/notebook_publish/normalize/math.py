"""Turn every way notes write math into pandoc's `$` syntax, as their source tool means it.

Notion exports display math as a ```` ```math ```` fence at column 0, even in the
middle of a nested list. CommonMark then ends the list there, and the indented items
after the formula turn into a code block. We rewrite the fence as `$$ … $$` and indent
it to the content column of the list item it follows, so the list goes on. Inline
``$`…`$`` (GitLab/GitHub style) becomes `$…$`.

A display formula on lines of its own (`$$`, `\\[ … \\]`, `\\begin{align}` … outside
dollars; where it ends is `math_blocks`' rule) becomes a `$$` block; Obsidian's
`^block-id` after it an anchor. A `$$` left open ends before the blank line, with an
`unclosed-math` warning. Everything inside paragraphs (inline `$$`, `\\(…\\)`) is
`math_delimiters`' job, run last on this fixer's output.

The TeX itself is never changed, except that a multi-line formula whose lines would
read as Markdown structure (a line starting with `-`, `+`, `#`, `>` …) is joined onto
one line: TeX treats line breaks as spaces.

Every rewrite keeps the number of lines, so diagnostics of later fixers still point at
the right line of the file on disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, info, warning
from notebook_publish.normalize import math_delimiters
from notebook_publish.normalize.math_blocks import (
    ANCHOR,
    ENVIRONMENT,
    DisplayBlock,
    DisplayBlocks,
    find_close,
    opens_display,
)
from notebook_publish.normalize.math_delimiters import UNCLOSED_HINT
from notebook_publish.normalize.obsidian import BLOCK_PREFIX
from notebook_publish.normalize.regions import fenced_block_lines

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_LIST_ITEM = re.compile(r"^(?P<indent> *)(?P<marker>[-+*]|\d{1,9}[.)])(?P<space> +|$)")
_DOLLAR_INLINE_CODE = re.compile(r"\$`([^`\n]+)`\$")
_STRUCTURAL = re.compile(r"^\s*([-+*>#=|]|\d+[.)]|`{3}|~{3}|<)")


@dataclass
class _Item:
    indent: int
    content: int  # column where the item's text starts


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    lines = text.split("\n")
    # ``$`…`$`` first, so that a line it turns into `$$…$$` is seen as display math by
    # the same run, not by the next one (a second run must change nothing).
    # Lines that already open `$$` math are left to the block handling, as before.
    skip = fenced_block_lines(lines)
    lines = [
        line if skip[i] or line.lstrip().startswith("$$") or "$`" not in line else _dollar_code_to_math(line)
        for i, line in enumerate(lines)
    ]
    out: list[str] = []
    diagnostics: list[Diagnostic] = []
    items: list[_Item] = []  # open list items, outermost first
    blank_since_item = False
    anchors = ctx.uses("obsidian")
    blocks = DisplayBlocks(lines)
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence and fence.group("info").strip().lower() == "math":
            close = _find_fence_close(lines, i, fence.group("fence"))
            body = lines[i + 1 : (close if close is not None else len(lines))]
            indent = _indent_for_block(lines, i, close, items, blank_since_item, len(line) - len(line.lstrip()))
            if close is None:
                diagnostics.append(
                    warning(ctx.path, i + 1, "unclosed-math", "math block is never closed", "add a closing ``` line")
                )
            end = len(lines) - 1 if close is None else close
            out.extend(_as_dollar_block(body, indent, end - i + 1))
            diagnostics.append(
                info(
                    ctx.path,
                    i + 1,
                    "math-block",
                    "rewrote display math as $$ inside its list item" if indent else "rewrote ```math as $$",
                    "",
                )
            )
            i = end + 1
            continue
        if fence:
            # An ordinary code fence: copy it through untouched.
            close = _find_fence_close(lines, i, fence.group("fence"))
            stop = len(lines) - 1 if close is None else close
            out.extend(lines[i : stop + 1])
            i = stop + 1
            continue
        stripped = line.strip()
        block = blocks.at(i) if stripped[:1] in ("$", "\\") and opens_display(stripped) else None
        if block is not None and not block.prose:
            indent = _indent_for_block(lines, i, block.end, items, blank_since_item, len(line) - len(line.lstrip()))
            if not block.closed:
                opener = "$$" if block.kind == "$$" else stripped.split("}", 1)[0] + "}"
                diagnostics.append(
                    warning(
                        ctx.path,
                        i + 1,
                        "unclosed-math",
                        f"`{opener}` is never closed; the formula ends before the blank line",
                        UNCLOSED_HINT if block.kind == "$$" else "add the `\\end{…}` where the formula ends",
                        len(line) - len(line.lstrip()) + 1,
                    )
                )
            height = block.end - i + 1
            written = _as_dollar_block(_block_tex(lines, block), indent, height, keep_lines=True)
            if block.after:
                anchor = ANCHOR.match(block.after)
                assert anchor is not None  # what follows a block is "" or an anchor
                shown = f"[]{{#{BLOCK_PREFIX}{anchor.group('id')}}}" if anchors and anchor.group("id") else block.after
                last = max(k for k, w in enumerate(written) if w.strip())
                written[last] += " " + shown
            out.extend(written)
            if indent != len(line) - len(line.lstrip()):
                diagnostics.append(
                    info(ctx.path, i + 1, "math-block", "rewrote display math as $$ inside its list item", "")
                )
            elif block.kind != "$$":
                diagnostics.append(
                    info(ctx.path, i + 1, "math-block", f"read {_KIND_NAMES[block.kind]} as display math", "")
                )
            i = block.end + 1
            continue
        blank_since_item = _track_list(line, items, blank_since_item)
        out.append(line)
        i += 1
    out, found = math_delimiters.rewrite(out, ctx)
    diagnostics.extend(found)
    return "\n".join(out), diagnostics


_KIND_NAMES = {"\\[": "`\\[ … \\]`", "env": "a `\\begin{…}` environment outside `$$`"}


def _block_tex(lines: list[str], block: DisplayBlock) -> list[str]:
    """The TeX lines of a display block, without its `$$` or `\\[ \\]` (an
    environment keeps its `\\begin` and `\\end`) and without what follows it."""
    body = [line.strip() for line in lines[block.start : block.end + 1]]
    if block.closed:
        close = "$$" if block.kind == "$$" else "\\]" if block.kind == "\\[" else None
        last = body[-1]
        if close is None:
            env = ENVIRONMENT.match(body[0])
            assert env is not None  # an environment's block opens with its `\begin`
            close = f"\\end{{{env.group('name')}{env.group('star')}}}"
            at = find_close(last, 0 if len(body) > 1 else env.end(), close)
            body[-1] = last[: at + len(close)]
        else:
            at = find_close(last, 2 if len(body) == 1 else 0, close)
            body[-1] = last[:at]
    if block.kind != "env":
        body[0] = body[0][2:]
    return body


def _dollar_code_to_math(line: str) -> str:
    """``$`x`$`` as `$x$`, until none is left (`$`$`$`$`$` hides a second one). One glued
    to a word (`$`n`$th`) stays: `math_delimiters` writes that form on purpose."""
    while True:
        done = _DOLLAR_INLINE_CODE.sub(_code_to_dollars, line)
        if done == line:
            return line
        line = done


def _code_to_dollars(m: re.Match[str]) -> str:
    before, after = m.string[m.start() - 1 : m.start()], m.string[m.end() : m.end() + 1]
    tex = m.group(1).strip()
    if re.match(r"\w", before) or re.match(r"[\w$]", after) or (len(tex) - len(tex.rstrip("\\"))) % 2 == 1:
        return m.group(0)
    return f"${tex}$"


def _find_fence_close(lines: list[str], start: int, fence: str) -> int | None:
    for j in range(start + 1, len(lines)):
        s = lines[j].strip()
        if s.startswith(fence[0] * len(fence)) and s.strip(fence[0]) == "":
            return j
    return None


def _track_list(line: str, items: list[_Item], blank_since_item: bool) -> bool:
    """Update the stack of open list items with one ordinary line; return the new blank flag."""
    if not line.strip():
        return bool(items)
    indent = len(line) - len(line.lstrip(" "))
    m = _LIST_ITEM.match(line)
    if m:
        spaces = len(m.group("space"))
        content = indent + len(m.group("marker")) + (spaces if 0 < spaces <= 4 else 1)
        while items and items[-1].content > indent:
            items.pop()
        items.append(_Item(indent, content))
    elif blank_since_item or line.lstrip().startswith("#"):
        # After a blank line, a less indented paragraph closes the items it is outside
        # of; a heading closes every list. Without a blank line it is a lazy continuation.
        while items and indent < items[-1].content:
            items.pop()
    return False


def _indent_for_block(
    lines: list[str], start: int, end: int | None, items: list[_Item], blank_before: bool, current_indent: int
) -> int:
    """Content column of the list item this block belongs to, or its own indent if none."""
    if not items:
        return current_indent
    item = items[-1]
    if current_indent >= item.content:
        return current_indent
    if not blank_before:
        return item.content
    # After a blank line the block belongs to the list only if the list goes on after it.
    after = end + 1 if end is not None else len(lines)
    for line in lines[after:]:
        if line.strip():
            indent = len(line) - len(line.lstrip(" "))
            return item.content if indent > 0 or _LIST_ITEM.match(line) else current_indent
    return current_indent


_TEX_COMMENT = re.compile(r"(?<!\\)%.*$")


def _as_dollar_block(tex_lines: list[str], indent: int, height: int, keep_lines: bool = False) -> list[str]:
    """`$$ … $$` in exactly `height` lines, indented by `indent`. With `keep_lines`, TeX
    that fills the lines (`$$x` … `y$$`, an environment) keeps them, so its line numbers
    stay those of the file on disk."""
    pad = " " * indent
    tex_lines = [t.rstrip() for t in tex_lines]
    if (
        keep_lines
        and len(tex_lines) == height
        and all(t.strip() for t in tex_lines)
        and not any(_STRUCTURAL.match(t) for t in tex_lines[1:])
    ):
        if height == 1:
            return [pad + "$$" + tex_lines[0].strip() + "$$"]
        return (
            [pad + "$$" + tex_lines[0].strip()]
            + [pad + t.strip() for t in tex_lines[1:-1]]
            + [pad + tex_lines[-1].strip() + "$$"]
        )
    tex_lines = [t for t in tex_lines if t.strip()]
    inner_height = height - 2
    safe = all(not _STRUCTURAL.match(t) and t.strip() for t in tex_lines) and len(tex_lines) == inner_height
    if safe and inner_height > 0:
        return [pad + "$$"] + [pad + t.strip() for t in tex_lines] + [pad + "$$"]
    joined = " ".join(t.strip() for t in tex_lines if t.strip())
    if "%" in joined.replace(r"\%", ""):
        # A TeX comment would swallow the rest of a joined line: keep lines as they were.
        # Blank lines go after the block, as a `$$` block's blank lines are dropped when
        # it is read again.
        tex_lines = [t for t in tex_lines if t.strip()]
        if len(tex_lines) + 2 > height:
            # No room for the fences on lines of their own (an unclosed fence at the
            # end): the comments go, which TeX would ignore anyway, and the rest joins.
            joined = " ".join(c for c in (_TEX_COMMENT.sub("", t).strip() for t in tex_lines) if c)
            block = [pad + "$$" + joined + "$$"] if joined else [pad + "$$ $$"]
            return block + [""] * (height - 1)
        return (
            [pad + "$$"]
            + [pad + t.strip() for t in tex_lines]
            + [pad + "$$"]
            + [""] * max(0, inner_height - len(tex_lines))
        )
    block = [pad + "$$" + joined + "$$"] if joined else [pad + "$$ $$"]
    return block + [""] * (height - 1)
