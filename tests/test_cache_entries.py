"""The one shape of a cache entry that carries bytes with a description, and of a
problem stored in the cache."""

from pathlib import Path

import pytest

from notebook_publish.cache import diagnostic_from_row, diagnostic_row, pack_entry, unpack_entry
from notebook_publish.diagnostics import Diagnostic, Severity


def test_a_packed_entry_gives_back_its_head_and_body():
    head = {"page_names": ["a", "b"], "anchors": {"x": [0, 1.5, 2.0]}, "note": "é ✓"}
    body = b"%PDF-1.7\n\x00\xff" * 100
    assert unpack_entry(pack_entry(head, body)) == (head, body)
    assert unpack_entry(pack_entry([], b"")) == ([], b"")


@pytest.mark.parametrize(
    "entry", [b"", b"\x00\x00", (10**6).to_bytes(8, "big") + b"{}", (2).to_bytes(8, "big") + b"{x"]
)
def test_a_damaged_entry_is_refused(entry):
    with pytest.raises(ValueError):
        unpack_entry(entry)


def test_a_problem_survives_the_cache():
    for d in (
        Diagnostic(Path("notes/a b.md"), 8, 3, Severity.WARNING, "bad-image", "cannot draw `x.png`", "re-export it"),
        Diagnostic(None, 0, 0, Severity.ERROR, "slides", "a deck failed", ""),
    ):
        row = diagnostic_row(d)
        assert diagnostic_from_row(row) == d
        assert unpack_entry(pack_entry([row]))[0] == [row]  # JSON holds it as it is
    with pytest.raises((ValueError, TypeError)):
        diagnostic_from_row(["notes/a.md", 1, 1])


def test_the_normalisers_entries_read_back(tmp_path, monkeypatch):
    from notebook_publish.cache import MemoryCache
    from notebook_publish.normalize.cached import CachedNormalizer
    from notebook_publish.normalize.context import NoteContext

    note = tmp_path / "notes" / "a.md"
    ctx = NoteContext(path=note, notes_dir=note.parent)
    cache = MemoryCache()
    normalizer = CachedNormalizer(cache, note.parent, (), frozenset())
    text = "# A\n\n![gone](missing.png)\n"
    first = normalizer.normalize(text, ctx)
    assert first[1] and len(cache.entries) == 1

    def not_again(text, ctx):
        raise AssertionError("normalised again: the entry did not read back")

    monkeypatch.setattr("notebook_publish.normalize.cached.normalize", not_again)
    assert CachedNormalizer(cache, note.parent, (), frozenset()).normalize(text, ctx) == first
