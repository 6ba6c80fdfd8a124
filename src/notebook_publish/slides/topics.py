"""The book's topics, one deck each, and what each deck is called.

A topic is a section at `slides.level` (`slides.topic: heading`) or a whole note
(`note`). `auto`, the default, looks at the sections first: when most of them share
their heading with another section (a wiki whose every note has `## Theory` and
`## Practice`), a deck per section would be a pile of "Practice" decks, so it makes a
deck per note instead. The names come from `deck_names`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from notebook_publish.diagnostics import Diagnostic, info
from notebook_publish.notes import Book, Note
from notebook_publish.pandoc.ast import Block, header_id, header_inlines, header_level, plain_text
from notebook_publish.slides.deck_names import Naming, name_decks, same_title_key, words
from notebook_publish.titles import opening_heading, repeats_title


@dataclass(frozen=True)
class Topic:
    title: str  # the deck's title: the heading, or "Chapter — heading" when the heading repeats
    note: Note
    blocks: tuple[dict[str, Any], ...]
    line: int
    anchor: str = ""  # the id of the topic's heading
    slug: str = "topic"  # the deck's file name without `NN-` and `.pptx`, unique in the book
    heading: str = ""  # the heading alone (a whole note's: its chapter title)


@dataclass(frozen=True)
class TopicPlan:
    """The topics and how `slides.topic` was settled."""

    mode: str  # "heading" or "note": what the decks cover
    topics: tuple[Topic, ...]
    automatic: bool  # `slides.topic: auto` chose the mode
    sections: int = 0  # the sections at `slides.level` auto looked at
    shared: int = 0  # of those, how many share their heading with another


def plan_topics(book: Book) -> TopicPlan:
    """Every topic of the book in reading order, empty ones included, named."""
    chosen = book.config.slides.topic
    if chosen == "note":
        return TopicPlan("note", _named(_note_topics(book), by_note=True), False)
    sections = _section_topics(book)
    if chosen == "heading":
        return TopicPlan("heading", _named(sections, by_note=False), False)
    shared = _shared_headings(sections)
    if 2 * shared > len(sections):
        return TopicPlan("note", _named(_note_topics(book), by_note=True), True, len(sections), shared)
    return TopicPlan("heading", _named(sections, by_note=False), True, len(sections), shared)


def find_topics(book: Book) -> list[Topic]:
    return list(plan_topics(book).topics)


def plan_diagnostic(book: Book, plan: TopicPlan) -> Diagnostic | None:
    """What `slides.topic: auto` chose and why, as an info at the key (or the notes folder)."""
    if not plan.automatic:
        return None
    config = book.config
    level = config.slides.level
    where: Path = config.source if config.source is not None else config.notes
    line = config.line_of("slides.topic") if config.source is not None else 1
    counted = f"{plan.shared} of {plan.sections} level-{level} headings are also the heading of another section"
    if plan.mode == "note":
        return info(
            where,
            line,
            "topic-auto",
            f"`slides.topic: auto` chose `note`: one deck per note ({counted})",
            f"set `slides.topic: heading` for one deck per level-{level} heading, titled with its chapter",
        )
    return info(
        where,
        line,
        "topic-auto",
        f"`slides.topic: auto` chose `heading`: one deck per level-{level} heading ({counted})",
        "set `slides.topic: note` for one deck per note",
    )


def heading_line(text: str, title: str) -> int:
    """The line of the heading with this text (the AST carries no positions)."""
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#") and title and title in line:
            return number
    return 1


@dataclass(frozen=True)
class _Found:
    topic: Topic
    inlines: list[dict[str, Any]]  # the heading's inlines (empty for a whole note)
    chapter: str


def _note_topics(book: Book) -> list[_Found]:
    found = []
    for chapter in book.chapters:
        if chapter.note.folder:
            continue  # a part's title page has nothing to show
        blocks = chapter.note.ast.get("blocks", [])
        # The heading that says the title is on the title slide already.
        opening = opening_heading(blocks)
        if opening is not None and repeats_title(blocks[opening], chapter.title):
            blocks = blocks[:opening] + blocks[opening + 1 :]
        found.append(
            _Found(Topic(chapter.title, chapter.note, tuple(blocks), 1, heading=chapter.title), [], chapter.title)
        )
    return found


def _section_topics(book: Book) -> list[_Found]:
    level = book.config.slides.level
    found: list[_Found] = []
    for chapter in book.chapters:
        note = chapter.note
        if note.folder:
            continue
        current: list[Block] | None = None
        header: Block = {}
        for block in note.ast.get("blocks", []):
            if block.get("t") == "Header" and header_level(block) <= level:
                if current is not None:
                    found.append(_section(note, header, current, chapter.title))
                    current = None
                if header_level(block) == level:
                    header = block
                    current = []
                continue
            if current is not None:
                current.append(block)
        if current is not None:
            found.append(_section(note, header, current, chapter.title))
    return found


def _section(note: Note, header: Block, blocks: list[Block], chapter: str) -> _Found:
    title = plain_text(header_inlines(header)).strip()
    topic = Topic(title, note, tuple(blocks), heading_line(note.text, title), header_id(header), heading=title)
    return _Found(topic, header_inlines(header), chapter)


def _shared_headings(sections: list[_Found]) -> int:
    counts = Counter(same_title_key(s.topic.heading) for s in sections)
    return sum(1 for s in sections if counts[same_title_key(s.topic.heading)] > 1)


def _named(found: list[_Found], by_note: bool) -> tuple[Topic, ...]:
    if by_note:
        namings = [Naming(f.chapter, tuple(words(f.chapter))) for f in found]
    else:
        namings = [
            Naming(
                f.topic.heading,
                tuple(words(plain_text(f.inlines, math=None, words_only=True))),
                f.chapter,
                tuple(words(f.chapter)),
            )
            for f in found
        ]
    return tuple(replace(f.topic, title=name.title, slug=name.slug) for f, name in zip(found, name_decks(namings)))
