"""Notion's export layout, made to read as a book (the `notion` flavour).

Notion's "Markdown & CSV" export writes each page as `Title <32-hex id>.md`, its
subpages and pictures in a folder of the same name, and every path percent-encoded
(`Title%20<id>/image.png`); the `images` and `links` fixers already find those. What
they cannot know, this fixer marks, keeping every line where it is:

- **Databases.** A database is a CSV beside a folder of row pages (`Tasks <id>.csv`,
  sometimes also `Tasks <id>_all.csv`, and `Tasks <id>/Row <id>.md`), and the page
  that holds it links to the CSV, or to the folder, on a line of its own. That link is
  pointed at the CSV and marked `{.notion-database}`; after parsing, `notion_export.py`
  puts the table there (a CSV is data, read at the I/O edge, not text to rewrite here:
  a pipe table would add lines, and its cells would need escaping for Markdown).
  A CSV that is not in the export is a `notion-database` warning at the link.
- **Links to notion.so.** A link to `https://www.notion.so/…-<id>` whose page is in the
  export becomes a link to that page's file, so it is an internal link in the PDF.
- **Pictures' alt text.** Notion writes the uploaded file's name as the alt text
  (`![Screenshot 2024-03-01.png](…)`), which would become a caption: it is dropped.
- **Row pages' properties.** A row page starts with its title and one `Key: value` line
  per property, which Markdown would run together into one paragraph: each key is
  marked (`[Status:]{.notion-property} Done\\`, set in bold by the theme; bold text
  would make it a term of the book's index) and each line ends in a hard line break.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.normalize import linkscan
from notebook_publish.normalize.regions import fenced_block_lines
from notebook_publish.normalize.resolve import (
    IMAGE_SUFFIXES,
    NOTE_SUFFIXES,
    is_external,
    relative_link,
    resolve_target,
    split_anchor,
)

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

DATABASE_CLASS = "notion-database"
PROPERTY_CLASS = "notion-property"
CSV_SUFFIXES = (".csv",)

_NOTION_URL = re.compile(
    r"^https?://(?:www\.)?notion\.(?:so|site)/\S*?([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[?#]\S*)?$",
    re.IGNORECASE,
)
_ID_IN_NAME = re.compile(r"(?:^|[ _-])([0-9a-f]{32})(?=\.[^.]+$)", re.IGNORECASE)
_FILE_NAME_ALT = re.compile(r"!\[[^\]\n]*\.(?:" + "|".join(s[1:] for s in IMAGE_SUFFIXES) + r")\]\(", re.IGNORECASE)
_PROPERTY = re.compile(r"^(?P<key>[^\s*#>:|`\[\]\\-][^*:\n\\\[\]]{0,59}): (?P<value>\S.*?)\s*$")
_DONE_PROPERTY = re.compile(r"^\[[^\[\]\n]{1,61}:\]\{\.notion-property\} \S.*$")
_TITLE = re.compile(r"^# \S")


@lru_cache(maxsize=8)
def _export(files: frozenset[Path]) -> tuple[frozenset[Path], dict[str, Path]]:
    """The folders that have a CSV beside them (a database's rows), and each page's
    Notion id -> its file. Once per file list (a build has one), not per note."""
    row_folders = set()
    pages: dict[str, Path] = {}
    for f in files:
        suffix = f.suffix.lower()
        if suffix == ".csv":
            stem = f.stem[: -len("_all")] if f.stem.endswith("_all") else f.stem
            row_folders.add(f.with_name(stem))
        elif suffix in NOTE_SUFFIXES:
            m = _ID_IN_NAME.search(f.name)
            if m:
                pages.setdefault(m.group(1).lower(), f)
    return frozenset(row_folders), pages


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    if not ctx.uses("notion"):
        return text, []
    diagnostics: list[Diagnostic] = []
    row_folders, pages = _export(ctx.files)
    if "](" in text and (row_folders or ".csv" in text or "notion.s" in text):
        text = _links(text, ctx, row_folders, pages, diagnostics)
    if "![" in text and _FILE_NAME_ALT.search(text):
        text = linkscan.rewrite(text, linkscan.IMAGE, _drop_file_name_alt)
    if row_folders and ctx.note_dir in row_folders:
        text = _properties(text)
    return text, diagnostics


def _links(
    text: str, ctx: NoteContext, row_folders: frozenset[Path], pages: dict[str, Path], diagnostics: list[Diagnostic]
) -> str:
    lines = text.split("\n")

    def replace(match: re.Match[str], line: int, col: int) -> str:
        target = linkscan.destination(match)
        if is_external(target):
            url = _NOTION_URL.match(target)
            page = pages.get(url.group(1).replace("-", "").lower()) if url else None
            return linkscan.with_class(match, relative_link(page, ctx), None) if page is not None else match.group(0)
        if lines[line - 1].strip() != match.group(0):
            return match.group(0)  # a database is a link on a line of its own
        path, _anchor = split_anchor(target)
        lower = path.lower()
        if lower.endswith(".csv"):
            found = resolve_target(path, ctx, CSV_SUFFIXES)
        elif row_folders and path.strip("/"):
            # A link to the database's folder (exactly that folder: a wiki-style link to
            # a note is the links fixer's): its CSV lies beside it.
            folder = Path(os.path.normpath(ctx.note_dir / unquote(path.rstrip("/"))))
            if folder not in row_folders:
                return match.group(0)
            found = next(
                (
                    c
                    for c in (folder.with_name(folder.name + ".csv"), folder.with_name(folder.name + "_all.csv"))
                    if c in ctx.files
                ),
                None,
            )
        else:
            return match.group(0)
        if found is None:
            diagnostics.append(
                warning(
                    ctx.path,
                    line,
                    "notion-database",
                    f"`{path}`: the database's CSV is not in the export",
                    "export the page again with its databases; the link is kept",
                    col,
                )
            )
            return match.group(0)
        return linkscan.with_class(match, relative_link(found, ctx), DATABASE_CLASS)

    return linkscan.rewrite(text, linkscan.LINK, replace)


def _drop_file_name_alt(match: re.Match[str], line: int, col: int) -> str:
    alt = match.group("text")
    if not alt.strip().lower().endswith(IMAGE_SUFFIXES):
        return match.group(0)
    return "![" + match.group(0)[2 + len(alt) :]


def _properties(text: str) -> str:
    """`Key: value` lines after a row page's title: marked keys, one per line."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or not _TITLE.match(lines[first]) or fenced_block_lines(lines[: first + 1])[first]:
        return text
    start = first + 1
    while start < len(lines) and not lines[start].strip():
        start += 1
    end = start
    while end < len(lines) and (_PROPERTY.match(lines[end]) or _DONE_PROPERTY.match(lines[end].rstrip("\\"))):
        end += 1
    for i in range(start, end):
        line = lines[i].rstrip("\\")
        m = _PROPERTY.match(line)
        if m:
            line = f"[{m.group('key')}:]{{.{PROPERTY_CLASS}}} {m.group('value')}"
        lines[i] = line + ("\\" if i < end - 1 else "")
    return "\n".join(lines)
