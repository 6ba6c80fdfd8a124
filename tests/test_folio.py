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
