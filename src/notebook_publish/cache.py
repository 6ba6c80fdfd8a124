"""A content-addressed cache on disk, under `build/.cache`.

Keys are hashes of everything an entry depends on (content, tool versions, theme), so
an entry can never be stale: a change gives a new key. Entries are written atomically
(temporary file, then rename), so a crash or a full disk leaves no torn entry, and
a damaged entry is detected by its checksum (of the key and the data) and ignored. Deleting the folder is
always safe.

An entry that is bytes with a description (a typeset part and its anchors, a deck and
the problems found writing it) is one shape, `pack_entry`: the description as compact
JSON after its length, then the bytes. A problem is stored as `diagnostic_row`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Protocol

from notebook_publish.diagnostics import Diagnostic, Severity


def content_key(*parts: str | bytes) -> str:
    """A stable key for the given parts (order matters)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def pack_entry(head: Any, body: bytes = b"") -> bytes:
    """`head` (anything JSON holds) and `body` as one entry: the head's length in 8
    bytes, the head as compact UTF-8 JSON, then the body as it is."""
    blob = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return len(blob).to_bytes(8, "big") + blob + body


def unpack_entry(entry: bytes) -> tuple[Any, bytes]:
    """(head, body) of a `pack_entry`; ValueError for anything else."""
    size = int.from_bytes(entry[:8], "big")
    if len(entry) < 8 or size > len(entry) - 8:
        raise ValueError("not a packed cache entry")
    return json.loads(entry[8 : 8 + size]), entry[8 + size :]


def diagnostic_row(d: Diagnostic) -> list[str | int | None]:
    """A problem as a cache entry stores it (JSON: no Path, no enum)."""
    return [None if d.path is None else str(d.path), d.line, d.col, int(d.severity), d.code, d.message, d.hint]


def diagnostic_from_row(row: list[Any]) -> Diagnostic:
    """The problem `diagnostic_row` stored; ValueError or TypeError for a row of another shape."""
    path, line, col, severity, code, message, hint = row
    return Diagnostic(None if path is None else Path(path), line, col, Severity(severity), code, message, hint)


CACHEDIR_TAG = "CACHEDIR.TAG"
# The Cache Directory Tagging Specification's signature (backup tools skip the folder),
# then our own line: `clean` deletes a cache folder only when it finds both.
_TAG_TEXT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This folder is the build cache of notebook-publish; `notebook-publish clean` removes it.\n"
)


def is_own_cache(folder: Path) -> bool:
    try:
        return (Path(folder) / CACHEDIR_TAG).read_text(encoding="utf-8") == _TAG_TEXT
    except (OSError, UnicodeDecodeError):
        return False


# What the tool keeps in its cache folder: `clean` removes these entries of a folder
# it created (tagged), and nothing else.
OWN_ENTRIES = frozenset(
    {
        "ast",
        "math",
        "math-svg",
        "normalized",
        "pdf-parts",
        "decks",
        "pictures",
        "static-fonts",
        "fonts",
        "stamps",
        "misc",
        "archives",
        CACHEDIR_TAG,
    }
)


def ensure_cache_root(root: Path) -> None:
    """Create the cache folder tagged as the tool's own, unless it exists already. A
    folder that was there before (`--output ~` meets `~/.cache`) is used but never
    tagged, so `clean` never deletes anything in it."""
    root = Path(root)
    if root.exists():
        return
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(root)
    except FileExistsError:  # another build made it a moment ago, and tags it
        return
    except OSError:
        return  # an unwritable cache only costs time
    try:
        (root / CACHEDIR_TAG).write_text(_TAG_TEXT, encoding="utf-8")
    except OSError:
        pass


def _checksum(key: str, data: bytes) -> bytes:
    """The entry's checksum covers its key too, so a file copied or renamed onto
    another key's place is not served as that key's value."""
    return hashlib.sha256(key.encode("ascii") + b"\n" + data).hexdigest().encode()


class Store(Protocol):
    """What a user of the cache needs of it: `Cache` on disk, `MemoryCache` in memory."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes) -> None: ...

    def child(self, namespace: str) -> Store: ...


class Cache:
    """get/put bytes by key, grouped in namespaces (`ast`, `math-svg`, …)."""

    def __init__(self, root: Path, namespace: str = ""):
        self.root = Path(root)
        self.namespace = namespace

    def child(self, namespace: str) -> Cache:
        return Cache(self.root, namespace)

    def _path(self, key: str) -> Path:
        return self.root / (self.namespace or "misc") / key[:2] / key

    def get(self, key: str) -> bytes | None:
        try:
            blob = self._path(key).read_bytes()
        except OSError:
            return None
        digest, _, data = blob.partition(b"\n")
        if digest != _checksum(key, data):
            return None  # torn, damaged, or another key's entry: treat as absent
        return data

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        tmp = None
        try:
            ensure_cache_root(self.root)
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as out:
                out.write(_checksum(key, data) + b"\n" + data)
            os.replace(tmp, path)
        except BaseException as exc:
            if tmp is not None:
                try:
                    os.unlink(tmp)  # interrupted or the disk is full: leave nothing behind
                except OSError:
                    pass
            if not isinstance(exc, OSError):
                raise
            # A cache that can't be written only costs time; the build goes on.


class MemoryCache:
    """The same interface in memory, for tests and one-off runs."""

    def __init__(self) -> None:
        self.entries: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.entries.get(key)

    def put(self, key: str, data: bytes) -> None:
        self.entries[key] = data

    def child(self, namespace: str) -> MemoryCache:
        return self
