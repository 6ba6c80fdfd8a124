"""`handbook.yml` plus command-line overrides give one frozen `Config`.

The schema below is the single place that names every key, its type, its default and
what it does: validation, `--set` overrides, the "did you mean" hint and the README's
table all come from it. Paths in the file are relative to the file's folder.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from notebook_publish.diagnostics import UsageError, error

CONFIG_FILE = "handbook.yml"
DIAGNOSTICS = "diagnostics"  # a mapping of diagnostic codes to levels (levels.py), not a section of keys


@dataclass(frozen=True)
class Key:
    name: str
    kind: str  # str | int | float | bool | auto-bool (true, false or "auto") | path | paths | strs | choice | nav | macros
    default: Any
    doc: str
    choices: tuple[str, ...] = ()


# Section name -> keys. "" is the top level.
SCHEMA: dict[str, tuple[Key, ...]] = {
    "": (
        Key("title", "str", "Notebook", "Book title, on the cover, in headers and PDF metadata."),
        Key("subtitle", "str", "", "Line under the title on the cover."),
        Key("author", "str", "", "Author shown on the cover and in PDF metadata."),
        Key("language", "str", "en", "Language of the text (BCP 47), for hyphenation and metadata."),
        Key("version", "str", "", "Version on the cover; inside a git checkout `git describe` wins."),
        Key("notes", "path", "notes", "Folder that holds the Markdown notes, or the .zip of a Notion export (read as it is)."),
        Key("media", "paths", ["media"], "Folders searched for images the notes name."),
        Key(
            "index",
            "path",
            None,
            "Index note that orders the book. Default: index.md, README.md, then SUMMARY.md in the notes folder.",
        ),
        Key(
            "structure",
            "choice",
            "auto",
            "How the chapters are ordered and nested: links (the index note's page lists), folders (the folder tree), or auto (links when there is an index note, else folders). `nav:` overrides both.",
            ("auto", "links", "folders"),
        ),
        Key(
            "nav",
            "nav",
            [],
            "The chapter tree, as in mkdocs.yml: a list of note paths (from the notes folder), `Title: path`, and `Section: [...]`.",
        ),
        Key("theme", "path", "default", "Theme name under themes/, or a folder. A user theme may override single files."),
        Key("output", "path", "build", "Folder the handbook, slides and cache are written to."),
        Key("keywords", "strs", [], "Keywords for the PDF metadata."),
        Key(
            "flavour",
            "strs",
            ["auto"],
            "Notebook syntaxes to read: auto (all, recognised by their syntax), or a list of obsidian, github, gitbook, mkdocs, vitepress, jekyll, notion.",
        ),
    ),
    "pdf": (
        Key("paper", "choice", "a4", "Paper size.", ("a4", "letter")),
        Key("toc_depth", "int", 2, "Heading levels below the chapter title listed in the contents (0-5)."),
        Key(
            "numbering",
            "auto-bool",
            "auto",
            "Number chapters and their sections in the body, the contents and the bookmarks: true, false, or auto (numbered, except the chapters whose titles or headings carry their own numbers).",
        ),
        Key("index", "bool", True, "Build the back-of-book index from the phrases set in bold."),
        Key("index_terms", "strs", [], "Extra terms for the index, found wherever they appear."),
        Key("index_exclude", "strs", [], "Terms never to list in the index."),
        Key("index_max_words", "int", 4, "Longest bold phrase, in words, that counts as an index term."),
        Key("chapter_timeout", "int", 600, "Seconds one chapter may take to typeset before its worker is stopped and the build fails."),
    ),
    "slides": (
        Key(
            "topic",
            "choice",
            "auto",
            "What one deck covers: a section at `level` (heading), a whole note (note), or auto: a note when more than half of the sections share their heading with another (a wiki's `## Theory` in every note), else a section.",
            ("auto", "heading", "note"),
        ),
        Key("level", "int", 2, "Heading level that starts a topic when topic is `heading`."),
        Key("template", "path", None, "A .pptx whose layouts the decks use (Title Slide, Title and Content, ...)."),
        Key("min_font_size", "float", 14.0, "Smallest body size, in points, text may shrink to before a slide splits."),
        Key("aspect", "choice", "16:9", "Slide shape.", ("16:9", "4:3")),
    ),
    "math": (
        Key(
            "macros",
            "macros",
            {},
            "TeX macros for every formula, in MathJax's form (paste a site's `tex.macros`): `E: '\\mathbb{E}'`, or `note: ['\\textcolor{blue}{#1}', 1]` with the number of arguments, and a third item to make the first argument optional with that default.",
        ),
        Key(
            "macros_file",
            "path",
            None,
            "A .tex or .sty file of `\\newcommand`, `\\renewcommand`, `\\def` and `\\DeclareMathOperator` lines, read before the notes (`math.macros` wins over it).",
        ),
    ),
}


@dataclass(frozen=True)
class PdfConfig:
    paper: str = "a4"
    toc_depth: int = 2
    numbering: bool | str = "auto"  # True, False or "auto" (chapter_numbers.py)
    index: bool = True
    index_terms: tuple[str, ...] = ()
    index_exclude: tuple[str, ...] = ()
    index_max_words: int = 4
    chapter_timeout: int = 600

    @property
    def toc_levels(self) -> int:
        """The heading levels below a chapter title that the contents lists (0-5)."""
        return max(0, min(self.toc_depth, 5))


@dataclass(frozen=True)
class SlidesConfig:
    topic: str = "auto"
    level: int = 2
    template: Path | None = None
    min_font_size: float = 14.0
    aspect: str = "16:9"


@dataclass(frozen=True)
class MathConfig:
    macros: tuple = ()  # math_macros.Macro of each `math.macros` entry, in the file's order
    macros_file: Path | None = None


@dataclass(frozen=True)
class Config:
    title: str = "Notebook"
    subtitle: str = ""
    author: str = ""
    language: str = "en"
    version: str = ""
    notes: Path = Path("notes")
    media: tuple[Path, ...] = (Path("media"),)
    index: Path | None = None
    structure: str = "auto"
    nav: tuple = ()  # ((title or "", path or a nested tuple), ...): `book_order.order_by_nav`
    theme: Path = Path("default")
    output: Path = Path("build")
    keywords: tuple[str, ...] = ()
    flavour: tuple[str, ...] = ("auto",)
    pdf: PdfConfig = field(default_factory=PdfConfig)
    slides: SlidesConfig = field(default_factory=SlidesConfig)
    math: MathConfig = field(default_factory=MathConfig)
    # Where the config came from; relative paths above are resolved against `root`.
    source: Path | None = None
    root: Path = Path(".")
    # (dotted key, line in `source`) for every key the file sets, for messages.
    key_lines: tuple[tuple[str, int], ...] = ()
    # The version `release` is making, which the cover, the title slides and the file
    # names then all show (not a key of the file: `release --version` sets it).
    pinned_version: str = ""
    # `diagnostics:`: the level of each code, where wanted (levels.LevelRule).
    diagnostics: tuple = ()

    @property
    def flavours(self) -> frozenset[str]:
        """The flavours the normaliser rewrites (`auto`: all of them)."""
        from notebook_publish.normalize.context import FLAVOURS

        return frozenset(FLAVOURS) if "auto" in self.flavour else frozenset(self.flavour)

    def line_of(self, key: str) -> int:
        """The line of `handbook.yml` that sets `key` (dotted), else 1."""
        return dict(self.key_lines).get(key, 1)

    @property
    def cache_dir(self) -> Path:
        return self.output / ".cache"


_SECTION_CLASSES = {"pdf": PdfConfig, "slides": SlidesConfig, "math": MathConfig}


def load_config(path: Path | None = None, overrides: dict[str, Any] | None = None, cwd: Path | None = None) -> Config:
    """Read `path` (or ./handbook.yml if it exists), apply overrides, validate.

    Raises UsageError (exit code 2) with `file:line` on any problem.
    """
    cwd = (cwd or Path.cwd()).resolve()
    raw: dict[str, Any] = {}
    lines: dict[str, int] = {}
    source = None
    if path is None and (cwd / CONFIG_FILE).is_file():
        path = cwd / CONFIG_FILE
    if path is not None:
        source = Path(path).resolve()
        if not source.is_file():
            raise UsageError(error(path, 1, "config", f"config file not found: {path}", "check the --config path"))
        raw, lines = _read_yaml(source)
    root = source.parent if source else cwd

    values = _validate(raw, lines, source)
    for dotted, value in (overrides or {}).items():
        _apply_override(values, dotted, value)
    config = _build(values, source, root, lines)
    return replace(config, key_lines=tuple(sorted(lines.items())))


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

    def __init__(self, problem: str, mark, hint: str):
        super().__init__(problem=problem, problem_mark=mark)
        self.hint = hint


class LimitedLoader(yaml.SafeLoader):
    """SafeLoader that counts alias events and nesting while composing, so an alias bomb
    fails at its first excess alias instead of after expanding it. Values that Python
    refuses to build (an integer of 5,000 digits, the 13th month) fail with their line
    instead of escaping as a bare ValueError."""

    def __init__(self, stream):
        super().__init__(stream)
        self.alias_count = 0
        self.depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                raise ConfigTooComplex(
                    f"too many YAML aliases (more than {MAX_ALIASES}; each `*name` repeats a whole value)",
                    self.peek_event().start_mark,
                    "write the values out; a config needs no more than a few aliases",
                )
            return super().compose_node(parent, index)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise ConfigTooComplex(
                    f"YAML nested too deeply (more than {MAX_DEPTH} levels)",
                    self.peek_event().start_mark,
                    "settings are at most two levels deep; see README: Configuration",
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            raise ConfigTooComplex(
                f"cannot read the value: {short(str(exc))}", node.start_mark, "put it in quotes to make it text"
            ) from None


def load_yaml(text: str):
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


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            blob = file.read(MAX_CONFIG_BYTES + 1)  # a file that grows after stat() is still bounded
    except OSError as exc:
        raise UsageError(error(path, 1, "config", f"cannot read config: {exc.strerror or type(exc).__name__}", "check the file's permissions"))
    if max(size, len(blob)) > MAX_CONFIG_BYTES:
        raise UsageError(
            error(
                path,
                1,
                "config",
                f"config file is {max(size, len(blob)) / (1 << 20):.1f} MB, over the {MAX_CONFIG_BYTES >> 20} MB a config may be",
                "handbook.yml holds settings only; see README: Configuration",
            )
        )
    try:
        text = blob.decode("utf-8")
        node, data = load_yaml(text)
    except UnicodeDecodeError as exc:
        raise UsageError(error(path, 1, "config", f"config is not UTF-8 text: {exc.reason}", "save it as UTF-8"))
    except yaml.YAMLError as exc:
        line, col, problem, hint = yaml_problem(exc, "check indentation and quoting")
        raise UsageError(error(path, line, "config", problem, hint, col=col))
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise UsageError(error(path, 1, "config", f"config must be a mapping of keys to values, not {describe(data)}", "see README: Configuration"))
    return data, _key_lines(node)


def _key_lines(node, prefix: str = "") -> dict[str, int]:
    """Line of every key, as dotted names, so messages can point at it. Only the two
    levels the schema has: deeper, an alias can make the tree of nodes as large as
    the values it expands to, or make it loop."""
    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            name = f"{prefix}{key_node.value}"
            out[name] = key_node.start_mark.line + 1  # a repeated key: the last one wins, as in the data
            if not prefix:
                out.update(_key_lines(value_node, name + "."))
    return out


_KIND_WORDS = {bool: "true/false value", int: "number", float: "number", str: "text", list: "list", dict: "mapping", bytes: "binary value", set: "set"}


def _kind_word(value: Any) -> str:
    if value is None:
        return "empty value"
    for kind, word in _KIND_WORDS.items():
        if isinstance(value, kind):
            return word
    return {"date": "date", "datetime": "timestamp"}.get(type(value).__name__, type(value).__name__)


def _plural(word: str, count: int) -> str:
    return word if count == 1 else {"empty value": "empty values", "true/false value": "true/false values"}.get(word, word + "s")


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
        return f"the {_kind_word(value)} {value.isoformat(sep=' ') if isinstance(value, datetime) else value.isoformat()}"
    word = _kind_word(value)
    article = "an" if word[0] in "aeiou" else "a"
    return f"{'the' if isinstance(value, (str, int, float)) else article} {word} {short(repr(value))}"


def _validate(raw: dict[str, Any], lines: dict[str, int], source: Path | None) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {section: {} for section in SCHEMA}
    for name, value in raw.items():
        name = str(name)
        if name == DIAGNOSTICS:
            from notebook_publish.levels import parse_rules

            values[""][DIAGNOSTICS] = parse_rules(value, lines, source)
        elif name in SCHEMA and name:
            if value is None:
                continue
            if not isinstance(value, dict):
                raise UsageError(
                    error(
                        source,
                        lines.get(name, 1),
                        "config",
                        f"`{name}` must be a mapping, not {describe(value)}",
                        f"write `{name}:` then indented keys",
                    )
                )
            for sub, subvalue in value.items():
                dotted = f"{name}.{sub}"
                key = _find_key(name, str(sub), source, lines.get(dotted, 1))
                values[name][key.name] = _coerce(key, subvalue, dotted, source, lines.get(dotted, 1))
        else:
            key = _find_key("", name, source, lines.get(name, 1))
            values[""][key.name] = _coerce(key, value, name, source, lines.get(name, 1))
    return values


def _all_dotted() -> list[str]:
    return [f"{s}.{k.name}" if s else k.name for s, keys in SCHEMA.items() for k in keys] + [s for s in SCHEMA if s] + [DIAGNOSTICS]


def _find_key(section: str, name: str, source: Path | None, line: int) -> Key:
    for key in SCHEMA[section]:
        if key.name == name:
            return key
    dotted = short(f"{section}.{name}" if section else name, 60)
    close = difflib.get_close_matches(dotted, _all_dotted(), n=1, cutoff=0.6) or difflib.get_close_matches(
        name, [k.name for k in SCHEMA[section]], n=1, cutoff=0.6
    )
    hint = f"did you mean `{close[0]}`?" if close else "see README: Configuration for the keys"
    raise UsageError(error(source, line, "config", f"unknown key `{dotted}`", hint))


def _expected(key: Key) -> str:
    return {
        "str": "text",
        "int": "a whole number",
        "float": "a number",
        "bool": "true or false",
        "auto-bool": "true or false, or auto",
        "path": "a path",
        "paths": "a list of paths",
        "strs": "a list of texts",
        "choice": f"one of {', '.join(key.choices)}",
        "nav": "a list of note paths, `Title: path` and `Section: [...]` entries",
        "macros": "a mapping of macro names to their TeX, as MathJax's `tex.macros`",
    }[key.kind]


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _scalar(value: Any) -> bool:
    """Text or a number of a sane size (`str()` of it is short and cannot fail)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, (str, float)) or (isinstance(value, int) and abs(value) < BIG)


def _coerce(key: Key, value: Any, dotted: str, source: Path | None, line: int) -> Any:
    def bad(expected: str | None = None, got: str | None = None) -> UsageError:
        expected = expected or _expected(key)
        got = got or describe(value)
        return UsageError(error(source, line, "config", f"`{dotted}` must be {expected}, not {got}", f"default: {key.default!r}"))

    if value is None:
        return key.default
    kind = key.kind
    for text in value if isinstance(value, list) else [value]:
        bad_char = _CONTROL.search(text) if isinstance(text, str) else None
        if bad_char:  # `"\x01"` in YAML: it would reach the PDF's text and break a deck's XML
            raise UsageError(error(source, line, "config", f"`{dotted}` contains the control character U+{ord(bad_char.group()):04X}", "remove it; only tabs and line breaks are allowed in text"))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= BIG:
        raise bad(f"a number below {BIG:,}" if kind in ("int", "float") else None)
    if kind == "str":
        # `version: 2024-05-01` is read by YAML as a date; the user meant what they wrote.
        if _scalar(value) or isinstance(value, (date, datetime)):
            return str(value)
        raise bad()
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and len(value) < 10 and value.strip().lstrip("-").isdigit():
                return int(value)
            raise bad()
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                return float(value)
            except (TypeError, ValueError):
                raise bad() from None
        return float(value)
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
        if isinstance(value, str):
            return [value] if kind == "paths" else [v.strip() for v in value.split(",") if v.strip()]
        # A bool in the list reads as its name, as it always has.
        if isinstance(value, list):
            wrong = [i for i, v in enumerate(value) if not (_scalar(v) or isinstance(v, bool))]
            if not wrong:
                return [str(v) for v in value]
            if len(wrong) < len(value):  # point at the first one that is not text
                raise bad(None, f"a list whose item {wrong[0] + 1} is {describe(value[wrong[0]])}")
        raise bad()
    if kind == "nav":
        return _nav(value, dotted, source, line, bad)
    if kind == "macros":
        from notebook_publish.math_macros import MacroError, MacroList, from_mathjax

        try:
            return MacroList(from_mathjax(value).values())
        except MacroError as exc:
            raise UsageError(error(source, line, "config", f"`{dotted}`: {exc.message}", "e.g. `E: '\\mathbb{E}'` or `note: ['\\textcolor{blue}{#1}', 1]`")) from None
    if kind == "choice":
        if not _scalar(value):
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
                f"`{dotted}` must be {_expected(key)}, not {describe(value)}",
                f"did you mean `{close[0]}`?" if close else f"default: {key.default}",
            )
        )
    raise AssertionError(f"unknown kind {kind}")


MAX_NAV_ENTRIES = 10_000


def _nav(value: Any, dotted: str, source: Path | None, line: int, bad) -> tuple:
    """`nav:` as mkdocs writes it, checked: ((title, path or nested entries), ...)."""
    count = 0

    def entries(items: Any, depth: int) -> tuple:
        nonlocal count
        if not isinstance(items, list) or depth > 20:
            raise bad()
        out = []
        for item in items:
            count += 1
            if count > MAX_NAV_ENTRIES:
                raise bad(f"at most {MAX_NAV_ENTRIES:,} entries")
            if isinstance(item, str) and item.strip():
                out.append(("", item.strip()))
            elif isinstance(item, dict) and len(item) == 1:
                (title, inner), = item.items()
                if not _scalar(title):
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


def _apply_override(values: dict[str, dict[str, Any]], dotted: str, value: Any) -> None:
    section, _, name = dotted.rpartition(".")
    if section == DIAGNOSTICS:  # --set diagnostics.missing-image=ignore: after the file's rules, so it wins
        from notebook_publish.levels import parse_rules

        values[""][DIAGNOSTICS] = tuple(values[""].get(DIAGNOSTICS, ())) + parse_rules({name: value}, {}, None, key=DIAGNOSTICS)
        return
    key = next((k for k in SCHEMA.get(section, ()) if k.name == name), None)
    if key is None:
        close = difflib.get_close_matches(dotted, _all_dotted(), n=1)
        hint = f"did you mean `{close[0]}`?" if close else "run `notebook-publish config` for the keys"
        raise UsageError(error(None, 0, "usage", f"unknown key `{short(dotted, 60)}` in --set", hint))
    if isinstance(value, str) and key.kind in ("int", "float", "bool", "auto-bool", "macros"):
        try:
            value = load_yaml(value)[1] if value else None
        except yaml.YAMLError:
            pass  # not YAML: the text itself is the wrong value, and `_coerce` says so
    values[section][key.name] = _coerce(key, value, dotted, None, 0)


def _flavours(names: list[str], source: Path | None, line: int) -> tuple[str, ...]:
    """`flavour:` checked: `auto`, or known flavours (with "did you mean")."""
    from notebook_publish.normalize.context import FLAVOURS

    chosen = [n.strip().lower() for n in names if n.strip()] or ["auto"]
    for name in chosen:
        if name != "auto" and name not in FLAVOURS:
            close = difflib.get_close_matches(name, [*FLAVOURS, "auto"], n=1)
            raise UsageError(error(source, line, "config", f"unknown flavour `{short(name, 40)}`", f"did you mean `{close[0]}`?" if close else f"one of auto, {', '.join(FLAVOURS)}"))
    return tuple(dict.fromkeys(chosen))


def _build(values: dict[str, dict[str, Any]], source: Path | None, root: Path, lines: dict[str, int] | None = None) -> Config:
    def section_values(section: str) -> dict[str, Any]:
        merged = {k.name: k.default for k in SCHEMA[section]}
        merged.update(values[section])
        return merged

    top = section_values("")

    def rooted(p: str | Path | None) -> Path | None:
        if p is None:
            return None
        p = Path(p).expanduser()
        return p if p.is_absolute() else root / p

    theme = str(top["theme"])
    # A bare name picks a theme shipped with the project; anything path-like is a folder.
    theme_path = Path(theme) if ("/" not in theme and not theme.startswith(".")) else rooted(theme)

    from notebook_publish.math_macros import MacroList

    slides = section_values("slides")
    pdf = section_values("pdf")
    math = section_values("math")
    return Config(
        title=top["title"],
        subtitle=top["subtitle"],
        author=top["author"],
        language=top["language"],
        version=top["version"],
        notes=rooted(top["notes"]),
        media=tuple(rooted(m) for m in top["media"]),
        index=rooted(top["index"]),
        structure=top["structure"],
        nav=tuple(top["nav"]) if isinstance(top["nav"], tuple) else (),
        theme=theme_path,
        output=rooted(top["output"]),
        keywords=tuple(top["keywords"]),
        flavour=_flavours(top["flavour"], source, (lines or {}).get("flavour", 1)),
        pdf=PdfConfig(**{f.name: (tuple(pdf[f.name]) if isinstance(pdf[f.name], list) else pdf[f.name]) for f in fields(PdfConfig)}),
        slides=SlidesConfig(**{**slides, "template": rooted(slides["template"])}),
        math=MathConfig(macros=math["macros"] or MacroList(), macros_file=rooted(math["macros_file"])),
        source=source,
        root=root,
        diagnostics=tuple(top.get(DIAGNOSTICS, ())),
    )


def describe_schema() -> str:
    """The key table for `notebook-publish config --keys` and the README."""
    rows = ["| key | default | what it does |", "| --- | --- | --- |"]
    for section, keys in SCHEMA.items():
        for key in keys:
            name = f"{section}.{key.name}" if section else key.name
            choices = f" One of: {', '.join(key.choices)}." if key.choices else ""
            rows.append(f"| `{name}` | `{key.default!r}` | {key.doc}{choices} |")
    rows.append(f"| `{DIAGNOSTICS}` | `{{}}` | The level of each kind of problem: a code mapped to error, warning, info or ignore, or to `{{level: …, paths: [globs]}}`. The codes are listed below. |")
    return "\n".join(rows)


def with_overrides(config: Config, **changes: Any) -> Config:
    return replace(config, **changes)
