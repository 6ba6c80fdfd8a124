"""Every deck the test suite makes the tool write is checked as a deck, whatever the
test itself looks at: openxml-audit (the schema, `ooxml_audit`, with its one allowed
false positive) and the package check (`deck_package`: relationships, content types,
unreferenced parts, shape ids).

conftest.py runs `DeckChecks.after_test` after each test's call. It finds the .pptx
files under the session's temporary folder (every test's `tmp_path` and the
module-scoped fixtures' folders are in it) that are new or changed since the last
test, and checks those the tool wrote: the decks a folder's manifest
(`.notebook-publish-manifest.json`) records with the file's current SHA-256. A test's
own inputs (a user template, a foreign file under a deck's name, a deck broken on
purpose) are not in a manifest, and are left alone.

Results are kept by SHA-256: the suite writes the same deck bytes many times (builds
are reproducible), and each distinct deck is validated once per session.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".notebook-publish-manifest.json"  # outputs.MANIFEST
SKIPPED_FOLDERS = {".cache"}  # the build cache: no decks, and most of the files


@dataclass
class DeckChecks:
    root: Path | None = None
    seen: dict[Path, tuple[int, int, int]] = field(default_factory=dict)  # a file's (size, mtime, inode) when looked at
    results: dict[str, list[str]] = field(default_factory=dict)  # SHA-256: the deck's faults
    checked: int = 0  # decks checked (each file version a test left)
    allowed: int = 0  # the audit's allowed false positives, over the distinct decks
    # Wall-clock and CPU seconds spent, by step (on a busy machine the wall clock says little).
    seconds: dict[str, float] = field(default_factory=lambda: {"finding": 0.0, "openxml-audit": 0.0, "package": 0.0})
    cpu: dict[str, float] = field(default_factory=lambda: {"finding": 0.0, "openxml-audit": 0.0, "package": 0.0})
    _scratch: tempfile.TemporaryDirectory[str] | None = None

    def after_test(self, report: bool = True) -> list[str]:
        """The faults of the decks the tool wrote since the last call ([] when none or
        `report` is false, when they are only marked as seen)."""
        if self.root is None:
            return []
        with self._timed("finding"):
            new = self._new_decks(self.root)
        faults: list[str] = []
        for deck, sha in new:
            self.checked += 1
            if sha not in self.results:
                self.results[sha] = self._check(deck)
            faults += [f"{deck.name}: {fault}" for fault in self.results[sha]]
        return faults if report else []

    def _new_decks(self, root: Path) -> list[tuple[Path, str]]:
        found: list[tuple[Path, str]] = []
        for folder, subfolders, files in os.walk(root):
            subfolders[:] = [name for name in subfolders if name not in SKIPPED_FOLDERS]
            decks = [name for name in files if name.endswith(".pptx")]
            if not decks or MANIFEST not in files:
                continue
            records = _manifest(Path(folder) / MANIFEST)
            for name in decks:
                path = Path(folder) / name
                try:
                    st = path.stat()
                except OSError:
                    continue
                identity = (st.st_size, st.st_mtime_ns, st.st_ino)
                if self.seen.get(path) == identity:
                    continue
                self.seen[path] = identity
                sha = _sha256(path)
                if sha is not None and records.get(name) == sha:
                    found.append((path, sha))
        return found

    def _check(self, deck: Path) -> list[str]:
        from deck_package import package_faults
        from ooxml_audit import audit_errors

        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="deck-audit-")
        with self._timed("package"):
            faults = package_faults(deck)
        with self._timed("openxml-audit"):
            errors, allowed = audit_errors(deck, Path(self._scratch.name))
        self.allowed += allowed
        return [f"package: {fault}" for fault in faults] + [f"openxml-audit: {error}" for error in errors]

    @contextmanager
    def _timed(self, step: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.seconds[step] += time.perf_counter() - wall
            self.cpu[step] += time.process_time() - cpu

    def summary(self) -> str:
        faulty = sum(1 for faults in self.results.values() if faults)
        spent = ", ".join(f"{what} {self.seconds[what]:.1f} s ({self.cpu[what]:.1f} s CPU)" for what in self.seconds)
        return (
            f"deck checks: {self.checked} decks written by the tool checked ({len(self.results)} distinct, "
            f"{faulty} with faults, {self.allowed} allowed a:rPr-in-m:r reports); time: {spent}"
        )

    def close(self) -> None:
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


def _manifest(path: Path) -> dict[str, str]:
    """The SHA-256 of each file a manifest records, by name."""
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
        return {name: str(record.get("sha256")) for name, record in files.items()}
    except (OSError, ValueError, AttributeError):
        return {}


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
