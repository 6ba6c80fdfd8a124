"""What the build writes and how: atomic files, the cache, reproducible stamps.

Outputs are written to a temporary file in the same folder and renamed over the
target, so a failed or interrupted build never leaves a half-written handbook or deck.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from datetime import datetime, timezone
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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(error(path, 0, "output", f"cannot write to {path.parent}: {exc.strerror}", "check the output folder and its permissions")) from None
    try:
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
            raise UsageError(error(path, 0, "output", f"cannot write {path.name}: {exc.strerror}", "is the disk full?")) from None
        raise


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH (reproducible-builds.org) when it is set to a whole number."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(epoch) if epoch.isdigit() else None


def build_time() -> datetime:
    """When the outputs say they were made: SOURCE_DATE_EPOCH when set, otherwise today
    at 00:00 UTC. Day-granular, so that a rebuild on the same day equals a build from
    scratch, and a build that finds nothing changed may keep the outputs it finds."""
    epoch = source_date_epoch()
    if epoch is not None:
        return datetime.fromtimestamp(epoch, tz=timezone.utc)
    return datetime.now(tz=timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


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
            cwd=root, capture_output=True, text=True, timeout=5, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None
