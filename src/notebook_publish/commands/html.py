"""`notebook-publish html`: the handbook as one web page, for preview."""

from __future__ import annotations

from argparse import ArgumentParser, Namespace
from pathlib import Path

from notebook_publish.app import config_from_args
from notebook_publish.commands.publish import ensure_writable, load_checked_book, publish_file
from notebook_publish.commands.spec import CommandSpec
from notebook_publish.diagnostics import Diagnostic


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="where to write the page (default: build/handbook.html)"
    )


def run_html(args: Namespace) -> int:
    from notebook_publish.outputs import check_output_folder

    config = config_from_args(args)
    out = Path(args.out) if args.out else config.output / "handbook.html"
    check_output_folder(out.parent / f"{out.stem}_files", config, "the page's files folder")

    def build(out: Path) -> list[Diagnostic]:
        from notebook_publish.handbook import build_html

        book, _ = load_checked_book(config)
        ensure_writable(out.parent)
        return book.shown(list(book.diagnostics) + build_html(book, out))

    def assets(out: Path) -> list[Path]:
        """The fonts and stylesheets copied beside the page: part of the output."""
        from notebook_publish.outputs import OutputFolder

        folder = OutputFolder(out.parent / f"{out.stem}_files")
        return [folder.folder / name for name in sorted(folder.records)]

    return publish_file(args, config, "html", "the page", build, assets).code


COMMAND = CommandSpec(
    "html",
    "build the handbook as one web page, for preview (build/handbook.html)",
    "Write the same book as the PDF as a single HTML page, to preview in a browser.",
    add_arguments,
    run_html,
)
