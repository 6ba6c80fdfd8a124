"""`notebook-publish pdf`: the typeset handbook."""

from __future__ import annotations

from argparse import ArgumentParser, Namespace
from pathlib import Path

from notebook_publish.app import config_from_args
from notebook_publish.commands.publish import Published, ensure_writable, load_checked_book, progress, publish_file
from notebook_publish.commands.spec import CommandSpec, jobs_argument
from notebook_publish.config import Config
from notebook_publish.diagnostics import Diagnostic


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, metavar="FILE", help="where to write the PDF (default: build/handbook.pdf)")
    jobs_argument(parser)


def run_pdf(args: Namespace) -> int:
    return publish_pdf(args, config_from_args(args)).code


def publish_pdf(args: Namespace, config: Config) -> Published:
    def build(out: Path) -> list[Diagnostic]:
        from notebook_publish.handbook.workers import start_server

        # The typesetting workers' server takes most of a second to import WeasyPrint,
        # on the other core, while this process reads the notes.
        start_server()

        from notebook_publish.handbook import build_pdf
        from notebook_publish.handbook.pdf_build import Preparation

        book, prepared = load_checked_book(config, before_notes=Preparation)
        ensure_writable(out.parent)
        return book.shown(
            list(book.diagnostics) + build_pdf(book, out, jobs=args.jobs, progress=progress(args), prepared=prepared)
        )

    return publish_file(args, config, "pdf", "the handbook", build)


COMMAND = CommandSpec(
    "pdf",
    "build the PDF handbook (build/handbook.pdf)",
    "Build the typeset handbook: cover, contents with page numbers, chapters in the index "
    "note's order, vector math, an index of the terms set in bold, PDF bookmarks and links.",
    add_arguments,
    run_pdf,
)
