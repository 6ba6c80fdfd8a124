"""`notebook-publish release`: build the handbook and the decks for a version, then
gather them with checksums (and upload them with --upload)."""

from __future__ import annotations

import sys
from argparse import ArgumentParser, Namespace

from notebook_publish.app import config_from_args
from notebook_publish.commands.pdf import publish_pdf
from notebook_publish.commands.publish import report_build, say, shown, with_out
from notebook_publish.commands.slides import own_decks, publish_slides
from notebook_publish.commands.spec import CommandSpec, jobs_argument
from notebook_publish.config import Config
from notebook_publish.diagnostics import Diagnostic


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--version",
        dest="version",
        metavar="V",
        help="the version to release: on the cover, the title slides and the file names (default: git describe --tags, without its leading v)",
    )
    parser.add_argument(
        "--upload",
        action="store_true",
        help="attach the files to the GitHub release of the tag ($GITHUB_REF_NAME, else the tag at HEAD) with the `gh` CLI, the summary as its notes; nothing is uploaded without it",
    )
    parser.add_argument(
        "--write-baseline",
        action="store_true",
        help="after building, write notebook-publish.baseline from every problem the handbook and the decks have (check --write-baseline sees only what reading the notes finds)",
    )
    jobs_argument(parser)


def run_release(args: Namespace) -> int:
    """Build the handbook and the decks for the version being released (each only if
    it is not already built for it), then gather them; with --upload, attach them to
    the GitHub release of the tag."""
    from dataclasses import replace

    from notebook_publish import release
    from notebook_publish.build import book_version, display_version
    from notebook_publish.outputs import check_output_folder

    config = config_from_args(args)
    check_output_folder(config.output / "release", config, "the release folder")
    if args.upload:
        release.check_uploader()  # before the build: say at once what is missing
    version = display_version(args.version) if args.version else book_version(config)
    config = replace(config, pinned_version=version or "0.0.0")
    build_args = with_out(args, None, topic=None, in_release=True)
    found: list[Diagnostic] = []
    for publish in (publish_pdf, publish_slides):
        result = publish(build_args, config)
        found += result.diagnostics
        if result.code != 0:
            failed = release.failure_summary(config, found, args.strict)
            release.to_step_summary(failed)
            print(
                f"notebook-publish: release {config.pinned_version} not made: the build above failed", file=sys.stderr
            )
            return result.code
    if args.write_baseline:
        return _write_baseline(config, found)
    from notebook_publish.baseline import settle

    settled = settle(found, config, "release")
    written, problems = release.make_release(
        config.output / "handbook.pdf",
        own_decks(config.output / "slides"),
        config.output / "release",
        config.pinned_version,
    )
    if problems:
        return report_build(args, config, "release", problems)
    notes = release.summary(config, written, settled)
    notes_file = release.write_notes(config.output / "release", config.pinned_version, notes)
    release.to_step_summary(notes)
    for path in [*written, notes_file]:
        say(args, f"wrote {shown(path)}")
    for entry in settled.gone:
        say(
            args,
            f"note: {entry.format()} is in the baseline but no longer occurs (`notebook-publish check --write-baseline` drops it)",
        )
    if args.upload:
        release.upload(config, written, notes_file)
    return 0


def _write_baseline(config: Config, diagnostics: list[Diagnostic]) -> int:
    from notebook_publish.baseline import write
    from notebook_publish.levels import apply_levels

    # A problem both builds report (a note's, or a formula neither can draw) is one
    # problem, as `settle` counts it.
    path, count = write(config, apply_levels(dict.fromkeys(diagnostics), config.diagnostics, config.root))
    print(f"wrote {shown(path)}: {count} problem(s) accepted; --strict now fails only on others")
    return 0


COMMAND = CommandSpec(
    "release",
    "build and gather build/release/: handbook-VERSION.pdf, slides-VERSION.zip, SHA256SUMS",
    "Build the handbook and the decks for VERSION (from `git describe --tags`, else the config's "
    "`version`; or --version), so that the cover, the title slides and the file names all show it, "
    "then write build/release/handbook-VERSION.pdf, slides-VERSION.zip (the decks) and SHA256SUMS. "
    "What is already built for that version is not built again. Earlier releases and any file "
    "notebook-publish did not write in build/release/ are kept.",
    add_arguments,
    run_release,
)
