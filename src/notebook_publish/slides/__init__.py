"""One PPTX deck per topic: `build_decks(book, out_dir, topic, jobs)`.

`read_ast.py` turns a topic's AST into the deck model (`deck.py`), `book_decks.py`
does so for the whole book, and `build.py` has the decks laid out and written.
"""

from notebook_publish.slides.book_decks import decks_of_book
from notebook_publish.slides.build import DECK_NAME, build_decks, deck_time

__all__ = ["DECK_NAME", "build_decks", "deck_time", "decks_of_book"]
