"""What a chapter is called.

In this order, the first that says something:

1. the note's front matter `title:` (Jekyll, Hugo, MkDocs, Obsidian);
2. the note's opening heading: its first heading when only blank lines, front matter
   or a banner picture come before it (a heading on line 123 names a section, not
   the note);
3. the text of the link that placed the note, unless it says nothing of the page
   ("next page", "here", "link");
4. the note's only level-1 heading, wherever it is;
5. the file name, without a Notion id, `-` and `_` as spaces (a folder's `index.md`
   or `README.md` by its folder's name).

The writers drop the opening heading when it says the same as the title, so the
title is printed once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from notebook_publish.normalize.resolve import FOLDER_PAGES, strip_notion_id
from notebook_publish.pandoc.ast import (
    Block,
    div_blocks,
    header_inlines,
    header_level,
    link_inlines,
    para_inlines,
    plain_text,
)

# Link texts that say how to get to a page, not what it is.
GENERIC_LINK_TEXTS = frozenset(
    {
        "next",
        "next page",
        "previous",
        "previous page",
        "prev",
        "here",
        "click here",
        "link",
        "this",
        "this page",
        "page",
        "more",
        "read more",
        "continue",
        "go",
        "back",
        "up",
        "home",
        "see",
        "see here",
        "details",
        "→",
        "←",
    }
)
# A picture alone in a paragraph above the first heading is a banner.
_BANNER = ("Image",)


def normal_title(text: str) -> str:
    """Titles compared as a reader compares them: case, spacing and a closing colon
    or full stop aside."""
    return " ".join(text.casefold().split()).rstrip(":.").strip()


def opening_heading(blocks: list[dict[str, Any]]) -> int | None:
    """The position of the note's opening heading among its top blocks: the first
    block, or the first after banner pictures; None when the note opens with text, or
    with a heading that a shallower one follows (`## Subpage` above `# Index` opens a
    section, it does not name the note)."""
    for i, block in enumerate(blocks):
        t = block.get("t")
        if t == "Header":
            if not plain_text(header_inlines(block)).strip():
                return None
            level = header_level(block)
            return None if any(b.get("t") == "Header" and header_level(b) < level for b in blocks[i + 1 :]) else i
        if t in ("Para", "Plain") and _only_pictures(para_inlines(block)):
            continue
        if t == "Figure" or (t == "Div" and _is_banner_div(block)):
            continue
        return None
    return None


def _only_pictures(inlines: list[dict[str, Any]]) -> bool:
    rest = [i for i in inlines if i.get("t") not in ("Space", "SoftBreak", "LineBreak")]
    return bool(rest) and all(
        i.get("t") in _BANNER or (i.get("t") == "Link" and _only_pictures(link_inlines(i))) for i in rest
    )


def _is_banner_div(block: Block) -> bool:
    inner = div_blocks(block)
    return bool(inner) and all(b.get("t") in ("Para", "Plain") and _only_pictures(para_inlines(b)) for b in inner)


def chapter_title(
    rel: str, blocks: list[dict[str, Any]], front_matter: Mapping[str, Any] | None, link_text: str | None
) -> str:
    """The chapter's title by the rules above."""
    if front_matter:
        title = front_matter.get("title")
        if isinstance(title, (str, int, float)) and not isinstance(title, bool) and str(title).strip():
            return " ".join(strip_notion_id(str(title)).split())
    at = opening_heading(blocks)
    if at is not None:
        return strip_notion_id(plain_text(header_inlines(blocks[at])).strip())
    if link_text and normal_title(link_text) not in GENERIC_LINK_TEXTS:
        return strip_notion_id(link_text)
    # A note's one level-1 heading is its title by Markdown's convention, wherever it
    # stands; it still says more than a file name.
    first_level = [b for b in blocks if b.get("t") == "Header" and header_level(b) == 1]
    if len(first_level) == 1 and plain_text(header_inlines(first_level[0])).strip():
        return strip_notion_id(plain_text(header_inlines(first_level[0])).strip())
    return file_title(rel)


def file_title(rel: str) -> str:
    """The title a file name gives: `03_linear-models 1b50….md` -> `03 linear models`;
    a folder's page (`index.md`, `README.md`) by its folder's name."""
    path = PurePosixPath(rel)
    name = path.stem
    if path.name.lower() in {p.lower() for p in FOLDER_PAGES} and path.parent.name:
        name = path.parent.name
    return re.sub(r"[-_\s]+", " ", strip_notion_id(name)).strip() or rel


def repeats_title(heading: dict[str, Any], title: str) -> bool:
    """Whether a heading block says the same as the chapter title."""
    return normal_title(plain_text(header_inlines(heading))) == normal_title(title)
