"""WeasyPrint imported with its C libraries found in the dynamic linker's cache.

WeasyPrint opens each of its libraries (GObject, Pango, HarfBuzz, fontconfig…) by
trying the names it has on Windows, macOS and Linux in turn. cffi looks up every name
that is not a file with `ctypes.util.find_library`, which on Linux runs `ldconfig -p`
and, for a name that is not there, gcc and then ld: 40-odd programs, about 0.15 s of
CPU and of wall-clock time, in every fork server, so in every PDF build.

Here those lookups are answered from one `ldconfig -p` listing, with the standard
library's own pattern, for the duration of the import only. The libraries loaded are
the same ones. Where the listing cannot be had (no glibc `ldconfig`), or the
libraries may live outside the linker's cache (`LD_LIBRARY_PATH` is set), or WeasyPrint
fails to load with these answers, it is imported with the standard lookup instead.

The fork server imports this module first (`workers.PRELOAD`); the workers inherit
the imported WeasyPrint.
"""

from __future__ import annotations

import ctypes.util
import io
import os
import re
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout

# The ABI tag `ldconfig -p` prints for this machine's libraries (as ctypes.util has it).
_ABI = {
    "x86_64-64": "libc6,x86-64",
    "ppc64-64": "libc6,64bit",
    "sparc64-64": "libc6,64bit",
    "s390x-64": "libc6,64bit",
    "ia64-64": "libc6,IA-64",
}


def linker_cache() -> str | None:
    """`ldconfig -p`: the libraries the dynamic linker knows, or None."""
    try:
        done = subprocess.run(
            ["/sbin/ldconfig", "-p"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env={"LC_ALL": "C", "LANG": "C"},
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return os.fsdecode(done.stdout) if done.returncode == 0 and done.stdout else None


def finder(listing: str) -> Callable[[str], str | None]:
    """`find_library` answered from `listing`, as ctypes.util's ldconfig step does."""
    machine = os.uname().machine + ("-32" if struct.calcsize("l") == 4 else "-64")
    abi = _ABI.get(machine, "libc6")
    found: dict[str, str | None] = {}

    def find_library(name: str) -> str | None:
        if name not in found:
            match = re.search(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi}", listing)
            found[name] = match.group(1) if match else None
        return found[name]

    return find_library


@contextmanager
def _lookups_from(find_library: Callable[[str], str | None]) -> Iterator[None]:
    standard = ctypes.util.find_library
    ctypes.util.find_library = find_library  # type: ignore[assignment]  # replaced for the import, on purpose
    try:
        yield
    finally:
        ctypes.util.find_library = standard


def import_weasyprint() -> None:
    if "weasyprint" in sys.modules:
        return
    listing = None
    if sys.platform.startswith("linux") and not os.environ.get("LD_LIBRARY_PATH"):
        listing = linker_cache()
    if listing is not None:
        try:
            # WeasyPrint prints installation advice before it gives up on a library;
            # here it would be about this attempt only.
            with _lookups_from(finder(listing)), redirect_stdout(io.StringIO()):
                import weasyprint  # noqa: F401
            return
        except OSError:
            # A library the listing does not hold: forget the half-done import.
            for name in [n for n in sys.modules if n == "weasyprint" or n.startswith("weasyprint.")]:
                del sys.modules[name]
    import weasyprint  # noqa: F401, F811


import_weasyprint()
