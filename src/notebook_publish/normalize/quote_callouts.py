"""Obsidian callouts and GitHub alerts: `> [!type] Title` becomes a marked callout.

    > [!tip]- Folded title          >  [Folded title]{.callout type="tip" fold="closed"}
    > body                     ->   > body

Only the first line of a block quote opens a callout (as in Obsidian); nested
callouts are nested quotes, and any case is accepted. Obsidian's types and any
unknown type are read with the `obsidian` flavour; with only `github`, the five
alerts (NOTE, TIP, IMPORTANT, WARNING, CAUTION). A custom title is kept for both:
GitHub itself ignores one, pandoc's `alerts` reader drops the alert for it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from notebook_publish.callouts import GITHUB_TYPES
from notebook_publish.diagnostics import Diagnostic
from notebook_publish.normalize.boxes import MAX_BOX_DEPTH, FenceTracker, callout_line, joins_title
from notebook_publish.normalize.triggers import has

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

_QUOTE = re.compile(r"^[ \t]*>(?:[ \t]?>)*[ \t]?")
_MARKER = re.compile(r"[ \t]*>[ \t]?")
_OPENER = re.compile(r"^\[!(?P<kind>[^\]\s]{1,60})\](?P<fold>[+-]?)(?:[ \t]*(?P<title>.*?))?[ \t]*$")
_FOLD = {"+": "open", "-": "closed"}
_MAYBE_QUOTED = (">", " ", "\t", "`", "~")
# A line that starts a block of its own: it ends a quote rather than continuing it lazily.
_BLOCK_START = re.compile(
    r"^[ \t]{0,3}(?:#{1,6}(?:[ \t]|$)|[-*+][ \t]|\d{1,9}[.)][ \t]|```|~~~|<|\||([-*_])(?:[ \t]*\1){2,}[ \t]*$)"
)


def _split(line: str) -> tuple[int, str]:
    """(quote depth, the text after the markers)."""
    m = _QUOTE.match(line)
    if not m:
        return 0, line
    return m.group(0).count(">"), line[m.end() :]


def _strip_quotes(line: str, depth: int) -> str | None:
    """The line's text inside `depth` quote levels, or None if it is not that deep."""
    d, rest = _split(line)
    if d < depth:
        return None
    if d == depth:
        return rest
    # deeper: drop only `depth` markers
    at = 0
    for _ in range(depth):
        marker = _MARKER.match(line, at)
        assert marker is not None  # `_split` counted at least `depth` markers
        at = marker.end()
    return line[at:]


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    obsidian, github = ctx.uses("obsidian"), ctx.uses("github")
    if not (obsidian or github) or not has(text, "[!"):
        return text, []
    lines = text.split("\n")
    fences = FenceTracker()
    fence_depth = 0
    depth_before = 0  # the quote depth the previous line leaves open
    for i, line in enumerate(lines):
        if line[:1] not in _MAYBE_QUOTED and fences.fence is None:
            # Text at the left margin (the common case): a block of its own ends a quote.
            if depth_before and (not line or _BLOCK_START.match(line)):
                depth_before = 0
            continue
        depth, content = _split(line)
        if fences.fence is not None:
            if depth < fence_depth:
                fences.fence = None  # the quote holding the code ended
            else:
                fences.step(content if depth == fence_depth else _strip_quotes(line, fence_depth) or "")
                depth_before = depth
                continue
        if not line.strip():
            depth_before = 0
            continue
        if depth == 0:
            # Text right after a quote's text continues it (lazily); a block of its own ends it.
            if fences.step(content):
                fence_depth = 0
            if fences.fence is not None or _BLOCK_START.match(content):
                depth_before = 0
            continue
        opens_quote = depth > depth_before
        depth_before = depth
        if fences.step(content):
            fence_depth = depth
            continue
        if not opens_quote or not content.startswith("[!") or depth > MAX_BOX_DEPTH:
            continue
        m = _OPENER.match(content)
        if not m:
            continue
        kind = m.group("kind").split("|", 1)[0].lower()  # Obsidian's `[!type|metadata]`
        if not obsidian and kind not in GITHUB_TYPES:
            continue
        prefix = line[: len(line) - len(content)].rstrip() + " "
        following = _strip_quotes(lines[i + 1], depth) if i + 1 < len(lines) else None
        after = _strip_quotes(lines[i + 2], depth) if i + 2 < len(lines) else None
        lines[i] = callout_line(
            prefix,
            kind,
            m.group("title") or "",
            _FOLD.get(m.group("fold"), ""),
            as_heading=joins_title(following, after),
        )
    return "\n".join(lines), []
