"""Obsidian's own syntax, as the Markdown the reader and the writers know.

- `[[Note]]`, `[[Note|alias]]`, `[[Note#Heading]]`, `[[#Heading]]`, `[[Note#^block]]`
  become ordinary links, `[text](path/to/Note.md#anchor){.wikilink}`, found the way
  Obsidian finds them (`vault.VaultIndex.find_note`: by name anywhere in the vault,
  case-insensitively, the shortest path first, a folder prefix to choose, then the
  notes' `aliases:`). The `links` fixer leaves them alone; one that goes nowhere gets
  `.broken-link` and a warning with the closest names. A heading's anchor is written
  as the reader would make its id; `transclude.py` matches it to the real id after
  parsing, as Obsidian matches heading text.
- `![[picture.png]]`, `![[picture.png|300]]`, `|300x200` become images with a width
  (and height), without a caption (Obsidian shows none); the `images` fixer then
  finds them or marks them missing.
  `![[Note]]`, `![[Note#Heading]]`, `![[Note#^block]]` become a marker,
  `[]{.transclude note="…" section="…" line="…" col="…"}`, which `transclude.py`
  replaces by that note's (or section's) blocks after parsing. Any other file
  (`![[paper.pdf]]`) becomes a link to it, with a note that it is not embedded.
- `==text==` becomes `[text]{.mark}` (highlighted by both writers).
- `%%comments%%`, on one line or many, are removed; their lines stay, blank.
- `^block-id` at the end of a paragraph or item (or on a line of its own) becomes an
  anchor, `[]{#block-block-id}`, that links can point at.

`#tags` need nothing: `#tag` without a space is no heading to the reader. Front matter
is left to the reader (pandoc takes it as metadata) and is never rewritten here. Code,
inline code and math are left alone. Every line stays a line.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote

from notebook_publish.diagnostics import Diagnostic, info, warning
from notebook_publish.normalize.regions import (
    _FENCE_OPEN,
    fenced_block_lines,
    has_mask_characters,
    mask_code,
    mask_protected,
    unmask,
)
from notebook_publish.normalize.resolve import IMAGE_SUFFIXES, NOTE_SUFFIXES, relative_link
from notebook_publish.normalize.triggers import has
from notebook_publish.normalize.vault import front_matter_lines, vault_of

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

WIKILINK_CLASS = "wikilink"
TRANSCLUDE_CLASS = "transclude"
MARK_CLASS = "mark"
BLOCK_PREFIX = "block-"  # `^abc` is the anchor `block-abc`: `^` cannot start an identifier

_WIKILINK = re.compile(r"(?<!\\)(?P<bang>!?)\[\[(?P<body>[^\[\]\n]+?)\]\]")
_HIGHLIGHT = re.compile(r"(?<![=\\])==(?=[^\s=])(?P<text>[^\n]*?[^\s=\\])==(?!=)")
_BLOCK_ID = re.compile(r"(?:^|(?<=[ \t]))\^(?P<id>[A-Za-z0-9][A-Za-z0-9-]*)[ \t]*$")
_CARET_ID = re.compile(
    r"\^[A-Za-z0-9][A-Za-z0-9-]*[ \t]*$", re.M
)  # starts with a literal: the engine skips to each `^`
_SIZE = re.compile(r"^\s*(?P<w>\d{1,5})\s*(?:[xX]\s*(?P<h>\d{1,5})\s*)?$")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>$~=^|&!{}#])")
_SLUG_DROP = re.compile(r"[^\w\- ]+")


def _has_block_id(text: str) -> bool:
    return any(m.start() == 0 or text[m.start() - 1] in " \t\n" for m in _CARET_ID.finditer(text))


def fix(text: str, ctx: NoteContext) -> tuple[str, list[Diagnostic]]:
    # Most notes hold none of it; `^` and `==` occur in formulas and comparisons, so they
    # are looked for as block ids and highlights before any line is visited.
    if not ctx.uses("obsidian") or not (
        has(text, "[[")
        or has(text, "%%")
        or (has(text, "==") and _HIGHLIGHT.search(text))
        or ("^" in text and _has_block_id(text))
    ):
        return text, []
    lines = text.split("\n")
    start = front_matter_lines(text)
    diagnostics: list[Diagnostic] = []
    if "%%" in text:
        _drop_comments(lines, start)
    skip = fenced_block_lines(lines)
    state = _Links(ctx, diagnostics)
    for i in range(start, len(lines)):
        line = lines[i]
        if skip[i] or not ("[[" in line or "==" in line or "^" in line) or has_mask_characters(line):
            continue
        if "[[" in line:
            line = state.rewrite_line(line, i + 1)
        if "==" in line and _HIGHLIGHT.search(line):
            line = _highlights(line)
        if "^" in line and _BLOCK_ID.search(line):
            line = _block_id(line)
        lines[i] = line
    return "\n".join(lines), diagnostics


# --- comments ----------------------------------------------------------------------------


def _drop_comments(lines: list[str], start: int) -> None:
    """Remove `%%…%%` (Obsidian's comments) in place; a comment never closed runs to
    the end, as in Obsidian. Code (fenced or inline) is not searched for them."""
    inside = False
    fence: str | None = None
    for i in range(start, len(lines)):
        line = lines[i]
        if not inside:
            if fence is not None:
                stripped = line.strip()
                if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
                    fence = None
                continue
            opened = _FENCE_OPEN.match(line)
            if opened:
                fence = opened.group(1)
                continue
            if "%%" not in line:
                continue
        if has_mask_characters(line):
            if inside:
                lines[i] = ""
            continue
        masked, saved = mask_code(line)
        kept: list[str] = []
        pos = 0
        while True:
            at = masked.find("%%", pos)
            if not inside:
                if at < 0:
                    kept.append(masked[pos:])
                    break
                kept.append(masked[pos:at])
                inside = True
            else:
                if at < 0:
                    break
                inside = False
            pos = at + 2
        out = unmask("".join(kept), saved)
        lines[i] = out if out.strip() else ""


# --- highlights and block ids -------------------------------------------------------------


def _highlights(line: str) -> str:
    masked, saved = mask_protected(line)

    def one(m: re.Match[str]) -> str:
        inner = m.group("text")
        if inner.count("[") != inner.count("]") or _WIKILINK.search(f"[{inner}]"):
            return m.group(0)  # would not read back as one span
        return f"[{inner}]{{.{MARK_CLASS}}}"

    return unmask(_HIGHLIGHT.sub(one, masked), saved)


def _block_id(line: str) -> str:
    masked, saved = mask_protected(line)
    m = _BLOCK_ID.search(masked)
    if not m:
        return line
    return unmask(masked[: m.start()] + f"[]{{#{BLOCK_PREFIX}{m.group('id')}}}", saved)


# --- wikilinks and embeds ------------------------------------------------------------------


def heading_slug(heading: str) -> str:
    """The id the reader gives a heading with this text (GitHub's rule); the exact id
    is matched after parsing, by `transclude.py`."""
    return "-".join(_SLUG_DROP.sub("", heading.strip().lower()).split(" ")) or "section"


def _escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _attr_value(value: str) -> str:
    return quote(value, safe=" /")


def _split(body: str) -> tuple[str, str, str | None]:
    """(note, anchor, alias or None) of a wikilink's body; `\\|` (in tables) is a `|`."""
    body = body.replace("\\|", "|")
    target, bar, alias = body.partition("|")
    note, _, anchor = target.partition("#")
    return note.strip().rstrip("\\").strip(), anchor.strip(), alias.strip() if bar else None


class _Links:
    def __init__(self, ctx: NoteContext, diagnostics: list[Diagnostic]):
        self.ctx = ctx
        self.diagnostics = diagnostics
        self.vault = vault_of(ctx)
        self.memo: dict[tuple[str, str], Path | None] = {}

    def rewrite_line(self, line: str, number: int) -> str:
        masked, saved = mask_code(line)

        def one(m: re.Match[str]) -> str:
            col = (line.find(m.group(0)) + 1 if saved else m.start() + 1) or 1
            return self.embed(m, number, col) if m.group("bang") else self.link(m, number, col)

        return unmask(_WIKILINK.sub(one, masked), saved)

    # what a name means

    def note(self, name: str) -> Path | None:
        key = ("note", name)
        if key not in self.memo:
            self.memo[key] = self.vault.find_note(name, self.ctx.note_dir)
        return self.memo[key]

    def file(self, name: str) -> Path | None:
        key = ("file", name)
        if key not in self.memo:
            self.memo[key] = self.vault.find_file(name, self.ctx.note_dir)
        return self.memo[key]

    def anchor(self, anchor: str) -> str:
        if anchor.startswith("^"):
            return BLOCK_PREFIX + anchor[1:].strip()
        return heading_slug(anchor.split("#")[-1])  # `Note#Part#Sub`: the last heading

    def _with_anchor(self, dest: str, anchor: str) -> str:
        if not anchor:
            return dest
        slug = self.anchor(anchor)
        return dest[:-1] + f"#{slug}>" if dest.startswith("<") else f"{dest}#{slug}"

    def _broken(self, name: str, shown: str, number: int, col: int, what: str = "link") -> None:
        close = self.vault.closest_names(name)
        hint = (
            "did you mean " + " or ".join(f"`[[{c}]]`" for c in close) + "?"
            if close
            else "no note in the vault has that name or alias"
        )
        self.diagnostics.append(
            warning(self.ctx.path, number, "broken-link", f"{what} `{shown}` goes nowhere", hint, col)
        )

    # links

    def link(self, m: re.Match[str], number: int, col: int) -> str:
        name, anchor, alias = _split(m.group("body"))
        text = alias if alias else self._label(name, anchor)
        if not name:
            if not anchor:
                return m.group(0)
            return f"[{_escape(text)}](#{self.anchor(anchor)}){{.{WIKILINK_CLASS}}}"
        suffix = PurePosixPath(name).suffix.lower()
        found = None if suffix in IMAGE_SUFFIXES else self.note(name)
        if found is None and suffix and suffix not in NOTE_SUFFIXES:
            found = self.file(name)
        if found is not None:
            return (
                f"[{_escape(text)}]({self._with_anchor(relative_link(found, self.ctx), anchor)}){{.{WIKILINK_CLASS}}}"
            )
        self._broken(name, m.group(0)[:120], number, col)
        return f"[{_escape(text)}]({_missing_dest(name)}){{.{WIKILINK_CLASS} .broken-link}}"

    @staticmethod
    def _label(name: str, anchor: str) -> str:
        """What Obsidian shows for a link without an alias: `Note > Heading`."""
        shown = PurePosixPath(name).name if name else ""
        for suffix in NOTE_SUFFIXES:
            if shown.lower().endswith(suffix):
                shown = shown[: -len(suffix)]
        parts = [p.strip() for p in anchor.split("#") if p.strip() and not p.strip().startswith("^")]
        label = " > ".join(([shown] if shown else []) + parts)
        return label or shown or anchor.lstrip("^") or name

    # embeds

    def embed(self, m: re.Match[str], number: int, col: int) -> str:
        name, anchor, rest = _split(m.group("body"))
        if not name and not anchor:
            return m.group(0)
        suffix = PurePosixPath(name).suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            return self.picture(name, rest)
        found = self.note(name) if name else self.ctx.path
        if found is not None:
            return self.marker(found, anchor, number, col)
        if name and suffix and suffix not in NOTE_SUFFIXES:
            found = self.file(name)
            if found is not None:
                self.diagnostics.append(
                    info(
                        self.ctx.path,
                        number,
                        "embed-file",
                        f"`{m.group(0)[:120]}` is not embedded: only pictures and notes can be; its name is shown as a link",
                        "export it as a picture to show it",
                        col,
                    )
                )
                label = rest or PurePosixPath(name).name
                return f"[{_escape(label)}]({relative_link(found, self.ctx)}){{.{WIKILINK_CLASS}}}"
        self._broken(name, m.group(0)[:120], number, col, "embed")
        label = rest or self._label(name, anchor)
        return f"[{_escape(label)}]({_missing_dest(name)}){{.{WIKILINK_CLASS} .broken-link}}"

    def picture(self, name: str, rest: str | None) -> str:
        """`![[x.png|300]]`, `|300x200`. Other pieces (`|alt text`, a CSS snippet's
        `|inL`) are not shown by Obsidian, so they make no caption here either."""
        width = height = None
        for piece in (rest or "").split("|"):
            size = _SIZE.match(piece)
            if size:
                width, height = size.group("w"), size.group("h")
        found = self.file(name)
        dest = relative_link(found, self.ctx) if found is not None else _missing_dest(name)
        attrs = " ".join(a for a in (f"width={width}" if width else "", f"height={height}" if height else "") if a)
        return f"![]({dest})" + (f"{{{attrs}}}" if attrs else "")

    def marker(self, note: Path, anchor: str, number: int, col: int) -> str:
        try:
            rel = note.relative_to(self.ctx.notes_dir).as_posix()
        except ValueError:
            rel = note.name
        section = f' section="{_attr_value(anchor)}"' if anchor else ""
        return f'[]{{.{TRANSCLUDE_CLASS} note="{_attr_value(rel)}"{section} line="{number}" col="{col}"}}'


def _missing_dest(name: str) -> str:
    shown = name.replace("<", "").replace(">", "")
    if not PurePosixPath(shown).suffix:
        shown += ".md"
    return "<" + quote(shown, safe="/ ()!$&'*+,;=:@[]~") + ">"
