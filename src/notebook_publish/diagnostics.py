"""Problems found in the user's notes or config, and the one way they are printed.

Every problem a user can cause becomes a `Diagnostic` with a place (`file:line:col`)
and, where we can say one, a hint. Nothing here raises: collecting and printing are
separate so that a build can report everything it found, not just the first thing.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import TextIO


class Severity(IntEnum):
    INFO = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: Path | None
    line: int
    col: int
    severity: Severity
    code: str
    message: str
    hint: str = ""

    def format(self, cwd: Path | None = None) -> str:
        if self.path is None:
            where = "notebook-publish"  # a problem with the command line, not with a file
        elif self.line <= 0:  # about a whole file (an output kept, a deck removed)
            where = _display_path(self.path, cwd)
        else:
            where = f"{_display_path(self.path, cwd)}:{self.line}:{self.col}"
        text = f"{where}: {self.severity}[{self.code}]: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


def info(
    path: str | os.PathLike[str] | None,
    line: int,
    code: str,
    message: str,
    hint: str = "",
    col: int = 1,
) -> Diagnostic:
    return Diagnostic(_as_path(path), line, col, Severity.INFO, code, message, hint)


def warning(
    path: str | os.PathLike[str] | None,
    line: int,
    code: str,
    message: str,
    hint: str = "",
    col: int = 1,
) -> Diagnostic:
    return Diagnostic(_as_path(path), line, col, Severity.WARNING, code, message, hint)


def error(
    path: str | os.PathLike[str] | None,
    line: int,
    code: str,
    message: str,
    hint: str = "",
    col: int = 1,
) -> Diagnostic:
    return Diagnostic(_as_path(path), line, col, Severity.ERROR, code, message, hint)


def _as_path(path: str | os.PathLike[str] | None) -> Path | None:
    return Path(path) if path is not None else None


def _display_path(path: Path, cwd: Path | None) -> str:
    """Paths relative to the working directory, so editors and terminals can jump to them."""
    cwd = cwd or Path.cwd()
    try:
        return os.path.relpath(path, cwd)
    except ValueError:  # another drive on Windows
        return str(path)


def sort_key(d: Diagnostic) -> tuple[str, int, int, str, str]:
    return (str(d.path or ""), d.line, d.col, d.code, d.message)


def summarise(diagnostics: Iterable[Diagnostic]) -> str:
    counts = Counter(d.severity for d in diagnostics)

    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return ", ".join(
        [
            plural(counts[Severity.ERROR], "error"),
            plural(counts[Severity.WARNING], "warning"),
            plural(counts[Severity.INFO], "note"),
        ]
    )


def print_diagnostics(
    diagnostics: Iterable[Diagnostic],
    stream: TextIO,
    min_severity: Severity = Severity.INFO,
    cwd: Path | None = None,
) -> None:
    for d in sorted(set(diagnostics), key=sort_key):
        if d.severity >= min_severity:
            print(d.format(cwd), file=stream)


def exit_code(diagnostics: Iterable[Diagnostic], strict: bool) -> int:
    """0 ok (warnings allowed), 1 when an error was found or, under --strict, a warning."""
    worst = max((d.severity for d in diagnostics), default=Severity.INFO)
    if worst >= Severity.ERROR or (strict and worst >= Severity.WARNING):
        return 1
    return 0


class UsageError(Exception):
    """Bad command line or config: exit code 2. Carries the diagnostic to print."""

    def __init__(self, diagnostic: Diagnostic, related: Iterable[Diagnostic] = ()):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        self.related = tuple(related)  # found before the stop, printed before it
