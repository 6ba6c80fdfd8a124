"""What every command that writes an output does around its writer: check the output
path, ask `freshness` whether anything changed (before WeasyPrint or pandoc is
started), check the theme, read the notes, report the problems, then record the output
in its folder's manifest and stamp it."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, overload

from notebook_publish.app import check_theme, report
from notebook_publish.config import Config
from notebook_publish.diagnostics import Diagnostic

if TYPE_CHECKING:
    from notebook_publish.notes import Book
    from notebook_publish.progress import Progress

T = TypeVar("T")


@dataclass(frozen=True)
class Published:
    """What building one output came to: the exit code, and every problem found."""

    code: int
    diagnostics: tuple[Diagnostic, ...] = ()


@overload
def load_checked_book(config: Config, slides: bool = False) -> tuple[Book, None]: ...


@overload
def load_checked_book(
    config: Config, slides: bool = False, *, before_notes: Callable[[Config], T]
) -> tuple[Book, T]: ...


def load_checked_book(
    config: Config, slides: bool = False, before_notes: Callable[[Config], object] = lambda config: None
) -> tuple[Book, object]:
    """The book. `before_notes(config)` runs once the theme is checked, before the
    notes are read; what it returns comes second."""
    from notebook_publish.build import open_cache
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
        raise UsageError(
            Diagnostic(
                None,
                0,
                0,
                Severity.ERROR,
                "output",
                f"cannot write to {folder}: {reason}",
                "pass --output DIR, or set `output:` to a folder you can write",
            )
        ) from None


@contextmanager
def template_errors() -> Iterator[None]:
    """A Jinja error while rendering is the theme's: exit code 2 at the template's line."""
    from jinja2 import TemplateError

    from notebook_publish.themes import template_error

    try:
        yield
    except TemplateError as exc:
        raise template_error(exc) from None


def progress(args: argparse.Namespace) -> Progress:
    from notebook_publish.progress import make_progress

    return make_progress(quiet=args.quiet, verbose=args.verbose)


def say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(text)


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def with_out(args: argparse.Namespace, out: Path | None, **extra: object) -> argparse.Namespace:
    """`args` for a build run by another command (`watch`, `release`): the default
    output path, and `extra` set."""
    return argparse.Namespace(**{**vars(args), "out": out, **extra})


def _identity(path: Path) -> tuple[int, int, int] | None:
    """What tells a file replaced by a rename from the one that was there."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def claim(config: Config, path: Path) -> None:
    """Record a written file in its folder's manifest when that folder is the output
    folder or lies in it (`clean` removes what the manifests name, and nothing else).
    A file written elsewhere with --out is not recorded: no manifest is left in a
    folder of the user's for one file."""
    from notebook_publish.outputs import OutputFolder, inside

    if inside(path.parent, config.output):
        folder = OutputFolder(path.parent)
        folder.record(path.name)
        folder.save()


def report_build(args: argparse.Namespace, config: Config, command: str, diagnostics: Iterable[Diagnostic]) -> int:
    """The problems printed and judged (levels, baseline) as `command` sees them. Inside
    `release` a build does not list the baseline entries that no longer occur: the
    release, which sees every stage, lists them once."""
    return report(
        diagnostics, args, config, command if not getattr(args, "in_release", False) else f"{command} (in release)"
    )


def up_to_date(
    args: argparse.Namespace, config: Config, command: str, stored: list[Diagnostic], what: Path
) -> Published:
    """A build with nothing to do: the last build's problems again, and its exit code."""
    code = report_build(args, config, command, stored)
    say(args, f"{shown(what)} is up to date")
    return Published(code, tuple(stored))


def publish_file(
    args: argparse.Namespace,
    config: Config,
    kind: str,
    what: str,
    build: Callable[[Path], list[Diagnostic]],
    extra: Callable[[Path], list[Path]] = lambda out: [],
    options: tuple[str, ...] = (),
) -> Published:
    """Build one output file (`build(out)` returns the diagnostics) unless it is up to
    date; then record it in its folder's manifest and its stamp, with the files
    `extra(out)` names that go with it. `options`: the command's flags that change
    what is written (an output built without them is not up to date)."""
    from notebook_publish.freshness import Stamp, inputs_key
    from notebook_publish.outputs import check_output_file

    out = Path(args.out) if args.out else config.output / f"handbook.{kind}"
    check_output_file(out, kind, config, "--out" if args.out else what)
    # Whether anything changed is known in milliseconds, before WeasyPrint or pandoc
    # is started: make asks on every run.
    inputs = inputs_key(config, kind, (os.path.abspath(out), *options))
    stamp = Stamp(config, kind, out)
    stored = stamp.fresh(inputs)
    if stored is not None:
        return up_to_date(args, config, kind, stored, out)
    before = _identity(out)
    with template_errors():
        diagnostics = build(out)
    code = report_build(args, config, kind, diagnostics)
    if _identity(out) not in (None, before):  # written: a failed build leaves the old file
        claim(config, out)
        if any(d.code == "foreign-file" and d.severity >= 2 for d in diagnostics):
            stamp.forget()  # something of the output is missing: the next build tries again
        else:
            stamp.write(inputs, [out, *extra(out)], diagnostics)
        say(args, f"wrote {shown(out)}")
    else:
        stamp.forget()
    return Published(code, tuple(diagnostics))
