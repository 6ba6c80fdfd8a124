"""What a vault knows about its notes: their names, their front matter, their aliases.

Obsidian links a note by its name (`[[Note]]`), wherever it is in the vault, and also by
any of the `aliases:` its front matter lists. A fixer sees one note, so the names and
aliases of the others come from this index, built once per build by `notes.py` from
every note's front matter and the file list, and handed to the fixers in `NoteContext`.

Read-only: the fixers ask it, never change it. The normaliser's cache key covers
`key()` (the aliases; the names are in the file list, which the key holds already).
`front_matter` is there for the loader, not for the fixers: a fixer that read it
would need its own part of the key.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from notebook_publish.cache import content_key

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

NOTE_SUFFIXES = (".md", ".markdown")
MAX_FRONT_MATTER_CHARS = 64 * 1024  # front matter is a few lines; more is a note gone wrong
_EMPTY: Mapping[Any, Any] = MappingProxyType({})  # the default of every mapping below


def front_matter_lines(text: str) -> int:
    """How many lines a YAML front matter block at the top of `text` takes (its fences
    included), 0 when there is none. As pandoc reads it: `---` on the first line, not
    followed by a blank line, closed by `---` or `...`."""
    if not text.startswith("---"):
        return 0
    first, _, rest = text.partition("\n")
    if first.rstrip() != "---" or not rest.split("\n", 1)[0].strip():
        return 0
    for number, line in enumerate(rest.split("\n"), start=2):
        if line.rstrip() in ("---", "..."):
            return number
        if number > 2000:
            break
    return 0


def read_front_matter(text: str) -> dict[str, Any] | None:
    """The note's YAML front matter as a dict, None when it has none or it is not a
    mapping (pandoc says what is wrong with YAML it cannot read). Read with the config's
    limited loader: a note cannot blow up memory with aliases."""
    count = front_matter_lines(text)
    if not count:
        return None
    block = "\n".join(text.split("\n", count)[1 : count - 1])
    if len(block) > MAX_FRONT_MATTER_CHARS:
        return None
    import yaml

    from notebook_publish.limited_yaml import ConfigTooComplex, load_yaml

    try:
        _node, data = load_yaml(block)
    except (yaml.YAMLError, ConfigTooComplex, RecursionError, ValueError, TypeError):
        return None
    return data if isinstance(data, dict) else None


def aliases_of(front_matter: Mapping[str, Any] | None) -> tuple[str, ...]:
    """`aliases:` (or the older `alias:`), a list or one string, as clean names."""
    if not front_matter:
        return ()
    found: list[str] = []
    for key in ("aliases", "alias"):
        value = front_matter.get(key)
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, (str, int, float)) and not isinstance(v, bool):
                name = " ".join(str(v).split())
                if name and name not in found:
                    found.append(name)
    return tuple(found)


def permalink_key(value: object) -> str | None:
    """A site address as a lookup key: no leading or trailing slash, no `.html`, no
    `index.html`, casefolded; None for what is not an address."""
    if not isinstance(value, str) or not value.strip() or "://" in value or ":" in value.split("/", 1)[0]:
        return None
    path = value.strip().split("#", 1)[0].split("?", 1)[0].strip("/")
    for ending in ("/index.html", "index.html", ".html", ".htm"):
        if path.endswith(ending):
            path = path[: -len(ending)]
    return path.strip("/").casefold()


def stem_of(path: Path | PurePosixPath) -> str:
    """A note's name as a link says it: the file name without `.md`."""
    name = path.name
    lower = name.lower()
    for suffix in NOTE_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True, eq=False)
class VaultIndex:
    notes_dir: Path
    notes_by_name: Mapping[str, tuple[Path, ...]]  # casefolded note name -> notes, shortest path first
    files_by_name: Mapping[str, tuple[Path, ...]]  # casefolded file name -> files, shortest path first
    aliases: Mapping[str, tuple[Path, ...]] = field(
        default_factory=lambda: _EMPTY
    )  # casefolded alias -> notes, shortest path first
    front_matter: Mapping[Path, Mapping[str, Any]] = field(
        default_factory=lambda: _EMPTY
    )  # note -> its parsed front matter
    # `permalink:` of a Jekyll or Hugo page (`/lectures/intro/`), without its slashes and
    # casefolded -> the note: sites link a page by the address it is served at.
    permalinks: Mapping[str, Path] = field(default_factory=lambda: _EMPTY)
    _key: str = field(default="", repr=False)

    @classmethod
    def build(
        cls, notes_dir: Path, files: Iterable[Path], front_matter: Mapping[Path, Mapping[str, Any]] | None = None
    ) -> VaultIndex:
        notes: dict[str, list[Path]] = {}
        by_file: dict[str, list[Path]] = {}
        for f in files:
            by_file.setdefault(f.name.casefold(), []).append(f)
            if f.suffix.lower() in NOTE_SUFFIXES and f.is_relative_to(notes_dir):
                notes.setdefault(stem_of(f).casefold(), []).append(f)
        aliases: dict[str, list[Path]] = {}
        permalinks: dict[str, Path] = {}
        rows = []
        for path, data in sorted((front_matter or {}).items()):
            for alias in aliases_of(data):
                aliases.setdefault(alias.casefold(), []).append(path)
                rows.append(f"{path}\0{alias}")
            link = permalink_key(data.get("permalink")) if data else None
            if link is not None:
                permalinks.setdefault(link, path)
                rows.append(f"{path}\0permalink\0{link}")
        return cls(
            notes_dir=notes_dir,
            notes_by_name=_frozen(notes),
            files_by_name=_frozen(by_file),
            aliases=_frozen(aliases),
            permalinks=MappingProxyType(permalinks),
            front_matter=MappingProxyType({p: MappingProxyType(dict(d)) for p, d in (front_matter or {}).items() if d}),
            _key=content_key("vault-1", *rows),
        )

    def key(self) -> str:
        """What the fixers read beyond the file list: every alias and permalink, and its note."""
        return self._key

    def find_permalink(self, target: str) -> Path | None:
        """The note served at `target` (`/lectures/intro/`, `lectures/intro.html`), by
        the `permalink:` of its front matter."""
        key = permalink_key(target)
        return self.permalinks.get(key) if key is not None else None

    def find_note(self, target: str, note_dir: Path) -> Path | None:
        """The note `target` names, as Obsidian finds it: the path from the note's folder
        or from the vault's root, else by name anywhere (case-insensitively; a folder
        prefix must match the end of the path; the shortest path wins), else by alias.
        The path from the vault's root comes first, then (for a target with a folder)
        the path from the note's folder, then the shortest path ending in it."""
        target = target.strip().strip("/")
        if not target:
            return None
        wanted = PurePosixPath(target)
        name = stem_of(wanted).casefold()
        candidates = self.notes_by_name.get(name, ())
        if candidates:
            tail = [p.casefold() for p in wanted.parent.parts if p not in ("", ".")]
            exact = []
            for base in (self.notes_dir, note_dir) if tail else (self.notes_dir,):
                for c in candidates:
                    try:
                        rel = c.relative_to(base)
                    except ValueError:
                        continue
                    if [p.casefold() for p in rel.parent.parts] == tail:
                        exact.append(c)
                if exact:
                    return exact[0]
            if ".." not in tail:
                for c in candidates:  # shortest first
                    parts = [p.casefold() for p in c.relative_to(self.notes_dir).parent.parts]
                    if not tail or parts[-len(tail) :] == tail:
                        return c
        by_alias = self.aliases.get(" ".join(target.split()).casefold())
        return by_alias[0] if by_alias else None

    def find_file(self, target: str, note_dir: Path) -> Path | None:
        """Any file (a picture, a PDF) by its path or its name, as `find_note` finds notes."""
        target = target.strip().strip("/")
        wanted = PurePosixPath(target)
        candidates = self.files_by_name.get(wanted.name.casefold(), ())
        if not candidates:
            return None
        tail = [p.casefold() for p in wanted.parent.parts if p not in ("", ".")]
        for base in (self.notes_dir, note_dir) if tail else (self.notes_dir,):
            for c in candidates:
                try:
                    if [p.casefold() for p in c.relative_to(base).parent.parts] == tail:
                        return c
                except ValueError:
                    continue
        for c in candidates:
            if not tail or [p.casefold() for p in c.parent.parts][-len(tail) :] == tail:
                return c
        return None

    def closest_names(self, target: str, n: int = 3) -> list[str]:
        """Note names and aliases most like `target`, for "did you mean"."""
        name = stem_of(PurePosixPath(target.strip() or "_")).casefold()
        shown: dict[str, str] = {}
        for key, paths in self.notes_by_name.items():
            shown.setdefault(key, stem_of(paths[0]))
        for key in self.aliases:
            shown.setdefault(key, key)
        close = difflib.get_close_matches(name, list(shown), n=n, cutoff=0.6)
        return [shown[c] for c in close]


def _frozen(groups: dict[str, list[Path]]) -> Mapping[str, tuple[Path, ...]]:
    return MappingProxyType(
        {k: tuple(sorted(set(v), key=lambda p: (len(p.parts), len(str(p)), str(p)))) for k, v in groups.items()}
    )


@lru_cache(maxsize=4)
def _index_of_files(notes_dir: Path, files: frozenset[Path]) -> VaultIndex:
    return VaultIndex.build(notes_dir, files)


def vault_of(ctx: NoteContext) -> VaultIndex:
    """The context's vault index, or one made from its file list (no aliases)."""
    vault = getattr(ctx, "vault", None)
    return vault if vault is not None else _index_of_files(ctx.notes_dir, ctx.files)
