"""Embeds and wikilink anchors, settled on the parsed notes.

A fixer sees one note's text and may not add lines, so an Obsidian embed
(`![[Note]]`, `![[Note#Heading]]`, `![[Note#^block]]`) or a MkDocs snippet
(`--8<-- "note.md"`) is left as a marker, `[]{.transclude note="…" section="…"}`.
Here, once every note is parsed, each marker is replaced by the blocks of the note
(or of its section or block) it names, as that note was normalised and parsed:

- in a `Div.transclusion`, its own embeds expanded in turn (a circle of embeds is
  stopped, and reported once, at the embed that closes it: `embed-cycle`);
- its links and pictures rebased to the embedding note's folder, its identifiers
  dropped (links to it still go to the note itself), its headings moved below the
  section the embed sits in;
- a marker inside a paragraph splits it: the text before and after stays around it.

Wikilinks to a heading carry the id the reader would give that text; Obsidian matches
heading text more loosely (`[[Note#Q what]]` for `## Q: what?`, emoji, doubled
spaces), so an anchor that names no id of its note is matched here by its letters and
digits against the note's headings (`wikilink` links only). Snippets inside code blocks
(`--8<-- "file.py"` in a fence, MkDocs's way of showing a source file) are filled in
with the file, when it lies in the notes folder.

Everything here is a function of the parsed notes; the only files read are a code
block's snippets, through `read`. A transcluded note is parsed anyway, and what it
adds is in the chapter's HTML and the deck's model, so the parts' and decks' cache
keys change with it.
"""

from __future__ import annotations

import copy
import difflib
import os
from collections.abc import Callable, Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from notebook_publish.code_snippets import fill_code_snippets
from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.normalize.resolve import is_external
from notebook_publish.pandoc.ast import (
    Inline,
    attr_id,
    attr_keyvals,
    div_blocks,
    has_class,
    header_attr,
    header_id,
    header_inlines,
    header_level,
    link_target,
    list_items,
    para_inlines,
    plain_text,
    quote_blocks,
    set_attr_id,
    set_header_level,
    set_link_target,
    span_attr,
    span_inlines,
    walk_blocks,
    walk_inlines,
)

if TYPE_CHECKING:
    from notebook_publish.notes import Note

MARKER_CLASS = "transclude"
DIV_CLASS = "transclusion"
MAX_DEPTH = 16  # embeds inside embeds; deeper is certainly a mistake
MAX_BLOCKS = 20_000  # what one note may grow to by embedding (notes.MAX_NOTE_BLOCKS)
_CONTAINERS = ("BlockQuote", "BulletList", "OrderedList", "Div", "DefinitionList", "Figure", "Table")
_WITH_ATTR_FIRST = ("Span", "Div", "CodeBlock", "Code", "Link", "Image", "Figure", "Table")


def squash(text: str) -> str:
    """Letters and digits only, case-folded: how a link's heading is matched to a heading."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def settle(
    notes: dict[Path, Note],
    notes_dir: Path,
    files: Collection[Path] = frozenset(),
    snippets: bool = False,
    read: Callable[[Path], bytes] | None = None,
) -> tuple[dict[Path, Note], list[Diagnostic]]:
    """The notes with wikilink anchors matched, embeds expanded and (with `snippets`)
    code-block snippets filled in; and what was found wrong on the way."""
    from dataclasses import replace

    diagnostics: list[Diagnostic] = []
    headings: dict[Path, list[tuple[str, str, str]]] = {}
    for note in notes.values():
        if ".wikilink" in note.text and "#" in note.text:
            _match_anchors(note, notes, headings)
    if snippets and read is not None:
        for note in notes.values():
            if "--8<--" in note.text:
                diagnostics += fill_code_snippets(note, notes_dir, files, read)
    expander = _Expander(notes, notes_dir, diagnostics)
    settled = dict(notes)
    for path, note in notes.items():
        if "{." + MARKER_CLASS not in note.text:
            continue
        blocks = expander.note_blocks(note)
        settled[path] = replace(note, ast=dict(note.ast, blocks=blocks))
    return settled, diagnostics


# --- heading anchors of wikilinks -----------------------------------------------------------


def _headings(note: Note) -> list[tuple[str, str, str]]:
    """(id, squashed id, squashed text) of the note's headings."""
    return [
        (header_id(b), squash(header_id(b)), squash(plain_text(header_inlines(b))))
        for b in walk_blocks(note.ast.get("blocks", []))
        if b.get("t") == "Header"
    ]


def _match_anchors(note: Note, notes: dict[Path, Note], headings: dict[Path, list[tuple[str, str, str]]]) -> None:
    """Each wikilink's anchor that is no id of its note, matched to a heading by text
    (`headings`: each note's, worked out once)."""
    for inline in walk_inlines(note.ast.get("blocks", [])):
        if inline.get("t") != "Link" or not has_class(inline, "wikilink") or has_class(inline, "broken-link"):
            continue
        url = link_target(inline)
        path, hash_, anchor = url.partition("#")
        if not hash_ or not anchor:
            continue
        target = note if not path else notes.get(Path(os.path.normpath(note.path.parent / unquote(path))))
        if target is None or unquote(anchor) in target.anchors:
            continue
        wanted = squash(unquote(anchor))
        if target.path not in headings:
            headings[target.path] = _headings(target)
        for ident, ident_key, text_key in headings[target.path]:
            if wanted and wanted in (ident_key, text_key):
                set_link_target(inline, f"{path}#{ident}")
                break


# --- embeds ---------------------------------------------------------------------------------


def _marker(inline: Inline) -> dict[str, Any] | None:
    if inline.get("t") == "Span" and has_class(inline, MARKER_CLASS) and not span_inlines(inline):
        return dict(attr_keyvals(span_attr(inline)))
    return None


# What an embed names: a note, and the squashed heading or the `^block` id ("" for all of it).
_Key = tuple[Path, str]


class _Expander:
    def __init__(self, notes: dict[Path, Note], notes_dir: Path, diagnostics: list[Diagnostic]):
        self.notes = notes
        self.notes_dir = notes_dir
        self.diagnostics = diagnostics
        self.cycles: set[frozenset[_Key]] = set()
        self.budget = 0

    def note_blocks(self, note: Note) -> list[dict[str, Any]]:
        self.budget = MAX_BLOCKS
        return self.expand(note.ast.get("blocks", []), note, ((note.path, ""),), 0)

    def expand(
        self, blocks: list[dict[str, Any]], note: Note, stack: tuple[_Key, ...], level: int
    ) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for block in blocks:
            t = block.get("t")
            if t == "Header":
                level = header_level(block)
                out.append(block)
            elif t in ("Para", "Plain") and any(_marker(i) is not None for i in para_inlines(block)):
                out.extend(self.split(block, note, stack, level))
            elif t in _CONTAINERS:
                out.append(_map_block_lists(block, lambda bs: self.expand(bs, note, stack, level)))
            else:
                out.append(block)
        return out

    def split(self, block: dict[str, Any], note: Note, stack: tuple[_Key, ...], level: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        pending: list[dict[str, Any]] = []

        def flush() -> None:
            while pending and pending[0].get("t") in ("Space", "SoftBreak", "LineBreak"):
                pending.pop(0)
            while pending and pending[-1].get("t") in ("Space", "SoftBreak", "LineBreak"):
                pending.pop()
            if pending:
                out.append({"t": block["t"], "c": list(pending)})
            pending.clear()

        for inline in para_inlines(block):
            kv = _marker(inline)
            if kv is None:
                pending.append(inline)
                continue
            flush()
            out.extend(self.transclude(kv, note, stack, level))
        flush()
        return out

    def transclude(self, kv: dict[str, str], note: Note, stack: tuple[_Key, ...], level: int) -> list[dict[str, Any]]:
        rel = unquote(kv.get("note", ""))
        section = unquote(kv.get("section", ""))
        line, col = _int(kv.get("line"), 1), _int(kv.get("col"), 1)
        path = Path(os.path.normpath(self.notes_dir / rel))
        key = (path, squash(section) if not section.startswith("^") else section)
        if key in stack:
            circle = frozenset(stack[stack.index(key) :])
            if circle not in self.cycles:
                self.cycles.add(circle)
                names = (
                    " → ".join(self.notes[p].rel if p in self.notes else p.name for p, _s in stack[stack.index(key) :])
                    + f" → {rel}"
                )
                self.diagnostics.append(
                    warning(
                        note.path,
                        line,
                        "embed-cycle",
                        f"embeds go round in a circle: {names}",
                        "the embed that closes the circle is left out",
                        col,
                    )
                )
            return []
        if len(stack) > MAX_DEPTH:
            self.diagnostics.append(
                warning(
                    note.path,
                    line,
                    "embed-cycle",
                    f"embeds nest more than {MAX_DEPTH} deep; the deeper ones are left out",
                    "embed less deeply",
                    col,
                )
            )
            return []
        target = self.notes.get(path)
        if target is None:
            self.diagnostics.append(
                warning(
                    note.path,
                    line,
                    "broken-link",
                    f"embedded note `{rel}` could not be read",
                    "see the message about that note",
                    col,
                )
            )
            return []
        blocks = target.ast.get("blocks", [])
        if section:
            blocks = _section(blocks, section, target)
            if blocks is None:
                every = walk_blocks(target.ast.get("blocks", []))
                heads = [plain_text(header_inlines(b)) for b in every if b.get("t") == "Header"]
                close = difflib.get_close_matches(section, heads, n=1, cutoff=0.5)
                hint = (
                    f"did you mean `#{close[0]}`?"
                    if close
                    else (
                        "headings of that note: " + ", ".join(f"`{h}`" for h in heads[:5])
                        if heads
                        else "that note has no headings"
                    )
                )
                what = "block" if section.startswith("^") else "heading"
                self.diagnostics.append(
                    warning(
                        note.path, line, "broken-anchor", f"`#{section}` is not a {what} of {target.rel}", hint, col
                    )
                )
                return []
        size = sum(1 for _ in walk_blocks(blocks))
        if size > self.budget:
            self.diagnostics.append(
                warning(
                    note.path,
                    line,
                    "embed-cycle",
                    f"embedding {target.rel} would make this note longer than {MAX_BLOCKS} paragraphs; left out",
                    "embed less",
                    col,
                )
            )
            return []
        self.budget -= size
        inner = self.expand(copy.deepcopy(blocks), target, stack + (key,), 0)
        inner = _rebased(inner, target, note)
        snippet = kv.get("as") == "snippet"  # MkDocs puts a snippet's text in as it is
        if not snippet:
            _demote(inner, level)
        return [
            {"t": "Div", "c": [["", [DIV_CLASS] + (["snippet"] if snippet else []), [["note", target.rel]]], inner]}
        ]


def _int(value: str | None, default: int) -> int:
    try:
        return max(1, int(value)) if value is not None else default
    except (TypeError, ValueError):
        return default


def _section(blocks: list[dict[str, Any]], section: str, target: Note) -> list[dict[str, Any]] | None:
    """The blocks `![[Note#Heading]]` or `![[Note#^block]]` shows."""
    if section.startswith("^"):
        return _block(blocks, "block-" + section[1:])
    wanted = squash(section.split("#")[-1])
    for i, block in enumerate(blocks):
        if block.get("t") == "Header" and wanted in (
            squash(plain_text(header_inlines(block))),
            squash(header_id(block)),
        ):
            end = i + 1
            level = header_level(block)
            while end < len(blocks) and not (blocks[end].get("t") == "Header" and header_level(blocks[end]) <= level):
                end += 1
            return blocks[i:end]
    return None


def _holds_id(block: dict[str, Any], ident: str) -> bool:
    for inline in walk_inlines([block]):
        if inline.get("t") == "Span" and attr_id(span_attr(inline)) == ident:
            return True
    return False


def _block(blocks: list[dict[str, Any]], ident: str) -> list[dict[str, Any]] | None:
    """The paragraph, list item or (for an id on a line of its own) the block before,
    that the block id `ident` marks."""
    for i, block in enumerate(blocks):
        if not _holds_id(block, ident):
            continue
        t = block.get("t")
        if t in ("Para", "Plain") and not plain_text(para_inlines(block)).strip():
            return blocks[i - 1 : i] if i else []
        if t in ("BulletList", "OrderedList"):
            for item in list_items(block):
                if any(_holds_id(b, ident) for b in item):
                    found = _block(item, ident)
                    return found if found and len(found) == 1 and found[0].get("t") not in ("Para", "Plain") else item
        if t in ("BlockQuote", "Div"):
            inner = quote_blocks(block) if t == "BlockQuote" else div_blocks(block)
            return _block(inner, ident) or [block]
        return [block]
    return None


def _map_block_lists(
    block: dict[str, Any], fn: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]
) -> dict[str, Any]:
    """The block with `fn` applied to every list of blocks directly inside it."""
    c: Any
    t, c = block["t"], block.get("c")
    if t == "BlockQuote":
        return {"t": t, "c": fn(c)}
    if t == "BulletList":
        return {"t": t, "c": [fn(item) for item in c]}
    if t == "OrderedList":
        return {"t": t, "c": [c[0], [fn(item) for item in c[1]]]}
    if t == "Div":
        return {"t": t, "c": [c[0], fn(c[1])]}
    if t == "DefinitionList":
        return {"t": t, "c": [[term, [fn(d) for d in defs]] for term, defs in c]}
    if t == "Figure":
        return {"t": t, "c": [c[0], c[1], fn(c[2])]}
    if t == "Table":
        attr, caption, colspecs, head, bodies, foot = c

        def rows(rs: list[Any]) -> list[Any]:
            return [[r[0], [[cell[0], cell[1], cell[2], cell[3], fn(cell[4])] for cell in r[1]]] for r in rs]

        return {
            "t": t,
            "c": [
                attr,
                caption,
                colspecs,
                [head[0], rows(head[1])],
                [[b[0], b[1], rows(b[2]), rows(b[3])] for b in bodies],
                [foot[0], rows(foot[1])],
            ],
        }
    return block


def _rebased(blocks: list[dict[str, Any]], source: Note, dest: Note) -> list[dict[str, Any]]:
    """`blocks` of note `source` as they read from note `dest`: relative link and
    picture targets rewritten for `dest`'s folder, identifiers dropped."""
    here = source.path.parent
    there = dest.path.parent

    def url(target: str) -> str:
        if not target or is_external(target) or target.startswith("data:"):
            return target
        path, hash_, anchor = target.partition("#")
        absolute = Path(os.path.normpath(here / unquote(path))) if path else source.path
        rel = Path(os.path.relpath(absolute, there)).as_posix()
        return quote(rel, safe="/") + (hash_ + anchor if hash_ else "")

    stack: list[Any] = [blocks]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        c: Any
        t, c = node.get("t"), node.get("c")
        if t == "Header":
            set_attr_id(header_attr(node), "")
        elif (
            t in _WITH_ATTR_FIRST
            and isinstance(c, list)
            and c
            and isinstance(c[0], list)
            and c[0]
            and isinstance(c[0][0], str)
        ):
            c[0][0] = ""
        if t in ("Link", "Image"):
            set_link_target(node, url(link_target(node)))
        if isinstance(c, list):
            stack.append(c)
    return blocks


def _demote(blocks: list[dict[str, Any]], level: int) -> None:
    """Headings of embedded text go one level below the section the embed is in."""
    heads = [b for b in walk_blocks(blocks) if b.get("t") == "Header"]
    if not heads:
        return
    shift = max(0, level + 1 - min(header_level(h) for h in heads))
    for h in heads:
        set_header_level(h, min(6, header_level(h) + shift))
