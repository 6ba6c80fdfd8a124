"""The commands that build outputs: pdf, html, slides.

Each spec names its arguments and a `run(args) -> exit code`. The writers are imported
only when their command runs, so `check` stays quick.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class CommandSpec:
    name: str
    help: str
    description: str
    add_arguments: Callable
    run: Callable


def _jobs_argument(parser) -> None:
    parser.add_argument(
        "--jobs", "-j", type=int, default=os.cpu_count() or 1, metavar="N", help="worker processes (default: number of CPUs)"
    )


def _load(args, slides: bool = False, before_notes=lambda config: None):
    """The config and the book. `before_notes(config)` runs once the config and theme
    are known, before the notes are read; what it returns comes third."""
    from notebook_publish.build import open_cache
    from notebook_publish.cli import check_theme, config_from_args
    from notebook_publish.notes import load_book

    config = config_from_args(args)
    check_theme(config, slides=slides)  # a broken theme stops here, before the notes are read
    early = before_notes(config)
    return config, load_book(config, open_cache(config)), early


def ensure_writable(folder: Path) -> None:
    """Stop before any work (exit code 2) when the output folder can't be written."""
    import tempfile

    from notebook_publish.diagnostics import Diagnostic, Severity, UsageError

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-", suffix=".tmp"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(Diagnostic(None, 0, 0, Severity.ERROR, "output", f"cannot write to {folder}: {reason}", "pass --output DIR, or set `output:` to a folder you can write")) from None


@contextmanager
def template_errors():
    """A Jinja error while rendering is the theme's: exit code 2 at the template's line."""
    from jinja2 import TemplateError

    from notebook_publish.themes import template_error

    try:
        yield
    except TemplateError as exc:
        raise template_error(exc) from None


def _progress(args):
    from notebook_publish.progress import make_progress

    return make_progress(quiet=args.quiet, verbose=args.verbose)


def run_pdf(args) -> int:
    from notebook_publish.handbook.workers import start_server

    # First of all: the typesetting workers' server takes most of a second to import
    # WeasyPrint, on the other core, while this process reads the config and notes.
    start_server()

    from notebook_publish.cli import report
    from notebook_publish.handbook import build_pdf
    from notebook_publish.handbook.pdf_build import Preparation

    config, book, prepared = _load(args, before_notes=Preparation)
    out = args.out or config.output / "handbook.pdf"
    ensure_writable(Path(out).parent)
    with template_errors():
        diagnostics = list(book.diagnostics) + build_pdf(book, out, jobs=args.jobs, progress=_progress(args), prepared=prepared)
    code = report(diagnostics, args)
    if not args.quiet:
        print(f"wrote {out}")
    return code


def run_html(args) -> int:
    from notebook_publish.cli import report
    from notebook_publish.handbook import build_html

    config, book, _ = _load(args)
    out = args.out or config.output / "handbook.html"
    ensure_writable(Path(out).parent)
    with template_errors():
        diagnostics = list(book.diagnostics) + build_html(book, out)
    code = report(diagnostics, args)
    if not args.quiet:
        print(f"wrote {out}")
    return code


def run_slides(args) -> int:
    from notebook_publish.cli import report
    from notebook_publish.slides import build_decks

    config, book, _ = _load(args, slides=True)
    out_dir = args.out or config.output / "slides"
    ensure_writable(Path(out_dir))
    written, diagnostics = build_decks(book, out_dir, topic=args.topic, jobs=args.jobs, progress=_progress(args))
    code = report(list(book.diagnostics) + diagnostics, args)
    if not args.quiet:
        for path in written:
            print(f"wrote {path}")
    return code


def run_release(args) -> int:
    from notebook_publish.build import book_version
    from notebook_publish.cli import config_from_args
    from notebook_publish.release import make_release

    config = config_from_args(args)
    version = args.version or book_version(config)
    written = make_release(config.output / "handbook.pdf", config.output / "slides", config.output / "release", version)
    if not args.quiet:
        for path in written:
            print(f"wrote {path}")
    return 0


def run_watch(args) -> int:
    from notebook_publish.watch import watch

    builders = []
    if args.pdf or not (args.html or args.slides):
        builders.append(("pdf", lambda a: run_pdf(_with_out(a, None))))
    if args.html:
        builders.append(("html", lambda a: run_html(_with_out(a, None))))
    if args.slides:
        builders.append(("slides", lambda a: run_slides(_with_out(a, None, topic=None))))
    return watch(args, builders)


def _with_out(args, out, **extra):
    import argparse

    return argparse.Namespace(**{**vars(args), "out": out, **extra})


def _watch_arguments(parser) -> None:
    parser.add_argument("--pdf", action="store_true", help="rebuild the PDF (the default)")
    parser.add_argument("--html", action="store_true", help="rebuild the HTML preview")
    parser.add_argument("--slides", action="store_true", help="rebuild the decks")
    _jobs_argument(parser)


def _release_arguments(parser) -> None:
    parser.add_argument("--version", dest="version", metavar="V", help="version for the file names (default: git describe --tags)")


def _pdf_arguments(parser) -> None:
    from pathlib import Path

    parser.add_argument("--out", type=Path, metavar="FILE", help="where to write the PDF (default: build/handbook.pdf)")
    _jobs_argument(parser)


def _html_arguments(parser) -> None:
    from pathlib import Path

    parser.add_argument("--out", type=Path, metavar="FILE", help="where to write the page (default: build/handbook.html)")


def _slides_arguments(parser) -> None:
    from pathlib import Path

    parser.add_argument("--out", type=Path, metavar="DIR", help="folder for the decks (default: build/slides)")
    parser.add_argument("--topic", metavar="TITLE", help="build only the deck of this topic (its heading text)")
    _jobs_argument(parser)


BUILD_COMMANDS = (
    CommandSpec(
        "pdf",
        "build the PDF handbook (build/handbook.pdf)",
        "Build the typeset handbook: cover, contents with page numbers, chapters in the index "
        "note's order, vector math, an index of the terms set in bold, PDF bookmarks and links.",
        _pdf_arguments,
        run_pdf,
    ),
    CommandSpec(
        "html",
        "build the handbook as one web page, for preview (build/handbook.html)",
        "Write the same book as the PDF as a single HTML page, to preview in a browser.",
        _html_arguments,
        run_html,
    ),
    CommandSpec(
        "slides",
        "build one PPTX deck per topic (build/slides/NN-topic.pptx)",
        "Build a slide deck per topic: a section at `slides.level` (default: level-2 headings), or a "
        "whole note with `slides.topic: note`. Overflowing slides are split, never clipped.",
        _slides_arguments,
        run_slides,
    ),
    CommandSpec(
        "watch",
        "rebuild on every save of a note, image, theme file or the config",
        "Build once, then watch the notes, media and theme folders and handbook.yml, and rebuild "
        "what you choose (--pdf, the default; --html; --slides) after each burst of saves. "
        "Problems are printed as path:line like `check`. Stop with Ctrl-C.",
        _watch_arguments,
        run_watch,
    ),
    CommandSpec(
        "release",
        "gather build/release/: handbook-VERSION.pdf, slides-VERSION.zip, SHA256SUMS",
        "Collect the built handbook and decks under build/release/ with the version in their names "
        "(from `git describe --tags`, else the config's `version`) and a SHA256SUMS file. Build them "
        "first with `make pdf slides`; `make release` does all of it.",
        _release_arguments,
        run_release,
    ),
)
