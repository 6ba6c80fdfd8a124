"""Notes parsed many to a pandoc process give exactly the AST of a run per note."""

from __future__ import annotations

import json
from pathlib import Path

from notebook_publish.pandoc.batch import parse_batch
from notebook_publish.pandoc.parse import parse_many
from notebook_publish.pandoc.process import run_pandoc

ROOT = Path(__file__).resolve().parents[1]

NOTES = [
    "# Intro\n\nSee [below](#details) and [^1].\n\n## Details {#details}\n\n- a\n- b\n\n[^1]: A footnote.\n",
    "# Intro\n\nThe same heading as the first note, a footnote with the same label.[^1]\n\n[^1]: Another one.\n",
    "",
    "Text that mentions np0011n3md__ and `<!-- end 2 -->` literally.\n\n<!-- a comment of its own -->\n",
    "$$\nx^2\n$$\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n::: notes\nspoken\n:::\n",
]


def _single(text: str) -> dict:
    return json.loads(run_pandoc(text))


def test_each_note_of_a_batch_is_what_a_run_of_its_own_gives():
    texts = NOTES + [(ROOT / "notes" / "index.md").read_text(encoding="utf-8")]
    got = parse_batch(texts)
    assert all(raw is not None for raw in got)
    for text, raw in zip(texts, got):
        assert json.loads(raw) == _single(text)


def test_a_note_that_swallows_its_end_is_left_to_a_run_of_its_own():
    unclosed = "Before.\n\n```python\nprint('the fence is never closed')\n"
    texts = [NOTES[0], unclosed, NOTES[1], NOTES[4]]
    got = parse_batch(texts)
    # The unclosed fence takes its own end marker into the code block, so where it ends
    # and the next note begins cannot be told: both are left out, the others are not.
    assert got[1] is None and got[2] is None
    assert json.loads(got[0]) == _single(NOTES[0])
    assert json.loads(got[3]) == _single(NOTES[4])


def test_parse_many_gives_the_same_asts_in_batches():
    texts = NOTES * 12 + ["```\nunclosed\n"]
    assert parse_many(texts, jobs=2) == [_single(t) for t in texts]
