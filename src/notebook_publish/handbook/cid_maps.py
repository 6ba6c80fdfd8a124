"""A CID font dictionary's glyph widths (/W) and ToUnicode CMap, read into and
written from plain maps keyed by glyph id, in the forms WeasyPrint writes them."""

from __future__ import annotations

import re

import pikepdf
from pikepdf import Array

_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")
_RANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>")


def read_widths(array: object) -> dict[int, pikepdf.Object] | None:
    """/W as glyph id -> width; None for a form this module does not read."""
    if array is None:
        return {}
    if not isinstance(array, Array):
        return None
    widths: dict[int, pikepdf.Object] = {}
    items = list(array)
    i = 0
    while i < len(items):
        first = int(items[i])
        if i + 1 < len(items) and isinstance(items[i + 1], Array):
            for offset, width in enumerate(items[i + 1]):
                widths[first + offset] = width
            i += 2
        elif i + 2 < len(items):  # c_first c_last w
            for gid in range(first, int(items[i + 1]) + 1):
                widths[gid] = items[i + 2]
            i += 3
        else:
            return None
    return widths


def read_to_unicode(data: bytes) -> dict[int, str] | None:
    """A ToUnicode CMap as glyph id -> UTF-16BE hex; None if it has ranges mapped to arrays."""
    text: dict[int, str] = {}
    for block in _BFCHAR.findall(data):
        for code, target in _PAIR.findall(block):
            text[int(code, 16)] = target.decode("ascii").upper()
    for block in _BFRANGE.findall(data):
        if b"[" in block:
            return None
        for low, high, target in _RANGE.findall(block):
            start = int(target, 16)
            width = len(target)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                text[code] = f"{start + offset:0{width}X}"
    return text


def w_array(widths: dict[int, pikepdf.Object]) -> Array:
    """/W in WeasyPrint's form: runs of consecutive glyph ids, each with its widths."""
    out = Array()
    run: Array | None = None
    previous = None
    for gid in sorted(widths):
        if run is None or previous != gid - 1:
            run = Array()
            out.append(gid)
            out.append(run)
        run.append(widths[gid])
        previous = gid
    return out


def to_unicode_cmap(text: dict[int, str]) -> bytes:
    """A ToUnicode CMap of bfchar entries, 100 a block, as WeasyPrint writes them."""
    entries = sorted(text.items())
    lines = [
        b"/CIDInit /ProcSet findresource begin",
        b"12 dict begin",
        b"begincmap",
        b"/CIDSystemInfo",
        b"<< /Registry (Adobe)",
        b"/Ordering (UCS)",
        b"/Supplement 0",
        b">> def",
        b"/CMapName /Adobe-Identity-UCS def",
        b"/CMapType 2 def",
        b"1 begincodespacerange",
        b"<0000> <ffff>",
        b"endcodespacerange",
    ]
    for start in range(0, len(entries), 100):
        chunk = entries[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar".encode())
        lines.extend(f"<{gid:04x}> <{target.lower()}>".encode() for gid, target in chunk)
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def cid_set(glyphs: set[int]) -> bytes:
    """A /CIDSet stream's bytes: one bit per glyph id, set for those the program has."""
    bits = bytearray((max(glyphs) // 8) + 1)
    for gid in glyphs:
        bits[gid // 8] |= 0x80 >> (gid % 8)
    return bytes(bits)
