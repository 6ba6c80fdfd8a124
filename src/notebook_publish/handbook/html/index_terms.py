"""The back-of-book index: which phrases count as terms, and how entries are grouped.

These notes mark their key terms by setting them in bold, so a short bold phrase (up
to `pdf.index_max_words` words) is an index term. Terms are gathered
case-insensitively; an entry is printed in the spelling used most often.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

_EDGE = re.compile(r"^[\W_]+|[\W_]+$", re.UNICODE)


@dataclass(frozen=True)
class TermUse:
    key: str  # case-folded term
    text: str  # as written
    anchor: str  # id of the spot in the body


@dataclass(frozen=True)
class IndexEntry:
    text: str
    pages: tuple[tuple[int, str], ...]  # (page number, anchor of the first use on that page)


@dataclass(frozen=True)
class IndexGroup:
    letter: str
    entries: tuple[IndexEntry, ...]


def term_of(text: str, max_words: int) -> str | None:
    """The index term a bold phrase stands for, or None if it is not one.

    Surrounding punctuation and arrows go (`**pretrained network ⇒**`); a phrase
    longer than `max_words` words is emphasis, not a term.
    """
    text = " ".join(text.split())
    text = _EDGE.sub("", text)
    for opening, closing in ("()", "[]"):
        if text.count(opening) > text.count(closing):
            text += closing  # the edge strip took the closing bracket of "text (a triplet)"
    if not text or not any(ch.isalpha() for ch in text):
        return None
    if len(text.split()) > max_words:
        return None
    return text


def term_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def build_index(
    uses: list[TermUse],
    page_of: dict[str, int],
    exclude: tuple[str, ...] = (),
) -> tuple[IndexGroup, ...]:
    """Group term uses into lettered entries with the sorted, distinct pages they are on.

    `page_of` maps an anchor to its page number; a use whose anchor was not laid out
    (it should not happen) is left out rather than given a wrong page.
    """
    excluded = {term_key(t) for t in exclude}
    spellings: dict[str, Counter[str]] = {}
    first_seen: dict[str, int] = {}
    pages: dict[str, dict[int, str]] = {}
    for order, use in enumerate(uses):
        if use.key in excluded:
            continue
        page = page_of.get(use.anchor)
        if page is None:
            continue
        spellings.setdefault(use.key, Counter())[use.text] += 1
        first_seen.setdefault(use.key, order)
        pages.setdefault(use.key, {}).setdefault(page, use.anchor)

    entries = []
    for key, counts in spellings.items():
        # Most used spelling; ties go to the lower-case one, then the first written.
        best = max(counts.items(), key=lambda kv: (kv[1], kv[0] == kv[0].lower(), -list(counts).index(kv[0])))[0]
        entries.append(IndexEntry(best, tuple(sorted(pages[key].items()))))
    entries.sort(key=lambda e: (_sort_key(e.text), e.text))

    groups: dict[str, list[IndexEntry]] = {}
    for entry in entries:
        groups.setdefault(_letter(entry.text), []).append(entry)
    ordered = sorted(groups, key=lambda g: (g == "Symbols", g))
    return tuple(IndexGroup(letter, tuple(groups[letter])) for letter in ordered)


def _sort_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).casefold()
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def _letter(text: str) -> str:
    first = _sort_key(text)[:1]
    if first.isdigit():
        return "0–9"
    if first.isalpha():
        return first.upper()
    return "Symbols"
