"""The book's decks: every topic read (`read_ast`) and numbered, then the passes that
need the whole book: links between decks, and every formula's OMML from one pandoc run.

This runs in the command's process; `build.py` then has the decks laid out and
written by workers.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from notebook_publish.build import book_version, build_time, open_cache
from notebook_publish.config import Config
from notebook_publish.diagnostics import Diagnostic, UsageError, error, info
from notebook_publish.notes import Book
from notebook_publish.pandoc.ast import (
    attr_id,
    div_attr,
    header_id,
    header_inlines,
    plain_text,
    span_attr,
    walk_blocks,
    walk_inlines,
)
from notebook_publish.slides.deck import NOTE_LINK, SLIDE_LINK, Bullet, Callout, Deck, Formula, Item, Run, Table
from notebook_publish.slides.deck_names import same_title_key, slugify
from notebook_publish.slides.read_ast import build_deck
from notebook_publish.slides.topics import Topic, plan_diagnostic, plan_topics


def _date_line(config: Config, when: datetime) -> str:
    version = book_version(config)
    return " · ".join(part for part in (f"{when:%d %B %Y}".lstrip("0"), version) if part)


def decks_of_book(
    book: Book, topic: str | None = None, when: datetime | None = None
) -> tuple[list[Deck], list[Diagnostic]]:
    """The deck models of the book (or of one topic), numbered, formulas converted."""
    config = book.config
    when = when or build_time()
    date_line = _date_line(config, when)
    diagnostics: list[Diagnostic] = []
    decks: list[Deck] = []
    plan = plan_topics(book)
    chosen = plan_diagnostic(book, plan)
    if chosen is not None:
        diagnostics.append(chosen)
    topics = list(plan.topics)
    if not topics:
        what = "notes" if plan.mode == "note" else f"level-{config.slides.level} headings"
        diagnostics.append(
            info(
                config.notes,
                1,
                "no-topics",
                f"no topics: the notes have no {what}",
                "set `slides.level` or `slides.topic: note`",
            )
        )
    number = 0
    wanted = _find_wanted(topics, topic) if topic is not None else None
    built: list[tuple[Topic, Deck]] = []
    for t in topics:
        deck, found = build_deck(t, number + 1, book, date_line)
        if deck is not None:
            number += 1
            built.append((t, deck))
        if wanted is not None and t is not wanted:
            continue
        diagnostics += found
        if deck is not None:
            decks.append(deck)
    # Links to notes, now that every topic's deck is known.
    linked = {id(old): new for (_t, old), new in zip(built, link_decks(built))}
    decks = [linked.get(id(deck), deck) for deck in decks]
    formulas = sorted({f.tex for deck in decks for f in formulas_of(deck)})
    if formulas:
        from notebook_publish.mathrender import tex_to_omml_many

        cache = open_cache(config).child("math") if config.cache_dir else None
        converted = tex_to_omml_many([(tex, True) for tex in formulas], cache)
        omml = dict(zip(formulas, converted))
        decks = [with_omml(deck, omml) for deck in decks]
    return decks, diagnostics


def _find_wanted(topics: list[Topic], name: str) -> Topic:
    """The topic `--topic NAME` means: its title, its file name (with or without the
    number), or its heading when only one topic has it."""
    key = same_title_key(name)
    stem = re.sub(r"^\d{2,}-", "", name.strip().removesuffix(".pptx"))
    slugs = {slugify(name), slugify(stem)}
    for t in topics:
        if same_title_key(t.title) == key or t.slug in slugs:
            return t
    by_heading = [t for t in topics if same_title_key(t.heading) == key]
    if len(by_heading) == 1:
        return by_heading[0]
    if by_heading:
        shown = ", ".join(f"`{t.title}`" for t in by_heading[:4]) + (" …" if len(by_heading) > 4 else "")
        raise UsageError(
            error(None, 0, "usage", f"{len(by_heading)} topics are headed `{name}`", f"name one by its title: {shown}")
        )
    titles = [t.title for t in topics]
    close = difflib.get_close_matches(name, titles, n=1, cutoff=0.5)
    hint = (
        f"did you mean `{close[0]}`?"
        if close
        else f"topics: {', '.join(titles)}"
        if titles
        else "the notes have no topics"
    )
    raise UsageError(error(None, 0, "usage", f"no topic named `{name}`", hint))


def formulas_of(deck: Deck) -> list[Formula]:
    found: list[Formula] = []

    def visit(items: Iterable[Item]) -> None:
        for item in items:
            if isinstance(item, Formula):
                found.append(item)
            elif isinstance(item, Bullet):
                visit(item.children)
            elif isinstance(item, Callout):
                visit(item.items)

    for slide in deck.slides:
        visit(slide.items)
    return found


def with_omml(deck: Deck, omml: dict[str, str | None]) -> Deck:
    """The deck with each formula's OMML filled in from `omml` (TeX -> OMML)."""

    def fill(items: Iterable[Item]) -> tuple[Item, ...]:
        out: list[Item] = []
        for item in items:
            if isinstance(item, Formula):
                item = replace(item, omml=omml.get(item.tex))
            elif isinstance(item, Bullet) and item.children:
                item = replace(item, children=fill(item.children))
            elif isinstance(item, Callout):
                item = replace(item, items=fill(item.items))
            out.append(item)
        return tuple(out)

    return replace(deck, slides=tuple(replace(s, items=fill(s.items)) for s in deck.slides))


def link_decks(built: list[tuple[Topic, Deck]]) -> list[Deck]:
    """The decks with each link to a note pointing at the deck of that note's topic (a
    link to the deck's file), or, in the same deck, at the slide of its section (a
    slide jump). A link to a note that has no deck is left as text."""

    def linking(things: Iterable[Item]) -> bool:
        for item in things:
            if isinstance(item, Bullet) and (
                any((r.link or "").startswith(NOTE_LINK) for r in item.runs) or linking(item.children)
            ):
                return True
            if isinstance(item, Table) and any(
                (r.link or "").startswith(NOTE_LINK)
                for rows in (item.header, item.rows)
                for row in rows
                for cell in row
                for r in cell
            ):
                return True
        return False

    todo = {id(deck) for _t, deck in built if any(linking(s.items) for s in deck.slides)}
    if not todo:
        return [deck for _t, deck in built]
    where: dict[tuple[str, str], tuple[str, str]] = {}
    for topic, deck in built:
        rel = topic.note.rel
        where.setdefault((rel, ""), (deck.filename, ""))
        if topic.anchor:
            where.setdefault((rel, topic.anchor), (deck.filename, ""))
        titles = {s.title for s in deck.slides}
        section = ""
        for block in topic.blocks:
            if block.get("t") == "Header":
                heading = plain_text(header_inlines(block)).strip()
                section = heading if heading in titles else section
                if header_id(block):
                    where.setdefault((rel, header_id(block)), (deck.filename, section))
                continue
            for inner in walk_blocks([block]):
                if inner.get("t") == "Div" and attr_id(div_attr(inner)):
                    where.setdefault((rel, attr_id(div_attr(inner))), (deck.filename, section))
            for inline in walk_inlines([block]):
                if inline.get("t") == "Span" and attr_id(span_attr(inline)):
                    where.setdefault((rel, attr_id(span_attr(inline))), (deck.filename, section))

    def resolve(deck: Deck, link: str | None) -> str | None:
        if not link or not link.startswith(NOTE_LINK):
            return link
        rel, _, anchor = link[len(NOTE_LINK) :].partition("#")
        found = where.get((rel, anchor)) or where.get((rel, ""))
        if found is None:
            return None
        filename, slide = found
        return SLIDE_LINK + slide if filename == deck.filename else filename

    def runs(deck: Deck, items: tuple[Run, ...]) -> tuple[Run, ...]:
        return tuple(
            r if not (r.link or "").startswith(NOTE_LINK) else replace(r, link=resolve(deck, r.link)) for r in items
        )

    def items(deck: Deck, things: tuple[Item, ...]) -> tuple[Item, ...]:
        out: list[Item] = []
        for item in things:
            if isinstance(item, Bullet):
                item = replace(item, runs=runs(deck, item.runs), children=items(deck, item.children))
            elif isinstance(item, Table):
                item = replace(
                    item,
                    header=tuple(tuple(runs(deck, cell) for cell in row) for row in item.header),
                    rows=tuple(tuple(runs(deck, cell) for cell in row) for row in item.rows),
                )
            out.append(item)
        return tuple(out)

    return [
        replace(deck, slides=tuple(replace(s, items=items(deck, s.items)) for s in deck.slides))
        if id(deck) in todo
        else deck
        for _topic, deck in built
    ]
