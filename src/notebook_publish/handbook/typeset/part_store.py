"""The typeset parts in the build cache.

A part is cached under a key computed from its HTML before typesetting; it also lists
every file WeasyPrint read for it (`Part.inputs`) with the hash of what it read, and
an entry whose files no longer hash the same, or are gone, is a miss (like ninja's
depfiles: what the HTML does not name is found by typesetting it once).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_publish.handbook.typeset.locations import Access, Mounts
from notebook_publish.handbook.typeset.parts import Part

if TYPE_CHECKING:
    from notebook_publish.cache import Cache


def file_hash(path: Path, memo: dict[Path, str]) -> str:
    """The file's SHA-256, each file read at most once per build (`memo`)."""
    if path not in memo:
        try:
            memo[path] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            memo[path] = "unreadable"
    return memo[path]


class PartStore:
    """The typeset parts in the cache, each served only while the files it read
    (`Part.inputs`) still hold what they held: every file is hashed at most once per
    build (`memo`), and each URL's state is worked out once."""

    def __init__(self, cache: Cache, mounts: Mounts, access: Access, memo: dict[Path, str]):
        self.cache = cache
        self.mounts = mounts
        self.access = access
        self.memo = memo
        self.states: dict[str, str] = {}

    def get(self, key: str) -> Part | None:
        blob = self.cache.get(key)
        if blob is None:
            return None
        try:
            part = Part.from_bytes(blob)
        except (ValueError, KeyError, TypeError):
            return None  # an entry from an older layout: typeset again
        return part if all(self._state(url) == state for url, state in part.inputs) else None

    def put(self, key: str, part: Part) -> None:
        self.cache.put(key, part.to_bytes())

    def _state(self, url: str) -> str:
        if url not in self.states:
            self.states[url] = self.access.state(self.mounts.path(url), lambda p: file_hash(p, self.memo))
        return self.states[url]
