"""A handbook typeset in several parts carries one font program per face: the parts'
subsets of a face are merged into one, whose subset tag is its own, and the text a
reader searches and copies, and the pages they see, are what they were with a subset
per part."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops

from notebook_publish.cache import MemoryCache
from notebook_publish.config import load_config
from notebook_publish.handbook import assemble as assemble_module
from notebook_publish.handbook import build_pdf
from notebook_publish.handbook.shared_fonts import SubsetTags, share_font_programs
from notebook_publish.notes import load_book

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None, reason="needs poppler-utils"
)

NAMES = ["alpha", "beta", "gamma", "delta", "epsilon"]
# One per note: characters some parts share and others lack, one beyond the BMP.
FORMULAS = ["\\alpha + 1", "\\beta_{k} < 2", "\\alpha \\cdot \\gamma", "\\mathbb{E}[X]", "\\sqrt{\\epsilon} \\le 3"]
SEARCHED = ["α + 1", "β_k < 2", "α · γ", "𝔼[X]", "√ϵ ≤ 3"]  # the text a reader copies of each


def write_notebook(root: Path) -> None:
    """Five notes, each its own part, using the serif, sans and code faces in bold and
    italic, each with some letters the others lack, a typed hyphen, and a formula
    (written as outlines, with its text in an invisible font of the part's own)."""
    notes = root / "notes"
    notes.mkdir(parents=True)
    (notes / "index.md").write_text("# Overview\n\n" + "".join(f"- [{n.title()}]({n}.md)\n" for n in NAMES))
    for i, name in enumerate(NAMES):
        own = "".join(chr(ord("A") + (5 * i + k) % 26) for k in range(5))
        body = (
            f"# {name.title()}\n\n## Section {own}\n\n"
            + f"The **{name} term {own}** and *{name} {own.lower()} words* matter. " * 12
            + f"\n\nThe Q-Former of {name} reads `code_{name}({i})` here.\n\n"
            + f"Its weight ${FORMULAS[i]}$ is found by search.\n\n"
            + f"```python\ndef {name}_{own.lower()}():\n    return {i} + {i * 7}\n```\n"
        )
        (notes / f"{name}.md").write_text(body, encoding="utf-8")
    (root / "handbook.yml").write_text("title: Shared fonts\nauthor: Tester\nmedia: []\n", encoding="utf-8")


def build(root: Path, out: Path) -> None:
    config = load_config(root / "handbook.yml")
    book = load_book(config, MemoryCache())
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        diagnostics = build_pdf(book, out, jobs=2, part_size=1)
    finally:
        for k, v in old.items():
            if v is None:
                del os.environ[k]
            else:
                os.environ[k] = v
    assert not [d for d in list(book.diagnostics) + diagnostics if d.severity >= 2], diagnostics


def subset_fonts(pdf: pikepdf.Pdf) -> list[pikepdf.Object]:
    """Every distinct subset Type0 font the pages (and the forms they draw) use."""
    found: dict[tuple[int, int], pikepdf.Object] = {}
    stack = [page.obj.get("/Resources") for page in pdf.pages]
    seen: set[tuple[int, int]] = set()
    while stack:
        resources = stack.pop()
        if not isinstance(resources, pikepdf.Dictionary):
            continue
        for font in (resources.get("/Font") or {}).values():
            if "+" in str(font.get("/BaseFont", "")):
                found[font.objgen] = font
        for form in (resources.get("/XObject") or {}).values():
            if form.objgen not in seen:
                seen.add(form.objgen)
                stack.append(form.get("/Resources"))
    return list(found.values())


def program_of(font: pikepdf.Object) -> pikepdf.Object:
    descriptor = font.DescendantFonts[0].FontDescriptor
    return descriptor.get("/FontFile2") or descriptor.get("/FontFile3")


def text_of(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pages_differ(a: Path, b: Path, folder: Path) -> list[int]:
    for name, pdf in (("a", a), ("b", b)):
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(folder / name)], check=True)
    left, right = sorted(folder.glob("a-*.png")), sorted(folder.glob("b-*.png"))
    assert len(left) == len(right) > 0
    return [
        i
        for i, (x, y) in enumerate(zip(left, right))
        if ImageChops.difference(Image.open(x).convert("RGB"), Image.open(y).convert("RGB")).getbbox()
    ]


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The book built with shared fonts, and again (from the same cached parts) with
    each part's own subsets, as the merge wrote them before."""
    root = tmp_path_factory.mktemp("shared-fonts")
    write_notebook(root)
    shared = root / "build" / "handbook.pdf"
    build(root, shared)
    per_part = root / "build" / "per-part.pdf"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(assemble_module, "share_font_programs", lambda book, fonts: None)
        build(root, per_part)
    return root, shared, per_part


def test_each_face_has_one_program_and_one_dictionary(books: tuple[Path, Path, Path]) -> None:
    _root, shared, per_part = books
    with pikepdf.open(per_part) as before:  # the premise: the parts each embedded their own
        fonts = subset_fonts(before)
        assert len({program_of(f).objgen for f in fonts}) > len({str(f.BaseFont) for f in fonts})
    with pikepdf.open(shared) as pdf:
        fonts = subset_fonts(pdf)
        programs: dict[str, set[tuple[int, int]]] = defaultdict(set)
        dictionaries: dict[str, int] = defaultdict(int)
        for font in fonts:
            face = str(font.BaseFont).split("+", 1)[1]
            programs[face].add(program_of(font).objgen)
            dictionaries[face] += 1
        assert len(programs) >= 5  # serif, serif bold and italic, sans, code at least
        assert all(len(p) == 1 for p in programs.values()), programs
        assert all(n == 1 for n in dictionaries.values()), dictionaries
        # Distinct programs, distinct tags; a tag is the same wherever its program is.
        tags: dict[str, set[str]] = defaultdict(set)
        for font in fonts:
            tag = str(font.BaseFont)[1:7]
            tags[tag].add(hashlib.sha256(program_of(font).read_bytes()).hexdigest())
            assert str(font.DescendantFonts[0].FontDescriptor.FontName)[1:7] == tag
        assert all(len(digests) == 1 for digests in tags.values())
        assert len(tags) == len(programs)
    listed = subprocess.run(["pdffonts", str(shared)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in listed.splitlines()[2:] if "+" in line.split()[0]]
    assert len(names) == len(set(names)) == len(programs)


def test_text_and_pages_are_as_with_a_subset_per_part(books: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _root, shared, per_part = books
    text = text_of(shared)
    assert text == text_of(per_part)
    assert text.count("Q-Former") == len(NAMES) and "\u2010" not in text
    assert pages_differ(shared, per_part, tmp_path) == []
    assert shared.stat().st_size < per_part.stat().st_size


def test_subsets_with_no_source_file_get_a_tag_of_their_own(books: tuple[Path, Path, Path]) -> None:
    """Without the font files (a font fontconfig supplied), the subsets stay as they are,
    but equal programs are shared and each distinct one is named by its bytes."""
    _root, _shared, per_part = books
    with pikepdf.open(per_part) as pdf:
        share_font_programs(pdf, [])
        out = io.BytesIO()
        pdf.save(out)
    with pikepdf.open(out) as pdf:
        tags: dict[str, set[str]] = defaultdict(set)
        by_digest: dict[str, set[str]] = defaultdict(set)
        for font in subset_fonts(pdf):
            digest = hashlib.sha256(program_of(font).read_bytes()).hexdigest()
            tags[str(font.BaseFont)[1:7]].add(digest)
            by_digest[digest].add(str(font.BaseFont)[1:7])
        assert all(len(d) == 1 for d in tags.values()) and all(len(t) == 1 for t in by_digest.values())
        assert len(tags) > 5


def test_a_tag_is_the_same_for_the_same_program_and_differs_between_programs() -> None:
    tags = SubsetTags()
    programs = [bytes([i % 256, i // 256]) * 40 for i in range(3000)]
    named = [tags.tag(p) for p in programs]
    assert len(set(named)) == len(programs)
    assert all(len(t) == 6 and t.isupper() and t.isalpha() for t in named)
    assert [tags.tag(p) for p in programs[:10]] == named[:10]
    assert SubsetTags().tag(programs[5]) == named[5]  # from the bytes alone


def test_every_font_is_listed_once_the_formulas_text_font_too(books: tuple[Path, Path, Path]) -> None:
    """Each part writes its formulas' text in a font of its own; in the book they are one."""
    _root, shared, per_part = books

    def listed(pdf: Path) -> list[str]:
        out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        return [line.split()[0] for line in out.splitlines()[2:]]

    assert listed(per_part).count("NPText-Identity-H") == len(NAMES)  # the premise: one per part
    names = listed(shared)
    assert names.count("NPText-Identity-H") == 1
    assert len(names) == len(set(names)), names
    text = text_of(shared)
    for found in SEARCHED:
        assert f"Its weight {found} is found by search." in text


def test_text_fonts_whose_codes_disagree_stay_apart_and_every_part_reads_back() -> None:
    """Characters beyond the BMP and the math letters are coded by where they fall in a
    small range, so two of a part's may have to move; a part that codes one otherwise
    than another keeps its own text font, and each part's text reads as it was."""
    from notebook_publish.handbook.overdraw.pages import draw_over
    from notebook_publish.handbook.overdraw.text_layer import Words

    texts = ["a + b = 𝑥", "\U0001f200 \U0001f600 c", "\U0001f600 a", "b + 𝑥"]
    book = pikepdf.new()
    parts = []
    for text in texts:
        blank = pikepdf.new()
        blank.add_blank_page(page_size=(300, 200))
        out = io.BytesIO()
        blank.save(out)
        part = pikepdf.open(io.BytesIO(draw_over(out.getvalue(), {}, {0: [Words(20, 60, 6 * len(text), 12, text)]})))
        parts.append(part)
        book.pages.extend(part.pages)
    share_font_programs(book, [])
    merged = io.BytesIO()
    book.save(merged)
    with pikepdf.open(io.BytesIO(merged.getvalue())) as pdf:
        fonts = {page.obj.Resources.Font.NPText.objgen for page in pdf.pages}
        # The second part moved U+1F600 to the code the third gives it: those two differ.
        assert len(fonts) == 2
    result = subprocess.run(["pdftotext", "-", "-"], input=merged.getvalue(), capture_output=True, check=True)
    assert [page.strip() for page in result.stdout.decode().split("\f")[: len(texts)]] == texts
