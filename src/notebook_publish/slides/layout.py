"""Measure, fit and split: from the deck model to slides whose every box is known.

Text is measured with the real metrics of the theme's fonts (Pillow on the font
files). A viewer that lacks those fonts substitutes its own, so every word is measured
in the theme font *and* in the usual substitutes (DejaVu), the wider result counts,
and lines may fill only `SAFETY` of their width. Line pitch is written to the file as
exact points, so the height of a wrapped paragraph is the same in every viewer.

Everything on a slide body is a vertical stack of blocks (text, formula, code, table),
each an "entry" list: one entry per paragraph, formula, code line or table row. A
slide whose entries do not fit may shrink by up to `sizes.max_shrink` points (never
below `slides.min_font_size`); beyond that it is split into continuation slides by
`split_overflowing_slide`, which prefers breaks between top-level bullets, then
between their children (repeating the parent as a context line), and so on down.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import ImageFont

from notebook_publish import fonts, pictures
from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.slides.deck import Bullet, Callout, CodeBlock, Deck, Formula, Numbering, PageBreak, Picture, Run, Slide, Table
from notebook_publish.slides.style import SlideStyle

EMU_PER_PT = 12700
SAFETY = 0.95  # share of a line's width that measured text may fill
INSET_X = 7.2  # text frame insets, points (PowerPoint's defaults, written explicitly)
INSET_Y = 3.6
SLACK = 2.0  # points added to every text frame's height
CODE_INSET_Y = 5.0
CELL_MARGIN_X = 5.0
CELL_MARGIN_Y = 3.0
FORMULA_PAD = 4.0
FORMULA_DPI = 300
CAPTION_GAP = 6.0
CALLOUT_INSET_Y = 5.0  # a callout's box: room above and below its text, points
CALLOUT_BAR = 4.0  # the coloured rule at its left edge
CALLOUT_PAD = 6.0  # extra indent of its text, clear of the rule
FALLBACK_FONTS = {
    # (kind, bold, italic) -> substitutes a viewer is likely to use instead
    "sans": ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique"),
    "serif": ("DejaVuSerif", "DejaVuSerif-Bold", "DejaVuSerif-Italic", "DejaVuSerif-BoldItalic"),
    "mono": ("DejaVuSansMono", "DejaVuSansMono-Bold", "DejaVuSansMono-Oblique", "DejaVuSansMono-BoldOblique"),
}
SYSTEM_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"), Path("/usr/local/share/fonts"))


# --- geometry -------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float  # points
    y: float
    w: float
    h: float

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class Geometry:
    """Where things go on a slide, in points: from the template's layouts or the theme."""

    width: float
    height: float
    title: Box
    body: Box
    left: Box  # Two Content: text column
    right: Box  # Two Content: picture column
    cover_title: Box
    cover_subtitle: Box
    section_title: Box
    footer: Box
    number: Box


def default_geometry(style: SlideStyle, width: float, height: float) -> Geometry:
    m = {k: v * 72 for k, v in style.margins.items()}
    inner_w = width - m["left"] - m["right"]
    title_h = style.title_height * 72
    title = Box(m["left"], m["top"], inner_w, title_h)
    footer_h = style.line_height(style.footer_size) + 2 * INSET_Y + SLACK + 4
    footer_y = height - m["bottom"] + (m["bottom"] - footer_h) / 2
    body_top = title.bottom + 8
    body = Box(m["left"], body_top, inner_w, footer_y - 6 - body_top)
    gap = style.column_gap * 72
    column = (inner_w - gap) / 2
    left = Box(body.x, body.y, column, body.h)
    right = Box(body.x + column + gap, body.y, column, body.h)
    cover_title = Box(m["left"], height * 0.28, inner_w, height * 0.30)
    cover_subtitle = Box(m["left"], cover_title.bottom + 12, inner_w, height * 0.22)
    section_title = Box(m["left"], height * 0.35, inner_w, height * 0.30)
    footer = Box(m["left"], footer_y, inner_w * 0.8, footer_h)
    number = Box(m["left"] + inner_w * 0.8, footer_y, inner_w * 0.2, footer_h)
    return Geometry(width, height, title, body, left, right, cover_title, cover_subtitle, section_title, footer, number)


# --- measuring text -------------------------------------------------------------------


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

    def __init__(self, cache=None) -> None:
        self._fonts: dict[Face, list[ImageFont.FreeTypeFont]] = {}
        self._widths: dict[tuple[Face, str], float] = {}
        self._cache = cache  # the build cache, where the fonts' coverage is kept
        self._coverage = None
        self._fallback_fonts: dict[Path, ImageFont.FreeTypeFont] = {}
        self._advances: dict[tuple[Path, str], float] = {}

    def coverage(self):
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

    def _beyond_ascii(self, text: str, kind: str, fonts_: list) -> float:
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
            elif font.family == EMOJI_FAMILY and previous and ((joined and previous in cov.emoji_chars) or _second_flag_letter(previous, ch)):
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

    def _load(self, face: Face) -> list[ImageFont.FreeTypeFont]:
        found = self._fonts.get(face)
        if found is not None:
            return found
        loaded = []
        path = fonts.font_path(face.kind, face.italic)
        font = ImageFont.truetype(str(path), self.REF)
        try:
            axes = font.get_variation_axes()
        except (OSError, AttributeError):
            axes = []
        if axes:
            values = []
            for axis in axes:
                name = axis["name"].decode() if isinstance(axis["name"], bytes) else str(axis["name"])
                if name.lower() == "weight":
                    values.append(700 if face.bold else 400)
                else:
                    values.append(axis["default"])
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


MAX_CONTEXT_LINES = 4  # ancestors repeated at the top of a continued slide

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


# --- entries --------------------------------------------------------------------------


@dataclass
class Entry:
    kind: str  # para | formula | code | row | break
    rank: int  # nesting depth: splits prefer the smallest rank
    parent: int | None  # index of the entry repeated as context on a continuation slide
    group: int = -1  # the code block or table this line or row belongs to
    level: int = 0
    runs: tuple[Run, ...] = ()
    marker: "str | Numbering | None" = None  # bullet character, list number, or none
    quote: bool = False
    context: bool = False
    formula: Formula | None = None
    tokens: tuple = ()  # code: ((text, colour, bold, italic), ...)
    cells: tuple = ()  # row: runs of each cell
    header: bool = False
    table: "TableInfo | None" = None
    callout: str | None = None  # the family of the callout box this paragraph is in
    box: int = -1  # which callout box
    title: bool = False  # the callout's title line


@dataclass
class TableInfo:
    aligns: tuple[str, ...]
    fractions: tuple[float, ...] = ()


@dataclass
class LaidParagraph:
    runs: tuple[Run, ...]
    size: float
    level: int
    marker: "str | Numbering | None"
    indent: float  # points from the frame's inner left edge to the text
    hanging: float  # points the bullet hangs left of the text
    space_before: float
    line_height: float
    context: bool = False
    quote: bool = False
    colour: str | None = None  # a callout title's colour


@dataclass
class TextBlock:
    box: Box
    paragraphs: list[LaidParagraph]
    callout: str | None = None  # drawn as a shaded box in this callout family's colour


@dataclass
class FormulaBlock:
    box: Box
    tex: str
    omml: str | None
    png: bytes | None
    size: float  # font size of the OMML


@dataclass
class CodeBlockOut:
    box: Box
    lines: list[tuple]  # per line: ((text, colour, bold, italic), ...)
    size: float
    line_height: float


@dataclass
class TableBlock:
    box: Box
    col_widths: list[float]
    rows: list[tuple]  # runs per cell
    header_rows: int
    row_heights: list[float]
    aligns: tuple[str, ...]
    size: float
    line_height: float


@dataclass
class PictureBlock:
    box: Box
    picture: Picture
    caption_box: Box | None
    caption_size: float


@dataclass
class LaidSlide:
    layout: str  # cover | content | two | picture | section
    title: str
    title_size: float
    blocks: list = field(default_factory=list)
    subtitle: tuple[str, ...] = ()
    notes: str = ""


@dataclass
class LaidDeck:
    deck: Deck
    slides: list[LaidSlide]
    geometry: Geometry
    footer: str = ""
    subtitle_size: float = 20.0


# --- the layout engine ----------------------------------------------------------------


class DeckLayout:
    def __init__(self, style: SlideStyle, geometry: Geometry, measurer: TextMeasurer, cache=None):
        self.style = style
        self.geometry = geometry
        self.measurer = measurer
        self.cache = cache
        self.diagnostics: list[Diagnostic] = []
        self._heights: dict = {}
        self._formulas: dict = {}
        self._deck: Deck | None = None
        self._line = 1

    # sizes ---------------------------------------------------------------------------

    def shrunk(self, base: float, d: float) -> float:
        floor = self.style.min_font_size
        return base if base <= floor else max(floor, base - d)

    def level_size(self, level: int, d: float) -> float:
        return self.shrunk(self.style.level_sizes[min(level, self.style.levels - 1)], d)

    def max_shrink(self) -> float:
        sizes = list(self.style.level_sizes) + [self.style.code_size, self.style.table_size]
        return max(0.0, max(sizes) - self.style.min_font_size)

    def face(self, run: Run, kind: str | None = None) -> Face:
        if run.code:
            return Face(self.style.code_font, run.bold, run.italic)
        if run.math:
            return Face(self.style.math_font, run.bold, True)
        return Face(kind or self.style.body_font, run.bold, run.italic)

    def pieces(self, runs: tuple[Run, ...], size: float, italic: bool = False) -> list[Piece]:
        return [Piece(r.text, self.face(replace(r, italic=r.italic or italic)), size, r) for r in runs]

    def hanging_of(self, entry: Entry) -> float:
        """Room for the bullet, or for a list number such as "12." (which must not push the text)."""
        if not entry.marker:
            return 0.0
        hanging = self.style.hanging * 72
        if isinstance(entry.marker, Numbering):
            size = self.style.level_sizes[min(entry.level, self.style.levels - 1)]
            hanging = max(hanging, self.measurer.width(entry.marker.label, Face(self.style.body_font)) * size + 8)
        return hanging

    def indent_of(self, entry: Entry) -> float:
        return self.style.indent * 72 * entry.level + self.hanging_of(entry) + (CALLOUT_PAD if entry.callout else 0.0)

    def callout_colour(self, family: str) -> str:
        return callout_colour(self.style, family)

    # entries -------------------------------------------------------------------------

    def entries(self, items: tuple) -> list[Entry]:
        out: list[Entry] = []
        groups = [0]
        boxes = [0]

        def add(items, rank: int, depth: int, parent: int | None, box: tuple[str, int] | None = None) -> None:
            family, box_id = box if box is not None else (None, -1)
            for item in items:
                if isinstance(item, Callout):
                    boxes[0] += 1
                    inner = (item.family, boxes[0])
                    title = parent
                    if item.title:
                        level = min(depth, self.style.levels - 1)
                        out.append(Entry("para", rank, parent, level=level, runs=item.title, callout=item.family, box=boxes[0], title=True))
                        title = len(out) - 1
                    add(item.items, rank + 1 if item.title else rank, depth, title, inner)
                elif isinstance(item, Bullet):
                    level = min(depth, self.style.levels - 1)
                    runs = item.runs
                    if depth > level:  # deeper than the theme has levels: flatten, visibly
                        runs = (Run(self.style.flatten_marker * (depth - level) + " "),) + runs
                    if item.runs:
                        marker = None
                        if item.marker == "bullet":
                            marker = self.style.bullets[level % len(self.style.bullets)]
                        elif item.marker:
                            marker = item.marker
                        out.append(Entry("para", rank, parent, level=level, runs=runs, marker=marker, quote=item.quote, callout=family, box=box_id))
                        add(item.children, rank + 1, depth + 1, len(out) - 1, box)
                    else:
                        add(item.children, rank, depth, parent, box)
                elif isinstance(item, Formula):
                    out.append(Entry("formula", rank, parent, level=min(depth, self.style.levels - 1), formula=item))
                elif isinstance(item, CodeBlock):
                    groups[0] += 1
                    for i, tokens in enumerate(self.code_lines(item)):
                        out.append(Entry("code", rank if i == 0 else rank + 1, parent, group=groups[0], level=min(depth, self.style.levels - 1), tokens=tokens))
                elif isinstance(item, Table):
                    groups[0] += 1
                    info = TableInfo(item.aligns)
                    header_index = None
                    for i, row in enumerate(item.header):
                        out.append(Entry("row", rank if i == 0 else rank + 1, parent if header_index is None else header_index, group=groups[0], cells=row, header=True, table=info))
                        header_index = len(out) - 1
                    for i, row in enumerate(item.rows):
                        first = i == 0 and header_index is None
                        out.append(Entry("row", rank if first else rank + 1, header_index if header_index is not None else parent, group=groups[0], cells=row, table=info))
                elif isinstance(item, PageBreak):
                    out.append(Entry("break", rank, parent))

        add(items, 0, 0, None)
        return out

    def code_lines(self, block: CodeBlock) -> list[tuple]:
        from pygments import lex
        from pygments.lexers import TextLexer, get_lexer_by_name
        from pygments.styles import get_style_by_name
        from pygments.util import ClassNotFound

        try:
            lexer = get_lexer_by_name(block.language) if block.language else TextLexer()
        except ClassNotFound:
            lexer = TextLexer()
        try:
            pstyle = get_style_by_name(self.style.pygments_style)
        except ClassNotFound:
            pstyle = get_style_by_name("default")
        lines: list[list] = [[]]
        for ttype, value in lex(block.text.expandtabs(4), lexer):
            spec = pstyle.style_for_token(ttype)
            colour = (spec.get("color") or self.style.colour("text")).upper()
            for i, part in enumerate(value.split("\n")):
                if i:
                    lines.append([])
                if part:
                    lines[-1].append((part, colour, bool(spec.get("bold")), bool(spec.get("italic"))))
        if lines and not lines[-1]:
            lines.pop()
        return [tuple(line) for line in lines] or [()]

    # heights -------------------------------------------------------------------------

    def code_pieces(self, entry: Entry, size: float) -> list[Piece]:
        return [Piece(t, Face(self.style.code_font, b, i), size, (t, c, b, i)) for t, c, b, i in entry.tokens] or [Piece(" ", Face(self.style.code_font), size)]

    def entry_height(self, entry: Entry, d: float, width: float) -> float:
        key = (id(entry), d, width)
        found = self._heights.get(key)
        if found is not None and found[0] is entry:  # ids of dead objects get reused
            return found[1]
        if entry.kind == "para":
            size = self.level_size(entry.level, d)
            pieces = self.pieces(self.display_runs(entry, d, width), size, entry.quote)
            lines = wrap(pieces, width - 2 * INSET_X - self.indent_of(entry), self.measurer)
            h = len(lines) * self.style.line_height(size)
        elif entry.kind == "code":
            size = self.shrunk(self.style.code_size, d)
            lines = wrap(self.code_pieces(entry, size), width - 2 * INSET_X - self.style.indent * 72 * entry.level, self.measurer)
            h = len(lines) * self.style.line_height(size)
        elif entry.kind == "row":
            h = max(self.row_heights(entry, d, width))
        elif entry.kind == "formula":
            h = self.formula_box(entry, d, width)[1] + 2 * FORMULA_PAD
        else:
            h = 0.0
        self._heights[key] = (entry, h)
        return h

    def display_runs(self, entry: Entry, d: float, width: float) -> tuple[Run, ...]:
        """The runs as shown: a context line is cut to one line and marked as continued."""
        if not entry.context:
            return entry.runs
        key = ("context", id(entry), d, width)
        found = self._heights.get(key)
        if found is not None and found[0] is entry:
            return found[1]
        size = self.level_size(entry.level, d)
        room = width - 2 * INSET_X - self.indent_of(entry)
        suffix = Run(" " + self.style.continued, italic=True)
        runs = entry.runs + (suffix,)
        if len(wrap(self.pieces(runs, size, entry.quote), room, self.measurer)) > 1:
            ellipsis = Run(" …")
            reserve = sum(self.measurer.width(r.text, self.face(r)) for r in (ellipsis, suffix)) * size / SAFETY + 2
            first = wrap(self.pieces(entry.runs, size, entry.quote), max(room - reserve, 1.0), self.measurer)[0]
            while True:
                cut = tuple(replace(p.key, text=p.text) for p in first)
                if cut:
                    cut = cut[:-1] + (replace(cut[-1], text=cut[-1].text.rstrip()),)
                runs = cut + (ellipsis, suffix)
                if len(first) <= 1 and len(first[0].text if first else "") <= 1 or len(wrap(self.pieces(runs, size, entry.quote), room, self.measurer)) == 1:
                    break
                last = first[-1]
                shorter = last.text.rsplit(" ", 1)[0] if " " in last.text.strip() else ""
                first = first[:-1] + ([Piece(shorter, last.face, last.size, last.key)] if shorter else [])
        self._heights[key] = (entry, runs)
        return runs

    def row_heights(self, entry: Entry, d: float, width: float) -> list[float]:
        size = self.shrunk(self.style.table_size, d)
        widths = self.column_widths(entry, width)
        heights = []
        for cell, w in zip(entry.cells, widths):
            runs = tuple(replace(r, bold=r.bold or entry.header) for r in cell) or (Run(" "),)
            lines = wrap(self.pieces(runs, size), w - 2 * CELL_MARGIN_X, self.measurer)
            heights.append(len(lines) * self.style.line_height(size) + 2 * CELL_MARGIN_Y)
        return heights or [self.style.line_height(size) + 2 * CELL_MARGIN_Y]

    def column_widths(self, entry: Entry, width: float) -> list[float]:
        info = entry.table
        assert info is not None
        if not info.fractions:
            info.fractions = self.column_fractions(entry.group, width)
        return [f * width for f in info.fractions]

    def column_fractions(self, group: int, width: float) -> tuple[float, ...]:
        rows = [e for e in self._current if e.kind == "row" and e.group == group]
        n = max(len(r.cells) for r in rows)
        size = self.style.table_size
        natural = [0.0] * n
        longest = [0.0] * n
        for row in rows:
            for i, cell in enumerate(row.cells):
                text_w = sum(self.measurer.width(r.text, self.face(replace(r, bold=r.bold or row.header))) for r in cell) * size
                words = [w for r in cell for w in r.text.split()]
                word_w = max((self.measurer.width(w, self.face(Run(w, bold=True))) * size for w in words), default=0.0)
                natural[i] = max(natural[i], text_w + 2 * CELL_MARGIN_X + 4)
                longest[i] = max(longest[i], word_w + 2 * CELL_MARGIN_X + 4)
        floor = [max(longest[i], 0.08 * width) for i in range(n)]
        if sum(natural) <= width:
            widths = [natural[i] * width / sum(natural) for i in range(n)]
        elif sum(floor) < width:
            extra = [max(0.0, natural[i] - floor[i]) for i in range(n)]
            spare = width - sum(floor)
            widths = [floor[i] + (spare * extra[i] / sum(extra) if sum(extra) else spare / n) for i in range(n)]
        else:
            widths = [width / n] * n
        return tuple(w / width for w in widths)

    def formula_render(self, formula: Formula):
        key = formula.tex
        if key not in self._formulas:
            from notebook_publish.mathrender import render_png

            self._formulas[key] = render_png(formula.tex, True, dpi=FORMULA_DPI, cache=self.cache)
        return self._formulas[key]

    def formula_box(self, entry: Entry, d: float, width: float) -> tuple[float, float, float]:
        """(width, height, font size) of a display formula, in points."""
        size = self.level_size(entry.level + 1, d)
        rendered = self.formula_render(entry.formula)
        if rendered is None:
            text = self.formula_text(entry.formula)
            lines = wrap(self.pieces((Run(text, math=True),), size), width - 2 * INSET_X - self.style.indent * 72 * (entry.level + 1), self.measurer)
            return width, len(lines) * self.style.line_height(size) + 2 * INSET_Y + SLACK, size
        _png, w_px, h_px = rendered
        scale = size / 12.0  # the PNG is drawn with 1 em = 12 pt
        w = w_px / FORMULA_DPI * 72 * scale
        h = h_px / FORMULA_DPI * 72 * scale
        room = width - self.style.indent * 72 * (entry.level + 1) - 2 * INSET_X
        limit_h = self.geometry.body.h * 0.6
        factor = min(1.0, room / w if w else 1.0, limit_h / h if h else 1.0)
        return w * factor, h * factor, size * factor

    @staticmethod
    def formula_text(formula: Formula) -> str:
        from notebook_publish.mathrender import tex_to_unicode

        return tex_to_unicode(formula.tex)

    # pages ---------------------------------------------------------------------------

    @staticmethod
    def segment(entry: Entry):
        if entry.kind == "para":
            return "text" if entry.callout is None else ("callout", entry.box)
        if entry.kind in ("code", "row"):
            return (entry.kind, entry.group)
        return ("formula", id(entry))

    def overhead(self, seg) -> float:
        if seg == "text":
            return 2 * INSET_Y + SLACK
        if seg[0] == "code":
            return 2 * CODE_INSET_Y + SLACK
        if seg[0] == "callout":
            return 2 * CALLOUT_INSET_Y + SLACK
        return 0.0

    def stack_height(self, entries: list[Entry], d: float, width: float) -> float:
        h, prev = 0.0, None
        for e in entries:
            h = self.add_height(h, prev, e, d, width)
            prev = self.segment(e)
        return h

    def add_height(self, h: float, prev, e: Entry, d: float, width: float) -> float:
        seg = self.segment(e)
        if seg != prev:
            h += (self.style.block_gap if prev is not None else 0.0) + self.overhead(seg)
        elif e.kind == "para":
            h += self.style.paragraph_space
        return h + self.entry_height(e, d, width)

    def context_for(self, entries: list[Entry], start: int) -> list[Entry]:
        chain = []
        parent = entries[start].parent
        # The nearest ancestors say where a continued list is; a whole chain of them
        # (a list nested 40 deep) would leave no room for the items themselves.
        while parent is not None and len(chain) < MAX_CONTEXT_LINES:
            chain.append(parent)
            parent = entries[parent].parent
        out = []
        for index in reversed(chain):
            e = entries[index]
            out.append(replace(e, context=True) if e.kind == "para" else e)
        return out

    def split_overflowing_slide(self, entries: list[Entry], capacity, width) -> list[tuple[list[Entry], float]]:
        """Pages of (entries, shrink) for one slide's content. `capacity(i)` and
        `width(i)` give the body height and width of the i-th page."""
        self._current = entries
        entries = list(entries)
        if not any(e.kind == "break" for e in entries):
            for d in range(0, int(min(self.style.max_shrink, self.max_shrink())) + 1):
                if self.stack_height(entries, d, width(0)) <= capacity(0):
                    return [(entries, d)]
        pages: list[tuple[list[Entry], float]] = []
        start = 0
        d_max = int(math.ceil(self.max_shrink()))
        while start < len(entries):
            if entries[start].kind == "break":
                start += 1
                continue
            page_no = len(pages)
            cap, w = capacity(page_no), width(page_no)
            context = self.context_for(entries, start)
            chosen = None
            # A paragraph or code line taller than a slide is cut at the theme's size;
            # only what cannot be cut (a table row, a formula) shrinks to make room.
            chunkable = entries[start].kind in ("para", "code")
            for d in range(0, (0 if chunkable else d_max) + 1):
                ends, heights = self.fill(entries, start, context, d, cap, w)
                if ends:
                    chosen = d
                    break
            if chosen is None:
                d = 0 if chunkable else d_max
                pieces = self.chunk(entries[start], context, d, cap, w)
                if pieces is not None:
                    entries[start : start + 1] = pieces
                    for later in entries[start + len(pieces) :]:
                        if later.parent is not None and later.parent > start:
                            later.parent += len(pieces) - 1
                    self._current = entries
                    continue
                self.diagnostics.append(
                    warning(self._deck.source if self._deck else None, self._line, "slide-overflow", "a table row or formula is taller than a slide", "split the row or the formula")
                )
                ends, heights = [start + 1], [cap]
            end = ends[-1]
            if end < len(entries) and entries[end].kind != "break":
                end = self.choose_break(entries, start, ends, heights, cap)
            pages.append((context + entries[start:end], chosen if chosen is not None else d_max))
            start = end
        return pages

    def fill(self, entries, start, context, d, cap, width) -> tuple[list[int], list[float]]:
        """Break positions b (page = entries[start:b]) that fit, with their heights."""
        h, prev = 0.0, None
        for e in context:
            h = self.add_height(h, prev, e, d, width)
            prev = self.segment(e)
        ends, heights = [], []
        for i in range(start, len(entries)):
            e = entries[i]
            if e.kind == "break":
                break
            h = self.add_height(h, prev, e, d, width)
            prev = self.segment(e)
            if h > cap:
                break
            ends.append(i + 1)
            heights.append(h)
        return ends, heights

    def choose_break(self, entries, start, ends, heights, cap) -> int:
        """Prefer breaks between shallow entries, not right after their parent, late on the page."""
        best, best_score = ends[-1], None
        for b, h in zip(ends, heights):
            if b >= len(entries):
                continue
            e = entries[b]
            full_enough = h >= 0.4 * cap
            orphan = e.parent == b - 1 and b - 1 >= start
            score = (not full_enough, e.rank, orphan, -b)
            if best_score is None or score < best_score:
                best, best_score = b, score
        return best

    def chunk(self, entry: Entry, context, d, cap, width) -> list[Entry] | None:
        """Split one paragraph (or code line) that is taller than a slide into parts that fit."""
        if entry.kind not in ("para", "code"):
            return None
        ctx_h = self.stack_height(context, d, width) + self.style.block_gap if context else 0.0
        if entry.kind == "para":
            size = self.level_size(entry.level, d)
            pieces = self.pieces(entry.runs, size, entry.quote)
            room = width - 2 * INSET_X - self.indent_of(entry)
        else:
            size = self.shrunk(self.style.code_size, d)
            pieces = self.code_pieces(entry, size)
            room = width - 2 * INSET_X - self.style.indent * 72 * entry.level
        lines = wrap(pieces, room, self.measurer)
        per_page = int((cap - ctx_h - 2 * INSET_Y - SLACK - 2 * CODE_INSET_Y) // self.style.line_height(size))
        if per_page < 1 or len(lines) <= 1:
            return None
        parts = []
        for i in range(0, len(lines), per_page):
            chunk_lines = lines[i : i + per_page]
            if entry.kind == "para":
                runs = []
                for li, line in enumerate(chunk_lines):
                    for p in line:
                        runs.append(replace(p.key, text=p.text))
                    if li < len(chunk_lines) - 1 and runs and not runs[-1].text.endswith(" "):
                        runs.append(Run(" "))
                runs[0] = replace(runs[0], text=runs[0].text.lstrip())
                parts.append(replace(entry, runs=tuple(runs), marker=entry.marker if i == 0 else None, rank=entry.rank if i == 0 else 99))
            else:
                tokens = tuple((p.text,) + tuple(p.key[1:]) if p.key else (p.text, self.style.colour("text"), False, False) for line in chunk_lines for p in line)
                parts.append(replace(entry, tokens=tokens, rank=entry.rank if i == 0 else 99))
        return parts

    # slides --------------------------------------------------------------------------

    def fit_title(self, text: str, box: Box, size: float) -> tuple[str, float]:
        """The title and the size it fits at; shrinks to the minimum, then shortens."""
        floor = min(size, self.style.min_font_size)
        current = size
        while True:
            lines = wrap([Piece(text, Face(self.style.heading_font, True), current)], box.w - 2 * INSET_X, self.measurer)
            if len(lines) * self.style.line_height(current) + 2 * INSET_Y + SLACK <= box.h:
                return text, current
            if current - 1 < floor:
                break
            current -= 1
        words = text.split()
        while len(words) > 1:
            words.pop()
            shorter = " ".join(words) + " …"
            lines = wrap([Piece(shorter, Face(self.style.heading_font, True), floor)], box.w - 2 * INSET_X, self.measurer)
            if len(lines) * self.style.line_height(floor) + 2 * INSET_Y + SLACK <= box.h:
                self.diagnostics.append(
                    warning(self._deck.source if self._deck else None, self._line, "long-title", f"slide title shortened: `{text}`", "use a shorter heading")
                )
                return shorter, floor
        return text[:40] + "…", floor

    def layout_deck(self, deck: Deck) -> LaidDeck:
        self._deck = deck
        g = self.geometry
        slides: list[LaidSlide] = []
        title, size = self.fit_title(deck.title, g.cover_title, self.style.title_slide_size)
        subtitle = tuple(line for line in (deck.book_title, deck.date_line) if line)
        slides.append(LaidSlide("cover", title, size, subtitle=subtitle))
        for slide in deck.slides:
            self._line = slide.line
            slides += self.layout_slide(slide)
        footer = self.shorten(deck.footer, Face(self.style.body_font), self.style.footer_size, g.footer.w, 1)
        return LaidDeck(deck, slides, g, footer, self.fit_lines(subtitle, g.cover_subtitle, self.style.subtitle_size))

    def lines_height(self, texts, face: Face, size: float, width: float) -> float:
        paragraphs = [ParagraphSpec((Piece(t, face, size),), 0.0, self.style.line_height(size), 0.0) for t in texts]
        return paragraphs_height(paragraphs, width, self.measurer)

    def fit_lines(self, texts, box: Box, size: float) -> float:
        """The largest size, down to the minimum, at which these paragraphs fit the box."""
        face = Face(self.style.body_font)
        while size > self.style.min_font_size and self.lines_height(texts, face, size, box.w) > box.h:
            size -= 1
        return size

    def shorten(self, text: str, face: Face, size: float, width: float, max_lines: int) -> str:
        """`text`, cut at a word and ended with "…" if it needs more than `max_lines` lines."""
        def fits(t: str) -> bool:
            return len(wrap([Piece(t, face, size)], width - 2 * INSET_X, self.measurer)) <= max_lines

        if fits(text):
            return text
        words = text.split()
        while len(words) > 1:
            words.pop()
            if fits(" ".join(words) + " …"):
                return " ".join(words) + " …"
        return "…"

    def layout_slide(self, slide: Slide) -> list[LaidSlide]:
        g = self.geometry
        if slide.kind == "section":
            title, size = self.fit_title(slide.title, g.section_title, self.style.title_slide_size)
            return [LaidSlide("section", title, size, notes=slide.notes)]
        entries = self.entries(slide.items)
        pictures = list(slide.pictures)
        pages: list[tuple[list[Entry], float]] = []
        if any(e.kind != "break" for e in entries):
            two = bool(pictures)
            pages = self.split_overflowing_slide(
                entries,
                capacity=lambda i: g.left.h if two and i < len(pictures) else g.body.h,
                width=lambda i: g.left.w if two and i < len(pictures) else g.body.w,
            )
        laid: list[LaidSlide] = []
        for i, (page, d) in enumerate(pages):
            two = i < len(pictures)
            frame = g.left if two else g.body
            blocks = self.place(page, d, frame)
            if two:
                blocks.append(self.place_picture(pictures[i], g.right))
            laid.append(LaidSlide("two" if two else "content", slide.title, 0.0, blocks))
        for picture in pictures[len(pages) :]:
            laid.append(LaidSlide("picture", slide.title, 0.0, [self.place_picture(picture, g.body)]))
        total = len(laid)
        for i, s in enumerate(laid):
            full = f"{slide.title} ({i + 1}/{total})" if total > 1 else slide.title
            s.title, s.title_size = self.fit_title(full, g.title, self.style.title_size)
        if laid:
            laid[0].notes = slide.notes
        return laid

    def place(self, page: list[Entry], d: float, frame: Box) -> list:
        blocks: list = []
        y = frame.y
        groups: list[list[Entry]] = []
        for e in page:
            if groups and self.segment(groups[-1][-1]) == self.segment(e):
                groups[-1].append(e)
            else:
                groups.append([e])
        for n, group in enumerate(groups):
            if n:
                y += self.style.block_gap
            kind = group[0].kind
            h = self.stack_height(group, d, frame.w)
            box = Box(frame.x, y, frame.w, h)
            if kind == "para":
                paragraphs = []
                family = group[0].callout
                for i, e in enumerate(group):
                    size = self.level_size(e.level, d)
                    paragraphs.append(
                        LaidParagraph(
                            self.display_runs(e, d, frame.w), size, e.level, e.marker, self.indent_of(e), self.hanging_of(e),
                            self.style.paragraph_space if i else 0.0, self.style.line_height(size), e.context, e.quote,
                            _darker(self.callout_colour(family)) if e.title and family else None,
                        )
                    )
                blocks.append(TextBlock(box, paragraphs, family))
            elif kind == "formula":
                e = group[0]
                w, fh, size = self.formula_box(e, d, frame.w)
                rendered = self.formula_render(e.formula)
                left = frame.x + self.style.indent * 72 * (e.level + 1)
                room = frame.x + frame.w - left
                if rendered is None:
                    blocks.append(FormulaBlock(Box(left, y, room, h), e.formula.tex, None, None, size))
                else:
                    x = left + max(0.0, (room - w) / 2)
                    blocks.append(FormulaBlock(Box(x, y + FORMULA_PAD, w, fh), e.formula.tex, e.formula.omml, rendered[0], size))
            elif kind == "code":
                size = self.shrunk(self.style.code_size, d)
                left = frame.x + self.style.indent * 72 * group[0].level
                blocks.append(CodeBlockOut(Box(left, y, frame.x + frame.w - left, h), [e.tokens for e in group], size, self.style.line_height(size)))
            elif kind == "row":
                size = self.shrunk(self.style.table_size, d)
                heights = [max(self.row_heights(e, d, frame.w)) for e in group]
                headers = sum(1 for e in group if e.header)
                blocks.append(
                    TableBlock(box, self.column_widths(group[0], frame.w), [e.cells for e in group], headers, heights, group[0].table.aligns, size, self.style.line_height(size))
                )
            y += h
        return blocks

    def place_picture(self, picture: Picture, frame: Box) -> PictureBlock:
        caption_h = 0.0
        caption_box = None
        if picture.caption:
            face = Face(self.style.body_font, False, True)
            caption = self.shorten(picture.caption, face, self.style.caption_size, frame.w, 3)
            picture = replace(picture, caption=caption)
            lines = wrap([Piece(caption, face, self.style.caption_size)], frame.w - 2 * INSET_X, self.measurer)
            caption_h = len(lines) * self.style.line_height(self.style.caption_size) + 2 * INSET_Y + SLACK
        room = Box(frame.x, frame.y, frame.w, frame.h - caption_h - (CAPTION_GAP if caption_h else 0))
        ratio = 4 / 3
        if picture.path is not None and picture.path.suffix.lower() != ".svg":
            # The notes loader judged every picture; this only fails for a file that
            # changed since (or a picture that bypassed it), with the same verdict.
            try:
                with pictures.open_picture(picture.path.read_bytes()) as im:
                    width, height = pictures.upright_size(im)  # a phone photo's EXIF turn counts
                    ratio = width / height if height else ratio
            except (OSError, pictures.PictureError) as exc:
                message, hint = pictures.message(pictures.Verdict(pictures.BAD, str(exc) if isinstance(exc, pictures.PictureError) else f"it cannot be read ({exc.strerror})"), picture.path.name)
                self.diagnostics.append(warning(self._deck.source if self._deck else None, self._line, pictures.BAD, message, hint))
                picture = replace(picture, path=None, problem=pictures.BAD)
        w = min(room.w, room.h * ratio)
        h = w / ratio
        box = Box(room.x + (room.w - w) / 2, room.y + (room.h - h) / 2, w, h)
        if caption_h:
            caption_box = Box(frame.x, box.bottom + CAPTION_GAP, frame.w, caption_h)
        return PictureBlock(box, picture, caption_box, self.style.caption_size)


def callout_colour(style: SlideStyle, family: str) -> str:
    """The rule colour of a callout family (`callout_<family>` in the theme's colours)."""
    key = f"callout_{family}"
    return style.colour(key if key in style.colours else "accent")


def _darker(colour: str, factor: float = 0.72) -> str:
    """An RGB hex colour darkened, for a callout title that must read on its tint."""
    try:
        rgb = [int(colour[i : i + 2], 16) for i in (0, 2, 4)]
    except ValueError:
        return colour
    return "".join(f"{int(c * factor):02X}" for c in rgb)


def tint(colour: str, share: float = 0.1) -> str:
    """An RGB hex colour mixed with white (`share` of the colour), for a callout's fill."""
    try:
        rgb = [int(colour[i : i + 2], 16) for i in (0, 2, 4)]
    except ValueError:
        return "F2F2F2"
    return "".join(f"{int(round(255 - (255 - c) * share)):02X}" for c in rgb)


def layout_deck(deck: Deck, style: SlideStyle, geometry: Geometry, measurer: TextMeasurer | None = None, cache=None) -> tuple[LaidDeck, list[Diagnostic]]:
    engine = DeckLayout(style, geometry, measurer or TextMeasurer(), cache)
    laid = engine.layout_deck(deck)
    return laid, engine.diagnostics


# --- the fit measure, read back from a saved deck ------------------------------------


def _face_of_family(family: str | None, bold: bool, italic: bool) -> Face:
    for kind in ("sans", "serif", "mono"):
        if family == fonts.family_name(kind):
            return Face(kind, bold, italic)
    return Face("sans", bold, italic)


def text_frame_paragraphs(shape) -> list[ParagraphSpec]:
    """The paragraphs of a python-pptx shape's text frame, as the fit measure sees them."""
    from pptx.oxml.ns import qn

    specs = []
    for p in shape.text_frame.paragraphs:
        pPr = p._p.find(qn("a:pPr"))
        indent = int(pPr.get("marL", "0")) / EMU_PER_PT if pPr is not None else 0.0
        line_height = 0.0
        space_before = 0.0
        if pPr is not None:
            pts = pPr.find(qn("a:lnSpc") + "/" + qn("a:spcPts"))
            if pts is not None:
                line_height = int(pts.get("val")) / 100
            bef = pPr.find(qn("a:spcBef") + "/" + qn("a:spcPts"))
            if bef is not None:
                space_before = int(bef.get("val")) / 100
        pieces = []
        size_max = 0.0
        for child in p._p:
            if child.tag == qn("a:r"):
                rPr = child.find(qn("a:rPr"))
                size = int(rPr.get("sz")) / 100 if rPr is not None and rPr.get("sz") else 18.0
                latin = rPr.find(qn("a:latin")) if rPr is not None else None
                face = _face_of_family(
                    latin.get("typeface") if latin is not None else None,
                    rPr is not None and rPr.get("b") == "1",
                    rPr is not None and rPr.get("i") == "1",
                )
                text = child.findtext(qn("a:t")) or ""
                pieces.append(Piece(text, face, size))
                size_max = max(size_max, size)
            elif child.tag == qn("a:br"):
                pieces.append(Piece("\n", Face("sans"), size_max or 18.0))
        if not line_height:
            line_height = 1.2 * (size_max or 18.0)  # no exact pitch written: assume single spacing
        specs.append(ParagraphSpec(tuple(pieces), indent, line_height, space_before))
    return specs


def text_frame_fits(shape, measurer: TextMeasurer) -> tuple[float, float]:
    """(height needed, height available) in points for a shape's text."""
    needed = paragraphs_height(text_frame_paragraphs(shape), shape.width / EMU_PER_PT, measurer)
    return needed, shape.height / EMU_PER_PT
