"""The font faces a build's parts declare: static instances of the theme's variable
fonts (made on a thread while the notes are read), and the fallback fonts the book's
text needs characters from, declared only in the parts whose text uses them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notebook_publish.cache import Cache
    from notebook_publish.config import Config
    from notebook_publish.glyphs import Coverage
    from notebook_publish.handbook.typeset.static_fonts import StaticFace
    from notebook_publish.notes import Book


def theme_faces(config: Config) -> list[StaticFace]:
    """The static instances of the text fonts, at every weight the theme uses."""
    from notebook_publish.build import open_cache
    from notebook_publish.handbook.typeset.render import VARIABLE_WEIGHTS, all_font_faces
    from notebook_publish.handbook.typeset.static_fonts import static_faces

    cache_root = open_cache(config)
    return static_faces(all_font_faces(), VARIABLE_WEIGHTS, cache_root.child("static-fonts"), cache_root.root / "fonts")


def fallback_faces(book: Book, cache_root: Cache) -> tuple[Coverage | None, dict[str, StaticFace]]:
    """The coverage of the font stacks, and the fallback fonts the book's text draws
    characters from (family -> static face), made only for those: a book in Latin
    script makes and declares none.

    A fallback is one static instance at weight 400 (the variable ones pinned like the
    text fonts, see `static_fonts.py`); bold and italic text uses the same face."""
    from notebook_publish import fonts, glyphs
    from notebook_publish.handbook.typeset.static_fonts import static_faces

    config = book.config
    text = "\n".join(
        [
            str(config.title or ""),
            str(config.subtitle or ""),
            str(config.author or ""),
            *(c.title for c in book.chapters),
            *(c.note.text for c in book.chapters if not c.note.text.isascii()),
        ]
    )
    if text.isascii():
        return None, {}
    cov = glyphs.coverage(cache_root)
    wanted = set(cov.fallbacks_for(text))
    if not wanted:
        return cov, {}
    faces = [face for face in fonts.fallback_faces() if face.family in wanted]
    made = static_faces(faces, (400,), cache_root.child("static-fonts"), cache_root.root / "fonts")
    return cov, {face.family: face for face in made}


def fallback_css(
    html: str, coverage: Coverage | None, fallbacks: dict[str, StaticFace], url_of: Callable[[Path], str]
) -> str:
    """@font-face rules for the fallback fonts (family -> static face) whose characters
    the document's text has, and `--fallback` naming them; "" for a document that needs
    none of them."""
    from notebook_publish.handbook.typeset.render import fallback_property, font_face_css

    # No fallbacks without a coverage: `fallback_faces` makes them from it.
    families = [f for f in coverage.fallbacks_for(html) if f in fallbacks] if fallbacks and coverage is not None else ()
    if not families:
        return ""
    return font_face_css(url_of, [fallbacks[f] for f in families]) + "\n" + fallback_property(families)


class Preparation:
    """What typesetting needs that does not depend on the notes, made on a thread while
    the notes are read and parsed (the main thread mostly waits on pandoc then): the
    static font instances, made or read from the cache. (The workers' fork server is
    started even earlier, by the command.)"""

    def __init__(self, config: Config):
        self._faces: list[StaticFace] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(config,), name="notebook-publish-prepare", daemon=True)
        self._thread.start()

    def _run(self, config: Config) -> None:
        try:
            self._faces = theme_faces(config)
        except BaseException as exc:  # handed to the caller of faces()
            self._error = exc

    def faces(self) -> list[StaticFace]:
        """The static faces; waits for the thread."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._faces is not None  # the thread ended without an error: it set them
        return self._faces
