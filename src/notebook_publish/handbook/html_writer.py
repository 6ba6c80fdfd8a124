"""One chapter's pandoc AST to an HTML fragment, for the handbook templates.

`render_chapter` is a pure function of the chapter, its number and `WriterOptions`
(plus a content-addressed math cache): no page numbers, no global state. What
depends on pages (contents, index) is built later from what it returns: the
headings that go in the contents and the anchors of every index-term use. That is
what lets chapters be rendered separately and merged.
"""

from __future__ import annotations

import base64
import html
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping
from urllib.parse import unquote

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from notebook_publish import callouts, math_errors, mathrender, pictures
from notebook_publish.cache import content_key
from notebook_publish.chapter_numbers import section_base_level, title_heading
from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.handbook.overdraw import math_stamp
from notebook_publish.handbook.ids import heading_anchor
from notebook_publish.handbook.index_terms import TermUse, term_key, term_of
from notebook_publish.handbook.sanitize import RawHtmlFilter
from notebook_publish.normalize.resolve import NOTE_SUFFIXES, is_external, split_link
from notebook_publish.notes import Chapter
from notebook_publish.pandoc_ast import INLINE_CONTAINERS

# Fenced-div classes shown as callout boxes, like Notion's callouts.
CALLOUT_CLASSES = frozenset({"callout", "note", "tip", "info", "warning", "caution", "important", "aside", "danger"})
_CLASS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,40}$")
_TASK_MARKS = {"☐": False, "☒": True}
MAX_LIST_INDENT = 12


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
    file_url: Callable[[Path], str] | None = None  # locations.Mounts.url: no real folder in the URL
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


def render_chapter(chapter: Chapter, number: int | None, options: WriterOptions, math_cache=None) -> ChapterHtml:
    writer = _ChapterWriter(chapter, number, options, math_cache)
    body = writer.chapter_body()
    return ChapterHtml(
        anchor=writer.prefix,
        title=chapter.title,
        number=str(number) if number is not None else "",
        depth=chapter.depth,
        body=body,
        headings=tuple(writer.headings),
        terms=tuple(writer.terms),
        diagnostics=tuple(writer.diagnostics),
        math=tuple(writer.math_svgs.items()),
    )


def plain_text(inlines: list) -> str:
    """Text of inlines for labels (contents, bookmarks, index): math as Unicode, no footnotes."""
    out: list[str] = []
    for item in inlines:
        t, c = item.get("t"), item.get("c")
        if t == "Str":
            out.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t == "Code":
            out.append(c[1])
        elif t == "Math":
            out.append(mathrender.tex_to_unicode(c[1].strip()))
        elif t in INLINE_CONTAINERS:
            out.append(plain_text(c))
        elif t in ("Link", "Image", "Span", "Cite"):
            out.append(plain_text(c[1] if t != "Cite" else c[1]))
        elif t == "Quoted":
            q = "“”" if c[0]["t"] == "DoubleQuote" else "‘’"
            out.append(q[0] + plain_text(c[1]) + q[1])
    return " ".join("".join(out).split())


def _lone_image(inlines: list) -> dict | None:
    """The Image of a paragraph that holds nothing else (it is set as a figure)."""
    lone = [i for i in inlines if i.get("t") not in ("Space", "SoftBreak", "LineBreak")]
    return lone[0] if len(lone) == 1 and lone[0].get("t") == "Image" else None


_LENGTH = re.compile(r"^\s*(\d{1,5}(?:\.\d{1,3})?)\s*(px|%|em|rem|pt|mm|cm|in)?\s*$")


def _size_style(attr: list) -> str:
    """`{width=300 height=200}` (an Obsidian `![[x.png|300x200]]`) as a style; a bare
    number is CSS pixels, as in Obsidian. The theme's max-width still applies."""
    rules = []
    for key, value in attr[2] if len(attr) > 2 else ():
        if key in ("width", "height"):
            m = _LENGTH.match(str(value))
            if m:
                rules.append(f"{key}:{m.group(1)}{m.group(2) or 'px'}")
    if any(r.startswith("width") for r in rules) and not any(r.startswith("height") for r in rules):
        rules.append("height:auto")
    return f' style="{";".join(rules)}"' if rules else ""


def _anchor_only(inlines: list) -> str | None:
    """The id of a paragraph that is nothing but an empty anchor `[]{#id}` (an Obsidian
    `^block-id` on a line of its own), which takes no room on the page."""
    lone = [i for i in inlines if i.get("t") not in ("Space", "SoftBreak", "LineBreak")]
    if len(lone) == 1 and lone[0].get("t") == "Span" and lone[0]["c"][0][0] and not lone[0]["c"][1]:
        return lone[0]["c"][0][0]
    return None


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)


def _classes(classes: list[str]) -> list[str]:
    return [c for c in classes if _CLASS_NAME.match(c)]


@dataclass
class _State:
    section_counters: list[int] = field(default_factory=lambda: [0] * 7)
    figures: int = 0
    anchors: int = 0
    list_depth: int = 0


# Inlines whose element takes the space before them inside (see _inlines): none of them
# draws a background or an underline that would show the space.
_TAKES_LEADING_SPACE = frozenset({"Strong", "Emph", "Math"})


def _after_space(element: str, items: list, position: int) -> str:
    """`element` with the space that preceded it in `items` moved inside its first tag."""
    if position == 0 or items[position - 1].get("t") not in ("Space", "SoftBreak"):
        return element
    opened = element.index(">") + 1
    return element[:opened] + " " + element[opened:]


class _ChapterWriter:
    def __init__(self, chapter: Chapter, number: int | None, options: WriterOptions, math_cache):
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
        self.state = _State()
        self.block_filter = RawHtmlFilter(image=self._raw_image)
        self.extra_terms = [(term_key(t), t, re.compile(r"(?<!\w)" + re.escape(term_key(t)) + r"(?!\w)")) for t in options.index_terms]
        self._title_anchor: str | None = None
        self.base_level = section_base_level(self.note.ast.get("blocks", []), chapter.title)

    # --- chapter --------------------------------------------------------------------

    def chapter_body(self) -> str:
        blocks = self.note.ast.get("blocks", [])
        blocks = self._drop_title_heading(blocks)
        out = self.blocks(blocks) + self.block_filter.close_all()
        self._report_dropped(self.block_filter)
        if self._title_anchor:
            out = f'<span class="anchor" id="{_attr(self._title_anchor)}"></span>' + out
        return out

    def _drop_title_heading(self, blocks: list) -> list:
        """The heading that says the chapter's title is the title itself (`title_heading`)."""
        i = title_heading(blocks, self.chapter.title)
        if i is None:
            return blocks
        if blocks[i]["c"][1][0]:
            self._title_anchor = heading_anchor(self.prefix, blocks[i]["c"][1][0])
        return blocks[:i] + blocks[i + 1 :]

    # --- diagnostics ----------------------------------------------------------------

    def _line_of(self, needle: str) -> int:
        needle = needle.strip().splitlines()[0] if needle.strip() else ""
        at = self.note.text.find(needle) if needle else -1
        return self.note.text.count("\n", 0, at) + 1 if at >= 0 else 1

    def _report_dropped(self, filt: RawHtmlFilter) -> None:
        if filt.dropped.tags:
            tags = ", ".join(f"<{t}>" for t in sorted(set(filt.dropped.tags)))
            self.diagnostics.append(
                warning(self.note.path, self._line_of("<" + filt.dropped.tags[0]), "raw-html", f"dropped {tags} from raw HTML", "only harmless formatting tags are published")
            )
        if filt.dropped.attrs:
            attrs = ", ".join(sorted(set(filt.dropped.attrs)))
            self.diagnostics.append(
                warning(self.note.path, self._line_of(filt.dropped.attrs[0] + "="), "raw-html", f"dropped attributes {attrs} from raw HTML", "event handlers, styles and ids are not published")
            )
        filt.dropped.tags.clear()
        filt.dropped.attrs.clear()

    # --- blocks ---------------------------------------------------------------------

    def blocks(self, blocks: list) -> str:
        out: list[str] = []
        for block in blocks:
            if self.block_filter.suppressing and block.get("t") != "RawBlock":
                continue
            out.append(self.block(block))
        return "".join(out)

    def block(self, block: dict) -> str:
        t, c = block.get("t"), block.get("c")
        if t in ("Para", "Plain"):
            tabs = callouts.tab_sections(c)
            if tabs is not None:
                return self.tab_sections(t, tabs)
            lone = _lone_image(c)
            if lone is not None:
                return self.figure(lone)
            anchor = _anchor_only(c)
            if anchor is not None:
                return f'<span class="anchor" id="{_attr(heading_anchor(self.prefix, anchor))}"></span>'
            inner = self._term_anchors(c) + self.inlines(c)
            # No newline after a Plain's text (a tight list item, a table cell): WeasyPrint
            # counts the collapsed space at the end of the last line, and when the text
            # only fits without it, breaks the line at its first opportunity instead,
            # leaving a line that holds one word or one hyphenated syllable.
            return f"<p>{inner}</p>\n" if t == "Para" else inner
        if t == "Header":
            return self.header(*c)
        if t == "CodeBlock":
            return self.code_block(*c)
        if t == "RawBlock":
            if c[0].lower() == "html":
                return self.block_filter.feed(c[1])
            return ""
        if t in ("BlockQuote", "Div"):
            callout = callouts.read_callout(block)
            if callout is not None:
                return self.callout(callout)
        if t == "BlockQuote":
            return f'<blockquote class="callout">\n{self.blocks(c)}</blockquote>\n'
        if t == "BulletList":
            with self._nested_list() as flat:
                return self.bullet_list(c).replace("<ul", "<ul" + flat, 1)
        if t == "OrderedList":
            (start, style, _delim), items = c
            kind = {"LowerAlpha": "a", "UpperAlpha": "A", "LowerRoman": "i", "UpperRoman": "I"}.get(style["t"], "1")
            attrs = (f' start="{int(start)}"' if start != 1 else "") + (f' type="{kind}"' if kind != "1" else "")
            with self._nested_list() as flat:
                return f"<ol{attrs}{flat}>\n" + "".join(f"<li>{self.blocks(item)}</li>\n" for item in items) + "</ol>\n"
        if t == "DefinitionList":
            parts = ["<dl>\n"]
            for term, definitions in c:
                parts.append(f"<dt>{self.inlines(term)}</dt>\n")
                parts.extend(f"<dd>{self.blocks(d)}</dd>\n" for d in definitions)
            return "".join(parts) + "</dl>\n"
        if t == "HorizontalRule":
            return "<hr>\n"
        if t == "LineBlock":
            return '<p class="line-block">' + "<br>".join(self.inlines(line) for line in c) + "</p>\n"
        if t == "Table":
            return self.table(c)
        if t == "Div":
            (ident, classes, _kv), content = c
            classes = _classes(classes)
            kind = ["callout"] if CALLOUT_CLASSES & set(classes) else []
            id_attr = f' id="{_attr(heading_anchor(self.prefix, ident))}"' if ident else ""
            cls = " ".join(kind + classes)
            return f'<div{id_attr} class="{_attr(cls)}">\n{self.blocks(content)}</div>\n'
        if t == "Figure":
            _attr_, caption, content = c
            return f"<figure>{self.blocks(content)}<figcaption>{self.blocks(caption[1])}</figcaption></figure>\n"
        return ""

    def callout(self, callout: callouts.Callout) -> str:
        """A callout of any flavour: a box in its family's colours, its title line (the
        custom title, else the type's label) after an icon; folded ones print open."""
        fold = f" callout-{callout.fold}" if callout.fold else ""
        head = ""
        if not callout.untitled:
            head = f'<p class="callout-title"><span class="callout-icon"></span>{self.inlines(callout.heading)}</p>\n'
        id_attr = f' id="{_attr(heading_anchor(self.prefix, callout.ident))}"' if callout.ident else ""
        return f'<div{id_attr} class="callout callout-{callout.family}{fold}" data-callout="{_attr(callout.kind)}">\n{head}{self.blocks(callout.body)}</div>\n'

    def tab_sections(self, t: str, sections: list) -> str:
        """A tab of a tab group: its label as a line of its own, then its text."""
        out = []
        for label, rest in sections:
            if label is not None:
                out.append(f'<p class="tab-label">{self.inlines(label)}</p>\n')
            if rest:
                out.append(self.block({"t": t, "c": rest}))
        return "".join(out)

    @contextmanager
    def _nested_list(self):
        """Lists deeper than MAX_LIST_INDENT levels are not indented further: forty
        indents would leave a column one letter wide."""
        self.state.list_depth += 1
        try:
            yield ' data-flat style="padding-left:0"' if self.state.list_depth > MAX_LIST_INDENT else ""
        finally:
            self.state.list_depth -= 1

    def header(self, level: int, attr: list, content: list) -> str:
        ident = attr[0]
        depth = max(1, level - self.base_level)
        label = plain_text(content)
        in_toc = depth <= self.options.toc_depth and bool(label)
        number = ""
        if self.number is not None and in_toc:
            counters = self.state.section_counters
            counters[depth] += 1
            for deeper in range(depth + 1, len(counters)):
                counters[deeper] = 0
            number = ".".join([str(self.number)] + [str(counters[d] or 1) for d in range(1, depth + 1)])
        self.state.anchors += 1
        anchor = heading_anchor(self.prefix, ident or f"sec-{self.state.anchors}")
        tag = f"h{min(depth + 1, 6)}"
        classes = f"section depth-{depth}" + (f" in-toc toc-level-{1 + self.chapter.depth + depth}" if in_toc else "")
        num_html = f'<span class="secnum">{_esc(number)}</span> ' if number else ""
        if in_toc:
            self.headings.append(Heading(anchor, label, number, depth))
        return f'<{tag} id="{_attr(anchor)}" class="{classes}">{num_html}{self.inlines(content)}</{tag}>\n'

    def code_block(self, attr: list, code: str) -> str:
        classes = [c for c in attr[1] if c not in ("sourceCode", "numberLines")]
        language = classes[0] if classes else ""
        try:
            lexer = get_lexer_by_name(language) if language else TextLexer()
        except ClassNotFound:
            lexer = TextLexer()
        body = highlight(code, lexer, HtmlFormatter(nowrap=True)).rstrip("\n")
        label = f' data-lang="{_attr(language)}"' if language else ""
        pre = f'<pre class="code highlight"{label}><code>{body}</code></pre>\n'
        title = dict(attr[2]).get("title", "").strip()
        return f'<p class="code-title">{_esc(title)}</p>\n{pre}' if title else pre

    def bullet_list(self, items: list) -> str:
        out = ["<ul>\n"]
        tasks = 0
        for item in items:
            done = self._task_mark(item)
            if done is None:
                body, placed = self._item_with_lead(item, '<span class="bullet"></span>')
                # An item that opens with a list, a code block or a picture has no first
                # line of text to put the bullet on: it keeps a list marker.
                out.append(f"<li>{body}</li>\n" if placed else f'<li class="marker">{body}</li>\n')
                continue
            tasks += 1
            first = dict(item[0])
            rest = first["c"][1:]
            if rest and rest[0].get("t") == "Space":
                rest = rest[1:]
            first = {"t": first["t"], "c": rest}
            box = '<span class="task-box done">✓</span>' if done else '<span class="task-box"></span>'
            body, _placed = self._item_with_lead([first] + item[1:], box)
            out.append(f'<li class="task{" done" if done else ""}">{body}</li>\n')
        html_list = "".join(out) + "</ul>\n"
        return html_list.replace("<ul>", '<ul class="tasks">', 1) if tasks == len(items) and tasks else html_list

    def _item_with_lead(self, item: list, lead: str) -> tuple[str, bool]:
        """The item's blocks with `lead` at the start of its first line of text, and
        whether there was one (a first block of text that is not a lone picture)."""
        first = item[0] if item else {}
        if first.get("t") not in ("Para", "Plain") or _lone_image(first["c"]) is not None or self.block_filter.suppressing:
            return self.blocks(item), False
        html_first = self.block(first)
        html_first = "<p>" + lead + html_first[3:] if html_first.startswith("<p>") else lead + html_first
        return html_first + self.blocks(item[1:]), True

    @staticmethod
    def _task_mark(item: list) -> bool | None:
        if not item or item[0].get("t") not in ("Plain", "Para"):
            return None
        content = item[0]["c"]
        if content and content[0].get("t") == "Str" and content[0]["c"] in _TASK_MARKS:
            return _TASK_MARKS[content[0]["c"]]
        return None

    def table(self, c: list) -> str:
        _attr_, caption, colspecs, head, bodies, foot = c
        aligns = [{"AlignLeft": "left", "AlignRight": "right", "AlignCenter": "center"}.get(spec[0]["t"], "") for spec in colspecs]

        def rows(row_list: list, cell_tag: str) -> str:
            out = []
            for _row_attr, cells in row_list:
                parts = []
                col = 0
                for _cell_attr, align, rowspan, colspan, blocks in cells:
                    a = {"AlignLeft": "left", "AlignRight": "right", "AlignCenter": "center"}.get(align["t"], "") or (aligns[col] if col < len(aligns) else "")
                    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
                    attrs += f' class="align-{a}"' if a else ""
                    parts.append(f"<{cell_tag}{attrs}>{self._cell(blocks)}</{cell_tag}>")
                    col += colspan
                out.append("<tr>" + "".join(parts) + "</tr>\n")
            return "".join(out)

        out = ["<table>\n"]
        if caption[1]:
            out.append(f"<caption>{self.blocks(caption[1])}</caption>\n")
        if head[1]:
            out.append("<thead>\n" + rows(head[1], "th") + "</thead>\n")
        out.append("<tbody>\n")
        for body in bodies:
            out.append(rows(body[2], "th") + rows(body[3], "td"))
        out.append("</tbody>\n")
        if foot[1]:
            out.append("<tfoot>\n" + rows(foot[1], "td") + "</tfoot>\n")
        return "".join(out) + "</table>\n"

    def _cell(self, blocks: list) -> str:
        if len(blocks) == 1 and blocks[0].get("t") in ("Plain", "Para"):
            return self._term_anchors(blocks[0]["c"]) + self.inlines(blocks[0]["c"])
        return self.blocks(blocks)

    def _term_anchors(self, inlines: list) -> str:
        """Invisible anchors for the config's extra index terms found in this paragraph."""
        if not self.extra_terms:
            return ""
        text = term_key(plain_text(inlines))
        out = []
        for key, term, pattern in self.extra_terms:
            if pattern.search(text):
                anchor = self._new_anchor("ix")
                self.terms.append(TermUse(key, term, anchor))
                out.append(f'<span class="anchor" id="{anchor}"></span>')
        return "".join(out)

    def _new_anchor(self, kind: str) -> str:
        self.state.anchors += 1
        return f"{self.prefix}--{kind}{self.state.anchors}"

    # --- images ---------------------------------------------------------------------

    def figure(self, image: dict) -> str:
        attr, alt, (target, _title) = image["c"]
        alt_text = plain_text(alt)
        inner = self.image(attr, alt_text, target, block=True)
        if pictures.problem_of(attr[1]) or not inner.startswith("<img"):
            return inner
        caption = ""
        if alt_text:
            self.state.figures += 1
            label = f"{self.number}.{self.state.figures}" if self.number is not None else str(self.state.figures)
            caption = f'<figcaption><span class="figure-label">Figure {label}.</span> {self.inlines(alt)}</figcaption>'
        return f'<figure class="image">{inner}{caption}</figure>\n'

    def image(self, attr: list, alt_text: str, target: str, block: bool) -> str:
        problem = pictures.problem_of(attr[1])
        if problem is not None:
            return self._placeholder(target, block, pictures.PLACEHOLDER_LABELS.get(problem, "Image not found"))
        if target.startswith("data:"):
            if target[5:].lower().startswith("image/"):
                return f'<img src="{_attr(target)}" alt="{_attr(alt_text)}">'
            return self._refused(target, block, "only data:image/... URIs are embedded")
        if is_external(target):
            return self._refused(target, block, "images are never fetched; put the file in a media folder")
        path = self._local_file(unquote(target))
        if path is None:
            return self._refused(target, block, "only files inside the notes and media folders are published")
        return f'<img src="{_attr(self._file_url(path))}" alt="{_attr(alt_text)}"{_size_style(attr)}>'

    def _raw_image(self, src: str, alt: str) -> str:
        """An <img> in raw HTML: published only if it names a file we allow."""
        return self.image(["", [], []], alt, src, block=False) if src else ""

    def _local_file(self, target: str) -> Path | None:
        try:
            path = (self.note.path.parent / target).resolve()
        except (OSError, RuntimeError, ValueError):
            return None
        return path if path in self.options.media_files else None

    def _file_url(self, path: Path) -> str:
        if self.options.url_base is None:
            return self.options.file_url(path) if self.options.file_url else path.as_uri()
        import os
        from urllib.parse import quote

        return quote(Path(os.path.relpath(path, self.options.url_base)).as_posix())

    def _placeholder(self, target: str, block: bool, label: str = "Image not found") -> str:
        name = unquote(target.rsplit("/", 1)[-1]) if not is_external(target) else target
        if len(name) > 80:
            name = name[:79] + "…"
        tag = "div" if block else "span"
        return (
            f'<{tag} class="missing-image"><span class="missing-label">{label}</span> '
            f'<span class="missing-file">{_esc(name)}</span></{tag}>' + ("\n" if block else "")
        )

    def _refused(self, target: str, block: bool, hint: str) -> str:
        self.diagnostics.append(warning(self.note.path, self._line_of(target), "image-refused", f"image `{target[:120]}` is not published", hint))
        return self._placeholder(target, block)

    # --- inlines --------------------------------------------------------------------

    def inlines(self, items: list) -> str:
        filt = RawHtmlFilter(image=self._raw_image)
        out = self._inlines(items, filt) + filt.close_all()
        self._report_dropped(filt)
        return out

    def _inlines(self, items: list, filt: RawHtmlFilter) -> str:
        out: list[str] = []
        for position, item in enumerate(items):
            t, c = item.get("t"), item.get("c")
            if filt.suppressing and t != "RawInline":
                continue
            if t == "Str":
                out.append(_esc(c))
            elif t in ("Space", "SoftBreak"):
                following = items[position + 1].get("t") if position + 1 < len(items) else None
                if following in _TAKES_LEADING_SPACE:
                    # The space goes inside the bold, italic or formula that follows. WeasyPrint
                    # cannot break a line at a space that ends a text box when the next
                    # inline box does not fit: it breaks at the first opportunity of the
                    # line instead, leaving a line that holds one hyphenated syllable.
                    continue
                out.append(" ")
            elif t == "LineBreak":
                out.append("<br>")
            elif t in ("Emph", "Strong"):
                element = f"<em>{self._inlines(c, filt)}</em>" if t == "Emph" else self.strong(c, filt)
                out.append(_after_space(element, items, position))
            elif t == "Strikeout":
                out.append(f"<s>{self._inlines(c, filt)}</s>")
            elif t == "Underline":
                out.append(f"<u>{self._inlines(c, filt)}</u>")
            elif t == "Superscript":
                out.append(f"<sup>{self._inlines(c, filt)}</sup>")
            elif t == "Subscript":
                out.append(f"<sub>{self._inlines(c, filt)}</sub>")
            elif t == "SmallCaps":
                out.append(f'<span class="smallcaps">{self._inlines(c, filt)}</span>')
            elif t == "Quoted":
                q = "“”" if c[0]["t"] == "DoubleQuote" else "‘’"
                out.append(q[0] + self._inlines(c[1], filt) + q[1])
            elif t == "Cite":
                out.append(self._inlines(c[1], filt))
            elif t == "Code":
                out.append(f"<code>{_esc(c[1])}</code>")
            elif t == "Math":
                out.append(_after_space(self.math(c[1], c[0]["t"] == "DisplayMath", item), items, position))
            elif t == "RawInline":
                if c[0].lower() == "html":
                    out.append(filt.feed(c[1]))
            elif t == "Link":
                out.append(self.link(c, filt))
            elif t == "Image":
                attr, alt, (target, _title) = c
                out.append(self.image(attr, plain_text(alt), target, block=False))
            elif t == "Note":
                out.append(self.footnote(c))
            elif t == "Span":
                (ident, classes, _kv), content = c
                cls = _classes(classes)
                cls_attr = f' class="{_attr(" ".join(cls))}"' if cls else ""
                id_attr = f' id="{_attr(heading_anchor(self.prefix, ident))}"' if ident else ""
                tag = "mark" if "mark" in cls else "span"  # `==text==`, `<mark>` in HTML
                out.append(f"<{tag}{id_attr}{cls_attr}>{self._inlines(content, filt)}</{tag}>")
        return "".join(out)

    def strong(self, content: list, filt: RawHtmlFilter) -> str:
        inner = self._inlines(content, filt)
        term = term_of(plain_text(content), self.options.index_max_words)
        if term is None:
            return f"<strong>{inner}</strong>"
        anchor = self._new_anchor("ix")
        self.terms.append(TermUse(term_key(term), term, anchor))
        return f'<strong id="{anchor}">{inner}</strong>'

    def link(self, c: list, filt: RawHtmlFilter) -> str:
        attr, content, (url, _title) = c
        inner = self._inlines(content, filt)
        if "broken-link" in attr[1]:
            return f'<span class="broken-link">{inner}<span class="link-marker"> (missing page)</span></span>'
        if is_external(url):
            if url.lower().startswith(("http://", "https://", "mailto:")):
                return f'<a class="external" href="{_attr(url)}">{inner}</a>'
            return f'<span class="plain-link">{inner}</span>'
        path, anchor = split_link(url)
        rel = self.note.rel
        if path:
            if not path.lower().endswith(NOTE_SUFFIXES):
                return f'<span class="plain-link">{inner}</span>'
            try:
                target = (self.note.path.parent / path).resolve().relative_to(self.options.notes_dir.resolve()).as_posix()
            except (ValueError, OSError, RuntimeError):
                return f'<span class="broken-link">{inner}<span class="link-marker"> (missing page)</span></span>'
            if target not in self.options.prefixes:
                return f'<span class="broken-link">{inner}<span class="link-marker"> (missing page)</span></span>'
            rel = target
        prefix = self.options.prefixes[rel]
        if anchor and anchor in self.options.note_anchors.get(rel, frozenset()):
            href = heading_anchor(prefix, anchor)
        else:
            href = prefix
        return f'<a class="internal" href="#{_attr(href)}">{inner}</a>'

    def footnote(self, blocks: list) -> str:
        parts = []
        for block in blocks:
            if block.get("t") in ("Para", "Plain"):
                parts.append(f'<span class="fn-p">{self.inlines(block["c"])}</span>')
            elif block.get("t") == "CodeBlock":
                parts.append(f'<code class="fn-p">{_esc(block["c"][1])}</code>')
            else:
                from notebook_publish.pandoc_ast import walk_inlines

                parts.append(f'<span class="fn-p">{_esc(plain_text(list(walk_inlines([block]))))}</span>')
        return f'<span class="footnote">{"".join(parts)}</span>'

    # --- math -----------------------------------------------------------------------

    def math(self, tex: str, display: bool, node: dict | None = None) -> str:
        """`tex` is the formula with its macros expanded (`book_math`); `node` its Math
        element, which says where it is written and what reading it found wrong."""
        source = tex.strip()
        kind = "display" if display else "inline"
        if math_errors.found_problem(node):
            result = None
        else:
            result = mathrender.render_svg(source, display, cache=self.math_cache)
        if result is None or not result.ok:
            self.diagnostics.append(math_errors.diagnostic(node, self.note, result.error if result else "", source))
            written = math_errors.source_of(node, source)
            return f'<span class="math-error {kind}"><span class="math-error-label">{math_errors.LABEL}</span> <code>{_esc(written)}</code></span>'
        style = f"width:{result.width_em:.3f}em;height:{result.height_em:.3f}em;vertical-align:{-result.baseline_em:.3f}em"
        label = _attr(mathrender.tex_to_unicode(source))
        if self.options.url_base is None and math_stamp.can_stamp(result.svg):
            # For the PDF: an empty box now, the outlines drawn in after layout (math_stamp).
            key = content_key(result.svg)[:24]
            self.math_svgs[key] = result.svg
            return f'<span class="math {kind}">{math_stamp.slot_html(key, style, label)}</span>'
        # An <img> with a data: URI rather than inline <svg>: WeasyPrint parses it once
        # per distinct formula with ElementTree instead of running every glyph's <path>
        # through its HTML parser and style cascade (about a tenth of a chapter's time).
        uri = "data:image/svg+xml;base64," + base64.b64encode(result.svg.strip().encode("utf-8")).decode("ascii")
        return f'<span class="math {kind}"><img class="math-svg" alt="{label}" style="{style}" src="{uri}"></span>'
