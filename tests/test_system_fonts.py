"""The fingerprint of the system's fonts: the folders come from fontconfig's own
configuration, read as fontconfig reads it, and any font added, removed or replaced
in them changes the fingerprint."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT
from notebook_publish.system_fonts import fontconfig_fingerprint, search_folders

HEAD = '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'


def conf(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{HEAD}<fontconfig>{body}</fontconfig>\n", encoding="utf-8")
    return path


def test_folders_are_read_as_fontconfig_reads_them(tmp_path):
    home = tmp_path / "home"
    etc = tmp_path / "etc-fonts"
    conf(etc / "conf.d" / "10-extra.conf", "<dir>/opt/extra-fonts</dir>")
    conf(etc / "conf.d" / "README", "<dir>/not/a/conf/file</dir>")  # not [0-9]*.conf: skipped
    conf(etc / "conf.d" / "50-user.conf", '<include ignore_missing="yes" prefix="xdg">fontconfig/fonts.conf</include>')
    conf(home / "cfg" / "fontconfig" / "fonts.conf", "<dir>~/my-fonts</dir>")
    main = conf(
        etc / "fonts.conf",
        "<dir>/usr/share/fonts</dir>"
        '<dir prefix="xdg">fonts</dir>'
        "<dir>~/.fonts</dir>"
        '<dir prefix="relative">local-fonts</dir>'
        '<include ignore_missing="yes">conf.d</include>'  # relative: found in FONTCONFIG_PATH
        '<include ignore_missing="yes">/no/such/file.conf</include>'
        '<cachedir prefix="xdg">fontconfig</cachedir>',
    )
    env = {
        "FONTCONFIG_FILE": str(main),
        "FONTCONFIG_PATH": str(etc),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_DATA_DIRS": "/usr/local/share:/usr/share",
        "XDG_CONFIG_HOME": str(home / "cfg"),
    }
    configs, folders = search_folders(env)
    assert configs == [
        main,
        etc / "conf.d" / "10-extra.conf",
        etc / "conf.d" / "50-user.conf",
        home / "cfg" / "fontconfig" / "fonts.conf",
    ]
    assert folders == [
        Path("/usr/share/fonts"),
        home / "data" / "fonts",
        Path("/usr/local/share/fonts"),
        home / ".fonts",
        Path(os.path.realpath(etc)) / "local-fonts",
        Path("/opt/extra-fonts"),
        home / "my-fonts",
    ]


def test_reset_dirs_and_include_loops(tmp_path):
    a = tmp_path / "a.conf"
    b = conf(tmp_path / "b.conf", f"<include>{a}</include><dir>/after/reset</dir>")
    conf(a, f"<dir>/dropped</dir><reset-dirs/><include>{b}</include>")
    _configs, folders = search_folders({"FONTCONFIG_FILE": str(a), "HOME": str(tmp_path)})
    assert folders == [Path("/after/reset")]


def test_the_fingerprint_follows_the_font_files(tmp_path):
    fonts = tmp_path / "fonts"
    (fonts / "sub").mkdir(parents=True)
    main = conf(tmp_path / "fonts.conf", f"<dir>{fonts}</dir>")
    env = {"FONTCONFIG_FILE": str(main), "HOME": str(tmp_path)}
    (fonts / "A.ttf").write_bytes(b"font a")
    first = fontconfig_fingerprint(env)
    assert fontconfig_fingerprint(env) == first

    seen = {first}

    def changed() -> None:
        now = fontconfig_fingerprint(env)
        assert now not in seen
        seen.add(now)

    (fonts / "sub" / "B.otf").write_bytes(b"font b")  # in a subfolder: fontconfig scans those too
    changed()
    (fonts / "A.ttf").write_bytes(b"font a, a new version")  # replaced in place
    changed()
    os.utime(fonts / "A.ttf", ns=(time.time_ns(), time.time_ns() + 10**9))  # same size, touched
    changed()
    (fonts / "sub" / "B.otf").unlink()
    changed()
    (fonts / ".hidden.ttf").write_bytes(b"skipped")  # fontconfig skips dot-files; so do we
    assert fontconfig_fingerprint(env) in seen
    main.write_text(
        main.read_text().replace(
            "</fontconfig>", "<alias><family>x</family><prefer><family>y</family></prefer></alias></fontconfig>"
        )
    )
    changed()  # the configuration itself (aliases, rejected fonts) decides the fallback too


def test_the_fingerprint_is_quick_and_does_not_import_weasyprint():
    code = (
        "import sys, time\n"
        "from notebook_publish.system_fonts import fontconfig_fingerprint\n"
        "fontconfig_fingerprint()\n"
        "t = time.perf_counter()\n"
        "for _ in range(10): fontconfig_fingerprint()\n"
        "print((time.perf_counter() - t) / 10)\n"
        "assert 'weasyprint' not in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 0.25  # a few ms on a quiet machine; far from a build's time
