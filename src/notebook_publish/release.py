"""Gather the built files for a release: the handbook, a zip of the decks, checksums.

`build/release/` gets `handbook-<version>.pdf`, `slides-<version>.zip` and
`SHA256SUMS` (of those two), recorded in its manifest (`outputs.py`). The zip is reproducible: entries in name order, each dated from
SOURCE_DATE_EPOCH (or 1980-01-01, zip's epoch), with fixed permissions.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

from notebook_publish.build import build_time, display_version, source_date_epoch, write_atomically
from notebook_publish.diagnostics import Diagnostic, UsageError, error
from notebook_publish.outputs import OutputFolder

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_RELEASE_FILE = re.compile(r"^(handbook-.+\.pdf|slides-.+\.zip)$")


def release_version(raw: str) -> str:
    """A version fit for a file name: `v1.2.0` -> `1.2.0` (as `build.display_version`
    shows it on the cover); anything odd becomes `-`."""
    version = display_version(raw) or "0.0.0"
    return re.sub(r"[^A-Za-z0-9._+-]", "-", version)


def zip_decks(decks: list[Path]) -> bytes:
    stamp = max(ZIP_EPOCH, build_time().timetuple()[:6]) if source_date_epoch() is not None else ZIP_EPOCH
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for deck in sorted(decks, key=lambda p: p.name):
            info = zipfile.ZipInfo(deck.name, date_time=stamp)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, deck.read_bytes())
    return buffer.getvalue()


def make_release(pdf: Path, decks: list[Path], out_dir: Path, version: str) -> tuple[list[Path], list[Diagnostic]]:
    """Write the release files; returns their paths (checksums last) and, when a file
    of the user's is in the way, why nothing was written.

    Only the three files of this version are written (SHA256SUMS lists every release
    in the folder). Earlier releases stay, and so does anything else in the folder; a file of the same name that the tool did not
    write (its manifest says which it did) stops the release before anything is
    written."""
    if not pdf.is_file():
        raise UsageError(error(pdf, 0, "release", f"{pdf} has not been built", "run `make pdf` first"))
    if not decks:
        raise UsageError(error(pdf.parent / "slides", 0, "release", "no decks have been built", "run `make slides` first"))
    version = release_version(version)
    out_dir.mkdir(parents=True, exist_ok=True)
    folder = OutputFolder(out_dir)
    files = {
        f"handbook-{version}.pdf": pdf.read_bytes(),
        f"slides-{version}.zip": zip_decks(decks),
    }
    # The checksums of every release the folder holds, so that an earlier release's
    # files are not left without theirs.
    sums = {name: r.sha256 for name, r in folder.records.items() if _RELEASE_FILE.match(name) and folder.owns(name)}
    sums.update({name: hashlib.sha256(data).hexdigest() for name, data in files.items()})
    files["SHA256SUMS"] = "".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items())).encode()
    in_the_way = [folder.foreign(name, "the release") for name in files if not folder.may_write(name)]
    if in_the_way:
        return [], in_the_way
    try:
        for name, data in files.items():
            write_atomically(out_dir / name, data)
            folder.record(name, hashlib.sha256(data).hexdigest())
    finally:
        folder.save()
    return [out_dir / name for name in files], []
