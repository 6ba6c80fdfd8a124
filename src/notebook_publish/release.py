"""Gather the built files for a release: the handbook, a zip of the decks, checksums.

`build/release/` gets `handbook-<version>.pdf`, `slides-<version>.zip` and
`SHA256SUMS`. The zip is reproducible: entries in name order, each dated from
SOURCE_DATE_EPOCH (or 1980-01-01, zip's epoch), with fixed permissions.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

from notebook_publish.build import build_time, write_atomically
from notebook_publish.diagnostics import UsageError, error

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def release_version(raw: str) -> str:
    """A version fit for a file name: `v1.2.0` -> `1.2.0`; anything odd becomes `-`."""
    version = raw.strip().removeprefix("v") or "0.0.0"
    return re.sub(r"[^A-Za-z0-9._+-]", "-", version)


def zip_decks(decks: list[Path]) -> bytes:
    stamp = max(ZIP_EPOCH, build_time().timetuple()[:6]) if _has_epoch() else ZIP_EPOCH
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for deck in sorted(decks, key=lambda p: p.name):
            info = zipfile.ZipInfo(deck.name, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, deck.read_bytes())
    return buffer.getvalue()


def _has_epoch() -> bool:
    import os

    return os.environ.get("SOURCE_DATE_EPOCH", "").strip().isdigit()


def make_release(pdf: Path, slides_dir: Path, out_dir: Path, version: str) -> list[Path]:
    """Write the release files and return their paths (checksums last)."""
    if not pdf.is_file():
        raise UsageError(error(pdf, 0, "release", f"{pdf} has not been built", "run `make pdf` first"))
    decks = sorted(slides_dir.glob("*.pptx")) if slides_dir.is_dir() else []
    if not decks:
        raise UsageError(error(slides_dir, 0, "release", f"no decks in {slides_dir}", "run `make slides` first"))
    version = release_version(version)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.iterdir():
        if old.is_file():
            old.unlink()
    files = {
        out_dir / f"handbook-{version}.pdf": pdf.read_bytes(),
        out_dir / f"slides-{version}.zip": zip_decks(decks),
    }
    for path, data in files.items():
        write_atomically(path, data)
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {path.name}\n" for path, data in files.items())
    write_atomically(out_dir / "SHA256SUMS", sums.encode())
    return [*files, out_dir / "SHA256SUMS"]
