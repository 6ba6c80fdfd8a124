"""`handbook.yml` plus command-line overrides give one frozen `Config`.

The schema below is the single place that names every key, its type, its default and
what it does: validation, `--set` overrides, the "did you mean" hint and the README's
table all come from it. Paths in the file are relative to the file's folder.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import yaml

from notebook_publish.diagnostics import UsageError, error

CONFIG_FILE = "handbook.yml"


@dataclass(frozen=True)
class Key:
    name: str
    kind: str  # str | int | float | bool | path | paths | strs | choice
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
        Key("notes", "path", "notes", "Folder that holds the Markdown notes."),
        Key("media", "paths", ["media"], "Folders searched for images the notes name."),
        Key(
            "index",
            "path",
            None,
            "Index note that orders the book. Default: index.md, README.md, then SUMMARY.md in the notes folder.",
        ),
        Key("theme", "path", "default", "Theme name under themes/, or a folder. A user theme may override single files."),
        Key("output", "path", "build", "Folder the handbook, slides and cache are written to."),
        Key("keywords", "strs", [], "Keywords for the PDF metadata."),
    ),
    "pdf": (
        Key("paper", "choice", "a4", "Paper size.", ("a4", "letter")),
        Key("toc_depth", "int", 2, "Heading levels below the chapter title listed in the contents (0-5)."),
        Key("numbering", "bool", True, "Number chapters in the body and the contents."),
        Key("index", "bool", True, "Build the back-of-book index from the phrases set in bold."),
        Key("index_terms", "strs", [], "Extra terms for the index, found wherever they appear."),
        Key("index_exclude", "strs", [], "Terms never to list in the index."),
        Key("index_max_words", "int", 4, "Longest bold phrase, in words, that counts as an index term."),
        Key("chapter_timeout", "int", 600, "Seconds one chapter may take to typeset before its worker is stopped and the build fails."),
    ),
    "slides": (
        Key("topic", "choice", "heading", "What one deck covers: a section at `level`, or a whole note.", ("heading", "note")),
        Key("level", "int", 2, "Heading level that starts a topic when topic is `heading`."),
        Key("template", "path", None, "A .pptx whose layouts the decks use (Title Slide, Title and Content, ...)."),
        Key("min_font_size", "float", 14.0, "Smallest body size, in points, text may shrink to before a slide splits."),
        Key("aspect", "choice", "16:9", "Slide shape.", ("16:9", "4:3")),
    ),
}


@dataclass(frozen=True)
class PdfConfig:
    paper: str = "a4"
    toc_depth: int = 2
    numbering: bool = True
    index: bool = True
    index_terms: tuple[str, ...] = ()
    index_exclude: tuple[str, ...] = ()
    index_max_words: int = 4
    chapter_timeout: int = 600


@dataclass(frozen=True)
class SlidesConfig:
    topic: str = "heading"
    level: int = 2
    template: Path | None = None
    min_font_size: float = 14.0
    aspect: str = "16:9"


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
    theme: Path = Path("default")
    output: Path = Path("build")
    keywords: tuple[str, ...] = ()
    pdf: PdfConfig = field(default_factory=PdfConfig)
    slides: SlidesConfig = field(default_factory=SlidesConfig)
    # Where the config came from; relative paths above are resolved against `root`.
    source: Path | None = None
    root: Path = Path(".")
    # (dotted key, line in `source`) for every key the file sets, for messages.
    key_lines: tuple[tuple[str, int], ...] = ()

    def line_of(self, key: str) -> int:
        """The line of `handbook.yml` that sets `key` (dotted), else 1."""
        return dict(self.key_lines).get(key, 1)

    @property
    def cache_dir(self) -> Path:
        return self.output / ".cache"


_SECTION_CLASSES = {"pdf": PdfConfig, "slides": SlidesConfig}


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
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        raise UsageError(error(path, 1, "config", f"config is not UTF-8 text: {exc.reason}", "save it as UTF-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = getattr(exc, "problem", None) or str(exc)
        raise UsageError(error(path, line, "config", f"YAML syntax error: {problem}", "check indentation and quoting", col=col))
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise UsageError(error(path, 1, "config", "config must be a mapping of keys to values", "see README: Configuration"))
    return data, _key_lines(node)


def _key_lines(node, prefix: str = "") -> dict[str, int]:
    """Line of every key, as dotted names, so messages can point at it."""
    out: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            name = f"{prefix}{key_node.value}"
            out[name] = key_node.start_mark.line + 1
            out.update(_key_lines(value_node, name + "."))
    return out


def _validate(raw: dict[str, Any], lines: dict[str, int], source: Path | None) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {section: {} for section in SCHEMA}
    for name, value in raw.items():
        name = str(name)
        if name in SCHEMA and name:
            if value is None:
                continue
            if not isinstance(value, dict):
                raise UsageError(
                    error(source, lines.get(name, 1), "config", f"`{name}` must be a mapping", f"write `{name}:` then indented keys")
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
    return [f"{s}.{k.name}" if s else k.name for s, keys in SCHEMA.items() for k in keys] + [s for s in SCHEMA if s]


def _find_key(section: str, name: str, source: Path | None, line: int) -> Key:
    for key in SCHEMA[section]:
        if key.name == name:
            return key
    dotted = f"{section}.{name}" if section else name
    close = difflib.get_close_matches(dotted, _all_dotted(), n=1, cutoff=0.6) or difflib.get_close_matches(
        name, [k.name for k in SCHEMA[section]], n=1, cutoff=0.6
    )
    hint = f"did you mean `{close[0]}`?" if close else "see README: Configuration for the keys"
    raise UsageError(error(source, line, "config", f"unknown key `{dotted}`", hint))


def _coerce(key: Key, value: Any, dotted: str, source: Path | None, line: int) -> Any:
    def bad(expected: str) -> UsageError:
        return UsageError(
            error(source, line, "config", f"`{dotted}` must be {expected}, not {type(value).__name__} {value!r}", f"default: {key.default!r}")
        )

    if value is None:
        return key.default
    kind = key.kind
    if kind == "str":
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        raise bad("text")
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                return int(value)
            raise bad("a whole number")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            try:
                return float(value)
            except (TypeError, ValueError):
                raise bad("a number") from None
        return float(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "yes", "on", "1", "false", "no", "off", "0"}:
            return value.lower() in {"true", "yes", "on", "1"}
        raise bad("true or false")
    if kind == "path":
        if isinstance(value, str) and value:
            return value
        raise bad("a path")
    if kind in ("paths", "strs"):
        if isinstance(value, str):
            return [value] if kind == "paths" else [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            return [str(v) for v in value]
        raise bad("a list")
    if kind == "choice":
        text = str(value).lower()
        if text in key.choices:
            return text
        close = difflib.get_close_matches(text, key.choices, n=1)
        raise UsageError(
            error(
                source,
                line,
                "config",
                f"`{dotted}` must be one of {', '.join(key.choices)}, not {value!r}",
                f"did you mean `{close[0]}`?" if close else f"default: {key.default}",
            )
        )
    raise AssertionError(f"unknown kind {kind}")


def _apply_override(values: dict[str, dict[str, Any]], dotted: str, value: Any) -> None:
    section, _, name = dotted.rpartition(".")
    key = next((k for k in SCHEMA.get(section, ()) if k.name == name), None)
    if key is None:
        close = difflib.get_close_matches(dotted, _all_dotted(), n=1)
        hint = f"did you mean `{close[0]}`?" if close else "run `notebook-publish config` for the keys"
        raise UsageError(error(None, 0, "usage", f"unknown key `{dotted}` in --set", hint))
    if isinstance(value, str) and key.kind in ("int", "float", "bool"):
        value = yaml.safe_load(value) if value else None
    values[section][key.name] = _coerce(key, value, dotted, None, 0)


def _build(values: dict[str, dict[str, Any]], source: Path | None, root: Path) -> Config:
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

    slides = section_values("slides")
    pdf = section_values("pdf")
    return Config(
        title=top["title"],
        subtitle=top["subtitle"],
        author=top["author"],
        language=top["language"],
        version=top["version"],
        notes=rooted(top["notes"]),
        media=tuple(rooted(m) for m in top["media"]),
        index=rooted(top["index"]),
        theme=theme_path,
        output=rooted(top["output"]),
        keywords=tuple(top["keywords"]),
        pdf=PdfConfig(**{f.name: (tuple(pdf[f.name]) if isinstance(pdf[f.name], list) else pdf[f.name]) for f in fields(PdfConfig)}),
        slides=SlidesConfig(**{**slides, "template": rooted(slides["template"])}),
        source=source,
        root=root,
    )


def describe_schema() -> str:
    """The key table for `notebook-publish config --keys` and the README."""
    rows = ["| key | default | what it does |", "| --- | --- | --- |"]
    for section, keys in SCHEMA.items():
        for key in keys:
            name = f"{section}.{key.name}" if section else key.name
            choices = f" One of: {', '.join(key.choices)}." if key.choices else ""
            rows.append(f"| `{name}` | `{key.default!r}` | {key.doc}{choices} |")
    return "\n".join(rows)


def with_overrides(config: Config, **changes: Any) -> Config:
    return replace(config, **changes)
