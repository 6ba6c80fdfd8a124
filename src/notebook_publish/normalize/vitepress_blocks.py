"""VitePress (markdown-it) custom containers, code groups and tabs.

    ::: tip Optional title           > [Optional title]{.callout type="tip"}
    Body                       ->    > Body
    :::                              (empty line)

    ::: details Click me             collapsible (printed expanded)
    ::: code-group                   empty line; each fence's `[title]` becomes its caption:
    ```js [config.js]                ```{.js title="config.js"}
    ::: tabs  /  == Tab name         empty line  /  [Tab name]{.tab-label}

The callout containers are tip, info, warning, danger, details, and note, important,
caution (as in GitHub's alerts). Every other `:::` line is pandoc's own fenced div
(`::: notes`, `::: {.class}`) and is left as it is; they are tracked only to pair
each closing `:::` with its opener. A container of ours left open is closed at the
end of the note, with a warning at its line.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.normalize.boxes import (
    MAX_BOX_DEPTH,
    FenceTracker,
    callout_line,
    captioned_fence,
    joins_title,
    rebase,
    tab_label_line,
    too_deep,
)
from notebook_publish.normalize.triggers import has

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

_CONTAINER = re.compile(r"^(?P<prefix>[ \t]*):{3,}[ \t]*(?P<rest>.*?)[ \t]*$")
_NAME = re.compile(r"^(?P<name>[A-Za-z][\w-]*)(?:[ \t]+(?P<title>.*?))?$")
_TRAILING_ATTRS = re.compile(r"[ \t]*\{[^{}]*\}[ \t]*$")
_CODE_INFO = re.compile(r"^(?P<lang>[^\s\[{]*)[ \t]*(?:\{[^}]*\})?[ \t]*(?:\[(?P<title>[^\]]*)\])?")
_TAB_LINE = re.compile(r"^(?P<prefix>[ \t]*)==[ \t]+(?P<name>\S.*?)[ \t]*$")
CALLOUT_NAMES = frozenset({"tip", "info", "warning", "danger", "details", "note", "important", "caution"})
GROUP_NAMES = frozenset({"code-group", "tabs"})


class _Open:
    __slots__ = ("kind", "name", "prefix", "line")

    def __init__(self, kind: str, name: str, prefix: str, line: int) -> None:
        self.kind, self.name, self.prefix, self.line = kind, name, prefix, line


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    if not ctx.uses("vitepress") or not has(text, ":::"):
        return text, []
    lines = text.split("\n")
    diagnostics: list[Diagnostic] = []
    stack: list[_Open] = []
    fences = FenceTracker()
    ours = 0  # containers of ours on the stack
    quoting: list[_Open] = []  # the callouts among them, outermost first

    def inside(raw: str) -> str:
        for entry in quoting:
            raw = rebase(raw, entry.prefix, entry.prefix + "> ")
        return raw

    for i, raw in enumerate(lines):
        if not ours and ":::" not in raw:
            if fences.fence is not None or "`" in raw or "~" in raw:
                fences.step(raw.lstrip(" \t>"))  # as the slow path sees it, quoted or not
            continue
        line = inside(raw)
        content = line.lstrip(" \t>")
        prefix_len = len(line) - len(content)
        was_code = fences.fence is not None
        if fences.step(content):
            if not was_code and stack and stack[-1].name == "code-group":
                line = _caption_group_fence(line, prefix_len) or line
            lines[i] = line
            continue
        m = _CONTAINER.match(content)
        if m is None:
            tab = _TAB_LINE.match(content) if stack and stack[-1].name == "tabs" else None
            lines[i] = tab_label_line(line[:prefix_len] + tab.group("prefix"), tab.group("name")) if tab else line
            continue
        rest = m.group("rest")
        if not rest:  # a closing fence: the innermost container ends
            if not stack:
                lines[i] = line
                continue
            closed = stack.pop()
            if closed.kind == "div":
                lines[i] = inside(raw)
            else:
                ours -= 1
                if closed.kind == "callout":
                    quoting.pop()
                outer = inside(raw)
                lines[i] = outer[: len(outer) - len(outer.lstrip(" \t>"))].rstrip()
            continue
        named = _NAME.match(rest)
        name = named.group("name").lower() if named else ""
        opener_prefix = line[:prefix_len] + m.group("prefix")
        if name in CALLOUT_NAMES and len(quoting) >= MAX_BOX_DEPTH:
            if not any(d.code == "deep-nesting" for d in diagnostics):
                diagnostics.append(too_deep(ctx, i + 1, len(opener_prefix) + 1))
            lines[i] = opener_prefix.rstrip()
            stack.append(_Open("group", name, opener_prefix, i + 1))
            ours += 1
        elif name in CALLOUT_NAMES:
            assert named is not None  # (else `name` is "")
            title_text = named.group("title") or ""
            opened = "{open}" in title_text.replace(" ", "")
            title_text = _TRAILING_ATTRS.sub("", title_text)
            fold = ("open" if opened else "closed") if name == "details" else ""
            following = inside(lines[i + 1])[len(opener_prefix) :] if i + 1 < len(lines) else None
            after = inside(lines[i + 2])[len(opener_prefix) :] if i + 2 < len(lines) else None
            lines[i] = callout_line(
                opener_prefix + "> ", name, title_text, fold, as_heading=joins_title(following, after)
            )
            stack.append(_Open("callout", name, opener_prefix, i + 1))
            quoting.append(stack[-1])
            ours += 1
        elif name in GROUP_NAMES:
            lines[i] = opener_prefix.rstrip()
            stack.append(_Open("group", name, opener_prefix, i + 1))
            ours += 1
        else:
            lines[i] = line
            stack.append(_Open("div", name, opener_prefix, i + 1))
    for entry in stack:
        if entry.kind != "div":
            diagnostics.append(
                warning(
                    ctx.path,
                    entry.line,
                    "unclosed-container",
                    f"`::: {entry.name}` has no closing `:::`; it runs to the end of the note",
                    "add a line `:::` where it ends",
                    len(entry.prefix) + 1,
                )
            )
    return "\n".join(lines), diagnostics


def _caption_group_fence(line: str, prefix_len: int) -> str | None:
    """A code group's fence line with its `[title]` as the caption."""
    content = line[prefix_len:]
    stripped = content.lstrip(" \t")
    fence = stripped[: len(stripped) - len(stripped.lstrip(stripped[0]))]
    info = stripped[len(fence) :].strip()
    m = _CODE_INFO.match(info)
    if not m or m.group("title") is None:
        return None
    return captioned_fence(
        line[:prefix_len] + content[: len(content) - len(stripped)] + fence, m.group("title"), m.group("lang")
    )
