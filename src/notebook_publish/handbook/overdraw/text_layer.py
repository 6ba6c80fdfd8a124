"""Invisible text over what a part draws as paths, so search and copy find it.

Formulas are appended to the pages as outlines (`math_stamp`), which a viewer's
search, copy and `pdftotext` cannot read. Each formula therefore also gets its
plain-text form written over its box in text render mode 3 (neither filled nor
stroked: nothing shows), the way OCR tools lay a text layer over a scanned page.

Marked content with `/ActualText` around the paths would be the other way, but
poppler (pdftotext, Evince, Okular) only substitutes ActualText for glyphs drawn
inside the span, and there are none. Nor can WeasyPrint's embedded fonts carry the
text: they are subsets whose ToUnicode maps only the glyphs the part prints, so an
`α` that appears only in a formula has no code in any of them.

So each part that has formulas gets one small font: a TrueType program with a
single blank glyph (a few hundred bytes, the same in every part), used as a Type0
font with Identity-H codes, and a ToUnicode CMap that maps each code the part uses
back to its character. A character has the same code in every part (`code_of`), so
the parts' fonts differ only in which codes their ToUnicode lists, and the merge
makes them one font with the union of the maps (`shared_fonts`). Extractors place
the text by its position, not by where it comes in the content stream, so a
formula's words land between the words of its line when its baseline and size are
the line's.
"""

from __future__ import annotations

import functools
import io
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from notebook_publish.handbook.overdraw.ops import number

if TYPE_CHECKING:
    import pikepdf

RESOURCE = "/NPText"  # the font's name in a page's /Resources /Font
_ADVANCE = 500  # every code's width, in thousandths of the font size
_ASCENT, _DESCENT = 800, -200
_SURROGATES = (0xD800, 0xE000)  # codes no BMP character has: for the characters beyond it
_MATH_LETTERS = 0x1D400  # Mathematical Alphanumeric Symbols: 1024 code points, codes D800-DBFF
_OTHERS = 0xDC00  # any other character beyond the BMP: codes DC00-DFFF
_SLOTS = 0x400


@dataclass(frozen=True)
class Words:
    """A run of invisible text: its box's left edge, baseline and width, in CSS px
    from the page's top-left corner (y down), and the font size of the line."""

    x: float
    baseline: float
    width: float
    size: float
    text: str


@functools.cache
def glyphless_font() -> bytes:
    """A TrueType program with one blank glyph: the glyph every code maps to."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    builder = FontBuilder(1000, isTTF=True)
    builder.updateHead(created=0, modified=0)  # the same bytes in every build
    builder.setupGlyphOrder([".notdef", "blank"])
    builder.setupCharacterMap({0x20: "blank"})
    empty = TTGlyphPen(None).glyph()
    builder.setupGlyf({".notdef": empty, "blank": empty})
    builder.setupHorizontalMetrics({".notdef": (_ADVANCE, 0), "blank": (_ADVANCE, 0)})
    builder.setupHorizontalHeader(ascent=_ASCENT, descent=_DESCENT)
    builder.setupNameTable({"familyName": "NPText", "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=_ASCENT, sTypoDescender=_DESCENT, usWinAscent=_ASCENT, usWinDescent=-_DESCENT)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


def code_of(character: str) -> int:
    """The two-byte code a character has in every part: its code point, for a
    character of the Basic Multilingual Plane. The codes that no such character has
    (the surrogates, D800-DFFF) hold the others: the Mathematical Alphanumeric Symbols
    (U+1D400-1D7FF, the italic and bold letters of formulas) at D800 plus their offset
    in the block, any other character at the start of its probe in DC00-DFFF."""
    point = ord(character)
    if point <= 0xFFFF and not _SURROGATES[0] <= point < _SURROGATES[1]:
        return point
    if _MATH_LETTERS <= point < _MATH_LETTERS + _SLOTS:
        return _SURROGATES[0] + point - _MATH_LETTERS
    return _OTHERS + point % _SLOTS


def codes_for(runs: list[Words]) -> dict[str, int]:
    """A two-byte code for each character the runs use: `code_of`, except where two of
    the part's rare characters beyond the math letters want one code, when the later
    (in code point order) takes the next free one in DC00-DFFF. Those are the only codes
    that may differ between parts; the merge keeps apart fonts whose maps disagree."""
    codes: dict[str, int] = {}
    taken: set[int] = set()
    for character in sorted({c for run in runs for c in run.text}):
        code = code_of(character)
        if code in taken:  # only codes from DC00 are shared: the others are one character's
            ring = (_OTHERS + (code - _OTHERS + step) % _SLOTS for step in range(1, _SLOTS))
            # Past 1024 such characters in one part, any code the part leaves free.
            code = next(c for c in itertools.chain(ring, range(1, 0x10000)) if c not in taken)
        codes[character] = code
        taken.add(code)
    return codes


@functools.cache
def _every_cid_to_the_blank_glyph() -> bytes:
    """The CIDToGIDMap of every part, whatever codes it uses: each of the 65,536 CIDs
    but 0 to glyph 1 (128 KiB, a few hundred bytes once compressed)."""
    return b"\x00\x00" + b"\x00\x01" * 0xFFFF


def _utf16_hex(character: str) -> str:
    return character.encode("utf-16-be").hex().upper()


def to_unicode_cmap(codes: dict[str, int]) -> bytes:
    """The ToUnicode CMap: each code back to its character (UTF-16BE, so characters
    beyond the BMP, such as the mathematical italic letters, are a surrogate pair)."""
    entries = sorted((code, _utf16_hex(c)) for c, code in codes.items())
    blocks = []
    for start in range(0, len(entries), 100):  # at most 100 entries per bfchar block
        chunk = entries[start : start + 100]
        blocks.append(
            f"{len(chunk)} beginbfchar\n"
            + "".join(f"<{code:04X}> <{target}>\n" for code, target in chunk)
            + "endbfchar\n"
        )
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        + "".join(blocks)
        + "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n"
    ).encode("ascii")


def make_font(doc: pikepdf.Pdf, codes: dict[str, int]) -> pikepdf.Dictionary:
    """The part's invisible-text font (an indirect Type0 font object in `doc`)."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    # Every code to the blank glyph (GID 1), so no code falls outside the program.
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=Name("/NPText"),
        Flags=4,
        FontBBox=Array([0, _DESCENT, _ADVANCE, _ASCENT]),
        ItalicAngle=0,
        Ascent=_ASCENT,
        Descent=_DESCENT,
        CapHeight=700,
        StemV=80,
        FontFile2=doc.make_stream(glyphless_font()),
    )
    cid_font = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=Name("/NPText"),
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=doc.make_indirect(descriptor),
        DW=_ADVANCE,
        CIDToGIDMap=doc.make_stream(_every_cid_to_the_blank_glyph()),
    )
    font = Dictionary(
        Type=Name.Font,
        Subtype=Name.Type0,
        BaseFont=Name("/NPText-Identity-H"),
        Encoding=Name("/Identity-H"),
        DescendantFonts=Array([doc.make_indirect(cid_font)]),
        ToUnicode=doc.make_stream(to_unicode_cmap(codes)),
    )
    return doc.make_indirect(font)


def text_ops(runs: list[Words], codes: dict[str, int]) -> bytes:
    """Operators (in the y-down CSS px space `overdraw` sets) that write each run
    invisibly, from its left edge on its baseline, stretched to its box's width."""
    out, size = [b"BT 3 Tr"], None
    for run in runs:
        text = run.text
        if not text or run.size <= 0 or run.width <= 0:
            continue
        if run.size != size:  # most runs of a page share the body's size
            out.append(b"%s %s Tf" % (RESOURCE.encode(), number(run.size)))
            size = run.size
        natural = len(text) * _ADVANCE / 1000 * run.size
        scale = 100 * run.width / natural  # horizontal scaling, in per cent, to fill the box
        hex_codes = "".join(f"{codes[c]:04X}" for c in text).encode("ascii")
        # The matrix flips y back up: the space is y-down, text must stand upright.
        out.append(b"%s Tz 1 0 0 -1 %s %s Tm <%s> Tj" % (number(scale), number(run.x), number(run.baseline), hex_codes))
    out.append(b"ET")
    return b"\n".join(out)
