"""WeasyPrint's C libraries are found from one `ldconfig -p` listing
(handbook/typeset/library_lookup.py): the same files as ctypes' own lookup, and the
standard lookup where the listing falls short."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from notebook_publish.handbook.typeset.library_lookup import finder, linker_cache

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's ldconfig")

# The names under which WeasyPrint finds its libraries on Linux.
LIBRARIES = ("gobject-2.0", "pango-1.0", "harfbuzz", "harfbuzz-subset", "fontconfig", "pangoft2-1.0")


def test_the_listing_names_the_libraries_ctypes_finds():
    listing = linker_cache()
    assert listing is not None
    find = finder(listing)
    for name in LIBRARIES:
        assert find(name) == ctypes.util.find_library(name), name
    # The Windows and macOS spellings WeasyPrint tries first are not there, and are
    # answered without running gcc and ld.
    assert find("libgobject-2.0-0") is None and find("gobject-2.0-0") is None


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_weasyprint_is_imported_with_the_same_libraries_either_way():
    code = (
        "import sys\n"
        "{first}\n"
        "import weasyprint.text.ffi\n"
        "print(sorted({{l.split()[-1] for l in open('/proc/self/maps') if '.so' in l}}))\n"
    )
    quick = _run(code.format(first="import notebook_publish.handbook.typeset.library_lookup"))
    standard = _run(code.format(first=""))
    assert quick.returncode == 0 and standard.returncode == 0, quick.stderr + standard.stderr
    assert quick.stdout == standard.stdout and "libpango" in quick.stdout


def test_weasyprint_failing_with_the_listing_is_imported_the_standard_way():
    # Every library fails to open while the listing answers the lookups (as a library
    # only gcc or ld could find would): the import starts again with ctypes' own
    # lookup, quietly, and WeasyPrint has all its libraries.
    code = (
        "import sys, ctypes.util, cffi\n"
        "standard, real = ctypes.util.find_library, cffi.FFI.dlopen\n"
        "def dlopen(self, name, flags=0):\n"
        "    if ctypes.util.find_library is not standard:\n"
        "        raise OSError('cannot open ' + str(name))\n"
        "    return real(self, name, flags)\n"
        "cffi.FFI.dlopen = dlopen\n"
        "from notebook_publish.handbook.typeset import library_lookup\n"
        "import weasyprint.text.ffi as ffi\n"
        "print(ffi.pango is not None, ffi.fontconfig is not None)\n"
    )
    done = _run(code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]  # and none of WeasyPrint's advice
