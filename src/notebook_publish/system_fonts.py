"""A fingerprint of the fonts fontconfig can find, for the handbook's cache keys.

The theme's fonts are embedded from the project's own files, but a character none of
them has is drawn with whatever font fontconfig finds on the system (Pango's
fallback), or as an empty box when there is none. A part typeset while a font was
missing must not be served from the cache once the font is installed, so the parts'
key holds a hash of (path, size, mtime) of every file in the folders fontconfig
searches, and of the configuration files that name those folders.

The folders are read from fontconfig's own configuration, the way fontconfig reads it
(`fcxml.c`): `$FONTCONFIG_FILE` (default `fonts.conf`) found as an absolute path,
under `~`, or in `$FONTCONFIG_PATH` and the default configuration folder; its `<dir>`
and `<remap-dir>` elements with their `prefix` ("xdg": `$XDG_DATA_HOME` and
`$XDG_DATA_DIRS`; "relative": the configuration file's folder; "cwd"/"default": as
written, `~` for the home folder); `<reset-dirs/>`; and `<include>` of files and of
folders of `[0-9]*.conf` files (`prefix="xdg"`: `$XDG_CONFIG_HOME`), missing ones
skipped. Cache folders do not matter here. Folders are walked recursively, as
fontconfig scans them, skipping dot-files as it does.

This module imports neither WeasyPrint nor fontconfig: it runs on every build,
including a rebuild that finds everything in the cache, and takes a few milliseconds
(`os.scandir`, one stat per file).
"""

from __future__ import annotations

import hashlib
import os
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashlib import _Hash

# Where fontconfig looks for a relative configuration file name after $FONTCONFIG_PATH:
# its compiled-in folder, /etc/fonts on Linux distributions (Homebrew's on macOS).
DEFAULT_CONFIG_DIRS = ("/etc/fonts", "/usr/local/etc/fonts", "/opt/homebrew/etc/fonts")


def fontconfig_fingerprint(environ: Mapping[str, str] | None = None) -> str:
    """A hash of every font file (path, size, mtime_ns) in the folders fontconfig
    searches, and of the configuration files read to find them."""
    env = os.environ if environ is None else environ
    configs, folders = search_folders(env)
    digest = hashlib.sha256()
    for path in configs:
        digest.update(_stamp(path, "config"))
    seen: set[tuple[int, int]] = set()
    for folder in folders:
        digest.update(f"dir\0{folder}\n".encode("utf-8", "surrogateescape"))
        _walk(folder, digest, seen)
    return digest.hexdigest()


def search_folders(environ: Mapping[str, str] | None = None) -> tuple[list[Path], list[Path]]:
    """The configuration files read and the font folders they name, in order."""
    env = os.environ if environ is None else environ
    reader = _Reader(env)
    start = reader.config_file(env.get("FONTCONFIG_FILE") or "fonts.conf")
    if start is not None:
        reader.load(start)
    return reader.configs, list(dict.fromkeys(reader.folders))


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.configs: list[Path] = []
        self.folders: list[Path] = []
        self._loading: set[Path] = set()

    # --- where things are ---------------------------------------------------------------

    def home(self) -> str | None:
        return self.env.get("HOME") or None

    def _xdg(self, variable: str, fallback: str) -> str | None:
        value = self.env.get(variable)
        if value:
            return value
        home = self.home()
        return os.path.join(home, fallback) if home else None

    def _config_path(self) -> list[str]:
        dirs = [d for d in (self.env.get("FONTCONFIG_PATH") or "").split(os.pathsep) if d]
        return dirs + [d for d in DEFAULT_CONFIG_DIRS if d not in dirs]

    def config_file(self, name: str) -> Path | None:
        """A configuration file or folder name resolved as `FcConfigGetFilename` does."""
        if name.startswith("~"):
            home = self.home()
            candidate = Path(home + name[1:]) if home else None
            return candidate if candidate is not None and candidate.exists() else None
        if os.path.isabs(name):
            return Path(name) if os.path.exists(name) else None
        for folder in self._config_path():
            candidate = Path(folder, name)
            if candidate.exists():
                return candidate
        return None

    # --- reading ------------------------------------------------------------------------

    def load(self, path: Path) -> None:
        """Read a configuration file, or every `[0-9]*.conf` file of a folder."""
        key = Path(os.path.abspath(path))
        if key in self._loading:  # an include loop
            return
        self._loading.add(key)
        if path.is_dir():
            try:
                names = sorted(n for n in os.listdir(path) if n[:1].isdigit() and n.endswith(".conf") and len(n) > 5)
            except OSError:
                return
            for name in names:
                self.load(path / name)
            return
        try:
            data = path.read_bytes()
        except OSError:
            return
        self.configs.append(path)
        # Most files in conf.d only hold <match> and <alias> rules: not worth parsing.
        if not any(tag in data for tag in (b"<dir", b"<include", b"<remap-dir", b"<reset-dirs")):
            return
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError:
            return
        for element in root.iter():
            tag = element.tag
            text = (element.text or "").strip()
            if tag in ("dir", "remap-dir") and text:
                self.folders.extend(self._dirs(text, element.get("prefix"), path))
            elif tag == "reset-dirs":
                self.folders.clear()
            elif tag == "include" and text:
                self._include(text, element.get("prefix"))

    def _dirs(self, text: str, prefix: str | None, config: Path) -> list[Path]:
        if prefix == "xdg":
            homes = [self._xdg("XDG_DATA_HOME", ".local/share")]
            homes += (self.env.get("XDG_DATA_DIRS") or "/usr/local/share:/usr/share").split(":")
            return [Path(h, text) for h in homes if h]
        if prefix == "relative":
            return [Path(os.path.realpath(config)).parent / text]
        if text.startswith("~"):
            home = self.home()
            return [Path(home + text[1:])] if home else []
        return [Path(os.path.abspath(text))]

    def _include(self, text: str, prefix: str | None) -> None:
        if prefix == "xdg":
            base = self._xdg("XDG_CONFIG_HOME", ".config")
            if base is None:
                return
            text = os.path.join(base, text)
        found = self.config_file(text)
        if found is not None:
            self.load(found)


def _stamp(path: Path, kind: str) -> bytes:
    try:
        st = os.stat(path)
        size, mtime = st.st_size, st.st_mtime_ns
    except OSError:
        size, mtime = -1, 0
    return f"{kind}\0{path}\0{size}\0{mtime}\n".encode("utf-8", "surrogateescape")


def _walk(folder: Path, digest: _Hash, seen: set[tuple[int, int]]) -> None:
    try:
        st = os.stat(folder)
    except OSError:
        return
    if (st.st_dev, st.st_ino) in seen:  # a folder reached twice (a symlink, a repeated <dir>)
        return
    seen.add((st.st_dev, st.st_ino))
    try:
        with os.scandir(folder) as entries:
            listing = sorted(entries, key=lambda e: e.name)
    except OSError:
        return
    for entry in listing:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_dir():
                _walk(Path(entry.path), digest, seen)
                continue
            info = entry.stat()
        except OSError:
            continue
        digest.update(f"{entry.path}\0{info.st_size}\0{info.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))


if __name__ == "__main__":
    # `python src/notebook_publish/system_fonts.py` prints the fingerprint without
    # importing the package (whose version lookup costs more than this): for a
    # Makefile that must notice a font installed since the last build.
    print(fontconfig_fingerprint())
