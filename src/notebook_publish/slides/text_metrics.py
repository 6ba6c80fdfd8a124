"""Measuring text with the theme's fonts, and wrapping it as a viewer does.

Text is measured with the real metrics of the theme's fonts (Pillow on the font
files). A viewer that lacks those fonts substitutes its own, so every word is measured
in the theme font *and* in the usual substitutes (DejaVu), the wider result counts,
and lines may fill only `SAFETY` of their width. Line pitch is written to the file as
exact points, so the height of a wrapped paragraph is the same in every viewer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import ImageFont

from notebook_publish import fonts
from notebook_publish.slides.laid import INSET_X, INSET_Y, SLACK

if TYPE_CHECKING:
    from notebook_publish.cache import Store
    from notebook_publish.glyphs import Coverage

    # Pillow's default font when no substitute is installed may be a bitmap `ImageFont`.
    _Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

SAFETY = 0.95  # share of a line's width that measured text may fill
FALLBACK_FONTS = {
    # (kind, bold, italic) -> substitutes a viewer is likely to use instead
    "sans": ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique"),
    "serif": ("DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic", "DejaVuSerif-BoldItalic"),
    "mono": ("DejaVuSansMono", "DejaVuSansMono-Bold", "DejaVuSansMono-Oblique", "DejaVuSansMono-BoldOblique"),
}
SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)


@dataclass(frozen=True)
class Face:
    kind: str  # sans | serif | mono
    bold: bool = False
    italic: bool = False


class TextMeasurer:
    """Widths of text in em, the widest of the theme font and its likely substitutes.

    A character the theme font lacks but a fallback font has (emoji, Hangul, other
    scripts: `fonts.FALLBACKS`) is measured in that fallback, a wide one (East Asian
    Wide or Fullwidth) at least 1 em; what joins the character before it (the
    zero-width joiner and what follows it, variation selectors, skin tones, combining
    marks) adds nothing. So an emoji counts as wide as Noto Emoji draws it, and a
    family 👨‍👩‍👧 as one emoji."""

    REF = 1000  # font size in px that Pillow measures at; widths come back per em

    def __init__(self, cache: Store | None = None) -> None:
        self._fonts: dict[Face, list[_Font]] = {}
        self._widths: dict[tuple[Face, str], float] = {}
        self._cache = cache  # the build cache, where the fonts' coverage is kept
        self._coverage: Coverage | None = None
        self._fallback_fonts: dict[Path, ImageFont.FreeTypeFont] = {}
        self._advances: dict[tuple[Path, str], float] = {}

    def coverage(self) -> Coverage:
        if self._coverage is None:
            from notebook_publish import glyphs

            self._coverage = glyphs.coverage(self._cache)
        return self._coverage

    def _advance(self, path: Path, ch: str) -> float:
        key = (path, ch)
        found = self._advances.get(key)
        if found is None:
            font = self._fallback_fonts.get(path)
            if font is None:
                font = self._fallback_fonts[path] = ImageFont.truetype(str(path), self.REF)
            found = self._advances[key] = font.getlength(ch) / self.REF
        return found

    def _beyond_ascii(self, text: str, kind: str, fonts_: list[_Font]) -> float:
        """Width of text with characters beyond ASCII: each in the first font that has it."""
        from notebook_publish.fonts import EMOJI_FAMILY
        from notebook_publish.glyphs import drawn_alone, joins_previous

        cov = self.coverage()
        own = cov.primary(kind)
        plain: list[str] = []
        wide = 0
        extra = 0.0
        previous = ""  # the last character that took room
        joined = False  # a zero-width joiner since then
        for ch in text:
            if ch < "\x80":
                plain.append(ch)
            elif ch == "\u200d":
                joined = True
                continue
            elif previous and joins_previous(ch):
                continue  # drawn with the character before it
            elif ch in own or not drawn_alone(ch) or (font := cov.fallback_for(ch)) is None:
                # The theme font's own (or no font of ours: its .notdef, and DejaVu's glyph).
                if unicodedata.east_asian_width(ch) in ("W", "F"):
                    wide += 1
                else:
                    plain.append(ch)
            elif (
                font.family == EMOJI_FAMILY
                and previous
                and ((joined and previous in cov.emoji_chars) or _second_flag_letter(previous, ch))
            ):
                # One emoji with the one before: 👨‍👩‍👧, 🇰🇷 (and the next flag starts afresh).
                previous, joined = ("\u2691" if _second_flag_letter(previous, ch) else previous), False
                continue
            else:
                advance = self._advance(font.path, ch)
                if unicodedata.east_asian_width(ch) in ("W", "F"):
                    advance = max(advance, 1.0)
                extra += advance
            previous, joined = ch, False
        narrow = "".join(plain)
        return (max(f.getlength(narrow) for f in fonts_) / self.REF if narrow else 0.0) + wide * 1.0 + extra

    def _load(self, face: Face) -> list[_Font]:
        found = self._fonts.get(face)
        if found is not None:
            return found
        loaded: list[_Font] = []
        path = fonts.font_path(face.kind, face.italic)
        font = ImageFont.truetype(str(path), self.REF)
        try:
            axes = font.get_variation_axes()
        except (OSError, AttributeError):
            axes = []
        if axes:
            values: list[float] = []
            for axis in axes:
                name = axis["name"].decode() if isinstance(axis["name"], bytes) else str(axis["name"])
                if name.lower() == "weight":
                    values.append(700 if face.bold else 400)
                else:
                    # Pillow's stubs allow None here; FreeType always gives an axis a default.
                    values.append(axis["default"])  # type: ignore[arg-type]
            font.set_variation_by_axes(values)
        loaded.append(font)
        variant = (2 if face.italic else 0) + (1 if face.bold else 0)
        # The like substitute, and the generic default a viewer may fall back to instead.
        for names in {FALLBACK_FONTS[face.kind], FALLBACK_FONTS["sans"]}:
            for folder in SYSTEM_FONT_DIRS:
                candidate = folder / f"{names[variant]}.ttf"
                if candidate.is_file():
                    loaded.append(ImageFont.truetype(str(candidate), self.REF))
                    break
        if len(loaded) == 1:
            # No system substitute: Pillow's own font stands in for "some other font".
            loaded.append(ImageFont.load_default(self.REF))
        self._fonts[face] = loaded
        return loaded

    def width(self, text: str, face: Face) -> float:
        """Width of `text` in em."""
        key = (face, text)
        cached = self._widths.get(key)
        if cached is not None:
            return cached
        fonts_ = self._load(face)
        if text.isascii():
            value = max(f.getlength(text) for f in fonts_) / self.REF
        else:
            value = self._beyond_ascii(text, face.kind, fonts_)
        self._widths[key] = value
        return value


def _second_flag_letter(previous: str, ch: str) -> bool:
    return "\U0001f1e6" <= previous <= "\U0001f1ff" and "\U0001f1e6" <= ch <= "\U0001f1ff"


@dataclass(frozen=True)
class Piece:
    """Text of one formatting at one size; `key` is whatever the caller wants back."""

    text: str
    face: Face
    size: float
    key: object = None


_TOKENS = re.compile(r"\n| +|[^ \n]+")


def wrap(pieces: list[Piece], width: float, measurer: TextMeasurer) -> list[list[Piece]]:
    """Greedy word wrap, as PowerPoint and LibreOffice do it; too-long words break anywhere."""
    limit = width * SAFETY
    lines: list[list[Piece]] = [[]]
    line_w = 0.0
    pending_space: list[Piece] = []
    space_w = 0.0
    # Words may span pieces ("**bold**ness"), so collect a whole word before placing it.
    word: list[Piece] = []

    def place_word() -> None:
        nonlocal line_w, space_w
        if not word:
            return
        word_w = sum(measurer.width(p.text, p.face) * p.size for p in word)
        if lines[-1] and line_w + space_w + word_w > limit:
            lines.append([])
            line_w = 0.0
        elif lines[-1]:
            lines[-1].extend(pending_space)
            line_w += space_w
        if word_w > limit:
            for piece in word:
                for ch in piece.text:
                    ch_w = measurer.width(ch, piece.face) * piece.size
                    if lines[-1] and line_w + ch_w > limit:
                        lines.append([])
                        line_w = 0.0
                    lines[-1].append(Piece(ch, piece.face, piece.size, piece.key))
                    line_w += ch_w
        else:
            lines[-1].extend(word)
            line_w += word_w
        word.clear()
        pending_space.clear()
        space_w = 0.0

    for piece in pieces:
        for token in _TOKENS.findall(piece.text):
            if token == "\n":
                place_word()
                lines.append([])
                line_w = 0.0
                pending_space.clear()
                space_w = 0.0
            elif token.startswith(" "):
                place_word()
                pending_space.append(Piece(token, piece.face, piece.size, piece.key))
                space_w += measurer.width(token, piece.face) * piece.size
            else:
                if pending_space and not word and not lines[-1]:
                    pending_space.clear()  # leading spaces of a line take no room we count
                    space_w = 0.0
                word.append(Piece(token, piece.face, piece.size, piece.key))
    place_word()
    return [_merge(line) for line in lines]


def _merge(line: list[Piece]) -> list[Piece]:
    out: list[Piece] = []
    for piece in line:
        if out and out[-1].face == piece.face and out[-1].size == piece.size and out[-1].key is piece.key:
            out[-1] = Piece(out[-1].text + piece.text, piece.face, piece.size, piece.key)
        else:
            out.append(piece)
    return out


@dataclass(frozen=True)
class ParagraphSpec:
    """What the fit measure needs of one paragraph; also read back from a saved deck."""

    pieces: tuple[Piece, ...]
    indent: float  # left margin of the text, points
    line_height: float
    space_before: float


def paragraphs_height(paragraphs: list[ParagraphSpec], frame_width: float, measurer: TextMeasurer) -> float:
    """Height the paragraphs need in a frame of `frame_width` (insets included)."""
    total = 2 * INSET_Y
    for i, p in enumerate(paragraphs):
        lines = wrap(list(p.pieces), frame_width - 2 * INSET_X - p.indent, measurer)
        total += len(lines) * p.line_height + (p.space_before if i else 0.0)
    return total + SLACK
