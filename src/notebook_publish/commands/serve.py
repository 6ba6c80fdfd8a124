"""`notebook-publish serve`: the web page on http://127.0.0.1:8000/, rebuilt on save."""

from __future__ import annotations

import argparse

from notebook_publish.app import config_from_args
from notebook_publish.commands.spec import CommandSpec
from notebook_publish.diagnostics import Diagnostic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", type=int, default=8000, metavar="N", help="the port to serve on (default: 8000; 0: any free port)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="the address to serve on (default: 127.0.0.1, this machine only)",
    )


def run_serve(args: argparse.Namespace) -> int:
    from notebook_publish.app import usage_problem
    from notebook_publish.commands.html import publish_html
    from notebook_publish.commands.publish import with_out
    from notebook_publish.diagnostics import UsageError
    from notebook_publish.serve import serve

    if not 0 <= args.port < 65536:
        raise UsageError(usage_problem(f"--port {args.port} is not a port", "give a number from 1 to 65535"))

    def build() -> tuple[int, list[Diagnostic]]:
        """One build of the page, as `html` makes it (it reads handbook.yml again, so a
        saved config counts at the next build); the problems the terminal shows."""
        from notebook_publish.baseline import settle

        published = publish_html(with_out(args, None, self_contained=False))
        settled = settle(published.diagnostics, config_from_args(args), "html")
        return published.code, settled.new

    return serve(config_from_args(args), build, args.host, args.port)


COMMAND = CommandSpec(
    "serve",
    "show the web page in a browser, rebuilt and reloaded on every save",
    "Build the web page (as `html` does, into build/handbook.html and build/handbook_files/) and "
    "serve it on http://127.0.0.1:8000/ (--host, --port). After each burst of saves in the notes, "
    "media, theme or handbook.yml the page is rebuilt (only what changed) and the open page reloads "
    "itself where it was scrolled to. A build's errors are shown over the page and in the browser's "
    "console as path:line, and printed here; the server keeps running. The file written to disk has "
    "no reload script. Stop with Ctrl-C.",
    add_arguments,
    run_serve,
)
