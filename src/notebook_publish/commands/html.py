"""`notebook-publish html`: the handbook as one web page, for preview."""

from __future__ import annotations

import argparse
from pathlib import Path

from notebook_publish.app import config_from_args
from notebook_publish.commands.publish import Published, ensure_writable, load_checked_book, publish_file
from notebook_publish.commands.spec import CommandSpec
from notebook_publish.diagnostics import Diagnostic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="where to write the page (default: build/handbook.html)"
    )
    parser.add_argument(
        "--self-contained",
        action="store_true",
        help="put the stylesheet, fonts, pictures and formulas inside the page as data: URIs "
        "(one file, several MB) instead of in a FILE_files/ folder beside it",
    )


def publish_html(args: argparse.Namespace) -> Published:
    """Build the page (unless it is up to date) and record it and its files."""
    from notebook_publish.handbook.html.page_assets import files_folder
    from notebook_publish.outputs import check_output_folder

    config = config_from_args(args)
    out = Path(args.out) if args.out else config.output / "handbook.html"
    check_output_folder(files_folder(out), config, "the page's files folder")
    self_contained = bool(getattr(args, "self_contained", False))

    def build(out: Path) -> list[Diagnostic]:
        from notebook_publish.handbook import build_html

        book, _ = load_checked_book(config)
        ensure_writable(out.parent)
        found: list[Diagnostic] = book.shown(list(book.diagnostics) + build_html(book, out, self_contained))
        return found

    def assets(out: Path) -> list[Path]:
        """The files in the folder beside the page: part of the output."""
        from notebook_publish.outputs import OutputFolder

        folder = OutputFolder(files_folder(out))
        return [folder.folder / name for name in sorted(folder.records)]

    options = ("self-contained",) if self_contained else ()
    return publish_file(args, config, "html", "the page", build, assets, options)


def run_html(args: argparse.Namespace) -> int:
    return publish_html(args).code


COMMAND = CommandSpec(
    "html",
    "build the handbook as a web page, for preview (build/handbook.html)",
    "Write the same book as the PDF as one HTML page, to read in a browser. Its stylesheet, fonts, "
    "pictures and formulas go in a folder beside it (build/handbook_files/), or inside it with "
    "--self-contained; either way the page works wherever it is moved. Speaker notes are left out. "
    "`notebook-publish serve` shows it with live reload.",
    add_arguments,
    run_html,
)
