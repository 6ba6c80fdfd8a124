"""What a deck is called: its title and the words of its file name, unique in the book.

A topic's heading alone names its deck when no other topic of the book has that
heading (or that file name); otherwise its chapter's title goes in front: "Kerberos —
Practice". A wiki where every note has `## Theory` and `## Practice` would otherwise
give hundreds of decks called "Practice".

A file name is made of words only, taken from the heading's AST: math, inline code,
raw TeX or HTML, emoji and pictures give none, and a TeX command pandoc left in the
text (`\\begin{align}`) is dropped. Words are folded to ASCII where a letter has an
ASCII form (Über -> uber, Straße -> strasse); letters of other scripts stay, so a
notebook in Chinese gets names in Chinese rather than "topic", "topic-2" ...
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

EM_DASH = " — "  # between the chapter and the heading in a deck's title
MAX_SLUG = 60  # characters of a file name's words, before `NN-` and `.pptx`
FALLBACK = "topic"  # the words of a deck whose heading and chapter have none

_TEX_ENVIRONMENT = re.compile(r"\\(?:begin|end)\s*\{[^}]*\}")
_TEX_COMMAND = re.compile(r"\\(?:[A-Za-z]+\*?|.)")
_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script
# Latin letters NFKD does not decompose into ASCII.
_ASCII_FORMS = {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i", "ŋ": "ng"}


def words(text: str) -> list[str]:
    """The words of a text for a file name: lower case, ASCII where possible, TeX
    commands dropped."""
    text = _TEX_COMMAND.sub(" ", _TEX_ENVIRONMENT.sub(" ", text))
    return [w for w in (_fold(word) for word in _WORD.findall(text)) if w]


def _fold(word: str) -> str:
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", word.lower()):
        if unicodedata.combining(char):
            continue
        out.append(char if char.isascii() else _ASCII_FORMS.get(char, char))
    # Only letters and digits: NFKD can make punctuation of a ligature or a fraction.
    return "".join(_WORD.findall(unicodedata.normalize("NFC", "".join(out))))


def slug_of(parts: list[str], limit: int = MAX_SLUG, cut_word: bool = True) -> str:
    """Words joined by hyphens, at most `limit` characters, cut between words (a first
    word longer than that is cut, unless `cut_word` is false: then nothing is left)."""
    slug = ""
    for word in parts:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > limit:
            break
        slug = longer
    if not slug and parts and cut_word:
        slug = parts[0][:limit]
    return slug


def slugify(title: str) -> str:
    """The file-name words of a plain-text title."""
    return slug_of(words(title)) or FALLBACK


@dataclass(frozen=True)
class Naming:
    """What names one deck: its heading (text and file-name words) and its chapter's.
    A deck of a whole note has no chapter to add (`chapter` empty)."""

    heading: str
    heading_words: tuple[str, ...]
    chapter: str = ""
    chapter_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeckName:
    title: str
    slug: str  # the file name without `NN-` and `.pptx`


def name_decks(namings: list[Naming]) -> list[DeckName]:
    """A title and a file name for each deck, in the same order.

    A heading that another deck also has (as text, or as file-name words) is put after
    its chapter's title. A file name that still repeats gets `-2`, `-3` ... in reading
    order; the first keeps the plain name, and no suffixed name takes another deck's."""
    plain = [slug_of(list(n.heading_words)) for n in namings]
    texts = Counter(same_title_key(n.heading) for n in namings)
    slugs = Counter(s for s in plain if s)
    titles: list[str] = []
    wanted: list[str] = []
    for naming, slug in zip(namings, plain):
        repeated = texts[same_title_key(naming.heading)] > 1 or (bool(slug) and slugs[slug] > 1)
        qualify = bool(naming.chapter) and (repeated or not slug)
        if repeated and naming.chapter:
            titles.append(f"{naming.chapter}{EM_DASH}{naming.heading}" if naming.heading.strip() else naming.chapter)
        else:
            titles.append(naming.heading)
        if qualify:
            slug = _joined(list(naming.chapter_words), list(naming.heading_words))
        wanted.append(slug or FALLBACK)
    return [DeckName(title, slug) for title, slug in zip(titles, _unique(wanted))]


def _joined(chapter: list[str], heading: list[str]) -> str:
    """Chapter words then heading words within MAX_SLUG: the heading's words (what tells
    the chapter's decks apart) are kept whole where they fit, the chapter's shortened."""
    tail = slug_of(heading)
    room = MAX_SLUG - len(tail) - (1 if tail else 0)
    head = slug_of(chapter, room, cut_word=False) if room > 0 else ""
    return "-".join(p for p in (head, tail) if p)


def _unique(wanted: list[str]) -> list[str]:
    counts = Counter(wanted)
    used = set(wanted)
    seen: Counter[str] = Counter()
    out: list[str] = []
    for slug in wanted:
        seen[slug] += 1
        if counts[slug] == 1 or seen[slug] == 1:
            out.append(slug)
            continue
        number = seen[slug]
        while True:
            suffix = f"-{number}"
            candidate = slug_of(slug.split("-"), MAX_SLUG - len(suffix)) + suffix
            if candidate not in used:
                break
            number += 1
        used.add(candidate)
        out.append(candidate)
    return out


def same_title_key(text: str) -> str:
    """Titles that differ only in case and spacing are the same title."""
    return " ".join(text.split()).casefold()
