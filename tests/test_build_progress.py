"""Progress: plain lines when not on a terminal, bars on one, nothing with -q."""

from __future__ import annotations

import io
import re

import pytest

from notebook_publish.progress import NO_PROGRESS, PlainProgress, RichProgress, make_progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run_stage(progress) -> None:
    with progress.stage("typesetting chapters", 3) as stage:
        stage.cached("a", "alpha.md")
        stage.start("b", "beta.md")
        stage.start("c", "gamma.md")
        stage.finish("c", "gamma.md", "4 pages")
        stage.finish("b", "beta.md", "2 pages")


def test_plain_lines_off_a_terminal(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    out = io.StringIO()
    progress = make_progress(stream=out)
    assert isinstance(progress, PlainProgress)
    run_stage(progress)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("typesetting chapters [2/3] gamma.md (") and lines[0].endswith(", 4 pages)")
    assert lines[1].startswith("typesetting chapters [3/3] beta.md (")
    assert lines[-1] == "typesetting chapters: 3 done"
    assert "alpha.md" not in out.getvalue()  # cached items only with -v


def test_verbose_lists_cached_items(monkeypatch):
    out = io.StringIO()
    run_stage(make_progress(verbose=True, stream=out))
    assert "typesetting chapters [1/3] alpha.md (unchanged, from the cache)" in out.getvalue()


def test_quiet_prints_nothing():
    out = FakeTerminal()
    progress = make_progress(quiet=True, stream=out)
    assert progress is NO_PROGRESS
    run_stage(progress)
    assert out.getvalue() == ""


def test_bars_on_a_terminal_but_lines_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    term = FakeTerminal()
    progress = make_progress(stream=term)
    assert isinstance(progress, RichProgress)
    run_stage(progress)
    assert "typesetting chapters: 3 done" in term.getvalue()
    assert "━" in term.getvalue() and "3/3" in term.getvalue()  # a bar was drawn
    monkeypatch.setenv("CI", "true")
    assert isinstance(make_progress(stream=FakeTerminal()), PlainProgress)


def _long_topic(title: str, bullets: int) -> str:
    items = "".join(f"- Point {i}: a sentence long enough to take most of a line on a slide.\n" for i in range(bullets))
    return f"## {title}\n\n{items}\n"


def _deck_lines(output: str) -> dict[str, str]:
    """Each deck's progress line, by file name."""
    found = {}
    for line in output.splitlines():
        match = re.match(r"writing decks \[\d+/\d+\] (\S+\.pptx) \((.*)\)$", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_progress_counts_the_slides_a_deck_has_after_splitting(tmp_path, monkeypatch, jobs):
    """A topic whose bullets overflow is split into continuation slides: the progress
    line states the slides the written file holds, not the topics' slides before the
    split. With two jobs the decks are written by worker processes."""
    from pptx import Presentation

    from publish_harness import Project, assert_clean

    monkeypatch.delenv("CI", raising=False)
    p = Project(tmp_path / "book")
    p.write("index.md", "# Course\n\n" + _long_topic("Overflowing", 60) + _long_topic("Also long", 35))
    run = p.run("slides", "--set", "slides.topic=heading", "--jobs", jobs)
    assert_clean(run, codes=(0, 1))
    decks = p.decks()
    assert len(decks) == 2
    lines = _deck_lines(run.stderr)
    assert sorted(lines) == [d.name for d in decks], run.stderr
    for deck in decks:
        count = len(Presentation(str(deck)).slides)
        assert count > 3  # the topic was split across continuation slides
        assert lines[deck.name].endswith(f", {count} slides"), (deck.name, count, run.stderr)
