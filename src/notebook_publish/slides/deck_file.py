"""A laid deck to the bytes of its .pptx file: drawn by `pptx_writer.DeckWriter`, its
document properties set, and packed reproducibly (every entry dated the build's day,
as `build.reproducible_zip` packs every zip the tool writes)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from pptx import Presentation

from notebook_publish.build import reproducible_zip
from notebook_publish.slides import ooxml
from notebook_publish.slides.laid import LaidDeck
from notebook_publish.slides.pptx_writer import DeckWriter
from notebook_publish.slides.style import SlideStyle


def pptx_bytes(
    prs: Presentation, laid: LaidDeck, style: SlideStyle, custom_template: bool, coverage, author: str, when: datetime
) -> bytes:
    """The deck drawn into the template `prs` and saved, dated `when`."""
    DeckWriter(prs, style, custom_template, coverage).write(laid)
    deck = laid.deck
    set_core_properties(prs, deck.title, deck.book_title, author, when)
    return save_deck(prs, when)


def set_core_properties(prs: Presentation, title: str, subject: str, author: str, when: datetime) -> None:
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


def save_deck(prs: Presentation, when: datetime) -> bytes:
    raw = io.BytesIO()
    prs.save(raw)
    # Office marks its packages as made on MS-DOS, with no permissions.
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as package:
        entries = [(item.filename, package.read(item.filename)) for item in package.infolist()]
    return reproducible_zip(entries, when, unix_mode=0, made_on_dos=True)
