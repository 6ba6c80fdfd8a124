"""Deck titles and file names: unique in the book, made of words, chosen per note when
a wiki repeats its section headings. Decks are read back with python-pptx."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pptx import Presentation

from conftest import ROOT
from notebook_publish.cache import Cache
from notebook_publish.config import load_config
from notebook_publish.diagnostics import Severity, UsageError
from notebook_publish.notes import load_book
from notebook_publish.slides import build_decks, decks_of_book
from publish_harness import run_cli

EPOCH = "1700000000"
CHAPTERS = ["Kerberos", "LDAP", "OAuth", "Über Straße", "SAML"]
SECTIONS = ["Theory", "Practice", "Resources"]
DECK_FILE = re.compile(r"^(\d{2,})-([a-z0-9]+(?:-[a-z0-9]+)*)\.pptx$")


def _wiki(root: Path, extra: str = "") -> Path:
    """Notes that all have the same three sections, and an index that names them."""
    notes = root / "notes"
    notes.mkdir(parents=True)
    links = "".join(f"- [{name}](note{i}.md)\n" for i, name in enumerate(CHAPTERS))
    (notes / "index.md").write_text(f"# Wiki\n\n{links}", encoding="utf-8")
    for i, name in enumerate(CHAPTERS):
        body = "".join(f"## {section}\n\n- {section.lower()} of {name}\n\n" for section in SECTIONS)
        (notes / f"note{i}.md").write_text(f"# {name}\n\n{body}" + (extra if i == 0 else ""), encoding="utf-8")
    return root


def _book(root: Path, **overrides):
    config = load_config(None, overrides={"notes": "notes", "output": "build", **overrides}, cwd=root)
    return load_book(config, Cache(root / "build" / ".cache"))


def _build(root: Path, monkeypatch, topic=None, out: str = "slides", **overrides):
    """The decks in the output folder, and the diagnostics."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    book = _book(root, **overrides)
    folder = root / "build" / out
    _written, diagnostics = build_decks(book, folder, topic=topic, jobs=1)
    return sorted(folder.glob("*.pptx")), diagnostics


def _title_slide(path: Path) -> str:
    return Presentation(str(path)).slides[0].shapes.title.text_frame.text


def _footers(path: Path) -> set[str]:
    prs = Presentation(str(path))
    return {
        shape.text_frame.text
        for slide in prs.slides
        for shape in slide.shapes
        if shape.name == "Footer" and shape.has_text_frame
    }


def _words(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def test_heading_topics_carry_their_chapter_when_the_heading_repeats(tmp_path, monkeypatch):
    decks, _ = _build(_wiki(tmp_path), monkeypatch, **{"slides.topic": "heading"})
    assert len(decks) == len(CHAPTERS) * len(SECTIONS)
    titles = [_title_slide(d) for d in decks]
    assert len(set(titles)) == len(titles) and len({d.name for d in decks}) == len(decks)
    for deck, title in zip(decks, titles):
        chapter, _, section = title.partition(" — ")
        assert chapter in CHAPTERS and section in SECTIONS, title
        # The file name says the same, in words, after the deck's number.
        number, slug = DECK_FILE.match(deck.name).groups()
        folded = "uber-strasse" if chapter == "Über Straße" else _words(chapter)
        assert slug == f"{folded}-{_words(section)}", deck.name
        assert Presentation(str(deck)).core_properties.title == title
        assert any(title in footer for footer in _footers(deck)), deck.name
    # A slide keeps its heading alone: the chapter is on the title slide and in the footer.
    first = Presentation(str(decks[0])).slides[1].shapes.title.text_frame.text
    assert first in SECTIONS


@pytest.mark.slow
def test_auto_makes_one_deck_per_note_when_most_headings_repeat(tmp_path, monkeypatch):
    root = _wiki(tmp_path)
    decks, diagnostics = _build(root, monkeypatch)  # slides.topic is auto by default
    assert [_title_slide(d) for d in decks] == CHAPTERS
    for deck in decks:
        agenda = [
            s
            for s in Presentation(str(deck)).slides
            if s.shapes.title is not None and s.shapes.title.text_frame.text == "Agenda"
        ]
        assert agenda, deck.name
    [chosen] = [d for d in diagnostics if d.code == "topic-auto"]
    assert chosen.severity == Severity.INFO and "`note`" in chosen.message and "15 of 15" in chosen.message
    # `check -v` says the same, without building anything.
    check = run_cli(root, "check", "-v", "--notes", "notes", "--output", "build")
    assert check.returncode == 0, check
    assert "info[topic-auto]" in check.stdout and "chose `note`" in check.stdout
    quiet = run_cli(root, "check", "--notes", "notes", "--output", "build")
    assert "topic-auto" not in quiet.output


def test_auto_keeps_sections_when_their_headings_are_unique(tmp_path, monkeypatch):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "index.md").write_text(
        "# Course\n\n## Week one\n\n- a\n\n## Week two\n\n- b\n\n## Summary\n\n- c\n\n## Summary\n\n- d\n",
        encoding="utf-8",
    )
    decks, diagnostics = _build(tmp_path, monkeypatch)
    titles = [_title_slide(d) for d in decks]
    # 2 of 4 headings repeat: not more than half, so a deck per section.
    assert titles == ["Week one", "Week two", "Course — Summary", "Course — Summary"]
    assert [DECK_FILE.match(d.name).group(2) for d in decks] == [
        "week-one",
        "week-two",
        "course-summary",
        "course-summary-2",
    ]
    [chosen] = [d for d in diagnostics if d.code == "topic-auto"]
    assert "`heading`" in chosen.message and "2 of 4" in chosen.message


def test_note_forces_a_deck_per_note_even_with_unique_headings(tmp_path, monkeypatch):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "index.md").write_text("# Course\n\n## Week one\n\n- a\n\n## Week two\n\n- b\n", encoding="utf-8")
    decks, diagnostics = _build(tmp_path, monkeypatch, **{"slides.topic": "note"})
    assert [_title_slide(d) for d in decks] == ["Course"]
    assert not [d for d in diagnostics if d.code == "topic-auto"]


def test_math_tex_code_and_emoji_stay_out_of_file_names(tmp_path, monkeypatch):
    noisy = (
        "## $$\\begin{align} p_{12} &= \\frac{a}{b} \\end{align}$$ Bayes `code` rule :tada: 🎉 \\alpha for the "
        "probability of the events we consider in a rather long heading\n\n- bayes\n\n"
        "## $x^2 + y^2$\n\n- only math in the heading\n"
    )
    decks, _ = _build(_wiki(tmp_path, noisy), monkeypatch, **{"slides.topic": "heading"})
    by_title = {_title_slide(d): d for d in decks}
    long = next(d for t, d in by_title.items() if "Bayes" in t)
    number, slug = DECK_FILE.match(long.name).groups()
    assert len(slug) <= 60 and slug.startswith("bayes-rule-for-the-probability")
    # Cut between words: every part is a whole word of the heading.
    heading_words = set("bayes rule for the probability of the events we consider in a rather long heading".split())
    assert set(slug.split("-")) <= heading_words, slug
    # A heading that is all math is named after its chapter.
    only_math = next(d for t, d in by_title.items() if "x^2" in t)
    assert DECK_FILE.match(only_math.name).group(2) == "kerberos"
    for deck in decks:
        assert DECK_FILE.match(deck.name), deck.name
        assert not re.search(r"begin|align|frac|alpha|code|tada", deck.name), deck.name


def test_the_same_heading_twice_in_a_note_gets_two_file_names(tmp_path, monkeypatch):
    decks, _ = _build(_wiki(tmp_path, "## Practice\n\n- more practice\n"), monkeypatch, **{"slides.topic": "heading"})
    kerberos = [d for d in decks if _title_slide(d) == "Kerberos — Practice"]
    assert len(kerberos) == 2 and kerberos[0].name != kerberos[1].name
    assert [DECK_FILE.match(d.name).group(2) for d in kerberos] == ["kerberos-practice", "kerberos-practice-2"]


def test_scripts_without_ascii_letters_keep_their_words(tmp_path, monkeypatch):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "index.md").write_text("# 机器学习\n\n## 注意力机制\n\n- 内容\n\n## Café Crème\n\n- b\n", encoding="utf-8")
    decks, _ = _build(tmp_path, monkeypatch)
    assert sorted(re.sub(r"^\d+-", "", d.name) for d in decks) == ["cafe-creme.pptx", "注意力机制.pptx"]


def test_links_between_decks_follow_the_new_names(tmp_path, monkeypatch):
    extra = "## Links\n\n- see [LDAP](note1.md#practice) and [OAuth](note2.md)\n"
    decks, _ = _build(_wiki(tmp_path, extra), monkeypatch, **{"slides.topic": "heading"})
    names = {d.name for d in decks}
    links = next(d for d in decks if _title_slide(d) == "Links")
    addresses = [
        r.hyperlink.address
        for s in Presentation(str(links)).slides
        for sh in s.shapes
        if sh.has_text_frame
        for p in sh.text_frame.paragraphs
        for r in p.runs
        if r.hyperlink.address
    ]
    assert len(addresses) == 2 and set(addresses) <= names
    assert _title_slide(links.parent / addresses[0]) == "LDAP — Practice"
    assert _title_slide(links.parent / addresses[1]) == "OAuth — Theory"  # the note's first deck


def test_topic_option_takes_a_title_a_file_name_or_a_unique_heading(tmp_path, monkeypatch):
    root = _wiki(tmp_path)
    for i, name in enumerate(("LDAP — Practice", "ldap-practice", "05-ldap-practice.pptx")):
        decks, _ = _build(root, monkeypatch, topic=name, out=f"one-{i}", **{"slides.topic": "heading"})
        assert [_title_slide(d) for d in decks] == ["LDAP — Practice"]
    with pytest.raises(UsageError) as caught:
        _build(root, monkeypatch, topic="Practice", **{"slides.topic": "heading"})
    assert "5 topics are headed `Practice`" in caught.value.diagnostic.message
    assert "`Kerberos — Practice`" in caught.value.diagnostic.hint


def test_seed_deck_names_are_the_same_under_auto(tmp_path):
    names = {}
    for topic in ("heading", "auto"):
        config = load_config(
            ROOT / "handbook.yml", overrides={"output": str(tmp_path / "build"), "slides.topic": topic}, cwd=ROOT
        )
        decks, _ = decks_of_book(load_book(config, Cache(tmp_path / "build" / ".cache")))
        names[topic] = [(d.title, d.filename) for d in decks]
    assert names["auto"] == names["heading"]
    # Each seed heading is unique, so its deck is named by the heading's words alone.
    for title, filename in names["heading"]:
        assert " — " not in title and filename.endswith(f"-{_words(title)}.pptx"), (title, filename)
