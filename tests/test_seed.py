"""The issue's acceptance checks on the user's own notebook."""

import json
import re
import subprocess
import sys

from conftest import ROOT, SEED
from notebook_publish.pandoc.ast import plain_text, walk_blocks
from notebook_publish.pandoc.parse import parse_markdown


def normalised_seed() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "notebook_publish", "normalize", str(SEED)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
        check=True,
    )
    return done.stdout


def test_seed_is_a_byte_copy_of_the_export():
    shared = ROOT.parent / "shared" / "notes" / "index.md"
    if shared.exists():
        assert SEED.read_bytes() == shared.read_bytes()


def test_normalised_seed_text():
    text = normalised_seed()
    assert "⇒" in text and "→" in text
    assert "noise variance 𝛽𝑡 over 𝑇 steps" in text
    assert not re.search("[âðÃ]", text)
    assert "```math" not in text
    # No emphasis marker with a space just inside: an opening ** followed by a space,
    # or a closing ** preceded by one.
    for line in text.splitlines():
        for pair in re.findall(r"\*\*(.+?)\*\*", line):
            assert pair == pair.strip(), line
    for name in ("CLiP", "Blip", "Blip2", "LLaVA"):
        assert f"### {name}\n" in text


def test_normalised_seed_parses_into_lists_with_display_math():
    ast = parse_markdown(normalised_seed())
    blocks = list(walk_blocks(ast["blocks"]))
    assert not [b for b in blocks if b["t"] == "CodeBlock"]
    dumped = json.dumps(ast)
    assert dumped.count('"DisplayMath"') == 2
    # Both formulas sit inside list items, and the items after them are still items.
    items_with_math = []
    for b in blocks:
        if b["t"] == "BulletList":
            for item in b["c"]:
                if '"DisplayMath"' in json.dumps(item[0]):
                    items_with_math.append(item)
    assert len(items_with_math) == 2
    item_texts = [
        plain_text(item[0]["c"])
        for b in blocks
        if b["t"] == "BulletList"
        for item in b["c"]
        if item[0]["t"] in ("Plain", "Para")
    ]
    assert any(t.startswith("Train a filter for text") for t in item_texts)
    assert any(t.startswith("language loss") for t in item_texts)
    assert any(t.startswith("Train a text generator") for t in item_texts)
