"""`notebook-publish slides`: one deck per topic."""

from __future__ import annotations

import os
from argparse import ArgumentParser, Namespace
from pathlib import Path

from notebook_publish.app import config_from_args
from notebook_publish.commands.publish import (
    Published,
    ensure_writable,
    load_checked_book,
    progress,
    report_build,
    say,
    shown,
    up_to_date,
)
from notebook_publish.commands.spec import CommandSpec, jobs_argument
from notebook_publish.config import Config


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, metavar="DIR", help="folder for the decks (default: build/slides)")
    parser.add_argument(
        "--topic",
        metavar="TITLE",
        help="build only the deck of this topic: its title, its file name, or its heading when no other topic has it",
    )
    jobs_argument(parser)


def run_slides(args: Namespace) -> int:
    return publish_slides(args, config_from_args(args)).code


def _deck_listing(out_dir: Path) -> tuple[str, ...]:
    from notebook_publish.outputs import MANIFEST

    try:
        return tuple(sorted(n for n in os.listdir(out_dir) if n != MANIFEST and not n.startswith(".")))
    except OSError:
        return ()


def publish_slides(args: Namespace, config: Config) -> Published:
    from notebook_publish.freshness import Stamp, inputs_key
    from notebook_publish.outputs import check_output_folder

    out_dir = Path(args.out) if args.out else config.output / "slides"
    check_output_folder(out_dir, config, "--out" if args.out else "the slides folder")
    inputs = inputs_key(config, "slides", (os.path.abspath(out_dir), f"topic {args.topic}"))
    stamp = Stamp(config, "slides" if args.topic is None else f"slides {args.topic}", out_dir)
    stored = stamp.fresh(inputs, _deck_listing(out_dir))
    if stored is not None:
        return up_to_date(args, config, "slides", stored, out_dir)

    from notebook_publish.slides import build_decks

    book, _ = load_checked_book(config, slides=True)
    ensure_writable(out_dir)
    written, found = build_decks(book, out_dir, topic=args.topic, jobs=args.jobs, progress=progress(args))
    diagnostics = book.shown(list(book.diagnostics) + found)
    code = report_build(args, config, "slides", diagnostics)
    for path in written:
        say(args, f"wrote {shown(path)}")
    decks = own_decks(out_dir)
    if not any(d.code in ("slides", "foreign-file") and d.severity >= 2 for d in found):
        stamp.write(inputs, decks, diagnostics, _deck_listing(out_dir))
    else:  # a deck is missing: the next build must try again
        stamp.forget()
    return Published(code, tuple(diagnostics))


def own_decks(out_dir: Path) -> list[Path]:
    """The decks in `out_dir` that the tool wrote and nobody changed since."""
    from notebook_publish.outputs import OutputFolder
    from notebook_publish.slides import DECK_NAME

    folder = OutputFolder(out_dir)
    return [out_dir / name for name in sorted(folder.records) if DECK_NAME.match(name) and folder.owns(name)]


COMMAND = CommandSpec(
    "slides",
    "build one PPTX deck per topic (build/slides/NN-topic.pptx)",
    "Build a slide deck per topic: a section at `slides.level` (level-2 headings by default), or a "
    "whole note when most sections share their heading with another, or as `slides.topic` says. "
    "Overflowing slides are split, never clipped.",
    add_arguments,
    run_slides,
)
