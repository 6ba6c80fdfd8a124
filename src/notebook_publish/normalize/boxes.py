"""What the box fixers share: writing a callout's title line, a tab label, a captioned
code fence, and moving a line into a quote.

The convention (read back by `notebook_publish.callouts`): a callout is a block quote
whose first line is `[Title]{.callout type="tip" fold="closed"}`, its body the quote's
other lines; a tab is a paragraph that starts with `[Label]{.tab-label}`. Nothing here
adds a line.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from notebook_publish.callouts import CALLOUT_CLASS, TAB_LABEL_CLASS, UNTITLED_CLASS

if TYPE_CHECKING:
    from notebook_publish.diagnostics import Diagnostic
    from notebook_publish.normalize.context import NoteContext

# A line that cannot follow a paragraph's first line without joining it: a table row
# (pipe tables cannot interrupt a paragraph) or a definition (`: ...`). A callout whose
# body starts with one gets its title line as a level-6 heading, which ends by itself.
_DELIMITER_ROW = re.compile(r"^\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_KIND = re.compile(r"[^\w-]+")
_CLASS_NAME = re.compile(r"^[A-Za-z][\w-]*$")
_LANGUAGE_NAMES = {"c++": "cpp", "c#": "csharp", "f#": "fsharp", "objective-c++": "objective-c"}
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*?)[ \t]*$")
# Boxes inside boxes are quotes inside quotes, which the reader flattens beyond twelve
# levels (markdown.MAX_QUOTE_NESTING); deeper openers stay unboxed, so a hostile note
# cannot make the fixers' work grow with the square of its nesting.
MAX_BOX_DEPTH = 12


def too_deep(ctx: NoteContext, line: int, col: int = 1) -> Diagnostic:
    from notebook_publish.diagnostics import warning

    return warning(
        ctx.path,
        line,
        "deep-nesting",
        f"boxes nest deeper than {MAX_BOX_DEPTH} levels; the deeper ones are not boxed, their text is kept",
        "nest fewer callouts or admonitions",
        col,
    )


def kind_of(text: str) -> str:
    """A type written in a note, as an attribute value: lower case, word characters and `-`."""
    return _KIND.sub("-", text.strip().lower()).strip("-") or "note"


def title_markdown(title: str) -> str:
    """`title` as the text of a bracketed span: brackets escaped unless they pair up."""
    title = title.strip()
    depth, balanced, i = 0, True, 0
    while i < len(title):
        ch = title[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                balanced = False
                break
        i += 1
    if not balanced or depth:
        out, i = [], 0
        while i < len(title):
            ch = title[i]
            if ch == "\\" and i + 1 < len(title):
                out.append(title[i : i + 2])
                i += 2
                continue
            out.append("\\" + ch if ch in "[]" else ch)
            i += 1
        title = "".join(out)
    trailing = len(title) - len(title.rstrip("\\"))
    if trailing % 2:  # a lone backslash would escape the closing bracket
        title += "\\"
    return title


def attribute_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', "'").replace("\n", " ")


def callout_line(
    prefix: str, kind: str, title: str = "", fold: str = "", untitled: bool = False, as_heading: bool = False
) -> str:
    """The title line of a callout; `prefix` ends with the quote marker (`> `)."""
    classes = "." + CALLOUT_CLASS + (" ." + UNTITLED_CLASS if untitled else "")
    fold_attr = f' fold="{fold}"' if fold in ("open", "closed") else ""
    span = f'[{title_markdown(title)}]{{{classes} type="{kind_of(kind)}"{fold_attr}}}'
    return f"{prefix}###### {span}" if as_heading else prefix + span


def tab_label_line(prefix: str, label: str) -> str:
    return f"{prefix}[{title_markdown(label)}]{{.{TAB_LABEL_CLASS}}}"


def joins_title(first_body: str | None, second_body: str | None) -> bool:
    """Whether a body whose first two lines are these would run into the title line."""
    if first_body is None:
        return False
    first = first_body.strip()
    if first.startswith("|"):
        return True
    second = (second_body or "").strip()
    if "|" in first and _DELIMITER_ROW.match(second) and "-" in second:
        return True
    return bool(first) and (second.startswith(": ") or second == ":")


def captioned_fence(fence_line: str, title: str, language: str | None = None) -> str | None:
    """A fence opening line with `title` as its caption (`{.lang title="..."}`), or None
    if the line is no fence. `language` overrides the one the line names."""
    stripped = fence_line.lstrip(" \t")
    indent = fence_line[: len(fence_line) - len(stripped)]
    m = FENCE.match(stripped)
    if not m:
        return None
    info = m.group("info")
    classes: list[str] = []
    keep: list[str] = []
    if info.startswith("{") and info.endswith("}"):
        for word in info[1:-1].split():
            if word.startswith(".") and _CLASS_NAME.match(word[1:]):
                classes.append(word[1:])
            elif not word.startswith("title="):
                keep.append(word)
    elif info:
        word = info.split()[0]
        word = _LANGUAGE_NAMES.get(word.lower(), word)
        if _CLASS_NAME.match(word):
            classes.append(word)
    if language is not None:
        language = _LANGUAGE_NAMES.get(language.lower(), language)
        classes = [language] if _CLASS_NAME.match(language) else []
    parts = [f".{c}" for c in classes] + keep + [f'title="{attribute_value(title.strip())}"']
    return f"{indent}{m.group('fence')}{{{' '.join(parts)}}}"


def rebase(line: str, prefix: str, new_prefix: str) -> str:
    """`line`, which sits under `prefix`, moved under `new_prefix` (into a quote)."""
    if line.startswith(prefix):
        rest = line[len(prefix) :]
    elif line.rstrip() == prefix.rstrip():
        rest = ""
    else:  # less indented than its container (lazy text): keep its words
        rest = line.lstrip(" \t>") if ">" in prefix else line.lstrip(" \t")
    if not rest.strip():
        return new_prefix.rstrip()
    return new_prefix + rest


class FenceTracker:
    """Whether a line (given without its container prefix) is inside fenced code."""

    __slots__ = ("fence",)

    def __init__(self) -> None:
        self.fence: str | None = None

    def step(self, content: str) -> bool:
        """Feed one line's content; True if it is code (a fence line included)."""
        if self.fence is None and "`" not in content and "~" not in content:
            return False
        stripped = content.lstrip(" \t")
        if self.fence is not None:
            if stripped.startswith(self.fence) and not stripped.strip().strip(self.fence[0]):
                self.fence = None
            return True
        if len(content) - len(stripped) <= 3 and stripped[:3] in ("```", "~~~"):
            m = FENCE.match(stripped)
            if m or stripped.startswith("~~~"):
                run = len(stripped) - len(stripped.lstrip(stripped[0]))
                self.fence = stripped[0] * run
                return True
        return False
