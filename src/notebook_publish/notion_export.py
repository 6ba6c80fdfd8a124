"""Notion's export at the I/O edge: databases become tables, the top page the index.

**Databases.** Notion exports a database as `Tasks <id>.csv` (the view's columns; some
exports add `Tasks <id>_all.csv` with every property) and a folder `Tasks <id>/` of
row pages, `Row title <id>.md`; the page holding it links to the CSV or the folder.
The `notion` fixer marks that link `{.notion-database}`; here, after parsing, the
paragraph holding only that link is replaced by a Table block read from the CSV with
the csv module (Notion writes UTF-8 with a BOM), captioned with the link's text, each
row's title linking to its row page. Those links, in the CSV's row order, are what
`notes.order_chapters` follows, so the row pages come right after the page, as its
subchapters, in the table's order.

Why a marker replaced after parsing rather than a pipe table written into the text:
a table inserted into the text adds lines, and every diagnostic after it would point
at the wrong line of the note on disk; the cells are data, and as Markdown a `*`, `|`,
`$` or `<` in them would need escaping and a multi-line cell has no pipe-table form;
and the CSV is another file, which the pure fixers never read (their cache is keyed
by the note's text and the list of files, not by other files' contents).

**The top page.** A Notion export has no `index.md`: its top page is the one `.md` at
the root (beside its folder of subpages), which `top_page` picks as the index note.
"""

from __future__ import annotations

import copy
import csv
import io
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.normalize.notion import DATABASE_CLASS
from notebook_publish.normalize.resolve import NOTE_SUFFIXES, split_link, strip_notion_id
from notebook_publish.pandoc.ast import Block, Inline, has_class, link_inlines, link_target, str_text
from notebook_publish.text_places import line_of

MAX_CSV_BYTES = 10 * 1024 * 1024  # as for a note
_RELATION = re.compile(r"(?P<title>[^,()\n][^()\n]*?) \((?P<path>[^()\n]*?\.md)\)")
_URL = re.compile(r"^(?:https?://|mailto:)\S+$", re.IGNORECASE)
_ID = re.compile(r"(?:^|[ _-])([0-9a-f]{32})(?=\.[^.]+$)", re.IGNORECASE)
_ATTR: list[Any] = ["", [], []]
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def expand_databases(
    path: Path, text: str, ast: dict[str, Any], files: frozenset[Path]
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """`ast` with each marked database link, alone in its paragraph, replaced by the
    database's table (in place); a warning for each CSV that cannot be read."""
    diagnostics: list[Diagnostic] = []

    def table_for(link: Inline) -> Block | None:
        content, url = link_inlines(link), link_target(link)
        rel, _anchor = split_link(url)
        csv_path = Path(os.path.normpath(path.parent / rel))
        line = line_of(text, url, quote(url, safe="/"), DATABASE_CLASS)
        if csv_path not in files:
            diagnostics.append(
                warning(
                    path,
                    line,
                    "notion-database",
                    f"`{rel}`: the database's CSV is not in the notes",
                    "the link is kept",
                )
            )
            return None
        rows, problem = _read_csv(csv_path)
        if rows is None:
            diagnostics.append(
                warning(
                    path, line, "notion-database", f"`{rel}`: {problem}", "the link is kept; export the database again"
                )
            )
            return None
        if problem:
            diagnostics.append(
                warning(path, line, "notion-database", f"`{rel}`: {problem}", "the table shows the rest")
            )
        return _table(rows, copy.deepcopy(content), path, csv_path, files)

    _replace(ast.get("blocks", []), table_for)
    return ast, diagnostics


def _replace(blocks: list[dict[str, Any]], table_for: Callable[[dict[str, Any]], dict[str, Any] | None]) -> None:
    for i, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        c: Any
        t, c = block.get("t"), block.get("c")
        if t in ("Para", "Plain"):
            link = _lone_database_link(c)
            if link is not None:
                table = table_for(link)
                if table is not None:
                    blocks[i] = table
        elif t == "BlockQuote":
            _replace(c, table_for)
        elif t == "BulletList":
            for item in c:
                _replace(item, table_for)
        elif t == "OrderedList":
            for item in c[1]:
                _replace(item, table_for)
        elif t == "Div":
            _replace(c[1], table_for)


def _lone_database_link(inlines: list[dict[str, Any]]) -> dict[str, Any] | None:
    lone = [i for i in inlines if i.get("t") not in ("Space", "SoftBreak", "LineBreak")]
    if len(lone) == 1 and lone[0].get("t") == "Link" and has_class(lone[0], DATABASE_CLASS):
        return lone[0]
    return None


def _read_csv(path: Path) -> tuple[list[list[str]] | None, str]:
    """(rows, "") or (rows, a warning) or (None, why not)."""
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            return None, f"the CSV is over {MAX_CSV_BYTES // (1024 * 1024)} MB"
        data = path.read_bytes()
    except OSError as exc:
        return None, f"cannot read the CSV: {exc.strerror}"
    problem = ""
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        content, problem = data.decode("cp1252", errors="replace"), "the CSV is not UTF-8; read it as Windows-1252"
    if _CONTROLS.search(content):  # as in a note: a NUL or an escape code is never text
        content = _CONTROLS.sub("", content)
        problem = problem or "control characters (a NUL, terminal codes) were removed from the CSV"
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_BYTES))
    try:
        rows = [row for row in csv.reader(io.StringIO(content, newline="")) if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        return None, f"the CSV cannot be read ({exc})"
    if not rows:
        return None, "the CSV is empty"
    return rows, problem


def _table(
    rows: list[list[str]], caption: list[dict[str, Any]], note: Path, csv_path: Path, files: frozenset[Path]
) -> dict[str, Any]:
    width = max(len(row) for row in rows)
    header, body = rows[0] + [""] * (width - len(rows[0])), [row + [""] * (width - len(row)) for row in rows[1:]]
    pages = _RowPages(csv_path, files)
    by_id = _pages_by_id(files)

    def cell(inlines: list[dict[str, Any]]) -> list[Any]:
        return [_ATTR, {"t": "AlignDefault"}, 1, 1, [{"t": "Plain", "c": inlines}] if inlines else []]

    def title_cell(title: str) -> list[Any]:
        inlines = _words(title)
        page = pages.take(title)
        if page is None or not inlines:
            return cell(inlines)
        return cell([{"t": "Link", "c": [_ATTR, inlines, [_url(page, note), ""]]}])

    def value_cell(value: str) -> list[Any]:
        return cell(_value_inlines(value, note, csv_path, files, by_id))

    head_row = [_ATTR, [cell(_words(h)) for h in header]]
    body_rows = [[_ATTR, [title_cell(row[0])] + [value_cell(v) for v in row[1:]]] for row in body]
    colspecs = [[{"t": "AlignDefault"}, {"t": "ColWidthDefault"}] for _ in range(width)]
    return {
        "t": "Table",
        "c": [
            ["", [DATABASE_CLASS], []],
            [None, [{"t": "Plain", "c": caption}]],
            colspecs,
            [_ATTR, [head_row]],
            [[_ATTR, 0, [], body_rows]],
            [_ATTR, []],
        ],
    }


class _RowPages:
    """The row pages of a database (`Tasks <id>/*.md`), taken by title, each once."""

    def __init__(self, csv_path: Path, files: frozenset[Path]):
        stem = csv_path.stem[: -len("_all")] if csv_path.stem.endswith("_all") else csv_path.stem
        folder = csv_path.with_name(stem)
        self.left = sorted(f for f in files if f.parent == folder and f.suffix.lower() in NOTE_SUFFIXES)

    def take(self, title: str) -> Path | None:
        # Notion names a row page after its title (an empty one is "Untitled"), leaving
        # out characters file names cannot hold and cutting long ones short.
        wanted = _key(title or "Untitled")
        loose = _loose(wanted)
        same: Callable[[Path], bool]
        for same in (
            lambda f: _key(_page_name(f)) == wanted,
            lambda f: _loose(_key(_page_name(f))) == loose,
            lambda f: len(_loose(_key(_page_name(f)))) >= 12 and loose.startswith(_loose(_key(_page_name(f)))),
        ):
            for f in self.left:
                if same(f):
                    self.left.remove(f)
                    return f
        return None


def _page_name(path: Path) -> str:
    return strip_notion_id(path.stem)


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _loose(key: str) -> str:
    return "".join(ch for ch in key if ch.isalnum())


def _pages_by_id(files: frozenset[Path]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for f in files:
        if f.suffix.lower() in NOTE_SUFFIXES:
            m = _ID.search(f.name)
            if m:
                found.setdefault(m.group(1).lower(), f)
    return found


def _url(target: Path, note: Path) -> str:
    """A link destination from `note` to `target`, as `notes.py` and the writers read it."""
    return quote(Path(os.path.relpath(target, note.parent)).as_posix(), safe="/")


def _words(text: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for number, line in enumerate(text.split("\n")):
        if number:
            out.append({"t": "LineBreak"})
        for i, word in enumerate(line.split()):
            if i:
                out.append({"t": "Space"})
            out.append({"t": "Str", "c": word})
    return out


def _value_inlines(
    value: str, note: Path, csv_path: Path, files: frozenset[Path], by_id: dict[str, Path]
) -> list[dict[str, Any]]:
    """A cell: a URL is a link; `Title (Other%20Page%20<id>.md)` (a relation) is a link to
    that page when it is in the notes, else its title; anything else is text."""
    stripped = value.strip()
    if _URL.match(stripped):
        return [{"t": "Link", "c": [_ATTR, [{"t": "Str", "c": stripped}], [stripped, ""]]}]
    if ".md)" not in value:
        return _words(value)
    out: list[dict[str, Any]] = []
    last = 0
    target: Path | None
    for m in _RELATION.finditer(value):
        out += _words(value[last : m.start()])
        title = m.group("title").strip()
        rel, _anchor = split_link(m.group("path"))
        target = Path(os.path.normpath(csv_path.parent / rel))
        if target not in files:
            found = _ID.search(Path(rel).name)
            target = by_id.get(found.group(1).lower()) if found else None
        if target is None:
            out += _words(title)
        else:
            out.append({"t": "Link", "c": [_ATTR, _words(title), [_url(target, note), ""]]})
        last = m.end()
    out += _words(value[last:])
    return _spaced(out)


def _spaced(inlines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Words from the pieces of a cell joined as the text had them: `a, b` keeps its
    space after the comma (pieces are split on whitespace, so it is put back)."""
    out: list[dict[str, Any]] = []
    for item in inlines:
        if out and item.get("t") not in ("Space", "LineBreak") and out[-1].get("t") not in ("Space", "LineBreak"):
            if not (item.get("t") == "Str" and str_text(item)[:1] in ",.;:"):
                out.append({"t": "Space"})
        out.append(item)
    return out


def top_page(notes_dir: Path, note_paths: list[Path], files: frozenset[Path], archive: bool) -> Path | None:
    """The top page of a Notion export: the one note at the root whose folder (its name
    without `.md`) holds the other pages; or, in an archive, the only note at the root."""
    root_notes = [p for p in note_paths if p.parent == notes_dir]
    folders = {
        notes_dir / f.relative_to(notes_dir).parts[0]
        for f in files
        if f.is_relative_to(notes_dir) and len(f.relative_to(notes_dir).parts) > 1
    }
    held = [p for p in root_notes if p.with_suffix("") in folders]
    if len(root_notes) == 1 and (held or archive):
        return root_notes[0]
    if len(held) == 1 and _ID.search(held[0].name):
        return held[0]
    return None
