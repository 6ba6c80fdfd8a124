"""Callouts and tab labels as the fixers mark them, read back from the pandoc AST.

Every flavour's boxes (Obsidian callouts, GitHub alerts, GitBook hints, MkDocs
admonitions, VitePress containers) reach the AST in one shape, so both writers read
one thing. A callout is a block quote whose first line is a bracketed span:

    > [Optional title]{.callout type="tip" fold="closed"}
    > body, still quoted

(`.untitled` on the span: no title line at all; `fold` is `open` or `closed`, and a
folded callout prints expanded). Nested callouts are nested quotes. A tab of a tab
group (MkDocs, GitBook, VitePress) is a paragraph that starts with `[Label]{.tab-label}`.

pandoc's own `alerts` reading of a GitHub alert that no fixer rewrote (a Div `note`
holding a Div `title`) is read as a callout too, and so is a fenced div whose class is
a callout type (`::: warning`, `::: {.tip title="Title"}`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notebook_publish.pandoc.ast import (
    Blocks,
    Inline,
    attr_keyvals,
    has_class,
    header_inlines,
    para_inlines,
    span_attr,
    span_inlines,
)

CALLOUT_CLASS = "callout"
TAB_LABEL_CLASS = "tab-label"
UNTITLED_CLASS = "untitled"

# Each type the notebooks write, to its family: the family sets the colour and icon.
# These are Obsidian's types and aliases (MkDocs Material's admonitions are the same
# set); GitHub's five alerts and GitBook's four hint styles are among them.
FAMILY_OF_TYPE = {
    "note": "note",
    "abstract": "abstract",
    "summary": "abstract",
    "tldr": "abstract",
    "info": "info",
    "todo": "todo",
    "tip": "tip",
    "hint": "tip",
    "important": "tip",
    "success": "success",
    "check": "success",
    "done": "success",
    "question": "question",
    "help": "question",
    "faq": "question",
    "warning": "warning",
    "caution": "warning",
    "attention": "warning",
    "failure": "failure",
    "fail": "failure",
    "missing": "failure",
    "danger": "danger",
    "error": "danger",
    "bug": "bug",
    "example": "example",
    "quote": "quote",
    "cite": "quote",
}
FAMILIES = tuple(dict.fromkeys(FAMILY_OF_TYPE.values()))
DEFAULT_FAMILY = "note"  # unknown types keep their own label and look like a note
GITHUB_TYPES = ("note", "tip", "important", "warning", "caution")
# Classes of a pandoc fenced div (`::: warning`) that make it a callout; `notes` (speaker
# notes) is not one of them.
DIV_CLASSES = frozenset({"callout", "aside", "note", "tip", "info", "warning", "caution", "important", "danger"})


def family_of(kind: str) -> str:
    return FAMILY_OF_TYPE.get(kind.lower(), DEFAULT_FAMILY)


def label_of(kind: str) -> str:
    """The title a callout without one shows: its type as written, capitalised (as Obsidian does)."""
    kind = kind.strip() or DEFAULT_FAMILY
    return kind[:1].upper() + kind[1:].lower()


@dataclass(frozen=True)
class Callout:
    kind: str  # the type as written, lower case ("tldr", "my-type")
    family: str  # one of FAMILIES
    label: str  # the type's label, shown when there is no title
    title: list[dict[str, Any]]  # inlines of the custom title, [] when there is none
    untitled: bool  # no title line at all (MkDocs `!!! note ""`)
    fold: str  # "", "open" or "closed"
    body: list[dict[str, Any]]  # blocks
    ident: str = ""  # a fenced div's id, so links to it still land

    @property
    def heading(self) -> list[dict[str, Any]]:
        """The title line's inlines: the custom title, else the type's label."""
        return self.title or [{"t": "Str", "c": self.label}]


_BREAKS = ("Space", "SoftBreak", "LineBreak")


def _callout_span(inline: Inline) -> bool:
    return inline.get("t") == "Span" and has_class(inline, CALLOUT_CLASS)


def read_callout(block: dict[str, Any]) -> Callout | None:
    """The callout a block is, or None."""
    c: Any
    t, c = block.get("t"), block.get("c")
    if t == "BlockQuote" and c:
        first = c[0]
        ft = first.get("t")
        if ft in ("Para", "Plain"):
            inlines = para_inlines(first)
            if inlines and _callout_span(inlines[0]):
                rest = list(inlines[1:])
                while rest and rest[0].get("t") in _BREAKS:
                    rest.pop(0)
                body = ([{"t": ft, "c": rest}] if rest else []) + list(c[1:])
                return _callout(inlines[0], body)
        elif ft == "Header":  # the title line of a callout whose body starts with a table
            inlines = [i for i in header_inlines(first) if i.get("t") not in _BREAKS]
            if len(inlines) == 1 and _callout_span(inlines[0]):
                return _callout(inlines[0], list(c[1:]))
        return None
    if t == "Div" and c:
        (ident, classes, kv), blocks = c
        kinds = [k for k in classes if k in DIV_CLASSES]
        if not kinds:
            return None
        generic = kinds[0] in ("callout", "aside")  # a box without a type: no title line
        kind = DEFAULT_FAMILY if generic else kinds[0]
        first = blocks[0] if blocks else {}
        if first.get("t") == "Div" and has_class(first, "title"):
            # pandoc's `alerts` extension: Div.note [Div.title [Para "Note"], body...]
            return Callout(kind, family_of(kind), label_of(kind), [], False, "", list(blocks[1:]), ident)
        # a fenced div `::: warning` or `::: {.tip title="..."}`
        title = dict(kv).get("title", "").strip()
        return Callout(
            kind,
            family_of(kind),
            label_of(kind),
            [{"t": "Str", "c": title}] if title else [],
            generic and not title,
            "",
            list(blocks),
            ident,
        )
    return None


def _callout(span: Inline, body: Blocks) -> Callout:
    attrs = dict(attr_keyvals(span_attr(span)))
    kind = (attrs.get("type") or DEFAULT_FAMILY).strip().lower() or DEFAULT_FAMILY
    fold = attrs.get("fold", "").strip().lower()
    title = list(span_inlines(span))
    while title and title[-1].get("t") in _BREAKS:
        title.pop()
    while title and title[0].get("t") in _BREAKS:
        title.pop(0)
    return Callout(
        kind,
        family_of(kind),
        attrs.get("label") or label_of(kind),
        title,
        has_class(span, UNTITLED_CLASS),
        fold if fold in ("open", "closed") else "",
        body,
    )


def tab_sections(
    inlines: list[dict[str, Any]],
) -> list[tuple[list[dict[str, Any]] | None, list[dict[str, Any]]]] | None:
    """A paragraph cut at each tab label in it, as (label or None, inlines) pieces; None
    if it holds no label. Labels of tabs written without a blank line between them
    (`== a` / text / `== b`) land in one paragraph."""
    cuts = [i for i, inline in enumerate(inlines) if inline.get("t") == "Span" and has_class(inline, TAB_LABEL_CLASS)]
    if not cuts:
        return None
    pieces: list[tuple[list[dict[str, Any]] | None, list[dict[str, Any]]]] = []
    if cuts[0] > 0:
        head = list(inlines[: cuts[0]])
        while head and head[-1].get("t") in _BREAKS:
            head.pop()
        if head:
            pieces.append((None, head))
    for n, at in enumerate(cuts):
        end = cuts[n + 1] if n + 1 < len(cuts) else len(inlines)
        rest = list(inlines[at + 1 : end])
        while rest and rest[0].get("t") in _BREAKS:
            rest.pop(0)
        while rest and rest[-1].get("t") in _BREAKS:
            rest.pop()
        pieces.append((list(span_inlines(inlines[at])), rest))
    return pieces
