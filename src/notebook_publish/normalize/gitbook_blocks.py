"""GitBook's block tags: hints, tabs, captioned code, embeds, content references.

    {% hint style="warning" %}       > []{.callout type="warning"}
    Body                       ->    > Body
    {% endhint %}                    (empty line)

    {% tabs %} / {% endtabs %}       empty lines
    {% tab title="Windows" %}        [Windows]{.tab-label}   (the tab's text follows it)
    {% endtab %}                     empty line
    {% code title="x.py" %}          empty line; the fence below gets the caption:
    ```python                        ```{.python title="x.py"}
    {% endcode %}                    empty line
    {% embed url="https://…" %}      <https://…>  (or [caption](<https://…>))
    {% content-ref url="x.md" %}     empty line (the link GitBook writes inside stays)

Each tag must stand on its own line, as GitBook writes them. A tag left open is
closed at the end of the note, and a closing tag with nothing to close is dropped,
each with a warning at its line. Tags inside code are left alone; other `{% … %}`
tags (Liquid's) are not touched here.
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
    title_markdown,
    too_deep,
)
from notebook_publish.normalize.triggers import has

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

_TAG = re.compile(
    r"^(?P<prefix>[ \t]*(?:>[ \t]?)*)\{%-?[ \t]*(?P<name>[A-Za-z][\w-]*)(?P<args>(?:[^%\n]|%(?!\}))*?)[ \t]*-?%\}[ \t]*$"
)
_ARG = re.compile(r"""([\w-]+)[ \t]*=[ \t]*(?:"([^"]*)"|'([^']*)')""")
_OPENERS = {"hint": "endhint", "tabs": "endtabs", "tab": "endtab", "code": "endcode", "content-ref": "endcontent-ref"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
_HANDLED = frozenset(_OPENERS) | frozenset(_CLOSERS) | {"embed", "endembed"}
_HINT_STYLES = {
    "info": "info",
    "success": "success",
    "warning": "warning",
    "danger": "danger",
    "tip": "tip",
    "note": "note",
}
_SAFE_URL = re.compile(r"^[^\s<>]+$")


class _Open:
    __slots__ = ("name", "prefix", "line", "col", "title", "hints_before")

    def __init__(self, name: str, prefix: str, line: int, col: int, hints_before: int) -> None:
        self.name, self.prefix, self.line, self.col, self.title = name, prefix, line, col, ""
        self.hints_before = hints_before  # hints open around it


MAX_OPEN = 4 * MAX_BOX_DEPTH  # tags open at once; deeper ones are left as they are


def _args(text: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _ARG.finditer(text)}


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    if not ctx.uses("gitbook") or not has(text, "{%"):
        return text, []
    lines = text.split("\n")
    diagnostics: list[Diagnostic] = []
    stack: list[_Open] = []
    fences = FenceTracker()
    caption: _Open | None = None  # an open {% code %} whose fence has not come yet

    hints: list[_Open] = []  # the hints that quote their body, outermost first

    def inside(raw: str) -> str:
        """The line moved into the quotes of the hints open around it."""
        for entry in hints:
            raw = rebase(raw, entry.prefix, entry.prefix + "> ")
        return raw

    def close(entry: _Open, why: str) -> None:
        diagnostics.append(
            warning(
                ctx.path,
                entry.line,
                "unclosed-container",
                f"`{{% {entry.name} %}}` has no `{{% {_OPENERS[entry.name]} %}}`; {why}",
                f"add `{{% {_OPENERS[entry.name]} %}}` where it ends",
                entry.col,
            )
        )

    for i, raw in enumerate(lines):
        if not stack and fences.fence is None and "{%" not in raw and "`" not in raw and "~" not in raw:
            continue  # the common case: text outside every tag
        line = inside(raw)
        if fences.fence is not None or "{%" not in line:
            content = line.lstrip(" \t>")
            if fences.step(content) and caption is not None and fences.fence is not None:
                fenced = captioned_fence(content, caption.title)
                if fenced is not None:
                    line = line[: len(line) - len(content)] + fenced
                caption = None
            lines[i] = line
            continue
        m = _TAG.match(line)
        name = m.group("name").lower() if m else ""
        if name not in _HANDLED:
            fences.step(line.lstrip(" \t>"))
            lines[i] = line
            continue
        assert m is not None  # (else `name` is "", not handled)
        prefix = m.group("prefix")
        col = len(prefix) + 1
        args = _args(m.group("args"))
        if name in _CLOSERS:
            opener = _CLOSERS[name]
            at = next((k for k in range(len(stack) - 1, -1, -1) if stack[k].name == opener), None)
            if at is None:
                diagnostics.append(
                    warning(
                        ctx.path,
                        i + 1,
                        "stray-container-end",
                        f"`{{% {name} %}}` closes nothing; it was dropped",
                        f"remove it, or add the `{{% {opener} %}}` it ends",
                        col,
                    )
                )
                lines[i] = prefix.rstrip()
                continue
            for entry in stack[at + 1 :]:
                close(entry, f"it was closed by `{{% {name} %}}` at line {i + 1}")
            closed = stack[at]
            del hints[closed.hints_before :]
            del stack[at:]
            if caption is closed:
                caption = None
            outer = inside(raw)
            lines[i] = outer[: len(outer) - len(outer.lstrip(" \t>"))].rstrip()
            continue
        if name == "endembed":
            lines[i] = prefix.rstrip()
            continue
        if name == "embed":
            url = args.get("url", "").strip()
            label = args.get("caption", "").strip()
            if not url:
                lines[i] = prefix.rstrip()
            elif _SAFE_URL.match(url) and not label:
                lines[i] = f"{prefix}<{url}>"
            else:
                lines[i] = f"{prefix}[{title_markdown(label or url)}](<{url.replace('<', '%3C').replace('>', '%3E')}>)"
            continue
        flat = len(stack) >= MAX_OPEN or (name == "hint" and len(hints) >= MAX_BOX_DEPTH)
        if flat:  # too deep: the tag is dropped (a second pass must not find it again)
            if not any(d.code == "deep-nesting" for d in diagnostics):
                diagnostics.append(too_deep(ctx, i + 1, col))
            lines[i] = prefix.rstrip()
            if len(stack) < MAX_OPEN:
                stack.append(_Open(name, prefix, i + 1, col, len(hints)))
            continue
        if name == "tab" and stack and stack[-1].name == "tab":
            close(stack.pop(), "it was closed by the next tab")
        entry = _Open(name, prefix, i + 1, col, len(hints))
        if name == "hint":
            style = args.get("style", "info").strip().lower()
            kind = _HINT_STYLES.get(style, style or "info")
            following = inside(lines[i + 1]) if i + 1 < len(lines) else None
            after = inside(lines[i + 2]) if i + 2 < len(lines) else None
            heading = joins_title(
                following[len(prefix) :] if following is not None else None,
                after[len(prefix) :] if after is not None else None,
            )
            lines[i] = callout_line(prefix + "> ", kind, args.get("title", ""), as_heading=heading)
        elif name == "tab":
            lines[i] = tab_label_line(prefix, args.get("title", "") or "Tab")
        elif name == "code":
            entry.title = args.get("title", "")
            caption = entry if entry.title else None
            lines[i] = prefix.rstrip()
        else:  # tabs, content-ref
            lines[i] = prefix.rstrip()
        stack.append(entry)
        if name == "hint":
            hints.append(entry)
    for entry in stack:
        close(entry, "it runs to the end of the note")
    return "\n".join(lines), diagnostics
