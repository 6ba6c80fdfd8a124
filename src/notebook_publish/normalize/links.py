"""Point every link to another note at a note that exists, or flag it as broken.

Exports link subpages by names that rarely survive the trip (percent-encoded, with
Notion ids, in another case). A link that resolves is rewritten to the note's path;
one that doesn't keeps its text, gains the class `broken-link` and a diagnostic, and
the writers print it as plain text with a marker instead of a dead link. Anchors are
checked later, against the parsed headings, by `notes.py`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.normalize import linkscan
from notebook_publish.normalize.resolve import (
    IMAGE_SUFFIXES,
    NOTE_SUFFIXES,
    SITE_SUFFIXES,
    closest_candidate,
    display_name,
    is_external,
    is_folder_link,
    memoised,
    relative_link,
    resolve_target,
    split_anchor,
)
from notebook_publish.normalize.vault import vault_of

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

BROKEN_CLASS = "broken-link"


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    diagnostics: list[Diagnostic] = []
    resolve = memoised(resolve_target)
    closest = memoised(closest_candidate)

    def replace(match: re.Match[str], line: int, col: int) -> str:
        if ".wikilink" in (match.group("attrs") or ""):
            return match.group(0)  # found, or flagged, by the obsidian fixer
        target = linkscan.destination(match)
        path, anchor = split_anchor(target)
        if not path or is_external(target) or not _looks_like_note(path):
            return match.group(0)
        found = resolve(path, ctx, NOTE_SUFFIXES)
        if found is None and ("/" in path or path.lower().endswith(SITE_SUFFIXES)):
            found = vault_of(ctx).find_permalink(path)  # a Jekyll/Hugo page by its `permalink:`
        if found is not None:
            dest = relative_link(found, ctx)
            if anchor:
                dest = dest[:-1] + f"#{anchor}>" if dest.startswith("<") else f"{dest}#{anchor}"
            return linkscan.with_class(match, dest, None)
        if path.lower().endswith(SITE_SUFFIXES) and resolve(path, ctx, SITE_SUFFIXES) is not None:
            return match.group(0)  # a page kept as HTML beside the notes: an attachment
        close = closest(path, ctx, NOTE_SUFFIXES)
        hint = f"did you mean `{display_name(close, ctx)}`?" if close else "the note is not in the notes folder"
        diagnostics.append(warning(ctx.path, line, "broken-link", f"link to `{path}` goes nowhere", hint, col))
        return linkscan.with_class(match, match.group("dest"), BROKEN_CLASS)

    return linkscan.rewrite(text, linkscan.LINK, replace), diagnostics


def _looks_like_note(path: str) -> bool:
    """Local links to notes, not to attachments such as PDFs or images. A folder
    (`dir/`, `..`) and a site page (`page.html`) name the note served there."""
    lower = path.lower().split("?")[0]
    if lower.endswith(NOTE_SUFFIXES + SITE_SUFFIXES) or is_folder_link(lower):
        return True
    if lower.endswith(IMAGE_SUFFIXES):
        return False
    return "." not in lower.rsplit("/", 1)[-1]  # wiki-style `[x](Other Note)`
