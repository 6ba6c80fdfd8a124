"""YAML read with limits, and a wrong value described in a few words.

`handbook.yml`, a theme's slides.yaml and the notes' front matter are all written by
hand or by exporters, and all read with `LimitedLoader`: a file that would expand to
millions of values, nest without end or hold a number Python cannot build is refused
at its line, and a message quotes at most `SHORT` characters of any value.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import yaml

# A config holds a few dozen settings. Past these limits a file is not a config but an
# attack or an accident (a YAML "billion laughs" of nested aliases once took a minute
# and 9 GB here, and printed 2 GB of error text); it is refused before it is expanded.
MAX_CONFIG_BYTES = 1 << 20
MAX_ALIASES = 100
MAX_DEPTH = 50
SHORT = 80  # the most of a user's value a message quotes
# No setting needs a number this large; one that is (`0xFFFF...` of a megabyte) would
# overflow a timeout or make `str()` raise, so whole numbers are refused from here.
BIG = 10**9


class ConfigTooComplex(yaml.MarkedYAMLError):
    """YAML refused by `LimitedLoader`: too many aliases, too deep, a value out of range."""

    def __init__(self, problem: str, mark: yaml.Mark | None, hint: str) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.hint = hint


class LimitedLoader(yaml.SafeLoader):
    """SafeLoader that counts alias events and nesting while composing, so an alias bomb
    fails at its first excess alias instead of after expanding it. Values that Python
    refuses to build (an integer of 5,000 digits, the 13th month) fail with their line
    instead of escaping as a bare ValueError."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_count = 0
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                raise ConfigTooComplex(
                    f"too many YAML aliases (more than {MAX_ALIASES}; each `*name` repeats a whole value)",
                    # PyYAML's stubs leave `peek_event` unannotated; it returns an Event.
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                    "write the values out; a config needs no more than a few aliases",
                )
            return super().compose_node(parent, index)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ConfigTooComplex(
                    f"YAML nested too deeply (more than {MAX_DEPTH} levels)",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]  # as above
                    "settings are at most two levels deep; see README: Configuration",
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            raise ConfigTooComplex(
                f"cannot read the value: {short(str(exc))}", node.start_mark, "put it in quotes to make it text"
            ) from None


def load_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """(the document's node, its data) with `LimitedLoader`; raises yaml.YAMLError."""
    loader = LimitedLoader(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def expands_past(data: Any, limit: int) -> bool:
    """Whether `data`, with every alias written out, holds more than `limit` values.
    A walk that stops at `limit`, so a value that shares (or contains) itself costs
    no more than that: for a file whose values are all read as they stand."""
    stack, seen = [data], 0
    while stack:
        value = stack.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def yaml_problem(exc: yaml.YAMLError, hint: str) -> tuple[int, int, str, str]:
    """(line, column, message, hint) of a YAML error, its text cut short: PyYAML quotes
    the offending token, which can be as long as the file. `hint` is for a syntax
    error; a limit of `LimitedLoader` has its own."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = short(str(getattr(exc, "problem", None) or exc), 200)
    if isinstance(exc, ConfigTooComplex):
        return line, col, problem, exc.hint
    return line, col, f"YAML syntax error: {problem}", hint


def short(text: str, limit: int = SHORT) -> str:
    """`text` cut to `limit` characters, marked where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_KIND_WORDS = {
    bool: "true/false value",
    int: "number",
    float: "number",
    str: "text",
    list: "list",
    dict: "mapping",
    bytes: "binary value",
    set: "set",
}


def _kind_word(value: Any) -> str:
    if value is None:
        return "empty value"
    for kind, word in _KIND_WORDS.items():
        if isinstance(value, kind):
            return word
    return {"date": "date", "datetime": "timestamp"}.get(type(value).__name__, type(value).__name__)


def _plural(word: str, count: int) -> str:
    return (
        word
        if count == 1
        else {"empty value": "empty values", "true/false value": "true/false values"}.get(word, word + "s")
    )


def describe(value: Any) -> str:
    """A wrong value in a few words: its kind, its size, at most `SHORT` characters of
    its text. Never the whole repr: a value made of aliases can be billions of items."""
    if value is None:
        return "nothing"
    if isinstance(value, list):
        if not value:
            return "an empty list"
        kinds = {_kind_word(v) for v in value}
        word = kinds.pop() if len(kinds) == 1 else "item"
        return f"a list of {len(value)} {_plural(word, len(value))}"
    if isinstance(value, dict):
        return f"a mapping with {len(value)} {_plural('key', len(value))}"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (set, bytes)):
        return f"a {_kind_word(value)} of {len(value)} {'items' if isinstance(value, set) else 'bytes'}"
    if isinstance(value, int) and abs(value) >= BIG:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"  # str() refuses past 4,300 digits
    if isinstance(value, (date, datetime)):
        return (
            f"the {_kind_word(value)} {value.isoformat(sep=' ') if isinstance(value, datetime) else value.isoformat()}"
        )
    word = _kind_word(value)
    article = "an" if word[0] in "aeiou" else "a"
    return f"{'the' if isinstance(value, (str, int, float)) else article} {word} {short(repr(value))}"
