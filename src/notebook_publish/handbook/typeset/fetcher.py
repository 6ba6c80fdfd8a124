"""The one door through which WeasyPrint may read anything.

Only `data:` URIs and a fixed set of local files pass: the book's media and note
files, the theme folders and the font files. Everything else (http, https, ftp,
`file:` elsewhere, `../` escapes) is refused and recorded as a diagnostic; nothing
is ever requested from the network.

Files are asked for by the location-free URLs of `locations.py` (real `file:` URLs of
an allowed file still work). The fetcher also records what each file it was asked for
held (`inputs`: URL -> hash of the bytes read, or why nothing was read), so that a
cached part can be checked against the files it actually read: an image inside an
SVG, a stylesheet's `@import` and `url()`, a font.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.handbook.typeset.locations import UNREADABLE, Access, Mounts

# What every file read in this process held, by URL: a worker keeps one font
# configuration for all its parts, and WeasyPrint reads a font's file only for the
# first part that declares it. The later parts take the font's state from here.
READ_IN_THIS_PROCESS: dict[str, str] = {}

_NO_MOUNTS = Mounts(())


class RefusedURL(ValueError):
    """WeasyPrint catches this, skips the resource and goes on."""


class _FileResponse(URLFetcherResponse):  # type: ignore[misc]  # WeasyPrint has no types: its classes are Any
    """A response under its location-free URL (relative references in it resolve
    against that), whose `path` is still the real file, so WeasyPrint can read a big
    image from disk when it writes the PDF instead of keeping its bytes."""

    def __init__(self, url: str, real: Path, body: bytes, headers: dict[str, str]):
        super().__init__(url, body, headers)
        self._real = real

    @property
    def path(self) -> str:
        return str(self._real)


class SafeFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint has no types: its classes are Any
    def __init__(self, files: frozenset[Path], folders: tuple[Path, ...], mounts: Mounts | None = None):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=False)
        self.access = Access.of(files, folders)
        self.mounts = mounts or _NO_MOUNTS
        self.refused: list[str] = []
        self.fetched: list[Path] = []
        self.inputs: dict[str, str] = {}  # URL -> hash of the bytes read, UNREADABLE or REFUSED

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return self._data(url)
        if scheme == "file":
            wanted = self.mounts.path(url)
            real = self.access.allowed(wanted) if wanted is not None else None
            if real is not None:
                try:
                    body = real.read_bytes()
                except OSError:
                    self._record(url, UNREADABLE)
                    raise
                self._record(url, hashlib.sha256(body).hexdigest())
                self.fetched.append(real)
                mime = mimetypes.guess_type(real.name)[0] or "application/octet-stream"
                return _FileResponse(url, real, body, {"Content-Type": mime})
            if wanted is not None:
                self._record(url, self.access.state(wanted, lambda _p: UNREADABLE))
        self.refused.append(url)
        raise RefusedURL(f"refused by notebook-publish: {url[:200]}")

    def _record(self, url: str, state: str) -> None:
        self.inputs[url] = READ_IN_THIS_PROCESS[url] = state

    @staticmethod
    def _data(url: str) -> URLFetcherResponse:
        header, _, payload = url[5:].partition(",")
        mime = header.split(";")[0] or "text/plain"
        body = base64.b64decode(unquote(payload)) if header.endswith(";base64") else unquote_to_bytes(payload)
        return URLFetcherResponse(url, body, {"Content-Type": mime})

    def diagnostics(self, where: Path | None) -> list[Diagnostic]:
        out = []
        for url in dict.fromkeys(self.refused):
            out.append(
                warning(
                    where,
                    1,
                    "fetch-refused",
                    f"refused to load `{url[:120]}` while typesetting",
                    "only data: URIs and files inside the notes, media and theme folders are read",
                )
            )
        return out
