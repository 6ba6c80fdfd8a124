from notebook_publish.config import load_config
from notebook_publish.notes import load_book


def book_for(folder, **extra):
    overrides = {"notes": str(folder), "media": [str(folder / "media")], "output": str(folder / "build"), **extra}
    return load_book(load_config(None, overrides, cwd=folder))


def codes(book):
    return sorted((d.code, d.path.name if d.path else "", d.line) for d in book.diagnostics if d.severity > 0)


def test_summary_index_orders_chapters_depth_first(book_dir):
    book = book_for(book_dir)
    # Titles are the notes' opening headings (`## Guide heading` too), not the link texts.
    assert [(c.note.rel, c.title, c.depth) for c in book.chapters] == [
        ("SUMMARY.md", "Summary", 0),
        ("intro.md", "Introduction", 0),
        ("sub/child.md", "Child", 1),
        ("Deep Dive 1b505834c0de80378ee9cfc97356b605.md", "Deep Dive", 0),
        ("Guide.md", "Guide heading", 0),
        ("orphan.md", "Orphan", 0),
    ]


def test_book_diagnostics(book_dir):
    book = book_for(book_dir)
    assert codes(book) == [
        ("broken-anchor", "child.md", 5),
        ("broken-link", "SUMMARY.md", 6),
        ("missing-image", "intro.md", 10),
        ("orphan-note", "orphan.md", 1),
    ]
    cycles = [d for d in book.diagnostics if d.code == "link-cycle"]
    assert len(cycles) == 1 and cycles[0].path.name == "child.md"


def test_explicit_index_and_titles_without_notion_ids(book_dir):
    (book_dir / "start.md").write_text("# Start\n\n[deep](<Deep Dive 1b505834c0de80378ee9cfc97356b605.md>)\n")
    (book_dir / "Page 1b505834c0de80378ee9cfc97356b605.md").write_text("no heading here\n")
    book = book_for(book_dir, index=str(book_dir / "start.md"))
    titles = [c.title for c in book.chapters]
    assert titles[:2] == ["Start", "Deep Dive"]  # the opening heading, before the link text
    assert "Page" in titles


def test_index_md_wins_over_readme_and_summary(book_dir):
    (book_dir / "README.md").write_text("# Readme\n\n[g](Guide.md)\n")
    assert book_for(book_dir).chapters[0].note.rel == "README.md"
    (book_dir / "index.md").write_text("# Home\n")
    assert book_for(book_dir).chapters[0].note.rel == "index.md"


def test_self_link_and_cycle_do_not_repeat_notes(book_dir):
    (book_dir / "orphan.md").write_text("# Orphan\n\n[me](orphan.md) [intro](intro.md)\n")
    book = book_for(book_dir)
    rels = [c.note.rel for c in book.chapters]
    assert len(rels) == len(set(rels))
