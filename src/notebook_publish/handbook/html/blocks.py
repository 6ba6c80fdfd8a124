"""Block content of a chapter: paragraphs, headings (numbered, listed in the contents),
lists with their bullets and task boxes, code, tables, callouts, tabs, figures, and
raw HTML blocks through the allow-list."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from notebook_publish import callouts, pictures
from notebook_publish.handbook.html.ids import heading_anchor
from notebook_publish.handbook.html.inlines import InlineWriter
from notebook_publish.handbook.html.markup import esc, esc_attr, known_classes, label_text
from notebook_publish.handbook.html.writer_base import Heading, WriterOptions
from notebook_publish.notes import Chapter
from notebook_publish.pandoc.ast import (
    Inline,
    attr_id,
    image_attr,
    image_inlines,
    image_target,
    para_inlines,
    span_attr,
    span_inlines,
    str_text,
)
from notebook_publish.rawhtml import RawHtmlFilter

if TYPE_CHECKING:
    from notebook_publish.cache import Cache

# Fenced-div classes shown as callout boxes, like Notion's callouts.
CALLOUT_CLASSES = frozenset({"callout", "note", "tip", "info", "warning", "caution", "important", "aside", "danger"})
_TASK_MARKS = {"☐": False, "☒": True}
MAX_LIST_INDENT = 12


def _lone_image(inlines: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The Image of a paragraph that holds nothing else (it is set as a figure)."""
    lone = [i for i in inlines if i.get("t") not in ("Space", "SoftBreak", "LineBreak")]
    return lone[0] if len(lone) == 1 and lone[0].get("t") == "Image" else None


def _anchor_only(inlines: list[dict[str, Any]]) -> str | None:
    """The id of a paragraph that is nothing but an empty anchor `[]{#id}` (an Obsidian
    `^block-id` on a line of its own), which takes no room on the page."""
    lone = [i for i in inlines if i.get("t") not in ("Space", "SoftBreak", "LineBreak")]
    if len(lone) == 1 and lone[0].get("t") == "Span" and attr_id(span_attr(lone[0])) and not span_inlines(lone[0]):
        return attr_id(span_attr(lone[0]))
    return None


class BlockWriter(InlineWriter):
    def __init__(self, chapter: Chapter, number: int | None, options: WriterOptions, math_cache: Cache | None):
        super().__init__(chapter, number, options, math_cache)
        self.block_filter = RawHtmlFilter(image=self._raw_image)

    def blocks(self, blocks: list[dict[str, Any]]) -> str:
        out: list[str] = []
        for block in blocks:
            if self.block_filter.suppressing and block.get("t") != "RawBlock":
                continue
            out.append(self.block(block))
        return "".join(out)

    def block(self, block: dict[str, Any]) -> str:
        c: Any
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
                return f'<span class="anchor" id="{esc_attr(heading_anchor(self.prefix, anchor))}"></span>'
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
            if "notes" in classes and not self.options.speaker_notes:
                return ""
            classes = known_classes(classes)
            callout_class = ["callout"] if CALLOUT_CLASSES & set(classes) else []
            id_attr = f' id="{esc_attr(heading_anchor(self.prefix, ident))}"' if ident else ""
            cls = " ".join(callout_class + classes)
            return f'<div{id_attr} class="{esc_attr(cls)}">\n{self.blocks(content)}</div>\n'
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
        id_attr = f' id="{esc_attr(heading_anchor(self.prefix, callout.ident))}"' if callout.ident else ""
        return f'<div{id_attr} class="callout callout-{callout.family}{fold}" data-callout="{esc_attr(callout.kind)}">\n{head}{self.blocks(callout.body)}</div>\n'

    def tab_sections(self, t: str, sections: list[tuple[list[dict[str, Any]] | None, list[dict[str, Any]]]]) -> str:
        """A tab of a tab group: its label as a line of its own, then its text."""
        out = []
        for label, rest in sections:
            if label is not None:
                out.append(f'<p class="tab-label">{self.inlines(label)}</p>\n')
            if rest:
                out.append(self.block({"t": t, "c": rest}))
        return "".join(out)

    @contextmanager
    def _nested_list(self) -> Iterator[str]:
        """Lists deeper than MAX_LIST_INDENT levels are not indented further: forty
        indents would leave a column one letter wide."""
        self.state.list_depth += 1
        try:
            yield ' data-flat style="padding-left:0"' if self.state.list_depth > MAX_LIST_INDENT else ""
        finally:
            self.state.list_depth -= 1

    def header(self, level: int, attr: list[Any], content: list[dict[str, Any]]) -> str:
        ident = attr[0]
        depth = max(1, level - self.base_level)
        label = label_text(content)
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
        num_html = f'<span class="secnum">{esc(number)}</span> ' if number else ""
        if in_toc:
            self.headings.append(Heading(anchor, label, number, depth))
        return f'<{tag} id="{esc_attr(anchor)}" class="{classes}">{num_html}{self.inlines(content)}</{tag}>\n'

    def code_block(self, attr: list[Any], code: str) -> str:
        classes = [c for c in attr[1] if c not in ("sourceCode", "numberLines")]
        language = classes[0] if classes else ""
        try:
            lexer = get_lexer_by_name(language) if language else TextLexer()
        except ClassNotFound:
            lexer = TextLexer()
        body = highlight(code, lexer, HtmlFormatter(nowrap=True)).rstrip("\n")
        label = f' data-lang="{esc_attr(language)}"' if language else ""
        pre = f'<pre class="code highlight"{label}><code>{body}</code></pre>\n'
        title = dict(attr[2]).get("title", "").strip()
        return f'<p class="code-title">{esc(title)}</p>\n{pre}' if title else pre

    def bullet_list(self, items: list[list[dict[str, Any]]]) -> str:
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
            rest = para_inlines(first)[1:]
            if rest and rest[0].get("t") == "Space":
                rest = rest[1:]
            first = {"t": first["t"], "c": rest}
            box = '<span class="task-box done">✓</span>' if done else '<span class="task-box"></span>'
            body, _placed = self._item_with_lead([first] + item[1:], box)
            out.append(f'<li class="task{" done" if done else ""}">{body}</li>\n')
        html_list = "".join(out) + "</ul>\n"
        return html_list.replace("<ul>", '<ul class="tasks">', 1) if tasks == len(items) and tasks else html_list

    def _item_with_lead(self, item: list[dict[str, Any]], lead: str) -> tuple[str, bool]:
        """The item's blocks with `lead` at the start of its first line of text, and
        whether there was one (a first block of text that is not a lone picture)."""
        first = item[0] if item else {}
        if (
            first.get("t") not in ("Para", "Plain")
            or _lone_image(para_inlines(first)) is not None
            or self.block_filter.suppressing
        ):
            return self.blocks(item), False
        html_first = self.block(first)
        html_first = "<p>" + lead + html_first[3:] if html_first.startswith("<p>") else lead + html_first
        return html_first + self.blocks(item[1:]), True

    @staticmethod
    def _task_mark(item: list[dict[str, Any]]) -> bool | None:
        if not item or item[0].get("t") not in ("Plain", "Para"):
            return None
        content = para_inlines(item[0])
        if content and content[0].get("t") == "Str" and str_text(content[0]) in _TASK_MARKS:
            return _TASK_MARKS[str_text(content[0])]
        return None

    def table(self, c: list[Any]) -> str:
        _attr_, caption, colspecs, head, bodies, foot = c
        aligns = [
            {"AlignLeft": "left", "AlignRight": "right", "AlignCenter": "center"}.get(spec[0]["t"], "")
            for spec in colspecs
        ]

        def rows(row_list: list[Any], cell_tag: str) -> str:
            out = []
            for _row_attr, cells in row_list:
                parts = []
                col = 0
                for _cell_attr, align, rowspan, colspan, blocks in cells:
                    a = {"AlignLeft": "left", "AlignRight": "right", "AlignCenter": "center"}.get(align["t"], "") or (
                        aligns[col] if col < len(aligns) else ""
                    )
                    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (
                        f' colspan="{colspan}"' if colspan > 1 else ""
                    )
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

    def _cell(self, blocks: list[dict[str, Any]]) -> str:
        if len(blocks) == 1 and blocks[0].get("t") in ("Plain", "Para"):
            return self._term_anchors(para_inlines(blocks[0])) + self.inlines(para_inlines(blocks[0]))
        return self.blocks(blocks)

    def figure(self, image: Inline) -> str:
        attr, alt, target = image_attr(image), image_inlines(image), image_target(image)
        alt_text = label_text(alt)
        inner = self.image(attr, alt_text, target, block=True)
        if pictures.problem_of(attr[1]) or not inner.startswith("<img"):
            return inner
        caption = ""
        if alt_text:
            self.state.figures += 1
            label = f"{self.number}.{self.state.figures}" if self.number is not None else str(self.state.figures)
            caption = f'<figcaption><span class="figure-label">Figure {label}.</span> {self.inlines(alt)}</figcaption>'
        return f'<figure class="image">{inner}{caption}</figure>\n'
