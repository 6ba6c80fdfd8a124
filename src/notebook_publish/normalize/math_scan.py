"""Where the formulas of a paragraph are, as pandoc would pair their delimiters: `$$…$$`,
kramdown's `\\$$…$$`, `\\(…\\)`, `\\[…\\]`, environments, and a `$$` nothing closes.
Code spans and raw HTML come first, as in pandoc's reader. `math_delimiters` rewrites
what this finds."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from notebook_publish.normalize.math_blocks import ENVIRONMENT, looks_like_prose

_SPECIAL = re.compile(r"[`\\$<]|\]\(")
_TOKEN = re.compile(r"\\.|[{}$]", re.S)
TICKS = re.compile("`+")
# Raw HTML as CommonMark reads it (a tag with well-formed attributes) and autolinks:
# pandoc takes them, and comments, before any dollar inside.
_HTML = re.compile(
    r"""<(?:/[A-Za-z][A-Za-z0-9-]*\s*>|[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*\s*/?>|[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*>)""",
    re.S,
)
# How far a formula or a code span is looked for (characters): far beyond any real one,
# and it keeps a paragraph of unclosed openers from costing a pass per opener.
WINDOW = 20_000


@dataclass
class Formula:
    kind: str  # "$$", "\\(", "\\[", "env", or "open" (a `$$` nothing closes)
    start: int  # the opening delimiter
    body: int  # the TeX
    body_end: int
    end: int  # just past the closing delimiter
    inline: bool = False  # kramdown's `\\$$…$$`: inline even on lines of its own


# --- finding the formulas ------------------------------------------------------------------


def scan(text: str, kramdown: bool = False) -> list[Formula]:
    """The formulas of a paragraph, left to right, as pandoc reads `$` and `$$` (code
    spans, raw HTML and escaped characters first), and TeX's own delimiters. With
    `kramdown`, `\\$$…$$` is kramdown's way to write an inline formula where a display
    one would stand."""
    found: list[Formula] = []
    i = 0
    n = len(text)
    closers = _Closers(text)
    tex = TeX(text)
    while True:
        m = _SPECIAL.search(text, i)
        if m is None:
            return found
        i = m.start()
        c = text[i]
        if c == "`":
            run = TICKS.match(text, i)
            assert run is not None  # text[i] is a backtick
            ticks = run.end() - i
            close = _closing_ticks(text, i + ticks, ticks)
            i = i + ticks if close < 0 else close + ticks
        elif c == "]":  # a link's destination: pandoc reads no math in it
            close = closers.next(")", i + 2, i + WINDOW, escapes=False)
            i = i + 2 if close < 0 else close + 1
        elif c == "<":
            if text.startswith("<!--", i):
                close = closers.next("-->", i + 4, i + WINDOW, escapes=False)
                i = close + 3 if close >= 0 else i + 4
            else:
                html = _HTML.match(text, i)
                i = html.end() if html else i + 1
        elif c == "\\" and kramdown and text.startswith("\\$$", i) and tex.display_close(i + 3) > i + 3:
            close = tex.display_close(i + 3)
            found.append(Formula("$$", i, i + 3, close, close + 2, inline=True))
            i = close + 2
        elif c == "\\":
            formula = _tex_delimited(text, i, closers)
            if formula is not None:
                found.append(formula)
                i = formula.end
            else:
                i += 2
        elif text.startswith("$$", i):
            close = tex.display_close(i + 2)
            if close > i + 2:
                found.append(Formula("$$", i, i + 2, close, close + 2))
                i = close + 2
            elif close == i + 2:
                i += 4  # `$$$$`: nothing to read
            elif close == -1 and tex.inline_close(i + 1) < 0:
                # Nothing after it can close it (no `$` at its brace depth): unclosed.
                found.append(Formula("open", i, i + 2, n, n))
                i += 2
            else:
                i += 1  # the first dollar is text; pandoc reads on from the second
        else:
            close = tex.inline_close(i)
            i = close + 1 if close >= 0 else i + 1
    return found


def _closing_ticks(text: str, start: int, ticks: int) -> int:
    limit = start + WINDOW
    at = text.find("`" * ticks, start, limit)
    while at >= 0:
        end = at + ticks
        if (at == 0 or text[at - 1] != "`") and (end >= len(text) or text[end] != "`"):
            return at
        while end < len(text) and text[end] == "`":
            end += 1
        at = text.find("`" * ticks, end, limit)
    return -1


class TeX:
    """The unescaped `{`, `}` and `$` of a text, with the brace depth before each, so
    that where a formula starting anywhere ends is a look-up. pandoc's reader ends a
    formula at the first `$`, or unmatched `}`, at the depth the formula started at."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[int] = []
        self.depths: list[int] = []  # the depth before each token
        self.stops: dict[int, list[int]] = {}  # depth -> the `$` and `}` met at it
        depth = 0
        for m in _TOKEN.finditer(text):
            c = m.group()
            if c[0] == "\\":
                continue
            self.tokens.append(m.start())
            self.depths.append(depth)
            if c == "{":
                depth += 1
            else:
                self.stops.setdefault(depth, []).append(m.start())
                if c == "}":
                    depth -= 1

    def _stop(self, j: int) -> int:
        k = bisect.bisect_left(self.tokens, j)
        if k == len(self.tokens):
            return -1
        spots = self.stops.get(self.depths[k], [])
        s = bisect.bisect_left(spots, j)
        return spots[s] if s < len(spots) else -1

    def display_close(self, j: int) -> int:
        """Where the `$$` closing a display formula whose TeX starts at `j` is: -1 if
        there is none, -2 if pandoc cannot read the formula (a lone `$`, an unbalanced `}`)."""
        at = self._stop(j)
        if at < 0:
            return -1
        return at if self.text.startswith("$$", at) else -2

    def inline_close(self, i: int) -> int:
        """Where the `$` closing an inline formula opened at `i` is, or -1 (no space just
        inside either dollar)."""
        text = self.text
        j = i + 1
        if j >= len(text) or text[j].isspace() or text[j] == "$":
            return -1
        at = self._stop(j)
        if at < 0 or text[at] == "}" or text[at - 1].isspace():
            return -1
        return at


class _Closers:
    """Where each closing delimiter (`\\)`, `\\]`, `\\end{align}` …) occurs in a
    paragraph, found once: a paragraph of openers without partners is one search."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.spots: dict[str, list[int]] = {}

    def next(self, close: str, start: int, limit: int, escapes: bool = True) -> int:
        """The first unescaped `close` in [start, limit), or -1."""
        spots = self.spots.get(close)
        if spots is None:
            spots = self.spots[close] = [m.start() for m in re.finditer(re.escape(close), self.text)]
        for k in range(bisect.bisect_left(spots, start), len(spots)):
            at = spots[k]
            if at >= limit:
                break
            if not escapes:
                return at
            slashes = 0
            while at - slashes > 0 and self.text[at - slashes - 1] == "\\":
                slashes += 1
            if slashes % 2 == 0:  # the delimiter's own backslash is not escaped
                return at
        return -1


def _tex_delimited(text: str, i: int, closers: _Closers) -> Formula | None:
    """`\\(…\\)`, `\\[…\\]` or an environment starting at the backslash at `i`."""
    after = text[i + 1 : i + 2]
    if after in ("(", "["):
        at = closers.next("\\)" if after == "(" else "\\]", i + 2, i + WINDOW)
        if at < 0:
            return None
        body = text[i + 2 : at]
        if not body.strip() or (after == "(" and looks_like_prose(body)):
            return None
        return Formula("\\" + after, i, i + 2, at, at + 2)
    if text.startswith("\\begin{", i):
        env = ENVIRONMENT.match(text, i)
        if env:
            close = f"\\end{{{env.group('name')}{env.group('star')}}}"
            at = closers.next(close, env.end(), i + WINDOW)
            if at >= 0:
                return Formula("env", i, i, at + len(close), at + len(close))
    return None
