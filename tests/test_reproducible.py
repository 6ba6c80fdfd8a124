"""The same project in two folders gives the same bytes: a release built by CI can be
reproduced on a laptop. No folder name, user name or host name reaches the handbook,
the decks, the HTML preview or the release."""

from __future__ import annotations

import getpass
import re
import shutil
import socket
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT
from notebook_publish.outputs import MANIFEST
from publish_harness import Project, assert_clean, png_bytes

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("qpdf") is None, reason="needs qpdf")]

EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}
# Folder names to look for in the outputs: distinct enough that finding one is no accident.
FIRST = "first-copy-k7q2"
SECOND = "second-copy-w9z4"
BETWEEN = "between-levels-m3x8"


def write_project(root: Path) -> None:
    """Notes with a picture, an SVG that shows another picture, inline and display math;
    a user theme whose stylesheet @imports another and draws a picture with url()."""
    project = Project(root)
    project.write("index.md", "# Home\n\n- [Pictures](pictures.md)\n- [Formulas](formulas.md)\n")
    project.write(
        "pictures.md",
        "# Pictures\n\n## A photo\n\n- a **photo** below\n\n![A red photo](../media/photo.png)\n\n"
        '## A drawing\n\n- and a drawing\n\n![A drawing](../media/drawing.svg)\n\n<img src="../media/photo.png" alt="raw">\n',
    )
    project.write(
        "formulas.md",
        "# Formulas\n\n## Sums\n\n- inline $\\sum_k w_k x_k$ here\n\n$$\\int_0^1 f(x)\\,dx = F(1) - F(0)$$\n",
    )
    (project.media / "photo.png").write_bytes(png_bytes(60, 40, (200, 30, 30)))
    (project.media / "inner.png").write_bytes(png_bytes(40, 30, (30, 160, 30)))
    (project.media / "drawing.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"><rect width="120" height="80" fill="#ddd"/>'
        '<image href="inner.png" x="20" y="10" width="80" height="60"/></svg>'
    )
    theme = root / "mytheme"
    theme.mkdir()
    (theme / "stripe.png").write_bytes(png_bytes(8, 8, (240, 200, 40)))
    (theme / "extra.css").write_text("h1 { text-decoration: underline; }\n")
    default_css = (ROOT / "themes" / "default" / "handbook.css").read_text()
    (theme / "handbook.css").write_text(
        '@import "extra.css";\n' + default_css + '\nh2 { background: url("stripe.png") repeat-x; }\n'
    )
    project.config("title: Same Everywhere\nauthor: Someone\nversion: '1.0'\ntheme: ./mytheme\n")


def build_everything(root: Path, jobs: str = "1") -> Project:
    project = Project(root)
    for command in ("pdf", "slides", "html"):
        assert_clean(project.run(command, *(("--jobs", jobs) if command != "html" else ()), env=EPOCH), codes=(0,))
    assert_clean(project.run("release", "--version", "1.0", "--jobs", jobs, env=EPOCH), codes=(0,))
    return project


def files_of(folder: Path) -> dict[str, bytes]:
    """Every output file by its path under the output folder (the cache left out)."""
    # The manifests are the tool's ledger of what it wrote where (with inodes and
    # dates), not outputs: they never leave the machine.
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".cache" not in p.parts and p.name != MANIFEST
    }


def readable_pdf(path: Path) -> str:
    """What the PDF says outside its font programs and pictures: dictionaries, strings,
    names, content streams (decompressed). A short name such as a host name may well
    occur by chance inside a font's binary tables; anywhere else it would be a leak."""
    chunks = []
    with pikepdf.open(path) as pdf:
        binary = set()
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                binary.update(obj[k].objgen for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in obj)
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Stream):
                chunks.append(str(obj.stream_dict))
                if obj.objgen not in binary and obj.get("/Subtype") != "/Image":
                    chunks.append(obj.read_bytes().decode("latin-1"))
            elif isinstance(obj, pikepdf.Object):
                chunks.append(str(obj))
        chunks.append(str(pdf.trailer))
    return "\n".join(chunks)


def qdf(path: Path, tmp: Path) -> bytes:
    out = tmp / (path.stem + ".qdf.pdf")
    done = subprocess.run(
        ["qpdf", "--qdf", "--object-streams=disable", str(path), str(out)], capture_output=True, timeout=120
    )
    assert done.returncode in (0, 3), done.stderr  # 3: warnings only
    return out.read_bytes()


def whole_word(name: str) -> re.Pattern:
    return re.compile(rf"(?<![A-Za-z0-9_.-]){re.escape(name)}(?![A-Za-z0-9_-])")


def test_two_folders_give_the_same_bytes_and_name_neither(tmp_path):
    source = tmp_path / "source"
    write_project(source)
    first = tmp_path / FIRST
    second = tmp_path / "a" / BETWEEN / "b" / "c" / SECOND
    shutil.copytree(source, first)
    shutil.copytree(source, second)

    # The second copy is built by two workers: how many there are changes no byte either.
    one, two = build_everything(first), build_everything(second, jobs="2")
    outputs_one, outputs_two = files_of(one.out), files_of(two.out)
    assert outputs_one.keys() == outputs_two.keys()
    assert {
        "handbook.pdf",
        "handbook.html",
        "release/SHA256SUMS",
        "release/handbook-1.0.pdf",
        "release/slides-1.0.zip",
    } <= outputs_one.keys()
    assert len(one.decks()) == 3  # one per level-2 heading
    for name in outputs_one:
        assert outputs_one[name] == outputs_two[name], f"{name} differs between the two folders"

    # What the outputs hold is real: the pictures (one inside the SVG), the formulas.
    sizes = one.pdf_images()
    assert (60, 40) in sizes and (40, 30) in sizes, sizes
    assert "Same Everywhere" in one.pdf_text() and "Version 1.0" in one.pdf_text()
    assert one.deck_media() and "oMath" in one.deck_xml()

    # Nothing names where the project was built, or by whom.
    user, host, home = getpass.getuser(), socket.gethostname(), str(Path.home())
    folder_names = [FIRST, SECOND, BETWEEN, str(tmp_path), home]
    for project in (one, two):
        texts = {
            "handbook.pdf (decompressed)": qdf(project.pdf, tmp_path).decode("latin-1"),
            "handbook.html": (project.out / "handbook.html").read_text(encoding="utf-8"),
            "the decks' XML": project.deck_xml(),
            "the decks' part names": "\n".join(n for d in project.decks() for n in zipfile.ZipFile(d).namelist()),
            "the release zip's names": "\n".join(
                zipfile.ZipFile(project.out / "release" / "slides-1.0.zip").namelist()
            ),
            "SHA256SUMS": (project.out / "release" / "SHA256SUMS").read_text(),
        }
        for what, text in texts.items():
            for name in folder_names:
                assert name not in text, f"{what} names {name!r}"
        readable = {**texts, "handbook.pdf (decompressed)": readable_pdf(project.pdf)}
        for what, text in readable.items():
            for name in (user, host):
                assert not whole_word(name).search(text), (
                    f"{what} names {name!r}: …{text[max(0, whole_word(name).search(text).start() - 60) :][:120]}…"
                )
