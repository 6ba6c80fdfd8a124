"""The commands that build outputs: pdf, html, slides.

Each spec names its arguments and a `run(args) -> exit code`. The writers are imported
only when their command runs, so `check` stays quick.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class CommandSpec:
    name: str
    help: str
    description: str
    add_arguments: Callable
    run: Callable


def _jobs_argument(parser) -> None:
    parser.add_argument(
        "--jobs", "-j", type=int, default=os.cpu_count() or 1, metavar="N", help="worker processes (default: number of CPUs)"
    )


def _load(args, config, slides: bool = False, before_notes=lambda config: None):
    """The book. `before_notes(config)` runs once the theme is checked, before the
    notes are read; what it returns comes second."""
    from notebook_publish.build import open_cache
    from notebook_publish.cli import check_theme
    from notebook_publish.notes import load_book

    check_theme(config, slides=slides)  # a broken theme stops here, before the notes are read
    early = before_notes(config)
    return load_book(config, open_cache(config)), early


def ensure_writable(folder: Path) -> None:
    """Stop before any work (exit code 2) when the output folder can't be written."""
    import tempfile

    from notebook_publish.diagnostics import Diagnostic, Severity, UsageError

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-", suffix=".tmp"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(Diagnostic(None, 0, 0, Severity.ERROR, "output", f"cannot write to {folder}: {reason}", "pass --output DIR, or set `output:` to a folder you can write")) from None


@contextmanager
def template_errors():
    """A Jinja error while rendering is the theme's: exit code 2 at the template's line."""
    from jinja2 import TemplateError

    from notebook_publish.themes import template_error

    try:
        yield
    except TemplateError as exc:
        raise template_error(exc) from None


def _progress(args):
    from notebook_publish.progress import make_progress

    return make_progress(quiet=args.quiet, verbose=args.verbose)


def _say(args, text: str) -> None:
    if not args.quiet:
        print(text)


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def _config(args):
    from notebook_publish.cli import config_from_args

    return config_from_args(args)


def _identity(path: Path):
    """What tells a file replaced by a rename from the one that was there."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def _claim(config, path: Path) -> None:
    """Record a written file in its folder's manifest when that folder is the output
    folder or lies in it (`clean` removes what the manifests name, and nothing else).
    A file written elsewhere with --out is not recorded: no manifest is left in a
    folder of the user's for one file."""
    from notebook_publish.outputs import OutputFolder, inside

    if inside(path.parent, config.output):
        folder = OutputFolder(path.parent)
        folder.record(path.name)
        folder.save()


@dataclass(frozen=True)
class Published:
    """What building one output came to: the exit code, and every problem found."""

    code: int
    diagnostics: tuple = ()


def _report(args, config, command: str, diagnostics) -> int:
    """The problems printed and judged (levels, baseline) as `command` sees them. Inside
    `release` a build does not list the baseline entries that no longer occur: the
    release, which sees every stage, lists them once."""
    from notebook_publish.cli import report

    return report(diagnostics, args, config, command if not getattr(args, "in_release", False) else f"{command} (in release)")


def _up_to_date(args, config, command: str, stored, what: Path) -> Published:
    """A build with nothing to do: the last build's problems again, and its exit code."""
    code = _report(args, config, command, stored)
    _say(args, f"{_shown(what)} is up to date")
    return Published(code, tuple(stored))


def run_pdf(args) -> int:
    return publish_pdf(args, _config(args)).code


def publish_pdf(args, config) -> Published:
    def build(out: Path) -> list:
        from notebook_publish.handbook.workers import start_server

        # The typesetting workers' server takes most of a second to import WeasyPrint,
        # on the other core, while this process reads the notes.
        start_server()

        from notebook_publish.handbook import build_pdf
        from notebook_publish.handbook.pdf_build import Preparation

        book, prepared = _load(args, config, before_notes=Preparation)
        ensure_writable(out.parent)
        return book.shown(list(book.diagnostics) + build_pdf(book, out, jobs=args.jobs, progress=_progress(args), prepared=prepared))

    return _publish_file(args, config, "pdf", "the handbook", build)


def run_html(args) -> int:
    from notebook_publish.outputs import check_output_folder

    config = _config(args)
    out = Path(args.out) if args.out else config.output / "handbook.html"
    check_output_folder(out.parent / f"{out.stem}_files", config, "the page's files folder")

    def build(out: Path) -> list:
        from notebook_publish.handbook import build_html

        book, _ = _load(args, config)
        ensure_writable(out.parent)
        return book.shown(list(book.diagnostics) + build_html(book, out))

    def assets(out: Path) -> list[Path]:
        """The fonts and stylesheets copied beside the page: part of the output."""
        from notebook_publish.outputs import OutputFolder

        folder = OutputFolder(out.parent / f"{out.stem}_files")
        return [folder.folder / name for name in sorted(folder.records)]

    return _publish_file(args, config, "html", "the page", build, assets).code


def _publish_file(args, config, kind: str, what: str, build, extra=lambda out: []) -> Published:
    """Build one output file (`build(out)` returns the diagnostics) unless it is up to
    date; then record it in its folder's manifest and its stamp, with the files
    `extra(out)` names that go with it."""
    from notebook_publish.cli import report
    from notebook_publish.freshness import Stamp, inputs_key
    from notebook_publish.outputs import check_output_file

    out = Path(args.out) if args.out else config.output / f"handbook.{kind}"
    check_output_file(out, kind, config, "--out" if args.out else what)
    # Whether anything changed is known in milliseconds, before WeasyPrint or pandoc
    # is started: make asks on every run.
    inputs = inputs_key(config, kind, (os.path.abspath(out),))
    stamp = Stamp(config, kind, out)
    stored = stamp.fresh(inputs)
    if stored is not None:
        return _up_to_date(args, config, kind, stored, out)
    before = _identity(out)
    with template_errors():
        diagnostics = build(out)
    code = _report(args, config, kind, diagnostics)
    if _identity(out) not in (None, before):  # written: a failed build leaves the old file
        _claim(config, out)
        if any(d.code == "foreign-file" and d.severity >= 2 for d in diagnostics):
            stamp.forget()  # something of the output is missing: the next build tries again
        else:
            stamp.write(inputs, [out, *extra(out)], diagnostics)
        _say(args, f"wrote {_shown(out)}")
    else:
        stamp.forget()
    return Published(code, tuple(diagnostics))


def run_slides(args) -> int:
    return publish_slides(args, _config(args)).code


def _deck_listing(out_dir: Path) -> tuple[str, ...]:
    from notebook_publish.outputs import MANIFEST

    try:
        return tuple(sorted(n for n in os.listdir(out_dir) if n != MANIFEST and not n.startswith(".")))
    except OSError:
        return ()


def publish_slides(args, config) -> Published:
    from notebook_publish.freshness import Stamp, inputs_key
    from notebook_publish.outputs import check_output_folder

    out_dir = Path(args.out) if args.out else config.output / "slides"
    check_output_folder(out_dir, config, "--out" if args.out else "the slides folder")
    inputs = inputs_key(config, "slides", (os.path.abspath(out_dir), f"topic {args.topic}"))
    stamp = Stamp(config, "slides" if args.topic is None else f"slides {args.topic}", out_dir)
    stored = stamp.fresh(inputs, _deck_listing(out_dir))
    if stored is not None:
        return _up_to_date(args, config, "slides", stored, out_dir)

    from notebook_publish.slides import build_decks

    book, _ = _load(args, config, slides=True)
    ensure_writable(out_dir)
    written, found = build_decks(book, out_dir, topic=args.topic, jobs=args.jobs, progress=_progress(args))
    diagnostics = book.shown(list(book.diagnostics) + found)
    code = _report(args, config, "slides", diagnostics)
    for path in written:
        _say(args, f"wrote {_shown(path)}")
    decks = _own_decks(out_dir)
    if not any(d.code in ("slides", "foreign-file") and d.severity >= 2 for d in found):
        stamp.write(inputs, decks, diagnostics, _deck_listing(out_dir))
    else:  # a deck is missing: the next build must try again
        stamp.forget()
    return Published(code, tuple(diagnostics))


def _own_decks(out_dir: Path) -> list[Path]:
    """The decks in `out_dir` that the tool wrote and nobody changed since."""
    from notebook_publish.outputs import OutputFolder
    from notebook_publish.slides import DECK_NAME

    folder = OutputFolder(out_dir)
    return [out_dir / name for name in sorted(folder.records) if DECK_NAME.match(name) and folder.owns(name)]


def run_release(args) -> int:
    """Build the handbook and the decks for the version being released (each only if
    it is not already built for it), then gather them; with --upload, attach them to
    the GitHub release of the tag."""
    from dataclasses import replace

    from notebook_publish import release
    from notebook_publish.build import book_version, display_version
    from notebook_publish.outputs import check_output_folder

    config = _config(args)
    check_output_folder(config.output / "release", config, "the release folder")
    if args.upload:
        release.check_uploader()  # before the build: say at once what is missing
    version = display_version(args.version) if args.version else book_version(config)
    config = replace(config, pinned_version=version or "0.0.0")
    build_args = _with_out(args, None, topic=None, in_release=True)
    found: list = []
    for publish in (publish_pdf, publish_slides):
        result = publish(build_args, config)
        found += result.diagnostics
        if result.code != 0:
            failed = release.failure_summary(config, found, args.strict)
            release.to_step_summary(failed)
            print(f"notebook-publish: release {config.pinned_version} not made: the build above failed", file=sys.stderr)
            return result.code
    if args.write_baseline:
        return _write_baseline(config, found)
    from notebook_publish.baseline import settle

    settled = settle(found, config, "release")
    written, problems = release.make_release(config.output / "handbook.pdf", _own_decks(config.output / "slides"), config.output / "release", config.pinned_version)
    if problems:
        return _report(args, config, "release", problems)
    notes = release.summary(config, written, settled)
    notes_file = release.write_notes(config.output / "release", config.pinned_version, notes)
    release.to_step_summary(notes)
    for path in [*written, notes_file]:
        _say(args, f"wrote {_shown(path)}")
    for entry in settled.gone:
        _say(args, f"note: {entry.format()} is in the baseline but no longer occurs (`notebook-publish check --write-baseline` drops it)")
    if args.upload:
        release.upload(config, written, notes_file)
    return 0


def _write_baseline(config, diagnostics) -> int:
    from notebook_publish.baseline import write
    from notebook_publish.levels import apply_levels

    # A problem both builds report (a note's, or a formula neither can draw) is one
    # problem, as `settle` counts it.
    path, count = write(config, apply_levels(dict.fromkeys(diagnostics), config.diagnostics, config.root))
    print(f"wrote {_shown(path)}: {count} problem(s) accepted; --strict now fails only on others")
    return 0


def run_clean(args) -> int:
    from notebook_publish.outputs import clean_output

    config = _config(args)
    removed, diagnostics = clean_output(config)
    code = _report(args, config, "clean", diagnostics) if diagnostics else 0
    _say(args, f"removed {removed} file(s) notebook-publish wrote under {_shown(config.output)}")
    return code


def run_watch(args) -> int:
    from notebook_publish.watch import watch

    builders = []
    if args.pdf or not (args.html or args.slides):
        builders.append(("pdf", lambda a: run_pdf(_with_out(a, None))))
    if args.html:
        builders.append(("html", lambda a: run_html(_with_out(a, None))))
    if args.slides:
        builders.append(("slides", lambda a: run_slides(_with_out(a, None, topic=None))))
    return watch(args, builders)


def _with_out(args, out, **extra):
    import argparse

    return argparse.Namespace(**{**vars(args), "out": out, **extra})


def _watch_arguments(parser) -> None:
    parser.add_argument("--pdf", action="store_true", help="rebuild the PDF (the default)")
    parser.add_argument("--html", action="store_true", help="rebuild the HTML preview")
    parser.add_argument("--slides", action="store_true", help="rebuild the decks")
    _jobs_argument(parser)


def _release_arguments(parser) -> None:
    parser.add_argument("--version", dest="version", metavar="V", help="the version to release: on the cover, the title slides and the file names (default: git describe --tags, without its leading v)")
    parser.add_argument("--upload", action="store_true", help="attach the files to the GitHub release of the tag ($GITHUB_REF_NAME, else the tag at HEAD) with the `gh` CLI, the summary as its notes; nothing is uploaded without it")
    parser.add_argument("--write-baseline", action="store_true", help="after building, write notebook-publish.baseline from every problem the handbook and the decks have (check --write-baseline sees only what reading the notes finds)")
    _jobs_argument(parser)


def _clean_arguments(parser) -> None:
    pass


def _pdf_arguments(parser) -> None:
    from pathlib import Path

    parser.add_argument("--out", type=Path, metavar="FILE", help="where to write the PDF (default: build/handbook.pdf)")
    _jobs_argument(parser)


def _html_arguments(parser) -> None:
    from pathlib import Path

    parser.add_argument("--out", type=Path, metavar="FILE", help="where to write the page (default: build/handbook.html)")


def _slides_arguments(parser) -> None:
    from pathlib import Path

    parser.add_argument("--out", type=Path, metavar="DIR", help="folder for the decks (default: build/slides)")
    parser.add_argument("--topic", metavar="TITLE", help="build only the deck of this topic: its title, its file name, or its heading when no other topic has it")
    _jobs_argument(parser)


BUILD_COMMANDS = (
    CommandSpec(
        "pdf",
        "build the PDF handbook (build/handbook.pdf)",
        "Build the typeset handbook: cover, contents with page numbers, chapters in the index "
        "note's order, vector math, an index of the terms set in bold, PDF bookmarks and links.",
        _pdf_arguments,
        run_pdf,
    ),
    CommandSpec(
        "html",
        "build the handbook as one web page, for preview (build/handbook.html)",
        "Write the same book as the PDF as a single HTML page, to preview in a browser.",
        _html_arguments,
        run_html,
    ),
    CommandSpec(
        "slides",
        "build one PPTX deck per topic (build/slides/NN-topic.pptx)",
        "Build a slide deck per topic: a section at `slides.level` (level-2 headings by default), or a "
        "whole note when most sections share their heading with another, or as `slides.topic` says. "
        "Overflowing slides are split, never clipped.",
        _slides_arguments,
        run_slides,
    ),
    CommandSpec(
        "watch",
        "rebuild on every save of a note, image, theme file or the config",
        "Build once, then watch the notes, media and theme folders and handbook.yml, and rebuild "
        "what you choose (--pdf, the default; --html; --slides) after each burst of saves. "
        "Problems are printed as path:line like `check`. Stop with Ctrl-C.",
        _watch_arguments,
        run_watch,
    ),
    CommandSpec(
        "release",
        "build and gather build/release/: handbook-VERSION.pdf, slides-VERSION.zip, SHA256SUMS",
        "Build the handbook and the decks for VERSION (from `git describe --tags`, else the config's "
        "`version`; or --version), so that the cover, the title slides and the file names all show it, "
        "then write build/release/handbook-VERSION.pdf, slides-VERSION.zip (the decks) and SHA256SUMS. "
        "What is already built for that version is not built again. Earlier releases and any file "
        "notebook-publish did not write in build/release/ are kept.",
        _release_arguments,
        run_release,
    ),
    CommandSpec(
        "clean",
        "remove what notebook-publish wrote under the output folder (build/)",
        "Remove the files notebook-publish wrote under the output folder (as its manifests name "
        "them, and only while they are unchanged) and its cache. Any other file there is kept and "
        "listed.",
        _clean_arguments,
        run_clean,
    ),
)
