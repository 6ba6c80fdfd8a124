"""A laid deck to the bytes of its .pptx file: drawn by `pptx_writer.DeckWriter`, its
document properties set, and packed reproducibly (every entry dated the build's day,
as `build.reproducible_zip` packs every zip the tool writes)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from notebook_publish.build import reproducible_zip
from notebook_publish.slides import ooxml
from notebook_publish.slides.laid import LaidDeck
from notebook_publish.slides.package_parts import fix_parts
from notebook_publish.slides.pptx_writer import DeckWriter
from notebook_publish.slides.style import SlideStyle

if TYPE_CHECKING:
    from pptx import presentation

    from notebook_publish.glyphs import Coverage


def pptx_bytes(
    prs: presentation.Presentation,
    laid: LaidDeck,
    style: SlideStyle,
    custom_template: bool,
    coverage: Callable[[], Coverage],
    author: str,
    when: datetime,
) -> bytes:
    """The deck drawn into the template `prs` and saved, dated `when`."""
    DeckWriter(prs, style, custom_template, coverage).write(laid)
    deck = laid.deck
    set_core_properties(prs, deck.title, deck.book_title, author, when)
    titles = [ooxml.xml_safe(s.shapes.title.text) if s.shapes.title is not None else "" for s in prs.slides]
    notes = sum(1 for s in prs.slides if s.has_notes_slide)
    return save_deck(prs, when, titles, notes)


def set_core_properties(prs: presentation.Presentation, title: str, subject: str, author: str, when: datetime) -> None:
    props = prs.core_properties
    stamp = when.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    props.title = ooxml.xml_safe(title)
    props.subject = ooxml.xml_safe(subject)
    props.author = ooxml.xml_safe(author) or "notebook-publish"
    props.last_modified_by = "notebook-publish"
    props.revision = 1
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp
    props.keywords = ""
    props.comments = ""


def save_deck(prs: presentation.Presentation, when: datetime, titles: list[str], notes: int) -> bytes:
    """The package, its app properties, slide size and sections made true to the deck
    (`package_parts`), packed as Office packs it: made on MS-DOS, no permissions."""
    raw = io.BytesIO()
    prs.save(raw)
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as package:
        entries = [(item.filename, package.read(item.filename)) for item in package.infolist()]
    return reproducible_zip(fix_parts(entries, titles, notes), when, unix_mode=0, made_on_dos=True)
