"""Which of a note's links list pages, and which only refer to one.

A site's notes link each other in two ways. A page list (a `SUMMARY.md`, a docsify
`_sidebar.md`, an index page, the list of lectures on a course page) names the pages
under this one: each link stands on its own line, or is all a list item holds. Every
other link is a cross-reference: a link inside a sentence, or a navigation line
("Next: [Lecture 3](c3.md)", "← Back", "See also"). Only page lists make the book's
structure (`book_order.py`); a cross-reference never moves or nests a chapter.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notebook_publish.normalize.resolve import NOTE_SUFFIXES, is_external, split_link
from notebook_publish.pandoc.ast import (
    has_class,
    link_inlines,
    para_inlines,
    plain_text,
    quoted_inlines,
    span_inlines,
    table_cells,
)
from notebook_publish.pandoc.ast import link_target as link_url

# A line that starts like these navigates between pages; it does not list them.
_NAVIGATION = re.compile(
    r"^\W*(?:next|previous|prev|see also|back|up|home|return|continue|go to|related)\b|^\W*(?:←|→|«|»|<-|->|⟵|⟶|⇐|⇒)",
    re.IGNORECASE,
)
# What may follow the link in a list item that lists a page: a short description
# after a separator (`- [Kernels](kernels.md) — the trick, and why it works`).
_DESCRIPTION = re.compile(r"^\s*(?:[:—–-]|\()")
_BREAKS = ("SoftBreak", "LineBreak")
_WRAPPERS = ("Strong", "Emph", "Underline", "SmallCaps")


@dataclass(frozen=True)
class PageLink:
    target: Path  # the note linked, absolute
    text: str  # the link's text ("" for a wikilink, whose text is an alias)
    listed: bool  # stands as an entry of a page list
    navigation: bool  # on a "Next:" / "← Back" line
    parent: Path | None = None  # the page of the list item this one is nested in


def link_target(note_path: Path, inline: dict[str, Any]) -> tuple[Path | None, str, str] | None:
    """(target note or None for the note itself, anchor, text) of a working link to a
    note; None for an external, broken or attachment link."""
    url = link_url(inline)
    if has_class(inline, "broken-link") or is_external(url):
        return None
    path, anchor = split_link(url)
    if path and not path.lower().endswith(NOTE_SUFFIXES):
        return None  # an attachment, not a note
    target = Path(os.path.normpath(note_path.parent / path)) if path else None
    return target, anchor, "" if has_class(inline, "wikilink") else plain_text(link_inlines(inline)).strip()


def page_links(note_path: Path, blocks: list[dict[str, Any]]) -> list[PageLink]:
    """Every working link of the blocks to another note, in reading order, each
    marked as listed (a page list entry) or not. Links inside an embedded note are
    that note's, and are left out."""
    found: list[PageLink] = []
    _blocks(note_path, blocks, None, found)
    return found


def _blocks(note_path: Path, blocks: list[dict[str, Any]], parent: Path | None, found: list[PageLink]) -> None:
    for block in blocks:
        c: Any
        t, c = block.get("t"), block.get("c")
        if t in ("Para", "Plain"):
            _lines(note_path, c, parent, found)
        elif t == "Header":
            _lines(note_path, c[2], parent, found)
        elif t in ("BulletList", "OrderedList"):
            for item in c if t == "BulletList" else c[1]:
                _item(note_path, item, parent, found)
        elif t == "BlockQuote":
            _blocks(note_path, c, parent, found)
        elif t == "Div":
            if "transclusion" not in c[0][1]:
                _blocks(note_path, c[1], parent, found)
        elif t == "Figure":
            _blocks(note_path, c[2], parent, found)
        elif t == "DefinitionList":
            for term, definitions in c:
                _lines(note_path, term, parent, found)
                for definition in definitions:
                    _blocks(note_path, definition, parent, found)
        elif t == "Table":
            # A table of pages (a Notion database, a course schedule): a cell that is
            # only a link lists that page.
            for cell in table_cells(c):
                _blocks(note_path, cell, parent, found)


def _item(note_path: Path, item: list[dict[str, Any]], parent: Path | None, found: list[PageLink]) -> None:
    """A list item that is only a link (or a link and a description) lists that page,
    and the list nested in it lists the pages under it."""
    if not item:
        return
    first = item[0]
    if first.get("t") in ("Para", "Plain"):
        entry = _lone_link(note_path, para_inlines(first), item_entry=True)
        if entry is not None:
            target, text = entry
            found.append(PageLink(target, text, listed=True, navigation=False, parent=parent))
            _blocks(note_path, item[1:], target, found)
            return
    _blocks(note_path, item, parent, found)


def _lines(note_path: Path, inlines: list[dict[str, Any]], parent: Path | None, found: list[PageLink]) -> None:
    line: list[dict[str, Any]] = []
    for inline in [*inlines, {"t": "LineBreak"}]:
        if inline.get("t") not in _BREAKS:
            line.append(inline)
            continue
        if line:
            text = plain_text(line).strip()
            navigation = bool(_NAVIGATION.match(text))
            lone = None if navigation else _lone_link(note_path, line, item_entry=False)
            if lone is not None:
                found.append(PageLink(lone[0], lone[1], listed=True, navigation=False, parent=parent))
            else:
                for target, link_text in _links_in(note_path, line):
                    found.append(PageLink(target, link_text, listed=False, navigation=navigation, parent=parent))
        line = []


def _lone_link(note_path: Path, inlines: list[dict[str, Any]], item_entry: bool) -> tuple[Path, str] | None:
    """(target, text) when the inlines are one link to another note, alone (a list item
    may add a description after a separator); None otherwise."""
    rest = [i for i in inlines if i.get("t") not in ("Space", *_BREAKS)]
    while len(rest) >= 1 and rest[0].get("t") in _WRAPPERS and len(rest) == 1:
        rest = [i for i in rest[0]["c"] if i.get("t") != "Space"]  # **[Page](page.md)**
    if not rest or rest[0].get("t") != "Link":
        return None
    if len(rest) > 1:
        after = plain_text(rest[1:])
        if not (item_entry and _DESCRIPTION.match(after)) or any(i.get("t") == "Link" for i in rest[1:]):
            return None
    text = plain_text(link_inlines(rest[0])).strip()
    if _NAVIGATION.match(text):
        return None  # `[Next →](c2.md)` alone on its line
    found = link_target(note_path, rest[0])
    if found is None or found[0] is None:
        return None
    return found[0], found[2]


def _links_in(note_path: Path, inlines: list[dict[str, Any]]) -> Iterator[tuple[Path, str]]:
    stack = list(reversed(inlines))
    while stack:
        inline = stack.pop()
        t = inline.get("t")
        if t == "Link":
            found = link_target(note_path, inline)
            if found is not None and found[0] is not None:
                yield found[0], found[2]
        elif t in ("Strong", "Emph", "Underline", "SmallCaps", "Strikeout", "Superscript", "Subscript"):
            stack.extend(reversed(inline["c"]))
        elif t == "Span":
            stack.extend(reversed(span_inlines(inline)))
        elif t == "Quoted":
            stack.extend(reversed(quoted_inlines(inline)))
