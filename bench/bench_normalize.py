"""What the notebook-flavour fixers cost: normalising the benchmark notebook with every
fixer, against the same run with only the fixers every notebook needs.

    python bench/bench_normalize.py [--notes 108] [--rounds 7]

Both runs happen in this one process, taking turns (`--rounds` times, medians
reported), on the notes bench/generate_notebook.py writes, with the same context the
build gives each note. The ratio is the figure: the flavour fixers (Obsidian,
GitHub, GitBook, MkDocs/VitePress, Jekyll syntax and the leftover-syntax pass) may
add at most 10% (1.10x). A benchmark, not a test: nothing fails on a slow machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from generate_notebook import generate_notebook  # noqa: E402

# The fixers every notebook needs, whatever tool wrote it; the rest serve one flavour
# or another.
BASE = ("encoding", "control", "emphasis", "headings", "math", "images", "links")


def contexts(notes: Path):
    from notebook_publish.normalize import NoteContext
    from notebook_publish.notes import list_files

    files = list_files([notes])
    for path in sorted(notes.rglob("*.md")):
        yield path.read_text(encoding="utf-8"), NoteContext(path=path.resolve(), notes_dir=notes.resolve(), files=files)


def normalise_all(notes, fixers) -> float:
    import notebook_publish.normalize as normalize

    saved = normalize.FIXERS
    normalize.FIXERS = fixers
    try:
        started = time.perf_counter()
        for text, ctx in notes:
            normalize.normalize(text, ctx)
        return time.perf_counter() - started
    finally:
        normalize.FIXERS = saved


def measure(notes_count: int, rounds: int, seed: int = 1) -> dict:
    from notebook_publish.normalize import FIXERS

    base = tuple(f for f in FIXERS if f.__name__.rsplit(".", 1)[-1] in BASE)
    flavour = [f.__name__.rsplit(".", 1)[-1] for f in FIXERS if f not in base]
    with tempfile.TemporaryDirectory(prefix="bench-normalize-") as tmp:
        folder = Path(tmp) / "notes"
        generate_notebook(folder, notes_count, seed)
        notes = list(contexts(folder))
        normalise_all(notes, FIXERS)  # warm: regexes compiled, modules imported
        with_all, with_base = [], []
        for _ in range(rounds):
            with_all.append(normalise_all(notes, FIXERS))
            with_base.append(normalise_all(notes, base))
    return {
        "notes": len(notes),
        "all": statistics.median(with_all),
        "base": statistics.median(with_base),
        "ratio": statistics.median(a / b for a, b in zip(with_all, with_base)),
        "flavour_fixers": flavour,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=108)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    r = measure(args.notes, args.rounds)
    print(
        f"{r['notes']} notes: every fixer {r['all'] * 1000:.0f} ms, without the flavour fixers ({', '.join(r['flavour_fixers']) or 'none'}) {r['base'] * 1000:.0f} ms: {r['ratio']:.2f}x (target ≤ 1.10x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
