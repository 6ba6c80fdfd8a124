"""Callouts, admonitions, containers and tabs as a reader gets them: the handbook's
text has the titles and bodies and none of the syntax, each box is drawn in its type's
colour, and the decks show each callout as a filled shape with its title in bold."""

from __future__ import annotations

import re
import subprocess

import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.dml import MSO_FILL

from deck_fit import text_frame_fits
from notebook_publish.slides.style import tint
from notebook_publish.slides.text_metrics import TextMeasurer
from publish_harness import Project, assert_clean

NOTES = {
    "index.md": "# Boxes\n\n"
    + "\n".join(f"- [{n}]({n}.md)" for n in ("obsidian", "github", "gitbook", "mkdocs", "vitepress", "long"))
    + "\n",
    "obsidian.md": (
        "# Obsidian\n\n## Obsidian callouts\n\n"
        "> [!tip]- Obsidian tip title\n> Obsidian tip body.\n> > [!bug] Nested bug title\n> > Nested bug body.\n\n"
        "> [!danger]\n> Obsidian danger body.\n\n> [!my-kind] Unknown kind title\n> Unknown kind body.\n"
    ),
    "github.md": "# GitHub\n\n## GitHub alerts\n\n> [!NOTE]\n> GitHub note body.\n\n> [!WARNING] GitHub warning title\n> GitHub warning body.\n",
    "gitbook.md": (
        "# GitBook\n\n## GitBook hints\n\n"
        '{% hint style="success" %}\nGitBook success body.\n{% endhint %}\n\n'
        '{% tabs %}\n{% tab title="GitBook Windows tab" %}\nGitBook windows body.\n{% endtab %}\n'
        '{% tab title="GitBook Linux tab" %}\nGitBook linux body.\n{% endtab %}\n{% endtabs %}\n\n'
        '{% code title="gitbook_caption.py" %}\n```python\nprint("gitbook code")\n```\n{% endcode %}\n\n'
        '{% embed url="https://example.com/gitbook-embed" %}\n'
    ),
    "mkdocs.md": (
        "# MkDocs\n\n## MkDocs admonitions\n\n"
        '!!! note "MkDocs note title"\n    MkDocs note body.\n\n??? warning "MkDocs folded title"\n    MkDocs folded body.\n\n'
        '!!! example ""\n    MkDocs untitled body.\n\n=== "MkDocs tab one"\n    MkDocs tab one body.\n\n=== "MkDocs tab two"\n    MkDocs tab two body.\n'
    ),
    "vitepress.md": (
        "# VitePress\n\n## VitePress containers\n\n"
        "::: info VitePress info title\nVitePress info body.\n:::\n\n::: details VitePress details title\nVitePress details body.\n:::\n\n"
        "::: code-group\n```js [vite.config.js]\nexport default {}\n```\n:::\n\n:::tabs\n== VitePress npm tab\nnpm install it\n:::\n\n"
        "::: notes\nSpeaker notes, not a callout.\n:::\n"
    ),
    "long.md": "# Long\n\n## Long callout\n\n> [!abstract] Long abstract title\n"
    + "".join(f"> - Long item number {i} with a few more words to wrap.\n" for i in range(1, 25)),
}
SYNTAX = ("[!", "!!!", "???", ":::", "{%", "%}", "===", "{.callout", "{.tab-label")
# (family, title shown) of every callout the notes hold
CALLOUTS = [
    ("tip", "Obsidian tip title"),
    ("bug", "Nested bug title"),
    ("danger", "Danger"),
    ("note", "Unknown kind title"),
    ("note", "Note"),
    ("warning", "GitHub warning title"),
    ("success", "Success"),
    ("note", "MkDocs note title"),
    ("warning", "MkDocs folded title"),
    ("info", "VitePress info title"),
    ("note", "VitePress details title"),
    ("abstract", "Long abstract title"),
]
BODIES = [
    "Obsidian tip body.",
    "Nested bug body.",
    "Obsidian danger body.",
    "Unknown kind body.",
    "GitHub note body.",
    "GitHub warning body.",
    "GitBook success body.",
    "GitBook windows body.",
    "GitBook linux body.",
    'print("gitbook code")',
    "https://example.com/gitbook-embed",
    "MkDocs note body.",
    "MkDocs folded body.",
    "MkDocs untitled body.",
    "MkDocs tab one body.",
    "MkDocs tab two body.",
    "VitePress info body.",
    "VitePress details body.",
    "export default {}",
    "npm install it",
    "Long item number 24",
]
LABELS = [
    "GitBook Windows tab",
    "GitBook Linux tab",
    "gitbook_caption.py",
    "MkDocs tab one",
    "MkDocs tab two",
    "vite.config.js",
    "VitePress npm tab",
]
RULE = {"danger": (233, 49, 71), "note": (8, 109, 221)}  # the rule colours in handbook.css


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    project = Project(tmp_path_factory.mktemp("callouts"))
    for name, text in NOTES.items():
        project.write(name, text)
    runs = {command: project.run(command) for command in ("check", "pdf", "html", "slides")}
    for run in runs.values():
        assert_clean(run, (0,))
    return project, runs


def test_check_finds_nothing_wrong_with_well_formed_boxes(built):
    _project, runs = built
    assert "0 errors, 0 warnings" in runs["check"].output, runs["check"].output


def test_pdf_text_has_titles_bodies_and_no_syntax(built):
    project, _runs = built
    text = project.pdf_text()
    flat = " ".join(text.split())
    for title in [t for _f, t in CALLOUTS] + LABELS + BODIES:
        assert title in flat, title
    for mark in SYNTAX:
        assert mark not in text, mark


def test_html_has_a_themed_box_per_callout(built):
    project, _runs = built
    page = (project.out / "handbook.html").read_text(encoding="utf-8")
    boxes = re.findall(
        r'<div class="callout callout-(\w+)[^"]*" data-callout="[^"]*">\s*<p class="callout-title"><span class="callout-icon"></span>(.*?)</p>',
        page,
    )
    assert sorted(boxes) == sorted(CALLOUTS)
    assert page.count('class="callout callout-example"') == 1  # the untitled one: no title line
    assert re.search(r'class="callout callout-tip callout-closed"', page)  # folded, printed open
    assert page.count('<p class="tab-label">') == 5 and page.count('<p class="code-title">') == 2
    for mark in SYNTAX:
        assert mark not in re.sub(r"<[^>]+>", "", page), mark


def _page_with(project: Project, needle: str) -> int:
    pages = project.pdf_text().split("\f")
    return next(i for i, page in enumerate(pages, 1) if needle in page)


def _pixels_near(path, colour, tolerance=24) -> int:
    with Image.open(path) as im:
        data = im.convert("RGB").tobytes()
    r0, g0, b0 = colour
    return sum(
        1
        for i in range(0, len(data), 3)
        if abs(data[i] - r0) <= tolerance and abs(data[i + 1] - g0) <= tolerance and abs(data[i + 2] - b0) <= tolerance
    )


def test_the_boxes_are_drawn_in_their_types_colours(built, tmp_path):
    project, _runs = built
    page = _page_with(project, "Obsidian danger body.")
    subprocess.run(
        ["pdftoppm", "-r", "72", "-f", str(page), "-l", str(page), "-png", str(project.pdf), str(tmp_path / "p")],
        check=True,
    )
    picture = next(tmp_path.glob("p*.png"))
    assert _pixels_near(picture, RULE["danger"]) > 60  # the red rule and icon
    github = _page_with(project, "GitHub note body.")
    subprocess.run(
        ["pdftoppm", "-r", "72", "-f", str(github), "-l", str(github), "-png", str(project.pdf), str(tmp_path / "g")],
        check=True,
    )
    assert _pixels_near(next(tmp_path.glob("g*.png")), RULE["note"]) > 60
    assert _pixels_near(next(tmp_path.glob("g*.png")), RULE["danger"]) == 0


def _callout_shapes(deck):
    prs = Presentation(str(deck))
    for number, slide in enumerate(prs.slides, 1):
        for shape in slide.shapes:
            if shape.name.startswith("Callout ") and shape.name != "Callout rule":
                yield number, shape


def test_decks_draw_each_callout_as_a_filled_shape_with_a_bold_title(built):
    project, _runs = built
    seen = []
    for deck in project.decks():
        for _number, shape in _callout_shapes(deck):
            family = shape.name.split(" ", 1)[1]
            assert shape.fill.type == MSO_FILL.SOLID
            first = shape.text_frame.paragraphs[0]
            title = "".join(r.text for r in first.runs)
            if all(r.font.bold for r in first.runs):
                seen.append((family, title))
    for family, title in CALLOUTS:
        assert (family, title) in seen or (family, title + " (continued)") in seen, (family, title)
    colours = {
        shape.name: str(shape.fill.fore_color.rgb) for deck in project.decks() for _n, shape in _callout_shapes(deck)
    }
    assert colours["Callout danger"] == tint("E93147") and colours["Callout note"] == tint("086DDD")
    rules = {
        str(shape.fill.fore_color.rgb)
        for deck in project.decks()
        for slide in Presentation(str(deck)).slides
        for shape in slide.shapes
        if shape.name == "Callout rule"
    }
    assert {"E93147", "086DDD", "00BFBC", "08B94E", "EC7500"} <= rules


def test_decks_show_tab_labels_and_code_captions_in_bold(built):
    project, _runs = built
    bold = set()
    for deck in project.decks():
        for slide in Presentation(str(deck)).slides:
            for shape in slide.shapes:
                if shape.has_text_frame:
                    for p in shape.text_frame.paragraphs:
                        if p.runs and all(r.font.bold for r in p.runs):
                            bold.add("".join(r.text for r in p.runs))
    assert set(LABELS) <= bold


def test_a_long_callout_splits_with_its_title_repeated_and_every_frame_fits(built):
    project, _runs = built
    measurer = TextMeasurer()
    long_deck = next(d for d in project.decks() if "long" in d.name)
    parts = [shape for _n, shape in _callout_shapes(long_deck)]
    assert len(parts) >= 2
    assert "".join(r.text for r in parts[1].text_frame.paragraphs[0].runs).startswith("Long abstract title")
    for deck in project.decks():
        prs = Presentation(str(deck))
        for slide in prs.slides:
            for shape in slide.shapes:
                assert shape.top + shape.height <= prs.slide_height
                if shape.has_text_frame and shape.text_frame.text.strip():
                    needed, available = text_frame_fits(shape, measurer)
                    assert needed <= available + 0.01, (deck.name, shape.name, needed, available)


def test_speaker_notes_divs_still_go_to_the_notes_page(built):
    project, _runs = built
    deck = next(d for d in project.decks() if "vitepress" in d.name)
    notes = [s.notes_slide.notes_text_frame.text for s in Presentation(str(deck)).slides if s.has_notes_slide]
    assert any("Speaker notes, not a callout." in n for n in notes)


def test_malformed_boxes_are_reported_at_their_line(tmp_path):
    project = Project(tmp_path / "bad")
    project.write("index.md", "# Bad\n\n[one](one.md)\n")
    project.write(
        "one.md",
        '# One\n\nText.\n\n{% hint style="info" %}\nNever closed.\n\n::: warning\nAlso open.\n\n!!! note\nNot indented.\n',
    )
    run = project.run("check")
    assert_clean(run, (0,))
    found = re.findall(r"one\.md:(\d+):\d+: warning\[([\w-]+)\]", run.output)
    assert sorted(found) == [("11", "admonition-body"), ("5", "unclosed-container"), ("8", "unclosed-container")], (
        run.output
    )
