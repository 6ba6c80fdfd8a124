"""Nothing raw in silence: report what is left of another tool's syntax.

The last fixer. Whatever the earlier ones did not rewrite (a flavour turned off in
`flavour:`, a construct they do not know, a typo) reaches pandoc as text and would be
printed as typed: `[[Note]]`, `{% include … %}`, `!!! note`. Each one left is reported
as `unsupported-syntax` at its line and column, naming the tool it comes from; the
text is not changed. Code blocks, inline code, math, link destinations, URLs, raw HTML
tags and comments, and the front matter are not looked at, and neither is anything
pandoc reads itself (a GitHub alert `> [!NOTE]`, a `::: name` div).

Most notes hold none of the trigger characters, and are passed over after one search.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.normalize.liquid import GITBOOK_TAGS
from notebook_publish.normalize.skipped import CODE_AND_MATH, blank
from notebook_publish.normalize.triggers import any_of

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

CODE = "unsupported-syntax"

# Asked through `triggers`: the other fixers have asked about most of these already.
_NEEDLES = ("[[", "[!", "{%", "{{", "{:", "!!!", "???", ":::", "%%", "==", "8<-")
# Not prose: code and math (as everywhere), and link destinations, autolinks, raw
# HTML tags and comments, bare URLs, which pandoc does not print as text either.
_PROTECTED = re.compile(
    CODE_AND_MATH.pattern
    + r"""|\]\([^)\n]*\)|<[a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*>|<!--.*?-->|</?[a-zA-Z][^>\n]*>|https?://[^\s)>\]]+"""
)

_EMBED = re.compile(r"!\[\[[^\[\]\n]+\]\]")
_WIKILINK = re.compile(r"(?<!!)\[\[[^\[\]\n]+\]\](?!\()")
_CALLOUT = re.compile(r"^[ \t]*(?:>[ \t]*)+(?P<mark>\[!(?P<type>[\w-]+)\][+-]?)(?P<rest>.*)$", re.M)
_GITHUB_ALERTS = frozenset({"note", "tip", "important", "warning", "caution"})
_TAG = re.compile(r"\{%-?\s*(?P<name>[\w-]*)")
_OUTPUT = re.compile(r"\{\{+")
_IAL = re.compile(r"\{:[^{}\n]*\}?")
_ADMONITION = re.compile(r"^[ \t]*(?P<mark>!!!|\?\?\?\+?)(?=[ \t]|$)", re.M)
_DIV_OPEN = re.compile(r"^[ \t]*:{3,}[ \t]*(?:\{[^{}\n]*\}|[^\s{}:][^\s{}]*)[ \t]*$")
_DIV_CLOSE = re.compile(r"^[ \t]*:{3,}[ \t]*$")
_COLONS = re.compile(r"^[ \t]*:{3,}")
_HIGHLIGHT = re.compile(r"(?<![=\w\\])==(?=[^\s=])[^=\n]*?(?<=[^\s=])==(?!=)")
_BLOCK_ID = re.compile(r"\^[A-Za-z0-9-]+[ \t]*$", re.M)  # and at a line's start or after a space
_SNIPPET = re.compile(r"-{1,2}8<-{1,2}")

_FLAVOUR = "read the notes with that flavour (`flavour:` in handbook.yml)"
_WHAT = {
    "embed": ("an Obsidian embed", f"write it as an image `![](file.png)` or a link, or {_FLAVOUR}: obsidian"),
    "wikilink": ("an Obsidian wiki link", f"write it as a Markdown link `[text](note.md)`, or {_FLAVOUR}: obsidian"),
    "callout": (
        "an Obsidian callout",
        f"only GitHub's five alerts alone on their line (`> [!NOTE]`) are read as such; {_FLAVOUR}: obsidian",
    ),
    "liquid": ("a Liquid tag (Jekyll)", f"write out what it stands for, or {_FLAVOUR}: jekyll"),
    "gitbook": ("a GitBook block", f"{_FLAVOUR}: gitbook"),
    "output": (
        "a template expression (Jekyll's Liquid, MkDocs macros, VitePress)",
        "write out the value it stands for",
    ),
    "ial": ("a kramdown attribute list (Jekyll)", f"delete it, or {_FLAVOUR}: jekyll"),
    "admonition": ("an MkDocs admonition", f"make it a block quote, or {_FLAVOUR}: mkdocs"),
    "container": (
        "a container (VitePress, Docusaurus) that pandoc does not read as a div",
        f"pandoc reads `::: name` (one word) … `:::`; or {_FLAVOUR}: vitepress",
    ),
    "comment": ("an Obsidian comment", f"delete it, or {_FLAVOUR}: obsidian"),
    "highlight": ("a highlight (Obsidian, MkDocs)", f"write `<mark>text</mark>`, or {_FLAVOUR}: obsidian or mkdocs"),
    "block-id": ("an Obsidian block id", f"delete it, or {_FLAVOUR}: obsidian"),
    "snippet": ("an MkDocs snippet include (pymdownx.snippets)", f"paste the file's text in, or {_FLAVOUR}: mkdocs"),
}


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    # With Obsidian read, its fixer has turned every block id outside code and math into
    # an anchor: the costly search for `^id` (a `^` is in most formulas) is skipped.
    ids = not ctx.uses("obsidian")
    if not _triggered(text, ids):
        return text, []
    scan = blank(text, _PROTECTED)
    if not _triggered(scan, ids):
        return text, []
    found: list[tuple[int, str, str]] = []  # (offset, construct, the text)
    for m in _EMBED.finditer(scan):
        found.append((m.start(), "embed", m.group(0)))
    for m in _WIKILINK.finditer(scan):
        found.append((m.start(), "wikilink", m.group(0)))
    for m in _CALLOUT.finditer(scan):
        if not (
            m.group("type").lower() in _GITHUB_ALERTS and m.group("mark").endswith("]") and not m.group("rest").strip()
        ):
            found.append((m.start("mark"), "callout", m.group("mark")))
    for m in _TAG.finditer(scan):
        end = scan.find("%}", m.end(), m.end() + 200)
        shown = scan[m.start() : end + 2] if end >= 0 and "\n" not in scan[m.start() : end] else m.group(0) + "…"
        found.append((m.start(), "gitbook" if m.group("name").lower() in GITBOOK_TAGS else "liquid", shown))
    for m in _OUTPUT.finditer(scan):
        end = scan.find("}}", m.end(), m.end() + 200)
        shown = scan[m.start() : end + 2] if end >= 0 and "\n" not in scan[m.start() : end] else m.group(0) + "…"
        found.append((m.start(), "output", shown))
    for m in _IAL.finditer(scan):
        found.append((m.start(), "ial", m.group(0)))
    for m in _ADMONITION.finditer(scan):
        found.append((m.start("mark"), "admonition", scan[m.start("mark") : _line_end(scan, m.start())]))
    if ":::" in scan:
        found += _containers(scan)
    if "%%" in scan:
        found += _comments(scan)
    for m in _HIGHLIGHT.finditer(scan):
        found.append((m.start(), "highlight", m.group(0)))
    for m in _block_ids(scan) if ids else ():
        found.append((m.start(), "block-id", m.group(0).strip()))
    if not ctx.uses("mkdocs"):  # with it, the snippets fixer reports what it leaves
        for m in _SNIPPET.finditer(scan):
            if scan[m.start() - 1 : m.start()] != ";":  # `;--8<--` is pymdownx's escape
                found.append((m.start(), "snippet", m.group(0)))
    if not found:
        return text, []
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    diagnostics = []
    line = 0
    for offset, construct, shown in sorted(found):
        while line + 1 < len(starts) and starts[line + 1] <= offset:
            line += 1
        what, hint = _WHAT[construct]
        diagnostics.append(
            warning(
                ctx.path,
                line + 1,
                CODE,
                f"`{_short(shown.strip())}` is {what}; it prints as typed",
                hint,
                offset - starts[line] + 1,
            )
        )
    return text, diagnostics


def _triggered(text: str, ids: bool = True) -> bool:
    """Whether any trigger occurs: one search for the two-character starts (the regex
    engine skips to their first characters), then, if there is a `^` (common in math),
    one for a block id."""
    return any_of(text, _NEEDLES) or (ids and "^" in text and any(True for _ in _block_ids(text)))


def _block_ids(text: str) -> Iterator[re.Match[str]]:
    for m in _BLOCK_ID.finditer(text):
        if m.start() == 0 or text[m.start() - 1] in " \t\n":
            yield m


def _containers(scan: str) -> list[tuple[int, str, str]]:
    """`:::` lines pandoc does not take as a div: an opening line it cannot read, or
    a closing one with no div open (not counted again when it closes a reported opener)."""
    out = []
    open_divs = unread = 0
    offset = 0
    for line in scan.split("\n"):
        if _COLONS.match(line):
            start = offset + len(line) - len(line.lstrip())
            if _DIV_CLOSE.match(line):
                if open_divs:
                    open_divs -= 1
                elif unread:
                    unread -= 1
                else:
                    out.append((start, "container", line.strip()))
            elif _DIV_OPEN.match(line):
                open_divs += 1
            else:
                unread += 1
                out.append((start, "container", line.strip()))
        offset += len(line) + 1
    return out


def _comments(scan: str) -> list[tuple[int, str, str]]:
    """One report per `%%` comment, on one line or over several: markers pair up in
    order, and an unpaired last one opens a comment to the end of the note."""
    markers = [m.start() for m in re.finditer("%%", scan)]
    out = []
    for k in range(0, len(markers), 2):
        start = markers[k]
        end = markers[k + 1] + 2 if k + 1 < len(markers) else -1
        shown = scan[start:end] if end > 0 and "\n" not in scan[start:end] else "%%…"
        out.append((start, "comment", shown))
    return out


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
