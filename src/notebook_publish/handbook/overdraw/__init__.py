"""Drawing added to a typeset part's pages after WeasyPrint has written them.

WeasyPrint's layout leaves an empty box where a formula or a list bullet goes; the
worker then draws them into the finished PDF: `math_stamp` (formulas, from their SVG
through `svg_ops`), `bullets`, and `text_layer` (the formulas' text, invisible, for
search and copy). `pages.draw_over` appends what they produce to each page. `ops`
holds what they all share: the page space (CSS px) and how numbers and colours are
written in a content stream.

Nothing here imports from the rest of the handbook: the typesetting stage calls in,
never the other way round.
"""
