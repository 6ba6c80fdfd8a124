"""MkDocs Material admonitions and content tabs, whose body is indented by four spaces.

    !!! note "Title"                 > [Title]{.callout type="note"}
        Body                   ->    > Body
    ??? tip / ???+ tip               collapsible (closed / open): printed expanded
    !!! info inline end "T"          `inline`, `end` and other extra classes are dropped
    !!! note ""                      no title line at all

    === "Tab 1"                      [Tab 1]{.tab-label}
        Body                   ->    Body

Bodies nest (an admonition in an admonition or a tab) and may hold code fences. An
opener indented more than three spaces counts only inside a list item (elsewhere the
line is indented code). An admonition whose next line is not indented has no body in
MkDocs either: that is reported (`admonition-body`), since it is nearly always an
indentation mistake.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.normalize.boxes import (
    MAX_BOX_DEPTH,
    FenceTracker,
    callout_line,
    joins_title,
    tab_label_line,
    too_deep,
)
from notebook_publish.normalize.triggers import has

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

_ADMONITION = re.compile(
    r'^(?P<marker>!!!|\?\?\?\+?)[ \t]*(?P<words>[\w-]+(?:[ \t]+[\w-]+)*)(?:[ \t]+"(?P<title>.*)")?[ \t]*$'
)
_TAB = re.compile(r'^===[!+]{0,2}[ \t]+"(?P<title>.*)"[ \t]*$')
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_MODIFIERS = {"inline", "end"}
_FOLD = {"!!!": "", "???": "closed", "???+": "open"}


class _Box:
    __slots__ = ("indent", "quote", "line")

    def __init__(self, indent: int, quote: bool, line: int) -> None:
        self.indent, self.quote, self.line = indent, quote, line

    @property
    def prefix(self) -> str:
        return " " * self.indent + ("> " if self.quote else "")


def _expand(line: str) -> str:
    """Leading tabs as spaces (to the next multiple of four), the rest as written."""
    if "\t" not in line:
        return line
    stripped = line.lstrip(" \t")
    return line[: len(line) - len(stripped)].expandtabs(4) + stripped


def _indent(s: str) -> int:
    return len(s) - len(s.lstrip(" "))


def _fit(stack: list[_Box], raw: str) -> tuple[int, str, str]:
    """How many boxes of `stack` a non-blank line stays in, the prefix it gets, and its
    text inside the innermost of them."""
    s = _expand(raw)
    out = ""
    for n, box in enumerate(stack):
        if _indent(s) < box.indent + 4:
            return n, out, s
        out += box.prefix
        s = s[box.indent + 4 :]
    return len(stack), out, s


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    if not ctx.uses("mkdocs") or not (has(text, "!!!") or has(text, "???") or (has(text, "==") and has(text, "==="))):
        return text, []
    lines = text.split("\n")
    diagnostics: list[Diagnostic] = []
    stack: list[_Box] = []
    fences = FenceTracker()
    fence_depth = 0  # boxes open around the code fence, if one is open
    lookahead: dict[int, int] = {}  # blank line -> boxes the next text line stays in
    n_lines = len(lines)

    def boxes_kept_by_blank(i: int) -> int:
        j = i
        while j < n_lines and not lines[j].strip():
            j += 1
        if j == n_lines:
            return 0
        if j not in lookahead:
            lookahead[j] = _fit(stack, lines[j])[0]
        return lookahead[j]

    for i, raw in enumerate(lines):
        if not stack and fences.fence is None and not raw.lstrip(" \t").startswith(("!!!", "???", "===", "```", "~~~")):
            continue  # the common case: a line outside every box
        if not raw.strip():
            kept = boxes_kept_by_blank(i) if stack else 0
            lines[i] = "".join(box.prefix for box in stack[:kept]).rstrip()
            continue
        kept, prefix, s = _fit(stack, raw)
        if kept < len(stack):
            del stack[kept:]
            lookahead.clear()
            if fences.fence is not None and fence_depth > kept:
                fences.fence = None  # the box holding the code ended
        was_code = fences.fence is not None
        if fences.step(s):
            if not was_code:
                fence_depth = len(stack)
            if stack:
                lines[i] = prefix + s
            continue
        stripped = s.lstrip(" ")
        indent = len(s) - len(stripped)
        if not stripped.startswith(("!!!", "???", "===")):
            if stack:
                lines[i] = prefix + s
            continue
        if indent > 3 and not _in_list(lines, i, _indent(_expand(raw))):
            if stack:
                lines[i] = prefix + s
            continue
        admonition = _ADMONITION.match(stripped)
        tab = None if admonition else _TAB.match(stripped)
        if admonition is None and tab is None:
            if stack:
                lines[i] = prefix + s
            continue
        if len(stack) >= MAX_BOX_DEPTH:
            if not any(d.code == "deep-nesting" for d in diagnostics):
                diagnostics.append(too_deep(ctx, i + 1, indent + 1))
            if stack:
                lines[i] = prefix + s
            continue
        box = _Box(indent, admonition is not None, i + 1)
        following = lines[i + 1] if i + 1 < n_lines else ""
        has_body = bool(following.strip()) and _fit(stack + [box], following)[0] > len(stack)
        if following.strip() and not has_body:
            what = "admonition" if admonition else "content tab"
            diagnostics.append(
                warning(
                    ctx.path,
                    i + 1,
                    "admonition-body",
                    f"the {what} has no body indented under it; the next line is outside it",
                    "indent its text by four spaces",
                    indent + 1,
                )
            )
        if admonition:
            words = [w for w in admonition.group("words").split() if w.lower() not in _MODIFIERS] or ["note"]
            title = admonition.group("title")
            body = _fit(stack + [box], following)[2] if has_body else None
            after = (
                _fit(stack + [box], lines[i + 2])[2] if has_body and i + 2 < n_lines and lines[i + 2].strip() else None
            )
            lines[i] = callout_line(
                prefix + box.prefix,
                words[0],
                title or "",
                _FOLD[admonition.group("marker")],
                untitled=title == "",
                as_heading=joins_title(body, after),
            )
        else:
            assert tab is not None  # a box is an admonition or a content tab
            lines[i] = tab_label_line(prefix + box.prefix, tab.group("title").strip() or "Tab")
        stack.append(box)
        lookahead.clear()
    return "\n".join(lines), diagnostics


def _in_list(lines: list[str], i: int, indent: int) -> bool:
    """Whether line i, indented by `indent`, continues a list item above it."""
    for j in range(i - 1, max(-1, i - 200), -1):
        line = lines[j]
        if not line.strip():
            continue
        line_indent = _indent(_expand(line))
        if line_indent < indent:
            return bool(_LIST_ITEM.match(line))
    return False
