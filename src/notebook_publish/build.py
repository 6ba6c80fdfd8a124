"""What the build writes and how: atomic files, the cache, reproducible stamps.

Outputs are written to a temporary file in the same folder and renamed over the
target, so a failed or interrupted build never leaves a half-written handbook or deck.
`SOURCE_DATE_EPOCH` is read here and nowhere else, and a zip whose bytes depend only
on its entries and a date is written here and nowhere else.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from notebook_publish.cache import Cache, ensure_cache_root
from notebook_publish.config import Config
from notebook_publish.diagnostics import UsageError, error


def open_cache(config: Config) -> Cache:
    ensure_cache_root(config.cache_dir)
    return Cache(config.cache_dir)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file and a rename."""
    path = Path(path)
    # Ctrl-C and SIGTERM wait while the temporary file is made and named: arriving
    # between the two, they would leave it behind; after, the cleanup below removes it.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(
            error(
                path,
                0,
                "output",
                f"cannot write to {path.parent}: {exc.strerror}",
                "check the output folder and its permissions",
            )
        ) from None
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # a signal held meanwhile arrives here, inside the cleanup
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise UsageError(
                error(path, 0, "output", f"cannot write {path.name}: {exc.strerror}", "is the disk full?")
            ) from None
        raise


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH (reproducible-builds.org) when it is set to a whole number."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(epoch) if epoch.isdigit() else None


def epoch_time() -> datetime | None:
    """SOURCE_DATE_EPOCH as a time (UTC), or None when it is not set."""
    epoch = source_date_epoch()
    return None if epoch is None else datetime.fromtimestamp(epoch, tz=UTC)


def build_time() -> datetime:
    """When the outputs say they were made: SOURCE_DATE_EPOCH when set, otherwise today
    at 00:00 UTC. Day-granular, so that a rebuild on the same day equals a build from
    scratch, and a build that finds nothing changed may keep the outputs it finds."""
    return epoch_time() or datetime.now(tz=UTC).replace(hour=0, minute=0, second=0, microsecond=0)


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold


def zip_date(when: datetime | None) -> tuple[int, int, int, int, int, int]:
    """The date a zip entry holds for `when` (read in UTC): ZIP_EPOCH for None or any
    time before it, and the seconds in steps of two, as zip keeps them."""
    if when is None:
        return ZIP_EPOCH
    t = when.astimezone(UTC)
    if t.year < 1980:
        return ZIP_EPOCH
    return (t.year, t.month, t.day, t.hour, t.minute, t.second - t.second % 2)


def reproducible_zip(
    entries: Iterable[tuple[str, bytes]], when: datetime | None, unix_mode: int = 0o644, made_on_dos: bool = False
) -> bytes:
    """A zip of `entries` (name, bytes), in the order given, whose bytes depend on
    nothing else than them and `when`: every entry dated `zip_date(when)`, deflated
    at level 6, with the permissions `unix_mode`, and marked as made on Unix whatever
    the platform, or on MS-DOS with `made_on_dos` (as Office marks its packages)."""
    date_time = zip_date(when)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0 if made_on_dos else 3
            info.external_attr = unix_mode << 16
            archive.writestr(info, data, compresslevel=6)
    return out.getvalue()


def display_version(raw: str) -> str:
    """`v1.2.0` -> `1.2.0`: the version as the cover, the title slides and the release's
    file names all show it."""
    raw = raw.strip()
    return raw[1:] if raw[:1] in ("v", "V") and len(raw) > 1 else raw


def book_version(config: Config) -> str:
    """The version the outputs show: the one a release pins (`Config.pinned_version`),
    else `git describe --tags --always --dirty` inside a git checkout, else the
    config's `version`; without a leading `v`."""
    if config.pinned_version:
        return display_version(config.pinned_version)
    return display_version(_git_describe(config.root) or config.version)


def _git_describe(root: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", "describe", "--tags", "--always", "--dirty"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None
