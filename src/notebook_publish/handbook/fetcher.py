"""The one door through which WeasyPrint may read anything.

Only `data:` URIs and a fixed set of local files pass: the book's media and note
files, the theme folders and the font files. Everything else (http, https, ftp,
`file:` elsewhere, `../` escapes) is refused and recorded as a diagnostic; nothing
is ever requested from the network.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

from notebook_publish.diagnostics import Diagnostic, warning


class RefusedURL(ValueError):
    """WeasyPrint catches this, skips the resource and goes on."""


class SafeFetcher(URLFetcher):
    def __init__(self, files: frozenset[Path], folders: tuple[Path, ...]):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=False)
        self.files = frozenset(p.resolve() for p in files)
        self.folders = tuple(f.resolve() for f in folders)
        self.refused: list[str] = []
        self.fetched: list[Path] = []

    def fetch(self, url, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return self._data(url)
        if scheme == "file":
            path = self._allowed_path(url)
            if path is not None:
                self.fetched.append(path)
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})
        self.refused.append(url)
        raise RefusedURL(f"refused by notebook-publish: {url[:200]}")

    def _allowed_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        try:
            path = Path(url2pathname(unquote(parts.path))).resolve()
        except (OSError, RuntimeError, ValueError):
            return None
        if path in self.files or (path.is_file() and any(path.is_relative_to(f) for f in self.folders)):
            return path
        return None

    @staticmethod
    def _data(url: str) -> URLFetcherResponse:
        header, _, payload = url[5:].partition(",")
        mime = header.split(";")[0] or "text/plain"
        body = base64.b64decode(unquote(payload)) if header.endswith(";base64") else unquote_to_bytes(payload)
        return URLFetcherResponse(url, body, {"Content-Type": mime})

    def diagnostics(self, where: Path | None) -> list[Diagnostic]:
        out = []
        for url in dict.fromkeys(self.refused):
            out.append(warning(where, 1, "fetch-refused", f"refused to load `{url[:120]}` while typesetting", "only data: URIs and files inside the notes, media and theme folders are read"))
        return out
