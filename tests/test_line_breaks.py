"""Lines break where the text runs out of room, not at the first opportunity.

WeasyPrint breaks a line at its first break opportunity (leaving one word, or one
hyphenated syllable, on a line of its own) when the line's text only fits without
a collapsed space at its end, or when the space before a bold word ends a text box
and the bold word does not fit. The HTML writer leaves no space at the end of a
list item's text and moves the space before bold, italic and math inside them.
These two bullets came out as "lat‐" and "fea‐" lines before that.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from test_handbook import build

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")

NOTE = """# Line breaks

## Gradient Gradient 1

- latent distillation throughput decoder inference contrastive throughput language optimizer
- prompt vision batch schedule vision transformer with $\\alpha_{7}$

## Model 1

- feature normalisation retrieval normalisation gradient gradient retrieval latent embedding **memory prompt optimizer**
- noise transformer weight loss language loss feature loss
"""


@pytest.mark.slow
def test_list_items_do_not_break_at_their_first_word(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "index.md").write_text(NOTE, encoding="utf-8")
    (tmp_path / "handbook.yml").write_text("title: Line breaks\nnotes: notes\nmedia: []\n", encoding="utf-8")
    out, _ = build(tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    lines = [line.strip() for line in text.splitlines()]
    assert not [line for line in lines if re.fullmatch(r"\w{1,12}[‐-]", line) or line in ("latent", "feature")], lines
    # Each item's first line holds most of its words.
    assert any(line.startswith("latent distillation throughput decoder") for line in lines)
    assert any(line.startswith("feature normalisation retrieval normalisation") for line in lines)


def test_space_before_bold_italic_and_math_goes_inside_them():
    from notebook_publish.handbook.html.inlines import _after_space

    items = [{"t": "Str", "c": "a"}, {"t": "Space"}, {"t": "Strong", "c": []}]
    assert _after_space("<strong>b</strong>", items, 2) == "<strong> b</strong>"
    assert _after_space("<strong>b</strong>", items, 0) == "<strong>b</strong>"
