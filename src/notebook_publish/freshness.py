"""Is an output already what a build would write? Decided from content hashes.

make's dependency lists cannot see a removed note, a file copied with its old mtime
(`cp -p`, `unzip`), a theme or media folder outside the project, or a note whose name
make cannot spell (`a: b.md`, `price $5.md`). So every build asks the tool, and the
tool keeps a stamp per output (like ninja's log, or a content-hash stamp):

- the *inputs key*: a hash of everything the output depends on: each file under the
  notes, media and theme folders (path and SHA-256), the config file and the
  effective config, the slide template, the macros file (`math.macros_file`), the
  tool's own code and installed libraries (`fingerprints`), the fonts fontconfig can
  find, the version and date the output shows, and the command's own options;
- what the output files looked like when written (`outputs.Record`);
- the diagnostics of that build, printed again on a rebuild that does nothing, so
  warnings and `--strict` behave the same either way.

An output is up to date when the key is the same and its files are still as written.
File contents are hashed only when a file's size, mtime, ctime or inode changed since
the last look (the `FileHashes` memo; ctime cannot be set back by `cp -p`), so a
rebuild with nothing to do reads directory listings and stats, not the notebook.
This module runs before anything heavy is imported.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notebook_publish.cache import content_key
from notebook_publish.diagnostics import Diagnostic, Severity
from notebook_publish.outputs import Record, sha256_of

if TYPE_CHECKING:
    from notebook_publish.config import Config

_FORMAT = "stamp-1"
# Set only by the tests' fault hooks: a build that is meant to fail in a worker must
# not be answered from an earlier stamp.
_NEVER_FRESH_WHEN = ("NOTEBOOK_PUBLISH_TEST_WORKER_FAULT",)


class FileHashes:
    """SHA-256 of files, remembered by (size, mtime_ns, ctime_ns, inode) in the cache."""

    def __init__(self, path: Path):
        self.path = path
        try:
            known = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = {}
        # A damaged memo is no memo: every file is hashed again.
        self.known: dict[str, list[Any]] = (  # [size, mtime_ns, ctime_ns, inode, hash], read from JSON
            {k: v for k, v in known.items() if isinstance(v, list) and len(v) == 5} if isinstance(known, dict) else {}
        )
        self.seen: dict[str, list[int | str]] = {}

    def of(self, path: Path) -> str:
        name = str(path)
        try:
            st = os.stat(path)
        except OSError:
            return "missing"
        if not stat.S_ISREG(st.st_mode):  # a FIFO or a link to /dev/zero: never opened
            return f"not a file {stat.S_IFMT(st.st_mode)}"
        signature = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        known = self.known.get(name)
        if known is not None and known[:4] == signature:
            digest: str = known[4]
        else:
            try:
                digest = sha256_of(path)
            except OSError:
                return "unreadable"
        self.seen[name] = [*signature, digest]
        return digest

    def save(self) -> None:
        """Keep what this run looked at (files gone since are forgotten)."""
        if self.seen == self.known:
            return
        from notebook_publish.build import write_atomically
        from notebook_publish.cache import ensure_cache_root

        ensure_cache_root(self.path.parent.parent)
        try:
            write_atomically(self.path, json.dumps(self.seen, separators=(",", ":")).encode("utf-8"))
        except Exception:  # a memo that cannot be written only costs time next run
            pass


def _walk(root: Path, skip: Path) -> list[Path]:
    """Every file under `root` (sorted), not following symlinked folders, leaving out
    the `skip` folder (the output folder, by its real path, as the notes scan does)
    and dot-files and dot-folders (`.git`, editors' files: never a note, a picture or
    a theme file)."""
    found: list[Path] = []
    if not root.is_dir():
        return found
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and Path(os.path.realpath(here / d)) != skip)
        found += [here / f for f in sorted(files) if not f.startswith(".")]
    return found


@dataclass(frozen=True)
class Inputs:
    """The inputs key of one output, and the memo that made it (saved with the stamp)."""

    key: str
    hashes: FileHashes


def inputs_key(config: Config, command: str, options: tuple[str, ...] = ()) -> Inputs:
    """The hash of everything `command`'s output depends on (see the module's doc)."""
    from notebook_publish import fingerprints
    from notebook_publish.build import book_version, build_time
    from notebook_publish.system_fonts import fontconfig_fingerprint
    from notebook_publish.themes import load_theme

    hashes = FileHashes(config.cache_dir / "stamps" / "file-hashes.json")
    output = Path(os.path.realpath(config.output))
    parts: list[str] = [_FORMAT, command, *options]
    for root in (config.notes, *config.media):
        root = Path(os.path.abspath(root))
        parts.append(f"root {root}")
        if root.is_file():  # a Notion export's .zip: its bytes are the notes
            parts.append(f"archive\0{hashes.of(root)}")
        for path in _walk(root, output):
            parts.append(f"{path.relative_to(root).as_posix()}\0{hashes.of(path)}")
    for folder in load_theme(config).folders:
        parts.append(f"theme {folder}")
        for path in _walk(folder, output):
            parts.append(f"{path.relative_to(folder).as_posix()}\0{hashes.of(path)}")
    for extra in (config.source, config.slides.template, config.math.macros_file):
        if extra is not None:
            parts.append(f"file {extra}\0{hashes.of(extra)}")
    # Where each key sits in the file is not an input; the pinned version is counted
    # below, as the version the outputs show, whichever way it was chosen.
    effective = {k: v for k, v in vars(config).items() if k not in ("key_lines", "pinned_version")}
    parts += [
        repr(effective),
        fingerprints.tool(),
        fontconfig_fingerprint(),
        f"version {book_version(config)}",
        f"time {build_time().isoformat()}",
        # The pandoc that pypandoc runs, when the user points it elsewhere.
        f"pandoc {os.environ.get('PYPANDOC_PANDOC', '')}",
    ]
    return Inputs(content_key(*parts), hashes)


class Stamp:
    """The record of the last build of one output (a file, or a folder of decks)."""

    def __init__(self, config: Config, command: str, target: Path):
        name = content_key(command, os.path.abspath(target))[:32]
        self.path = config.cache_dir / "stamps" / f"{command}-{name}.json"

    def fresh(self, inputs: Inputs, listing: tuple[str, ...] = ()) -> list[Diagnostic] | None:
        """The diagnostics of the last build if its output is up to date, else None.

        `listing`: for a folder of decks, the names now in it (a new or deleted file
        there makes the build run again, to report or replace it)."""
        if any(os.environ.get(name) for name in _NEVER_FRESH_WHEN):
            return None
        try:
            body = json.loads(self.path.read_text(encoding="utf-8"))
            if body["key"] != inputs.key or body["listing"] != list(listing):
                return None
            for path, fields in body["outputs"].items():
                if not Record(**fields).matches(Path(path)):
                    return None
            return [_diagnostic(row) for row in body["diagnostics"]]
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None  # a damaged stamp: build again

    def write(
        self, inputs: Inputs, outputs: list[Path], diagnostics: list[Diagnostic], listing: tuple[str, ...] = ()
    ) -> None:
        """Record a build that wrote every one of `outputs` (and failed at nothing)."""
        from notebook_publish.build import write_atomically
        from notebook_publish.cache import ensure_cache_root

        ensure_cache_root(self.path.parent.parent)
        body = {
            "key": inputs.key,
            "listing": list(listing),
            "outputs": {str(Path(os.path.abspath(p))): vars(Record.of(p)) for p in outputs},
            "diagnostics": [_row(d) for d in diagnostics],
        }
        try:
            write_atomically(self.path, json.dumps(body, ensure_ascii=False).encode("utf-8"))
        except Exception:  # without a stamp the next build only does the work again
            return
        inputs.hashes.save()

    def forget(self) -> None:
        try:
            self.path.unlink()
        except OSError:
            pass


def _row(d: Diagnostic) -> list[str | int | None]:
    return [None if d.path is None else str(d.path), d.line, d.col, int(d.severity), d.code, d.message, d.hint]


def _diagnostic(row: list[Any]) -> Diagnostic:
    path, line, col, severity, code, message, hint = row
    return Diagnostic(None if path is None else Path(path), line, col, Severity(severity), code, message, hint)
