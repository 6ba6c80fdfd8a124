"""Malformed notes: the book builds, or the note is refused with one clear message naming
the file and line. Either way the run ends in bounded time and memory, without a
traceback.

Every case is its own notebook, built with `check`, `pdf` and `slides` as real
processes.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from publish_harness import COMMANDS, Project, assert_clean

# Every line a build prints about a problem: `path:line:col: severity[code]: message`.
DIAGNOSTIC = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning|info)\[(?P<code>[\w-]+)\]: ", re.M
)


def diagnostics(run) -> list[dict]:
    return [m.groupdict() for m in DIAGNOSTIC.finditer(run.output)]


def codes(run) -> list[str]:
    return [d["code"] for d in diagnostics(run)]


def build(project: Project, *, timeout: float = 180, expect=(0, 1)) -> dict:
    runs = project.run_all(timeout=timeout)
    for run in runs.values():
        assert_clean(run, expect)
    return runs


def only(runs: dict, code: str) -> list[dict]:
    found = [d for d in diagnostics(runs["check"]) if d["code"] == code]
    for command in COMMANDS[1:]:
        # The build commands report the note's problems as `check` does.
        assert [d for d in diagnostics(runs[command]) if d["code"] == code] == found, command
    return found


INDEX = "# Book\n\n- [Case](case.md)\n"


def case_project(tmp_path, text: str | bytes, name: str = "case.md") -> Project:
    project = Project(tmp_path / "book")
    project.write("index.md", INDEX.replace("case.md", name.replace(" ", "%20")))
    project.write(name, text)
    return project


# --- fences and TeX --------------------------------------------------------------------


@pytest.mark.slow
def test_unterminated_math_fence(tmp_path):
    project = case_project(tmp_path, "# Case\n\n## Math\n\nBefore.\n\n```math\nE = mc^2\n\nAfter, never closed.\n")
    runs = build(project)
    assert all(r.returncode == 0 for r in runs.values())
    found = only(runs, "unclosed-math")
    assert [(d["path"], d["line"]) for d in found] == [("notes/case.md", "7")]
    assert "Before." in project.pdf_text()  # the rest of the fence is typeset as one formula
    assert project.decks()


@pytest.mark.slow
def test_unterminated_code_fence(tmp_path):
    project = case_project(
        tmp_path, "# Case\n\n## Code\n\nBefore.\n\n```python\ndef f():\n    return 1\n\n## Not a heading\n"
    )
    runs = build(project)
    assert all(r.returncode == 0 for r in runs.values())
    text = project.pdf_text()
    assert "def f():" in text and "Not a heading" in text  # all of it is code, as GitHub shows it
    assert project.decks()


@pytest.mark.slow
def test_invalid_tex(tmp_path):
    project = case_project(
        tmp_path,
        "# Case\n\n## Bad math\n\n"
        "Inline $\\frac{a$ and $\\nosuchcommand{x}$ and $x^{$.\n\n"
        "$$\n\\begin{pmatrix} a & b \\\\ c\n$$\n\n"
        "$$\\left( x$$\n\n"
        "$$\\def\\x{\\x}\\x$$\n\n"
        "$$" + "{" * 300 + "x" + "}" * 300 + "$$\n\n"
        "Good: $a^2 + b^2 = c^2$.\n",
    )
    runs = build(project)
    errors = [d for d in diagnostics(runs["pdf"]) if d["code"] == "math-error"]
    assert errors and all(d["path"] == "notes/case.md" and int(d["line"]) > 1 for d in errors), str(runs["pdf"])
    assert "TeX error" in project.pdf_text() or "TEX ERROR" in project.pdf_text()
    assert project.decks()


# --- encodings ---------------------------------------------------------------------------


@pytest.mark.slow
def test_binary_note_is_refused_with_one_message(tmp_path):
    from publish_harness import png_bytes

    project = case_project(tmp_path, png_bytes(20, 20))
    runs = build(project, expect=(1,))
    for run in runs.values():
        found = [d for d in diagnostics(run) if d["code"] == "binary-note"]
        assert len(found) == 1 and found[0]["path"] == "notes/case.md" and found[0]["line"] == "1", str(run)
    assert project.pdf.is_file() and project.decks() == []  # the rest of the book is built


@pytest.mark.slow
def test_latin1_note_is_read_with_a_warning(tmp_path):
    project = case_project(tmp_path, "# Café\n\n## Crème brûlée\n\n- Ünïcödé, naïve, façade\n".encode("latin-1"))
    runs = build(project)
    found = only(runs, "not-utf8")
    assert len(found) == 1 and found[0]["path"] == "notes/case.md" and found[0]["line"] == "1"
    assert "Crème brûlée" in project.pdf_text()
    assert "façade" in project.deck_xml()


@pytest.mark.slow
def test_utf16_note_with_bom(tmp_path):
    project = case_project(tmp_path, "# Case\n\n## Ελληνικά\n\n- 中文 and emoji 👍\n".encode("utf-16"))
    runs = build(project)
    assert all(r.returncode == 0 for r in runs.values())
    assert "not-utf8" not in runs["check"].output
    assert "Ελληνικά" in project.pdf_text() and "中文" in project.deck_xml()


@pytest.mark.slow
def test_broken_utf16_without_a_pair(tmp_path):
    # A BOM, then a lone high surrogate: not decodable as UTF-16.
    project = case_project(tmp_path, b"\xff\xfe" + "# Case\n".encode("utf-16-le") + b"\x00\xd8")
    runs = build(project)
    for run in runs.values():
        assert len([c for c in codes(run) if c in ("binary-note", "not-utf8")]) == 1, str(run)


@pytest.mark.slow
@pytest.mark.parametrize("text", ["", "\n\n   \n", "\ufeff"], ids=["empty", "blank", "bom-only"])
def test_empty_note(tmp_path, text):
    project = case_project(tmp_path, text)
    runs = build(project)
    assert all(r.returncode == 0 for r in runs.values())
    assert project.pdf.is_file()


@pytest.mark.slow
def test_only_note_is_empty(tmp_path):
    project = Project(tmp_path / "book")
    project.write("index.md", "")
    runs = project.run_all("-v")
    for run in runs.values():
        assert_clean(run, (0,))
    assert all(r.returncode == 0 for r in runs.values())
    assert project.pdf.is_file()
    assert "no-topics" in runs["slides"].output


# --- size ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_20_mb_note_is_refused_with_one_message(tmp_path):
    line = "- a line of an exported note that goes on and on, " * 2 + "\n"
    text = "# Huge\n\n## Part\n\n" + line * (20 * 1024 * 1024 // len(line))
    project = case_project(tmp_path, text)
    runs = build(project, expect=(1,))
    for run in runs.values():
        found = [d for d in diagnostics(run) if d["code"] == "note-too-large"]
        assert len(found) == 1 and found[0]["path"] == "notes/case.md" and found[0]["line"] == "1", str(run)
        assert "split it" in run.output
        assert run.seconds < 60 and run.max_rss_mb < 600, str(run)


@pytest.mark.slow
def test_lists_nested_500_deep(tmp_path):
    text = "# Case\n\n## Deep\n\n" + "".join("  " * i + f"- level {i}\n" for i in range(500))
    project = case_project(tmp_path, text)
    runs = build(project)
    for run in runs.values():
        assert run.seconds < 120, str(run)
    found = only(runs, "deep-nesting")
    assert len(found) == 1 and found[0]["path"] == "notes/case.md" and int(found[0]["line"]) > 40
    # Flattened below 40 levels, not dropped: every item is in both outputs.
    pdf = project.pdf_text()
    xml = project.deck_xml()
    for i in range(500):
        assert f"level {i}\n" in pdf and f"level {i}<" in xml, i


@pytest.mark.slow
def test_block_quotes_nested_60_deep(tmp_path):
    # Each level on its own line with words of its own, so a lost or clipped level shows.
    lines = ["# Case", "", "## Quoted", ""]
    for depth in range(1, 61):
        lines += ["> " * depth + f"level{depth} words{depth} here{depth}", "> " * depth]
    project = case_project(tmp_path, "\n".join(lines + ["", "After the quote."]) + "\n")
    runs = build(project, expect=(0,))
    [found] = only(runs, "deep-nesting")
    # The first flattened level is the 13th, at its line (5 + 2 * 12) and after its 13 `> `.
    assert (found["path"], found["line"], found["col"]) == ("notes/case.md", "29", "27")
    assert "block quotes nest more than 12 deep" in runs["check"].output
    words = project.pdf_text().split()
    xml = project.deck_xml()
    for depth in range(1, 61):
        for word in (f"level{depth}", f"words{depth}", f"here{depth}"):
            assert words.count(word) == 1, word
        assert f"level{depth} words{depth} here{depth}" in xml, depth
    assert "After the quote." in " ".join(words)
    # Flattened, the deep levels keep the 12th level's width: nothing runs off the page.
    import subprocess

    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(project.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    right_edges = [float(x) for x in re.findall(r'xMax="([0-9.]+)"[^>]*>here\d+<', bbox)]
    assert len(right_edges) == 60 and max(right_edges) < 595.28 - 22 / 25.4 * 72  # inside the right margin of A4


@pytest.mark.slow
def test_50000_bullets_are_refused_with_one_message(tmp_path):
    # Typeset, they made 1,200 pages in 3 minutes and 2 GB; the tool refuses the note.
    text = "# Case\n\n## Many\n\n" + "".join(f"- bullet number {i}\n" for i in range(50_000))
    project = case_project(tmp_path, text)
    runs = build(project, expect=(1,))
    for run in runs.values():
        found = [d for d in diagnostics(run) if d["code"] == "note-too-long"]
        assert len(found) == 1 and found[0]["path"] == "notes/case.md" and found[0]["line"] == "1", str(run)
        assert "split it" in run.output
        assert run.seconds < 60, str(run)
    assert project.pdf.is_file()  # the rest of the book is built


@pytest.mark.slow
def test_15000_bullets_are_built(tmp_path):
    text = "# Case\n\n## Many\n\n" + "".join(f"- bullet number {i}\n" for i in range(15_000))
    project = case_project(tmp_path, text)
    runs = project.run_all("--set", "pdf.index=false", commands=("check", "slides"))
    for run in runs.values():
        assert_clean(run, (0,))
        assert run.seconds < 120, str(run)
    assert "bullet number 14999" in project.deck_xml()


@pytest.mark.slow
def test_300_formulas_are_all_drawn(tmp_path):
    # Half inline in a list, half display, each with a number no other formula has; how
    # long 5,000 of them take is measured by `make bench` (bench/bench.py), not here.
    inline = [10000 + i for i in range(150)]
    display = [20000 + i for i in range(150)]
    text = "# Case\n\n## Formulas\n\n" + "".join(f"- $x = \\frac{{{n}}}{{y + 1}}$\n" for n in inline)
    text += "".join(f"\n$$\\sum_{{k=0}}^{{{n}}} k^2$$\n" for n in display)
    project = case_project(tmp_path, text)
    runs = build(project, expect=(0,))
    for run in runs.values():
        assert "math-error" not in codes(run), str(run)
    # Each formula is drawn with its text laid over it (handbook/text_layer.py): every
    # number once in the PDF's text, none lost, none twice.
    drawn = re.findall(r"(?<!\d)[12]\d{4}(?!\d)", project.pdf_text())
    assert sorted(map(int, drawn)) == inline + display
    # And every one is on a slide: a display formula as an equation (OMML), an inline one
    # in its line's text.
    xml = project.deck_xml()
    equations = re.findall(r"<m:t>[^<]*?(?<!\d)([12]\d{4})(?!\d)", xml)
    in_text = re.findall(r"<a:t>[^<]*?(?<!\d)(1\d{4})(?!\d)", xml)
    assert sorted(map(int, equations)) == display and sorted(set(map(int, in_text))) == inline


@pytest.mark.slow
def test_table_with_500_columns(tmp_path):
    header = "|" + "|".join(f"c{i}" for i in range(500)) + "|\n"
    rule = "|" + "|".join("---" for _ in range(500)) + "|\n"
    rows = "".join("|" + "|".join(f"r{r}c{i}" for i in range(500)) + "|\n" for r in range(5))
    project = case_project(tmp_path, "# Case\n\n## Wide\n\n" + header + rule + rows)
    runs = build(project)
    for run in runs.values():
        assert run.seconds < 120, str(run)
    assert project.pdf.is_file() and project.decks()


# --- links and names ------------------------------------------------------------------------


@pytest.mark.slow
def test_circular_and_self_links(tmp_path):
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n- [A](a.md)\n- [Self](index.md)\n")
    project.write("a.md", "# A\n\n## Topic A\n\n- [B](b.md)\n- to [myself](a.md), to [here](#topic-a)\n")
    project.write("b.md", "# B\n\n## Topic B\n\n- B goes back up.\n\n- [A](a.md)\n- [index](index.md)\n")
    runs = project.run_all("-v")  # cycles are notes (info), shown with -v
    for run in runs.values():
        assert_clean(run, (0,))
    assert all(r.returncode == 0 for r in runs.values())
    assert "3 chapter(s)" in runs["check"].stdout
    cycles = only(runs, "link-cycle")
    assert cycles and all(d["path"].startswith("notes/") for d in cycles)
    assert len(project.decks()) == 2


@pytest.mark.slow
def test_two_notes_with_the_same_title(tmp_path):
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n- [One](one/notes.md)\n- [Two](two/notes.md)\n")
    project.write("one/notes.md", "# Notes\n\n## Same heading\n\nFirst [x](#same-heading).\n")
    project.write("two/notes.md", "# Notes\n\n## Same heading\n\nSecond [x](#same-heading).\n")
    runs = build(project)
    assert all(r.returncode == 0 for r in runs.values())
    text = project.pdf_text()
    assert "First" in text and "Second" in text
    decks = project.decks()
    assert len(decks) == 2 and len({d.name for d in decks}) == 2


@pytest.mark.slow
def test_names_with_spaces_non_ascii_and_notion_ids(tmp_path):
    from publish_harness import png_bytes

    project = Project(tmp_path / "book")
    names = [
        "My Page 1b505834c0de80378ee9cfc97356b605.md",
        "Über Straße — 日本語.md",
        "a b/c d e.md",
        "Page (copy) [1] #2 & 'q'.md",  # '#' percent-encoded in its link: see below
    ]
    (project.notes / "Pictures 1b505834c0de80378ee9cfc97356b605").mkdir()
    (project.notes / "Pictures 1b505834c0de80378ee9cfc97356b605" / "Bild ü 1.png").write_bytes(png_bytes(30, 20))
    # As exporters write them: percent-encoded (Notion), or raw inside <> (Obsidian).
    links = "".join(f"- [{n[:-3]}]({quote(n)})\n" if i % 2 else f"- [{n[:-3]}](<{n}>)\n" for i, n in enumerate(names))
    project.write("index.md", "# Book\n\n" + links)
    for i, name in enumerate(names):
        project.write(
            name,
            f"# Title {i}\n\n## Topic {i}\n\n- text of note {i}\n\n![Bild](<Pictures 1b505834c0de80378ee9cfc97356b605/Bild ü 1.png>)\n",
        )
    runs = build(project)
    assert all(r.returncode == 0 for r in runs.values()), runs
    assert "0 errors, 0 warnings" in runs["check"].stdout, runs["check"]
    assert "5 chapter(s)" in runs["check"].stdout
    text = project.pdf_text()
    assert all(f"text of note {i}" in text for i in range(len(names)))
    assert len(project.decks()) == len(names)
