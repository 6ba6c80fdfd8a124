"""`notebook-publish check`: read every note and report its problems; optionally write
the baseline or print the chapter tree."""

from __future__ import annotations

import os
import sys
from argparse import ArgumentParser, Namespace

from notebook_publish.app import EXIT_OK, check_theme, config_from_args, report
from notebook_publish.commands.spec import CommandSpec


def add_arguments(p: ArgumentParser) -> None:
    p.add_argument(
        "--write-baseline",
        action="store_true",
        help="write notebook-publish.baseline beside handbook.yml: the problems found now, accepted from then on, "
        "so that --strict fails only on new ones (keyed by file, code and target, not line)",
    )
    p.add_argument(
        "--tree",
        action="store_true",
        help="also print the chapter tree the book will have: each chapter's title, indented by its depth, "
        "and the note it comes from, so the order can be checked before building",
    )


def run_check(args: Namespace) -> int:
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


COMMAND = CommandSpec(
    "check",
    "report problems in the notes: broken links, missing images, bad math ...",
    "Read every note, repair what can be repaired in memory, and print each problem as "
    "`path:line:col: severity[code]: message (hint)`, then a summary. Exit code 0, or 1 with --strict "
    "if anything was found.",
    add_arguments,
    run_check,
)
