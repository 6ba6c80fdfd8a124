"""One chapter's pandoc AST to an HTML fragment, for the handbook templates.

`render_chapter` is a pure function of the chapter, its number and `WriterOptions`
(plus a content-addressed math cache): no page numbers, no global state. What
depends on pages (contents, index) is built later from what it returns: the
headings that go in the contents and the anchors of every index-term use. That is
what lets chapters be rendered separately and merged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from notebook_publish.chapter_numbers import title_heading
from notebook_publish.handbook.html.blocks import BlockWriter
from notebook_publish.handbook.html.ids import heading_anchor
from notebook_publish.handbook.html.markup import esc_attr, label_text
from notebook_publish.handbook.html.writer_base import ChapterHtml, Heading, WriterOptions
from notebook_publish.notes import Chapter
from notebook_publish.pandoc.ast import header_id

if TYPE_CHECKING:
    from notebook_publish.cache import Cache

__all__ = ["ChapterHtml", "Heading", "WriterOptions", "label_text", "render_chapter"]


def render_chapter(
    chapter: Chapter, number: int | None, options: WriterOptions, math_cache: Cache | None = None
) -> ChapterHtml:
    writer = _ChapterWriter(chapter, number, options, math_cache)
    body = writer.chapter_body()
    return ChapterHtml(
        anchor=writer.prefix,
        title=chapter.title,
        number=str(number) if number is not None else "",
        depth=chapter.depth,
        body=body,
        headings=tuple(writer.headings),
        terms=tuple(writer.terms),
        diagnostics=tuple(writer.diagnostics),
        math=tuple(writer.math_svgs.items()),
    )


class _ChapterWriter(BlockWriter):
    def chapter_body(self) -> str:
        blocks = self.note.ast.get("blocks", [])
        blocks = self._drop_title_heading(blocks)
        out = self.blocks(blocks) + self.block_filter.close_all()
        self._report_dropped(self.block_filter)
        if self._title_anchor:
            out = f'<span class="anchor" id="{esc_attr(self._title_anchor)}"></span>' + out
        return out

    def _drop_title_heading(self, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The heading that says the chapter's title is the title itself (`title_heading`)."""
        i = title_heading(blocks, self.chapter.title)
        if i is None:
            return blocks
        if header_id(blocks[i]):
            self._title_anchor = heading_anchor(self.prefix, header_id(blocks[i]))
        return blocks[:i] + blocks[i + 1 :]
