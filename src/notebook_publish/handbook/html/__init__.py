"""The book's notes to HTML: the writing stage of the handbook.

`chapter.render_chapter` writes one chapter's AST as an HTML fragment, a pure
function of the chapter and `WriterOptions`; the writer is split by kind of content
(`blocks`, `inlines`, `images`, `math`, on the shared `writer_base`, with `markup`'s
escaping). `book` renders the chapters in order and writes the web page;
`index_terms` builds the back-of-book index, `outline` the contents and bookmarks,
`ids` the anchors namespaced per note.

Nothing here imports WeasyPrint: the typesetting workers never load this package.
"""
