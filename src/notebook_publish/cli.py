"""Command line: arguments in, exit codes out. The parser and `main` only: each command
is a module of `commands/`, and what they share (the config from the arguments, the
report, the theme check) is `app.py`.

Exit codes: 0 ok (warnings allowed), 1 failed (or --strict and warnings), 2 bad usage
or config, 130 interrupted (SIGINT, Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import difflib
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

import notebook_publish
from notebook_publish.app import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, EXIT_USAGE, min_severity
from notebook_publish.commands import COMMANDS
from notebook_publish.diagnostics import UsageError, print_diagnostics

DESCRIPTION = """\
Turn a folder of Markdown notes (exported from Notion, Obsidian, GitBook, or written by
hand) into a typeset PDF handbook and one slide deck per topic. Broken exports are
repaired at build time; the notes on disk are never changed unless you ask.

Settings come from ./handbook.yml if it exists; every key can also be given here with
--set KEY=VALUE (see `notebook-publish config`). Without a handbook.yml, point the
tool at any folder with --notes DIR.
"""


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    g = common.add_argument_group("project")
    g.add_argument("--config", type=Path, metavar="FILE", help="config file (default: ./handbook.yml if present)")
    g.add_argument(
        "--notes",
        type=Path,
        metavar="DIR|ZIP",
        help="folder of Markdown notes, or a Notion export's .zip (config: notes, default: notes)",
    )
    g.add_argument("--index", type=Path, metavar="FILE", help="index note that orders the book (config: index)")
    g.add_argument(
        "--media", type=Path, action="append", metavar="DIR", help="media folder; repeat for several (config: media)"
    )
    g.add_argument("--title", help="book title (config: title)")
    g.add_argument("--theme", metavar="NAME|DIR", help="theme name or folder (config: theme)")
    g.add_argument("--output", type=Path, metavar="DIR", help="output folder (config: output, default: build)")
    g.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override any config key, e.g. --set pdf.paper=letter",
    )
    o = common.add_argument_group("output")
    o.add_argument("--strict", action="store_true", help="treat warnings as errors (exit code 1), for CI and releases")
    o.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    o.add_argument("-v", "--verbose", action="store_true", help="also print notes about repairs made")
    return common


class _PrintVersion(argparse.Action):
    """`--version`; the package version is looked up only then (importlib.metadata costs
    tens of milliseconds on every run otherwise)."""

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str = argparse.SUPPRESS,
        default: Any = argparse.SUPPRESS,
        help: str = "show the version and exit",
    ) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        print(f"notebook-publish {notebook_publish.__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="notebook-publish", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action=_PrintVersion)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for spec in COMMANDS:
        p = sub.add_parser(spec.name, parents=[common], help=spec.help, description=spec.description)
        spec.add_arguments(p)
        p.set_defaults(run=spec.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if argv and not argv[0].startswith("-"):
        names = [spec.name for spec in COMMANDS]  # the subcommands, in the parser's order
        if argv[0] not in names:
            close = difflib.get_close_matches(argv[0], names, n=1)
            hint = f" Did you mean `{close[0]}`?" if close else ""
            print(f"notebook-publish: unknown command `{argv[0]}`.{hint} Commands: {', '.join(names)}", file=sys.stderr)
            return EXIT_USAGE
    args = parser.parse_args(argv)
    _terminate_like_interrupt()
    try:
        code: int = args.run(args)
        return code
    except UsageError as exc:
        print_diagnostics(exc.related, sys.stderr, min_severity(args))
        print(exc.diagnostic.format(), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("notebook-publish: interrupted; outputs from earlier builds are intact", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("notebook-publish: terminated; outputs from earlier builds are intact", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:
        return EXIT_OK
    except MemoryError:
        print("notebook-publish: error: out of memory; nothing was written (split the largest notes)", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        # A bug, not the user's doing: one line and a way to see more, never a traceback
        # in CI logs. Every output is written atomically, so nothing half-written remains.
        if os.environ.get("NOTEBOOK_PUBLISH_DEBUG"):
            raise
        where = _innermost_frame(exc)
        print(
            f"notebook-publish: internal error: {type(exc).__name__}: {str(exc)[:300]} (at {where}; outputs from earlier "
            "builds are intact; run with NOTEBOOK_PUBLISH_DEBUG=1 for the traceback and report it)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    finally:
        # Only a command that typesets has imported the workers module (and maybe
        # started their server); the others need not import it to find out.
        workers = sys.modules.get("notebook_publish.handbook.workers")
        if workers is not None:
            workers.stop_server()


class Terminated(BaseException):
    """SIGTERM (CI cancelling a job, `kill`): unwound like Ctrl-C, so temporary files go."""


def _terminate_like_interrupt() -> None:
    main_pid = os.getpid()

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != main_pid:  # a forked worker: die as SIGTERM asks, quietly
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise Terminated()

    try:
        signal.signal(signal.SIGTERM, on_sigterm)
    except ValueError:  # not the main thread (tests calling main() from a thread)
        pass


def _innermost_frame(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return "?"
    return f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
