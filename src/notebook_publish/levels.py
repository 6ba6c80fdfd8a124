"""`diagnostics:` in handbook.yml: the level of each kind of problem, where wanted.

    diagnostics:
      missing-image: warning          # everywhere
      math-error: error               # a formula that cannot be drawn fails the build
      orphan-note:                    # only for these paths (relative to handbook.yml,
        level: ignore                 # `*` matches across folders too)
        paths: [notes/archive/*]

A level is `error`, `warning`, `info` or `ignore` (not printed, not counted). A code
may have a list of such settings; the last one that matches a problem's path wins.
Codes about the build itself (`codes.CODES[...].adjustable` is false) keep their level.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from notebook_publish.codes import CODES, LEVELS
from notebook_publish.diagnostics import Diagnostic, Severity, UsageError, error

_SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}


@dataclass(frozen=True)
class LevelRule:
    code: str
    level: str  # one of LEVELS
    paths: tuple[str, ...] = ()  # globs relative to the config's folder; empty: everywhere


def parse_rules(
    value: Any, lines: dict[str, int], source: Path | None, key: str = "diagnostics"
) -> tuple[LevelRule, ...]:
    """The rules of a `diagnostics:` mapping; a `UsageError` at its line for anything else."""

    def bad(where: str, message: str, hint: str) -> UsageError:
        return UsageError(error(source, lines.get(where, lines.get(key, 1)), "config", message, hint))

    if value is None:
        return ()
    if not isinstance(value, dict):
        raise bad(
            key,
            f"`{key}` must be a mapping of codes to levels",
            "for example `missing-image: warning`; `notebook-publish config` lists the codes",
        )
    rules: list[LevelRule] = []
    for code, setting in value.items():
        code = str(code)
        where = f"{key}.{code}"
        check_code(code, lambda m, h: bad(where, m, h))
        settings = setting if isinstance(setting, list) else [setting]
        for one in settings:
            if isinstance(one, str):
                rules.append(LevelRule(code, check_level(one, where, lambda m, h: bad(where, m, h))))
            elif isinstance(one, dict) and "level" in one and set(one) <= {"level", "paths"}:
                level = check_level(one["level"], where, lambda m, h: bad(where, m, h))
                paths = one.get("paths") or []
                paths = [paths] if isinstance(paths, str) else paths
                if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
                    raise bad(
                        where,
                        f"`{where}.paths` must be a glob or a list of globs",
                        "for example `paths: [notes/archive/*]`",
                    )
                rules.append(LevelRule(code, level, tuple(paths)))
            else:
                raise bad(
                    where, f"`{where}` must be a level or `{{level: …, paths: […]}}`", f"levels: {', '.join(LEVELS)}"
                )
    return tuple(rules)


def check_code(code: str, bad: Callable[[str, str], Exception]) -> None:
    known = CODES.get(code)
    if known is None:
        close = difflib.get_close_matches(code, list(CODES), n=1, cutoff=0.6)
        raise bad(
            f"unknown diagnostic code `{code}`",
            f"did you mean `{close[0]}`?" if close else "`notebook-publish config` lists the codes",
        )
    if not known.adjustable:
        raise bad(f"the level of `{code}` cannot be set: it says an output was not made", "fix what it reports instead")


def check_level(level: Any, where: str, bad: Callable[[str, str], Exception]) -> str:
    text = str(level).strip().lower() if isinstance(level, str) else ""
    if text in LEVELS:
        return text
    close = difflib.get_close_matches(text, LEVELS, n=1)
    raise bad(
        f"`{where}` must be one of {', '.join(LEVELS)}, not {str(level)[:40]!r}",
        f"did you mean `{close[0]}`?" if close else "",
    )


def apply_levels(diagnostics: Iterable[Diagnostic], rules: tuple[LevelRule, ...], root: Path) -> list[Diagnostic]:
    """The diagnostics with the levels the rules give them; `ignore`d ones left out."""
    if not rules:
        return list(diagnostics)
    by_code: dict[str, list[LevelRule]] = {}
    for rule in rules:
        by_code.setdefault(rule.code, []).append(rule)
    out = []
    for d in diagnostics:
        level = None
        for rule in by_code.get(d.code, ()):
            if not rule.paths or (d.path is not None and _matches(d.path, rule.paths, root)):
                level = rule.level
        if level is None:
            out.append(d)
        elif level != "ignore":
            out.append(replace(d, severity=_SEVERITY[level]))
    return out


def _matches(path: Path, globs: tuple[str, ...], root: Path) -> bool:
    relative = Path(os.path.relpath(path, root)).as_posix()
    return any(fnmatch.fnmatchcase(relative, g) or fnmatch.fnmatchcase(relative, g.rstrip("/") + "/*") for g in globs)
