"""Find the notes and media, and build the `Book`: its chapter tree, titled.

The tree comes from the index note's page lists, the folder tree, or `nav:` in
handbook.yml (`book_order.py`); the titles from front matter, opening headings, link
texts or file names (`titles.py`). This module does the I/O (reading notes through
`note_files.py`, judging the pictures the notes show); the normaliser and the parser it calls
are pure.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notebook_publish import text_places
from notebook_publish.book_math import prepare_math
from notebook_publish.chapter_numbers import plan_numbering
from notebook_publish.config import Config
from notebook_publish.diagnostics import Diagnostic, UsageError, error, info, warning
from notebook_publish.glyphs import NoteChecker
from notebook_publish.normalize import NoteContext
from notebook_publish.normalize.cached import CachedNormalizer
from notebook_publish.normalize.notion import DATABASE_CLASS
from notebook_publish.normalize.resolve import NOTE_SUFFIXES
from notebook_publish.normalize.vault import VaultIndex, read_front_matter
from notebook_publish.note_files import (  # noqa: F401  (list_files, read_note_text, binary_reason: asked for here too)
    MAX_NOTE_BYTES,
    binary_reason,
    list_files,
    read_note_text,
    read_snippet,
)
from notebook_publish.notion_export import expand_databases, top_page
from notebook_publish.pandoc.ast import (
    INLINE_NOTE_CLASS,
    attr_id,
    div_attr,
    div_blocks,
    has_class,
    header_id,
    make_inline_notes,
    span_attr,
    walk_blocks,
    walk_inlines,
)
from notebook_publish.pandoc.parse import (
    DEEP_NESTING_KEY,
    DEEP_QUOTES_KEY,
    MAX_BLOCK_NESTING,
    MAX_QUOTE_NESTING,
    TooDeep,
    parse_many,
)
from notebook_publish.pandoc.process import ParseError
from notebook_publish.picture_marks import PictureMarker
from notebook_publish.transclude import settle

if TYPE_CHECKING:
    from notebook_publish.archive import NotesArchive
    from notebook_publish.cache import Cache

INDEX_NAMES = ("index.md", "README.md", "SUMMARY.md")
# 50,000 bullets typeset to 1,200 pages in 3 minutes and 2 GB: a note that long is an
# export gone wrong, and one chapter cannot be split across workers.
MAX_NOTE_BLOCKS = 20_000


@dataclass(frozen=True)
class Note:
    path: Path  # absolute
    rel: str  # path relative to the notes folder, posix style
    raw: str
    text: str  # normalised
    ast: dict[str, Any]  # pandoc's JSON
    diagnostics: tuple[Diagnostic, ...] = ()
    folder: bool = False  # a part's title page (a folder, a `nav:` section), not a file

    # Both are asked for more than once per note (ordering, anchor checks, the writers);
    # each walks the whole AST, so each is worked out once.
    @cached_property
    def anchors(self) -> frozenset[str]:
        """The ids a link may name: headings, and the anchors `[]{#id}` and divs `{#id}`
        (an Obsidian `^block-id` is one)."""
        blocks = self.ast.get("blocks", [])
        found = {header_id(b) for b in walk_blocks(blocks) if b.get("t") == "Header"}
        if "{#" in self.text:
            found |= {attr_id(div_attr(b)) for b in walk_blocks(blocks) if b.get("t") == "Div" and attr_id(div_attr(b))}
            found |= {
                attr_id(span_attr(i)) for i in walk_inlines(blocks) if i.get("t") == "Span" and attr_id(span_attr(i))
            }
        return frozenset(found)

    @cached_property
    def links(self) -> tuple[tuple[Path | None, str, str], ...]:
        """(target note path or None for this note, anchor, link text) of each working local link."""
        return tuple(_local_links(self))

    def line_of(self, *needles: str) -> int:
        """The line of the note (on disk: the normaliser keeps every line in place) where
        the first of `needles` found appears first; 1 when none does. The AST has no
        positions: this is how a problem found in it is placed."""
        return text_places.line_of(self.text, *needles)

    def place_of(self, needle: str) -> tuple[int, int]:
        """(line, column) where `needle` first appears in the note; (1, 1) when it does not."""
        return text_places.place_of(self.text, needle)


@dataclass(frozen=True)
class Chapter:
    note: Note
    title: str
    depth: int  # 0 for the index note and the notes it links to, +1 per level of linking


@dataclass(frozen=True)
class Book:
    config: Config
    chapters: tuple[Chapter, ...]
    media_files: frozenset[Path]
    diagnostics: tuple[Diagnostic, ...] = field(default=())
    vault: VaultIndex | None = None  # every note's name, front matter and aliases
    # The Notion export's .zip the notes came from (`archive.NotesArchive`), or None.
    archive: NotesArchive | None = None
    structure: str = ""  # how the chapter tree was made, in words (`check --tree`)

    def shown(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        """Problems as the user should see them: a note of an archive is named inside
        it (`export.zip/Page.md:3`), not where it was unpacked."""
        return list(diagnostics) if self.archive is None else self.archive.shown(diagnostics)

    def chapter_for(self, path: Path) -> Chapter | None:
        for chapter in self.chapters:
            if chapter.note.path == path:
                return chapter
        return None


def find_index(config: Config, notes: list[Path]) -> Path | None:
    if config.index is not None:
        if not config.index.is_file():
            raise UsageError(
                error(
                    config.source,
                    config.line_of("index"),
                    "config",
                    f"index note not found: {config.index}",
                    "set `index:` to a note in the notes folder",
                )
            )
        return config.index.resolve()
    by_name = {p.relative_to(config.notes.resolve()).as_posix().lower(): p for p in notes}
    for name in INDEX_NAMES:
        if name.lower() in by_name:
            return by_name[name.lower()]
    return None


def load_book(config: Config, cache: Cache | None = None) -> Book:
    """The book of the notes folder, or of the Notion export's .zip `notes:` names: that
    is unpacked into the build cache (`archive.py`) and read as the folder, and every
    problem is then named inside the archive."""
    from dataclasses import replace

    from notebook_publish.archive import is_archive, open_archive

    if not is_archive(config.notes):
        return _load_book(config, cache)
    unpacked = open_archive(config.notes, config.cache_dir)
    inner = replace(config, notes=unpacked.notes_dir, index=unpacked.inside(config.index))
    try:
        shown = os.path.relpath(config.notes)
        book = _load_book(inner, cache, archive=True, label=shown if not shown.startswith("..") else str(config.notes))
    except UsageError as exc:
        stop = unpacked.shown([exc.diagnostic])[0]
        if stop.code == "no-notes" and not exc.related:
            stop = replace(
                stop,
                line=0,
                hint="make the export with Notion's Export -> Markdown & CSV; HTML and PDF exports hold no Markdown",
            )
        raise UsageError(stop, related=unpacked.diagnostics() + unpacked.shown(exc.related)) from None
    return replace(book, diagnostics=tuple(unpacked.diagnostics() + unpacked.shown(book.diagnostics)), archive=unpacked)


def _load_book(config: Config, cache: Cache | None = None, archive: bool = False, label: str | None = None) -> Book:
    from notebook_publish.math_macros import configured

    label = label or str(config.notes)
    # The config's macros first: a bad macros file stops here, before any note is read.
    macros = configured(config)
    notes_dir = config.notes.resolve()
    if not notes_dir.is_dir():
        raise UsageError(
            error(
                config.source,
                config.line_of("notes"),
                "config",
                f"notes folder not found: {config.notes}",
                "pass --notes DIR or set `notes:` in handbook.yml",
            )
        )
    media_dirs = tuple(m.resolve() for m in config.media if m.is_dir())
    files = list_files([notes_dir, *media_dirs], skip=(config.output,))
    note_paths = sorted(
        (f for f in files if f.suffix.lower() in NOTE_SUFFIXES and f.is_relative_to(notes_dir)),
        key=lambda p: p.as_posix(),
    )
    diagnostics: list[Diagnostic] = []

    notes: dict[Path, Note] = {}
    # Read every note, index the vault (names, front matter, aliases), normalise, then
    # run pandoc on them a few at a time.
    read = [(path, *read_note_text(path)) for path in note_paths]
    vault = VaultIndex.build(
        notes_dir, files, {path: fm for path, raw, _f in read if raw is not None and (fm := read_front_matter(raw))}
    )
    # (path, the file's text, normalised, what reading it found, what normalising it found)
    prepared: list[tuple[Path, str | None, str | None, list[Diagnostic], list[Diagnostic]]] = []
    normalizer = CachedNormalizer(
        None if cache is None else cache.child("normalized"), notes_dir, media_dirs, files, config.flavours, vault
    )
    text: str | None
    for path, raw, found in read:
        if raw is None:
            prepared.append((path, raw, None, found, []))
            continue
        ctx = NoteContext(
            path=path, notes_dir=notes_dir, media_dirs=media_dirs, files=files, flavours=config.flavours, vault=vault
        )
        text, fixed = normalizer.normalize(raw, ctx)
        prepared.append((path, raw, text, found, fixed))
    parsed = iter(parse_many([text for _p, _r, text, _f, _x in prepared if text is not None], cache))
    # Pictures that exist but cannot be drawn are found by reading them, here at the
    # edge; the normaliser only knew that the files were there.
    picture_marker = PictureMarker(files, None if cache is None else cache.child("pictures"))
    # Characters no font of the handbook and the slides has, before anything is typeset.
    glyph_checker = NoteChecker(cache)
    for path, raw, text, read_found, found in prepared:
        diagnostics.extend(read_found)
        if raw is None:
            continue
        assert text is not None  # a note that was read was normalised
        try:
            ast = next(parsed)
            if isinstance(ast, ParseError):
                raise ast
        except TooDeep as exc:
            diagnostics.append(
                error(path, 1, "too-deep", f"note skipped: {exc}", "nest lists, quotes and emphasis less deeply")
            )
            continue
        except ParseError as exc:
            diagnostics.append(
                error(
                    path,
                    1,
                    "parse",
                    f"note skipped: pandoc could not read it: {exc}",
                    "look for deeply nested lists or quotes, or split the note",
                )
            )
            continue
        blocks = sum(1 for _ in walk_blocks(ast.get("blocks", [])))
        if blocks > MAX_NOTE_BLOCKS:
            diagnostics.append(
                error(
                    path,
                    1,
                    "note-too-long",
                    f"note skipped: it has {blocks} paragraphs and list items (more than {MAX_NOTE_BLOCKS}), over a thousand pages",
                    "split it into several notes",
                )
            )
            continue
        deep = ast.get("meta", {}).get(DEEP_NESTING_KEY)
        if deep is not None:
            found = found + [
                warning(
                    path,
                    text_places.line_of(text, deep.get("c", "")),
                    "deep-nesting",
                    f"lists nest more than {MAX_BLOCK_NESTING} levels deep; deeper levels are flattened",
                    "indent less; the text is kept",
                )
            ]
        deep_quotes = ast.get("meta", {}).get(DEEP_QUOTES_KEY)
        if deep_quotes is not None:
            line, col = text_places.place_of(text, deep_quotes.get("c", ""))
            found = found + [
                warning(
                    path,
                    line,
                    "deep-nesting",
                    f"block quotes nest more than {MAX_QUOTE_NESTING} deep, too narrow for the page; deeper ones are flattened into the {MAX_QUOTE_NESTING}th",
                    "quote less deeply; the text is kept",
                    col,
                )
            ]
        if INLINE_NOTE_CLASS in text:
            make_inline_notes(ast.get("blocks", []))
        found = found + picture_marker.mark(path, text, ast) + glyph_checker.check(path, text)
        if DATABASE_CLASS in text:
            ast, tabled = expand_databases(path, text, ast, files)
            found = found + tabled
        note = Note(
            path=path, rel=path.relative_to(notes_dir).as_posix(), raw=raw, text=text, ast=ast, diagnostics=tuple(found)
        )
        notes[path] = note
        diagnostics.extend(found)

    if not notes:
        if note_paths:  # there were notes, and each one was refused: say why
            raise UsageError(
                error(
                    config.notes,
                    1,
                    "no-notes",
                    f"none of the {len(note_paths)} notes in {label} could be read",
                    "see the messages above",
                ),
                related=diagnostics,
            )
        raise UsageError(error(config.notes, 1, "no-notes", f"no Markdown notes in {label}", "notes are *.md files"))

    # Embeds and snippets are filled in, and wikilinks' headings matched, now that
    # every note is parsed.
    notes, found = settle(notes, notes_dir, files, snippets="mkdocs" in config.flavours, read=read_snippet)
    diagnostics.extend(found)

    index = find_index(config, [*notes, *note_paths])
    if index is None and config.index is None and "notion" in config.flavours:
        index = top_page(notes_dir, note_paths, files, archive)
    if index is not None and index not in notes:
        index = None  # refused, and its diagnostic says why; the chapters follow the paths
    chapters, found, structure = order_chapters(notes, index, config, vault)
    diagnostics.extend(found)
    # Macros hold from where they are defined on, in the book's order: known only now.
    prepare_math(chapters, macros)
    diagnostics.extend(check_anchors(notes))
    # Which parts of the book number their headings themselves (pdf.numbering: auto):
    # said here, so that `check` tells it as the handbook will do it.
    diagnostics.extend(plan_numbering(chapters, config.pdf.numbering, config.pdf.toc_levels).diagnostics)
    return Book(
        config=config,
        chapters=tuple(chapters),
        media_files=files,
        diagnostics=tuple(diagnostics),
        vault=vault,
        structure=structure,
    )


def order_chapters(
    notes: dict[Path, Note], index: Path | None, config: Config | None = None, vault: VaultIndex | None = None
) -> tuple[list[Chapter], list[Diagnostic], str]:
    """The chapter tree, by the index's page lists, the folder tree or `nav:`
    (`book_order.py`), each chapter titled (`titles.py`); and which way it was made,
    in words."""
    from notebook_publish import book_order

    front_matter = vault.front_matter if vault is not None else {}
    notes_dir = config.notes.resolve() if config is not None else _common_folder(notes)
    structure = config.structure if config is not None else "auto"
    nav = config.nav if config is not None else ()
    diagnostics: list[Diagnostic] = []
    if nav:
        assert config is not None  # (no config, no `nav:`)
        placed, found = book_order.order_by_nav(notes, notes_dir, nav, config.source, config.line_of("nav"))
        how = "`nav:` in handbook.yml"
    elif structure == "folders" or (structure == "auto" and index is None):
        if index is None:
            diagnostics.append(
                info(
                    None,
                    0,
                    "no-index",
                    "no index note; the chapters follow the folder tree",
                    "add index.md or README.md, or set `index:` or `nav:`",
                )
            )
        placed, found = book_order.order_by_folders(notes, notes_dir, index, front_matter)
        how = "the folder tree"
    elif index is None:
        assert config is not None  # (no config: `structure` is auto, and that needs no index)
        raise UsageError(
            error(
                config.source,
                config.line_of("structure"),
                "config",
                "`structure: links` needs an index note, and the notes have none",
                "add index.md or README.md, set `index:`, or use `structure: folders`",
            )
        )
    else:
        nav_files = [
            notes_dir / name
            for name in book_order.NAV_FILES
            if (notes_dir / name) in notes and notes_dir / name != index
        ]
        placed, found = book_order.order_by_links(notes, index, nav_files, notes_dir, front_matter)
        how = "the page lists of " + " and ".join(notes[p].rel for p in [index, *nav_files])
    diagnostics.extend(found)
    chapters = []
    for place in placed:
        if place.folder:
            note = folder_note(place.path, notes_dir)
            chapters.append(Chapter(note=note, title=place.title or note.rel, depth=place.depth))
            continue
        note = notes[place.path]
        title = place.title or chapter_title(note, place.link_text, front_matter.get(place.path))
        chapters.append(Chapter(note=note, title=title, depth=place.depth))
    return chapters, diagnostics, how


def folder_note(folder: Path, notes_dir: Path) -> Note:
    """A part without a note of its own (a folder, a `nav:` section): a chapter that
    is only its title."""
    try:
        rel = folder.relative_to(notes_dir).as_posix() + "/"
    except ValueError:
        rel = folder.name + "/"
    return Note(path=folder, rel=rel, raw="", text="", ast={"blocks": []}, folder=True)


def _common_folder(notes: Collection[Path]) -> Path:
    return Path(os.path.commonpath([str(p.parent) for p in notes])) if notes else Path(".")


def local_links(note: Note) -> tuple[tuple[Path | None, str, str], ...]:
    """(target note path or None for this note, anchor, link text) of each working local link."""
    return note.links


def _local_links(note: Note) -> Iterator[tuple[Path | None, str, str]]:
    from notebook_publish.page_links import link_target

    blocks = note.ast.get("blocks", [])
    # The links of an embedded note are that note's: they were checked there.
    embedded = (
        {
            id(i)
            for b in walk_blocks(blocks)
            if b.get("t") == "Div" and has_class(b, "transclusion")
            for i in walk_inlines(div_blocks(b))
        }
        if "{.transclude" in note.text
        else set()
    )
    for inline in walk_inlines(blocks):
        if inline.get("t") == "Link" and id(inline) not in embedded:
            found = link_target(note.path, inline)
            if found is not None:
                yield found


def chapter_title(note: Note, link_text: str | None, front_matter: Mapping[str, Any] | None = None) -> str:
    """Front matter `title:`, else the opening heading, else the link's text, else the
    file name (`titles.py`)."""
    from notebook_publish import titles

    return titles.chapter_title(note.rel, note.ast.get("blocks", []), front_matter, link_text)


def check_anchors(notes: dict[Path, Note]) -> list[Diagnostic]:
    """Every `#anchor` in a local link must name a heading of its target note."""
    diagnostics: list[Diagnostic] = []
    for note in notes.values():
        for target_path, anchor, _text in local_links(note):
            if not anchor:
                continue
            target = note if target_path is None else notes.get(target_path)
            if target is None or anchor in target.anchors:
                continue
            close = difflib.get_close_matches(anchor, sorted(target.anchors), n=1)
            diagnostics.append(
                warning(
                    note.path,
                    note.line_of(f"#{anchor}"),
                    "broken-anchor",
                    f"`#{anchor}` is not a heading of {target.rel}",
                    f"did you mean `#{close[0]}`?"
                    if close
                    else "anchors are heading texts in lower case, spaces as dashes",
                )
            )
    return diagnostics
