"""Which characters the fonts draw, and `missing-glyph`: the ones none of them has.

The handbook sets prose in a serif stack (body) and a sans stack (headings, captions,
tables), code in a mono stack; each is the theme's text font, STIX Two Math, then the
fallbacks of `fonts.FALLBACKS` (Noto Sans, Noto Emoji, Noto Sans Symbols, Noto Sans KR,
Noto Sans for other scripts). A character none of a stack's fonts has would print as an
empty box (or in whatever font the machine happens to have), so it is reported before
anything is typeset, with its code point, its name and its line and column:

- prose is checked against what *both* text stacks draw (a word may end up in a
  heading as well as in the body), code spans and fenced code against the mono stack;
  math is drawn from the TeX by ziamath and is not checked here;
- what is never drawn on its own is not reported: spaces (HarfBuzz makes the ones a
  font lacks), format characters (zero-width joiner, soft hyphen, bidi marks, the tag
  characters of flag sequences), and, when the character before them is drawn,
  combining marks, variation selectors (U+FE0F) and emoji modifiers (skin tones).

Only the shipped fonts count, so `check` says the same on every machine; a font
installed on the system may still draw a reported character in the PDF (fontconfig's
fallback), but not on the next machine.

The cmaps are read once (with HarfBuzz) and kept in the build cache as ranges, keyed by
the font files' hashes (each file hashed again only when its size, mtime, ctime or
inode changed, as `freshness.py` does). Checking a note is one bisection per distinct
character beyond ASCII; an ASCII note costs one `str.isascii`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from notebook_publish.cache import Store, content_key
from notebook_publish.diagnostics import Diagnostic, warning

_VERSION = "glyph-coverage-2"
CODE = "missing-glyph"

# Drawn with the character before them, as combining marks are: variation selectors
# and the emoji modifiers (skin tones).
_MODIFIERS = frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))
_VARIATION_SELECTORS = frozenset([chr(c) for c in range(0xFE00, 0xFE10)] + [chr(c) for c in range(0xE0100, 0xE01F0)])


class Ranges:
    """A set of code points as sorted, disjoint [first, last] ranges: membership is a
    bisection, so no build makes a set of the tens of thousands of characters the fonts
    have."""

    __slots__ = ("starts", "ends")

    def __init__(self, pairs: Iterable[list[int]]) -> None:
        self.starts = [a for a, _b in pairs]
        self.ends = [b for _a, b in pairs]

    def __contains__(self, ch: str) -> bool:
        code = ord(ch)
        i = bisect_right(self.starts, code) - 1
        return i >= 0 and code <= self.ends[i]


@dataclass(frozen=True)
class FontSet:
    """One fallback font and the characters it is the first of the stacks to draw."""

    family: str
    path: Path
    chars: Ranges


_SAME = json.dumps("everywhere")  # stored for `text` or `mono` when it equals `everywhere`


class Coverage:
    """What the stacks draw, worked out once from the fonts' cmaps and kept as ranges:
    `text` (prose), `mono` (code), `everywhere` (both), `primary(kind)` (the upright
    text font of serif, sans, mono) and `fallback_fonts`: each fallback with the
    characters it is the first of the stacks to draw (after the characters all three
    text fonts have, and STIX Two Math's)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self._made: dict[str, Ranges] = {}

    @classmethod
    def compute(
        cls, primary: dict[str, set[int]], math: set[int], fallbacks: list[tuple[str, str, set[int]]]
    ) -> Coverage:
        """From the cmaps (sets of code points): primary is kind -> set, fallbacks
        (family, path, set) in stack order."""
        shared = set(math)
        for _family, _path, chars in fallbacks:
            shared |= chars
        # Prose may end up in the body (serif) or a heading (sans): both must draw it.
        text = (primary["serif"] & primary["sans"]) | shared
        mono = primary["mono"] | shared
        # Per fallback, the characters it is the first of any stack to draw: a document
        # with none of them needs no @font-face for it.
        before = (primary["serif"] & primary["sans"] & primary["mono"]) | set(math)
        own = []
        for family, path, chars in fallbacks:
            own.append([family, str(path), _pairs(chars - before)])
            before |= chars
        everywhere = text & mono
        return cls(
            {
                # The stacks' tails cover what one text font has and another lacks, as a rule:
                # then all three are the same ranges, kept once.
                "text": _SAME if text == everywhere else _pairs(text),
                "mono": _SAME if mono == everywhere else _pairs(mono),
                "everywhere": _pairs(everywhere),
                "primary": {kind: _pairs(chars) for kind, chars in primary.items()},
                "fallbacks": own,
            }
        )

    def _ranges(self, name: str, pairs: list[list[int]]) -> Ranges:
        found = self._made.get(name)
        if found is None:
            found = self._made[name] = Ranges(pairs)
        return found

    def _part(self, name: str) -> Any:
        """One item of the data; read from its JSON text when first asked for (a build
        that checks ASCII notes only parses none of it)."""
        value = self._data[name]
        if isinstance(value, str):
            value = json.loads(value)
            if value == "everywhere":
                value = self._part("everywhere")
            self._data[name] = value
        return value

    @property
    def text(self) -> Ranges:
        return self._ranges("text", self._part("text"))

    @property
    def mono(self) -> Ranges:
        return self._ranges("mono", self._part("mono"))

    @property
    def everywhere(self) -> Ranges:
        return self._ranges("everywhere", self._part("everywhere"))

    def primary(self, kind: str) -> Ranges:
        return self._ranges(f"primary:{kind}", self._part("primary")[kind])

    @property
    def fallback_fonts(self) -> tuple[FontSet, ...]:
        return tuple(
            FontSet(family, Path(path), self._ranges(f"font:{family}", pairs))
            for family, path, pairs in self._part("fallbacks")
        )

    def fallbacks_for(self, text: str) -> list[str]:
        """The fallback families a document with this text draws characters from."""
        if text.isascii():
            return []
        chars = [ch for ch in set(text) if ch > "\x7f"]
        return [font.family for font in self.fallback_fonts if any(ch in font.chars for ch in chars)]

    @property
    def emoji_chars(self) -> Ranges:
        from notebook_publish.fonts import EMOJI_FAMILY

        return next((f.chars for f in self.fallback_fonts if f.family == EMOJI_FAMILY), Ranges([]))

    def fallback_for(self, ch: str) -> FontSet | None:
        """The fallback font that draws `ch` (None for what the text fonts or STIX Two
        Math draw, or no font)."""
        for font in self.fallback_fonts:
            if ch in font.chars:
                return font
        return None

    def to_json(self) -> bytes:
        parts = {
            name: value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
            for name, value in self._data.items()
        }
        return json.dumps(parts).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Coverage:
        body = json.loads(data)
        for name in ("text", "mono", "everywhere", "primary", "fallbacks"):
            if not isinstance(body.get(name), str):
                raise KeyError(name)
        return cls(body)


# --- reading the fonts, once -------------------------------------------------------------


def _pairs(codes: set[int]) -> list[list[int]]:
    """A set of code points as sorted [first, last] ranges."""
    ordered = sorted(codes)
    if not ordered:
        return []
    # Where a range ends: the next code point is not one more.
    ends = [i for i, (a, b) in enumerate(zip(ordered, ordered[1:])) if b != a + 1] + [len(ordered) - 1]
    starts = [0] + [i + 1 for i in ends[:-1]]
    return [[ordered[i], ordered[j]] for i, j in zip(starts, ends)]


def _cmap(path: Path) -> set[int]:
    """The code points the font maps to glyphs (its cmap), read by HarfBuzz: the same
    answer as fontTools' `getBestCmap`, a hundred times sooner."""
    import uharfbuzz as hb

    return set(hb.Face(hb.Blob.from_file_path(str(path))).unicodes)


def _font_files() -> tuple[dict[str, Path], Path, list[tuple[str, Path]]]:
    from notebook_publish import fonts

    primary = {kind: fonts.font_path(kind) for kind in ("serif", "sans", "mono")}
    return primary, fonts.math_font_path(), [(f.family, f.path) for f in fonts.fallback_faces()]


_memo: dict[str, Coverage] = {}
_hash_memo: dict[str, str] = {}  # the font files' stamps -> the hash of their bytes, in this process


def coverage(cache: Store | None = None) -> Coverage:
    """The stacks' coverage: from this process's memo, the build cache, or the fonts."""
    primary, math, fallbacks = _font_files()
    paths = [*primary.values(), math, *(p for _f, p in fallbacks)]
    names = (
        [f"{kind}={p.name}" for kind, p in primary.items()]
        + [f"math={math.name}"]
        + [f"{family}={p.name}" for family, p in fallbacks]
    )
    store = None if cache is None else cache.child("misc")
    key = content_key(_VERSION, *names, _fonts_hash(paths, store))
    found = _memo.get(key)
    if found is not None:
        return found
    result = None
    data = store.get(key) if store is not None else None
    if data is not None:
        try:
            result = Coverage.from_json(data)
        except (ValueError, KeyError, TypeError):
            result = None
    if result is None:
        result = Coverage.compute(
            {kind: _cmap(p) for kind, p in primary.items()},
            _cmap(math),
            [(family, str(p), _cmap(p)) for family, p in fallbacks],
        )
        if store is not None:
            store.put(key, result.to_json())
    _memo[key] = result
    return result


def _fonts_hash(paths: list[Path], store: Store | None) -> str:
    """A hash of the font files' bytes; the files are read again only when the size,
    mtime, ctime or inode of one of them changed."""
    stamps = []
    for path in paths:
        try:
            st = os.stat(path)
            stamps.append(f"{os.path.abspath(path)}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}")
        except OSError:
            stamps.append(f"{path}\0missing")
    stamp_key = content_key("font-files", *stamps)
    if stamp_key in _hash_memo:
        return _hash_memo[stamp_key]
    if store is not None:
        known = store.get(stamp_key)
        if known is not None:
            _hash_memo[stamp_key] = known.decode("ascii", "replace")
            return _hash_memo[stamp_key]
    digests = []
    for path in paths:
        try:
            digests.append(hashlib.sha256(Path(path).read_bytes()).hexdigest())
        except OSError:
            digests.append("unreadable")
    digest = _hash_memo[stamp_key] = content_key(*digests)
    if store is not None:
        store.put(stamp_key, digest.encode("ascii"))
    return digest


# --- the check ----------------------------------------------------------------------------

_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
# On one line: code spans (the mono stack), math and what never prints (link and image
# destinations, raw HTML tags, comments): the rest is prose.
_SPANS = re.compile(
    r"""
      (?P<code>(?P<ticks>`+).+?(?P=ticks))
    | (?P<skip>
        \$\$.+?\$\$
      | (?<![\\$\w])\$(?=\S)[^$\n]*?(?<=\S)\$(?![\w$])
      | \]\([^)\n]*\)
      | <!--.*?-->
      | </?[a-zA-Z][^>\n]*>
      )
    """,
    re.VERBOSE,
)


def drawn_alone(ch: str) -> bool:
    """False for what is never a glyph of its own: spaces, controls, format characters
    (zero-width joiner, soft hyphen, bidi marks, tags). Private-use and unassigned code
    points are glyphs a font may or may not have."""
    category = unicodedata.category(ch)
    return category[0] not in "CZ" or category in ("Co", "Cn")


def joins_previous(ch: str) -> bool:
    """Combining marks, variation selectors and emoji modifiers: drawn with the character before."""
    return ch in _VARIATION_SELECTORS or ch in _MODIFIERS or unicodedata.category(ch) in ("Mn", "Mc", "Me")


def describe(ch: str) -> str:
    """`U+1F600` GRINNING FACE, or what kind of code point it is when it has no name."""
    code = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, "")
    if not name:
        category = unicodedata.category(ch)
        name = {
            "Co": "a private-use character",
            "Cn": f"a character Unicode {unicodedata.unidata_version} does not name",
        }.get(category, f"a {category} character")
    return f"`{code}` {name}"


def check_text(path: Path, text: str, cov: Coverage) -> list[Diagnostic]:
    """`missing-glyph` for each character of the note no font of its stack draws: one
    warning per character, at its first place, with how often it occurs."""
    if text.isascii():
        return []
    everywhere = cov.everywhere
    suspects = {ch for ch in set(text) if ch > "\x7f" and ch not in everywhere and drawn_alone(ch)}
    if not suspects:
        return []
    found: dict[str, list[int]] = {}  # character -> [line, col, count]
    fence: str | None = None
    in_math = False
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        # Fenced code is code; $$ blocks are math.
        if fence is not None:
            if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                fence = None
            elif not suspects.isdisjoint(line):
                _scan(line, 0, len(line), cov.mono, number, found)
            continue
        if in_math:
            if stripped.endswith("$$"):
                in_math = False
            continue
        opened = _FENCE.match(line)
        if opened:
            fence = opened.group(1)
            continue
        if stripped.startswith("$$") and (stripped == "$$" or not stripped[2:].rstrip().endswith("$$")):
            in_math = True
            continue
        if suspects.isdisjoint(line):
            continue
        at = 0
        for span in _SPANS.finditer(line):
            _scan(line, at, span.start(), cov.text, number, found)
            if span.group("code"):
                _scan(line, span.start(), span.end(), cov.mono, number, found)
            at = span.end()
        _scan(line, at, len(line), cov.text, number, found)
    out = []
    for ch, (line_no, col, count) in found.items():
        more = f" ({count} times in this note)" if count > 1 else ""
        out.append(
            warning(
                path,
                line_no,
                CODE,
                f"no font the handbook and slides use has {describe(ch)}: it would print as an empty box{more}",
                "use another character, or write it out in words; a font installed on this machine may draw it, another machine's will not",
                col,
            )
        )
    return out


def _scan(line: str, start: int, end: int, covered: Ranges, number: int, found: dict[str, list[int]]) -> None:
    for i in range(start, end):
        ch = line[i]
        if ch < "\x80" or ch in covered or not drawn_alone(ch):
            continue
        if i > start and joins_previous(ch):
            # Drawn with the character before it; or that one is reported already.
            continue
        place = found.get(ch)
        if place is None:
            found[ch] = [number, i + 1, 1]
        else:
            place[2] += 1


class NoteChecker:
    """`check_text` for each note of a build; the coverage is read when a note first
    has a character beyond ASCII."""

    def __init__(self, cache: Store | None = None) -> None:
        self._cache = cache
        self._coverage: Coverage | None = None

    def check(self, path: Path, text: str) -> list[Diagnostic]:
        if text.isascii():
            return []
        if self._coverage is None:
            self._coverage = coverage(self._cache)
        return check_text(path, text, self._coverage)


# --- emoji in the slides -------------------------------------------------------------------

# What joins an emoji cluster after its first character: the joiner (and the character
# after it), variation selectors, skin tones, the keycap mark and the tags of
# subdivision flags.
_CLUSTER_TAIL = frozenset(
    ["\u200d", "\ufe0e", "\ufe0f", "\u20e3", *_MODIFIERS, *(chr(c) for c in range(0xE0020, 0xE0080))]
)
_KEYCAP_BASES = frozenset("0123456789#*")


def emoji_runs(text: str, cov: Coverage, kind: str) -> list[tuple[str, bool]]:
    """`text` cut into (piece, is_emoji): each emoji cluster (👨‍👩‍👧, 👍🏽, 1️⃣, 🇰🇷) whole,
    where the first font to draw it is the emoji font rather than the `kind` text font."""
    if text.isascii():
        return [(text, False)]
    own = cov.primary(kind)
    emoji = cov.emoji_chars

    def starts(i: int) -> bool:
        ch = text[i]
        if ch in _KEYCAP_BASES:  # 1️⃣: a digit, then U+FE0F and/or U+20E3
            return i + 1 < len(text) and text[i + 1] in ("\ufe0f", "\u20e3") and ("\u20e3" in text[i + 1 : i + 3])
        return ch > "\x7f" and ch not in own and ch in emoji and ch not in _CLUSTER_TAIL

    out: list[tuple[str, bool]] = []
    plain_from = 0
    i = 0
    n = len(text)
    while i < n:
        if not starts(i):
            i += 1
            continue
        j = i + 1
        while j < n:
            ch = text[j]
            if ch == "\u200d" and j + 1 < n:
                j += 2
            elif ch in _CLUSTER_TAIL:
                j += 1
            elif "\U0001f1e6" <= text[j - 1] <= "\U0001f1ff" and "\U0001f1e6" <= ch <= "\U0001f1ff" and j == i + 1:
                j += 1  # the second letter of a flag
            else:
                break
        if plain_from < i:
            out.append((text[plain_from:i], False))
        if out and out[-1][1]:
            out[-1] = (out[-1][0] + text[i:j], True)
        else:
            out.append((text[i:j], True))
        plain_from = i = j
    if plain_from < n:
        out.append((text[plain_from:], False))
    return out
