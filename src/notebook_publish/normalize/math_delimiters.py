"""Formulas inside paragraphs, as their source tool means them, in pandoc's `$` syntax.

- `$$…$$` on a line with other text, or inside a paragraph, is inline math: the rule of
  kramdown and GitBook, where lecture notes write most formulas so. It becomes `$…$`.
  A `$$` formula on lines of its own (in a list item or a quote too) stays display;
  in a table cell it is always inline, as a cell holds no blocks, and so is kramdown's
  `\\$$…$$` (read with the Jekyll flavour).
- `\\(…\\)` is inline; `\\[…\\]` and `\\begin{equation|align|gather|multline}…\\end{…}`
  (with or without `*`) are display on lines of their own and inline within a line of
  text. pandoc reads none of them (`tex_math_single_backslash` is off: it would take
  every escaped bracket for a formula), so they become dollars. Within a line of
  text, a `\\[…\\]` without a TeX sign in it (`\\[1\\]`, `\\[Draft\\]`) is an escaped
  bracket, and a `\\(…\\)` that reads as a sentence an escaped parenthesis.
- A `$$` that nothing closes in its paragraph is reported (`unclosed-math`). When it
  starts a line and what follows reads as TeX, the formula ends with the paragraph;
  otherwise its dollar signs are escaped, so the prose after it stays prose.
- Obsidian's `^block-id` right after a display formula becomes an anchor.

pandoc's `$…$` wants a non-space character just inside each dollar, and ends at the
first `$` outside braces; a formula whose TeX starts on the next line gets its dollar
moved onto that line (or `{}`, TeX's empty group, where moving it would leave a line
blank or start a list). The scanners of the other fixers protect `$…$` only between
non-word characters, so a formula glued to a word (`$$n$$th`) becomes GitHub's
``$`n`$`` instead, which they see as code.

The paragraphs are found line by line: code, front matter and the display blocks of
`math_blocks` are skipped, and a paragraph ends at a blank line, a heading, a list item
or a change of quote depth. Every line keeps its place.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.normalize.math_blocks import ANCHOR, looks_like_prose, looks_like_tex
from notebook_publish.normalize.math_scan import TICKS, WINDOW, Formula, TeX, scan
from notebook_publish.normalize.obsidian import BLOCK_PREFIX
from notebook_publish.normalize.regions import fenced_block_lines
from notebook_publish.normalize.skipped import front_matter_lines, indented_code_lines

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

# A line's container markers: quotes, list bullets and numbers, a task box.
_PREFIX = re.compile(r"(?:[ \t]*>)*[ \t]*(?P<marks>(?:(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)(?:\[[ xX]\](?:[ \t]+|$))?)*)")
_HEADING = re.compile(r"#{1,6}(?:[ \t]|$)")
_BREAK = re.compile(
    r"(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,}|=+[ \t]*)$"
)  # thematic breaks, setext underlines
_TABLE_DELIMITER = re.compile(r"^[ \t>]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_NONBLANK = re.compile(r"\S")
_BLANK_TAIL = re.compile(r"[ \t]*(?=\n|\Z)")
# After a display formula, on its line: nothing, or an anchor (as `math_blocks.ANCHOR`).
_LINE_TAIL = re.compile(r"[ \t]*(?:\^[A-Za-z0-9][A-Za-z0-9-]*|\[\]\{#[^{}\s]+\})?[ \t]*(?=\n|\Z)")
# What makes a moved closing dollar start a block on the next line.
_STARTS_BLOCK = re.compile(r"^[ \t>]*(?:[-+*](?:[ \t]|$)|\d{1,9}[.)](?:[ \t]|$)|#|>|`{3}|~{3}|\|)")
_TRIGGERS = ("$$", "\\(", "\\[", "\\begin{")
UNCLOSED_HINT = "add the closing `$$` where the formula ends; a formula cannot run past a blank line"


@dataclass
class _Run:
    """A paragraph (or a table cell): its text and, for each of its lines, where the
    line starts in the text and how long its container markers are."""

    lines: list[int]  # line numbers
    text: str
    starts: list[int]
    prefixes: list[int]
    cols: list[int]  # where the run's text starts in each line (a cell's column)
    cell: bool = False


def rewrite(lines: list[str], ctx: NoteContext) -> tuple[list[str], list[Diagnostic]]:
    """Rewrite the formulas of every paragraph of `lines` (the math fixer's output)."""
    if not any(any(t in line for t in _TRIGGERS) for line in lines):
        return lines, []
    lines = list(lines)
    skip = fenced_block_lines(lines)
    for i in range(front_matter_lines(lines)):
        skip[i] = True
    code = indented_code_lines(lines, skip)
    diagnostics: list[Diagnostic] = []
    anchors = ctx.uses("obsidian")
    for run in list(_runs(lines, [s or c for s, c in zip(skip, code)])):
        if not any(t in run.text for t in _TRIGGERS):
            continue
        new = _rewrite_run(run, anchors, ctx, diagnostics)
        if new != run.text and new.count("\n") == run.text.count("\n"):  # every line keeps its place
            _put_back(lines, run, new)
    return lines, diagnostics


# --- paragraphs ------------------------------------------------------------------------


def _runs(lines: list[str], skip: list[bool]) -> Iterator[_Run]:
    """The paragraphs and table cells of the lines not skipped, in order."""
    current: list[int] = []
    depth = -1
    i = 0
    while i < len(lines):
        line = lines[i]
        if skip[i] or not line.strip(" \t>"):
            yield from _flush(lines, current)
            current, depth = [], -1
            i += 1
            continue
        if (
            "|" in line
            and i + 1 < len(lines)
            and not skip[i + 1]
            and "|" in lines[i + 1]
            and "-" in lines[i + 1]
            and _TABLE_DELIMITER.match(lines[i + 1])
        ):
            yield from _flush(lines, current)
            current, depth = [], -1
            yield from _cells(lines, i)
            i += 2
            while i < len(lines) and not skip[i] and "|" in lines[i] and lines[i].strip(" \t>"):
                yield from _cells(lines, i)
                i += 1
            continue
        prefix = _PREFIX.match(line)
        assert prefix is not None  # every part of it is optional: it always matches
        content = line[prefix.end() :]
        quotes = line[: prefix.end()].count(">")
        if _HEADING.match(content) or _BREAK.match(content):
            yield from _flush(lines, current)
            yield from _flush(lines, [i])
            current, depth = [], -1
        else:
            if prefix.group("marks") or quotes != depth:
                yield from _flush(lines, current)
                current = []
            current.append(i)
            depth = quotes
        i += 1
    yield from _flush(lines, current)


def _flush(lines: list[str], numbers: list[int]) -> Iterator[_Run]:
    if not numbers:
        return
    starts, prefixes, texts, at = [], [], [], 0
    for n in numbers:
        starts.append(at)
        prefix = _PREFIX.match(lines[n])
        assert prefix is not None  # every part of it is optional: it always matches
        prefixes.append(prefix.end())
        texts.append(lines[n])
        at += len(lines[n]) + 1
    yield _Run(numbers, "\n".join(texts), starts, prefixes, [0] * len(numbers))


def _cells(lines: list[str], n: int) -> Iterator[_Run]:
    """Each cell of a table row as a run of its own, the last first (so that a
    rewritten cell leaves the columns of the cells before it where they were)."""
    line = lines[n]
    for start, end in reversed(_cell_spans(line)):
        text = line[start:end]
        lead = len(text) - len(text.lstrip())
        yield _Run([n], text, [0], [lead], [start], cell=True)


def _cell_spans(line: str) -> list[tuple[int, int]]:
    """Spans between the row's unescaped pipes outside code spans."""
    spans, start, i = [], 0, 0
    while i < len(line):
        c = line[i]
        if c == "\\":
            i += 2
            continue
        if c == "`":
            run = TICKS.match(line, i)
            assert run is not None  # line[i] is a backtick
            ticks = run.end() - i
            close = line.find("`" * ticks, i + ticks, i + WINDOW)
            i = i + ticks if close < 0 else close + ticks
            continue
        if c == "|":
            spans.append((start, i))
            start = i + 1
        i += 1
    spans.append((start, len(line)))
    return spans


def _put_back(lines: list[str], run: _Run, new: str) -> None:
    parts = new.split("\n")
    for n, part, _start, col in zip(run.lines, parts, run.starts, run.cols):
        if run.cell:
            old = run.text
            lines[n] = lines[n][:col] + part + lines[n][col + len(old) :]
        else:
            lines[n] = part


# --- rewriting them -----------------------------------------------------------------------


def _rewrite_run(run: _Run, anchors: bool, ctx: NoteContext, diagnostics: list[Diagnostic]) -> str:
    text = run.text
    edits: list[tuple[int, int, str]] = []
    reported = False
    for f in scan(text, ctx.uses("jekyll")):
        own = not run.cell and not f.inline and _own_lines(run, f)
        if f.kind == "open":
            # Only the first in a paragraph is reported, and may take the rest of the
            # paragraph as its TeX, when that reads as TeX pandoc can hold.
            closing = False
            if not reported:
                rest = text[f.body :].rstrip()
                closing = own and not looks_like_prose(rest) and TeX(rest + "$$").display_close(0) == len(rest)
                line, col = _position(run, f.start)
                diagnostics.append(
                    warning(
                        ctx.path,
                        line,
                        "unclosed-math",
                        "`$$` is never closed; the formula ends at the end of its paragraph"
                        if closing
                        else "`$$` is never closed; it is printed as text",
                        UNCLOSED_HINT,
                        col,
                    )
                )
                reported = True
            if closing:
                body_end = len(text.rstrip())
                edits.append((body_end, body_end, "$$"))
            else:
                edits.append((f.start, f.body, "\\$\\$"))
            continue
        body = text[f.body : f.body_end]
        if f.kind == "\\[" and not own and "\n" not in body and not looks_like_tex(body):
            continue  # an escaped bracket, `\[1\]`
        if own and f.kind != "\\(":
            edits.extend(_as_display(run, f, anchors))
            continue
        replaced = _inline(run, f)
        if replaced is not None:
            edits.append((f.start, f.end, replaced))
    pieces, at = [], 0
    for start, end, new in sorted(edits):
        pieces += [text[at:start], new]
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


def _own_lines(run: _Run, f: Formula) -> bool:
    """Whether the formula starts its line (after the container markers) and ends its
    line (but for an anchor)."""
    if not _starts_its_line(run, f.start):
        return False
    return f.kind == "open" or _LINE_TAIL.match(run.text, f.end) is not None


def _starts_its_line(run: _Run, offset: int) -> bool:
    """Nothing but container markers and spaces before `offset` on its line (searched,
    not sliced: a paragraph may be one long line of many formulas)."""
    k = _line_of(run, offset)
    return _NONBLANK.search(run.text, run.starts[k] + run.prefixes[k], offset) is None


def _as_display(run: _Run, f: Formula, anchors: bool) -> list[tuple[int, int, str]]:
    edits = []
    if f.kind == "\\[":
        edits += [(f.start, f.body, "$$"), (f.body_end, f.end, "$$")]
    elif f.kind == "env":
        edits += [(f.start, f.start, "$$"), (f.end, f.end, "$$")]
    line_end = run.text.find("\n", f.end)
    rest = run.text[f.end : len(run.text) if line_end < 0 else line_end]
    anchor = ANCHOR.match(rest.strip())
    if anchors and anchor and anchor.group("id"):
        edits.append((f.end, f.end + len(rest), f" []{{#{BLOCK_PREFIX}{anchor.group('id')}}}"))
    return edits


def _inline(run: _Run, f: Formula) -> str | None:
    """The formula as pandoc's inline math, or None to leave it as it is."""
    text = run.text
    # Space (and the next line's container markers) just inside the delimiters goes outside.
    lo = f.body
    while lo < f.body_end and (text[lo].isspace() or (text[lo] == ">" and _in_prefix(run, lo))):
        lo += 1
    hi = f.body_end
    while hi > lo and (text[hi - 1].isspace() or (text[hi - 1] == ">" and _in_prefix(run, hi - 1))):
        hi -= 1
    tex = text[lo:hi]
    if not tex:
        return None
    lead, trail = text[f.body : lo], text[hi : f.body_end]
    if (len(tex) - len(tex.rstrip("\\"))) % 2 == 1:
        tex += " {}"  # `a\ ` ends in TeX's control space: keep the space it needs
        trail = trail[1:] if trail.startswith((" ", "\t")) else trail
    if any(c in tex for c in "${}") and TeX("$" + tex + "$").inline_close(0) != len(tex) + 1:
        return None  # a `$` outside braces: no dollar syntax holds it
    before = lead[-1:] or text[f.start - 1 : f.start]
    after = trail[:1] or text[f.end : f.end + 1]
    glued = bool(re.match(r"\w", before) or re.match(r"[\w$]", after))
    if glued and "`" not in tex and "$" not in tex:
        return "$`" + text[f.body : f.body_end] + "`$"
    opening = "$"
    if "\n" in lead:
        if _starts_its_line(run, f.start):
            opening = "${}"  # the opening line would be left blank
            lead, tex = "", lead + tex
    closing = "$"
    if "\n" in trail:
        next_line = trail[trail.rfind("\n") + 1 :] + text[f.end : f.end + 64]
        if _BLANK_TAIL.match(text, f.end) or _STARTS_BLOCK.match(next_line):
            closing = "{}$"  # the closing line would be blank, or start a block
            tex, trail = tex + trail, ""
    return lead + opening + tex + closing + trail


def _in_prefix(run: _Run, offset: int) -> bool:
    k = _line_of(run, offset)
    return offset < run.starts[k] + run.prefixes[k]


def _line_of(run: _Run, offset: int) -> int:
    return bisect.bisect_right(run.starts, offset) - 1


def _position(run: _Run, offset: int) -> tuple[int, int]:
    k = _line_of(run, offset)
    return run.lines[k] + 1, run.cols[k] + offset - run.starts[k] + 1
