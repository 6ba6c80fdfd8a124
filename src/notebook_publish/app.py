"""What every command shares: the config from the command line, the report of the
problems found (levels, baseline, summary line, exit code) and the theme check.

The commands (`commands/`) call these; `cli.py` only parses and dispatches. Nothing
here imports a writer at import time: `check_theme` loads the slide style and template
only when the command builds decks.
"""

from __future__ import annotations

import sys
from argparse import Namespace
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from notebook_publish.config import Config, load_config
from notebook_publish.diagnostics import Diagnostic, Severity, UsageError, print_diagnostics, summarise

if TYPE_CHECKING:
    from notebook_publish.baseline import Settled

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143


def usage_problem(message: str, hint: str = "") -> Diagnostic:
    """A problem with the command line itself: no file, no line."""
    return Diagnostic(None, 0, 0, Severity.ERROR, "usage", message, hint)


def overrides(args: Namespace) -> dict[str, str | list[str]]:
    """`--set KEY=VALUE` and the flags that name a key (`--notes`, `--title` …), as
    dotted keys for `load_config`."""
    found: dict[str, str | list[str]] = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(
                usage_problem(f"--set expects KEY=VALUE, got {item!r}", "for example --set pdf.paper=letter")
            )
        found[key.strip()] = value
    for name in ("notes", "index", "title", "theme", "output"):
        value = getattr(args, name, None)
        if value is not None:
            found[name] = str(value)
    if getattr(args, "media", None):
        found["media"] = [str(m) for m in args.media]
    return found


def config_from_args(args: Namespace) -> Config:
    return load_config(args.config, overrides(args))


def min_severity(args: Namespace) -> Severity:
    if args.quiet:
        return Severity.ERROR
    return Severity.INFO if args.verbose else Severity.WARNING


def report(
    diagnostics: Iterable[Diagnostic],
    args: Namespace,
    config: Config,
    command: str,
    stream: TextIO | None = None,
    lead: str = "",
) -> int:
    """Print a command's problems and the summary line; return the exit code."""
    return settle_and_print(diagnostics, args, config, command, stream, lead).exit_code(args.strict)


def settle_and_print(
    diagnostics: Iterable[Diagnostic],
    args: Namespace,
    config: Config,
    command: str,
    stream: TextIO | None = None,
    lead: str = "",
) -> Settled:
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
            print(
                f"{BASELINE}: note[baseline]: {entry.format()} no longer occurs (`notebook-publish check --write-baseline` drops it)",
                file=stream,
            )
        summary = summarise(settled.new + settled.infos)
        if settled.baseline is not None:
            summary += f"; {len(settled.accepted)} accepted in {BASELINE}" + (
                "" if args.verbose or not settled.accepted else " (-v lists them)"
            )
        print(lead + summary, file=stream)
    return settled


def check_theme(config: Config, slides: bool = True) -> None:
    """Stop with exit code 2 on a theme that does not exist, a template that does not
    compile, a bad slides.yaml or an unusable slide template, before any work starts.
    With `slides=False` (the handbook's commands) the slides package is not imported:
    its style and template are none of the PDF's business."""
    from notebook_publish.themes import check_templates, load_theme

    theme = load_theme(config)
    check_templates(theme)
    if slides:
        from notebook_publish.slides.style import load_slide_style

        load_slide_style(theme, config.slides.min_font_size)
        if config.slides.template is not None:
            from notebook_publish.slides.template import open_template

            open_template(config)
