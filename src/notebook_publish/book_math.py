"""Every formula of the book, in reading order: where it is written, its macros expanded.

Run once when the book is loaded (`notes.load_book`), after the chapters are ordered,
because a macro a note defines holds from there to the end of the book, in the
order the book is read, as MathJax does on one page. Both writers then read the same
annotated AST, so the handbook and the slides draw the same TeX and report the same
problems at the same place.

Each `Math` node gets, beside pandoc's own content:

- `c[1]`: the TeX with its macros expanded and its definitions taken out: what ziamath
  and pandoc draw, and what the drawn formulas' cache keys are made of;
- `"src"`: the formula as written, for error boxes and messages;
- `"at"`: `[path, line, col]` of its first character in its note (a formula embedded
  from another note is placed in that note);
- `"problem"`: `[message, hint, line, col]` when it cannot be drawn for a reason seen
  here: a macro that cannot be expanded, or a command nothing defines (named, with a
  "did you mean").

Formulas made only of definitions are taken out of the AST, and a paragraph left
empty with them, so nothing is drawn for them: no empty box, no blank line.

A formula is found in its note's text by searching forward from the previous one, so
the same `$x$` on lines 45 and 289 is each reported at its own line. The text is the
normalised one, which keeps the file's line count.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from notebook_publish.math_macros import Macro, defines_only, expand, line_col
from notebook_publish.pandoc.ast import math_tex, set_math_tex
from notebook_publish.transclude import DIV_CLASS

if TYPE_CHECKING:
    from notebook_publish.notes import Chapter, Note

SRC, AT, PROBLEM = "src", "at", "problem"
_SPACES = ("Space", "SoftBreak")
UNDEFINED_HINT = "define it in `math.macros` in handbook.yml, or with \\newcommand in a formula before it"


class _Place:
    """The note whose text the formulas are searched in, and how far the search has come."""

    __slots__ = ("note", "cursor", "_lines")

    def __init__(self, note: Note):
        self.note = note
        self.cursor = 0
        self._lines: tuple[list[str], list[str]] | None = None

    def lines(self) -> tuple[list[str], list[str]]:
        """The normalised text's lines and the file's (the same number: every fixer keeps it)."""
        if self._lines is None:
            self._lines = (self.note.text.split("\n"), self.note.raw.split("\n"))
        return self._lines

    def on_disk(self, line: int, col: int) -> tuple[int, int]:
        """A column of the normalised text as a column of the file: a fixer may have
        changed the line (indentation taken out of a formula, a fence rewritten)."""
        text_lines, raw_lines = self.lines()
        if not (0 < line <= len(text_lines) and line <= len(raw_lines)) or text_lines[line - 1] == raw_lines[
            line - 1
        ].rstrip("\r"):
            return line, col
        here, raw = text_lines[line - 1], raw_lines[line - 1]
        for size in (24, 8, 2):
            snippet = here[col - 1 : col - 1 + size]
            at = raw.find(snippet) if snippet else -1
            if at >= 0:
                return line, at + 1
        return line, col


def prepare_math(chapters: Sequence[Chapter], macros: Mapping[str, Macro]) -> None:
    """Annotate (in place) every formula of the chapters, in their order, starting
    from the config's `macros`."""
    by_rel = {chapter.note.rel: chapter.note for chapter in chapters}
    table: Mapping[str, Macro] = macros
    for chapter in chapters:
        note = chapter.note
        if note.folder:
            continue
        table = _prepare_note(note, table, by_rel)


def _prepare_note(note: Note, table: Mapping[str, Macro], by_rel: dict[str, Note]) -> Mapping[str, Macro]:
    blocks = note.ast.get("blocks", [])
    definitions_only: list[tuple[dict[str, Any], _Parents]] = []
    for node, place, in_footnote, parents in _formulas(blocks, _Place(note), by_rel):
        source = node.get(SRC)
        if source is None:  # else prepared before (the same AST read again): start from the source
            source = math_tex(node)
        found = _locate(place, source, advance=not in_footnote)
        path = str(place.note.path)
        node[SRC] = source
        node[AT] = [path, *found.start]
        node.pop(PROBLEM, None)
        expansion = expand(source, table)
        table = expansion.macros
        if expansion.error:
            line, col = found.place(expansion.offset)
            node[PROBLEM] = [expansion.error, "fix the macro, or its definition", line, col]
            continue
        if defines_only(expansion):
            definitions_only.append((node, parents))
            continue
        set_math_tex(node, expansion.tex)
        problem = undefined_commands(expansion.tex, source, table)
        if problem is not None:
            message, hint, offset = problem
            node[PROBLEM] = [message, hint, *found.place(offset)]
    for node, parents in definitions_only:
        _take_out(node, *parents)
    return table


# --- walking the AST --------------------------------------------------------------------


# Elements with no formula inside: not looked into (most of a note is words and spaces).
_LEAVES = frozenset(
    ("Str", "Space", "SoftBreak", "LineBreak", "Code", "CodeBlock", "RawInline", "RawBlock", "HorizontalRule")
)


# A formula's list, the element owning that list, and the list holding that element.
_Parents = tuple[list[Any], dict[str, Any] | None, list[Any] | None]


def _formulas(
    blocks: list[dict[str, Any]], place: _Place, by_rel: dict[str, Note]
) -> Iterator[tuple[dict[str, Any], _Place, bool, _Parents]]:
    """(Math node, its place, inside a footnote, (its list, the element owning that
    list, the list holding that element)) for every formula, in document order:
    in footnotes, captions and table cells too, which `walk_inlines` leaves out."""
    # Depth first with a stack of iterators: each frame is (the rest of a list, the
    # list, the element it belongs to, the list holding that element, place, in a footnote).
    stack: list[tuple[Iterator[Any], list[Any], dict[str, Any] | None, list[Any] | None, _Place, bool]] = [
        (iter(blocks), blocks, None, None, place, False)
    ]
    while stack:
        rest, items, owner, owner_list, place, foot = stack[-1]
        for child in rest:
            if isinstance(child, dict):
                t = child.get("t")
                if t in _LEAVES:
                    continue
                if t == "Math":
                    yield child, place, foot, (items, owner, owner_list)
                    continue
                c = child.get("c")
                if isinstance(c, list):
                    inner = place
                    if t == "Div" and DIV_CLASS in c[0][1]:
                        embedded = by_rel.get(dict(c[0][2]).get("note", ""))
                        inner = _Place(embedded) if embedded is not None else place
                    stack.append((iter(c), c, child, items, inner, foot or t == "Note"))
                    break
            elif isinstance(child, list):
                stack.append((iter(child), child, owner, owner_list, place, foot))
                break
        else:
            stack.pop()


def _take_out(
    node: dict[str, Any], container: list[Any] | None, owner: dict[str, Any] | None, owner_list: list[Any] | None
) -> None:
    """Remove a formula that only defines macros, with one space beside it; and the
    paragraph, if nothing else was in it."""
    if container is None:
        return
    at = next((i for i, item in enumerate(container) if item is node), None)
    if at is None:
        return
    del container[at]
    if at > 0 and container[at - 1].get("t") in _SPACES:
        del container[at - 1]
    elif at < len(container) and container[at].get("t") in _SPACES:
        del container[at]
    blank = all(item.get("t") in (*_SPACES, "LineBreak") for item in container)
    if blank and owner is not None and owner.get("t") in ("Para", "Plain") and owner_list is not None:
        for i, item in enumerate(owner_list):
            if item is owner:
                del owner_list[i]
                break


# --- where a formula is ------------------------------------------------------------------


class _Found:
    """Where a formula's source lies in its note: the line and column (in the file) of
    its first character, and of any offset into the source (for an error inside it)."""

    def __init__(self, place: _Place, source: str, line: int, col: int, lead: int):
        self.where = place
        self.source = source
        self.line = line  # of the source's first non-blank character, in the normalised text
        self.col = col
        self.lead = lead  # that character's offset in the source
        self.start = place.on_disk(line, col)

    def place(self, offset: int) -> tuple[int, int]:
        if offset < 0 or offset > len(self.source) or offset < self.lead:
            return self.start
        rows = self.source.count("\n", self.lead, offset)
        if rows == 0:
            return self.where.on_disk(self.line, self.col + offset - self.lead)
        # On a later line of a display formula: find that line's text in the note's
        # line (pandoc takes the indentation off a formula's lines).
        row_start = self.source.rfind("\n", 0, offset) + 1
        row_end = self.source.find("\n", offset)
        row = self.source[row_start : row_end if row_end >= 0 else len(self.source)]
        content = row.lstrip()
        line = self.line + rows
        text_lines, _raw = self.where.lines()
        if line > len(text_lines) or not content:
            return line, 1
        at = text_lines[line - 1].find(content)
        col = (at if at >= 0 else 0) + 1 + offset - (row_start + len(row) - len(content))
        return self.where.on_disk(line, col)


def _locate(place: _Place, source: str, advance: bool = True) -> _Found:
    """Find `source` in the text after the previous formula: as written after its `$`,
    else by its first line (pandoc takes the indentation off a formula's lines), else
    anywhere in the note; at worst at the first line."""
    text = place.note.text
    stripped = source.lstrip()
    lead = len(source) - len(stripped)
    first_line = stripped.split("\n", 1)[0].rstrip()
    for needle, shift in (("$" + source, 1 + lead), (first_line, 0)):
        if not needle.strip("$"):
            continue
        for start in (place.cursor, 0):
            at = text.find(needle, start)
            if at >= 0:
                if advance and start == place.cursor:
                    place.cursor = at + len(needle)
                line, col = line_col(text, at + shift)
                return _Found(place, source, line, col, lead)
    return _Found(place, source, 1, 1, lead)


# --- commands nothing defines ------------------------------------------------------------


def undefined_commands(tex: str, source: str, macros: Mapping[str, Macro]) -> tuple[str, str, int] | None:
    """(message, hint, offset of the first one in `source`) when `tex` uses commands
    that neither the renderer nor a macro defines; None when it uses none. The message
    is the one the renderer itself would give."""
    from notebook_publish.mathrender import unknown_commands

    unknown = unknown_commands(tex)
    if not unknown:
        return None
    message = "unknown command" + ("s " if len(unknown) > 1 else " ") + ", ".join(unknown)
    guesses = [(name, guess) for name in unknown if (guess := suggestion(name, macros))]
    if len(guesses) == 1 and len(unknown) == 1:
        hint = f"did you mean `{guesses[0][1]}`? Or {UNDEFINED_HINT}"
    elif guesses:
        hint = (
            "did you mean " + ", ".join(f"`{guess}` for `{name}`" for name, guess in guesses) + f"? Or {UNDEFINED_HINT}"
        )
    else:
        hint = UNDEFINED_HINT[0].upper() + UNDEFINED_HINT[1:]
    return message, hint, _offset_of(source, unknown[0])


def _offset_of(source: str, command: str) -> int:
    """Where `command` stands in `source` as a whole command (`\\bf` is not in `\\bfx`)."""
    at = source.find(command)
    while at >= 0:
        end = at + len(command)
        if not (command[-1].isalpha() and end < len(source) and source[end].isalpha()):
            return at
        at = source.find(command, at + 1)
    return -1  # only in a macro's body: the formula's start is the place


def suggestion(command: str, macros: Mapping[str, Macro]) -> str:
    """The defined macro or known command `command` most likely misspells, or ''. The
    book's own macros are tried first: a typo is likelier in `\\bfx` than in `\\frac`."""
    close = difflib.get_close_matches(command, list(macros), n=1, cutoff=0.7)
    return close[0] if close else _known_suggestion(command)


@lru_cache(maxsize=1024)
def _known_suggestion(command: str) -> str:
    from notebook_publish.mathrender import known_commands

    known = sorted(known_commands())
    # A short name is close to many others (`\arg` to `\large`): only a near miss in
    # length counts, as a typo is (`\lamda`, `\alpah`).
    room = max(1, len(command) // 4)
    close = [
        c for c in difflib.get_close_matches(command, known, n=5, cutoff=0.75) if abs(len(c) - len(command)) <= room
    ]
    return close[0] if close else ""
