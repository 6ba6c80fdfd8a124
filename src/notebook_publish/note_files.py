"""Reading the notes folder from disk: which files are there, and a note's text.

Only files that really lie inside the notes and media folders are listed (a symlink
out is left out), outputs are never inputs, and a note's bytes are decoded as UTF-8,
UTF-16 with a BOM, or Latin-1 with a warning; a file that is not text is refused with
the reason. `notes.py` builds the book from what this reads.
"""

from __future__ import annotations

import os
from pathlib import Path

from notebook_publish.diagnostics import Diagnostic, error, warning
from notebook_publish.filetypes import sniff

MAX_NOTE_BYTES = 10 * 1024 * 1024  # far above any real note; keeps a runaway file from eating time and memory
# A note is refused as binary when at least this many of its first 8 KB are control
# bytes, and at least this share: random or compressed bytes are a tenth controls,
# text has none (those it has are removed with a warning).
BINARY_SAMPLE = 8192
BINARY_MIN_CONTROLS = 32
BINARY_CONTROL_SHARE = 0.05
_TEXT_CONTROLS = frozenset(
    b"\t\n\r\x0c\x1b"
)  # tab, newlines, form feed, escape: in text pasted from PDFs and terminals


def list_files(roots: list[Path], skip: tuple[Path, ...] = ()) -> frozenset[Path]:
    """Every regular file under the roots, resolved, that really lies inside a root.

    Symlinks that lead outside the notes and media folders are left out, so nothing a
    note names can make us read a file elsewhere. Folders in `skip` (the output
    folder, when it lies among the notes) are left out: outputs are never inputs.
    """
    found: set[Path] = set()
    real_roots = [r.resolve() for r in roots if r.is_dir()]
    skipped = {Path(os.path.realpath(s)) for s in skip}
    for root in real_roots:
        for folder, dirs, files in os.walk(root, followlinks=False):
            dirs[:] = sorted(
                d
                for d in dirs
                if not d.startswith(".") and Path(os.path.realpath(os.path.join(folder, d))) not in skipped
            )
            for name in files:
                if name.startswith("."):
                    continue
                path = Path(folder, name)
                try:
                    real = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    continue
                if real.is_file() and any(real.is_relative_to(r) for r in real_roots):
                    found.add(Path(folder, name).absolute() if real == path.absolute() else real)
    return frozenset(found)


def binary_reason(sample: bytes) -> tuple[str, str] | None:
    """(why, hint) when a note's first bytes are not text, None when they are.

    A NUL or another control byte now and then is damage in a text note (the normaliser
    removes it with a warning at its line); a file is refused only when its signature
    says it is something else, or when control bytes are a good part of it, as in any
    compressed or binary file (about one byte in ten) and never in text.
    """
    what = sniff(sample)
    if what is not None:
        where = (
            "put pictures in a media folder and show them with `![](…)`"
            if what.endswith("picture")
            else "export it as Markdown, or move it out of the notes folder"
        )
        return f"it is {'an' if what[:1] in 'AEIOU' else 'a'} {what}, not a Markdown note", where
    controls = sum(1 for b in sample if b < 0x20 and b not in _TEXT_CONTROLS)
    if controls >= BINARY_MIN_CONTROLS and controls >= len(sample) * BINARY_CONTROL_SHARE:
        return (
            f"it looks like a binary file: {controls:,} of its first {len(sample):,} bytes are control bytes such as NUL",
            "only Markdown text can be published; if it is text, save it again as UTF-8",
        )
    return None


def read_note_text(path: Path) -> tuple[str | None, list[Diagnostic]]:
    """Decode a note: UTF-8 (with or without BOM), UTF-16 with a BOM, else Latin-1 with a warning."""
    try:
        size = path.stat().st_size
        if size > MAX_NOTE_BYTES:
            return None, [
                error(
                    path,
                    1,
                    "note-too-large",
                    f"note is {size // (1024 * 1024)} MB",
                    f"notes over {MAX_NOTE_BYTES // (1024 * 1024)} MB are skipped; split it",
                )
            ]
        data = path.read_bytes()
    except OSError as exc:
        return None, [error(path, 1, "unreadable", f"cannot read note: {exc.strerror}", "check the file's permissions")]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            pass
    refused = binary_reason(data[:BINARY_SAMPLE])
    if refused is not None:
        reason, hint = refused
        return None, [error(path, 1, "binary-note", f"note skipped: {reason}", hint)]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return data.decode("latin-1"), [
            warning(path, line, "not-utf8", "note is not UTF-8; read it as Latin-1", "save the note as UTF-8")
        ]


def read_snippet(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(MAX_NOTE_BYTES + 1)
