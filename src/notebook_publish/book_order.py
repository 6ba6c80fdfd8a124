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

Every note ends up in the book. With page lists, a note no list reaches follows the
folder tree: under its folder's page where the lists placed that, else at the end of
the book with `orphan-note`.
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from notebook_publish.diagnostics import Diagnostic, UsageError, error, info, warning
from notebook_publish.normalize.resolve import FOLDER_PAGES
from notebook_publish.page_links import page_links

if TYPE_CHECKING:
    from notebook_publish.notes import Note

# Files that only list a site's pages, next to its home page (GitBook, docsify).
NAV_FILES = ("SUMMARY.md", "_sidebar.md")
# Front matter that orders a page among its siblings: Just the Docs, Hugo, Docusaurus, VitePress plugins.
ORDER_KEYS = ("nav_order", "weight", "sidebar_position", "order")
STRUCTURES = ("auto", "links", "folders")
# `nav:` as read: each entry (its title or "", a path or the entries of a section).
NavEntries = tuple[tuple[str, "str | NavEntries"], ...]
# A note's front matter as read (`vault.read_front_matter`).
FrontMatter = Mapping[str, Any]


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
    path: Path
    children: list[_Node] = field(default_factory=list)
    link_text: str | None = None
    title: str | None = None
    folder: bool = False


def natural_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """ "Lecture 2" before "Lecture 10": numbers compare as numbers."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold()) for part in re.split(r"(\d+)", text) if part
    )


def _walk(roots: list[_Node], depth: int, out: list[Placed]) -> None:
    for node in roots:
        out.append(Placed(node.path, depth, node.link_text, node.title, node.folder))
        _walk(node.children, depth + 1, out)


def order_by_links(
    notes: Mapping[Path, Note],
    index: Path,
    nav_files: list[Path],
    notes_dir: Path,
    front_matter: Mapping[Path, FrontMatter],
) -> tuple[list[Placed], list[Diagnostic]]:
    """The index first, then what it (and a `SUMMARY.md` beside it) lists, each note
    followed by the pages it lists in turn. Notes no list reaches then follow the
    folder tree (`_LinkTree.place_unlisted`)."""
    tree = _LinkTree(notes, index, nav_files)
    tree.spread(deque([index, *[n for n in nav_files if n != index]]))
    for nav in nav_files:
        if nav not in tree.nodes:
            tree.diagnostics.append(
                info(
                    nav,
                    1,
                    "page-list",
                    f"{nav.name} lists the book's pages; it is not printed as a chapter",
                    "the handbook's contents take its place",
                )
            )
    tree.place_unlisted(notes_dir, front_matter)
    placed: list[Placed] = []
    _walk(tree.top, 0, placed)
    return placed, tree.diagnostics


class _LinkTree:
    """The chapter tree as the page lists build it, breadth-first."""

    def __init__(self, notes: Mapping[Path, Note], index: Path, nav_files: list[Path]) -> None:
        self.notes = notes
        self.index = index
        self.nodes: dict[Path, _Node] = {index: _Node(index)}
        self.parent_of: dict[Path, Path | None] = {index: None}
        self.top: list[_Node] = [self.nodes[index]]
        self.listers = {index, *nav_files}
        self.diagnostics: list[Diagnostic] = []

    def add(self, path: Path, parent: _Node | None, link_text: str | None = None) -> _Node:
        node = _Node(path, link_text=link_text)
        self.nodes[path] = node
        self.parent_of[path] = parent.path if parent is not None else None
        (self.top if parent is None else parent.children).append(node)
        return node

    def spread(self, queue: deque[Path]) -> None:
        """Place what the queued notes list, and what those list in turn."""
        notes = self.notes
        while queue:
            here = queue.popleft()
            lister = here in self.listers
            for link in page_links(here, notes[here].ast.get("blocks", [])):
                target = link.target
                if target == here or target not in notes or link.navigation or not (link.listed or lister):
                    continue
                if target in self.nodes:
                    if link.listed and _is_ancestor(target, here, self.parent_of):
                        self.diagnostics.append(
                            info(
                                here,
                                notes[here].line_of(target.name),
                                "link-cycle",
                                f"link back to `{notes[target].rel}` forms a cycle",
                                "each note appears once, where it is first listed",
                            )
                        )
                    continue
                if target in self.listers:
                    continue  # a page list is placed by no one: it is itself the list
                parent = (
                    link.parent
                    if link.parent in self.nodes and link.parent != self.index
                    else (None if lister else here)
                )
                self.add(target, None if parent is None else self.nodes[parent], link.text)
                queue.append(target)

    def place_unlisted(self, notes_dir: Path, front_matter: Mapping[Path, FrontMatter]) -> None:
        """Notes no page list reaches follow the folder tree, as site generators place
        them: in folder order, each goes under the page of its folder (or of the
        nearest folder up that has one), a folder without a page as a part of its
        own; the pages such a note lists follow it. One that no placed page leads to
        goes at the end of the book, with `orphan-note`."""
        parts: dict[
            Path, tuple[_Node, bool]
        ] = {}  # folder without a page -> its part, and whether the index reaches it
        for place in order_by_folders(self.notes, notes_dir, None, front_matter)[0]:
            path = place.path
            if place.folder or path in self.nodes or path in self.listers:
                continue
            container, reached = self._container(path, notes_dir, parts)
            if not reached:
                self.diagnostics.append(
                    warning(
                        path,
                        1,
                        "orphan-note",
                        "no list of pages from the index reaches this note, nor its folder's page",
                        "list it in the index (a link alone on its line, or a list item); it goes at the end, in folder order",
                    )
                )
            self.add(path, container)
            self.spread(deque([path]))

    def _container(
        self, path: Path, notes_dir: Path, parts: dict[Path, tuple[_Node, bool]]
    ) -> tuple[_Node | None, bool]:
        """The node a note outside every page list goes under, and whether that node
        hangs from the index's tree. Folders between it and that node that have no
        page become parts."""
        folder = path.parent
        if folder_page(folder, self.notes) == path:
            folder = folder.parent  # a folder's page goes where its folder goes
        missing: list[Path] = []
        container, reached = None, False
        while folder != notes_dir and folder.is_relative_to(notes_dir):
            page = folder_page(folder, self.notes)
            if page is not None and page in self.nodes:
                container, reached = self.nodes[page], True
                break
            if folder in parts:
                container, reached = parts[folder]
                break
            missing.append(folder)
            folder = folder.parent
        for folder in reversed(missing):
            node = _Node(folder, title=_folder_title(folder.name), folder=True)
            (self.top if container is None else container.children).append(node)
            parts[folder] = (node, reached)
            container = node
        return container, reached


def _is_ancestor(candidate: Path, node: Path | None, parent_of: Mapping[Path, Path | None]) -> bool:
    while node is not None:
        if node == candidate:
            return True
        node = parent_of.get(node)
    return False


def folder_page(folder: Path, notes: Mapping[Path, object]) -> Path | None:
    """The note that leads a folder: its index page, or a note named after it, inside
    it (Obsidian's folder notes) or beside it (a Notion page and its subpages' folder)."""
    for candidate in (
        *(folder / name for name in FOLDER_PAGES),
        folder / f"{folder.name}.md",
        folder.parent / f"{folder.name}.md",
    ):
        if candidate in notes:
            return candidate
    return None


def order_of(front_matter: FrontMatter | None) -> float | None:
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


def order_by_folders(
    notes: Mapping[Path, Note], notes_dir: Path, index: Path | None, front_matter: Mapping[Path, FrontMatter]
) -> tuple[list[Placed], list[Diagnostic]]:
    """The folder tree: the root's index first, then each folder's notes and subfolders
    in order, a subfolder as a part led by its page."""
    placed: list[Placed] = []
    if index is not None:
        placed.append(Placed(index, 0))

    def sort_key(entry: tuple[str, Path]) -> tuple[bool, float, tuple[tuple[int, int, str], ...]]:
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
        subfolders = folders_in.get(folder, ())
        leads = {folder_page(f, notes) for f in subfolders} | {lead_here}  # each placed with its folder
        entries = [("note", p) for p in notes_in.get(folder, ()) if p not in leads]
        entries += [("folder", f) for f in subfolders]
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

    # A folder the index leads (a Notion top page's subpages, beside it) follows it.
    led = next(
        (
            f
            for folder_set in folders_in.values()
            for f in folder_set
            if index is not None and folder_page(f, notes) == index
        ),
        None,
    )
    if led is not None:
        visit(led, 1, index)
        folders_in[led.parent].discard(led)
    visit(notes_dir, 0, None)
    return placed, []


def _folder_title(name: str) -> str:
    return re.sub(r"[-_\s]+", " ", name).strip() or name


def order_by_nav(
    notes: Mapping[Path, Note], notes_dir: Path, nav: NavEntries, config_source: Path | None, line: int
) -> tuple[list[Placed], list[Diagnostic]]:
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
            error(
                config_source,
                line,
                "config",
                f"`nav:` names `{rel}`, which is not a note in the notes folder",
                f"did you mean `{close[0]}`?" if close else "paths are relative to the notes folder",
            )
        )

    def visit(entries: NavEntries, depth: int) -> None:
        for title, value in entries:
            if isinstance(value, tuple):
                placed.append(Placed(notes_dir / f".nav-{len(placed)}", depth, title=title, folder=True))
                visit(value, depth + 1)
            else:
                path = find(value)
                if any(p.path == path for p in placed):
                    raise UsageError(
                        error(config_source, line, "config", f"`nav:` lists `{value}` twice", "list each note once")
                    )
                placed.append(Placed(path, depth, title=title or None))

    visit(nav, 0)
    diagnostics: list[Diagnostic] = []
    listed = {p.path for p in placed}
    for path in sorted(notes, key=lambda p: natural_key(notes[p].rel)):
        if path not in listed:
            diagnostics.append(
                warning(
                    path,
                    1,
                    "orphan-note",
                    "`nav:` in handbook.yml does not list this note",
                    "add it to `nav:`; it goes at the end",
                )
            )
            placed.append(Placed(path, 0))
    return placed, diagnostics
