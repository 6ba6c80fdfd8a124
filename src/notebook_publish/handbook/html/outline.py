"""The table of contents, built from what the chapter writer reported.

The same entries are the printed contents and the PDF bookmarks (`bookmarks`, placed
by the merge at their anchors), so the two agree at any depth: a chapter nested nine
notes deep is a bookmark nine levels down, where the contents page only stops
indenting further.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from notebook_publish.handbook.html.writer_base import ChapterHtml

INDEX_ANCHOR = "book-index"


@dataclass(frozen=True)
class TocEntry:
    anchor: str
    label: str
    number: str
    level: int  # 1 for a top chapter; the bookmark level
    is_chapter: bool
    page: int | None = None


def toc_entries(chapters: list[ChapterHtml], with_index: bool) -> list[TocEntry]:
    entries = []
    for chapter in chapters:
        level = 1 + chapter.depth
        entries.append(TocEntry(chapter.anchor, chapter.title, chapter.number, level, True))
        for heading in chapter.headings:
            entries.append(TocEntry(heading.anchor, heading.label, heading.number, level + heading.depth, False))
    if with_index:
        entries.append(TocEntry(INDEX_ANCHOR, "Index", "", 1, True))
    return entries


def bookmarks(entries: list[TocEntry]) -> list[tuple[int, str, str]]:
    """(level, title, anchor) of each bookmark: every contents entry, titled as the
    contents prints it."""
    return [(e.level, f"{e.number} {e.label}".strip(), e.anchor) for e in entries]


def with_pages(entries: list[TocEntry], page_of: dict[str, int]) -> list[TocEntry]:
    return [replace(e, page=page_of.get(e.anchor)) for e in entries]
