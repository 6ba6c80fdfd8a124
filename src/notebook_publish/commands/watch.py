"""`notebook-publish watch`: build once, then again after each burst of saves."""

from __future__ import annotations

from argparse import ArgumentParser, Namespace
from collections.abc import Callable

from notebook_publish.app import config_from_args
from notebook_publish.commands.html import run_html
from notebook_publish.commands.pdf import run_pdf
from notebook_publish.commands.publish import with_out
from notebook_publish.commands.slides import run_slides
from notebook_publish.commands.spec import CommandSpec, jobs_argument


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--pdf", action="store_true", help="rebuild the PDF (the default)")
    parser.add_argument("--html", action="store_true", help="rebuild the HTML preview")
    parser.add_argument("--slides", action="store_true", help="rebuild the decks")
    jobs_argument(parser)


def run_watch(args: Namespace) -> int:
    from notebook_publish.watch import watch

    # Each rebuild runs the command afresh, so it reads handbook.yml again: a saved
    # config takes effect at the next rebuild. The config read here says what to watch.
    builders: list[tuple[str, Callable[[], int]]] = []
    if args.pdf or not (args.html or args.slides):
        builders.append(("pdf", lambda: run_pdf(with_out(args, None))))
    if args.html:
        builders.append(("html", lambda: run_html(with_out(args, None))))
    if args.slides:
        builders.append(("slides", lambda: run_slides(with_out(args, None, topic=None))))
    return watch(config_from_args(args), builders)


COMMAND = CommandSpec(
    "watch",
    "rebuild on every save of a note, image, theme file or the config",
    "Build once, then watch the notes, media and theme folders and handbook.yml, and rebuild "
    "what you choose (--pdf, the default; --html; --slides) after each burst of saves. "
    "Problems are printed as path:line like `check`. Stop with Ctrl-C.",
    add_arguments,
    run_watch,
)
