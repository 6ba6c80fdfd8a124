"""The build benchmark behind BENCHMARKS.md: ours and the peers', in one run.

    python bench/bench.py [--notes 108] [--topics 100] [--jobs N] [--rounds 5] [--write BENCHMARKS.md]

On a generated, seeded notebook (bench/generate_notebook.py; 108 notes give about 300
pages) it times, each as a separate `notebook-publish` command like a user runs it:

- a cold handbook build (empty cache), with the peak memory of the whole process tree
  (PSS: each shared page counted once; the RSS sum, an upper bound, is given too),
  taking turns with the peer below `--rounds` times (medians are reported);
- a no-op rebuild (nothing changed) and a rebuild after editing one note;
- a no-op `make` (handbook and decks) on the same notebook, with this repository's
  Makefile, after one `make` has built the decks;
- normalising the notes with every fixer against only the fixers every notebook
  needs (bench/bench_normalize.py), in this process;
- slides for `--topics` topics (one deck per note), cold cache and warm;
- a cold build of a math-heavy notebook (`--math-notes`, 300 give about 1,000 pages
  and 15,000 formulas, most of them short and inline, as study notes have them),
  with its peak memory, against the peer on the same notes;
- one note of `--formulas` formulas (half inline in a list, half display, all
  different), its handbook and its decks built cold: the worst case of a single note
  (tests/test_malformed.py checks that 300 of them are all drawn);

and, on the same notes, the peers: pandoc with `--pdf-engine=weasyprint` (the pandoc
that pypandoc ships, the venv's weasyprint, MathML for math) and `pandoc -t pptx`, one
run per note with the same number of parallel jobs. A benchmark, not a test: nothing
fails on a slow machine; the figures and ratios are printed and, with --write, saved.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate_notebook import generate_math_notebook, generate_notebook  # noqa: E402

CONFIG = (
    "title: Synthetic notebook\nauthor: Benchmark\nversion: bench\nnotes: notes\nmedia: [notes/media]\noutput: build\n"
)


def _pss_kb(pid: int) -> int | None:
    """Proportional set size: each shared page divided among the processes sharing it."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _tree_memory_kb(root: int, with_pss: bool = True) -> tuple[int, int]:
    """(PSS, RSS) of a process and all its descendants (from /proc), summed, in kB.

    The RSS sum counts a page shared by several processes once per process: forked
    workers share their parent's pages, and two pandoc processes share most of
    pandoc's 160 MB program file. The PSS sum counts each page once, split among its
    sharers: what the build occupies. Where smaps_rollup is missing, PSS is RSS."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages * (os.sysconf("SC_PAGE_SIZE") // 1024)
    total_pss, total_rss, stack = 0, 0, [root]
    while stack:
        pid = stack.pop()
        if pid in rss:
            total_rss += rss[pid]
            pss = _pss_kb(pid) if with_pss else None
            total_pss += rss[pid] if pss is None else pss
        stack.extend(children.get(pid, []))
    return total_pss, total_rss


def timed(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float, float]:
    """Wall time in seconds, and the peak PSS and peak RSS in MB of the command's whole
    process tree (RSS sampled every 50 ms, PSS every 200 ms; see `_tree_memory_kb`)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak_pss = peak_rss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_pss, peak_rss
        tick = 0
        while not done.is_set():
            # PSS makes the kernel walk every page table: read it every fourth sample
            # only, so the sampler does not take CPU from the build it measures.
            pss, rss = _tree_memory_kb(proc.pid, with_pss=tick % 4 == 0)
            if tick % 4 == 0:
                peak_pss = max(peak_pss, pss)
            peak_rss = max(peak_rss, rss)
            tick += 1
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _out, err = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    return elapsed, peak_pss / 1024, peak_rss / 1024


def pdf_pages(path: Path) -> int:
    import pikepdf

    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def font_programs(path: Path) -> tuple[int, int, int]:
    """The embedded font programs of a PDF: how many, their bytes as stored, and the
    faces they are of (the names without a subset tag)."""
    import pikepdf

    programs: dict[tuple[int, int], int] = {}
    faces = set()
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                faces.add(str(obj.get("/FontName", "")).split("+", 1)[-1])
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in obj:
                        programs[obj[key].objgen] = len(obj[key].read_raw_bytes())
    return len(programs), sum(programs.values()), len(faces)


def book_order(notes: Path) -> list[Path]:
    """The notes in the order the index note lists them (how the handbook orders them)."""
    import re

    index = (notes / "index.md").read_text(encoding="utf-8")
    listed = [notes / m for m in re.findall(r"\]\(([^)#]+\.md)\)", index)]
    return [notes / "index.md"] + [p for p in dict.fromkeys(listed) if p.is_file()]


def machine() -> list[str]:
    import pypandoc
    import weasyprint

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        kb = int(
            next(
                line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
            ).split()[1]
        )
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return [
        f"- CPUs (nproc): {os.cpu_count()}; CPU: {cpu}; memory: {mem}",
        f"- {platform.system()} {platform.release()}, Python {platform.python_version()}",
        f"- WeasyPrint {weasyprint.__version__}, pandoc {pypandoc.get_pandoc_version()} (from pypandoc-binary)",
    ]


def noop_make(root: Path, env: dict) -> tuple[float, str]:
    """A no-op `make` (both the handbook and the decks) on the benchmark notebook, with
    this repository's Makefile and its .venv, as a user's project would have them:
    the median of three, after one `make` that builds the decks."""
    shutil.copy(REPO / "Makefile", root / "Makefile")
    (root / ".venv").symlink_to(REPO / ".venv")
    # Run as a user would from a shell: when `make bench` starts us, make's own
    # variables would otherwise turn the inner make into a sub-make. `-o`: the
    # linked .venv is set up; it must never be reinstalled from here.
    shell_env = {k: v for k, v in env.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES")}
    command = ["make", "-o", ".venv/.installed"]
    subprocess.run(command, cwd=root, env=shell_env, check=True, capture_output=True)
    times, said = [], ""
    for _ in range(3):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=root, env=shell_env, check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        said = "; ".join(line for line in done.stdout.splitlines() if "up to date" in line)
    return statistics.median(times), said


def math_heavy(root: Path, args, np: list[str], env: dict, pandoc: str, weasyprint_exe: str) -> dict:
    """The math-heavy notebook: our cold build and the peer's, taking turns."""
    import re

    generate_math_notebook(root / "notes", args.math_notes, args.seed)
    (root / "handbook.yml").write_text(CONFIG.replace("Synthetic notebook", "Math notes"), encoding="utf-8")
    text = "\n".join(p.read_text(encoding="utf-8") for p in (root / "notes").glob("*.md"))
    displays = len(re.findall(r"\$\$.*?\$\$", text, re.S))
    formulas = displays + len(re.findall(r"\$[^$\n]+\$", re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)))
    pdf_cmd = np + ["pdf", "-q", "--jobs", str(args.jobs)]
    sources = [str(p.relative_to(root / "notes")) for p in book_order(root / "notes")]
    peer_cmd = [pandoc, *sources, "--mathml", f"--pdf-engine={weasyprint_exe}", "-o", str(root / "pandoc.pdf")]
    colds, peers, peaks, peaks_rss, peer_peaks = [], [], [], [], []
    for _round in range(args.math_rounds):
        shutil.rmtree(root / "build", ignore_errors=True)
        seconds, peak, peak_rss = timed(pdf_cmd, root, env)
        colds.append(seconds)
        peaks.append(peak)
        peaks_rss.append(peak_rss)
        seconds, peak, _rss = timed(peer_cmd, root / "notes", env)
        peers.append(seconds)
        peer_peaks.append(peak)
    return {
        "math_cold": statistics.median(colds),
        "math_peer": statistics.median(peers),
        "math_colds": colds,
        "math_peers": peers,
        "math_ratio": statistics.median(c / p for c, p in zip(colds, peers)),
        "math_peak": max(peaks),
        "math_peak_rss": max(peaks_rss),
        "math_peer_peak": max(peer_peaks),
        "math_formulas": formulas,
        "math_pages": pdf_pages(root / "build" / "handbook.pdf"),
        "math_peer_pages": pdf_pages(root / "pandoc.pdf"),
    }


def many_formulas(root: Path, count: int, np: list[str], env: dict, jobs: int) -> dict:
    """One note of `count` different formulas, half inline in a list, half display:
    its handbook and its decks built cold."""
    half = count // 2
    text = "# Case\n\n## Formulas\n\n" + "".join(f"- $x_{{{i}}} = \\frac{{{i}}}{{{i} + 1}}$\n" for i in range(half))
    text += "".join(f"\n$$\\sum_{{k=0}}^{{{i}}} k^2$$\n" for i in range(count - half))
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "index.md").write_text("# Book\n\n- [Case](case.md)\n", encoding="utf-8")
    (root / "notes" / "case.md").write_text(text, encoding="utf-8")
    (root / "handbook.yml").write_text("title: Formulas\nnotes: notes\nmedia: []\noutput: build\n", encoding="utf-8")
    pdf, pdf_peak, _rss = timed(np + ["pdf", "-q", "--jobs", str(jobs)], root, env)
    slides, *_ = timed(np + ["slides", "-q", "--jobs", str(jobs)], root, env)
    decks = len(list((root / "build" / "slides").glob("*.pptx")))
    return {
        "formulas_pdf": pdf,
        "formulas_peak": pdf_peak,
        "formulas_slides": slides,
        "formulas_pages": pdf_pages(root / "build" / "handbook.pdf"),
        "formulas_decks": decks,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--notes", type=int, default=108, help="notes in the handbook notebook (108 give about 300 pages)"
    )
    parser.add_argument("--topics", type=int, default=100, help="notes (one deck each) in the slides notebook")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="cold builds and peer runs, taking turns (the ratio is the median of the rounds' ratios; a round's ratio varies by about a tenth on a shared machine)",
    )
    parser.add_argument(
        "--math-notes",
        type=int,
        default=300,
        help="notes in the math-heavy notebook (300 give about 1,000 pages and 15,000 formulas; 0 skips it)",
    )
    parser.add_argument(
        "--math-rounds", type=int, default=1, help="cold builds of the math-heavy notebook, taking turns with the peer"
    )
    parser.add_argument(
        "--formulas",
        type=int,
        default=5000,
        help="formulas in the one-note case (half inline, half display; 0 skips it)",
    )
    parser.add_argument("--no-make", action="store_true", help="skip the no-op `make` on the benchmark notebook")
    parser.add_argument("--write", type=Path, help="write the results as Markdown to this file")
    args = parser.parse_args()

    import pypandoc

    pandoc = pypandoc.get_pandoc_path()
    weasyprint_exe = shutil.which("weasyprint", path=str(Path(sys.executable).parent)) or shutil.which("weasyprint")
    np = [sys.executable, "-m", "notebook_publish"]
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("SOURCE_DATE_EPOCH", None)
    results: dict[str, float] = {}

    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        root = Path(tmp) / "book"
        generate_notebook(root / "notes", args.notes, args.seed)
        (root / "handbook.yml").write_text(CONFIG, encoding="utf-8")
        pdf_cmd = np + ["pdf", "-q", "--jobs", str(args.jobs)]
        # The peer: pandoc to HTML, WeasyPrint to PDF, on the same notes in the same order.
        sources = [str(p.relative_to(root / "notes")) for p in book_order(root / "notes")]
        peer_cmd = [
            pandoc,
            *sources,
            "--resource-path=.",
            "--mathml",
            f"--pdf-engine={weasyprint_exe}",
            "-o",
            str(root / "pandoc.pdf"),
        ]

        # A shared machine runs faster and slower by the minute, by as much as a third:
        # the cold build and the peer take turns, `--rounds` times, and the ratio is the
        # median of the rounds' ratios.
        colds, peers, peaks, peer_peaks, peaks_rss, peer_peaks_rss = [], [], [], [], [], []
        for _round in range(args.rounds):
            shutil.rmtree(root / "build", ignore_errors=True)
            seconds, peak, peak_rss = timed(pdf_cmd, root, env)
            colds.append(seconds)
            peaks.append(peak)
            peaks_rss.append(peak_rss)
            seconds, peak, peak_rss = timed(peer_cmd, root / "notes", env)
            peers.append(seconds)
            peer_peaks.append(peak)
            peer_peaks_rss.append(peak_rss)
        results["cold"], results["pandoc_pdf"] = statistics.median(colds), statistics.median(peers)
        results["ratio"] = statistics.median(c / p for c, p in zip(colds, peers))
        results["peak"], results["pandoc_peak"] = max(peaks), max(peer_peaks)
        results["peak_rss"], results["pandoc_peak_rss"] = max(peaks_rss), max(peer_peaks_rss)
        rounds = {"cold": colds, "peer": peers}
        pages = pdf_pages(root / "build" / "handbook.pdf")
        fonts = font_programs(root / "build" / "handbook.pdf")
        size = (root / "build" / "handbook.pdf").stat().st_size
        peer_pages = pdf_pages(root / "pandoc.pdf")
        results["noop"] = statistics.median(timed(pdf_cmd, root, env)[0] for _ in range(3))
        if not args.no_make:
            results["make_noop"], make_said = noop_make(root, env)
        edited = book_order(root / "notes")[len(book_order(root / "notes")) // 2]
        edited.write_text(
            edited.read_text(encoding="utf-8") + "\n\nOne more sentence, added for the benchmark.\n", encoding="utf-8"
        )
        results["edit"], *_ = timed(pdf_cmd, root, env)

        slides_root = Path(tmp) / "slides"
        generate_notebook(slides_root / "notes", args.topics, args.seed)
        (slides_root / "handbook.yml").write_text(CONFIG, encoding="utf-8")
        slides_cmd = np + ["slides", "-q", "--jobs", str(args.jobs), "--set", "slides.topic=note"]
        results["slides_cold"], *_ = timed(slides_cmd, slides_root, env)
        # Warm: the decks deleted, so they are written again from the deck cache (with
        # them in place, the command finds nothing to do and returns at once).
        shutil.rmtree(slides_root / "build" / "slides")
        results["slides_warm"], *_ = timed(slides_cmd, slides_root, env)
        decks = len(list((slides_root / "build" / "slides").glob("*.pptx")))
        notes = sorted((slides_root / "notes").glob("note-*.md"))
        (slides_root / "pandoc").mkdir()

        def to_pptx(source: Path) -> None:
            subprocess.run(
                [pandoc, source.name, "-t", "pptx", "-o", str(slides_root / "pandoc" / (source.stem + ".pptx"))],
                cwd=source.parent,
                check=True,
                capture_output=True,
            )

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            list(pool.map(to_pptx, notes))
        results["pandoc_pptx"] = time.perf_counter() - started

        if args.math_notes:
            results.update(math_heavy(Path(tmp) / "math", args, np, env, pandoc, weasyprint_exe))
        if args.formulas:
            results.update(many_formulas(Path(tmp) / "formulas", args.formulas, np, env, args.jobs))

    from bench_normalize import measure as measure_normalize

    normalised = measure_normalize(args.notes, rounds=7, seed=args.seed)
    r = results
    lines = ["| measure | figure | target | holds |", "| --- | --- | --- | --- |"]

    def row(name: str, figure: str, target: str, holds: bool | None) -> None:
        lines.append(f"| {name} | {figure} | {target} | {'n/a' if holds is None else 'yes' if holds else '**no**'} |")

    def each(values: list[float]) -> str:
        return ", ".join(f"{v:.1f}" for v in values)

    row(
        f"cold handbook build, {args.notes} notes, {pages} pages, {args.jobs} jobs (median of {args.rounds}: {each(rounds['cold'])})",
        f"{r['cold']:.1f} s",
        "",
        None,
    )
    row(
        f"pandoc --pdf-engine=weasyprint, same notes, {peer_pages} pages (median of {args.rounds}: {each(rounds['peer'])})",
        f"{r['pandoc_pdf']:.1f} s",
        "",
        None,
    )
    row(
        f"the handbook's embedded font programs: {fonts[0]} for {fonts[2]} faces (the file: {size / 1e6:.2f} MB)",
        f"{fonts[1] / 1e3:.0f} KB",
        "",
        None,
    )
    row(
        "cold build / pandoc+weasyprint (median of the rounds' ratios)",
        f"{r['ratio']:.2f}x",
        "≤ 0.70x",
        r["ratio"] <= 0.7,
    )
    row(
        "rebuild after a one-note edit",
        f"{r['edit']:.1f} s ({100 * r['edit'] / r['cold']:.0f}% of cold)",
        "≤ 25% of cold",
        r["edit"] <= 0.25 * r["cold"],
    )
    row(
        f"no-op rebuild (`notebook-publish pdf`, nothing changed; median of 3; {100 * r['noop'] / r['cold']:.1f}% of cold)",
        f"{r['noop']:.2f} s",
        "≤ 1 s",
        r["noop"] <= 1.0,
    )
    if "make_noop" in r:
        row(
            f"no-op `make` (handbook and decks) on the same notebook, median of 3 ({make_said or 'nothing to do'})",
            f"{r['make_noop']:.2f} s",
            "≤ 1 s",
            r["make_noop"] <= 1.0,
        )
    row(
        f"peak memory of the cold build (PSS summed over the process tree; RSS summed: {r['peak_rss']:.0f} MB)",
        f"{r['peak']:.0f} MB",
        "≤ 600 MB",
        r["peak"] <= 600,
    )
    row(
        f"pandoc+weasyprint peak memory (PSS; RSS summed: {r['pandoc_peak_rss']:.0f} MB)",
        f"{r['pandoc_peak']:.0f} MB",
        "",
        None,
    )
    row(
        f"normalising the {normalised['notes']} notes with every fixer, against without the flavour fixers ({normalised['all'] * 1000:.0f} ms and {normalised['base'] * 1000:.0f} ms, medians of 7 alternating rounds in one process)",
        f"{normalised['ratio']:.2f}x",
        "≤ 1.10x",
        normalised["ratio"] <= 1.10,
    )
    row(f"slides, {decks} decks, cold cache", f"{r['slides_cold']:.1f} s", "≤ 15 s", r["slides_cold"] <= 15)
    row(
        f"slides, {decks} decks, warm cache (decks deleted, written again from the deck cache)",
        f"{r['slides_warm']:.1f} s",
        "≤ 15 s",
        r["slides_warm"] <= 15,
    )
    row(f"pandoc -t pptx, {len(notes)} notes, {args.jobs} parallel", f"{r['pandoc_pptx']:.1f} s", "", None)
    row("slides (warm) / pandoc -t pptx", f"{r['slides_warm'] / r['pandoc_pptx']:.2f}x", "", None)
    if "math_cold" in r:
        row(
            f"math-heavy notebook, {args.math_notes} notes, {r['math_formulas']:,} formulas, {r['math_pages']} pages: cold build (median of {args.math_rounds}: {each(r['math_colds'])})",
            f"{r['math_cold']:.1f} s",
            "",
            None,
        )
        row(
            f"pandoc --mathml --pdf-engine=weasyprint, same notes, {r['math_peer_pages']} pages (median of {args.math_rounds}: {each(r['math_peers'])})",
            f"{r['math_peer']:.1f} s",
            "",
            None,
        )
        row("math-heavy cold build / pandoc+weasyprint", f"{r['math_ratio']:.2f}x", "≤ 1.0x", r["math_ratio"] <= 1.0)
        row(
            f"math-heavy peak memory (PSS; RSS summed: {r['math_peak_rss']:.0f} MB; the peer: {r['math_peer_peak']:.0f} MB PSS)",
            f"{r['math_peak']:.0f} MB",
            "≤ 700 MB",
            r["math_peak"] <= 700,
        )
    if "formulas_pdf" in r:
        row(
            f"one note of {args.formulas:,} formulas (half inline, half display), {r['formulas_pages']} pages: cold handbook build (peak {r['formulas_peak']:.0f} MB PSS)",
            f"{r['formulas_pdf']:.1f} s",
            "≤ 300 s",
            r["formulas_pdf"] <= 300,
        )
        row(
            f"the same note: cold slides, {r['formulas_decks']} deck(s)",
            f"{r['formulas_slides']:.1f} s",
            "≤ 300 s",
            r["formulas_slides"] <= 300,
        )
    table = "\n".join(lines)
    print(table)
    if args.write:
        text = args.write.read_text(encoding="utf-8") if args.write.exists() else ""
        start, end = "<!-- bench:start -->", "<!-- bench:end -->"
        block = f"{start}\nMachine:\n\n" + "\n".join(machine()) + f"\n\n{table}\n{end}"
        if start in text and end in text:
            text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
        else:
            text = text.rstrip() + "\n\n" + block + "\n"
        args.write.write_text(text, encoding="utf-8")
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
