"""What the chapter writer's parts share: its options, what it returns, and the state of
one chapter being written (counters, anchors, diagnostics, index-term uses).

The writer is a few classes stacked on `WriterCore` (`images`, `math`, then `inlines`,
`blocks`, `chapter`), each module one kind of content; a class calls only what the
classes below it define.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_publish.chapter_numbers import section_base_level
from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.handbook.html.index_terms import TermUse, term_key
from notebook_publish.notes import Chapter
from notebook_publish.rawhtml import RawHtmlFilter

if TYPE_CHECKING:
    from notebook_publish.cache import Cache


@dataclass(frozen=True)
class WriterOptions:
    toc_depth: int
    index_max_words: int
    index_terms: tuple[str, ...]
    prefixes: Mapping[str, str]  # note path relative to the notes folder -> anchor prefix
    note_anchors: Mapping[str, frozenset[str]]  # note path -> its heading ids
    notes_dir: Path
    media_files: frozenset[Path]
    # None: images as URLs for WeasyPrint (`file_url`, else file: URIs); else paths
    # relative to this folder (a web page).
    url_base: Path | None = None
    # A picture's URL: locations.Mounts.url for the PDF (no real folder in the URL), the
    # copy the web page carries (page_assets.py); None: relative to `url_base`.
    file_url: Callable[[Path], str] | None = None
    # The web page's URL for a formula's SVG (a file beside it or a data: URI); None: a data: URI.
    math_url: Callable[[str], str] | None = None
    # `::: notes` blocks are the decks' speaker notes: the web page leaves them out.
    speaker_notes: bool = True
    # Each chapter's number in book order, None where it is not numbered (pdf.numbering,
    # chapter_numbers.py): the body, the contents and the bookmarks all read it.
    chapter_numbers: tuple[int | None, ...] = ()


@dataclass(frozen=True)
class Heading:
    anchor: str
    label: str  # plain text, without the number
    number: str  # "2.3" or "" when unnumbered
    depth: int  # 1 for the note's top sections


@dataclass(frozen=True)
class ChapterHtml:
    anchor: str
    title: str
    number: str
    depth: int  # nesting of the note under the index note
    body: str  # HTML fragment: the chapter's blocks, without its title
    headings: tuple[Heading, ...]  # sections that go in the contents
    terms: tuple[TermUse, ...]
    diagnostics: tuple[Diagnostic, ...]
    math: tuple[tuple[str, str], ...] = ()  # (slot key, SVG) of the formulas drawn in after layout


@dataclass
class State:
    section_counters: list[int] = field(default_factory=lambda: [0] * 7)
    figures: int = 0
    anchors: int = 0
    list_depth: int = 0


class WriterCore:
    """One chapter being written: where it comes from, what has been found so far."""

    def __init__(self, chapter: Chapter, number: int | None, options: WriterOptions, math_cache: Cache | None):
        self.chapter = chapter
        self.note = chapter.note
        self.number = number
        self.options = options
        self.math_cache = math_cache
        self.prefix = options.prefixes[self.note.rel]
        self.headings: list[Heading] = []
        self.terms: list[TermUse] = []
        self.diagnostics: list[Diagnostic] = []
        self.math_svgs: dict[str, str] = {}  # slot key -> the formula's SVG
        self.state = State()
        self.extra_terms = [
            (term_key(t), t, re.compile(r"(?<!\w)" + re.escape(term_key(t)) + r"(?!\w)")) for t in options.index_terms
        ]
        self._title_anchor: str | None = None
        self.base_level = section_base_level(self.note.ast.get("blocks", []), chapter.title)

    # --- diagnostics ----------------------------------------------------------------

    def _line_of(self, needle: str) -> int:
        return self.note.line_of(needle.strip().splitlines()[0] if needle.strip() else "")

    def _report_dropped(self, filt: RawHtmlFilter) -> None:
        if filt.dropped.tags:
            tags = ", ".join(f"<{t}>" for t in sorted(set(filt.dropped.tags)))
            self.diagnostics.append(
                warning(
                    self.note.path,
                    self._line_of("<" + filt.dropped.tags[0]),
                    "raw-html",
                    f"dropped {tags} from raw HTML",
                    "only harmless formatting tags are published",
                )
            )
        if filt.dropped.attrs:
            attrs = ", ".join(sorted(set(filt.dropped.attrs)))
            self.diagnostics.append(
                warning(
                    self.note.path,
                    self._line_of(filt.dropped.attrs[0] + "="),
                    "raw-html",
                    f"dropped attributes {attrs} from raw HTML",
                    "event handlers, styles and ids are not published",
                )
            )
        filt.dropped.tags.clear()
        filt.dropped.attrs.clear()

    def _new_anchor(self, kind: str) -> str:
        self.state.anchors += 1
        return f"{self.prefix}--{kind}{self.state.anchors}"
