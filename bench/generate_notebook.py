"""Write a synthetic notebook of N notes for benchmarks and stress tests.

Seeded and deterministic: the same (notes, seed) gives byte-identical files. Each note
has headings, nested bullets with bold key terms, inline and display math, a code
block, a table, an image (a small PNG written into media/) and links to other notes;
`index.md` links every note, as an exported index page would.

    python bench/generate_notebook.py OUT_DIR --notes 60 --seed 1
    python bench/generate_notebook.py OUT_DIR --math-heavy   # ~1,000 pages, ~15,000 formulas

`--math-heavy` writes study notes as math courses keep them instead: paragraphs and
bullets dense with short inline formulas (a letter, a letter with an index, a small
expression), a display formula or an aligned derivation now and then.
"""

from __future__ import annotations

import argparse
import random
import struct
import zlib
from pathlib import Path

WORDS = (
    "model attention encoder decoder gradient loss token embedding layer training inference "
    "diffusion noise sampling schedule transformer vision language projection contrastive "
    "retrieval batch optimizer weight residual normalisation dropout kernel feature latent "
    "prompt adapter distillation quantisation memory throughput dataset benchmark"
).split()

FORMULAS = (
    r"L = -\sum_{t} \log P(\omega_t \mid \omega_{<t})",
    r"\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\left(\frac{QK^T}{\sqrt{d_k}}\right) V",
    r"x_t = \sqrt{\bar\alpha_t}\, x_0 + \sqrt{1 - \bar\alpha_t}\, \epsilon",
    r"L_{ITM} = -Y \log P - (1 - Y) \log (1 - P)",
    r"\theta \leftarrow \theta - \eta \nabla_\theta L",
)


def _phrase(rng: random.Random, lo: int, hi: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def _png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    """A plain PNG, written by hand so the generator needs nothing but the stdlib."""
    row = b"\x00" + bytes(colour) * width
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _bullets(rng: random.Random, count: int, depth: int = 0) -> list[str]:
    lines = []
    for _ in range(count):
        text = _phrase(rng, 4, 12)
        if rng.random() < 0.3:
            text += f" **{_phrase(rng, 1, 3)}**"
        if rng.random() < 0.15:
            text += f" with $\\alpha_{{{rng.randint(1, 9)}}}$"
        lines.append("    " * depth + f"- {text}")
        if depth < 2 and rng.random() < 0.35:
            lines += _bullets(rng, rng.randint(1, 3), depth + 1)
    return lines


def _slug(title: str) -> str:
    """The anchor GitHub-style Markdown gives a heading."""
    kept = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def note_text(rng: random.Random, number: int, titles: list[str]) -> str:
    total = len(titles)
    title = titles[number - 1]
    out = [f"# {title}", "", _phrase(rng, 20, 40).capitalize() + ".", ""]
    for section in range(rng.randint(2, 3)):
        out += [f"## {_phrase(rng, 1, 3).title()} {section + 1}", ""]
        out += _bullets(rng, rng.randint(4, 8)) + [""]
        if rng.random() < 0.6:
            out += ["$$", rng.choice(FORMULAS), "$$", ""]
        if rng.random() < 0.3:
            out += [
                "```python",
                f"def step_{number}_{section}(x):",
                "    return x * 2  # " + _phrase(rng, 2, 4),
                "```",
                "",
            ]
    out += ["| term | meaning |", "| --- | --- |"]
    out += [f"| {_phrase(rng, 1, 2)} | {_phrase(rng, 3, 7)} |" for _ in range(3)] + [""]
    out += [f"![{_phrase(rng, 2, 4)}](media/figure-{number:03d}.png)", ""]
    if total > 1:
        other = (number % total) + 1
        out += [f"See also [topic {other:03d}](note-{other:03d}.md#{_slug(titles[other - 1])}).", ""]
    return "\n".join(out)


# Short inline formulas, as study notes write them: most are a symbol or two.
INLINE = (
    r"x",
    r"x_i",
    r"y_i",
    r"\alpha",
    r"\beta",
    r"\theta",
    r"\lambda",
    r"n",
    r"d",
    r"k",
    r"W",
    r"b",
    r"x_{i,j}",
    r"W^T x",
    r"\sigma(z)",
    r"\mathbb{E}[X]",
    r"p(x \mid \theta)",
    r"\|w\|_2^2",
    r"\hat{y}",
    r"\nabla_\theta L",
    r"O(n \log n)",
    r"\mathbb{R}^d",
    r"e^{-x}",
    r"\frac{1}{n}",
    r"t = 1, \dots, T",
)
DISPLAY = FORMULAS + (
    r"\begin{aligned} \mathcal{L}(\theta) &= \sum_{i=1}^n \log p(y_i \mid x_i, \theta) \\ &= \sum_{i=1}^n \left( y_i \log \hat{y}_i + (1 - y_i) \log (1 - \hat{y}_i) \right) \end{aligned}",
    r"\hat{\theta} = \arg\max_\theta \prod_{i=1}^{n} p(x_i \mid \theta)",
    r"\mathrm{KL}(p \,\|\, q) = \int p(x) \log \frac{p(x)}{q(x)} \, dx",
)
MATH_FORMULAS_PER_NOTE = 44  # 300 notes: about 15,000 formulas on about 1,000 pages


LETTERS = "abcdefghknpqrstuvwxyzABCDFGHKLMNPQRSTUVWXYZ"
GREEK = (
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "eta",
    "theta",
    "lambda",
    "mu",
    "sigma",
    "tau",
    "phi",
    "psi",
    "omega",
)


def _inline_formula(rng: random.Random) -> str:
    """A short formula, varied as real notes vary them (another letter, another index),
    so that most are distinct: a cache of repeated sources cannot hide the cost."""
    letter = rng.choice(LETTERS)
    index = rng.choice(
        ("i", "j", "k", "t", "n", str(rng.randint(0, 12)), f"{{{rng.choice('ijk')},{rng.choice('jkl')}}}")
    )
    kind = rng.random()
    if kind < 0.35:
        return rng.choice((letter, f"\\{rng.choice(GREEK)}"))
    if kind < 0.65:
        return f"{letter}_{index}" if rng.random() < 0.6 else f"{letter}^{{{rng.randint(2, 4)}}}"
    if kind < 0.8:
        return rng.choice(INLINE)
    other = rng.choice(LETTERS)
    return rng.choice(
        (
            f"{letter}_{index} + {other}_{index}",
            f"\\frac{{{letter}}}{{{other}}}",
            f"\\{rng.choice(GREEK)}_{index} {letter}",
            f"{letter} \\in \\mathbb{{R}}^{{{rng.randint(2, 512)}}}",
            f"\\sum_{{{index}=1}}^{{n}} {letter}_{index}",
        )
    )


def _math_sentence(rng: random.Random) -> str:
    words = _phrase(rng, 6, 14).split()
    for _ in range(rng.randint(1, 3)):
        words.insert(rng.randint(0, len(words)), f"${_inline_formula(rng)}$")
    sentence = " ".join(words)
    return sentence[0].upper() + sentence[1:] + "."


def math_note_text(rng: random.Random, number: int, title: str) -> str:
    out = [f"# {title}", ""]
    formulas = 0
    section = 0
    while formulas < MATH_FORMULAS_PER_NOTE:
        section += 1
        out += [f"## {_phrase(rng, 1, 3).title()} {section}", ""]
        paragraph = [_math_sentence(rng) for _ in range(rng.randint(3, 5))]
        out += [" ".join(paragraph), ""]
        out += [" ".join(_phrase(rng, 10, 18).capitalize() + "." for _ in range(rng.randint(9, 14))), ""]
        for _ in range(rng.randint(3, 5)):
            out.append(f"- {_math_sentence(rng)}")
        out.append("")
        if rng.random() < 0.5:
            out += ["$$", rng.choice(DISPLAY), "$$", ""]
        formulas = sum(line.count("$") for line in out) // 2
    return "\n".join(out)


def generate_math_notebook(folder: Path, notes: int = 300, seed: int = 1) -> None:
    """A math-heavy study notebook: `notes` notes of about 44 formulas each."""
    folder = Path(folder)
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    links = []
    for number in range(1, notes + 1):
        title = f"Lecture {number}: {_phrase(rng, 1, 3).title()}"
        (folder / f"lecture-{number:03d}.md").write_text(math_note_text(rng, number, title), encoding="utf-8")
        links.append(f"- [{title}](lecture-{number:03d}.md)")
    (folder / "index.md").write_text("# Math notes\n\n" + "\n".join(links) + "\n", encoding="utf-8")


def generate_notebook(folder: Path, notes: int, seed: int = 1) -> None:
    folder = Path(folder)
    rng = random.Random(seed)
    media = folder / "media"
    media.mkdir(parents=True, exist_ok=True)
    titles = [f"Topic {n:03d}: {_phrase(rng, 1, 3).title()}" for n in range(1, notes + 1)]
    links = []
    for number in range(1, notes + 1):
        text = note_text(rng, number, titles)
        (folder / f"note-{number:03d}.md").write_text(text, encoding="utf-8")
        colour = (rng.randint(60, 200), rng.randint(60, 200), rng.randint(60, 200))
        (media / f"figure-{number:03d}.png").write_bytes(_png(rng.randint(200, 400), rng.randint(120, 240), colour))
        links.append(f"- [{text.splitlines()[0][2:]}](note-{number:03d}.md)")
    (folder / "index.md").write_text("# Synthetic notebook\n\n" + "\n".join(links) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--notes", type=int, default=None, help="notes to write (default 60; 300 with --math-heavy)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--math-heavy",
        action="store_true",
        help="a math-heavy notebook: 300 notes (or --notes) of about 44 formulas each",
    )
    args = parser.parse_args()
    if args.math_heavy:
        generate_math_notebook(args.out, args.notes or 300, args.seed)
    else:
        generate_notebook(args.out, args.notes or 60, args.seed)


if __name__ == "__main__":
    main()
