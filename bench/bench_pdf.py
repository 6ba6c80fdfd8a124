"""Time a cold PDF build of a generated notebook of about 100 pages.

    python bench/bench_pdf.py [--notes 36] [--seed 1] [--keep DIR]

Prints wall time, pages, pages per second and peak memory (this process and its
children, e.g. pandoc). The notebook comes from bench/generate_notebook.py, so every
run builds the same book. The cache starts empty: this is the first-build figure.
A benchmark, not a test: nothing here fails on a slow machine.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from generate_notebook import generate_notebook  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident memory in MB of this process and of the largest finished child."""
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (self_kb + children_kb) / 1024  # Linux reports kilobytes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--notes", type=int, default=36, help="notes to generate (36 give about 100 pages)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it, instead of a temporary one")
    args = parser.parse_args()

    import pikepdf

    from notebook_publish.build import open_cache
    from notebook_publish.config import load_config
    from notebook_publish.diagnostics import Severity
    from notebook_publish.handbook import build_pdf
    from notebook_publish.notes import load_book

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        generate_notebook(root / "notes", args.notes, args.seed)
        (root / "handbook.yml").write_text(
            "title: Synthetic notebook\nauthor: Benchmark\nversion: bench\nnotes: notes\nmedia: [notes/media]\noutput: build\n",
            encoding="utf-8",
        )
        out = root / "build" / "handbook.pdf"

        start = time.perf_counter()
        config = load_config(root / "handbook.yml")
        book = load_book(config, open_cache(config))
        loaded = time.perf_counter()
        diagnostics = build_pdf(book, out, jobs=1)
        done = time.perf_counter()

        with pikepdf.open(out) as built:
            pages = len(built.pages)
        errors = [d for d in list(book.diagnostics) + diagnostics if d.severity >= Severity.ERROR]
        total = done - start
        print(f"notes:        {args.notes} (seed {args.seed}), {len(book.chapters)} chapters")
        print(f"pages:        {pages}")
        print(f"wall time:    {total:.1f} s (load and parse {loaded - start:.1f} s, typeset {done - loaded:.1f} s)")
        print(f"pages/second: {pages / total:.1f}")
        print(f"peak memory:  {peak_rss_mb():.0f} MB (max RSS of this process plus largest child)")
        print(f"output:       {out.stat().st_size / 1024:.0f} KB{'' if args.keep else ' (temporary)'}")
        for d in errors:
            print(d.format(), file=sys.stderr)
        return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
