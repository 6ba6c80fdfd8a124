"""The URLs WeasyPrint sees, and which files it may read through them.

WeasyPrint names each raster image in the PDF by a hash of its URL (`/i<md5>` in
`images.py`), so a `file:` URL holding the project's folder makes the same project
give different bytes in two places: a release built by CI could not be reproduced on
a laptop. Renaming the images afterwards would mean rewriting every page's content
stream at the merge; instead every file is given a URL that names no real folder:

    file://notebook-publish/project/media/photo.png   (a file under the project's folder)
    file://notebook-publish/theme-default/handbook.css (the theme shipped with the tool)
    file://notebook-publish/fonts/<name>.ttf           (one font file)

and the fetcher maps such URLs back to the real files. A folder the notes, media or
theme live in outside the project gets a mount of its own, named by its role. Because
the project is one mount, a relative reference between its folders (`../media/bg.png`
in a theme stylesheet, `inner.png` inside an SVG) still resolves as it would on disk.
The host part keeps these URLs apart from real `file:` URLs, which are still read when
they name an allowed file.

This module is imported by the main process and by the workers; it imports nothing of
weight.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit
from urllib.request import url2pathname

HOST = "notebook-publish"
PROJECT = "project"
DEFAULT_THEME = "theme-default"

# What a recorded input's state is when it is not a hash of its bytes.
UNREADABLE = "unreadable"  # allowed, but missing or unreadable
REFUSED = "refused"  # exists, but not a file the book may read


@dataclass(frozen=True)
class Mounts:
    folders: tuple[tuple[str, Path], ...]  # (name, real folder), the deepest folder first
    files: tuple[tuple[str, Path], ...] = ()  # (name, real file), e.g. "fonts/x.ttf"

    def url(self, path: Path, folder: bool = False) -> str:
        """The URL WeasyPrint is given for `path` (a folder's ends in "/")."""
        real = _real(path)
        for name, file in self.files:
            if real == file:
                return f"file://{HOST}/{quote(name)}"
        for name, root in self.folders:
            if real == root or real.is_relative_to(root):
                rel = real.relative_to(root).as_posix()
                tail = "" if rel == "." else quote(rel) + ("/" if folder else "")
                return f"file://{HOST}/{quote(name)}/{tail}"
        # Not under any mount (nothing the fetcher allows is): the real URL still works.
        return real.as_uri() + ("/" if folder else "")

    def path(self, url: str) -> Path | None:
        """The real file a `file:` URL names (virtual or real), or None."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        if parts.scheme.lower() != "file":
            return None
        host = parts.netloc.lower()
        if host == HOST:
            name = unquote(parts.path).lstrip("/")
            for file_name, file in self.files:
                if name == file_name:
                    return file
            mount, _, rest = name.partition("/")
            if ".." in rest.split("/"):
                return None
            for folder_name, root in self.folders:
                if folder_name == mount:
                    return root / rest if rest else root
            return None
        if host not in ("", "localhost"):
            return None
        try:
            return Path(url2pathname(unquote(parts.path)))
        except ValueError:
            return None


def book_mounts(
    root: Path, roles: list[tuple[str, Path]], default_theme: Path | None, font_paths: list[Path]
) -> Mounts:
    """Mounts for a build: the project's folder, each of `roles` (name, folder) that
    lies outside it, the shipped theme (always its own: whether it is inside the project
    depends on how the tool was installed) and each font file."""
    root = _real(root)
    folders: list[tuple[str, Path]] = [(PROJECT, root)]
    if default_theme is not None:
        folders.append((DEFAULT_THEME, _real(default_theme)))
    for name, folder in roles:
        real = _real(folder)
        if not real.is_relative_to(root) and all(real != f for _n, f in folders):
            folders.append((name, real))
    # The deepest folder wins, so a mount inside another one (the shipped theme inside
    # a checkout of this tool) is named the same wherever the two are.
    folders.sort(key=lambda item: -len(item[1].parts))
    files: list[tuple[str, Path]] = []
    taken: set[str] = set()
    for path in font_paths:
        real = _real(path)
        if any(real == f for _n, f in files):
            continue
        name = f"fonts/{real.name}"
        if name in taken:  # two font files of one name in different folders
            name = f"fonts/{len(files)}-{real.name}"
        taken.add(name)
        files.append((name, real))
    return Mounts(tuple(folders), tuple(files))


@dataclass(frozen=True)
class Access:
    """The files WeasyPrint may read: these files, and any file under these folders."""

    files: frozenset[Path]
    folders: tuple[Path, ...]

    @classmethod
    def of(cls, files: Iterable[Path], folders: Iterable[Path]) -> Access:
        return cls(frozenset(_real(p) for p in files), tuple(_real(f) for f in folders))

    def allowed(self, path: Path) -> Path | None:
        """The resolved path if the book may read it, else None."""
        if path in self.files:  # a listed file, named as listed: nothing to resolve
            return path
        try:
            real = path.resolve()
        except (OSError, RuntimeError, ValueError):
            return None
        if real in self.files or (real.is_file() and any(real.is_relative_to(f) for f in self.folders)):
            return real
        return None

    def state(self, path: Path | None, file_hash: Callable[[Path], str]) -> str:
        """What a part that read `path` saw: the hash of its bytes (`file_hash(path)`),
        or UNREADABLE / REFUSED. The same answer as the fetcher would give now."""
        if path is None:
            return REFUSED
        real = self.allowed(path)
        if real is None:
            return REFUSED if _exists(path) else UNREADABLE
        return file_hash(real)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _real(path: Path) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))
