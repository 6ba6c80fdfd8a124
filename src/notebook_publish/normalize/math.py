"""Turn exported math into pandoc's `$` syntax and keep it inside the list it belongs to.

Notion exports display math as a ```` ```math ```` fence at column 0, even in the
middle of a nested list. CommonMark then ends the list there, and the indented items
after the formula turn into a code block. We rewrite the fence as `$$ … $$` and indent
it to the content column of the list item it follows, so the list goes on. Inline
``$`…`$`` (GitLab/GitHub style) becomes `$…$`. The TeX itself is never changed, except
that a multi-line formula whose lines would read as Markdown structure (a line starting
with `-`, `+`, `#`, `>` …) is joined onto one line: TeX treats line breaks as spaces.

Every rewrite keeps the number of lines, so diagnostics of later fixers still point at
the right line of the file on disk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from notebook_publish.diagnostics import Diagnostic, info, warning
from notebook_publish.normalize.regions import fenced_block_lines, opens_display_block

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")
_LIST_ITEM = re.compile(r"^(?P<indent> *)(?P<marker>[-+*]|\d{1,9}[.)])(?P<space> +|$)")
_DOLLAR_INLINE_CODE = re.compile(r"\$`([^`\n]+)`\$")
_STRUCTURAL = re.compile(r"^\s*([-+*>#=|]|\d+[.)]|`{3}|~{3}|<)")


@dataclass
class _Item:
    indent: int
    content: int  # column where the item's text starts


def fix(text: str, ctx) -> tuple[str, list[Diagnostic]]:
    lines = text.split("\n")
    # ``$`…`$`` first, so that a line it turns into `$$…$$` is seen as display math by
    # the same run, not by the next one (a second run must change nothing).
    # Lines that already open `$$` math are left to the block handling, as before.
    skip = fenced_block_lines(lines)
    lines = [
        line if skip[i] or line.lstrip().startswith("$$") else _dollar_code_to_math(line)
        for i, line in enumerate(lines)
    ]
    out: list[str] = []
    diagnostics: list[Diagnostic] = []
    items: list[_Item] = []  # open list items, outermost first
    blank_since_item = False
    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        block = _display_block(lines, i, fence)
        if block is not None:
            end, tex_lines, kind = block
            indent = _indent_for_block(lines, i, end, items, blank_since_item, len(line) - len(line.lstrip()))
            if end is None:
                diagnostics.append(
                    warning(ctx.path, i + 1, "unclosed-math", "math block is never closed", "add a closing ``` or $$ line")
                )
                end = len(lines) - 1
            out.extend(_as_dollar_block(tex_lines, indent, end - i + 1))
            if kind == "fence" or indent:
                diagnostics.append(info(ctx.path, i + 1, "math-block", "rewrote display math as $$ inside its list item" if indent else "rewrote ```math as $$", ""))
            i = end + 1
            continue
        if fence:
            # An ordinary code fence: copy it through untouched.
            close = _find_fence_close(lines, i, fence.group("fence"))
            stop = len(lines) - 1 if close is None else close
            out.extend(lines[i : stop + 1])
            i = stop + 1
            continue
        blank_since_item = _track_list(line, items, blank_since_item)
        out.append(line)
        i += 1
    return "\n".join(out), diagnostics


def _dollar_code_to_math(line: str) -> str:
    """``$`x`$`` as `$x$`, until none is left (`$`$`$`$`$` hides a second one)."""
    while True:
        done = _DOLLAR_INLINE_CODE.sub(lambda m: f"${m.group(1).strip()}$", line)
        if done == line:
            return line
        line = done


def _display_block(lines: list[str], i: int, fence: re.Match | None):
    """(last line index or None if unclosed, tex lines, kind) when a display-math block starts at line i."""
    line = lines[i]
    if fence and fence.group("info").strip().lower() == "math":
        close = _find_fence_close(lines, i, fence.group("fence"))
        end = close if close is not None else None
        body = lines[i + 1 : (close if close is not None else len(lines))]
        return end, body, "fence"
    stripped = line.strip()
    if stripped.startswith("$$"):
        rest = stripped[2:]
        if rest.rstrip().endswith("$$") and rest.strip() != "":
            return i, [rest.rstrip()[:-2]], "dollars"  # $$ x $$ on one line
        if not opens_display_block(stripped):
            # `$$x$$. More prose` or Obsidian's `$$x$$ ^block-id`: opening a block would
            # swallow the paragraphs and headings that follow.
            return None
        for j in range(i + 1, len(lines)):
            if lines[j].strip().endswith("$$"):
                body = ([rest] if rest.strip() else []) + lines[i + 1 : j] + [lines[j].strip()[:-2]]
                return j, [b for b in body if b.strip()], "dollars"
        return None, [rest] + lines[i + 1 :], "dollars"
    return None


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


def _indent_for_block(lines, start, end, items, blank_before, current_indent) -> int:
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


def _as_dollar_block(tex_lines: list[str], indent: int, height: int) -> list[str]:
    """`$$ … $$` in exactly `height` lines, indented by `indent`."""
    pad = " " * indent
    tex_lines = [t.rstrip() for t in tex_lines]
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
        return [pad + "$$"] + [pad + t.strip() for t in tex_lines] + [pad + "$$"] + [""] * max(0, inner_height - len(tex_lines))
    block = [pad + "$$" + joined + "$$"] if joined else [pad + "$$ $$"]
    return block + [""] * (height - 1)
