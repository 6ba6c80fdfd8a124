"""`handbook.yml` plus command-line overrides give one frozen `Config`.

Every key is declared once, as a field of the dataclasses below, with `setting(kind,
default, doc, ...)` (`config_keys.py`): its name, what it holds, its default, the values
it may take and what it does. Validation, `--set` overrides, the "did you mean" hint
and README's table (`describe_schema`, `notebook-publish config --keys`) all come from
these declarations. Paths in the file are relative to the file's folder.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from notebook_publish.config_keys import Key, NavEntry, coerce, setting
from notebook_publish.diagnostics import UsageError, error

# Read with the config's limits elsewhere too (slides.yaml, front matter); `describe` is
# what the tests of hostile configs call.
from notebook_publish.limited_yaml import (  # noqa: F401
    MAX_ALIASES,
    MAX_CONFIG_BYTES,
    MAX_DEPTH,
    ConfigTooComplex,
    describe,
    expands_past,
    load_yaml,
    short,
    yaml_problem,
)

if TYPE_CHECKING:
    from notebook_publish.levels import LevelRule
    from notebook_publish.math_macros import Macro

CONFIG_FILE = "handbook.yml"
DIAGNOSTICS = "diagnostics"  # a mapping of diagnostic codes to levels (levels.py), not a section of keys
# The notebook syntaxes the normaliser reads (`normalize/`), as `flavour:` names them.
FLAVOURS = ("obsidian", "github", "gitbook", "mkdocs", "vitepress", "jekyll", "notion")


# The PDF standards a handbook can be written to (`handbook/structure_tree.py`, `pdf.variant`).
PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3b", "pdf/a-3u", "none")


@dataclass(frozen=True)
class PdfConfig:
    paper: str = setting("choice", "a4", "Paper size.", choices=("a4", "letter"))
    toc_depth: int = setting("int", 2, "Heading levels below the chapter title listed in the contents.", span=(0, 5))
    numbering: bool | str = setting(  # True, False or "auto" (chapter_numbers.py)
        "auto-bool",
        "auto",
        "Number chapters and their sections in the body, the contents and the bookmarks: true, false, or auto "
        "(numbered, except the chapters whose titles or headings carry their own numbers).",
    )
    index: bool = setting("bool", True, "Build the back-of-book index from the phrases set in bold.")
    index_terms: tuple[str, ...] = setting("strs", [], "Extra terms for the index, found wherever they appear.")
    index_exclude: tuple[str, ...] = setting("strs", [], "Terms never to list in the index.")
    index_max_words: int = setting(
        "int", 4, "Longest bold phrase, in words, that counts as an index term.", span=(1, 20), unit="words"
    )
    variant: str = setting(
        "choice",
        "pdf/ua-1",
        "What the PDF conforms to: pdf/ua-1 (tagged, accessible), pdf/a-3b or pdf/a-3u (tagged, archival, with an sRGB "
        "output intent), or none (untagged).",
        choices=PDF_VARIANTS,
    )
    chapter_timeout: int = setting(
        "int",
        600,
        "Seconds one chapter may take to typeset before its worker is stopped and the build fails.",
        span=(1, 86400),
        unit="seconds",
    )

    @property
    def toc_levels(self) -> int:
        """The heading levels below a chapter title that the contents lists (0-5)."""
        return max(0, min(self.toc_depth, 5))


@dataclass(frozen=True)
class SlidesConfig:
    topic: str = setting(
        "choice",
        "auto",
        "What one deck covers: a section at `level` (heading), a whole note (note), or auto: a note when more than "
        "half of the sections share their heading with another (a wiki's `## Theory` in every note), else a section.",
        choices=("auto", "heading", "note"),
    )
    level: int = setting("int", 2, "Heading level that starts a topic when topic is `heading`.", span=(1, 6))
    template: Path | None = setting(
        "path", None, "A .pptx whose layouts the decks use (Title Slide, Title and Content, ...)."
    )
    min_font_size: float = setting(
        "float",
        14.0,
        "Smallest body size, in points, text may shrink to before a slide splits.",
        span=(6, 48),
        unit="points",
    )
    aspect: str = setting("choice", "16:9", "Slide shape.", choices=("16:9", "4:3"))


@dataclass(frozen=True)
class MathConfig:
    macros: tuple[Macro, ...] = setting(  # math_macros.Macro of each entry, in the file's order
        "macros",
        {},
        "TeX macros for every formula, in MathJax's form (paste a site's `tex.macros`): `E: '\\mathbb{E}'`, or "
        "`note: ['\\textcolor{blue}{#1}', 1]` with the number of arguments, and a third item to make the first "
        "argument optional with that default.",
    )
    macros_file: Path | None = setting(
        "path",
        None,
        "A .tex or .sty file of `\\newcommand`, `\\renewcommand`, `\\def` and `\\DeclareMathOperator` lines, read "
        "before the notes (`math.macros` wins over it).",
    )


@dataclass(frozen=True)
class Config:
    title: str = setting("str", "Notebook", "Book title, on the cover, in headers and PDF metadata.")
    subtitle: str = setting("str", "", "Line under the title on the cover.")
    author: str = setting("str", "", "Author shown on the cover and in PDF metadata.")
    language: str = setting("str", "en", "Language of the text (BCP 47), for hyphenation and metadata.")
    version: str = setting("str", "", "Version on the cover; inside a git checkout `git describe` wins.")
    notes: Path = setting(
        "path", "notes", "Folder that holds the Markdown notes, or the .zip of a Notion export (read as it is)."
    )
    media: tuple[Path, ...] = setting("paths", ["media"], "Folders searched for images the notes name.")
    index: Path | None = setting(
        "path",
        None,
        "Index note that orders the book. Default: index.md, README.md, then SUMMARY.md in the notes folder.",
    )
    structure: str = setting(
        "choice",
        "auto",
        "How the chapters are ordered and nested: links (the index note's page lists), folders (the folder tree), or "
        "auto (links when there is an index note, else folders). `nav:` overrides both.",
        choices=("auto", "links", "folders"),
    )
    nav: tuple[NavEntry, ...] = setting(  # ((title or "", path or a nested tuple), ...): `book_order.order_by_nav`
        "nav",
        [],
        "The chapter tree, as in mkdocs.yml: a list of note paths (from the notes folder), `Title: path`, and "
        "`Section: [...]`.",
    )
    theme: Path = setting(
        "path", "default", "Theme name under themes/, or a folder. A user theme may override single files."
    )
    output: Path = setting("path", "build", "Folder the handbook, slides and cache are written to.")
    keywords: tuple[str, ...] = setting("strs", [], "Keywords for the PDF metadata.")
    flavour: tuple[str, ...] = setting(
        "strs",
        ["auto"],
        "Notebook syntaxes to read: auto (all, recognised by their syntax), or a list of them.",
        choices=("auto", *FLAVOURS),
    )
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
    diagnostics: tuple[LevelRule, ...] = ()

    @property
    def flavours(self) -> frozenset[str]:
        """The flavours the normaliser rewrites (`auto`: all of them)."""
        return frozenset(FLAVOURS) if "auto" in self.flavour else frozenset(self.flavour)

    def line_of(self, key: str) -> int:
        """The line of `handbook.yml` that sets `key` (dotted), else 1."""
        return dict(self.key_lines).get(key, 1)

    @property
    def cache_dir(self) -> Path:
        return self.output / ".cache"


def _declared(cls: type) -> tuple[Key, ...]:
    """The keys a dataclass declares, in field order, each named after its field."""
    return tuple(replace(f.metadata["key"], name=f.name) for f in fields(cls) if "key" in f.metadata)


_SECTIONS = {"pdf": PdfConfig, "slides": SlidesConfig, "math": MathConfig}
# Section name -> keys. "" is the top level.
SCHEMA: dict[str, tuple[Key, ...]] = {
    "": _declared(Config),
    **{name: _declared(cls) for name, cls in _SECTIONS.items()},
}


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
    config = _build(values, source, root)
    return replace(config, key_lines=tuple(sorted(lines.items())))


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            blob = file.read(MAX_CONFIG_BYTES + 1)  # a file that grows after stat() is still bounded
    except OSError as exc:
        raise UsageError(
            error(
                path,
                1,
                "config",
                f"cannot read config: {exc.strerror or type(exc).__name__}",
                "check the file's permissions",
            )
        ) from None
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
        raise UsageError(
            error(path, 1, "config", f"config is not UTF-8 text: {exc.reason}", "save it as UTF-8")
        ) from None
    except yaml.YAMLError as exc:
        line, col, problem, hint = yaml_problem(exc, "check indentation and quoting")
        raise UsageError(error(path, line, "config", problem, hint, col=col)) from None
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise UsageError(
            error(
                path,
                1,
                "config",
                f"config must be a mapping of keys to values, not {describe(data)}",
                "see README: Configuration",
            )
        )
    return data, _key_lines(node)


def _key_lines(node: yaml.Node | None, prefix: str = "") -> dict[str, int]:
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
                values[name][key.name] = coerce(key, subvalue, dotted, source, lines.get(dotted, 1))
        else:
            key = _find_key("", name, source, lines.get(name, 1))
            values[""][key.name] = coerce(key, value, name, source, lines.get(name, 1))
    return values


def _all_dotted() -> list[str]:
    return (
        [f"{s}.{k.name}" if s else k.name for s, keys in SCHEMA.items() for k in keys]
        + [s for s in SCHEMA if s]
        + [DIAGNOSTICS]
    )


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


def _apply_override(values: dict[str, dict[str, Any]], dotted: str, value: Any) -> None:
    section, _, name = dotted.rpartition(".")
    if section == DIAGNOSTICS:  # --set diagnostics.missing-image=ignore: after the file's rules, so it wins
        from notebook_publish.levels import parse_rules

        values[""][DIAGNOSTICS] = tuple(values[""].get(DIAGNOSTICS, ())) + parse_rules(
            {name: value}, {}, None, key=DIAGNOSTICS
        )
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
            pass  # not YAML: the text itself is the wrong value, and `coerce` says so
    values[section][key.name] = coerce(key, value, dotted, None, 0)


def _build(values: dict[str, dict[str, Any]], source: Path | None, root: Path) -> Config:
    """The checked values, with the defaults of the keys not set, as the dataclasses
    hold them: paths made absolute against `root`, lists as tuples."""

    def rooted(p: str | Path | None) -> Path | None:
        if p is None:
            return None
        p = Path(p).expanduser()
        return p if p.is_absolute() else root / p

    def typed(key: Key, value: Any) -> Any:
        if key.kind == "path":
            return rooted(value)
        if key.kind == "paths":
            return tuple(rooted(v) for v in value)
        if key.kind == "strs":
            return tuple(value)
        if key.kind == "nav":
            return value if isinstance(value, tuple) else ()
        if key.kind == "macros":
            from notebook_publish.math_macros import MacroList

            return value or MacroList()
        return value

    def section(name: str) -> dict[str, Any]:
        return {key.name: typed(key, values[name].get(key.name, key.default)) for key in SCHEMA[name]}

    top = section("")
    theme = str(values[""].get("theme", Config.theme))
    # A bare name picks a theme shipped with the project; anything path-like is a folder.
    top["theme"] = Path(theme) if ("/" not in theme and not theme.startswith(".")) else rooted(theme)
    return Config(
        **top,
        **{name: cls(**section(name)) for name, cls in _SECTIONS.items()},
        source=source,
        root=root,
        diagnostics=tuple(values[""].get(DIAGNOSTICS, ())),
    )


def describe_schema() -> str:
    """The key table for `notebook-publish config --keys` and the README."""
    rows = ["| key | default | what it does |", "| --- | --- | --- |"]
    for section, keys in SCHEMA.items():
        for key in keys:
            name = f"{section}.{key.name}" if section else key.name
            rows.append(f"| `{name}` | `{key.default!r}` | {key.doc}{key.allowed()} |")
    rows.append(
        f"| `{DIAGNOSTICS}` | `{{}}` | The level of each kind of problem: a code mapped to error, warning, info or ignore, or to `{{level: …, paths: [globs]}}`. The codes are listed below. |"
    )
    return "\n".join(rows)
