"""Point every image at a file that exists, or flag it as missing.

A resolved image is rewritten to its path relative to the note. A missing one keeps
its target and gains the class `missing-image`, which both writers turn into a
placeholder naming the file. Notion's default alt text `Image` says nothing, so it is
dropped. Remote images are never fetched: they are flagged too.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.normalize import linkscan
from notebook_publish.normalize.resolve import (
    IMAGE_SUFFIXES,
    closest_candidate,
    display_name,
    is_external,
    memoised,
    relative_link,
    resolve_target,
)

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

MISSING_CLASS = "missing-image"
_MEANINGLESS_ALT = {"image", "img", "picture", "untitled"}


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    resolve = memoised(resolve_target)
    closest = memoised(closest_candidate)

    def replace(match: re.Match[str], line: int, col: int) -> str:
        target = linkscan.destination(match)
        rewritten = match.group(0)
        if match.group("text").strip().lower() in _MEANINGLESS_ALT:
            rewritten = "![" + rewritten[2 + len(match.group("text")) :]
            again = linkscan.IMAGE.match(rewritten)
            assert again is not None  # the same image, its alt text left out
            match = again
        if target.startswith("data:"):
            return rewritten
        found = None if is_external(target) else resolve(target, ctx, IMAGE_SUFFIXES)
        if found is not None:
            return linkscan.with_class(match, relative_link(found, ctx), None)
        if is_external(target):
            scheme = target.split(":", 1)[0].lower()
            hint = (
                "download it into a media folder"
                if scheme in ("http", "https")
                else "copy the file into a media folder"
            )
            diagnostics.append(
                warning(ctx.path, line, "remote-image", f"image `{_short(target)}` is not fetched", hint, col)
            )
        else:
            close = closest(target, ctx, IMAGE_SUFFIXES)
            hint = f"did you mean `{display_name(close, ctx)}`?" if close else "add the file to a media folder"
            diagnostics.append(
                warning(ctx.path, line, "missing-image", f"image `{_short(target)}` not found", hint, col)
            )
        return linkscan.with_class(match, match.group("dest"), MISSING_CLASS)

    return linkscan.rewrite(text, linkscan.IMAGE, replace), diagnostics


def _short(target: str, limit: int = 120) -> str:
    return target if len(target) <= limit else target[: limit - 1] + "…"
