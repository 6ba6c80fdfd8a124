"""Jekyll's Liquid tags, read for what they mean on the page.

Jekyll runs Liquid over a post before kramdown sees it; exported as they are, the tags
print as `{% include figure.html … %}`. Here:

- an include or Tufte tag that names a picture (`{% include figure.html
  url="/assets/x.png" caption="…" %}`, `{% marginfigure 'id' 'assets/x.png' 'caption' %}`)
  becomes that image, `![caption](path)`, which the images fixer then resolves like any
  other (the caption becomes the figure's caption);
- side and margin notes (`{% sidenote 'id' 'text' %}`, `{% include marginnote.html
  note="…" %}`) become footnotes (`[text]{.inline-note}`, made a Note after parsing);
  `newthought` becomes small capitals, other includes that carry text keep it;
- `{% highlight lang %}` … `{% endhighlight %}` becomes a fenced code block;
- `{% raw %}` … `{% endraw %}` keeps its content as typed (its braces escaped, so no
  later pass reads them as Liquid), `{% comment %}` … `{% endcomment %}` is dropped;
- `{% link path %}` and `{% post_url name %}` in a link's destination become the path
  of the note they name, and `{{ site.baseurl }}`-like prefixes and
  `{{ "/x.png" | relative_url }}` in a path become the path, silently;
- every other tag or `{{ … }}` is removed with an `unsupported-syntax` warning at its
  line and column, its text (between `{% if %}` and `{% endif %}`, say) kept.

GitBook writes its blocks as Liquid-like tags too (`{% hint %}`, `{% tabs %}`); those
are left to the GitBook fixer. Code, inline code, math and the front matter are never
touched. Each rewrite keeps the number of lines.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, info, warning
from notebook_publish.normalize.linkscan import IMAGE
from notebook_publish.normalize.resolve import IMAGE_SUFFIXES
from notebook_publish.normalize.skipped import Positions, blank
from notebook_publish.normalize.triggers import any_of
from notebook_publish.pandoc.ast import INLINE_NOTE_CLASS

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

UNSUPPORTED = "unsupported-syntax"
REWRITTEN = "jekyll-syntax"

# GitBook's own blocks, which its fixer reads; Liquid leaves them alone.
GITBOOK_TAGS = frozenset(
    """hint endhint tabs endtabs tab endtab code endcode embed content-ref endcontent-ref file
    swagger endswagger swagger-description endswagger-description swagger-parameter
    endswagger-parameter swagger-response endswagger-response openapi endopenapi stepper
    endstepper step endstep columns endcolumns column endcolumn""".split()
)
# Includes and tags that draw a picture, by name (`figure.html` -> figure).
PICTURE_NAMES = frozenset(
    """figure image img picture photo marginfigure margin_figure maincolumn maincolumn_img
    main_column_img fullwidth fullwidth_img full_width_img figure_img responsive_image
    responsive-image image_caption captioned_image""".split()
)
SIDE_NOTE_NAMES = frozenset("sidenote side_note side-note marginnote margin_note margin-note".split())
_PATH_PARAMS = (
    "src",
    "url",
    "file",
    "path",
    "image",
    "image_path",
    "image-path",
    "img",
    "image_url",
    "filename",
    "source",
)
_CAPTION_PARAMS = ("caption", "description", "desc", "alt", "title")
_TEXT_PARAMS = ("note", "text", "content", "body", "quote", "message")

_OPENER = re.compile(r"\{[%{]")
_TAG_BODY = re.compile(r"^\{%-?\s*(?P<name>[\w-]+)?\s*(?P<args>.*?)\s*-?%\}$", re.S)
_OUTPUT_BODY = re.compile(r"^\{\{-?\s*(?P<expr>.*?)\s*-?\}\}$", re.S)
_ARG = re.compile(
    # A quoted value may hold `{{ "/x" | relative_url }}`, quotes and all.
    r"""\s*(?:(?P<key>[\w-]+)\s*[=:]\s*)?(?P<value>"(?:\{\{.*?\}\}|[^"\\]|\\.)*"|'(?:\{\{.*?\}\}|[^'\\]|\\.)*'|\{\{.*?\}\}|[^\s"'=,]+)\s*,?""",
    re.S,
)
# Site-wide URL prefixes: meaningless in the book, dropped from the path they begin.
_PATH_VARIABLE = re.compile(
    r"^(?:site\.(?:baseurl|url|base_?path|github\.url|url\s*\|\s*append:\s*site\.baseurl)|base_?path|page\.base_?path)$"
)
# `"/assets/x.png" | relative_url` and the like: the path itself.
_LITERAL_URL = re.compile(
    r"""^(?P<q>["'])(?P<path>[^"']*)(?P=q)\s*(?:\|\s*(?:relative_url|absolute_url|uri_escape|url_encode|prepend:\s*site\.\w+)\s*)*$"""
)
_INLINE_PATH_VARIABLE = re.compile(
    r"""\{\{-?\s*(?:site\.(?:baseurl|url|base_?path|github\.url)|base_?path|page\.base_?path)\s*-?\}\}"""
    r"""|\{\{-?\s*(?P<q>["'])(?P<path>[^"'{}]*)(?P=q)\s*(?:\|\s*(?:relative_url|absolute_url|prepend:\s*site\.\w+)\s*)+-?\}\}"""
)
# Just before a link destination or a URL attribute (after any prefixes already dropped).
_BEFORE_DESTINATION = re.compile(r"""(?:\]\(\s*<?|\b(?:href|src)\s*=\s*["']?)(?:\{\{[^{}\n]*\}\})*$""")
_END_TAG = {"raw": "endraw", "comment": "endcomment", "highlight": "endhighlight"}
_MAX_TAG_LINES = 12
_MAX_TAG_CHARS = 4000


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    if not ctx.uses("jekyll") or not any_of(text, ("{%", "{{")):
        return text, []
    scan = blank(text)
    if "{%" not in scan and "{{" not in scan:
        return text, []
    return _Rewriter(text, scan, ctx).run()


class _Rewriter:
    def __init__(self, text: str, scan: str, ctx: NoteContext) -> None:
        self.text, self.scan, self.ctx = text, scan, ctx
        self.edits: list[tuple[int, int, str]] = []
        self.diagnostics: list[Diagnostic] = []
        self.where = Positions(text)
        self.gitbook = ctx.uses("gitbook")

    def run(self) -> tuple[str, list[Diagnostic]]:
        scan, pos = self.scan, 0
        while True:
            m = _OPENER.search(scan, pos)
            if m is None:
                break
            start = m.start()
            close = "%}" if m.group(0) == "{%" else "}}"
            end = scan.find(close, start + 2)
            if end < 0 or end - start > _MAX_TAG_CHARS or scan.count("\n", start, end) > _MAX_TAG_LINES:
                pos = start + 2  # unclosed: the leftover pass reports it
                continue
            end += 2
            if close == "}}":
                self.output(start, end)
                pos = end
            else:
                pos = self.tag(start, end)
        if not self.edits:
            return self.text, self.diagnostics
        out, last = [], 0
        for s, e, new in sorted(self.edits):
            out.append(self.text[last:s])
            out.append(_same_lines(self.text[s:e], new))
            last = e
        out.append(self.text[last:])
        return "".join(out), self.diagnostics

    # --- diagnostics ---------------------------------------------------------------

    def warn(self, start: int, message: str, hint: str) -> None:
        line, col = self.where(start)
        self.diagnostics.append(warning(self.ctx.path, line, UNSUPPORTED, message, hint, col))

    def note(self, start: int, message: str, hint: str = "") -> None:
        line, col = self.where(start)
        self.diagnostics.append(info(self.ctx.path, line, REWRITTEN, message, hint, col))

    def remove(self, start: int, end: int, kind: str) -> None:
        self.edits.append((start, end, ""))
        self.warn(
            start,
            f"Liquid {kind} `{_short(self.text[start:end])}` removed",
            "the site's generator (Jekyll, VitePress, MkDocs macros) fills it in, notebook-publish does not: write out its value"
            if kind == "output"
            else "Jekyll runs it when it builds the site, notebook-publish does not: write out what it stands for",
        )

    # --- {{ … }} ---------------------------------------------------------------------

    def output(self, start: int, end: int) -> None:
        body = _OUTPUT_BODY.match(self.text[start:end])
        assert body is not None  # the caller found `{{` … `}}` here
        expr = body.group("expr").strip()
        literal = _LITERAL_URL.match(expr)
        if literal:
            self.edits.append((start, end, literal.group("path")))
            return
        if _PATH_VARIABLE.match(expr) and (
            self.text[end : end + 1] in ("/", "{") or _BEFORE_DESTINATION.search(self.text, max(0, start - 300), start)
        ):
            self.edits.append((start, end, ""))
            return
        self.remove(start, end, "output")

    # --- {% … %} ---------------------------------------------------------------------

    def tag(self, start: int, end: int) -> int:
        """Handle the tag at [start, end); return where scanning goes on."""
        body = _TAG_BODY.match(self.text[start:end])
        name = (body.group("name") or "").lower().rstrip("-") if body else ""
        args = body.group("args") if body else ""
        if not name and args.startswith("#"):  # `{% # a comment %}`
            self.edits.append((start, end, ""))
            return end
        if self.gitbook and name in GITBOOK_TAGS:
            return end
        if name in _END_TAG:
            return self.block(name, args, start, end)
        if name in ("link", "post_url"):
            if _BEFORE_DESTINATION.search(self.text, max(0, start - 300), start):
                self.edits.append((start, end, _linked_path(name, args)))
            else:
                self.remove(start, end, "tag")
            return end
        if name in ("include", "include_relative", "include_cached"):
            self.include(args, start, end)
            return end
        if name in PICTURE_NAMES or name in SIDE_NOTE_NAMES or name in ("newthought", "epigraph"):
            self.tufte(name, args, start, end)
            return end
        self.remove(start, end, "tag")
        return end

    def block(self, name: str, args: str, start: int, end: int) -> int:
        closing = re.compile(r"\{%-?\s*" + _END_TAG[name] + r"\s*-?%\}")
        # The end of a highlight block is looked for in the note itself: what it holds
        # is code, which may open a fence that the blanked copy would hide it in.
        found = closing.search(self.text if name == "highlight" else self.scan, end)
        if name == "highlight":
            return self.highlight(args, start, end, found)
        if found is None:
            self.remove(start, end, "tag")
            return end
        if name == "comment":
            self.edits.append((start, found.end(), ""))
            self.note(start, "Liquid comment dropped")
            return found.end()
        # raw: the content as typed. Its `{{` and `{%` are escaped (`\{\{`, `\{\%`: pandoc
        # prints them as typed) so that neither this pass, run again, nor the leftover
        # pass reads them as Liquid; code is left alone.
        self.edits.append((start, end, ""))
        for brace in re.finditer(r"\{{2,}%?|\{%", self.scan[end : found.start()]):
            self.edits.append((end + brace.start(), end + brace.end(), "\\" + "\\".join(brace.group(0))))
        self.edits.append((found.start(), found.end(), ""))
        return found.end()

    def highlight(self, args: str, start: int, end: int, found: re.Match[str] | None) -> int:
        text = self.text
        line_start = text.rfind("\n", 0, start) + 1
        line_end = _line_end(text, end)
        indent = text[line_start:start]
        alone = not indent.strip() and not text[end:line_end].strip()
        if found is None or not alone:
            self.remove(start, end, "tag")
            return end
        close_start = text.rfind("\n", 0, found.start()) + 1
        if text[close_start : found.start()].strip() or text[found.end() : _line_end(text, found.end())].strip():
            self.remove(start, end, "tag")
            return end
        body = text[line_end:close_start]
        longest = max((len(m.group(1)) for m in re.finditer(r"^[ \t]*(`+)", body, re.M)), default=0)
        fence = "`" * max(3, longest + 1)
        language = args.split()[0] if args.split() else ""
        self.edits.append((start, line_end, fence + re.sub(r"[^\w+#.-]", "", language)))
        self.edits.append((close_start, _line_end(text, found.end()), text[close_start : found.start()] + fence))
        self.note(start, f"Liquid highlight block became a code block{f' in {language}' if language else ''}")
        return found.end()

    def include(self, args: str, start: int, end: int) -> None:
        positional, named = _arguments(args)
        if not positional:
            self.remove(start, end, "include")
            return
        file = positional[0]
        stem = PurePosixPath(file).name.split(".")[0].lower()
        picture = _first(named, _PATH_PARAMS)
        # A path, not a variable (`image=page.header.image` names nothing here).
        if picture is not None and (_is_picture(picture) or (stem in PICTURE_NAMES and "/" in picture)):
            caption = _first(named, _CAPTION_PARAMS) or ""
            self.picture(start, end, picture, caption, f"include `{file}`")
            return
        text = _first(named, _TEXT_PARAMS)
        if text is not None:
            self.words(start, end, stem, text, f"include `{file}`")
            return
        self.remove(start, end, "include")

    def tufte(self, name: str, args: str, start: int, end: int) -> None:
        positional, named = _arguments(args)
        if name in PICTURE_NAMES:
            found = next((i for i, a in enumerate(positional) if _is_picture(a)), None)
            if found is None:
                found = next((i for i, a in enumerate(positional) if "/" in a), None)
            picture = _first(named, _PATH_PARAMS) if found is None else positional[found]
            if picture is not None:
                caption = _first(named, _CAPTION_PARAMS)
                if caption is None and found is not None and found + 1 < len(positional):
                    caption = positional[found + 1]
                self.picture(start, end, picture, caption or "", f"tag `{name}`")
                return
        elif name == "epigraph" and positional:
            quote, *source = positional
            self.edits.append(
                (start, end, _one_line(quote) + (" — " + ", ".join(map(_one_line, source)) if source else ""))
            )
            self.note(start, "Liquid epigraph became text")
            return
        elif positional or _first(named, _TEXT_PARAMS) is not None:
            text = _first(named, _TEXT_PARAMS)
            self.words(start, end, name, positional[-1] if text is None else text, f"tag `{name}`")
            return
        self.remove(start, end, "tag")

    def picture(self, start: int, end: int, path: str, caption: str, what: str) -> None:
        path = _INLINE_PATH_VARIABLE.sub(lambda m: m.group("path") or "", path).strip()
        dest = f"<{path}>" if re.search(r"[\s()<>]", path) else path
        self.edits.append((start, end, f"![{_alt(_one_line(caption))}]({dest})"))
        self.note(start, f"Liquid {what} became the image `{_short(path)}`", "")

    def words(self, start: int, end: int, name: str, text: str, what: str) -> None:
        text = _one_line(text)
        if name in SIDE_NOTE_NAMES:
            self.edits.append((start, end, f"[{_balanced(text)}]{{.{INLINE_NOTE_CLASS}}}"))
            self.note(start, f"Liquid {what} became a footnote")
        elif name == "newthought":
            self.edits.append((start, end, f"[{_balanced(text)}]{{.smallcaps}}"))
            self.note(start, f"Liquid {what} became small capitals")
        else:
            self.edits.append((start, end, text))
            self.note(start, f"Liquid {what} became its text", "its styling is the Jekyll theme's")


def _arguments(args: str) -> tuple[list[str], dict[str, str]]:
    positional: list[str] = []
    named: dict[str, str] = {}
    pos = 0
    while pos < len(args):
        m = _ARG.match(args, pos)
        if m is None or m.end() == pos:
            pos += 1
            continue
        pos = m.end()
        value = m.group("value")
        if value[:1] in ("'", '"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if m.group("key"):
            named.setdefault(m.group("key").lower(), value)
        else:
            positional.append(value)
    return positional, named


def _first(named: dict[str, str], keys: tuple[str, ...]) -> str | None:
    return next((named[k] for k in keys if k in named), None)


def _is_picture(value: str) -> bool:
    path = value.split("?")[0].split("#")[0].rstrip("/").lower()
    return path.endswith(IMAGE_SUFFIXES)


def _linked_path(name: str, args: str) -> str:
    target = (_arguments(args)[0] or [""])[0]
    if name == "link":
        return "/" + target.lstrip("/")  # from the site's root, which is the notes folder
    return target.strip("/")  # post_url: a post's name; the search finds it anywhere


def _alt(caption: str) -> str:
    """A caption as an image's alt text: kept as Markdown where its brackets let it."""
    probe = IMAGE.fullmatch(f"![{caption}](x)")
    return caption if probe is not None else _escape_brackets(caption)


def _balanced(text: str) -> str:
    depth = 0
    for ch in text:
        depth += (ch == "[") - (ch == "]")
        if depth < 0:
            break
    return text if depth == 0 else _escape_brackets(text)


def _escape_brackets(text: str) -> str:
    return re.sub(r"(?<!\\)([\[\]])", r"\\\1", text)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _line_end(text: str, pos: int) -> int:
    end = text.find("\n", pos)
    return len(text) if end < 0 else end


def _same_lines(original: str, new: str) -> str:
    """`new` with as many line breaks as `original` had, so later lines keep their numbers."""
    missing = original.count("\n") - new.count("\n")
    if missing < 0:
        new = new.replace("\n", " ")
        missing = original.count("\n")
    return new + "\n" * missing


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
