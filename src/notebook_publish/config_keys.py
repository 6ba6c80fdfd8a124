"""How a config key is declared, and how a value of each kind is read and checked.

A key is declared once, as a field of the config's dataclasses (`config.py`), by
`setting(kind, default, doc, ...)`: its name is the field's, its kind says how a value
is read from YAML or `--set`, `choices` and `span` say which values are allowed, and
the field's default is the declared default made the value the code uses. Validation,
`--set`, "did you mean" and README's table are all read from these declarations, as
mkdocs reads its `config/defaults.py`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol, TypeAlias

from notebook_publish.diagnostics import UsageError, error
from notebook_publish.limited_yaml import BIG, describe, short

# What each kind holds, as a message says it ("`pdf.paper` must be one of a4, letter").
KINDS = {
    "str": "text",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "auto-bool": "true or false, or auto",
    "path": "a path",
    "paths": "a list of paths",
    "strs": "a list of texts",
    "choice": "one of {choices}",
    "nav": "a list of note paths, `Title: path` and `Section: [...]` entries",
    "macros": "a mapping of macro names to their TeX, as MathJax's `tex.macros`",
}

# One `nav:` entry: (its title or "", a note's path or the entries nested under it).
NavEntry: TypeAlias = tuple[str, "str | tuple[NavEntry, ...]"]


class _Bad(Protocol):
    """`coerce`'s `bad`: the error saying what the value must be and what it is."""

    def __call__(self, expected: str | None = None, got: str | None = None) -> UsageError: ...


@dataclass(frozen=True)
class Key:
    name: str
    kind: str  # one of KINDS
    default: Any  # as handbook.yml would write it
    doc: str
    choices: tuple[str, ...] = ()  # the values a `choice` may take, or each item of `strs`
    span: tuple[float, float] | None = None  # the lowest and highest a number may be, both allowed
    unit: str = ""  # of a number, in messages and the README: "seconds", "points"

    def allowed(self) -> str:
        """What the README says besides the doc: the choices, or the range."""
        if self.choices:
            return f" {'Any' if self.kind == 'strs' else 'One'} of: {', '.join(self.choices)}."
        if self.span is not None:
            return f" From {_number(self.span[0])} to {_number(self.span[1])}{self._unit()}."
        return ""

    def _unit(self) -> str:
        return f" {self.unit}" if self.unit else ""


def setting(
    kind: str,
    default: Any,
    doc: str,
    *,
    choices: tuple[str, ...] = (),
    span: tuple[float, float] | None = None,
    unit: str = "",
) -> Any:
    """A dataclass field that declares a config key (its name is the field's). The
    field's default is `default` as the code holds it: a path as a `Path`, a list as a
    tuple."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind}")
    key = Key("", kind, default, doc, choices, span, unit)
    return field(default=typed_default(kind, default), metadata={"key": key})


def typed_default(kind: str, default: Any) -> Any:
    if kind == "path":
        return None if default is None else Path(default)
    if kind == "paths":
        return tuple(Path(p) for p in default)
    if kind in ("strs", "nav", "macros"):
        return tuple(default)  # `macros`: an empty MacroList is an empty tuple too
    if kind == "float":
        return float(default)
    return default


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def scalar(value: Any) -> bool:
    """Text or a number of a sane size (`str()` of it is short and cannot fail)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, (str, float)) or (isinstance(value, int) and abs(value) < BIG)


def coerce(key: Key, value: Any, dotted: str, source: Path | None, line: int) -> Any:
    """`value` as `key` holds it, or a UsageError at `source:line` saying what it must be."""

    def bad(expected: str | None = None, got: str | None = None) -> UsageError:
        expected = expected or KINDS[key.kind].format(choices=", ".join(key.choices))
        got = got or describe(value)
        return UsageError(
            error(source, line, "config", f"`{dotted}` must be {expected}, not {got}", f"default: {key.default!r}")
        )

    if value is None:
        return key.default
    kind = key.kind
    for text in value if isinstance(value, list) else [value]:
        bad_char = _CONTROL.search(text) if isinstance(text, str) else None
        if bad_char:  # `"\x01"` in YAML: it would reach the PDF's text and break a deck's XML
            raise UsageError(
                error(
                    source,
                    line,
                    "config",
                    f"`{dotted}` contains the control character U+{ord(bad_char.group()):04X}",
                    "remove it; only tabs and line breaks are allowed in text",
                )
            )
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= BIG:
        raise bad(f"a number below {BIG:,}" if kind in ("int", "float") else None)
    if kind in ("int", "float"):
        number = _number_of(kind, value, bad)
        if key.span is not None and not key.span[0] <= number <= key.span[1]:  # NaN is in no span
            low, high = (_number(v) for v in key.span)
            raise bad(f"from {low} to {high}{key._unit()}")
        return number
    if kind == "str":
        # `version: 2024-05-01` is read by YAML as a date; the user meant what they wrote.
        if scalar(value) or isinstance(value, (date, datetime)):
            return str(value)
        raise bad()
    if kind == "auto-bool" and isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    if kind in ("bool", "auto-bool"):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "yes", "on", "1", "false", "no", "off", "0"}:
            return value.lower() in {"true", "yes", "on", "1"}
        raise bad()
    if kind == "path":
        if isinstance(value, str) and value:
            return value
        raise bad()
    if kind in ("paths", "strs"):
        return _choose_each(key, _list_of_texts(kind, value, bad), source, line)
    if kind == "nav":
        return _nav(value, bad)
    if kind == "macros":
        from notebook_publish.math_macros import MacroError, MacroList, from_mathjax

        try:
            return MacroList(from_mathjax(value).values())
        except MacroError as exc:
            raise UsageError(
                error(
                    source,
                    line,
                    "config",
                    f"`{dotted}`: {exc.message}",
                    "e.g. `E: '\\mathbb{E}'` or `note: ['\\textcolor{blue}{#1}', 1]`",
                )
            ) from None
    if kind == "choice":
        if not scalar(value):
            raise bad()
        text = str(value).lower()
        if text in key.choices:
            return text
        close = difflib.get_close_matches(text, key.choices, n=1)
        raise UsageError(
            error(
                source,
                line,
                "config",
                f"`{dotted}` must be one of {', '.join(key.choices)}, not {describe(value)}",
                f"did you mean `{close[0]}`?" if close else f"default: {key.default}",
            )
        )
    raise AssertionError(f"unknown kind {kind}")


def _number_of(kind: str, value: Any, bad: _Bad) -> int | float:
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and len(value) < 10 and value.strip().lstrip("-").isdigit():
                return int(value)
            raise bad()
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad() from None
    return float(value)


def _list_of_texts(kind: str, value: Any, bad: _Bad) -> list[str]:
    if isinstance(value, str):
        return [value] if kind == "paths" else [v.strip() for v in value.split(",") if v.strip()]
    # A bool in the list reads as its name, as it always has.
    if isinstance(value, list):
        wrong = [i for i, v in enumerate(value) if not (scalar(v) or isinstance(v, bool))]
        if not wrong:
            return [str(v) for v in value]
        if len(wrong) < len(value):  # point at the first one that is not text
            raise bad(None, f"a list whose item {wrong[0] + 1} is {describe(value[wrong[0]])}")
    raise bad()


def _choose_each(key: Key, items: list[str], source: Path | None, line: int) -> list[str]:
    """A list of `choices` (`flavour:`): each item known, with "did you mean"; none
    means the default; each once."""
    if not key.choices:
        return items
    chosen = [n.strip().lower() for n in items if n.strip()] or list(key.default)
    for name in chosen:
        if name not in key.choices:
            close = difflib.get_close_matches(name, key.choices, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"one of {', '.join(key.choices)}"
            raise UsageError(error(source, line, "config", f"unknown {key.name} `{short(name, 40)}`", hint))
    return list(dict.fromkeys(chosen))


MAX_NAV_ENTRIES = 10_000


def _nav(value: Any, bad: _Bad) -> tuple[NavEntry, ...]:
    """`nav:` as mkdocs writes it, checked: ((title, path or nested entries), ...)."""
    count = 0

    def entries(items: Any, depth: int) -> tuple[NavEntry, ...]:
        nonlocal count
        if not isinstance(items, list) or depth > 20:
            raise bad()
        out: list[NavEntry] = []
        for item in items:
            count += 1
            if count > MAX_NAV_ENTRIES:
                raise bad(f"at most {MAX_NAV_ENTRIES:,} entries")
            if isinstance(item, str) and item.strip():
                out.append(("", item.strip()))
            elif isinstance(item, dict) and len(item) == 1:
                ((title, inner),) = item.items()
                if not scalar(title):
                    raise bad(None, f"an entry titled {describe(title)}")
                if isinstance(inner, str) and inner.strip():
                    out.append((str(title), inner.strip()))
                elif isinstance(inner, list):
                    out.append((str(title), entries(inner, depth + 1)))
                else:
                    raise bad(None, f"the entry `{short(str(title), 40)}` set to {describe(inner)}")
            else:
                raise bad(None, f"an entry that is {describe(item)}")
        return tuple(out)

    return entries(value, 0)
