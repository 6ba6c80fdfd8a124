"""What a fixer may know about the world: the note's place and a snapshot of the files.

Fixers are pure functions of (text, context). The snapshot of files is taken once per
build by `notes.py`, so a fixer never touches the disk and can be tested with made-up
paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

# The notebook flavours whose syntax the fixers know, declared with `flavour:`.
from notebook_publish.config import FLAVOURS

if TYPE_CHECKING:
    from notebook_publish.normalize.vault import VaultIndex


@dataclass(frozen=True)
class NoteContext:
    path: Path  # absolute path of the note being normalised
    notes_dir: Path
    media_dirs: tuple[Path, ...] = ()
    files: frozenset[Path] = field(default_factory=frozenset)  # every file under notes_dir and media_dirs
    # The flavours whose syntax is rewritten (all of them unless `flavour:` pins some):
    # detection is by syntax, so a vault may mix them; pinning turns one off where it
    # would misfire.
    flavours: frozenset[str] = frozenset(FLAVOURS)
    # Every note's name, front matter and aliases (`vault.VaultIndex`), built once per
    # build; None: made from `files` when a fixer asks (no aliases then).
    vault: VaultIndex | None = None

    @property
    def note_dir(self) -> Path:
        return self.path.parent

    def uses(self, flavour: str) -> bool:
        return flavour in self.flavours


def context_for_text(path: Path | str = "note.md") -> NoteContext:
    """A context for text with no folder around it (tests, `normalize` on a lone file)."""
    path = Path(path).resolve()
    return NoteContext(path=path, notes_dir=path.parent)
