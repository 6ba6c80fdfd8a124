"""The book's chapter tree, in one of three ways (`structure:` in handbook.yml):

- **links** (the default when the notes have an index note): the index note's links
  place the top-level chapters, a nested list in it nests them, and the notes it
  places list their own subpages in turn, breadth-first: a note goes where the
  shallowest list first names it. Only page lists count (`page_links.py`): a link in a
  sentence or on a "Next:" line is a cross-reference and never moves a chapter. A
  `SUMMARY.md` or `_sidebar.md` beside another index lists pages as the index does.
- **folders** (the default without an index note, as in an Obsidian vault): the folder
  tree. A folder is a part, led by its `index.md`/`README.md`/`_index.md` (or a note
  named after the folder), else by a title page of its name. Notes sort naturally
  ("2" before "10"), or by `nav_order`, `weight`, `sidebar_position` or `order` in
  their front matter.
- **nav**: the `nav:` list of handbook.yml, as in mkdocs.yml: paths, `Title: path`,
  and `Section: [...]`.

Every note ends up in the book: one no list reaches comes last, with `orphan-note`.
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Mapping

from notebook_publish.diagnostics import Diagnostic, UsageError, error, info, warning
from notebook_publish.normalize.resolve import FOLDER_PAGES
from notebook_publish.page_links import page_links

# Files that only list a site's pages, next to its home page (GitBook, docsify).
NAV_FILES = ("SUMMARY.md", "_sidebar.md")
# Front matter that orders a page among its siblings: Just the Docs, Hugo, Docusaurus, VitePress plugins.
ORDER_KEYS = ("nav_order", "weight", "sidebar_position", "order")
STRUCTURES = ("auto", "links", "folders")


@dataclass(frozen=True)
class Placed:
    """One chapter of the tree: a note (or, for a folder without a page of its own, the
    folder), how deep it nests, and the title its placing gave it, if any."""

    path: Path
    depth: int
    link_text: str | None = None
    title: str | None = None  # a title the structure sets (a `nav:` entry, a folder's name)
    folder: bool = False  # a part without a note: only its title is printed


@dataclass
class _Node:
    path: Path | None
    children: list = field(default_factory=list)
    link_text: str | None = None


def natural_key(text: str) -> tuple:
    """"Lecture 2" before "Lecture 10": numbers compare as numbers."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.casefold()) for part in re.split(r"(\d+)", text) if part)


def _walk(roots: list[_Node], depth: int, out: list[Placed]) -> None:
    for node in roots:
        out.append(Placed(node.path, depth, node.link_text))
        _walk(node.children, depth + 1, out)


def order_by_links(notes: Mapping[Path, object], index: Path, nav_files: list[Path]) -> tuple[list[Placed], list[Diagnostic]]:
    """The index first, then what it (and a `SUMMARY.md` beside it) lists, each note
    followed by the pages it lists in turn."""
    diagnostics: list[Diagnostic] = []
    nodes: dict[Path, _Node] = {index: _Node(index)}
    parent_of: dict[Path, Path | None] = {index: None}
    top: list[_Node] = [nodes[index]]
    queue = deque([index, *[n for n in nav_files if n != index]])
    listers = {index, *nav_files}
    while queue:
        here = queue.popleft()
        lister = here in listers
        for link in page_links(here, notes[here].ast.get("blocks", [])):
            target = link.target
            if target == here or target not in notes or link.navigation or not (link.listed or lister):
                continue
            if target in nodes:
                if link.listed and _is_ancestor(target, here, parent_of):
                    diagnostics.append(
                        info(here, _line_of(notes[here].text, target.name), "link-cycle", f"link back to `{notes[target].rel}` forms a cycle", "each note appears once, where it is first listed")
                    )
                continue
            if target in listers:
                continue  # a page list is placed by no one: it is itself the list
            parent = link.parent if link.parent in nodes and link.parent != index else (None if lister else here)
            node = _Node(target, link_text=link.text)
            nodes[target] = node
            parent_of[target] = parent
            (top if parent is None else nodes[parent].children).append(node)
            queue.append(target)
    placed: list[Placed] = []
    _walk(top, 0, placed)
    listed = {p.path for p in placed}
    for nav in nav_files:
        if nav not in listed:
            diagnostics.append(info(nav, 1, "page-list", f"{nav.name} lists the book's pages; it is not printed as a chapter", "the handbook's contents take its place"))
    placed_paths = listed | set(nav_files)
    for path in sorted(notes, key=lambda p: natural_key(notes[p].rel)):
        if path not in placed_paths:
            diagnostics.append(warning(path, 1, "orphan-note", "no list of pages from the index reaches this note", "list it in the index (a link alone on its line, or a list item); it goes at the end"))
            placed.append(Placed(path, 0))
    return placed, diagnostics


def _is_ancestor(candidate: Path, node: Path | None, parent_of: Mapping[Path, Path | None]) -> bool:
    while node is not None:
        if node == candidate:
            return True
        node = parent_of.get(node)
    return False


def folder_page(folder: Path, notes: Mapping[Path, object]) -> Path | None:
    """The note that leads a folder: its index page, or a note named after it."""
    for name in (*FOLDER_PAGES, f"{folder.name}.md"):
        if folder / name in notes:
            return folder / name
    return None


def order_of(front_matter: Mapping | None) -> float | None:
    """The note's place among its siblings, from its front matter, or None."""
    for key in ORDER_KEYS:
        value = (front_matter or {}).get(key)
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                continue
    return None


def order_by_folders(notes: Mapping[Path, object], notes_dir: Path, index: Path | None, front_matter: Mapping[Path, Mapping]) -> tuple[list[Placed], list[Diagnostic]]:
    """The folder tree: the root's index first, then each folder's notes and subfolders
    in order, a subfolder as a part led by its page."""
    placed: list[Placed] = []
    if index is not None:
        placed.append(Placed(index, 0))

    def sort_key(entry: tuple[str, Path]) -> tuple:
        kind, path = entry
        lead = folder_page(path, notes) if kind == "folder" else path
        rank = order_of(front_matter.get(lead)) if lead is not None else None
        return (rank is None, rank or 0.0, natural_key(path.name if kind == "folder" else path.stem))

    # Each folder's notes and subfolders, in one pass over the notes.
    notes_in: dict[Path, list[Path]] = {}
    folders_in: dict[Path, set[Path]] = {}
    for path in notes:
        if path == index or not path.is_relative_to(notes_dir):
            continue
        notes_in.setdefault(path.parent, []).append(path)
        folder = path.parent
        while folder != notes_dir:
            folders_in.setdefault(folder.parent, set()).add(folder)
            folder = folder.parent

    def visit(folder: Path, depth: int, lead_here: Path | None) -> None:
        entries = [("note", p) for p in notes_in.get(folder, ()) if p != lead_here]
        entries += [("folder", f) for f in folders_in.get(folder, ())]
        for kind, path in sorted(entries, key=sort_key):
            if kind == "note":
                placed.append(Placed(path, depth))
                continue
            lead = folder_page(path, notes)
            if lead is not None:
                placed.append(Placed(lead, depth))
            else:
                placed.append(Placed(path, depth, title=_folder_title(path.name), folder=True))
            visit(path, depth + 1, lead)

    visit(notes_dir, 0, None)
    return placed, []


def _folder_title(name: str) -> str:
    return re.sub(r"[-_\s]+", " ", name).strip() or name


def order_by_nav(notes: Mapping[Path, object], notes_dir: Path, nav: tuple, config_source: Path | None, line: int) -> tuple[list[Placed], list[Diagnostic]]:
    """`nav:` of handbook.yml: each entry a path (from the notes folder), `Title: path`,
    or `Section: [entries]`; a section without a page of its own is a title page."""
    placed: list[Placed] = []
    by_rel = {PurePosixPath(p.relative_to(notes_dir).as_posix()).as_posix(): p for p in notes}

    def find(rel: str) -> Path:
        key = PurePosixPath(rel.strip().lstrip("./") if not rel.startswith("../") else rel).as_posix()
        if key in by_rel:
            return by_rel[key]
        for page in FOLDER_PAGES:  # a folder's page, as mkdocs allows
            if f"{key.rstrip('/')}/{page}" in by_rel:
                return by_rel[f"{key.rstrip('/')}/{page}"]
        close = difflib.get_close_matches(key, list(by_rel), n=1)
        raise UsageError(
            error(config_source, line, "config", f"`nav:` names `{rel}`, which is not a note in the notes folder", f"did you mean `{close[0]}`?" if close else "paths are relative to the notes folder")
        )

    def visit(entries: tuple, depth: int) -> None:
        for title, value in entries:
            if isinstance(value, tuple):
                placed.append(Placed(notes_dir / f".nav-{len(placed)}", depth, title=title, folder=True))
                visit(value, depth + 1)
            else:
                path = find(value)
                if any(p.path == path for p in placed):
                    raise UsageError(error(config_source, line, "config", f"`nav:` lists `{value}` twice", "list each note once"))
                placed.append(Placed(path, depth, title=title or None))

    visit(nav, 0)
    diagnostics: list[Diagnostic] = []
    listed = {p.path for p in placed}
    for path in sorted(notes, key=lambda p: natural_key(notes[p].rel)):
        if path not in listed:
            diagnostics.append(warning(path, 1, "orphan-note", "`nav:` in handbook.yml does not list this note", "add it to `nav:`; it goes at the end"))
            placed.append(Placed(path, 0))
    return placed, diagnostics


def _line_of(text: str, needle: str) -> int:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else 1
