"""The handbook: the Book's chapters as HTML through the theme's templates, then a PDF.

Each chapter is typeset on its own, in parallel worker processes, and cached by a hash
of everything its pages depend on; the parts are then merged with pikepdf (qpdf):

1. the chapters, with page numbers drawn on a separate folio layer (see `typeset/folio.py`),
   since a chapter does not know on which page it starts;
2. once every chapter's pages are known: the index (numbered on from the body), the
   front matter (cover and contents, in roman numerals, listing every page number) and
   the folio layer (the body's page numbers), typeset in parallel too;
3. the assembly (`assemble.py`) lays the folio over the chapters, turns links between
   parts into GoTo destinations and rebuilds the outline.

An edited note re-typesets its own chapter; the other chapters come from the cache,
and so do the index, contents and folio when the pages they list did not change. The
same inputs give the same bytes whether the parts were cached or not.

The folders are the stages: `html/` writes the chapters and the web page, `typeset/`
lays parts out in the workers, `overdraw/` draws formulas and bullets into the laid-out
pages, `assemble.py` merges, and `build.py` runs the phases in order.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the checker sees the names `__getattr__` hands out
    from notebook_publish.handbook.build import build_pdf as build_pdf
    from notebook_publish.handbook.html.book import PAPER_SIZES as PAPER_SIZES
    from notebook_publish.handbook.html.book import BookMeta as BookMeta
    from notebook_publish.handbook.html.book import book_meta as book_meta
    from notebook_publish.handbook.html.book import build_html as build_html
    from notebook_publish.handbook.html.book import render_chapters as render_chapters
    from notebook_publish.handbook.html.book import writer_options as writer_options

# Names are looked up on first use: the typesetting workers import modules of this
# package (parts, fetcher) and must not pay for the HTML writer, Pygments and the
# normaliser that the rest of it needs.
_EXPORTS = {
    "build_pdf": "build",
    "build_html": "html.book",
    "render_chapters": "html.book",
    "writer_options": "html.book",
    "book_meta": "html.book",
    "BookMeta": "html.book",
    "PAPER_SIZES": "html.book",
}

__all__ = ["build_pdf", "build_html", "render_chapters"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
