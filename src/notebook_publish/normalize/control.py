"""Remove control characters: they mean nothing in a note, and XML cannot hold them.

A form feed from a PDF copy, an escape sequence pasted from a terminal, a NUL from a
broken export: the PDF ignores them silently, but a deck is XML, where one of them
stops the whole build. Every C0 control but tab and newline goes, and DEL, and the C1
controls (U+0080..U+009F) that the encoding fixer, which runs first, did not read as
mojibake (a stray 0x93 from Windows-1252 is a quote mark, not a control). A terminal
escape sequence (`ESC [ 31 m`) goes whole, so no `[31m` is left in the text. Form
feed and vertical tab separate what is on either side of them, so they become a space
(`one\\fthe other` must not read "onethe other"); the others are removed. Newlines are
kept, so the line count and every later diagnostic's line stay right.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, warning

if TYPE_CHECKING:
    from pathlib import Path

    from notebook_publish.normalize.context import NoteContext

_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SEPARATORS = {"\x0b": " ", "\x0c": " "}

# The Unicode names of the controls (unicodedata has none for them, only aliases).
_C0 = (
    "NULL",
    "START OF HEADING",
    "START OF TEXT",
    "END OF TEXT",
    "END OF TRANSMISSION",
    "ENQUIRY",
    "ACKNOWLEDGE",
    "BELL",
    "BACKSPACE",
    "CHARACTER TABULATION",
    "LINE FEED",
    "LINE TABULATION",
    "FORM FEED",
    "CARRIAGE RETURN",
    "SHIFT OUT",
    "SHIFT IN",
    "DATA LINK ESCAPE",
    "DEVICE CONTROL ONE",
    "DEVICE CONTROL TWO",
    "DEVICE CONTROL THREE",
    "DEVICE CONTROL FOUR",
    "NEGATIVE ACKNOWLEDGE",
    "SYNCHRONOUS IDLE",
    "END OF TRANSMISSION BLOCK",
    "CANCEL",
    "END OF MEDIUM",
    "SUBSTITUTE",
    "ESCAPE",
    "INFORMATION SEPARATOR FOUR",
    "INFORMATION SEPARATOR THREE",
    "INFORMATION SEPARATOR TWO",
    "INFORMATION SEPARATOR ONE",
)
_C1 = (
    "PADDING CHARACTER",
    "HIGH OCTET PRESET",
    "BREAK PERMITTED HERE",
    "NO BREAK HERE",
    "INDEX",
    "NEXT LINE",
    "START OF SELECTED AREA",
    "END OF SELECTED AREA",
    "CHARACTER TABULATION SET",
    "CHARACTER TABULATION WITH JUSTIFICATION",
    "LINE TABULATION SET",
    "PARTIAL LINE FORWARD",
    "PARTIAL LINE BACKWARD",
    "REVERSE LINE FEED",
    "SINGLE SHIFT TWO",
    "SINGLE SHIFT THREE",
    "DEVICE CONTROL STRING",
    "PRIVATE USE ONE",
    "PRIVATE USE TWO",
    "SET TRANSMIT STATE",
    "CANCEL CHARACTER",
    "MESSAGE WAITING",
    "START OF GUARDED AREA",
    "END OF GUARDED AREA",
    "START OF STRING",
    "SINGLE GRAPHIC CHARACTER INTRODUCER",
    "SINGLE CHARACTER INTRODUCER",
    "CONTROL SEQUENCE INTRODUCER",
    "STRING TERMINATOR",
    "OPERATING SYSTEM COMMAND",
    "PRIVACY MESSAGE",
    "APPLICATION PROGRAM COMMAND",
)


def describe(char: str) -> str:
    """`U+000C FORM FEED`."""
    code = ord(char)
    if code < 0x20:
        name = _C0[code]
    elif code == 0x7F:
        name = "DELETE"
    elif 0x80 <= code <= 0x9F:
        name = _C1[code - 0x80]
    else:
        name = "CHARACTER"
    return f"U+{code:04X} {name}"


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    if not _CONTROL.search(text):
        return text, []
    lines = text.split("\n")
    diagnostics: list[Diagnostic] = []
    for number, line in enumerate(lines):
        matches = list(_CONTROL.finditer(line))
        if not matches:
            continue
        lines[number] = _CONTROL.sub(lambda m: _SEPARATORS.get(m.group(0), ""), line)
        diagnostics.append(_warning(ctx.path, number + 1, matches))
    return "\n".join(lines), diagnostics


def _warning(path: Path, line: int, matches: list[re.Match[str]]) -> Diagnostic:
    """One warning for a line: which characters, how many, what became of them."""
    chars = list(dict.fromkeys(describe(m.group(0)) for m in matches if len(m.group(0)) == 1))
    sequences = list(dict.fromkeys("`ESC" + m.group(0)[1:] + "`" for m in matches if len(m.group(0)) > 1))
    pieces = []
    if chars:
        pieces.append(("control character " if len(chars) == 1 else "control characters ") + _listed(chars))
    if sequences:
        pieces.append(
            ("terminal escape sequence " if len(sequences) == 1 else "terminal escape sequences ") + _listed(sequences)
        )
    spaced = [m for m in matches if m.group(0) in _SEPARATORS]
    done = (
        "replaced by a space"
        if len(spaced) == len(matches)
        else "removed (form feeds and tabulations made spaces)"
        if spaced
        else "removed"
    )
    times = f" ({len(matches)} on this line)" if len(matches) > 1 else ""
    return warning(
        path,
        line,
        "control-character",
        f"{' and '.join(pieces)} {done}{times}",
        f"delete {'it' if len(matches) == 1 else 'them'} from the note; such characters come from copying out of PDFs and terminals",
        matches[0].start() + 1,
    )


def _listed(items: list[str], most: int = 4) -> str:
    if len(items) > most:
        return ", ".join(items[:most]) + f" and {len(items) - most} more"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
