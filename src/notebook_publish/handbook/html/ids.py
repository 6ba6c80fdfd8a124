"""Anchor names in the handbook, namespaced per note.

Every note gets a prefix made from its path, and each of its headings is
`<prefix>--<heading id>`. Two notes with a "Train" heading therefore get two
different anchors, and a link `other.md#train` names exactly one of them.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath


def _slug(text: str) -> str:
    slug = re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")
    return slug or "note"


def note_prefixes(rels: list[str]) -> dict[str, str]:
    """A unique anchor prefix for every note path (relative, posix), stable for the same paths."""
    prefixes: dict[str, str] = {}
    used: set[str] = set()
    for rel in rels:
        base = "n-" + _slug(str(PurePosixPath(rel).with_suffix("")))
        prefix, n = base, 2
        while prefix in used:
            prefix, n = f"{base}-{n}", n + 1
        used.add(prefix)
        prefixes[rel] = prefix
    return prefixes


def heading_anchor(prefix: str, heading_id: str) -> str:
    return f"{prefix}--{heading_id}"
