"""A content-addressed cache on disk, under `build/.cache`.

Keys are hashes of everything an entry depends on (content, tool versions, theme), so
an entry can never be stale: a change gives a new key. Entries are written atomically
(temporary file, then rename), so a crash or a full disk leaves no torn entry, and
a damaged entry is detected by its checksum and ignored. Deleting the folder is
always safe.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def content_key(*parts: str | bytes) -> str:
    """A stable key for the given parts (order matters)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


class Cache:
    """get/put bytes by key, grouped in namespaces (`ast`, `math-svg`, …)."""

    def __init__(self, root: Path, namespace: str = ""):
        self.root = Path(root)
        self.namespace = namespace

    def child(self, namespace: str) -> "Cache":
        return Cache(self.root, namespace)

    def _path(self, key: str) -> Path:
        return self.root / (self.namespace or "misc") / key[:2] / key

    def get(self, key: str) -> bytes | None:
        try:
            blob = self._path(key).read_bytes()
        except OSError:
            return None
        digest, _, data = blob.partition(b"\n")
        if digest != hashlib.sha256(data).hexdigest().encode():
            return None  # torn or tampered entry: treat as absent
        return data

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as out:
                out.write(hashlib.sha256(data).hexdigest().encode() + b"\n" + data)
            os.replace(tmp, path)
        except OSError:
            # A cache that can't be written only costs time; the build goes on.
            try:
                os.unlink(tmp)  # type: ignore[possibly-undefined]
            except (OSError, UnboundLocalError):
                pass


class MemoryCache:
    """The same interface in memory, for tests and one-off runs."""

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.entries.get(key)

    def put(self, key: str, data: bytes) -> None:
        self.entries[key] = data

    def child(self, namespace: str) -> "MemoryCache":
        return self
