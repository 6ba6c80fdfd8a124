"""The deck cache: an unchanged deck comes back byte for byte, with its diagnostics; a
changed picture, note or date gives a new deck; dates are day-granular without
SOURCE_DATE_EPOCH."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from notebook_publish.cache import Cache
from notebook_publish.config import load_config
from notebook_publish.notes import load_book
from notebook_publish.slides import build_decks, deck_time


def _project(tmp_path: Path) -> Path:
    notes = tmp_path / "notes"
    (notes / "media").mkdir(parents=True)
    Image.new("RGB", (40, 30), (200, 30, 30)).save(notes / "media" / "red.png")
    (notes / "index.md").write_text("# Index\n\n- [Alpha](alpha.md)\n", encoding="utf-8")
    (notes / "alpha.md").write_text(
        "# Alpha\n\n## First\n\n- one point\n- another point with $x^2$\n\n## Picture\n\n![A red square](media/red.png)\n",
        encoding="utf-8",
    )
    (tmp_path / "handbook.yml").write_text(
        "title: Deck cache\nnotes: notes\nmedia: [notes/media]\noutput: build\n", encoding="utf-8"
    )
    return tmp_path


def _build(root: Path, monkeypatch, epoch: str | None = "1700000000"):
    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    config = load_config(root / "handbook.yml", overrides={"slides.topic": "note"}, cwd=root)
    book = load_book(config, Cache(root / "build" / ".cache"))
    # The decks in the folder, written now or kept because they were already right.
    _written, diagnostics = build_decks(book, root / "build" / "slides", jobs=1)
    return {p.name: p.read_bytes() for p in sorted((root / "build" / "slides").glob("*.pptx"))}, diagnostics


def _entries(root: Path) -> int:
    folder = root / "build" / ".cache" / "decks"
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def test_unchanged_decks_come_from_the_cache_byte_identical(tmp_path, monkeypatch):
    root = _project(tmp_path)
    first, found_first = _build(root, monkeypatch)
    assert first and _entries(root) == len(first)
    # A cached deck is written again even if the output was deleted.
    shutil.rmtree(root / "build" / "slides")
    second, found_second = _build(root, monkeypatch)
    assert second == first
    assert [d.code for d in found_second] == [d.code for d in found_first]
    assert _entries(root) == len(first)  # nothing new was written to the cache


def test_a_changed_picture_note_or_date_gives_a_new_deck(tmp_path, monkeypatch):
    root = _project(tmp_path)
    first, _ = _build(root, monkeypatch)
    deck = next(name for name in first if "alpha" in name)

    Image.new("RGB", (40, 30), (30, 30, 200)).save(root / "notes" / "media" / "red.png")
    after_picture, _ = _build(root, monkeypatch)
    assert after_picture[deck] != first[deck]

    note = root / "notes" / "alpha.md"
    note.write_text(note.read_text(encoding="utf-8") + "\n- a third point\n", encoding="utf-8")
    after_note, _ = _build(root, monkeypatch)
    assert after_note[deck] != after_picture[deck]

    later, _ = _build(root, monkeypatch, epoch=str(1700000000 + 86400))
    assert later[deck] != after_note[deck]


def test_deck_dates_are_day_granular_without_source_date_epoch(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    when = deck_time()
    now = datetime.now(tz=UTC)
    assert (when.hour, when.minute, when.second, when.microsecond) == (0, 0, 0, 0)
    assert 0 <= (now - when).total_seconds() < 86400 + 60
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000123")
    assert deck_time() == datetime.fromtimestamp(1700000123, tz=UTC)


@pytest.mark.skipif(os.name != "posix", reason="day boundary check uses the POSIX clock")
def test_two_builds_on_the_same_day_without_epoch_are_identical(tmp_path, monkeypatch):
    root = _project(tmp_path)
    first, _ = _build(root, monkeypatch, epoch=None)
    second, _ = _build(root, monkeypatch, epoch=None)
    if deck_time().date() == datetime.now(tz=UTC).date():  # not across midnight
        assert second == first
