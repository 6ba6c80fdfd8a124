"""Raw HTML from the notes passes only through the allow-list of harmless tags and
attributes in `policy.py`.

Both writers use it: the handbook keeps what it returns, the slides only ask whether
the words in between belong to a dropped element (`suppressing`).

pandoc hands raw HTML over in pieces: a `<span>` as one RawInline, the words inside
as ordinary inlines, the `</span>` as another RawInline. The filter therefore keeps
state across pieces: which allowed tags are open (so stray closing tags cannot break
the page structure) and whether we are inside an element whose content is dropped
along with it (`<script>`, `<iframe>`, ...), so the writer can skip the words pandoc
parsed between its tags.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from notebook_publish.emoji import replace_shortcodes
from notebook_publish.policy import ALLOWED_TAGS, DROP_WITH_CONTENT, VOID_TAGS, allowed_attribute


@dataclass
class Dropped:
    """What the filter removed, for diagnostics: tag names and attribute names."""

    tags: list[str] = field(default_factory=list)
    attrs: list[str] = field(default_factory=list)


class RawHtmlFilter:
    """Feed raw HTML pieces in document order; get back only allowed markup.

    `image` is called for an `<img>` with its `src` and `alt`; it returns the HTML to
    put in its place (a checked image or a placeholder), so the filter itself never
    decides which files may be read.
    """

    def __init__(self, image: Callable[[str, str], str] | None = None):
        self.open: list[str] = []
        self.suppress: list[str] = []  # stack of dropped-with-content elements we are inside
        self.dropped = Dropped()
        self._image = image

    @property
    def suppressing(self) -> bool:
        return bool(self.suppress)

    def feed(self, raw: str) -> str:
        out: list[str] = []
        parser = _Tokens(self, out)
        parser.feed(raw)
        parser.close()
        return "".join(out)

    def close_all(self) -> str:
        """Close every allowed tag still open, so the fragment is well formed."""
        closing = "".join(f"</{tag}>" for tag in reversed(self.open))
        self.open.clear()
        self.suppress.clear()
        return closing

    # --- called by the tokenizer -----------------------------------------------------

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], out: list[str], self_closing: bool) -> None:
        if self.suppress:
            if tag in DROP_WITH_CONTENT and not self_closing:
                self.suppress.append(tag)
            return
        if tag in DROP_WITH_CONTENT:
            self.dropped.tags.append(tag)
            if not self_closing:
                self.suppress.append(tag)
            return
        if tag == "img":
            values = {k: v or "" for k, v in attrs}
            self.dropped.attrs.extend(k for k in values if k.startswith("on"))
            if self._image is not None:
                out.append(self._image(values.get("src", ""), replace_shortcodes(values.get("alt", ""))))
            else:
                self.dropped.tags.append(tag)
            return
        if tag not in ALLOWED_TAGS:
            self.dropped.tags.append(tag)
            return
        kept = []
        for name, value in attrs:
            value = value or ""
            if not allowed_attribute(tag, name, value):
                self.dropped.attrs.append(name)
                continue
            kept.append(f' {name}="{html.escape(value, quote=True)}"')
        if tag == "a" and not any(k.startswith(" href=") for k in kept):
            tag_html = "<span" + "".join(kept) + ">"
            tag = "span"
        else:
            tag_html = f"<{tag}{''.join(kept)}>"
        out.append(tag_html)
        if tag not in VOID_TAGS and not self_closing:
            self.open.append(tag)

    def _end(self, tag: str, out: list[str]) -> None:
        if self.suppress:
            if tag == self.suppress[-1]:
                self.suppress.pop()
            return
        if tag == "a" and "a" not in self.open and "span" in self.open:
            tag = "span"  # an <a> without a safe href was opened as a span
        if tag not in self.open:
            return  # a stray closing tag would close our own markup
        while self.open:
            top = self.open.pop()
            out.append(f"</{top}>")
            if top == tag:
                break

    def _text(self, text: str, out: list[str]) -> None:
        if not self.suppress:
            # pandoc does not read inside HTML blocks, so `:rocket:` there is still a
            # shortcode; outside code it becomes the emoji, as pandoc makes it elsewhere.
            if ":" in text and "code" not in self.open and "pre" not in self.open:
                text = replace_shortcodes(text)
            out.append(html.escape(text, quote=False))


class _Tokens(HTMLParser):
    def __init__(self, owner: RawHtmlFilter, out: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.owner = owner
        self.out = out

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.owner._start(tag.lower(), [(k.lower(), v) for k, v in attrs], self.out, False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.owner._start(tag.lower(), [(k.lower(), v) for k, v in attrs], self.out, True)

    def handle_endtag(self, tag: str) -> None:
        self.owner._end(tag.lower(), self.out)

    def handle_data(self, data: str) -> None:
        self.owner._text(data, self.out)

    # Comments, doctypes and processing instructions are dropped silently.
    def handle_comment(self, data: str) -> None:
        pass

    def handle_decl(self, decl: str) -> None:
        pass

    def handle_pi(self, data: str) -> None:
        pass
