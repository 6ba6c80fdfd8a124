"""Inline content of a chapter: text, emphasis, code, links, footnotes, raw HTML through
the allow-list, index terms, and (through the classes below) pictures and formulas."""

from __future__ import annotations

from typing import Any

from notebook_publish.handbook.html.ids import heading_anchor
from notebook_publish.handbook.html.images import ImageWriter
from notebook_publish.handbook.html.index_terms import TermUse, term_key, term_of
from notebook_publish.handbook.html.markup import esc, esc_attr, known_classes, label_text
from notebook_publish.handbook.html.math import MathWriter
from notebook_publish.normalize.resolve import NOTE_SUFFIXES, is_external, split_link
from notebook_publish.pandoc.ast import code_text, para_inlines, walk_inlines
from notebook_publish.policy import is_safe_link
from notebook_publish.rawhtml import RawHtmlFilter

# Inlines whose element takes the space before them inside (see _inlines): none of them
# draws a background or an underline that would show the space.
_TAKES_LEADING_SPACE = frozenset({"Strong", "Emph", "Math"})


def _after_space(element: str, items: list[dict[str, Any]], position: int) -> str:
    """`element` with the space that preceded it in `items` moved inside its first tag."""
    if position == 0 or items[position - 1].get("t") not in ("Space", "SoftBreak"):
        return element
    opened = element.index(">") + 1
    return element[:opened] + " " + element[opened:]


class InlineWriter(ImageWriter, MathWriter):
    def inlines(self, items: list[dict[str, Any]]) -> str:
        filt = RawHtmlFilter(image=self._raw_image)
        out = self._inlines(items, filt) + filt.close_all()
        self._report_dropped(filt)
        return out

    def _inlines(self, items: list[dict[str, Any]], filt: RawHtmlFilter) -> str:
        out: list[str] = []
        for position, item in enumerate(items):
            c: Any
            t, c = item.get("t"), item.get("c")
            if filt.suppressing and t != "RawInline":
                continue
            if t == "Str":
                out.append(esc(c))
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
                out.append(f"<code>{esc(c[1])}</code>")
            elif t == "Math":
                out.append(_after_space(self.math(c[1], c[0]["t"] == "DisplayMath", item), items, position))
            elif t == "RawInline":
                if c[0].lower() == "html":
                    out.append(filt.feed(c[1]))
            elif t == "Link":
                out.append(self.link(c, filt))
            elif t == "Image":
                attr, alt, (target, _title) = c
                out.append(self.image(attr, label_text(alt), target, block=False))
            elif t == "Note":
                out.append(self.footnote(c))
            elif t == "Span":
                (ident, classes, _kv), content = c
                cls = known_classes(classes)
                cls_attr = f' class="{esc_attr(" ".join(cls))}"' if cls else ""
                id_attr = f' id="{esc_attr(heading_anchor(self.prefix, ident))}"' if ident else ""
                tag = "mark" if "mark" in cls else "span"  # `==text==`, `<mark>` in HTML
                out.append(f"<{tag}{id_attr}{cls_attr}>{self._inlines(content, filt)}</{tag}>")
        return "".join(out)

    def strong(self, content: list[dict[str, Any]], filt: RawHtmlFilter) -> str:
        inner = self._inlines(content, filt)
        term = term_of(label_text(content), self.options.index_max_words)
        if term is None:
            return f"<strong>{inner}</strong>"
        anchor = self._new_anchor("ix")
        self.terms.append(TermUse(term_key(term), term, anchor))
        return f'<strong id="{anchor}">{inner}</strong>'

    def link(self, c: list[Any], filt: RawHtmlFilter) -> str:
        attr, content, (url, _title) = c
        inner = self._inlines(content, filt)
        if "broken-link" in attr[1]:
            return f'<span class="broken-link">{inner}<span class="link-marker"> (missing page)</span></span>'
        if is_external(url):
            if is_safe_link(url):
                return f'<a class="external" href="{esc_attr(url)}">{inner}</a>'
            return f'<span class="plain-link">{inner}</span>'
        path, anchor = split_link(url)
        rel = self.note.rel
        if path:
            if not path.lower().endswith(NOTE_SUFFIXES):
                return f'<span class="plain-link">{inner}</span>'
            try:
                target = (
                    (self.note.path.parent / path).resolve().relative_to(self.options.notes_dir.resolve()).as_posix()
                )
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
        return f'<a class="internal" href="#{esc_attr(href)}">{inner}</a>'

    def footnote(self, blocks: list[dict[str, Any]]) -> str:
        parts = []
        for block in blocks:
            if block.get("t") in ("Para", "Plain"):
                parts.append(f'<span class="fn-p">{self.inlines(para_inlines(block))}</span>')
            elif block.get("t") == "CodeBlock":
                parts.append(f'<code class="fn-p">{esc(code_text(block))}</code>')
            else:
                parts.append(f'<span class="fn-p">{esc(label_text(list(walk_inlines([block]))))}</span>')
        return f'<span class="footnote">{"".join(parts)}</span>'

    def _term_anchors(self, inlines: list[dict[str, Any]]) -> str:
        """Invisible anchors for the config's extra index terms found in this paragraph."""
        if not self.extra_terms:
            return ""
        text = term_key(label_text(inlines))
        out = []
        for key, term, pattern in self.extra_terms:
            if pattern.search(text):
                anchor = self._new_anchor("ix")
                self.terms.append(TermUse(key, term, anchor))
                out.append(f'<span class="anchor" id="{anchor}"></span>')
        return "".join(out)
