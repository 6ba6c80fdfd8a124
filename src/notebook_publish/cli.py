"""Command line: arguments in, exit codes out. The work happens in the other modules.

Exit codes: 0 ok (warnings allowed), 1 failed (or --strict and warnings), 2 bad usage
or config, 130 interrupted (SIGINT, Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import difflib
import os
import signal
import sys
from pathlib import Path

import notebook_publish
from notebook_publish.config import SCHEMA, Config, describe_schema, load_config
from notebook_publish.diagnostics import Diagnostic, Severity, UsageError, exit_code, print_diagnostics, summarise

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143

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
    g.add_argument("--notes", type=Path, metavar="DIR|ZIP", help="folder of Markdown notes, or a Notion export's .zip (config: notes, default: notes)")
    g.add_argument("--index", type=Path, metavar="FILE", help="index note that orders the book (config: index)")
    g.add_argument("--media", type=Path, action="append", metavar="DIR", help="media folder; repeat for several (config: media)")
    g.add_argument("--title", help="book title (config: title)")
    g.add_argument("--theme", metavar="NAME|DIR", help="theme name or folder (config: theme)")
    g.add_argument("--output", type=Path, metavar="DIR", help="output folder (config: output, default: build)")
    g.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override any config key, e.g. --set pdf.paper=letter")
    o = common.add_argument_group("output")
    o.add_argument("--strict", action="store_true", help="treat warnings as errors (exit code 1), for CI and releases")
    o.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    o.add_argument("-v", "--verbose", action="store_true", help="also print notes about repairs made")
    return common


class _PrintVersion(argparse.Action):
    """`--version`; the package version is looked up only then (importlib.metadata costs
    tens of milliseconds on every run otherwise)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help="show the version and exit"):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
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

    p = sub.add_parser(
        "check",
        parents=[common],
        help="report problems in the notes: broken links, missing images, bad math ...",
        description="Read every note, repair what can be repaired in memory, and print each problem as "
        "`path:line:col: severity[code]: message (hint)`, then a summary. Exit code 0, or 1 with --strict "
        "if anything was found.",
    )
    p.add_argument(
        "--write-baseline", action="store_true",
        help="write notebook-publish.baseline beside handbook.yml: the problems found now, accepted from then on, "
        "so that --strict fails only on new ones (keyed by file, code and target, not line)",
    )
    p.add_argument(
        "--tree", action="store_true",
        help="also print the chapter tree the book will have: each chapter's title, indented by its depth, "
        "and the note it comes from, so the order can be checked before building",
    )
    p.set_defaults(run=run_check)

    p = sub.add_parser(
        "normalize",
        parents=[common],
        help="print a note as the build sees it, after repairs",
        description="Print the normalised Markdown of each FILE to stdout: mojibake repaired, emphasis "
        "markers fixed, math fences rewritten, image and link targets resolved. The file itself is not "
        "changed unless --write is given.",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff instead of the text")
    mode.add_argument("--write", action="store_true", help="rewrite each file in place with its normalised text")
    p.set_defaults(run=run_normalize)

    p = sub.add_parser("config", parents=[common], help="list the config keys with their defaults, or print the effective config")
    p.add_argument("--effective", action="store_true", help="print the values in force after handbook.yml and --set")
    p.set_defaults(run=run_config)

    _add_build_commands(sub, common)
    return parser


def _add_build_commands(sub, common) -> None:
    """Commands that write outputs. Each module registers what it builds."""
    from notebook_publish import commands

    for spec in commands.BUILD_COMMANDS:
        p = sub.add_parser(spec.name, parents=[common], help=spec.help, description=spec.description)
        spec.add_arguments(p)
        p.set_defaults(run=spec.run)


def _overrides(args) -> dict:
    overrides: dict = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(_usage_diag(f"--set expects KEY=VALUE, got {item!r}", "for example --set pdf.paper=letter"))
        overrides[key.strip()] = value
    for name in ("notes", "index", "title", "theme", "output"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = str(value)
    if getattr(args, "media", None):
        overrides["media"] = [str(m) for m in args.media]
    return overrides


def _usage_diag(message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(None, 0, 0, Severity.ERROR, "usage", message, hint)


def config_from_args(args) -> Config:
    return load_config(args.config, _overrides(args))


def min_severity(args) -> Severity:
    if args.quiet:
        return Severity.ERROR
    return Severity.INFO if args.verbose else Severity.WARNING


def report(diagnostics, args, config, command: str, stream=None, lead: str = "") -> int:
    """Print a command's problems and the summary line; return the exit code."""
    return settle_and_print(diagnostics, args, config, command, stream, lead).exit_code(args.strict)


def settle_and_print(diagnostics, args, config, command: str, stream=None, lead: str = ""):
    """The problems with their configured levels, read against the baseline
    (`baseline.settle`), printed: the new ones and the notes as always, the accepted
    ones only with -v, and the baseline entries that no longer occur."""
    from notebook_publish.baseline import BASELINE, settle

    stream = stream or sys.stderr
    settled = settle(diagnostics, config, command)
    print_diagnostics(settled.new + settled.infos, stream, min_severity(args))
    if args.verbose:
        for d in settled.accepted:
            print(f"{d.format()} [accepted: in {BASELINE}]", file=stream)
    if not args.quiet:
        for entry in settled.gone:
            print(f"{BASELINE}: note[baseline]: {entry.format()} no longer occurs (`notebook-publish check --write-baseline` drops it)", file=stream)
        summary = summarise(settled.new + settled.infos)
        if settled.baseline is not None:
            summary += f"; {len(settled.accepted)} accepted in {BASELINE}" + ("" if args.verbose or not settled.accepted else " (-v lists them)")
        print(lead + summary, file=stream)
    return settled


def run_check(args) -> int:
    from notebook_publish.build import open_cache
    from notebook_publish.notes import load_book

    config = config_from_args(args)
    check_theme(config)
    book = load_book(config, open_cache(config))
    if args.write_baseline:
        from notebook_publish.baseline import write
        from notebook_publish.levels import apply_levels

        path, count = write(config, apply_levels(book.diagnostics, config.diagnostics, config.root))
        print(f"wrote {os.path.relpath(path)}: {count} problem(s) accepted; --strict now fails only on others")
        return EXIT_OK
    diagnostics = list(book.diagnostics)
    if args.verbose:  # only -v prints infos; finding the topics costs check nothing otherwise
        from notebook_publish.slides.topics import plan_diagnostic, plan_topics

        chosen = plan_diagnostic(book, plan_topics(book))
        diagnostics += book.shown([chosen]) if chosen is not None else []
    if args.tree:
        from notebook_publish.book_tree import format_tree

        print(format_tree(book))
    return report(diagnostics, args, config, "check", stream=sys.stdout, lead=f"{len(book.chapters)} chapter(s): ")


def check_theme(config: Config, slides: bool = True) -> None:
    """Stop with exit code 2 on a theme that does not exist, a template that does not
    compile, a bad slides.yaml or an unusable slide template, before any work starts."""
    from notebook_publish.themes import check_templates, load_theme

    theme = load_theme(config)
    check_templates(theme)
    if slides:
        from notebook_publish.slides.style import load_slide_style

        load_slide_style(theme, config.slides.min_font_size)
        if config.slides.template is not None:
            from notebook_publish.slides.pptx_writer import open_template

            open_template(config)


def run_normalize(args) -> int:
    import difflib as _difflib

    from notebook_publish.build import write_atomically
    from notebook_publish.notes import list_files, read_note_text
    from notebook_publish.normalize import NoteContext, normalize

    config = config_from_args(args)
    notes_dir = config.notes.resolve() if config.notes.is_dir() else None
    media = tuple(m.resolve() for m in config.media if m.is_dir())
    diagnostics: list[Diagnostic] = []
    for file in args.files:
        if not file.is_file():
            raise UsageError(_usage_diag(f"no such note: {file}", "give the path of a Markdown file"))
        path = file.resolve()
        root = notes_dir if notes_dir and path.is_relative_to(notes_dir) else path.parent
        files = list_files([root, *media])
        raw, found = read_note_text(path)
        diagnostics.extend(found)
        if raw is None:
            continue
        vault = _vault(root, files)  # the other notes' aliases, for wikilinks
        text, found = normalize(raw, NoteContext(path=path, notes_dir=root, media_dirs=media, files=files, flavours=config.flavours, vault=vault))
        diagnostics.extend(found)
        if args.diff:
            sys.stdout.writelines(
                _difflib.unified_diff(raw.splitlines(True), text.splitlines(True), f"a/{file}", f"b/{file}")
            )
        elif args.write:
            if text != raw:
                write_atomically(path, text.encode("utf-8"))
                print(f"rewrote {file}", file=sys.stderr)
        else:
            sys.stdout.write(text)
    print_diagnostics(diagnostics, sys.stderr, min_severity(args))
    return exit_code(diagnostics, args.strict)


def _vault(root: Path, files):
    from notebook_publish.normalize.vault import NOTE_SUFFIXES, VaultIndex, read_front_matter
    from notebook_publish.notes import read_note_text

    notes = [f for f in files if f.suffix.lower() in NOTE_SUFFIXES and f.is_relative_to(root)]
    return VaultIndex.build(root, files, {f: fm for f in notes if (fm := read_front_matter(read_note_text(f)[0] or ""))})


def run_config(args) -> int:
    if not args.effective:
        from notebook_publish.codes import describe_codes

        print(describe_schema())
        print("\nDiagnostic codes (for `diagnostics:` and the baseline):\n")
        print(describe_codes())
        return EXIT_OK
    config = config_from_args(args)
    for section, keys in SCHEMA.items():
        holder = getattr(config, section) if section else config
        for key in keys:
            name = f"{section}.{key.name}" if section else key.name
            print(f"{name}: {getattr(holder, key.name)!s}")
    for rule in config.diagnostics:
        print(f"diagnostics.{rule.code}: {rule.level}" + (f" in {', '.join(rule.paths)}" if rule.paths else ""))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if argv and not argv[0].startswith("-"):
        names = list(parser._subparsers._group_actions[0].choices)
        if argv[0] not in names:
            close = difflib.get_close_matches(argv[0], names, n=1)
            hint = f" Did you mean `{close[0]}`?" if close else ""
            print(f"notebook-publish: unknown command `{argv[0]}`.{hint} Commands: {', '.join(names)}", file=sys.stderr)
            return EXIT_USAGE
    args = parser.parse_args(argv)
    _terminate_like_interrupt()
    try:
        return args.run(args)
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

    def on_sigterm(signum, frame):
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
