"""Page numbers of the chapters, drawn on a separate layer (the folio layer).

A chapter is typeset on its own, in a worker, before anyone knows on which page of the
book it starts. So whatever the theme prints from the page counter (`counter(page)`,
`counter(pages)`) cannot be drawn into the chapter's pages. The theme's stylesheet is
split in two instead:

- chapter documents get every margin box that prints the page counter switched off;
  running heads (`string(chapter-title)`) and the rest stay, since they belong to the
  chapter;
- the folio document has one empty page per page of the book's body, with only those
  counter boxes on, numbered from 1. Its pages are laid over the chapter pages when the
  book is assembled.

The folio is typeset in pieces, one per worker, each numbered from the page it starts
on (`@page :first { counter-reset: page N }`), unless a numbered box depends on the
page's place in its document (`:first`, `:left`, `:right`, `:blank`, `:nth()`) or on the
number of pages (`counter(pages)`). Pieces start on even pages.

Both overrides come from the theme's own `@page` rules, rule by rule, as `!important`
user declarations, so a more specific rule (`@page index`) keeps beating a general one
(`@page`) exactly as in the theme. A margin box that mixes the counter with `string()`
is drawn on the folio layer, where no string is set: a theme should keep the page
number in a box of its own.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tinycss2

MARGIN_BOXES = frozenset(
    "top-left-corner top-left top-center top-right top-right-corner "
    "right-top right-middle right-bottom bottom-right-corner bottom-right bottom-center "
    "bottom-left bottom-left-corner left-bottom left-middle left-top".split()
)
COUNTERS = frozenset({"page", "pages"})


@dataclass(frozen=True)
class MarginRule:
    page_selector: str  # the @page prelude: "", "index", ":first", …
    box: str  # "bottom-center", …
    content: str  # the declared value, serialised
    numbered: bool  # prints the page counter


@dataclass(frozen=True)
class PageLayers:
    chapter_css: str  # user stylesheet for chapter documents
    folio_css: str  # user stylesheet for the folio document
    # Whether the folio may be typeset in pieces, each numbered from where it starts:
    # only if no numbered box depends on the page's place in its document (:first,
    # :left, :right, :blank, :nth()) or on the document's length (counter(pages)).
    splittable: bool = False


# Pages per piece of a splittable folio layer. The pieces depend on the page count
# only, never on the number of workers: the same book gives the same bytes on a
# machine with any number of cores. (Split by workers, `--jobs 1` and `--jobs 2` wrote
# different files.) About a tenth of a second of typesetting each.
FOLIO_PIECE_PAGES = 64


def folio_pieces(page_count: int, piece_pages: int = FOLIO_PIECE_PAGES) -> list[tuple[int, int]]:
    """(first page index, page count) of runs of about equal length, none longer than
    `piece_pages` (rounded up to even), each starting on an even index so left and
    right pages stay where they were. 0 or less: one run."""
    if piece_pages <= 0:
        piece_pages = max(page_count, 1)
    pieces = max(1, -(-page_count // (piece_pages + piece_pages % 2)))
    size = max(2, -(-page_count // pieces))
    size += size % 2
    return [(start, min(size, page_count - start)) for start in range(0, page_count, size)]


def first_number_css(number: int) -> str:
    """A user stylesheet line that makes a folio piece's first page number `number`."""
    return f"@page :first {{ counter-reset: page {number} !important; }}"


def margin_rules(css: str) -> list[MarginRule]:
    """Every `content` declaration of a margin box in the stylesheet's @page rules, in order."""
    rules = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "at-rule" or rule.lower_at_keyword != "page" or rule.content is None:
            continue
        selector = tinycss2.serialize(rule.prelude).strip()
        for item in tinycss2.parse_blocks_contents(rule.content, skip_comments=True, skip_whitespace=True):
            if item.type != "at-rule" or item.lower_at_keyword not in MARGIN_BOXES or item.content is None:
                continue
            for decl in tinycss2.parse_blocks_contents(item.content, skip_comments=True, skip_whitespace=True):
                if decl.type == "declaration" and decl.lower_name == "content":
                    rules.append(
                        MarginRule(
                            selector,
                            item.lower_at_keyword,
                            tinycss2.serialize(decl.value).strip(),
                            _prints_counter(decl.value),
                        )
                    )
    return rules


def _prints_counter(tokens: list[Any]) -> bool:  # tinycss2 nodes (tinycss2 has no types)
    for token in tokens:
        if token.type == "function" and token.lower_name in ("counter", "counters"):
            names = [t for t in token.arguments if t.type == "ident"]
            if names and names[0].lower_value in COUNTERS:
                return True
    return False


def page_layers(theme_css: str) -> PageLayers:
    rules = margin_rules(theme_css)
    numbered_boxes = {r.box for r in rules if r.numbered}
    chapter, folio = [], []
    for r in rules:
        if r.box in numbered_boxes:
            # Restate every rule for such a box so specificity between them still decides.
            chapter.append(_page_rule(r.page_selector, r.box, "none" if r.numbered else r.content))
        folio.append(_page_rule(r.page_selector, r.box, r.content if r.numbered else "none"))
    folio.append("@page { background: none !important; border: none !important; }")
    folio.append("html, body { background: none !important; }")
    folio.append(".np-folio { margin: 0; padding: 0; height: 1px; } .np-folio + .np-folio { break-before: page; }")
    splittable = all(":" not in r.page_selector for r in rules if r.box in numbered_boxes) and not any(
        "pages" in r.content for r in rules if r.numbered
    )
    return PageLayers("\n".join(chapter), "\n".join(folio), splittable)


def _page_rule(selector: str, box: str, content: str) -> str:
    return f"@page {selector} {{ @{box} {{ content: {content} !important; }} }}".replace("@page  ", "@page ")


def folio_html(page_names: list[str], head: str) -> str:
    """A document of empty pages, one per body page, each with the page name it had."""
    pages = []
    for name in page_names:
        style = f' style="page: {html.escape(name)}"' if name else ""
        pages.append(f'<div class="np-folio"{style}></div>')
    return f'<!DOCTYPE html><html><head><meta charset="utf-8">{head}</head><body>{"".join(pages)}</body></html>'


def theme_stylesheet(path: Path) -> str:
    return path.read_text(encoding="utf-8")
