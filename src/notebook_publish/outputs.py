"""Which files the tool may write, replace or remove: only its own.

Every folder the tool writes decks or releases into keeps a manifest,
`.notebook-publish-manifest.json`, naming each file it wrote there with its size,
modification time, inode and SHA-256. A file is the tool's own only while it is in the
manifest and still holds what was written (a deck opened and saved in PowerPoint is
the user's now). Only such files are ever replaced or removed; anything else with the
same name is kept, and the build says so.

A single output file (`pdf --out`, `html --out`) may replace only a regular file of
its own kind (a PDF, a page this tool wrote) or nothing; a folder, a FIFO, a device, a
symbolic link or any other file is refused before any work starts. No output may land
among the notes or media, where it would be read back as input or overwrite a note.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from notebook_publish.diagnostics import Diagnostic, UsageError, error

if TYPE_CHECKING:
    from notebook_publish.config import Config

MANIFEST = ".notebook-publish-manifest.json"
_FORMAT = 1
# What the head of a file this tool may replace looks like, by output kind.
_SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "pdf": lambda head: head.startswith(b"%PDF-"),
    "html": lambda head: b'<meta name="generator" content="notebook-publish' in head,
}
_KIND_NAMES = {"pdf": "a PDF", "html": "a page written by notebook-publish"}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Record:
    """What a written file looked like, to tell later whether it is still as written."""

    sha256: str
    size: int
    mtime_ns: int
    ctime_ns: int
    ino: int

    @classmethod
    def of(cls, path: Path, sha256: str | None = None) -> Record:
        st = os.stat(path)
        return cls(sha256 or sha256_of(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)

    def matches(self, path: Path) -> bool:
        """The file at `path` is a regular file that still holds what was written.

        An unchanged size, mtime, ctime and inode are taken as unchanged content (ctime
        cannot be set back, so a write that restores the mtime is still seen);
        otherwise the content is hashed, so a copy or a touched file is judged by its
        bytes."""
        try:
            st = os.lstat(path)
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode) or st.st_size != self.size:
            return False
        if (st.st_mtime_ns, st.st_ctime_ns, st.st_ino) == (self.mtime_ns, self.ctime_ns, self.ino):
            return True
        try:
            return sha256_of(path) == self.sha256
        except OSError:
            return False


class OutputFolder:
    """A folder of outputs and its manifest. Load, check and record, then `save()`.

    Names are paths inside the folder (`fonts/x.ttf` in a page's `_files` folder),
    never absolute, never with `..`, and never reached through a symbolic link: a
    manifest that names anything else vouches for nothing there."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.path = self.folder / MANIFEST
        self.records: dict[str, Record] = _read_manifest(self.path)
        self._touched: set[str] = set()  # recorded or forgotten by this run

    def _place(self, name: str) -> Path | None:
        """Where `name` is, if it is a plain name inside the folder reached through
        real folders only."""
        if not _plain_name(name):
            return None
        here = self.folder
        for part in Path(name).parts[:-1]:
            here = here / part
            if os.path.islink(here):
                return None
        return self.folder / name

    def owns(self, name: str) -> bool:
        record, place = self.records.get(name), self._place(name)
        return record is not None and place is not None and record.matches(place)

    def holds(self, name: str, data: bytes) -> bool:
        """`name` is the tool's own and holds exactly `data` already."""
        record = self.records.get(name)
        return (
            record is not None
            and record.size == len(data)
            and record.sha256 == hashlib.sha256(data).hexdigest()
            and self.owns(name)
        )

    def may_write(self, name: str) -> bool:
        """Nothing is at `name` yet (reached through real folders), or what is there is
        the tool's own."""
        place = self._place(name)
        return place is not None and (not os.path.lexists(place) or self.owns(name))

    def foreign(self, name: str, what: str) -> Diagnostic:
        """The error for a file in the way of an output: kept, and the output not written."""
        target = self.folder / name
        return error(
            target,
            0,
            "foreign-file",
            f"{_describe(target)} notebook-publish did not write (or that was changed since) is in the way of {what}: kept it, and did not write {what}",
            "move or rename that file, or write the outputs elsewhere (--out or --output)",
        )

    def record(self, name: str, sha256: str | None = None) -> None:
        self.records[name] = Record.of(self.folder / name, sha256)
        self._touched.add(name)

    def forget(self, name: str) -> None:
        self.records.pop(name, None)
        self._touched.add(name)

    def remove(self, name: str) -> bool:
        """Delete `name` if it is the tool's own; returns whether it was removed."""
        if not self.owns(name):
            return False
        try:
            os.unlink(self.folder / name)
        except FileNotFoundError:
            pass
        self.forget(name)
        return True

    def save(self) -> None:
        """Write the manifest (atomically), keeping only entries whose file still exists.

        Another build may have written the same folder meanwhile (`make -j pdf html`):
        under a lock on the folder, the manifest on disk is read again and only the
        entries this run recorded or forgot replace its own."""
        import fcntl

        from notebook_publish.build import write_atomically

        if not self._touched:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = os.open(self.folder, os.O_RDONLY)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            merged = {name: r for name, r in _read_manifest(self.path).items() if name not in self._touched}
            merged.update({name: r for name, r in self.records.items() if name in self._touched})
            self.records = {name: r for name, r in merged.items() if os.path.lexists(self.folder / name)}
            body = {
                "format": _FORMAT,
                "written-by": "notebook-publish",
                "files": {name: vars(r) for name, r in sorted(self.records.items())},
            }
            write_atomically(self.path, (json.dumps(body, indent=1) + "\n").encode("utf-8"))
        finally:
            os.close(lock)
        self._touched = set()


def _record(fields: dict[str, Any]) -> Record:
    """A manifest entry; one from an older format lacks some of the file's stat
    fields, and is then judged by its content alone."""
    return Record(
        str(fields["sha256"]), int(fields["size"]), *(int(fields.get(k, -1)) for k in ("mtime_ns", "ctime_ns", "ino"))
    )


def _plain_name(name: str) -> bool:
    parts = Path(name).parts
    return (
        bool(parts)
        and not Path(name).is_absolute()
        and "\\" not in name
        and all(p not in ("", ".", "..") for p in parts)
        and MANIFEST not in parts
    )


def _read_manifest(path: Path) -> dict[str, Record]:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        return {str(name): _record(fields) for name, fields in body["files"].items() if _plain_name(str(name))}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        # A damaged manifest vouches for nothing: every file in the folder is then
        # treated as the user's, which can only keep files, never lose them.
        return {}


def _describe(path: Path) -> str:
    """What kind of thing is at `path`, in words, for refusals."""
    try:
        st = os.lstat(path)
    except OSError:
        return "nothing"
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        return f"a symbolic link (to {os.readlink(path)})"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a file"


def _real(path: Path) -> Path:
    """`path` with its folders' symbolic links resolved (not the last part: a link
    there is judged as a link)."""
    path = Path(os.path.abspath(path))
    return Path(os.path.realpath(path.parent)) / path.name


def inside(path: Path, folder: Path) -> bool:
    path, folder = _real(path), Path(os.path.realpath(folder))
    return path == folder or path.is_relative_to(folder)


def _sources(config: Config) -> list[tuple[Path, str]]:
    return [(config.notes, "notes"), *((m, "media") for m in config.media)]


def check_output_root(config: Config) -> None:
    """Refuse (exit code 2) an output folder that is the notes or a media folder (also
    through a symbolic link), lies inside a media folder, or lies inside the notes
    folder and holds notes. An output folder among the notes is fine otherwise (a
    notebook whose notes are the project's root, with `build/` in it): the notes are
    never read from it."""
    output = Path(os.path.realpath(config.output))
    for folder, key in _sources(config):
        real = Path(os.path.realpath(folder))
        if output == real:
            problem = f"is the {key} folder {folder}"
        elif output.is_relative_to(real) and (key == "media" or _holds_notes(output)):
            problem = f"is inside the {key} folder {folder}" + (
                "" if key == "media" else ", and holds notes that would be left out of the book"
            )
        else:
            continue
        raise UsageError(
            error(
                config.source,
                config.line_of("output"),
                "output",
                f"the output folder {config.output} {problem}",
                "outputs never go among the notes or pictures they are made from: set --output DIR or `output:` to a folder of its own, such as build",
            )
        )


def _holds_notes(folder: Path) -> bool:
    """Whether a note the notes scan would have read lies in `folder` (which would then
    be left out of the book in silence)."""
    from notebook_publish.normalize.resolve import NOTE_SUFFIXES

    for _here, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if any(f.lower().endswith(NOTE_SUFFIXES) and not f.startswith(".") for f in files):
            return True
    return False


def check_output_place(target: Path, config: Config, flag: str) -> None:
    """Refuse (exit code 2) an output that would land among the notes or the media.

    The output folder (`output:`) is the tool's own: an output inside it is fine even
    when the output folder lies inside the notes folder (see `check_output_root`)."""
    check_output_root(config)
    output = config.output
    if inside(target, output) and _real(target) != _real(output):
        return
    for folder, key in _sources(config):
        if inside(target, folder):
            raise UsageError(
                error(
                    None,
                    0,
                    "output",
                    f"{flag} {target} is inside the {key} folder {folder}: outputs never go among the notes or pictures they are made from",
                    f"write it elsewhere, e.g. {flag} {Path(output) / Path(target).name}",
                )
            )


def check_output_file(target: Path, kind: str, config: Config, flag: str = "--out") -> None:
    """Refuse (exit code 2) an output file that would replace something not ours."""
    target = Path(target)
    what = _describe(target)
    if what not in ("nothing", "a file"):  # what it is says more than where it is
        hint = (
            f"give a file name, e.g. {flag} {target / ('handbook.' + kind)}"
            if what == "a folder"
            else "choose another path"
        )
        raise UsageError(
            error(
                None,
                0,
                "output",
                f"{flag} {target} is {what}; refusing to replace it: only a regular file that is {_KIND_NAMES[kind]} may be replaced",
                hint,
            )
        )
    check_output_place(target, config, flag)
    if what == "nothing":
        return
    if what == "a file":
        try:
            with open(target, "rb") as handle:
                head = handle.read(4096)
        except OSError as exc:
            raise UsageError(
                error(
                    None,
                    0,
                    "output",
                    f"{flag} {target}: cannot read the file there: {exc.strerror}",
                    "choose another path",
                )
            ) from None
        if _SIGNATURES[kind](head):
            return
        raise UsageError(
            error(
                None,
                0,
                "output",
                f"{flag} {target} is a file that is not {_KIND_NAMES[kind]}; refusing to replace it",
                "choose another path, or move that file away first",
            )
        )


def check_output_folder(target: Path, config: Config, flag: str = "--out") -> None:
    """Refuse (exit code 2) an output folder that is something else, or among the notes."""
    target = Path(target)
    check_output_place(target, config, flag)
    what = _describe(target)
    if what not in ("nothing", "a folder"):
        raise UsageError(
            error(None, 0, "output", f"{flag} {target} is {what}, not a folder", "give a folder for the outputs")
        )


def clean_output(config: Config) -> tuple[int, list[Diagnostic]]:
    """Remove what the tool wrote under the output folder: every file a manifest there
    names and that is unchanged since, the manifests, the cache's own entries (only in
    a cache folder the tool created, as its CACHEDIR.TAG says), and then those folders
    if that leaves them empty. Nothing else is removed, not even an empty folder.
    Returns how many files were removed and a warning for each file kept."""
    import shutil

    from notebook_publish.cache import CACHEDIR_TAG, OWN_ENTRIES, is_own_cache
    from notebook_publish.diagnostics import warning

    check_output_root(config)
    output = Path(config.output)
    removed, found = 0, []
    if not output.is_dir() or output.is_symlink():
        return 0, []
    emptied: list[Path] = []
    cache = output / ".cache"
    if cache.is_dir() and not cache.is_symlink():
        if is_own_cache(cache):
            for entry in sorted(cache.iterdir()):
                if entry.name in OWN_ENTRIES and entry.name != CACHEDIR_TAG:
                    if entry.is_dir() and not entry.is_symlink():
                        shutil.rmtree(entry, ignore_errors=True)
                    else:
                        entry.unlink(missing_ok=True)
            (cache / CACHEDIR_TAG).unlink(missing_ok=True)
            emptied.append(cache)
        else:
            found.append(
                warning(
                    cache,
                    0,
                    "foreign-file",
                    f"kept {cache}: it has no CACHEDIR.TAG of notebook-publish",
                    "if it is the cache of an older notebook-publish, delete it yourself",
                )
            )
    for manifest in _manifests(output):
        folder = OutputFolder(manifest.parent)
        for name in sorted(folder.records):
            if folder.remove(name):
                removed += 1
                emptied += list(_folders_between(folder.folder, name))
            elif folder._place(name) is not None and os.path.lexists(folder.folder / name):
                found.append(
                    warning(
                        folder.folder / name,
                        0,
                        "foreign-file",
                        "kept it: changed since notebook-publish wrote it",
                        "remove it yourself if it is not needed",
                    )
                )
        manifest.unlink()
        emptied.append(manifest.parent)
    for empty in sorted(set(emptied), key=lambda p: -len(p.parts)) + [output]:
        try:
            empty.rmdir()  # only if empty
        except OSError:
            pass
    return removed, found


def _manifests(output: Path) -> list[Path]:
    """The manifests of the folders the tool writes under `output` (never following a
    symbolic link, never inside the cache), deepest first."""
    found = []
    for folder, dirs, files in os.walk(output, followlinks=False):
        dirs[:] = [d for d in dirs if d != ".cache"]
        if (
            MANIFEST in files
            and os.path.isfile(os.path.join(folder, MANIFEST))
            and not os.path.islink(os.path.join(folder, MANIFEST))
        ):
            found.append(Path(folder, MANIFEST))
    return sorted(found, key=lambda p: -len(p.parts))


def _folders_between(folder: Path, name: str) -> Iterator[Path]:
    """The folders of `name` inside `folder` (`fonts/` of `fonts/x.ttf`)."""
    here = folder
    for part in Path(name).parts[:-1]:
        here = here / part
        yield here
