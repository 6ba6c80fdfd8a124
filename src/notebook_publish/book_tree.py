"""`check --tree`: the chapter tree as the book will have it, before anything is built."""

from __future__ import annotations

import os

from notebook_publish.notes import Book, Chapter

INDENT = "  "


def format_tree(book: Book) -> str:
    """One line per chapter: its title indented by depth, then the note it comes from
    (as the user names it), or `(part)` for a folder or section without a note."""
    lines = [f"Chapter tree, from {book.structure}:" if book.structure else "Chapter tree:"]
    for chapter in book.chapters:
        source = "(part)" if chapter.note.folder else _where(book, chapter)
        lines.append(f"{INDENT * (chapter.depth + 1)}{chapter.title}  [{source}]")
    return "\n".join(lines)


def _where(book: Book, chapter: Chapter) -> str:
    if book.archive is not None:
        return chapter.note.rel
    path = os.path.relpath(chapter.note.path)
    return chapter.note.rel if path.startswith("..") else path
