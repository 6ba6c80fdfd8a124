"""From the pandoc AST to the deck model (`deck.py`): one topic ▸ slides ▸ bullet tree.

A topic (`topics.py`) is a section at `slides.level` or a whole note; inside a topic
every deeper heading starts a slide. Speaker notes are written as a `::: notes` block,
or as a block quote whose text starts with "Note:"; both land on the notes page of the
slide they follow. A link to another note is kept as `deck.NOTE_LINK` + its path here;
`book_decks.link_decks` points it at a deck or slide once every topic is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from notebook_publish import callouts, math_errors, mathrender, pictures
from notebook_publish.diagnostics import Diagnostic, info, warning
from notebook_publish.math_unicode import tex_to_unicode
from notebook_publish.normalize.resolve import NOTE_SUFFIXES, is_external, split_link
from notebook_publish.notes import Book, Note
from notebook_publish.pandoc.ast import (
    Inline,
    attr_classes,
    block_inlines,
    header_inlines,
    header_level,
    image_attr,
    image_inlines,
    image_target,
    is_display_math,
    link_target,
    math_tex,
    para_inlines,
    plain_text,
    walk_inlines,
)
from notebook_publish.policy import SAFE_LINK_SCHEMES
from notebook_publish.rawhtml import RawHtmlFilter
from notebook_publish.slides.deck import (
    NOTE_LINK,
    Bullet,
    Callout,
    Cells,
    CodeBlock,
    Deck,
    Formula,
    Item,
    Numbering,
    PageBreak,
    Picture,
    Run,
    Slide,
    Table,
)
from notebook_publish.slides.list_numbers import list_number
from notebook_publish.slides.topics import Topic, heading_line

NOTE_PREFIX = re.compile(r"^\s*notes?\s*:\s*", re.IGNORECASE)
# Notion exports every picture as `![Image](...)`; that alt text is no caption.
MEANINGLESS_ALT = {"", "image", "img", "picture", "figure", "untitled"}
MAX_TABLE_COLUMNS = 10  # wider tables go on several slides, a group of columns each


@dataclass
class _Section:
    title: str
    level: int
    line: int
    items: list[Item] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def has_content(self) -> bool:
        return bool(self.items or self.pictures)


def build_deck(topic: Topic, number: int, book: Book, date_line: str) -> tuple[Deck | None, list[Diagnostic]]:
    """The deck of one topic, or None (and an info) when the topic has no content."""
    diagnostics: list[Diagnostic] = []
    reader = _BlockReader(topic.note, book, diagnostics)
    # The text before the first subheading is a slide under the heading itself; the
    # deck's title (with its chapter, when the heading repeats) is on the title slide.
    sections = [_Section(topic.heading or topic.title, 0, topic.line)]
    for block in topic.blocks:
        if block.get("t") == "Header":
            title = plain_text(header_inlines(block)).strip()
            sections.append(_Section(title, header_level(block), heading_line(topic.note.text, title)))
        else:
            reader.read(block, sections[-1])

    if not any(s.has_content for s in sections):
        diagnostics.append(
            info(
                topic.note.path,
                topic.line,
                "empty-topic",
                f"topic `{topic.title}` has no content; no deck written",
                "add bullets under the heading",
            )
        )
        return None, diagnostics

    slides: list[Slide] = []
    headings = [s for s in sections[1:]]
    top = min((s.level for s in headings), default=0)
    subtopics = [s.title for i, s in enumerate(sections) if i and s.level == top and _subtree_has_content(sections, i)]
    if len(subtopics) >= 3:
        slides.append(Slide("Agenda", tuple(Bullet((Run(t),)) for t in subtopics), kind="agenda", line=topic.line))
    for i, section in enumerate(sections):
        if section.has_content:
            slides.append(
                Slide(
                    section.title,
                    tuple(section.items),
                    tuple(section.pictures),
                    "\n\n".join(section.notes),
                    "content",
                    section.line,
                )
            )
        elif i and _subtree_has_content(sections, i):
            slides.append(Slide(section.title, kind="section", notes="\n\n".join(section.notes), line=section.line))
    deck = Deck(
        number, topic.title, topic.slug, topic.note.path, topic.line, book.config.title, date_line, tuple(slides)
    )
    return deck, diagnostics


def _subtree_has_content(sections: list[_Section], index: int) -> bool:
    level = sections[index].level
    for section in sections[index:]:
        if section is not sections[index] and section.level <= level:
            break
        if section.has_content:
            return True
    return False


class _BlockReader:
    """Turns the blocks of a section into slide items, pictures and speaker notes."""

    def __init__(self, note: Note, book: Book, diagnostics: list[Diagnostic]):
        self.note = note
        self.book = book
        self.diagnostics = diagnostics
        self._media: frozenset[Path] | None = None
        # The words pandoc parses between raw `<script>`, `<object>` ... tags are dropped
        # with them, as the handbook does.
        self.block_html = RawHtmlFilter()

    @property
    def media(self) -> frozenset[Path]:
        """The files the note may embed: only those the book found in its folders."""
        if self._media is None:
            self._media = frozenset(p.resolve() for p in self.book.media_files)
        return self._media

    def read(self, block: dict[str, Any], section: _Section) -> None:
        section.items.extend(self.items(block, section))

    def items(self, block: dict[str, Any], section: _Section, marker: str | Numbering | None = None) -> list[Item]:
        t = block.get("t")
        c: Any = block.get("c")
        if t == "RawBlock":
            if c[0].lower() == "html":
                self.block_html.feed(c[1])
            return []
        if self.block_html.suppressing:
            return []
        if t in ("Para", "Plain"):
            tabs = callouts.tab_sections(c)
            if tabs is not None:  # a tab of a tab group: its label in bold, then its text
                out: list[Item] = []
                for label, rest in tabs:
                    if label is not None:
                        out.append(Bullet(tuple(replace(r, bold=True) for r in self.runs(label)), marker=None))
                    if rest:
                        out += self.paragraph(rest, section, marker if not out else None)
                return out
            return self.paragraph(c, section, marker)
        if t == "BulletList":
            return _non_empty(self.list_item(item, section, "bullet") for item in c)
        if t == "OrderedList":
            (start, style, _delim), items = c
            return _non_empty(
                self.list_item(item, section, list_number(start + i, style["t"])) for i, item in enumerate(items)
            )
        if t == "CodeBlock":
            (_id, classes, kv), text = c
            code = CodeBlock(text.rstrip("\n"), classes[0] if classes else "")
            title = dict(kv).get("title", "").strip()
            return [Bullet((Run(title, bold=True),), marker=None), code] if title else [code]
        if t == "Table":
            return self.table_slides(self.table(c))
        if t in ("BlockQuote", "Div"):
            callout = callouts.read_callout(block)
            if callout is not None:
                title = () if callout.untitled else tuple(replace(r, bold=True) for r in self.runs(callout.heading))
                body = [i for b in callout.body for i in self.items(b, section, None)]
                return [Callout(callout.family, title, tuple(body))]
        if t == "BlockQuote":
            text = "\n\n".join(plain_text(block_inlines(b)) for b in c).strip()
            if NOTE_PREFIX.match(text):
                section.notes.append(NOTE_PREFIX.sub("", text, count=1))
                return []
            out = []
            for b in c:
                out += [replace(i, quote=True) if isinstance(i, Bullet) else i for i in self.items(b, section, None)]
            return out
        if t == "Div":
            (_id, classes, _kv), blocks = c
            if "notes" in classes:
                section.notes.append("\n\n".join(plain_text(block_inlines(b)) for b in blocks).strip())
                return []
            return [i for b in blocks for i in self.items(b, section, None)]
        if t == "Figure":
            _attr, caption, blocks = c
            caption_text = " ".join(plain_text(block_inlines(b)) for b in caption[1]).strip()
            pictures = [i for i in walk_inlines(blocks) if i.get("t") == "Image"]
            for image in pictures:
                self.add_picture(image, section, caption_text)
            return []
        if t == "HorizontalRule":
            return [PageBreak()]
        if t == "LineBlock":
            return [Bullet(self.runs(line), marker=None) for line in c]
        if t == "DefinitionList":
            out = []
            for term, definitions in c:
                children = [i for d in definitions for b in d for i in self.items(b, section, None)]
                out.append(Bullet(tuple(replace(r, bold=True) for r in self.runs(term)), tuple(children), marker=None))
            return out
        if t == "Header":  # a heading inside a list or quote: keep it as a bold line
            return [Bullet(tuple(replace(r, bold=True) for r in self.runs(c[2])), marker=None)]
        return []  # RawBlock and the like have nothing to show on a slide

    def list_item(self, blocks: list[dict[str, Any]], section: _Section, marker: str | Numbering | None) -> Bullet:
        head: tuple[Run, ...] = ()
        children: list[Item] = []
        for i, block in enumerate(blocks):
            if i == 0 and block.get("t") in ("Para", "Plain"):
                found = self.paragraph(para_inlines(block), section, marker)
                if found and isinstance(found[0], Bullet):
                    head = found[0].runs
                    children += found[1:]
                else:
                    children += found
            else:
                children += self.items(block, section, None)
        return Bullet(head, tuple(children), marker)

    def paragraph(self, inlines: list[dict[str, Any]], section: _Section, marker: str | Numbering | None) -> list[Item]:
        """A paragraph's text; display math and pictures in it become items of their own."""
        out: list[Item] = []
        pending: list[dict[str, Any]] = []

        def flush() -> None:
            runs = self.runs(pending)
            if any(r.text.strip() for r in runs):
                out.append(Bullet(runs, marker=marker if not out else None))
            pending.clear()

        if _only_note_links(inlines):
            return []  # a bare link to another note (an exported sub-page link) is navigation
        for inline in inlines:
            t = inline.get("t")
            if t == "Math" and is_display_math(inline):
                flush()
                error = self.math_error(inline, display=True)
                if error is not None:
                    out.append(Bullet(error, marker=None))
                else:
                    out.append(Formula(math_tex(inline).strip()))
            elif t == "Image":
                self.add_picture(inline, section, "")
            else:
                pending.append(inline)
        flush()
        return out

    def add_picture(self, image: Inline, section: _Section, caption: str) -> None:
        target = image_target(image)
        alt_text = plain_text(image_inlines(image)).strip()
        if not caption and alt_text.lower() not in MEANINGLESS_ALT:
            caption = alt_text
        path: Path | None = None
        # The notes loader has judged the file already: a missing or bad picture has
        # had its warning and becomes a placeholder.
        problem = pictures.problem_of(attr_classes(image_attr(image)))
        if problem is None and not is_external(target):
            candidate = (self.note.path.parent / unquote(target)).resolve()
            if candidate in self.media:
                path = candidate
        if path is None and problem is None:
            self.diagnostics.append(
                warning(
                    self.note.path,
                    heading_line(self.note.text, target),
                    "slide-image",
                    f"image `{target}` cannot be placed on a slide",
                    "only local image files are embedded",
                )
            )
        section.pictures.append(Picture(target, path, caption, problem))

    def note_link(self, url: str) -> str | None:
        """NOTE_LINK + the note's path from the notes folder (+ #anchor), for a link to
        a note of the book; None for anything else."""
        if is_external(url):
            return None
        path, anchor = split_link(url)
        if path and not path.lower().endswith(NOTE_SUFFIXES):
            return None
        try:
            target = (self.note.path.parent / path).resolve() if path else self.note.path
            rel = target.relative_to(self.book.config.notes.resolve()).as_posix()
        except (ValueError, OSError, RuntimeError):
            return None
        return f"{NOTE_LINK}{rel}#{anchor}"

    def table(self, c: list[Any]) -> Table:
        _attr, _caption, colspecs, head, bodies, foot = c
        aligns = tuple({"AlignRight": "r", "AlignCenter": "c"}.get(spec[0]["t"], "l") for spec in colspecs)

        def rows_of(rows: list[Any]) -> tuple[Cells, ...]:
            out = []
            for _row_attr, cells in rows:
                row: list[tuple[Run, ...]] = []
                for cell in cells:
                    blocks = cell[4]
                    runs: list[Run] = []
                    for b in blocks:
                        if runs:
                            runs.append(Run(" "))
                        runs += self.runs(block_inlines(b))
                    row.append(tuple(runs))
                while len(row) < len(aligns):
                    row.append(())
                out.append(tuple(row))
            return tuple(out)

        body_rows: list[Cells] = []
        for body in bodies:
            body_rows += list(rows_of(body[2])) + list(rows_of(body[3]))
        body_rows += list(rows_of(foot[1]))
        return Table(rows_of(head[1]), tuple(body_rows), aligns)

    def table_slides(self, table: Table) -> list[Item]:
        """A table too wide for a slide, as several tables of adjacent columns, one per slide.

        Columns narrower than a word cannot be read, and measuring hundreds of them is
        what made a 500-column table take minutes."""
        n = len(table.aligns)
        if n <= MAX_TABLE_COLUMNS:
            return [table]
        groups = range(0, n, MAX_TABLE_COLUMNS)
        first_cell = "".join(r.text for r in (table.header[0][0] if table.header and table.header[0] else ()))
        self.diagnostics.append(
            info(
                self.note.path,
                self.note.line_of(first_cell),
                "wide-table",
                f"table with {n} columns split across {len(groups)} slides",
                f"at most {MAX_TABLE_COLUMNS} columns fit on a slide",
            )
        )
        out: list[Item] = []
        for start in groups:
            cut = slice(start, start + MAX_TABLE_COLUMNS)
            if out:
                out.append(PageBreak())
            out.append(
                Table(tuple(row[cut] for row in table.header), tuple(row[cut] for row in table.rows), table.aligns[cut])
            )
        return out

    def math_error(self, node: dict[str, Any], display: bool) -> tuple[Run, ...] | None:
        """None when the formula can be drawn; else its `math-error` (the one the
        handbook reports) is recorded, and its source is shown as marked text, as the
        handbook shows it in a box. Inline formulas are written in Unicode and display
        ones in OMML, so nothing else would notice TeX that ziamath cannot read."""
        if math_errors.found_problem(node):
            error = ""
        else:
            error = mathrender.tex_problem(math_tex(node).strip(), display)
            if not error:
                return None
        self.diagnostics.append(math_errors.diagnostic(node, self.note, error))
        return (
            Run(math_errors.LABEL + " ", bold=True, highlight=True),
            Run(math_errors.source_of(node), code=True, highlight=True),
        )

    def runs(self, inlines: list[dict[str, Any]]) -> tuple[Run, ...]:
        out: list[Run] = []
        self._runs(inlines, Run(""), out, RawHtmlFilter())
        merged: list[Run] = []
        for run in out:
            if merged and merged[-1].same_format(run):
                merged[-1] = _with_text(merged[-1], merged[-1].text + run.text)
            else:
                merged.append(run)
        if merged:  # no stray spaces at the ends of a paragraph
            merged[0] = replace(merged[0], text=merged[0].text.lstrip(" "))
            merged[-1] = replace(merged[-1], text=merged[-1].text.rstrip(" "))
        return tuple(r for r in merged if r.text)

    def _runs(self, inlines: list[dict[str, Any]], fmt: Run, out: list[Run], raw: RawHtmlFilter) -> None:
        for inline in inlines:
            t = inline.get("t")
            c: Any = inline.get("c")
            if t == "RawInline":
                if c[0].lower() == "html":
                    raw.feed(c[1])
                continue
            if raw.suppressing:
                continue
            if t == "Str":
                out.append(_with_text(fmt, c))
            elif t in ("Space", "SoftBreak"):
                out.append(_with_text(fmt, " "))
            elif t == "LineBreak":
                out.append(_with_text(fmt, "\n"))
            elif t == "Strong":
                self._runs(c, replace(fmt, bold=True), out, raw)
            elif t == "Emph":
                self._runs(c, replace(fmt, italic=not fmt.italic), out, raw)
            elif t == "Strikeout":
                self._runs(c, replace(fmt, strike=True), out, raw)
            elif t == "Superscript":
                self._runs(c, replace(fmt, baseline=1), out, raw)
            elif t == "Subscript":
                self._runs(c, replace(fmt, baseline=-1), out, raw)
            elif t in ("Underline", "SmallCaps"):
                self._runs(c, fmt, out, raw)
            elif t == "Code":
                out.append(replace(fmt, text=c[1], code=True))
            elif t == "Math":
                error = self.math_error(inline, display=c[0]["t"] == "DisplayMath")
                if error is not None:
                    out += [replace(fmt, text=r.text, bold=r.bold, code=r.code, highlight=True) for r in error]
                else:
                    out.append(replace(fmt, text=tex_to_unicode(c[1]), math=True))
            elif t == "Link":
                attr, content, (url, _title) = c
                # Only web and mail links are clickable; `javascript:`, `file:` and the
                # like would run or open something on the viewer's machine. A link to
                # a note becomes a link to its deck or slide (`link_decks`).
                safe = url.strip().lower().startswith(SAFE_LINK_SCHEMES) and "broken-link" not in attr[1]
                link = url.strip() if safe else None if "broken-link" in attr[1] else self.note_link(url)
                self._runs(content, replace(fmt, link=link) if link else fmt, out, raw)
            elif t == "Span":
                self._runs(c[1], replace(fmt, highlight=True) if "mark" in c[0][1] else fmt, out, raw)
            elif t == "Quoted":
                quotes = "“”" if c[0]["t"] == "DoubleQuote" else "‘’"
                out.append(replace(fmt, text=quotes[0]))
                self._runs(c[1], fmt, out, raw)
                out.append(replace(fmt, text=quotes[1]))
            elif t == "Cite":
                self._runs(c[1], fmt, out, raw)
            # Image: placed by `paragraph`; Note (footnote): nothing to show inline


def _with_text(fmt: Run, text: str) -> Run:
    # Positional construction: dataclasses.replace is the slow part of reading a big note.
    return Run(text, fmt.bold, fmt.italic, fmt.code, fmt.math, fmt.strike, fmt.baseline, fmt.link, fmt.highlight)


def _non_empty(bullets: Iterable[Bullet]) -> list[Item]:
    return [b for b in bullets if b.runs or b.children]


def _only_note_links(inlines: list[dict[str, Any]]) -> bool:
    links = 0
    for inline in inlines:
        t = inline.get("t")
        if t in ("Space", "SoftBreak", "LineBreak"):
            continue
        if t != "Link":
            return False
        url = link_target(inline)
        if is_external(url) or not split_link(url)[0].lower().endswith(NOTE_SUFFIXES):
            return False
        links += 1
    return links > 0
