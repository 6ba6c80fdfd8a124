"""The baseline: the problems a notebook is known to have, accepted so that `--strict`
fails only on new ones (as ruff's and mypy's baselines do).

`notebook-publish check --write-baseline` (or `release --write-baseline`, which also
sees what typesetting and slides find) writes `notebook-publish.baseline` beside
handbook.yml. Each problem is keyed by its file (relative to that folder), its code
and its target (what it is about: the image, the link, the formula), never by line,
so editing around a problem does not make it new. A key may occur more than once (the
same missing image twice in a note): the baseline counts them.

Every command reads it in the same way (`settle`): a warning or error whose key is in
the baseline is *accepted* (listed with -v, not counted by --strict); one that is not
is *new*; a baseline entry that the command could have seen (`codes.STAGES_OF_COMMAND`)
but did not is *gone*, and is named so it can be dropped.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_publish.codes import CODES, STAGES_OF_COMMAND, stage_of
from notebook_publish.diagnostics import Diagnostic, Severity, UsageError, error

if TYPE_CHECKING:
    from notebook_publish.config import Config

BASELINE = "notebook-publish.baseline"
_ABOUT = (
    "Problems notebook-publish accepts in this notebook: --strict fails only on others. "
    "Each is keyed by file, code and target, not line. Rewrite it with `notebook-publish check --write-baseline`."
)
_TARGET = re.compile(r"`([^`]+)`")


@dataclass(frozen=True, order=True)
class Entry:
    path: str  # relative to the baseline's folder, posix; "" for none
    code: str
    target: str

    def format(self) -> str:
        return f"{self.path or '-'}: {self.code}: `{self.target}`"


def entry_of(d: Diagnostic, root: Path) -> Entry | None:
    """The baseline key of a problem; None for what a baseline never holds (notes, and
    the build's own failures)."""
    known = CODES.get(d.code)
    if d.severity < Severity.WARNING or known is None or not known.adjustable:
        return None
    path = "" if d.path is None else Path(os.path.relpath(d.path, root)).as_posix()
    found = _TARGET.search(d.message)
    target = found.group(1) if found else re.sub(r"\d+", "#", d.message)
    return Entry(path, d.code, target)


def baseline_path(config: Config) -> Path:
    return Path(config.root) / BASELINE


def load(config: Config) -> Counter[Entry] | None:
    """The baseline's entries (with their counts), or None when there is none."""
    path = baseline_path(config)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(
            error(path, 1, "config", f"cannot read the baseline: {exc.strerror}", "check its permissions")
        ) from None
    try:
        body = json.loads(text)
        return Counter(Entry(str(e["path"]), str(e["code"]), str(e["target"])) for e in body["problems"])
    except json.JSONDecodeError as exc:
        raise UsageError(
            error(
                path,
                exc.lineno,
                "config",
                f"the baseline is not valid JSON: {exc.msg}",
                "write it again with `notebook-publish check --write-baseline`",
                col=exc.colno,
            )
        ) from None
    except (KeyError, TypeError, AttributeError):
        raise UsageError(
            error(
                path,
                1,
                "config",
                "the baseline does not hold a list of problems",
                "write it again with `notebook-publish check --write-baseline`",
            )
        ) from None


def write(config: Config, diagnostics: Iterable[Diagnostic]) -> tuple[Path, int]:
    """Write the baseline of `diagnostics`; returns its path and how many it holds."""
    from notebook_publish.build import write_atomically

    root = Path(config.root)
    entries = sorted(e for e in (entry_of(d, root) for d in diagnostics) if e is not None)
    # One problem a line, so that a change to the baseline reads well in a diff.
    lines = [json.dumps({"path": e.path, "code": e.code, "target": e.target}, ensure_ascii=False) for e in entries]
    listed = ("[\n  " + ",\n  ".join(lines) + "\n ]") if lines else "[]"
    body = '{\n "about": ' + json.dumps(_ABOUT) + ',\n "problems": ' + listed + "\n}\n"
    path = baseline_path(config)
    write_atomically(path, body.encode("utf-8"))
    return path, len(entries)


@dataclass
class Settled:
    """A command's problems read against the baseline."""

    new: list[Diagnostic] = field(default_factory=list)
    accepted: list[Diagnostic] = field(default_factory=list)
    infos: list[Diagnostic] = field(default_factory=list)
    gone: list[Entry] = field(default_factory=list)
    baseline: Path | None = None

    def exit_code(self, strict: bool) -> int:
        """0 ok, 1 for a new error or, under --strict, a new warning."""
        worst = max((d.severity for d in self.new), default=Severity.INFO)
        return 1 if worst >= Severity.ERROR or (strict and worst >= Severity.WARNING) else 0


def settle(diagnostics: Iterable[Diagnostic], config: Config, command: str) -> Settled:
    """Apply the `diagnostics:` levels, then the baseline, as every command does."""
    from notebook_publish.levels import apply_levels

    diagnostics = apply_levels(dict.fromkeys(diagnostics), config.diagnostics, Path(config.root))
    known = load(config)
    settled = Settled(baseline=None if known is None else baseline_path(config))
    left = Counter(known or {})
    root = Path(config.root)
    for d in sorted(diagnostics, key=lambda d: (str(d.path or ""), d.line, d.col, d.code, d.message)):
        if d.severity < Severity.WARNING:
            settled.infos.append(d)
            continue
        entry = entry_of(d, root)
        if entry is not None and left[entry] > 0:
            left[entry] -= 1
            settled.accepted.append(d)
        else:
            settled.new.append(d)
    seen_stages = STAGES_OF_COMMAND.get(command, ())
    settled.gone = sorted(e for e, n in left.items() for _ in range(n) if stage_of(e.code) in seen_stages)
    return settled
