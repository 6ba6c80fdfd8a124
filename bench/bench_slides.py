"""Time `notebook-publish slides` on 100 generated topics, against `pandoc -t pptx`.

    python bench/bench_slides.py [--topics 100] [--jobs N]

Generates a seeded notebook (bench/generate_notebook.py), one note per topic, and
builds one deck per note (`slides.topic: note`) from a cold cache, then again from a
warm one. In the same run, pandoc (the binary pypandoc ships) converts the same notes
to one .pptx each, with the same number of parallel jobs, for a reference. pandoc does
far less (no measuring, no splitting, no fallbacks), so the ratio is the price of those.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

from generate_notebook import generate_notebook  # noqa: E402
from notebook_publish.build import open_cache  # noqa: E402
from notebook_publish.config import load_config  # noqa: E402
from notebook_publish.notes import load_book  # noqa: E402
from notebook_publish.slides import build_decks  # noqa: E402


def build_ours(root: Path, notes: Path, jobs: int) -> tuple[float, int, int]:
    started = time.perf_counter()
    config = load_config(
        None,
        overrides={
            "notes": str(notes),
            "output": str(root / "build"),
            "slides.topic": "note",
            "media": [str(notes / "media")],
        },
        cwd=root,
    )
    book = load_book(config, open_cache(config))
    written, _diagnostics = build_decks(book, root / "build" / "slides", None, jobs)
    elapsed = time.perf_counter() - started
    slides = 0
    from pptx import Presentation

    for path in written:
        slides += len(Presentation(str(path)).slides)
    return elapsed, len(written), slides


def build_pandoc(notes: Path, out: Path, jobs: int) -> float:
    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    out.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in notes.glob("note-*.md"))

    def convert(source: Path) -> None:
        subprocess.run(
            [pandoc, source.name, "-f", "markdown", "-t", "pptx", "-o", str(out / (source.stem + ".pptx"))],
            cwd=notes,
            check=True,
            capture_output=True,
        )

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(convert, sources))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topics", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-slides-") as tmp:
        root = Path(tmp)
        notes = root / "notes"
        generate_notebook(notes, args.topics, args.seed)
        cold, decks, slides = build_ours(root, notes, args.jobs)
        warm, _, _ = build_ours(root, notes, args.jobs)
        reference = build_pandoc(notes, root / "pandoc", args.jobs)
    print(f"{args.topics} topics, {args.jobs} jobs: {decks} decks, {slides} slides")
    print(f"notebook-publish slides: {cold:.2f} s cold cache, {warm:.2f} s warm cache")
    print(f"pandoc -t pptx:          {reference:.2f} s (one run per note)")
    print(f"ratio (warm / pandoc):   {warm / reference:.2f}x; cold / pandoc: {cold / reference:.2f}x")


if __name__ == "__main__":
    main()
