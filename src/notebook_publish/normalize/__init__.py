"""The normaliser: a chain of small fixers that make exported notes parse right.

Each fixer is `fix(text, ctx) -> (text, diagnostics)`, pure, and keeps the number of
lines so every diagnostic points at the line of the file on disk. The order matters:
encoding first (later fixers look for ASCII markers), then control characters (after
encoding, which reads stray C1 controls as the mojibake they usually are), then the
boxes of each flavour (MkDocs admonitions first: they de-indent their bodies, which
would otherwise read as indented code; callouts become quotes before any fixer reads
the text inside them; GitBook's tags before Liquid's), then Obsidian's wikilinks and
embeds and MkDocs snippets (they become the links and images the later fixers check),
then Jekyll's Liquid and kramdown, emphasis before headings (a heading's `**x **`
must become `**x**` before it can be unwrapped), math before the link fixers (a
formula may contain `](`), notion before images and links (it claims the links to
databases and notion.so pages, and drops alt texts that are file names), images
before links; leftovers last: it reports the syntax no fixer rewrote.
"""

from __future__ import annotations

from notebook_publish.diagnostics import Diagnostic
from notebook_publish.normalize import (
    control,
    emphasis,
    encoding,
    gitbook_blocks,
    headings,
    images,
    kramdown,
    leftovers,
    links,
    liquid,
    math,
    mkdocs_blocks,
    notion,
    obsidian,
    quote_callouts,
    snippets,
    vitepress_blocks,
)
from notebook_publish.normalize.context import NoteContext, context_for_text

FIXERS = (
    encoding,
    control,
    mkdocs_blocks,
    vitepress_blocks,
    gitbook_blocks,
    quote_callouts,  # every flavour's boxes
    obsidian,
    snippets,  # wikilinks, embeds, highlights; MkDocs snippets
    liquid,
    kramdown,  # Jekyll
    emphasis,
    headings,
    math,
    notion,
    images,
    links,
    leftovers,
)

__all__ = ["FIXERS", "NoteContext", "context_for_text", "normalize"]


def normalize(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.lstrip("\ufeff")  # every leading BOM, so a second run has none left to take
    diagnostics: list[Diagnostic] = []
    seen: set[Diagnostic] = set()
    # One fixer's repair can hand another something to repair (a space moved out of
    # `*` can complete a mojibake sequence): run them again until the text settles, so
    # normalising twice gives what normalising once gave. A second round usually
    # changes nothing; its messages repeat the first round's and are dropped.
    for _round in range(4):
        before = text
        for fixer in FIXERS:
            text, found = fixer.fix(text, ctx)
            for d in found:
                if d not in seen:
                    seen.add(d)
                    diagnostics.append(d)
        if text == before:
            break
    return text, diagnostics
