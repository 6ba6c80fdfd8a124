"""The folio layer: which margin boxes it draws, and when it may be typeset in pieces."""

from __future__ import annotations

from notebook_publish.handbook.typeset.folio import folio_pieces, page_layers

PLAIN = "@page { @top-center { content: string(chapter-title); } @bottom-center { content: counter(page); } }"


def test_numbered_boxes_move_to_the_folio_and_the_rest_stays():
    layers = page_layers(PLAIN)
    assert "@bottom-center { content: none !important; }" in layers.chapter_css
    assert "counter(page)" in layers.folio_css
    assert "string(chapter-title)" not in layers.folio_css
    assert layers.splittable


def test_a_folio_that_depends_on_the_page_place_or_count_is_not_split():
    assert not page_layers(PLAIN + " @page :first { @bottom-center { content: none; } }").splittable
    assert not page_layers(PLAIN + " @page :left { @bottom-left { content: counter(page); } }").splittable
    assert not page_layers("@page { @bottom-center { content: counter(page) ' of ' counter(pages); } }").splittable
    # A :first rule for a box that prints no number does not matter to the folio.
    assert page_layers(PLAIN + " @page :first { @top-center { content: none; } }").splittable


def test_pieces_cover_every_page_once_and_start_on_even_pages():
    for count in (0, 1, 2, 3, 7, 63, 64, 65, 128, 276, 277):
        for piece_pages in (0, 1, 2, 3, 64):
            runs = folio_pieces(count, piece_pages)
            assert [i for start, n in runs for i in range(start, start + n)] == list(range(count))
            assert all(start % 2 == 0 for start, _n in runs)
            if piece_pages <= 0:
                assert len(runs) <= 1
            else:
                assert all(n <= piece_pages + piece_pages % 2 for _start, n in runs)


def test_a_folio_in_pieces_numbers_every_page_as_its_label(tmp_path, monkeypatch):
    """Each piece is numbered on from where it starts: with pieces of two pages, every
    page of a book prints the number its page label gives it, across every seam."""
    import subprocess

    from pypdf import PdfReader

    from notebook_publish.cache import MemoryCache
    from notebook_publish.config import load_config
    from notebook_publish.handbook import build, build_pdf
    from notebook_publish.notes import load_book

    notes = tmp_path / "notes"
    notes.mkdir()
    names = [f"part-{i}.md" for i in range(4)]
    (notes / "index.md").write_text("# Book\n\n" + "".join(f"- [{n}]({n})\n" for n in names), encoding="utf-8")
    for n in names:
        text = " ".join(f"Sentence {i} of {n} says a little more." for i in range(220))
        (notes / n).write_text(f"# {n}\n\n{text}\n", encoding="utf-8")
    (tmp_path / "handbook.yml").write_text("title: Seams\n", encoding="utf-8")
    monkeypatch.setattr(build, "FOLIO_PIECE_PAGES", 2)
    config = load_config(tmp_path / "handbook.yml")
    out = tmp_path / "build" / "handbook.pdf"
    diagnostics = build_pdf(load_book(config, MemoryCache()), out, jobs=2)
    assert not [d for d in diagnostics if d.severity >= 2]

    labels = PdfReader(str(out)).page_labels
    body = [i for i, label in enumerate(labels) if label.isdigit()]
    assert len(body) >= 6  # three pieces or more
    for i in body:
        page = subprocess.run(
            ["pdftotext", "-f", str(i + 1), "-l", str(i + 1), "-layout", str(out), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        last = [line.strip() for line in page.splitlines() if line.strip()][-1]
        assert last.split()[-1] == labels[i], (i, labels[i], last)
