"""kramdown's attribute lists, the other half of Jekyll's Markdown.

kramdown (Jekyll's Markdown) attaches attributes with `{: .class #id key="v"}`: on a
line of its own after (or before) a block, or straight after an inline element. pandoc
prints them as text. Where pandoc's reader can carry the attributes they become
pandoc's own: on a heading (`## Title {#id .class}`, so links to a custom id keep
working) and on an image (`![a](x.png){.center width="50%"}`). Everywhere else they are
dropped, styling the book does not have. Also:

- attribute list definitions (`{:name: .class}`) are dropped;
- `* TOC` followed by `{:toc}` (kramdown's table of contents) is dropped: the book has
  its own contents;
- extensions: `{::comment}` … `{:/comment}` is dropped with what it holds,
  `{::nomarkdown}`, `{::options … /}` and other extension tags lose the tags only.

Code, inline code, math and the front matter are never touched; every line is kept.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, info
from notebook_publish.normalize.linkscan import IMAGE
from notebook_publish.normalize.skipped import Positions, blank
from notebook_publish.normalize.triggers import has

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

REWRITTEN = "jekyll-syntax"

_IAL = re.compile(
    r"""\{:(?![:/])[ \t]*(?P<body>(?:[.#][^\s{}"'=]+|[\w-]+[ \t]*=[ \t]*(?:"[^"\n]*"|'[^'\n]*'|[^\s{}"']+)|[\w-]+|[ \t]+)*)\}"""
)
_ALD_LINE = re.compile(r"^[ \t]*\{:[\w-]+:[^\n]*\}[ \t]*$")
_EXTENSION = re.compile(r"\{::(?P<name>\w+)(?P<args>[^{}\n]*?)(?P<closed>/)?\}|\{:/(?P<end>\w*)\}")
_TOKEN = re.compile(r"""[.#][^\s{}"'=]+|(?P<key>[\w-]+)[ \t]*=[ \t]*(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s{}"']+)|[\w-]+""")
_QUOTE_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)*")
_ATX = re.compile(r"^(?P<head>[ \t]{0,3}#{1,6}(?:[ \t]+.*?)?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^[ \t]{0,3}(?:=+|-+)[ \t]*$")
_TOC_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\S")
_ATTRIBUTES_AT_END = re.compile(r"\{[^{}\n]*\}[ \t]*$")


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    if not ctx.uses("jekyll") or not has(text, "{:"):
        return text, []
    scan = blank(text)
    if "{:" not in scan:
        return text, []
    diagnostics: list[Diagnostic] = []
    if "{::" in scan or "{:/" in scan:
        text = _extensions(text, scan, ctx, diagnostics)
        scan = blank(text)
    lines, scanned = text.split("\n"), scan.split("\n")
    for i, line in enumerate(scanned):
        if "{:" not in line:
            continue
        quoted = _QUOTE_PREFIX.match(line)
        assert quoted is not None  # the prefix may be empty: it always matches
        message = _block(lines, scanned, i) if _IAL.fullmatch(line[quoted.end() :].strip()) else None
        if message is None and _ALD_LINE.match(line):
            lines[i], message = "", "kramdown attribute list definition dropped"
        if message is None:
            message = _spans(lines, line, i)
        if message:
            diagnostics.append(
                info(
                    ctx.path,
                    i + 1,
                    REWRITTEN,
                    message,
                    "kramdown attribute lists style the Jekyll site; pandoc reads them only on headings and images",
                )
            )
    return "\n".join(lines), diagnostics


def _block(lines: list[str], scanned: list[str], i: int) -> str | None:
    """A line holding only an attribute list: give it to its heading or image, or drop it."""
    line = lines[i]
    quoted = _QUOTE_PREFIX.match(line)
    assert quoted is not None  # the prefix may be empty: it always matches
    prefix = quoted.group(0)
    ial = _IAL.search(line, len(prefix))
    assert ial is not None  # the caller found the line to be an attribute list
    body = ial.group("body")
    attrs = _pandoc_attributes(body)
    lines[i] = prefix.rstrip()
    if body.split() == ["toc"]:
        if i > 0 and _TOC_ITEM.match(lines[i - 1]) and scanned[i - 1].strip():
            lines[i - 1] = ""
        return "kramdown table of contents dropped: the book has its own"
    if attrs:
        # The list belongs to the block it follows; after a blank line, to the next one.
        if i > 0 and scanned[i - 1].strip():
            if i >= 2 and _SETEXT.match(lines[i - 1]) and scanned[i - 2].strip():
                if _give(lines, i - 2, attrs, setext=True):
                    return f"kramdown attributes `{_short(ial.group(0))}` moved onto the heading"
            elif given := _give(lines, i - 1, attrs):
                return f"kramdown attributes `{_short(ial.group(0))}` moved onto the {given} above"
        elif i + 1 < len(lines) and scanned[i + 1].strip() and (given := _give(lines, i + 1, attrs)):
            return f"kramdown attributes `{_short(ial.group(0))}` moved onto the {given} below"
    return f"kramdown attribute list `{_short(ial.group(0))}` dropped"


def _give(lines: list[str], target: int, attrs: str, setext: bool = False) -> str:
    """Attach pandoc attributes to a heading or a lone image on line `target`; say which
    ("" if neither)."""
    line = lines[target]
    heading = _ATX.match(line)
    if (heading or setext) and not _ATTRIBUTES_AT_END.search(line):
        head = heading.group("head") if heading else line.rstrip()
        lines[target] = f"{head} {attrs}"
        return "heading"
    if setext:
        return ""
    indent = line[: len(line) - len(line.lstrip())]
    image = IMAGE.fullmatch(line.strip())
    if image is not None:
        lines[target] = indent + _with_attributes(image, attrs)
        return "image"
    return ""


def _with_attributes(image: re.Match[str], attrs: str) -> str:
    whole, existing = image.group(0), image.group("attrs")
    if existing:
        return whole[: -len(existing)] + existing[:-1].rstrip() + " " + attrs[1:]
    return whole + attrs


def _spans(lines: list[str], scanned_line: str, i: int) -> str | None:
    """Attribute lists after inline elements: onto an image or a heading, else dropped."""
    line = lines[i]
    out, last, moved, dropped = [], 0, 0, 0
    for m in _IAL.finditer(scanned_line):
        before = line[last : m.start()]
        attrs = _pandoc_attributes(m.group("body"))
        image = next(
            (im for im in IMAGE.finditer(line[: m.start()]) if im.end() == m.start() and not im.group("attrs")), None
        )
        at_heading_end = (
            _ATX.match(line) and not line[m.end() :].strip() and not _ATTRIBUTES_AT_END.search(line[: m.start()])
        )
        if attrs and (image is not None or at_heading_end):
            out.append(before.rstrip() + " " + attrs if at_heading_end and image is None else before + attrs)
            moved += 1
        else:
            out.append(before.rstrip() if not line[m.end() :].strip() else before)
            dropped += 1
        last = m.end()
    if not moved and not dropped:
        return None
    out.append(line[last:])
    lines[i] = "".join(out)
    return (
        "kramdown attributes became pandoc's"
        if moved and not dropped
        else "kramdown attribute list dropped"
        if not moved
        else "kramdown attributes kept where pandoc reads them, dropped elsewhere"
    )


def _pandoc_attributes(body: str) -> str:
    """`.a #b key="v"` (kramdown) as `{#b .a key="v"}`; references to definitions dropped."""
    ident, classes, pairs = "", [], []
    for token in _TOKEN.finditer(body):
        text = token.group(0)
        if text[0] == "#" and not ident and re.fullmatch(r"#[\w:.-]+", text):
            ident = text
        elif text[0] == "." and re.fullmatch(r"\.[\w-]+", text):
            classes.append(text)
        elif token.group("key"):
            value = token.group("value")
            value = value[1:-1] if value[:1] in ("'", '"') else value
            if '"' not in value and "\\" not in value:
                pairs.append(f'{token.group("key")}="{value}"')
    parts = ([ident] if ident else []) + classes + pairs
    return "{" + " ".join(parts) + "}" if parts else ""


def _extensions(text: str, scan: str, ctx: NoteContext, diagnostics: list[Diagnostic]) -> str:
    where = Positions(text)
    edits: list[tuple[int, int]] = []
    pos = 0
    while True:
        m = _EXTENSION.search(scan, pos)
        if m is None:
            break
        end = m.end()
        if m.group("name") == "comment" and not m.group("closed"):
            closing = re.compile(r"\{:/(?:comment)?\}").search(scan, end)
            end = closing.end() if closing else end
            what = "kramdown comment dropped"
        else:
            what = f"kramdown extension `{_short(m.group(0))}` dropped"
        edits.append((m.start(), end))
        line, col = where(m.start())
        diagnostics.append(info(ctx.path, line, REWRITTEN, what, "", col))
        pos = end
    out, last = [], 0
    for start, end in edits:
        out.append(text[last:start])
        out.append("\n" * text.count("\n", start, end))
        last = end
    out.append(text[last:])
    return "".join(out)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
