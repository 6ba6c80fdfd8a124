"""One PPTX deck per topic, in stages, as pandoc's PowerPoint writer keeps them apart:

- `topics.py`, `deck_names.py`: the book's topics and their decks' names;
- `read_ast.py`: one topic's AST to the deck model (`deck.py`);
- `book_decks.py`: every deck of the book, linked to each other, formulas in OMML;
- `layout.py`: a deck measured (`text_metrics.py`, `measure.py`), cut into pages
  (`entries.py`, `paginate.py`) and placed (`place.py`): a `laid.LaidDeck`;
- `pptx_writer.py`: the laid deck drawn into the template (`template.py`), with the
  XML python-pptx has no API for from `ooxml.py`, and saved reproducibly;
- `build.py`: the decks written by worker processes (`pool.py`), cached whole.
"""

from notebook_publish.slides.book_decks import decks_of_book
from notebook_publish.slides.build import DECK_NAME, build_decks, deck_time

__all__ = ["DECK_NAME", "build_decks", "deck_time", "decks_of_book"]
