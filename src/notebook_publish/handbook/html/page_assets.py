"""The files the web page needs: its stylesheets, fonts, pictures and formulas, carried
in a folder beside it (`handbook_files/` for `handbook.html`) or, for a self-contained
page, inside it as data: URIs. Either way the page names no other file, so it works
wherever it is moved and opened from.

A file in the folder is named by its content (`fonts/SourceSerif4-3f2a…ttf`): a build
writes the same names a cold build would, a browser never shows an old copy of an
edited picture, and the folder's manifest (`outputs.OutputFolder`) says which files the
tool wrote, so those no longer used are removed and nothing of the user's is touched.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import os
from pathlib import Path
from urllib.parse import quote

from notebook_publish.build import write_atomically
from notebook_publish.diagnostics import Diagnostic

# The media types a browser needs to be told for what it reads from a data: URI.
_TYPES = {
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".webp": "image/webp",
    ".avif": "image/avif",
}


def media_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def data_uri(data: bytes, kind: str) -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def files_folder(page: Path) -> Path:
    """The folder of the page's files: `handbook_files/` beside `handbook.html`."""
    return page.parent / f"{page.stem}_files"


class PageAssets:
    """What the page carries, and the URL of each: relative to the page (`page_url`)
    or to a stylesheet in the folder (`css_url`), or a data: URI when `inline`."""

    def __init__(self, page: Path, inline: bool):
        self.folder = files_folder(page)
        self.inline = inline
        self.files: dict[str, bytes] = {}  # name in the folder -> bytes
        self._by_path: dict[tuple[Path, str], str] = {}

    def place(self, source: Path, data: bytes, kind: str) -> str:
        """A reference to `data` (read from `source`, which names it) in the folder's
        `kind` subfolder: the name there, or the data: URI."""
        if self.inline:
            return data_uri(data, media_type(source.name))
        digest = hashlib.sha256(data).hexdigest()[:12]
        name = f"{kind}/{_safe_stem(source.stem)}-{digest}{source.suffix.lower()}"
        self.files[name] = data
        return name

    def file(self, path: Path, kind: str) -> str:
        """The URL, from the page, of the file at `path` (a picture, a font)."""
        key = (path.resolve(), kind)
        if key not in self._by_path:
            self._by_path[key] = self.place(key[0], key[0].read_bytes(), kind)
        return self.page_url(self._by_path[key])

    def font(self, path: Path, text: str) -> str:
        """The URL, from the page, of the font at `path` cut down to `text`'s characters."""
        from notebook_publish.handbook.html.web_fonts import subset

        real = path.resolve()
        return self.page_url(self.place(real, subset(real.read_bytes(), text), "fonts"))

    def svg(self, svg: str) -> str:
        """The URL, from the page, of a formula's SVG."""
        return self.page_url(self.place(Path("formula.svg"), svg.strip().encode("utf-8"), "math"))

    def page_url(self, reference: str) -> str:
        if reference.startswith("data:"):
            return reference
        return quote(f"{self.folder.name}/{reference}")

    @staticmethod
    def css_url(reference: str) -> str:
        """Stylesheets sit in `css/`, one folder down from every other subfolder's."""
        if reference.startswith("data:"):
            return reference
        return quote(f"../{reference}")

    def write(self) -> list[Diagnostic]:
        """Put the files in the folder, each written atomically, and remove the files
        of earlier builds this one does not use; a file of the user's in the way, or
        changed since the tool wrote it, is kept (and said)."""
        from notebook_publish.outputs import OutputFolder

        folder = OutputFolder(self.folder)
        found: list[Diagnostic] = []
        if not self.files and not folder.records:
            return found
        try:
            for name, data in sorted(self.files.items()):
                if folder.holds(name, data):
                    continue  # already there: left alone, with its date
                if not folder.may_write(name):
                    found.append(folder.foreign(name, f"the page's file {name}"))
                    continue
                write_atomically(self.folder / name, data)
                folder.record(name, hashlib.sha256(data).hexdigest())
            for name in sorted(set(folder.records) - set(self.files)):
                if not folder.remove(name):
                    folder.forget(name)  # changed since written: the user's now, kept
                _remove_empty_folders(self.folder, name)
        finally:
            folder.save()
        if not folder.records:
            _drop_empty(self.folder)
        return found


def _safe_stem(stem: str) -> str:
    """A file name part that needs no escaping in a URL and no care on any system."""
    kept = "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "-" for c in stem).strip("-.")
    return kept[:40] or "file"


def _remove_empty_folders(folder: Path, name: str) -> None:
    here = (folder / name).parent
    while here != folder and here.is_relative_to(folder):
        try:
            here.rmdir()  # only if empty
        except OSError:
            return
        here = here.parent


def _drop_empty(folder: Path) -> None:
    """The folder and its manifest, once it lists nothing and holds nothing else."""
    from notebook_publish.outputs import MANIFEST

    try:
        if {p.name for p in folder.iterdir()} <= {MANIFEST}:
            (folder / MANIFEST).unlink(missing_ok=True)
            os.rmdir(folder)
    except OSError:
        pass
