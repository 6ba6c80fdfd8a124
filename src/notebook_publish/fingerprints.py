"""What the tool itself is, as hashes for cache keys and freshness stamps.

A cached part, a cached deck or an up-to-date output is only reusable while the code
that made it is the same. Listing "the modules that matter" by hand once missed four
of them, so the key covers the whole package's source; and every installed package's
version (pyphen, fontTools and Pillow shape the output as much as WeasyPrint does),
read from the names of the `*.dist-info` folders, one directory listing per
`sys.path` entry. The system libraries that lay out text (Pango, HarfBuzz,
fontconfig, FreeType) are covered by their files' size and modification time.

All of this runs on a rebuild that finds nothing to do, so it takes milliseconds and
imports nothing heavy.
"""

from __future__ import annotations

import glob
import os
import sys
from functools import cache
from pathlib import Path

from notebook_publish.cache import content_key

PACKAGE = Path(__file__).resolve().parent
# Shared libraries whose version can change the typeset page (Debian/Ubuntu names).
_LIBRARIES = (
    "libpango-1.0.so*",
    "libpangoft2-1.0.so*",
    "libharfbuzz.so*",
    "libharfbuzz-subset.so*",
    "libfontconfig.so*",
    "libfreetype.so*",
)
_LIBRARY_DIRS = (
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib",
    "/opt/homebrew/lib",
)


@cache
def package_source() -> str:
    """Every Python file and data file of the package, by its path inside it and its bytes."""
    parts: list[str | bytes] = []
    for path in sorted([*PACKAGE.rglob("*.py"), *(PACKAGE / "data").rglob("*.json")]):
        parts += [path.relative_to(PACKAGE).as_posix(), path.read_bytes()]
    return content_key("package-source-1", *parts)


@cache
def installed_packages() -> str:
    """The name and version of every installed distribution on `sys.path`."""
    names: set[str] = set()
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as found:
                names.update(e.name for e in found if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
    return content_key("installed-1", sys.version, *sorted(names))


@cache
def system_libraries() -> str:
    stamps: list[str] = []
    for folder in _LIBRARY_DIRS:
        for pattern in _LIBRARIES:
            for path in sorted(glob.glob(os.path.join(folder, pattern))):
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                stamps.append(f"{os.path.realpath(path)}:{st.st_size}:{st.st_mtime_ns}")
    return content_key("system-libraries-1", *stamps)


def tool() -> str:
    """The package's code, the installed packages and the text-layout libraries."""
    return content_key(package_source(), installed_packages(), system_libraries())
