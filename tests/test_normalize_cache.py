"""Normalised notes come from the build cache, and a cached result is never stale:
the same as normalising again, and renewed when the files a link may name change."""

from pathlib import Path

from notebook_publish.cache import Cache
from notebook_publish.config import load_config
from notebook_publish.notes import load_book


def make_project(tmp_path: Path) -> Path:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "index.md").write_text("# Book\n\n- [Intro](intro.md)\n", encoding="utf-8")
    # Mojibake, a bold marker with a space inside, and a link to a note not written yet.
    (notes / "intro.md").write_text("# Intro\n\nA â‡’ B, **CLiP **, see [later](later.md).\n", encoding="utf-8")
    (tmp_path / "handbook.yml").write_text("title: Cached\nmedia: []\n", encoding="utf-8")
    return tmp_path


def snapshot(book) -> dict[str, tuple[str, list]]:
    return {c.note.rel: (c.note.text, sorted(d.format() for d in c.note.diagnostics)) for c in book.chapters}


def test_cached_normalisation_equals_normalising_again(tmp_path):
    config = load_config(make_project(tmp_path) / "handbook.yml")
    cache = Cache(tmp_path / "cache")
    uncached = snapshot(load_book(config, None))
    first = snapshot(load_book(config, cache))
    assert list((tmp_path / "cache" / "normalized").rglob("*")), "nothing was cached"
    second = snapshot(load_book(config, cache))  # served from the cache
    assert uncached == first == second
    text, diagnostics = second["intro.md"]
    assert "⇒" in text and "**CLiP**" in text
    assert any("broken-link" in d for d in diagnostics)


def test_a_new_file_renews_the_cached_result(tmp_path):
    project = make_project(tmp_path)
    config = load_config(project / "handbook.yml")
    cache = Cache(tmp_path / "cache")
    before = snapshot(load_book(config, cache))
    assert any("broken-link" in d for d in before["intro.md"][1])

    # The note's text is unchanged; the file its link names now exists.
    (project / "notes" / "later.md").write_text("# Later\n", encoding="utf-8")
    after = snapshot(load_book(config, cache))
    assert not any("broken-link" in d for d in after["intro.md"][1])
    assert after["intro.md"] == snapshot(load_book(config, None))["intro.md"]


def test_an_edited_note_is_normalised_again(tmp_path):
    project = make_project(tmp_path)
    config = load_config(project / "handbook.yml")
    cache = Cache(tmp_path / "cache")
    load_book(config, cache)
    (project / "notes" / "intro.md").write_text("# Intro\n\n**Edited **text.\n", encoding="utf-8")
    text, _ = snapshot(load_book(config, cache))["intro.md"]
    assert "**Edited**" in text and "CLiP" not in text
