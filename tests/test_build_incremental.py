"""Incremental PDF builds: an edit re-typesets only its part, and the result is the
same file, byte for byte, as a cold build of the edited notes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pypdf
import pytest

from notebook_publish.cache import MemoryCache
from notebook_publish.config import load_config
from notebook_publish.handbook import build_pdf
from notebook_publish.handbook.build import chapter_groups
from notebook_publish.notes import load_book
from notebook_publish.progress import Progress, Stage

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")


class Recorder(Progress):
    """Remembers which parts were typeset and which came from the cache."""

    def __init__(self) -> None:
        self.typeset: list[str] = []
        self.cached: list[str] = []

    @contextmanager
    def stage(self, title, total):
        recorder = self

        class _Stage(Stage):
            def finish(self, key, label, note=""):
                recorder.typeset.append(label)

            def cached(self, key, label):
                recorder.cached.append(label)

        yield _Stage()


@contextmanager
def epoch():
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
    try:
        yield
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def write_notebook(root: Path) -> None:
    notes = root / "notes"
    notes.mkdir(parents=True, exist_ok=True)
    names = ["alpha", "beta", "gamma", "delta"]
    (notes / "index.md").write_text(
        "# Overview\n\n" + "".join(f"- [{n.title()}]({n}.md)\n" for n in names), encoding="utf-8"
    )
    for i, name in enumerate(names):
        other = names[(i + 1) % len(names)]
        body = f"# {name.title()}\n\n## Basics\n\n" + f"The **{name} term** matters. " * 40 + "\n\n"
        body += (
            f"See [{other.title()} basics]({other}.md#basics).\n\n## More\n\n"
            + "Filler sentence here. " * 120
            + "\n\n$$x_{i} = \\sum_k w_k$$\n"
        )
        (notes / f"{name}.md").write_text(body, encoding="utf-8")
    (root / "handbook.yml").write_text(
        "title: Incremental\nauthor: Tester\nversion: '1.0'\nmedia: []\n", encoding="utf-8"
    )


def build(root: Path, progress: Progress | None = None) -> bytes:
    config = load_config(root / "handbook.yml")
    book = load_book(config, MemoryCache())
    out = root / "build" / "handbook.pdf"
    with epoch():
        diagnostics = build_pdf(book, out, jobs=2, progress=progress or Progress(), part_size=1)
    assert not [d for d in list(book.diagnostics) + diagnostics if d.severity >= 2], diagnostics
    return out.read_bytes()


def toc_and_pages(pdf_path: Path) -> tuple[list[tuple[str, int]], list[str]]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    toc = []
    for line in next(p for p in pages if "Contents" in p).splitlines():
        # The leader dots are drawn, not text: label and page number are far apart.
        m = re.match(r"^\s*(?:[\d.]+\s+)?(\S.*?)\s{3,}(\d+)\s*$", line)
        if m:
            toc.append((m.group(1).strip(), int(m.group(2))))
    return toc, pages


def assert_contents_right(pdf_path: Path) -> None:
    toc, pages = toc_and_pages(pdf_path)
    assert toc
    printed = {}
    for i, page in enumerate(pages):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if lines and lines[-1].isdigit():
            printed[int(lines[-1])] = i
    for label, number in toc:
        assert number in printed, f"no page printed {number}"
        assert label in " ".join(pages[printed[number]].split()), f"{label!r} is not on page {number}"


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """A book built, then one note edited to grow by pages, then built again."""
    root = tmp_path_factory.mktemp("incremental")
    write_notebook(root)
    first_progress = Recorder()
    first = build(root, first_progress)
    before_pages = len(pypdf.PdfReader(root / "build" / "handbook.pdf").pages)
    alpha = root / "notes" / "alpha.md"
    alpha.write_text(
        alpha.read_text(encoding="utf-8") + "\n## Added\n\n" + "A new paragraph that pushes pages. " * 400 + "\n",
        encoding="utf-8",
    )
    progress = Recorder()
    incremental = build(root, progress)
    return root, first, first_progress, before_pages, incremental, progress


def test_cold_build_typesets_every_chapter(edited):
    _root, _first, first_progress, _pages, _inc, _progress = edited
    assert {"index.md", "alpha.md", "beta.md", "gamma.md", "delta.md"} <= set(first_progress.typeset)
    assert not [label for label in first_progress.cached if label.endswith(".md")]


def test_one_note_edit_typesets_only_its_chapter(edited):
    _root, _first, _fp, _pages, _inc, progress = edited
    chapters = [label for label in progress.typeset if label.endswith(".md")]
    assert chapters == ["alpha.md"]
    assert {"index.md", "beta.md", "gamma.md", "delta.md"} <= set(progress.cached)


@pytest.mark.slow
def test_incremental_build_is_byte_identical_to_a_cold_build(edited, tmp_path):
    root, first, _fp, _pages, incremental, _progress = edited
    assert incremental != first
    cold_root = tmp_path / "cold"
    shutil.copytree(root / "notes", cold_root / "notes")
    shutil.copy(root / "handbook.yml", cold_root / "handbook.yml")
    cold_progress = Recorder()
    cold = build(cold_root, cold_progress)
    assert "beta.md" in cold_progress.typeset  # really cold: nothing came from a cache
    assert cold == incremental


def test_page_numbers_move_with_the_edit(edited):
    root, _first, _fp, before_pages, _inc, _progress = edited
    pdf = root / "build" / "handbook.pdf"
    assert len(pypdf.PdfReader(pdf).pages) > before_pages  # later chapters start on later pages
    assert_contents_right(pdf)


def test_cross_chapter_links_land_on_their_targets(edited):
    root, *_ = edited
    reader = pypdf.PdfReader(root / "build" / "handbook.pdf")
    ids = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    _toc, pages = toc_and_pages(root / "build" / "handbook.pdf")
    source = next(i for i, text in enumerate(pages) if "See Beta basics" in " ".join(text.split()))
    targets = []
    for annot in reader.pages[source].get("/Annots") or []:
        dest = annot.get_object().get("/Dest")
        if dest is not None:
            targets.append(ids[dest[0].idnum])
    beta = next(i for i, text in enumerate(pages) if "The beta term matters" in " ".join(text.split()))
    assert beta in targets and beta != source


def test_parts_end_where_the_paths_say_so():
    rels = [f"note-{i:03}.md" for i in range(40)]
    groups = chapter_groups(rels, [1000] * 40, part_size=4)
    assert [i for g in groups for i in g] == list(range(40))
    assert 3 <= len(groups) <= 30
    # Text edits change sizes, not paths: the same boundaries.
    assert chapter_groups(rels, [1000 + 37 * i for i in range(40)], part_size=4) == groups
    assert chapter_groups(rels, [5] * 40, part_size=1) == [[i] for i in range(40)]


@pytest.mark.slow
def test_a_rebuild_from_the_cache_starts_no_worker(tmp_path, monkeypatch):
    """Every part cached: no worker is started, so the build never waits for the fork
    server to import WeasyPrint; the file is the same."""
    from notebook_publish.handbook.typeset.workers import TypesetPool

    write_notebook(tmp_path)
    first = build(tmp_path)
    started = []
    real = TypesetPool._start_one
    monkeypatch.setattr(TypesetPool, "_start_one", lambda pool: started.append(1) or real(pool))
    progress = Recorder()
    assert build(tmp_path, progress) == first
    assert started == [] and progress.typeset == []

    # One edit: one part to typeset, so one worker (of the two allowed).
    gamma = tmp_path / "notes" / "gamma.md"
    gamma.write_text(gamma.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    build(tmp_path, progress)
    assert started == [1] and progress.typeset == ["gamma.md"]
