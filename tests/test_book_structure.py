"""The book's skeleton from real notebook layouts: which links make chapters, folder
links, the folder tree without an index, `nav:`, titles, and `check --tree`."""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES
from notebook_publish.config import load_config
from notebook_publish.notes import load_book
from publish_harness import Project, assert_clean


def book_of(project: Project, **extra):
    overrides = {"notes": str(project.notes), "media": [str(project.media)], "output": str(project.out), **extra}
    return load_book(load_config(None, overrides, cwd=project.root))


def tree(book) -> list[tuple[str, str, int]]:
    return [(c.note.rel, c.title, c.depth) for c in book.chapters]


def codes(book, *wanted: str) -> list[str]:
    return [f"{d.path.name if d.path else ''}:{d.code}" for d in book.diagnostics if d.code in wanted]


def outline(pdf) -> list[tuple[int, str]]:
    """(depth, title) of every bookmark, in order."""
    from pypdf import PdfReader

    out: list[tuple[int, str]] = []

    def visit(items, depth):
        for item in items:
            if isinstance(item, list):
                visit(item, depth + 1)
            else:
                out.append((depth, item.title))

    visit(PdfReader(str(pdf)).outline, 0)
    return out


# --- a Jekyll lecture site: folder links and front matter titles ------------------------


def jekyll_site(root) -> Project:
    project = Project(root)
    project.write(
        "index.md",
        "---\nlayout: home\ntitle: Lecture Notes\n---\n\nWelcome. The lectures:\n\n"
        "1. [Introduction](preliminaries/introduction/)\n"
        "2. [Probability](preliminaries/probability)\n"
        "3. [Directed models](/representation/directed/)\n"
        "4. [Bayesian learning](learning/bayesian.html)\n"
        "5. [Sampling](/inference/sampling)\n",
    )
    project.write(
        "preliminaries/introduction/index.md",
        "---\nlayout: post\ntitle: Introduction\n---\n\n"
        "Probabilistic graphical models. Start with [probability review](../probability/).\n\n"
        "[Index](../../)\n",
    )
    project.write(
        "preliminaries/probability/index.md",
        "---\ntitle: Probability review\n---\n\nEvents and random variables. "
        "Back to the [introduction](../introduction/) or [home](/).\n",
    )
    project.write(
        "representation/directed/index.md",
        "---\ntitle: Bayesian networks\n---\n\nSee [sampling](../../inference/sampling/) "
        "and [the same, by page](../../inference/sampling.html).\n",
    )
    project.write(
        "learning/bayesian.md",
        "---\ntitle: Bayesian Learning\n---\n\nSome words first.\n\n"
        + "More words.\n\n" * 5
        + "## Example 1\n\nA coin.\n\nUp: [directed](../representation/directed)\n",
    )
    project.write(
        "inference/sampling.md",
        "---\ntitle: Sampling methods\nnav_order: 5\n---\n\n# Forward sampling\n\nDraw in order.\n",
    )
    return project


def test_a_jekyll_site_resolves_folder_links_and_takes_titles_from_front_matter(tmp_path):
    project = jekyll_site(tmp_path / "site")
    book = book_of(project)
    assert codes(book, "broken-link", "orphan-note") == []
    assert tree(book) == [
        ("index.md", "Lecture Notes", 0),
        ("preliminaries/introduction/index.md", "Introduction", 0),
        ("preliminaries/probability/index.md", "Probability review", 0),
        ("representation/directed/index.md", "Bayesian networks", 0),
        ("learning/bayesian.md", "Bayesian Learning", 0),  # not "Example 1", its heading on line 16
        ("inference/sampling.md", "Sampling methods", 0),
    ]


@pytest.mark.slow
def test_the_site_builds_with_those_chapters_as_bookmarks(tmp_path):
    project = jekyll_site(tmp_path / "site")
    run = project.run("pdf", "--strict")
    assert_clean(run, codes=(0,))
    titles = [title for depth, title in outline(project.pdf) if depth == 0]
    assert [re.sub(r"^\d+ ", "", t) for t in titles if t != "Contents"] == [
        "Lecture Notes",
        "Introduction",
        "Probability review",
        "Bayesian networks",
        "Bayesian Learning",
        "Sampling methods",
    ]


# --- navigation links never nest chapters ---------------------------------------------


def next_chain(root) -> Project:
    project = Project(root)
    project.write("index.md", "# Course\n\n" + "".join(f"- [Lecture {n}](c{n}.md)\n" for n in range(1, 10)))
    for n in range(1, 10):
        nav = f"\n\nNext: [next page](c{n + 1}.md)\n" if n < 9 else "\n\n[← Back to the course](index.md)\n"
        project.write(
            f"c{n}.md", f"# Topic {n}: part {n * 11}\n\nThe text of lecture {n}, see also [lecture 1](c1.md).{nav}"
        )
    return project


def test_next_links_are_cross_references(tmp_path):
    book = book_of(next_chain(tmp_path / "chain"))
    assert tree(book) == [("index.md", "Course", 0)] + [
        (f"c{n}.md", f"Topic {n}: part {n * 11}", 0) for n in range(1, 10)
    ]
    assert codes(book, "orphan-note", "link-cycle") == []


@pytest.mark.slow
def test_next_chain_gives_ten_top_level_bookmarks(tmp_path):
    project = next_chain(tmp_path / "chain")
    assert_clean(project.run("pdf"), codes=(0,))
    marks = outline(project.pdf)
    chapters = [t for d, t in marks if d == 0 and t != "Contents"]
    assert len(chapters) == 10
    assert chapters[1].endswith("Topic 1: part 11") and chapters[9].endswith("Topic 9: part 99")
    assert not any("next page" in t for _d, t in marks)


@pytest.mark.parametrize(
    "line",
    [
        "Next: [Two](two.md)",
        "Previous: [Two](two.md)",
        "See also [Two](two.md)",
        "→ [Two](two.md)",
        "[Next →](two.md)",
        "Read [Two](two.md) first.",
        "- see [Two](two.md) for more",
    ],
)
def test_a_cross_reference_does_not_nest_a_chapter(tmp_path, line):
    project = Project(tmp_path / "p")
    project.write("index.md", "# Home\n\n- [One](one.md)\n- [Two](two.md)\n")
    project.write("one.md", f"# One\n\n{line}\n")
    project.write("two.md", "# Two\n\ntext\n")
    assert [(rel, depth) for rel, _t, depth in tree(book_of(project))] == [
        ("index.md", 0),
        ("one.md", 0),
        ("two.md", 0),
    ]


@pytest.mark.parametrize(
    "listing",
    [
        "[Sub](sub.md)",
        "- [Sub](sub.md)",
        "* **[Sub](sub.md)**",
        "1. [Sub](sub.md) — what it covers",
        "| Page |\n|---|\n| [Sub](sub.md) |",
    ],
)
def test_a_page_list_nests_the_pages_it_lists(tmp_path, listing):
    project = Project(tmp_path / "p")
    project.write("index.md", "# Home\n\n- [One](one.md)\n")
    project.write("one.md", f"# One\n\nIts parts:\n\n{listing}\n")
    project.write("sub.md", "# Sub\n\ntext\n")
    assert [(rel, depth) for rel, _t, depth in tree(book_of(project))] == [
        ("index.md", 0),
        ("one.md", 0),
        ("sub.md", 1),
    ]


def test_breadth_first_the_shallowest_list_wins(tmp_path):
    project = Project(tmp_path / "p")
    # `two` is listed by the index and by `one`: it stays at the top, where the index puts it.
    project.write("index.md", "# Home\n\n- [One](one.md)\n  - [One A](one-a.md)\n- [Two](two.md)\n")
    project.write("one.md", "# One\n\n- [Two](two.md)\n- [Deep](deep.md)\n")
    project.write("one-a.md", "# One A\n\n- [Deep](deep.md)\n")
    project.write("two.md", "# Two\n\ntext\n")
    project.write("deep.md", "# Deep\n\ntext\n")
    assert tree(book_of(project)) == [
        ("index.md", "Home", 0),
        ("one.md", "One", 0),
        ("one-a.md", "One A", 1),
        ("deep.md", "Deep", 1),
        ("two.md", "Two", 0),
    ]


def test_a_summary_beside_the_readme_lists_the_pages(tmp_path):
    project = Project(tmp_path / "gitbook")
    project.write("README.md", "# Handbook\n\nWelcome.\n")
    project.write(
        "SUMMARY.md",
        "# Table of contents\n\n* [Handbook](README.md)\n* [Setup](setup.md)\n  * [Linux](setup/linux.md)\n* [Usage](usage.md)\n",
    )
    project.write("setup.md", "# Setup\n\ntext\n")
    project.write("setup/linux.md", "# Linux\n\ntext\n")
    project.write("usage.md", "# Usage\n\ntext\n")
    book = book_of(project)
    assert tree(book) == [
        ("README.md", "Handbook", 0),
        ("setup.md", "Setup", 0),
        ("setup/linux.md", "Linux", 1),
        ("usage.md", "Usage", 0),
    ]
    assert codes(book, "page-list", "orphan-note") == ["SUMMARY.md:page-list"]


# --- no index: the folder tree --------------------------------------------------------


def vault(root) -> Project:
    project = Project(root)
    project.write("Welcome.md", "Start here.\n")
    project.write("Lectures/Lecture 10.md", "# Lecture 10\n\ntext\n")
    project.write("Lectures/Lecture 2.md", "# Lecture 2\n\ntext\n")
    project.write("Lectures/Lecture 1.md", "# Lecture 1\n\ntext\n")
    project.write("Lectures/Extra/Recap.md", "# Recap\n\ntext\n")
    project.write("Appendix/README.md", "# Appendix\n\nThe extras.\n")
    project.write("Appendix/b-tables.md", "---\nnav_order: 1\n---\n# Tables\n\ntext\n")
    project.write("Appendix/a-notation.md", "---\nnav_order: 2\n---\n# Notation\n\ntext\n")
    return project


def test_without_an_index_the_folders_are_parts_in_natural_order(tmp_path):
    book = book_of(vault(tmp_path / "vault"))
    assert tree(book) == [
        ("Appendix/README.md", "Appendix", 0),
        ("Appendix/b-tables.md", "Tables", 1),  # nav_order 1
        ("Appendix/a-notation.md", "Notation", 1),  # nav_order 2
        ("Lectures/", "Lectures", 0),  # a part without a page of its own
        ("Lectures/Extra/", "Extra", 1),
        ("Lectures/Extra/Recap.md", "Recap", 2),
        ("Lectures/Lecture 1.md", "Lecture 1", 1),
        ("Lectures/Lecture 2.md", "Lecture 2", 1),
        ("Lectures/Lecture 10.md", "Lecture 10", 1),
        ("Welcome.md", "Welcome", 0),
    ]
    assert codes(book, "orphan-note") == [] and codes(book, "no-index") == [":no-index"]


@pytest.mark.slow
def test_the_folder_tree_builds_with_parts_in_the_pdf_and_no_empty_decks(tmp_path):
    project = vault(tmp_path / "vault")
    runs = project.run_all()
    for run in runs.values():
        assert_clean(run, codes=(0,))
    marks = outline(project.pdf)
    parts = [(d, re.sub(r"^[\d.]+ ", "", t)) for d, t in marks]
    assert (0, "Lectures") in parts and (1, "Extra") in parts and (2, "Recap") in parts
    assert "empty-topic" not in runs["slides"].output


def test_structure_folders_with_an_index(tmp_path):
    project = vault(tmp_path / "vault")
    project.write("index.md", "# Home\n\n- [Lecture 10](Lectures/Lecture%2010.md)\n")
    assert tree(book_of(project))[:2] == [("index.md", "Home", 0), ("Lectures/Lecture 10.md", "Lecture 10", 0)]
    by_folders = tree(book_of(project, structure="folders"))
    assert by_folders[0] == ("index.md", "Home", 0) and by_folders[1] == ("Appendix/README.md", "Appendix", 0)
    assert len(by_folders) == 11


def test_structure_links_without_an_index_is_a_clear_error(tmp_path):
    project = vault(tmp_path / "vault")
    project.config("structure: links\n")
    run = project.run("check")
    assert run.returncode == 2 and "handbook.yml:1" in run.output and "structure: folders" in run.output


# --- nav: in handbook.yml -------------------------------------------------------------


def test_nav_in_the_config_orders_and_titles_the_chapters(tmp_path):
    project = vault(tmp_path / "vault")
    project.config(
        "nav:\n  - Welcome.md\n  - The lectures:\n    - Lectures/Lecture 1.md\n    - Second: Lectures/Lecture 2.md\n  - Appendix/\n"
    )
    book = load_book(load_config(project.root / "handbook.yml", {"output": str(project.out)}))
    assert tree(book) == [
        ("Welcome.md", "Welcome", 0),
        (".nav-1/", "The lectures", 0),  # a section without a page of its own
        ("Lectures/Lecture 1.md", "Lecture 1", 1),
        ("Lectures/Lecture 2.md", "Second", 1),
        ("Appendix/README.md", "Appendix", 0),
        # The notes nav does not list still get in, at the end, with a warning.
        ("Appendix/a-notation.md", "Notation", 0),
        ("Appendix/b-tables.md", "Tables", 0),
        ("Lectures/Extra/Recap.md", "Recap", 0),
        ("Lectures/Lecture 10.md", "Lecture 10", 0),
    ]
    assert codes(book, "orphan-note") == [
        "a-notation.md:orphan-note",
        "b-tables.md:orphan-note",
        "Recap.md:orphan-note",
        "Lecture 10.md:orphan-note",
    ]


def test_nav_naming_a_missing_note_is_refused_at_its_line(tmp_path):
    project = vault(tmp_path / "vault")
    project.config("title: T\nnav:\n  - Welcome.md\n  - Lectures/Lecture 3.md\n")
    run = project.run("check")
    assert run.returncode == 2
    assert "handbook.yml:2" in run.output and "Lectures/Lecture 3.md" in run.output and "did you mean" in run.output


# --- titles ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "note, link, title",
    [
        ("---\ntitle: From front matter\n---\n# Heading\n", "Link text", "From front matter"),
        ("\n\n# Opening heading\n\ntext\n", "Link text", "Opening heading"),
        ("![banner](b.png)\n\n### Opening after a banner\n", "Link text", "Opening after a banner"),
        ("Text first.\n\n# Late heading\n", "Link text", "Link text"),
        ("Text first.\n\n# Late heading\n", "next page", "Late heading"),  # its only level-1 heading
        ("Text first.\n\n## Late heading\n", "next page", "my note 2"),
        ("## Section\n\ntext\n\n# Part\n\n# Other part\n", "here", "my note 2"),  # `##` above `#` is no title
        ("Text only.\n", "here", "my note 2"),
    ],
)
def test_titles_in_their_order(tmp_path, note, link, title):
    project = Project(tmp_path / "p")
    project.write("index.md", f"# Home\n\n- [{link}](my_note-2%201b505834c0de80378ee9cfc97356b605.md)\n")
    project.write("my_note-2 1b505834c0de80378ee9cfc97356b605.md", note)
    assert tree(book_of(project))[1][1] == title


@pytest.mark.slow
def test_an_opening_heading_equal_to_the_title_is_printed_once(tmp_path):
    project = Project(tmp_path / "p")
    project.write("index.md", "# Home\n\n- [5.1.1 Vectors](vectors.md)\n- [Norms](norms.md)\n")
    project.write(
        "vectors.md", "#### 5.1.1 Vectors\n\nA vector is a list of numbers.\n\n##### Adding vectors\n\nComponentwise.\n"
    )
    project.write("norms.md", "---\ntitle: Norms\n---\n\n## Norms\n\nLengths.\n\n## Unit balls\n\nShapes.\n")
    assert_clean(project.run("pdf"), codes=(0,))
    pages = [" ".join(page.split()) for page in project.pdf_text().split("\f")]
    # On the chapter's first page: the running head and the title, not the heading again.
    vectors = next(p for p in pages if "A vector is" in p)
    assert vectors.count("5.1.1 Vectors") == 2 and re.search(r"5\.1\.1 Vectors A vector is", vectors)
    norms = next(p for p in pages if "Lengths." in p)
    assert norms.count("Norms") == 2 and re.search(r"Norms Lengths\.", norms) and "Unit balls" in norms
    sections = [t for d, t in outline(project.pdf) if d == 1]
    assert any(t.endswith("Adding vectors") for t in sections) and any(t.endswith("Unit balls") for t in sections)


# --- check --tree ---------------------------------------------------------------------


def test_check_tree_prints_the_chapter_tree_with_paths(tmp_path):
    project = vault(tmp_path / "vault")
    run = project.run("check", "--tree")
    assert_clean(run, codes=(0,))
    lines = run.stdout.splitlines()
    assert lines[0] == "Chapter tree, from the folder tree:"
    assert "  Lectures  [(part)]" in lines
    assert "      Recap  [notes/Lectures/Extra/Recap.md]" in lines
    assert lines.index("    Lecture 2  [notes/Lectures/Lecture 2.md]") < lines.index(
        "    Lecture 10  [notes/Lectures/Lecture 10.md]"
    )


def test_the_seed_notebook_keeps_its_chapters(tmp_path):
    project = Project(tmp_path / "seed")
    (project.notes / "index.md").write_bytes((FIXTURES.parent.parent / "notes" / "index.md").read_bytes())
    book = book_of(project)
    # It opens with `## Subpage`, a section above its one `# Index`: that names it.
    assert tree(book) == [("index.md", "Index", 0)]


# --- links the way sites write them -----------------------------------------------------


@pytest.mark.parametrize(
    "written, found",
    [
        ("dir/", "dir/index.md"),
        ("dir", "dir/index.md"),
        ("../dir/", "dir/index.md"),
        ("./", "top/README.md"),
        ("/dir/", "dir/index.md"),
        ("/", "index.md"),
        ("..", "index.md"),
        ("page.html", "top/page.md"),
        ("/top/page/", "top/page.md"),
        ("hugo/", "hugo/_index.md"),
        ("page.htm#part", "top/page.md"),
    ],
)
def test_folder_and_site_links_name_the_page_served_there(tmp_path, written, found):
    from notebook_publish.normalize import NoteContext, links
    from notebook_publish.notes import list_files

    project = Project(tmp_path / "p")
    for name in ("index.md", "dir/index.md", "top/README.md", "top/page.md", "hugo/_index.md", "elsewhere/index.md"):
        project.write(name, "# x\n")
    notes = project.notes.resolve()
    ctx = NoteContext(path=notes / "top" / "README.md", notes_dir=notes, media_dirs=(), files=list_files([notes]))
    out, diagnostics = links.fix(f"[x]({written})", ctx)
    assert diagnostics == []
    target = re.search(r"\]\(<?([^)>#]+)", out).group(1)
    assert (notes / "top" / target).resolve() == notes / found


def test_a_folder_without_a_page_is_a_broken_link_and_an_html_attachment_stays(tmp_path):
    from notebook_publish.normalize import NoteContext, links
    from notebook_publish.notes import list_files

    project = Project(tmp_path / "p")
    project.write("index.md", "# x\n")
    project.write("empty/notes.md", "# notes\n")
    project.write("slides.html", "<p>kept as a file</p>")
    notes = project.notes.resolve()
    ctx = NoteContext(path=notes / "index.md", notes_dir=notes, media_dirs=(), files=list_files([notes]))
    out, diagnostics = links.fix("[a](empty/) and [b](slides.html)", ctx)
    assert [d.code for d in diagnostics] == ["broken-link"] and "`empty/`" in diagnostics[0].message
    assert "[b](slides.html)" in out  # not a note: a file beside the notes, left as it is


@pytest.mark.slow
def test_the_bench_notebook_has_a_bookmark_per_chapter(tmp_path):
    import sys

    from conftest import ROOT

    sys.path.insert(0, str(ROOT / "bench"))
    from generate_notebook import generate_notebook

    project = Project(tmp_path / "bench")
    generate_notebook(project.notes, 108, 0)
    book = book_of(project)
    assert len(book.chapters) == 109 and {c.depth for c in book.chapters} == {0}
    run = project.run("pdf", "--jobs", "2", timeout=600)  # 109 chapters, on cores other tests share
    assert_clean(run, codes=(0,))
    top = [t for d, t in outline(project.pdf) if d == 0]
    titles = [c.title for c in book.chapters]
    # Every chapter is a top-level bookmark, in the book's order (its number in front
    # when the titles carry none), then the back-of-book index.
    assert [t for t in top if t not in ("Contents", "Index")] == [
        t if t in top else next(x for x in top if x.endswith(" " + t)) for t in titles
    ]


def test_a_page_is_found_by_its_permalink(tmp_path):
    project = Project(tmp_path / "site")
    project.write(
        "index.md", "---\ntitle: Course\n---\n\n- [Intro]({{ site.baseurl }}/lectures/intro/)\n- [Exact](/exact.html)\n"
    )
    project.write("_posts/2020-01-01-intro.md", "---\ntitle: Introduction\npermalink: /lectures/intro/\n---\n\nText.\n")
    project.write("pages/exact-file.md", "---\ntitle: Exact\npermalink: /exact.html\n---\n\nText.\n")
    book = book_of(project)
    assert codes(book, "broken-link", "orphan-note") == []
    assert tree(book) == [
        ("index.md", "Course", 0),
        ("_posts/2020-01-01-intro.md", "Introduction", 0),
        ("pages/exact-file.md", "Exact", 0),
    ]


def test_notes_no_list_reaches_follow_the_folder_tree_under_their_folders_page(tmp_path):
    # An MkDocs site: the home page names one section in a sentence; the rest is folders.
    project = Project(tmp_path / "docs")
    project.write("index.md", "# Home\n\nWelcome. Start with [Getting started](getting-started/).\n")
    project.write(
        "getting-started/index.md",
        "---\ntitle: Getting started\n---\n\nInstall it.\n\n[Next: the guide →](../guide/)\n",
    )
    project.write("getting-started/install.md", "# Installation\n\nSteps.\n")
    project.write("guide/index.md", "# User guide\n\n- [Basics](basics.md)\n- [Advanced](advanced/)\n")
    project.write("guide/basics.md", "# Basics\n\ntext\n")
    project.write("guide/advanced/index.md", "# Advanced topics\n\ntext\n")
    project.write("guide/advanced/tuning.md", "# Tuning\n\ntext\n")
    project.write("guide/extra/faq.md", "# FAQ\n\ntext\n")
    book = book_of(project)
    assert tree(book) == [
        ("index.md", "Home", 0),
        ("getting-started/index.md", "Getting started", 0),
        ("getting-started/install.md", "Installation", 1),  # under its folder's page, which the index placed
        ("guide/index.md", "User guide", 0),  # reached by no list: at the end, in folder order
        ("guide/basics.md", "Basics", 1),  # ... and its own list places its pages
        ("guide/advanced/index.md", "Advanced topics", 1),
        ("guide/advanced/tuning.md", "Tuning", 2),
        ("guide/extra/", "extra", 1),  # a folder without a page: a part
        ("guide/extra/faq.md", "FAQ", 2),
    ]
    assert codes(book, "orphan-note") == ["index.md:orphan-note"]  # guide/index.md only


def test_a_page_beside_its_folder_leads_it(tmp_path):
    # A Notion export without an index: `Page <id>.md` and its subpages in `Page <id>/`.
    project = Project(tmp_path / "notion")
    project.write("Alpha 1b505834c0de80378ee9cfc97356b605.md", "# Alpha\n\ntext\n")
    project.write(
        "Alpha 1b505834c0de80378ee9cfc97356b605/Child 2b505834c0de80378ee9cfc97356b605.md", "# Child\n\ntext\n"
    )
    project.write("Beta.md", "# Beta\n\ntext\n")
    assert tree(book_of(project, structure="folders")) == [
        ("Alpha 1b505834c0de80378ee9cfc97356b605.md", "Alpha", 0),
        ("Alpha 1b505834c0de80378ee9cfc97356b605/Child 2b505834c0de80378ee9cfc97356b605.md", "Child", 1),
        ("Beta.md", "Beta", 0),
    ]
