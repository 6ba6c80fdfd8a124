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

from notebook_publish.cache import Cache
from notebook_publish.config import Config
from notebook_publish.diagnostics import UsageError, error


def open_cache(config: Config) -> Cache:
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


def build_time() -> datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), otherwise now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(tz=timezone.utc)


def book_version(config: Config) -> str:
    """`git describe` inside a git checkout, otherwise the config's `version`."""
    try:
        done = subprocess.run(
            ["git", "describe", "--tags", "--always", "--dirty"],
            cwd=config.root,
            capture_output=True,
            text=True,
            timeout=5,
        )
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return config.version
