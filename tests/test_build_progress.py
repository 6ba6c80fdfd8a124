"""Progress: plain lines when not on a terminal, bars on one, nothing with -q."""

from __future__ import annotations

import io

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
