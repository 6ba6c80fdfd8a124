"""Repair mojibake: UTF-8 that was decoded as Windows-1252 somewhere along an export.

ftfy does the bulk of it, configured to leave Markdown alone. It can't repair text
where a byte was lost: Windows-1252 has no character for 0x81, 0x8D, 0x8F, 0x90 and
0x9D, so exporters drop them. Mathematical letters (U+1D400..U+1D7FF, UTF-8 F0 9D xx xx)
all lose their 0x9D, and `ð›½` alone then reads as garbage to ftfy, which may even turn
`ð‘‡ ` into the unrelated U+111E0. We put the lost byte back first, where exactly one
choice gives a valid, assigned character, and let ftfy do the rest.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import ftfy

from notebook_publish.diagnostics import Diagnostic, info

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,  # `&lt;` in Markdown is meant
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=False,  # never invent U+FFFD
    decode_inconsistent_utf8=True,
    fix_c1_controls=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)

# Windows-1252 bytes 0x80..0xFF as the characters they decode to; the five undefined
# bytes are the ones exporters lose.
_CP1252_CHAR_TO_BYTE: dict[str, int] = {}
for _b in range(0x80, 0x100):
    try:
        _CP1252_CHAR_TO_BYTE[bytes([_b]).decode("cp1252")] = _b
    except UnicodeDecodeError:
        pass
_LOST_BYTES = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
_CONTINUATION_CHARS = "".join(c for c, b in _CP1252_CHAR_TO_BYTE.items() if 0x80 <= b <= 0xBF)
_LEAD4_CHARS = "".join(c for c, b in _CP1252_CHAR_TO_BYTE.items() if 0xF0 <= b <= 0xF4)
_LEAD3_CHARS = "".join(c for c, b in _CP1252_CHAR_TO_BYTE.items() if 0xE0 <= b <= 0xEF)

# A 4-byte lead followed by only two continuation characters (one byte lost), or a
# 3-byte lead followed by one (one lost). The next character must not be another
# continuation character, or nothing was lost.
_SHORT4 = re.compile(
    f"[{re.escape(_LEAD4_CHARS)}][{re.escape(_CONTINUATION_CHARS)}]{{2}}(?![{re.escape(_CONTINUATION_CHARS)}])"
)
_SHORT3 = re.compile(
    f"[{re.escape(_LEAD3_CHARS)}][{re.escape(_CONTINUATION_CHARS)}](?![{re.escape(_CONTINUATION_CHARS)}])"
)


def _restore_lost_byte(chars: str) -> str | None:
    """The one character this mojibake stood for, if one lost byte makes it valid.

    When several would give a printable character, a lost 0x9D wins: it is what
    mathematical letters (F0 9D ..) and the closing quote (E2 80 9D) lose, by far the
    commonest victims.
    """
    raw = bytes(_CP1252_CHAR_TO_BYTE[c] for c in chars)
    found: dict[str, int] = {}
    for position in range(1, len(raw) + 1):
        for lost in _LOST_BYTES:
            candidate = raw[:position] + bytes([lost]) + raw[position:]
            try:
                text = candidate.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(text) == 1 and unicodedata.category(text) not in _INVISIBLE:
                found[text] = lost
    if len(found) == 1:
        return next(iter(found))
    for preferred in (
        [t for t, lost in found.items() if lost == 0x9D and 0x1D400 <= ord(t) <= 0x1D7FF],
        [t for t, lost in found.items() if lost == 0x9D and 0x2000 <= ord(t) <= 0x206F],  # quotes, dashes
    ):
        if len(preferred) == 1:
            return preferred[0]
    return None


_INVISIBLE = {"Cn", "Co", "Cs", "Cc", "Cf", "Zs", "Zl", "Zp"}


def _repair_lost_bytes(pattern: re.Pattern[str], text: str) -> str:
    return pattern.sub(lambda m: _restore_lost_byte(m.group(0)) or m.group(0), text)


def repair_line(line: str) -> str:
    """The line with its mojibake repaired. Repeated until nothing changes: a repair can
    uncover more (ftfy turns stray C1 controls, `ð\x91\x80`, into the Windows-1252
    mojibake `ð‘€`, which only a second look makes `𝑀`), and normalising twice must
    give what normalising once gave."""
    for _round in range(4):
        repaired = _repair_once(line)
        if repaired == line:
            break
        line = repaired
    return line


def _repair_once(line: str) -> str:
    repaired = ftfy.fix_text(_repair_lost_bytes(_SHORT4, line), FTFY_CONFIG)
    if repaired != line:
        # The line is known to be mojibake, so a short three-byte piece (like the "â€"
        # of a closing quote that lost its 0x9D) is one too: repair those before ftfy
        # reads "â€ " as a dagger.
        repaired = ftfy.fix_text(_repair_lost_bytes(_SHORT3, _repair_lost_bytes(_SHORT4, line)), FTFY_CONFIG)
    return repaired


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    """Return the text with mojibake repaired. Text that isn't mojibake is unchanged."""
    if text.isascii():
        return text, []
    # Line by line, skipping ASCII lines (they can't be mojibake) and repeated lines:
    # ftfy is thorough but slow, and a long note must still normalise in seconds.
    lines = text.split("\n")
    done: dict[str, str] = {}
    changed = []
    for number, line in enumerate(lines):
        if line.isascii():
            continue
        if line not in done:
            done[line] = repair_line(line)
        if done[line] != line:
            lines[number] = done[line]
            changed.append(number + 1)
    if not changed:
        return text, []
    repaired = "\n".join(lines)
    first = changed[0] if changed else 1
    return repaired, [
        info(
            ctx.path,
            first,
            "mojibake",
            f"repaired mis-decoded characters on {len(changed)} line(s)",
            "the export decoded UTF-8 as Windows-1252; the note on disk is unchanged",
        )
    ]
