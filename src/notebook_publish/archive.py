"""A Notion export's .zip read as the notes folder, as it comes: the user never unzips it.

`notes: export.zip` (or `--notes export.zip`) names the file Notion's "Export ->
Markdown & CSV" wrote. WeasyPrint and the slide writer need real files for pictures,
and every other stage reads a folder, so the archive is extracted once into the build
cache, `build/.cache/archives/<hash>/tree/`, the hash being that of the zip's bytes and
of these rules, and that folder is read as the notes folder. It is written the way the
cache writes everything: into a temporary folder, then renamed into place, so a build
stopped halfway leaves no half-extracted tree that a later build would trust; a changed
zip gets a new folder, and the one it replaces is removed.

An archive comes from outside, so nothing in it may write outside that folder:

- an entry whose name leads out of it (`../evil.md`, `/etc/x`, `C:\\x`), a symbolic
  link, a device or FIFO, an encrypted or damaged entry, a name holding a NUL or a part
  longer than a file system allows, and a second entry of the same name, are skipped,
  each with an `archive-entry` warning naming it (`__MACOSX/` and dot-files are
  skipped quietly, as the notes scan skips them in a folder);
- names are decoded as the zip says (UTF-8 when its flag is set; otherwise UTF-8 when
  the bytes are UTF-8, as macOS and Notion write them, else code page 437) and set in
  Unicode's composed form (NFC), so a name zipped on macOS matches the links to it;
- files are created new (never through a link, never replacing one), readable, never
  executable, whatever the archive says;
- a zip bomb is refused before anything is written: more than `MAX_FILES` files or
  more than `MAX_BYTES` once extracted (as the archive declares them; what is really
  written is counted too, so a lying header is caught) stops the build with a
  `notes-archive` error saying how much and what to do.

Notion wraps large exports in one more zip (`Export-….zip` holding only
`Export-…-Part-1.zip`, `-Part-2.zip` …): an archive whose files are all zips is read
as the union of those zips, one level deep, under the same limits. A zip among the
notes' files (an attachment) is left as it is.

Diagnostics name the note inside the archive, `export.zip/Page 1b50….md:3:1`, never
the cache: `NotesArchive.shown` maps the extracted paths back.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import time
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from notebook_publish.cache import content_key, ensure_cache_root
from notebook_publish.diagnostics import Diagnostic, UsageError, error, warning

FORMAT = "notes-archive-1"  # change it when these rules change: the folders are keyed by it
MAX_FILES = 50_000  # a workspace export of thousands of pages and their pictures fits
MAX_BYTES = 2 * 1024**3  # extracted; the notes and their pictures, not videos
MAX_NAME_PART_BYTES = 255  # what Linux, macOS and Windows file systems allow
MAX_REPORTED = 50  # skipped entries named one by one
_CHUNK = 1 << 20
_REPORT = "report.json"
_TREE = "tree"
_STALE_TEMPORARY_SECONDS = 24 * 3600  # a temporary folder left by a killed build
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Errors that are about one entry's name (skip it), as opposed to the disk (stop).
_CLASH_ERRORS = frozenset({errno.EEXIST, errno.ENOTDIR, errno.EISDIR})
_NAME_ERRORS = _CLASH_ERRORS | {errno.ENAMETOOLONG, errno.EINVAL, errno.EILSEQ}
_HINT_LIMIT = "unzip it yourself and pass the folder with --notes DIR, or export fewer pages"


class _Refused(Exception):
    """The whole archive cannot be used: (message, hint)."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass(frozen=True)
class Skipped:
    name: str  # the entry's name, printable
    reason: str


@dataclass(frozen=True)
class NotesArchive:
    """An extracted archive: where it came from, where its notes are, what was left out."""

    source: Path  # the .zip, absolute
    root: Path  # the extracted tree
    notes_dir: Path  # `root`, or the one folder it holds (an export zipped with its folder)
    skipped: tuple[Skipped, ...] = ()

    def shown_path(self, path: Path | None) -> Path | None:
        """`root/Page.md` -> `export.zip/Page.md`; any other path unchanged."""
        if path is None:
            return None
        for base in (self.root, Path(os.path.realpath(self.root))):
            try:
                rel = Path(path).relative_to(base)
            except ValueError:
                continue
            return self.source if rel == Path(".") else self.source / rel
        return Path(path)

    def shown(self, diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
        from dataclasses import replace

        return [d if d.path is None else replace(d, path=self.shown_path(d.path)) for d in diagnostics]

    def inside(self, path: Path | None) -> Path | None:
        """A path named through the archive (`--index export.zip/Page.md`) -> the extracted file."""
        if path is None:
            return None
        try:
            rel = Path(os.path.abspath(path)).relative_to(self.source)
        except ValueError:
            return path
        return self.root / rel

    def diagnostics(self) -> list[Diagnostic]:
        return [
            warning(
                self.source,
                0,
                "archive-entry",
                f"`{s.name}` skipped: {s.reason}",
                "nothing in an archive is written outside the build cache; the rest of the archive is read",
            )
            for s in self.skipped
        ]


def is_archive(path: Path) -> bool:
    """Whether the notes setting names a file (a zip) rather than a folder."""
    return Path(path).is_file()


def open_archive(source: Path, cache_dir: Path) -> NotesArchive:
    """The archive at `source` extracted under `cache_dir/archives` (once per content)."""
    source = Path(os.path.abspath(source))
    base = Path(cache_dir) / "archives"
    try:
        handle = open(source, "rb")
    except OSError as exc:
        raise _usage(
            source, f"cannot read the notes archive {source.name}: {exc.strerror}", "check the file's permissions"
        ) from None
    with handle:
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
        key = content_key(FORMAT, str(MAX_FILES), str(MAX_BYTES), digest.hexdigest())[:32]
        dest = base / key
        found = _read_report(dest, source)
        if found is not None:
            return found
        try:
            ensure_cache_root(Path(cache_dir))
            base.mkdir(parents=True, exist_ok=True)
            temporary = Path(tempfile.mkdtemp(dir=base, prefix=".tmp-"))
        except OSError as exc:
            raise _usage(
                source,
                f"cannot unpack {source.name} into the build cache {base}: {exc.strerror}",
                "pass --output DIR, a folder you can write",
            ) from None
        try:
            handle.seek(0)
            skipped, top = _extract(handle, temporary / _TREE, source.name)
            report = {
                "format": FORMAT,
                "source": str(source),
                "top": top,
                "skipped": [[s.name, s.reason] for s in skipped],
            }
            (temporary / _REPORT).write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
            try:
                os.rename(temporary, dest)
            except OSError:
                if _read_report(dest, source) is None:  # not another build's identical tree
                    raise
                shutil.rmtree(temporary, ignore_errors=True)
        except _Refused as exc:
            shutil.rmtree(temporary, ignore_errors=True)
            raise _usage(source, exc.message, exc.hint) from None
        except OSError as exc:
            shutil.rmtree(temporary, ignore_errors=True)
            raise _usage(
                source,
                f"cannot unpack {source.name} into the build cache: {exc.strerror or exc}",
                "free some disk space, or pass --output DIR elsewhere",
            ) from None
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
    _prune(base, dest, source)
    found = _read_report(dest, source)
    if found is None:  # removed under us: only another build pruning could do that
        raise _usage(source, f"the unpacked {source.name} vanished from the build cache", "run the build again")
    return found


def _usage(source: Path, message: str, hint: str) -> UsageError:
    return UsageError(error(source, 0, "notes-archive", message, hint))


def _read_report(dest: Path, source: Path) -> NotesArchive | None:
    try:
        report = json.loads((dest / _REPORT).read_text(encoding="utf-8"))
        if report.get("format") != FORMAT or not (dest / _TREE).is_dir():
            return None
        top = report.get("top") or ""
        skipped = tuple(Skipped(str(name), str(reason)) for name, reason in report.get("skipped", []))
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    root = dest / _TREE
    notes_dir = root / top if top and (root / top).is_dir() else root
    if top and notes_dir == root:
        return None
    return NotesArchive(source=source, root=root, notes_dir=notes_dir, skipped=skipped)


def _prune(base: Path, keep: Path, source: Path) -> None:
    """Remove the trees of earlier versions of this archive, and temporary folders
    that a killed build left long ago. Only folders this module made are touched."""
    now = time.time()
    try:
        entries = list(os.scandir(base))
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        if path == keep or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            if entry.name.startswith(".tmp-"):
                if now - entry.stat(follow_symlinks=False).st_mtime > _STALE_TEMPORARY_SECONDS:
                    shutil.rmtree(path, ignore_errors=True)
                continue
            report = json.loads((path / _REPORT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(report, dict) and report.get("source") == str(source):
            shutil.rmtree(path, ignore_errors=True)


# --- extraction -----------------------------------------------------------------------


@dataclass
class _Budget:
    files: int = 0
    bytes: int = 0

    def plan(self, count: int, size: int, label: str) -> None:
        """Refuse before writing when the declared sizes already go over."""
        if self.files + count > MAX_FILES:
            raise _Refused(
                f"{label} holds {self.files + count:,} files, more than the {MAX_FILES:,} a notes archive may hold",
                _HINT_LIMIT,
            )
        if self.bytes + size > MAX_BYTES:
            raise _Refused(
                f"{label} would unpack to {_size(self.bytes + size)}, more than the {_size(MAX_BYTES)} a notes archive may take (a zip bomb?)",
                _HINT_LIMIT,
            )

    def spend(self, size: int, label: str) -> None:
        self.bytes += size
        if self.bytes > MAX_BYTES:
            raise _Refused(
                f"{label} unpacks to more than {_size(MAX_BYTES)}, more than its entries declare (a zip bomb?)",
                _HINT_LIMIT,
            )


def _size(n: int) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.1f} MB"


def _extract(handle: IO[bytes], tree: Path, label: str) -> tuple[list[Skipped], str]:
    """Every safe entry of the zip in `handle` written under `tree`; (skipped, top folder)."""
    tree.mkdir()
    skipped: list[Skipped] = []
    budget = _Budget()
    taken: set[tuple[str, ...]] = set()
    with _open_zip(handle, label) as archive:
        members = _plan(archive, skipped, taken)
        wrapped = [m for m in members if not m[0].is_dir()]
        if wrapped and all(parts[-1].lower().endswith(".zip") for _info, parts in wrapped):
            # Notion's wrapper: only the parts' zips. Read each as if its entries were here.
            taken.clear()
            budget.plan(0, sum(info.file_size for info, _parts in wrapped), label)
            for info, parts in wrapped:
                inner_label = f"{label}/{'/'.join(parts)}"
                with tempfile.TemporaryFile(dir=tree.parent) as inner:
                    if not _copy(archive, info, inner, budget, skipped, "/".join(parts)):
                        continue
                    budget.bytes -= info.file_size  # the part itself is not kept
                    inner.seek(0)
                    with _open_zip(inner, inner_label) as nested:
                        _write_all(nested, _plan(nested, skipped, taken), tree, budget, skipped, inner_label)
        else:
            _write_all(archive, members, tree, budget, skipped, label)
    if len(skipped) > MAX_REPORTED:  # a hostile archive of a million bad names: not a million lines
        more = len(skipped) - MAX_REPORTED
        skipped[MAX_REPORTED:] = [Skipped(f"{more:,} more entries", "for the same reasons as those above")]
    visible = [e for e in os.listdir(tree) if not e.startswith(".")]
    top = visible[0] if len(visible) == 1 and (tree / visible[0]).is_dir() else ""
    return skipped, top


def _open_zip(handle: IO[bytes], label: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError, NotImplementedError) as exc:
        raise _Refused(
            f"{label} is not a zip archive that can be read ({exc})",
            "export again from Notion (Markdown & CSV), or pass the unzipped folder with --notes DIR",
        ) from None


def _plan(
    archive: zipfile.ZipFile, skipped: list[Skipped], taken: set[tuple[str, ...]]
) -> list[tuple[zipfile.ZipInfo, tuple[str, ...]]]:
    """The entries to write, each with its safe name as folder parts; the others are
    added to `skipped` with the reason."""
    members = []
    for info in archive.infolist():
        name = _decoded_name(info)
        shown = _printable(name)
        parts, reason = _safe_parts(name)
        if reason is None and parts is not None:
            reason = _type_problem(info)
        if reason is not None:
            skipped.append(Skipped(shown, reason))
            continue
        if parts is None:  # quietly left out: folders' own entries for `/`, `__MACOSX/`, dot-files
            continue
        if parts in taken:
            if not info.is_dir():
                skipped.append(Skipped(shown, "a second entry of that name; the first one is kept"))
            continue
        taken.add(parts)
        members.append((info, parts))
    return members


def _decoded_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as its writer meant it, in composed Unicode.

    zipfile decodes a name without the UTF-8 flag as code page 437 (the zip format's
    default), but most such names are UTF-8 (macOS's Archive Utility, many Windows
    tools): those bytes are decoded as UTF-8 when they are valid UTF-8."""
    name = info.orig_filename  # before zipfile cuts it at a NUL
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", name)


def _printable(name: str, limit: int = 160) -> str:
    name = _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", name)
    return name if len(name) <= limit else name[: limit // 2] + "…" + name[-limit // 2 :]


def _safe_parts(name: str) -> tuple[tuple[str, ...] | None, str | None]:
    """(folder parts, None) for a safe name; (None, reason) for a refused one; (None,
    None) for one left out quietly."""
    if "\x00" in name:
        return None, "its name holds a NUL byte"
    name = name.replace("\\", "/")  # Windows tools write either separator
    if name.startswith("/") or _DRIVE.match(name):
        return None, "its name is an absolute path, outside the archive"
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        return None, "its name leads outside the archive (`..`)"
    if not parts or parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts):
        return None, None
    if any(len(p.encode("utf-8", "surrogateescape")) > MAX_NAME_PART_BYTES for p in parts):
        return None, f"a part of its name is longer than {MAX_NAME_PART_BYTES} bytes"
    return parts, None


def _type_problem(info: zipfile.ZipInfo) -> str | None:
    mode = info.external_attr >> 16  # Unix mode, when the zip was made on Unix
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        return "it is a symbolic link"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "it is a device, FIFO or socket, not a file"
    if info.flag_bits & 0x1:
        return "it is encrypted"
    return None


def _write_all(
    archive: zipfile.ZipFile,
    members: list[tuple[zipfile.ZipInfo, tuple[str, ...]]],
    tree: Path,
    budget: _Budget,
    skipped: list[Skipped],
    label: str,
) -> None:
    files = [(info, parts) for info, parts in members if not info.is_dir()]
    budget.plan(len(files), sum(info.file_size for info, _parts in files), label)
    budget.files += len(files)
    real_tree = Path(os.path.realpath(tree))
    for info, parts in members:
        target = tree.joinpath(*parts)
        shown = _printable("/".join(parts))
        # Every part was checked and the tree holds no links, so this cannot fail; it
        # is the last line of defence if either ever changes.
        if not Path(os.path.realpath(target.parent)).is_relative_to(real_tree):
            skipped.append(Skipped(shown, "its folder is outside the archive"))
            continue
        try:
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        except OSError as exc:
            if exc.errno not in _NAME_ERRORS:
                raise  # the disk, not the entry: the whole archive cannot be unpacked
            reason = (
                "another entry of the archive has that name, or a folder's"
                if exc.errno in _CLASH_ERRORS
                else f"this file system refuses its name ({exc.strerror})"
            )
            skipped.append(Skipped(shown, reason))
            continue
        with os.fdopen(fd, "wb") as out:
            written = _copy(archive, info, out, budget, skipped, shown)
        if not written:
            target.unlink(missing_ok=True)


def _copy(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, out: IO[bytes], budget: _Budget, skipped: list[Skipped], shown: str
) -> bool:
    """The entry's bytes into `out`; False (and a skip) when the entry is damaged.
    A write error (a full disk) is raised: it is not the entry's fault."""
    written = 0
    try:
        with archive.open(info) as source:
            while True:
                try:
                    block = source.read(_CHUNK)
                except (zipfile.BadZipFile, EOFError, OSError, ValueError, RuntimeError, NotImplementedError) as exc:
                    raise _Damaged(str(exc)) from None
                if not block:
                    break
                written += len(block)
                if written > info.file_size:
                    raise _Damaged("it holds more than its header says")
                budget.spend(len(block), shown)
                out.write(block)
    except _Damaged as exc:
        skipped.append(Skipped(shown, f"it is damaged ({exc})"))
        return False
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, ValueError, EOFError) as exc:  # opening the entry
        skipped.append(Skipped(shown, f"it cannot be read ({exc})"))
        return False
    return True


class _Damaged(Exception):
    pass
