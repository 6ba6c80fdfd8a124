"""Move spaces that sit just inside emphasis markers to the outside.

`**CLiP **` is not bold in CommonMark: a closing `**` may not follow a space, so the
reader prints literal asterisks. Exporters (Notion above all) leave such spaces when a
bold word was followed by a space in the editor. We move them out:
`**intruction tuning **stage` becomes `**intruction tuning** stage`.

Only prose is touched: code, math, link targets, URLs and raw HTML are masked first.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, info
from notebook_publish.normalize.regions import fenced_block_lines, mask_protected, unmask

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

# A run of markers. A run of four stars is a closer and an opener back to back
# (`**sampling**** xt **`).
_RUN = re.compile(r"\*+|_+")
_LIST_BULLET = re.compile(r"^(\s*)([*+-])(\s)")
_UNSAFE = re.compile("[\U000f0000-\U000ffffd]")  # the masking alphabet: leave such lines alone


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    lines = text.split("\n")
    skip = fenced_block_lines(lines)
    diagnostics: list[Diagnostic] = []
    for number, line in enumerate(lines):
        if skip[number] or ("*" not in line and "_" not in line) or _UNSAFE.search(line):
            continue
        fixed = fix_line(line)
        if fixed != line:
            lines[number] = fixed
            diagnostics.append(
                info(
                    ctx.path,
                    number + 1,
                    "emphasis-space",
                    "moved spaces out of emphasis markers",
                    "`**word **` is not bold in Markdown",
                )
            )
    return "\n".join(lines), diagnostics


def fix_line(line: str) -> str:
    # Keep a leading list bullet `* ` out of the marker pairing.
    bullet = _LIST_BULLET.match(line)
    head, body = (line[: bullet.end()], line[bullet.end() :]) if bullet else ("", line)
    masked, saved = mask_protected(body)
    # Moving a space out of one kind of marker can leave one just inside another
    # (`* _- _* ` -> `*_-_ * `): repeat until nothing moves, so a second run changes nothing.
    for _round in range(8):
        before = masked
        for marker in ("***", "**", "___", "__", "*", "_"):
            masked = _fix_marker(masked, marker)
        if masked == before:
            break
    return head + unmask(masked, saved)


def _marker_positions(text: str, marker: str) -> list[int]:
    """Start offsets of `marker` used as an emphasis delimiter of exactly that kind."""
    positions = []
    for run in _RUN.finditer(text):
        s = run.group(0)
        if s[0] != marker[0]:
            continue
        n, start = len(s), run.start()
        width = len(marker)
        if n == width:
            if marker[0] == "_" and _intraword(text, start, n):
                continue
            positions.append(start)
        elif n == 2 * width and width >= 2:
            positions.extend([start, start + width])
    return positions


def _intraword(text: str, start: int, n: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[start + n] if start + n < len(text) else " "
    return before.isalnum() and after.isalnum()


def _fix_marker(text: str, marker: str) -> str:
    positions = _marker_positions(text, marker)
    width = len(marker)
    # Rebuild from the end so earlier offsets stay valid.
    pairs = [(positions[i], positions[i + 1]) for i in range(0, len(positions) - 1, 2)]
    for open_at, close_at in reversed(pairs):
        inner = text[open_at + width : close_at]
        if not inner.strip():
            continue
        lead = len(inner) - len(inner.lstrip())
        trail = len(inner) - len(inner.rstrip())
        if not lead and not trail:
            continue
        if width == 1 and lead and trail:
            continue  # `a * b * c` is arithmetic, not emphasis
        core = inner.strip()
        before = text[:open_at]
        after = text[close_at + width :]
        lead_text = inner[:lead]
        trail_text = inner[len(inner) - trail :] if trail else ""
        # Don't double spaces that are already there outside the marker.
        if before.endswith((" ", "\t")) or not before:
            lead_text = ""
        if after.startswith((" ", "\t")) or not after or after[0] in ".,;:!?)]":
            trail_text = ""
        text = before + lead_text + marker + core + marker + trail_text + after
    return text
