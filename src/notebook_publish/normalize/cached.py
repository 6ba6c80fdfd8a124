"""The normaliser's results kept in the build cache.

Normalising is pure: what it returns depends on the note's text, its path, the notes
and media folders and the list of files in them (which links and images resolve), and
on the normaliser's own code and ftfy. The key covers exactly those, so an entry is
never stale. On a rebuild after a one-note edit this skips most of the work of reading
the notebook.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_publish.cache import content_key, diagnostic_from_row, diagnostic_row
from notebook_publish.diagnostics import Diagnostic
from notebook_publish.normalize import normalize
from notebook_publish.normalize.context import NoteContext

if TYPE_CHECKING:
    from notebook_publish.cache import Cache
    from notebook_publish.normalize.vault import VaultIndex

_SCHEMA = "normalized-1"


def _code_fingerprint() -> str:
    """Every module of the normaliser, and the ftfy it uses for mojibake."""
    import ftfy

    package = Path(__file__).parent
    sources = [p.read_bytes() for p in sorted(package.glob("*.py"))]
    return content_key(_SCHEMA, ftfy.__version__, *sources)


class CachedNormalizer:
    """`normalize(text, ctx)` through `cache` (a `Cache` namespace, or None for none).

    One is made per build: the parts of the key that every note shares (the code, the
    folders, the file list) are hashed once."""

    def __init__(
        self,
        cache: Cache | None,
        notes_dir: Path,
        media_dirs: tuple[Path, ...],
        files: Iterable[Path],
        flavours: Iterable[str] = frozenset(),
        vault: VaultIndex | None = None,
    ) -> None:
        self.cache = cache
        # The vault index adds the notes' aliases (what wikilinks resolve by) to the file list.
        vault_key = "" if vault is None else vault.key()
        self.shared = (
            ""
            if cache is None
            else content_key(
                _code_fingerprint(),
                str(notes_dir),
                *map(str, media_dirs),
                "\0",
                *sorted(flavours),
                "\0",
                vault_key,
                "\0",
                *sorted(map(str, files)),
            )
        )

    def normalize(self, text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
        if self.cache is None:
            return normalize(text, ctx)
        key = content_key(self.shared, str(ctx.path), text)
        hit = self.cache.get(key)
        if hit is not None:
            try:
                return _decode(hit)
            except (ValueError, KeyError, TypeError):
                pass  # an entry in an older shape: normalise again
        result = normalize(text, ctx)
        self.cache.put(key, _encode(*result))
        return result


def _encode(text: str, diagnostics: list[Diagnostic]) -> bytes:
    return json.dumps(
        {"text": text, "diagnostics": [diagnostic_row(d) for d in diagnostics]}, ensure_ascii=False
    ).encode("utf-8")


def _decode(data: bytes) -> tuple[str, list[Diagnostic]]:
    entry = json.loads(data)
    return entry["text"], [diagnostic_from_row(row) for row in entry["diagnostics"]]
