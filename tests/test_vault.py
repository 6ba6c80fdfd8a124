"""A whole Obsidian study vault (tests/fixtures/obsidian-vault: 31 notes in folders,
wikilinks with aliases, headings and block ids, picture and note embeds, nested and
folded callouts, math, tags, highlights, comments) publishes with nothing printed raw."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from conftest import FIXTURES
from publish_harness import assert_clean, run_cli

pytestmark = pytest.mark.slow

RAW = ("[[", "![[", "[!", "%%", "==")
VAULT = FIXTURES / "obsidian-vault"


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    root = tmp_path_factory.mktemp("vault")
    shutil.copytree(FIXTURES / "obsidian-vault", root / "vault")
    runs = {
        command: run_cli(
            root, command, "--notes", "vault", "--output", "out", *(("--jobs", "1") if command != "check" else ())
        )
        for command in ("check", "pdf", "slides")
    }
    return root, runs


def test_no_syntax_is_left_unrendered(vault):
    _root, runs = vault
    for command, run in runs.items():
        assert_clean(run, codes=(0,))
        assert "unsupported-syntax" not in run.output, command
        assert "0 errors, 0 warnings" in run.output, (command, run)


def test_the_pdf_text_holds_none_of_the_syntax(vault):
    root, _runs = vault
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(root / "out" / "handbook.pdf"), "-"], capture_output=True, text=True
    ).stdout
    for raw in RAW:
        assert raw not in text, raw
    assert not re.search(r"\^[a-z][a-z0-9-]+\b", text)  # block ids are anchors, not text
    # What the syntax stood for is there: a highlight, a callout title, an embedded section.
    for words in (
        "singular values",
        "Correlation is not causation",
        "Ice cream and sunburn",
        "Scaled dot-product attention",
    ):
        assert words in " ".join(text.split()), words


def test_every_note_is_a_chapter_with_working_links_and_pictures(vault):
    from pypdf import PdfReader

    root, _runs = vault
    reader = PdfReader(str(root / "out" / "handbook.pdf"))

    def titles(items):
        for item in items:
            yield from titles(item) if isinstance(item, list) else [item.title]

    chapters = [t for t in titles(reader.outline) if re.match(r"^\d+ ", t)]  # "12 Adam", not "12.1 …"
    # Without an index note the chapters follow the folder tree: the 31 notes, and a
    # part for each of the 8 folders that hold notes.
    folders = {p.parent for p in VAULT.rglob("*.md")} - {VAULT}
    assert len(folders) == 8
    assert len(chapters) == 31 + len(folders)
    assert {f.name for f in folders} <= {t.split(" ", 1)[1] for t in chapters}
    internal = 0
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            a = annot.get_object()
            if a.get("/Subtype") == "/Link" and a.get("/Dest") is not None:
                internal += 1
    assert internal >= 80  # the vault has about a hundred wikilinks
    images = subprocess.run(
        ["pdfimages", "-list", str(root / "out" / "handbook.pdf")], capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert len(images) >= 5  # loss curve (twice), attention (and in its embed), diffusion


def test_the_decks_hold_none_of_the_syntax(vault):
    import zipfile

    root, _runs = vault
    decks = sorted((root / "out" / "slides").glob("*.pptx"))
    assert len(decks) >= 20
    texts = []
    for deck in decks:
        with zipfile.ZipFile(deck) as z:
            texts += [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("ppt/slides/slide")]
    xml = "\n".join(texts)
    for raw in RAW:
        assert raw not in xml, raw
