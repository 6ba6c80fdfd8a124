"""The theme's stylesheet for the web page: every `url()` and `@import` in it pointed at
a copy the page carries (beside it or as a data: URI), since the page must still look
right when moved away from the theme folder.

A reference is followed only to a file inside one of the theme's folders, the rule the
PDF's fetcher applies (`typeset/locations.Access`); anything else (the web, a file
elsewhere) becomes an empty data: URI and a `fetch-refused` warning, so opening the
page never makes a request. An imported stylesheet is rewritten the same way, once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from notebook_publish.diagnostics import Diagnostic, warning

# url(...) with or without quotes, and @import "..." without url().
_REFERENCE = re.compile(
    r"""url\(\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^)'"\s]*))\s*\)"""
    r"""|@import\s+(?:"(?P<idq>[^"]*)"|'(?P<isq>[^']*)')"""
)
EMPTY_URI = "data:,"


def _target(match: re.Match[str]) -> str:
    return next(v for v in match.group("dq", "sq", "bare", "idq", "isq") if v is not None)


def rewrite(css: str, replace: Callable[[str], str]) -> str:
    """`css` with each reference's target replaced by `replace(target)`; an `@import`
    keeps its form (`@import "…"`), so its media list still applies."""

    def one(match: re.Match[str]) -> str:
        new = replace(_target(match)).replace('"', "%22")
        if match.group(0).startswith("@import"):
            return f'@import "{new}"'
        return f'url("{new}")'

    # Comments are kept as they are: a reference inside one is not followed.
    pieces = re.split(r"(/\*.*?\*/)", css, flags=re.DOTALL)
    return "".join(p if p.startswith("/*") else _REFERENCE.sub(one, p) for p in pieces)


def local_file(target: str, base: Path, folders: tuple[Path, ...]) -> Path | None:
    """The file `target` names relative to `base` (a stylesheet's folder), if it lies
    inside one of `folders`; None for the web, absolute paths and escapes."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    try:
        real = (base / unquote(parts.path)).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    roots = [f.resolve() for f in folders]
    if real.is_file() and any(real.is_relative_to(r) for r in roots):
        return real
    return None


class StylesheetCopier:
    """Rewrites the theme's stylesheets for the page. `place(path, data, kind)` returns
    a reference to a file the page carries; `from_css(reference)` is its URL as a
    stylesheet the page carries sees it."""

    def __init__(
        self,
        folders: tuple[Path, ...],
        place: Callable[[Path, bytes, str], str],
        from_css: Callable[[str], str],
    ):
        self.folders = folders
        self.place = place
        self.from_css = from_css
        self.diagnostics: list[Diagnostic] = []
        self.texts: list[str] = []  # every stylesheet as written in the theme
        self._done: dict[Path, str] = {}
        self._busy: set[Path] = set()

    def stylesheet(self, path: Path) -> str:
        """The reference to `path` rewritten, with everything it references placed too."""
        real = path.resolve()
        if real in self._done:
            return self._done[real]
        if real in self._busy:  # an @import cycle: the browser would stop there too
            raise _Cycle
        self._busy.add(real)
        try:
            css = real.read_text(encoding="utf-8", errors="replace")
            self.texts.append(css)
            text = rewrite(css, lambda target: self._reference(target, real, css))
        finally:
            self._busy.discard(real)
        placed = self.place(real, text.encode("utf-8"), "css")
        self._done[real] = placed
        return placed

    def _reference(self, target: str, sheet: Path, css: str) -> str:
        if target.startswith(("data:", "#")) or not target:
            return target
        found = local_file(target, sheet.parent, self.folders)
        if found is None:
            line = css.count("\n", 0, max(css.find(target), 0)) + 1
            self.diagnostics.append(
                warning(
                    sheet,
                    line,
                    "fetch-refused",
                    f"the web page does not load `{target[:120]}`",
                    "a theme's url() and @import may name only files inside the theme's folders",
                )
            )
            return EMPTY_URI
        try:
            if found.suffix.lower() == ".css":
                placed = self.stylesheet(found)
            else:
                placed = self.place(found, found.read_bytes(), "theme")
        except (_Cycle, OSError):  # an unreadable file is as good as none, as in the PDF
            return EMPTY_URI
        return self.from_css(placed)


class _Cycle(Exception):
    """A stylesheet that imports itself, directly or not."""
