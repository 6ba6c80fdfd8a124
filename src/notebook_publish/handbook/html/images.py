"""Pictures in a chapter: the file a target names if the book may publish it, a
placeholder for a missing, bad or refused one (with its warning)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from notebook_publish import pictures
from notebook_publish.diagnostics import warning
from notebook_publish.handbook.html.markup import esc, esc_attr
from notebook_publish.handbook.html.writer_base import WriterCore
from notebook_publish.normalize.resolve import is_external
from notebook_publish.policy import is_data_picture, publishable_picture

_LENGTH = re.compile(r"^\s*(\d{1,5}(?:\.\d{1,3})?)\s*(px|%|em|rem|pt|mm|cm|in)?\s*$")


def _size_style(attr: list[Any]) -> str:
    """`{width=300 height=200}` (an Obsidian `![[x.png|300x200]]`) as a style; a bare
    number is CSS pixels, as in Obsidian. The theme's max-width still applies."""
    rules = []
    for key, value in attr[2] if len(attr) > 2 else ():
        if key in ("width", "height"):
            m = _LENGTH.match(str(value))
            if m:
                rules.append(f"{key}:{m.group(1)}{m.group(2) or 'px'}")
    if any(r.startswith("width") for r in rules) and not any(r.startswith("height") for r in rules):
        rules.append("height:auto")
    return f' style="{";".join(rules)}"' if rules else ""


class ImageWriter(WriterCore):
    def image(self, attr: list[Any], alt_text: str, target: str, block: bool) -> str:
        problem = pictures.problem_of(attr[1])
        if problem is not None:
            return self._placeholder(target, block, pictures.PLACEHOLDER_LABELS.get(problem, "Image not found"))
        if target.startswith("data:"):
            if is_data_picture(target):
                return f'<img src="{esc_attr(target)}" alt="{esc_attr(alt_text or ("" if self.options.url_base is not None else "picture"))}">'
            return self._refused(target, block, "only data:image/... URIs are embedded")
        if is_external(target):
            return self._refused(target, block, "images are never fetched; put the file in a media folder")
        path = publishable_picture(self.note.path, target, self.options.media_files)
        if path is None:
            return self._refused(target, block, "only files inside the notes and media folders are published")
        return f'<img src="{esc_attr(self._file_url(path))}" alt="{esc_attr(self._alt(alt_text, path))}"{_size_style(attr)}>'

    def _alt(self, alt_text: str, path: Path) -> str:
        """The picture's description. A tagged PDF must give every figure one (a reader
        announces a figure by it), so in the PDF a picture the note left undescribed
        (`![](chart.png)`) is named by its file; the web page keeps the empty `alt`,
        which there marks a picture as decoration."""
        if alt_text.strip() or self.options.url_base is not None:
            return alt_text
        return f"picture {path.name}"

    def _raw_image(self, src: str, alt: str) -> str:
        """An <img> in raw HTML: published only if it names a file we allow."""
        return self.image(["", [], []], alt, src, block=False) if src else ""

    def _file_url(self, path: Path) -> str:
        if self.options.file_url is not None:
            return self.options.file_url(path)
        if self.options.url_base is None:
            return path.as_uri()
        import os
        from urllib.parse import quote

        return quote(Path(os.path.relpath(path, self.options.url_base)).as_posix())

    def _placeholder(self, target: str, block: bool, label: str = "Image not found") -> str:
        name = unquote(target.rsplit("/", 1)[-1]) if not is_external(target) else target
        if len(name) > 80:
            name = name[:79] + "…"
        tag = "div" if block else "span"
        return (
            f'<{tag} class="missing-image"><span class="missing-label">{label}</span> '
            f'<span class="missing-file">{esc(name)}</span></{tag}>' + ("\n" if block else "")
        )

    def _refused(self, target: str, block: bool, hint: str) -> str:
        self.diagnostics.append(
            warning(
                self.note.path, self._line_of(target), "image-refused", f"image `{target[:120]}` is not published", hint
            )
        )
        return self._placeholder(target, block)
