"""TeX macros, read and expanded the way MathJax does on a page.

Macros come from three places, into one table (name -> `Macro`):

- `math.macros` in handbook.yml, in MathJax's own form, so a site's config can be
  pasted as it is: `E: '\\mathbb{E}'`, `note: ['\\textcolor{blue}{#1}', 1]`, and
  `['…#1…', 2, 'default']` for an optional first argument;
- `math.macros_file`, a .tex or .sty file of `\\newcommand` lines;
- `\\newcommand`, `\\renewcommand`, `\\providecommand`, `\\def` (`\\def\\x{…}`,
  `\\def\\x#1#2{…}`) and `\\DeclareMathOperator(*)` written in a formula: they hold
  from there on (`book_math.py` walks the book in reading order).

`expand` takes a formula and the table in force, and returns the TeX with every macro
replaced and the definitions taken out (a formula that only defines macros becomes
empty), plus the table after it. The renderers (ziamath for the PDF, pandoc for the
slides' OMML) then see the same plain TeX. Expansion is bounded: a macro that uses
itself, or grows without end, stops with an error instead of hanging.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from notebook_publish.config import Config

# TeX tokens: a control word (`\alpha`), a control symbol (`\{`, `\\`), a parameter
# (`#1`, `##`), or one character. One character at a time, because an undelimited
# argument is one token: `\frac ab`.
_TOKEN = re.compile(r"\\(?:[a-zA-Z]+|.)|#[1-9#]|.", re.DOTALL)
_COMMAND = re.compile(r"\\(?:[a-zA-Z]+|.)", re.DOTALL)
_NAME = re.compile(r"\\(?:[a-zA-Z]+|[^a-zA-Z\s])")
_CONTROL_WORD = re.compile(r"\\[a-zA-Z]+")

NEW = ("\\newcommand", "\\renewcommand", "\\providecommand")
OPERATOR = "\\DeclareMathOperator"
DEF = "\\def"
DEFINERS = frozenset((*NEW, OPERATOR, DEF))

# A real formula expands a few dozen macros; these bounds only stop runaways (a
# macro that uses itself, or one that doubles at every step).
MAX_EXPANSIONS = 5_000
MAX_TOKENS = 50_000
MAX_PARAMS = 9


@dataclass(frozen=True)
class Macro:
    name: str  # with its backslash: `\E`
    body: str
    params: int = 0
    default: str | None = None  # the first argument is optional, in `[…]`, with this default


class MacroList(tuple[Macro, ...]):
    """`math.macros` as read: a tuple of `Macro`s that `config --effective` prints in
    MathJax's form, as it was written."""

    def __str__(self) -> str:
        def quoted(text: str) -> str:
            return "'" + text.replace("'", "''") + "'"

        items = []
        for macro in self:
            value = quoted(macro.body)
            if macro.params:
                extra = f", {quoted(macro.default)}" if macro.default is not None else ""
                value = f"[{value}, {macro.params}{extra}]"
            items.append(f"{macro.name[1:]}: {value}")
        return "{" + ", ".join(items) + "}"


class MacroError(Exception):
    """A definition or a use that cannot be read; `offset` is where, in the source
    the tokens came from (-1 when not known)."""

    def __init__(self, message: str, offset: int = -1):
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class Expansion:
    tex: str  # the formula with its macros expanded and its definitions taken out
    macros: Mapping[str, Macro]  # the table after the formula (its definitions added)
    defined: bool = False  # the formula defines at least one macro
    error: str = ""
    offset: int = -1  # where in the formula the error is, -1 when not known


def expand(source: str, macros: Mapping[str, Macro]) -> Expansion:
    """`source` with the macros of `macros` (and its own definitions) expanded. Never
    raises: a problem comes back in `error`, with the source unchanged."""
    names = set(_COMMAND.findall(source)) if "\\" in source else set()
    if not (names & DEFINERS or any(name in macros for name in names)):
        return Expansion(source, macros)  # nearly every formula: nothing to do
    expander = _Expander(macros)
    try:
        tex = expander.run(_tokens(source))
    except MacroError as exc:
        return Expansion(source, macros, expander.defined, exc.message, exc.offset)
    return Expansion(tex, expander.macros, expander.defined)


def defines_only(expansion: Expansion) -> bool:
    """A formula that only defines macros: MathJax shows nothing for it, and neither do we."""
    return expansion.defined and not expansion.error and not expansion.tex.strip()


# --- the expander -----------------------------------------------------------------------


Token = tuple[str, int]  # (text, offset in the source it came from)


def _tokens(text: str) -> list[Token]:
    return [(m.group(), m.start()) for m in _TOKEN.finditer(text)]


@lru_cache(maxsize=4096)
def _body_tokens(body: str) -> tuple[str, ...]:
    return tuple(m.group() for m in _TOKEN.finditer(body))


def join(tokens: Iterable[str]) -> str:
    """Tokens back to text. A control word followed by a letter gets a space between
    them, or `\\alpha` and `x` would read as `\\alphax`."""
    out: list[str] = []
    previous = ""
    for text in tokens:
        if previous[:1] == "\\" and text[:1].isalpha() and _CONTROL_WORD.fullmatch(previous):
            out.append(" ")
        out.append(text)
        previous = text
    return "".join(out)


class _Expander:
    def __init__(self, macros: Mapping[str, Macro]):
        self.macros = macros
        self.own = False  # `macros` is still the caller's table (copied on the first definition)
        self.defined = False

    def define(self, macro: Macro, provide: bool = False) -> None:
        if provide and macro.name in self.macros:
            return
        if not self.own:
            self.macros = dict(self.macros)
            self.own = True
        self.macros[macro.name] = macro  # type: ignore[index]
        self.defined = True

    def run(self, tokens: list[Token]) -> str:
        stack = tokens[::-1]  # the next token is at the end
        out: list[str] = []
        expansions = 0
        macro: Macro | None
        while stack:
            text, origin = stack.pop()
            if text in DEFINERS:
                macro, provide = read_definition(text, origin, stack)
                self.define(macro, provide)
                continue
            macro = self.macros.get(text)
            if macro is None:
                out.append(text)
                continue
            expansions += 1
            if expansions > MAX_EXPANSIONS:
                raise MacroError(f"`{text}` expands without end: does it use itself?", origin)
            args = _arguments(macro, stack, origin)
            stack.extend(reversed(_substitute(macro, args, origin)))
            if len(stack) + len(out) > MAX_TOKENS:
                raise MacroError(f"`{text}` expands to more than {MAX_TOKENS:,} tokens: does it use itself?", origin)
        return join(out)


def _skip_spaces(stack: list[Token]) -> None:
    while stack and stack[-1][0].isspace():
        stack.pop()


def _group(stack: list[Token], opening: Token, closing: str = "}") -> list[Token]:
    """The tokens up to the `closing` that matches `opening` (already taken), braces
    nested inside counted; the closing one is taken too."""
    depth = 0
    inside: list[Token] = []
    while stack:
        token = stack.pop()
        text = token[0]
        if text == closing and depth == 0:
            return inside
        if text == "{":
            depth += 1
        elif text == "}":
            depth -= 1
            if depth < 0:  # `[` closed by a `}` of the group around it
                break
        inside.append(token)
    raise MacroError(f"missing `{closing}`", opening[1])


def _argument(stack: list[Token], macro: str, origin: int) -> list[Token]:
    """One undelimited argument: a braced group (without its braces) or one token."""
    _skip_spaces(stack)
    if not stack or stack[-1][0] == "}":
        raise MacroError(f"`{macro}` is missing an argument", origin)
    token = stack.pop()
    if token[0] == "{":
        return _group(stack, token)
    return [token]


def _optional(stack: list[Token]) -> list[Token] | None:
    _skip_spaces(stack)
    if stack and stack[-1][0] == "[":
        return _group(stack, stack.pop(), "]")
    return None


def _arguments(macro: Macro, stack: list[Token], origin: int) -> list[list[Token]]:
    args: list[list[Token]] = []
    for i in range(macro.params):
        if i == 0 and macro.default is not None:
            given = _optional(stack)
            args.append(given if given is not None else [(t, origin) for t in _body_tokens(macro.default)])
        else:
            args.append(_argument(stack, macro.name, origin))
    return args


def _substitute(macro: Macro, args: list[list[Token]], origin: int) -> list[Token]:
    out: list[Token] = []
    for text in _body_tokens(macro.body):
        if text[0] == "#" and len(text) == 2:
            if text == "##":
                out.append(("#", origin))
            else:
                out.extend((t, origin) for t, _ in args[int(text[1]) - 1])  # checked when defined
        else:
            out.append((text, origin))
    return out


# --- definitions ------------------------------------------------------------------------


def read_definition(definer: str, origin: int, stack: list[Token]) -> tuple[Macro, bool]:
    """The macro a `\\newcommand`, `\\def` … (already taken from `stack`) defines, and
    whether it only provides it (`\\providecommand`: kept if already defined)."""
    star = False
    if definer != DEF and stack and stack[-1][0] == "*":
        stack.pop()
        star = True
    name = _defined_name(definer, origin, stack)
    if definer == OPERATOR:
        text = _body(definer, origin, stack)
        return Macro(name, f"\\operatorname{'*' if star else ''}{{{text}}}"), False
    params, default = 0, None
    if definer == DEF:
        while stack and stack[-1][0] not in ("{",):
            token = stack.pop()
            if token[0] == f"#{params + 1}":
                params += 1
            elif not token[0].isspace():
                raise MacroError(
                    f"only the simple forms `\\def\\name{{…}}` and `\\def\\name#1#2{{…}}` are read, not `{join([token[0]])}` after `{name}`",
                    token[1],
                )
    else:
        count = _optional(stack)
        if count is not None:
            digits = join(t for t, _ in count).strip()
            if not digits.isdigit() or int(digits) > MAX_PARAMS:
                raise MacroError(
                    f"the number of arguments of `{name}` must be 0 to {MAX_PARAMS}, not `{digits[:20]}`", origin
                )
            params = int(digits)
            given = _optional(stack)
            if given is not None:
                default = join(t for t, _ in given)
                if params == 0:
                    raise MacroError(f"`{name}` has a default argument but takes no arguments", origin)
    body = _body(definer, origin, stack)
    check_body(name, body, params, origin)
    return Macro(name, body, params, default), definer == "\\providecommand"


def _defined_name(definer: str, origin: int, stack: list[Token]) -> str:
    _skip_spaces(stack)
    if not stack:
        raise MacroError(f"`{definer}` needs a command name", origin)
    token = stack.pop()
    if token[0] == "{" and definer != DEF:
        inside = [t for t in _group(stack, token) if not t[0].isspace()]
        if len(inside) == 1:
            token = inside[0]
    name = token[0]
    if not _NAME.fullmatch(name):
        raise MacroError(f"`{definer}` needs a command name such as `\\foo`, not `{name[:20]}`", token[1])
    if name in DEFINERS:
        raise MacroError(f"`{name}` cannot be redefined", token[1])
    return name


def _body(definer: str, origin: int, stack: list[Token]) -> str:
    _skip_spaces(stack)
    if not stack or stack[-1][0] != "{":
        raise MacroError(f"`{definer}` needs its definition in braces `{{…}}`", stack[-1][1] if stack else origin)
    return join(t for t, _ in _group(stack, stack.pop()))


def check_body(name: str, body: str, params: int, origin: int = -1) -> None:
    """A body must name only the arguments its macro takes, and nest its braces."""
    depth = 0
    for text in _body_tokens(body):
        if text[0] == "#" and len(text) == 2 and text != "##" and int(text[1]) > params:
            takes = f"takes {params} argument{'s' if params != 1 else ''}" if params else "takes no arguments"
            raise MacroError(f"`{name}` uses {text} but {takes}", origin)
        depth += text == "{"
        depth -= text == "}"
        if depth < 0:
            break
    if depth:
        raise MacroError(f"the definition of `{name}` has unbalanced braces", origin)


# --- MathJax's config form --------------------------------------------------------------


def from_mathjax(value: Any) -> dict[str, Macro]:
    """`math.macros`: a mapping of names (without or with the backslash) to a body, or
    to `[body, arguments]`, or `[body, arguments, default of the first]`. Raises
    `MacroError` with what is wrong, naming the macro."""
    if not isinstance(value, dict):
        raise MacroError("must be a mapping of macro names to their definitions, as in MathJax's `tex.macros`")
    table: dict[str, Macro] = {}
    for key, spec in value.items():
        bare = str(key).lstrip("\\")
        name = "\\" + bare
        if not re.fullmatch(r"[a-zA-Z]+|[^a-zA-Z\s]", bare):
            raise MacroError(f"`{str(key)[:40]}` is not a TeX command name (letters only, as in `E` or `bfx`)")
        if isinstance(spec, (str, int, float)) and not isinstance(spec, bool):
            body, params, default = str(spec), 0, None
        elif isinstance(spec, list) and 1 <= len(spec) <= 3 and isinstance(spec[0], str):
            body = spec[0]
            params = spec[1] if len(spec) > 1 else 0
            if isinstance(params, bool) or not isinstance(params, int) or not 0 <= params <= MAX_PARAMS:
                raise MacroError(f"`{bare}`: the number of arguments must be 0 to {MAX_PARAMS}")
            default = spec[2] if len(spec) > 2 else None
            if default is not None and not isinstance(default, (str, int, float)):
                raise MacroError(f"`{bare}`: the default of the first argument must be text")
            if default is not None and params == 0:
                raise MacroError(f"`{bare}` has a default argument but takes no arguments")
            default = None if default is None else str(default)
        else:
            raise MacroError(
                f"`{bare}` must be its TeX, or [TeX, number of arguments], or [TeX, number of arguments, default of the first]"
            )
        body = _unescaped(body)
        check_body(name, body, params)
        table[name] = Macro(name, body, params, default)
    return table


def _unescaped(body: str) -> str:
    """A body pasted from a JavaScript config keeps JavaScript's escaping
    (`'\\\\mathbb{E}'`): with no single backslash before a letter and doubled
    ones before letters, every backslash was doubled. `\\\\` alone (a line break) stays."""
    if re.search(r"\\\\[a-zA-Z]", body) and not re.search(r"(?<!\\)\\[a-zA-Z]", body):
        return body.replace("\\\\", "\\")
    return body


# --- a .tex or .sty file ----------------------------------------------------------------

# What else a .sty holds around its definitions, read and left alone.
_PACKAGE_COMMANDS = frozenset(
    ("\\ProvidesPackage", "\\ProvidesFile", "\\NeedsTeXFormat", "\\RequirePackage", "\\usepackage")
)
_HARMLESS = frozenset(("\\makeatletter", "\\makeatother", "\\relax"))


def _without_comments(text: str) -> str:
    """`%` to the end of the line blanked (not `\\%`), offsets kept."""
    return re.sub(r"(?<!\\)%[^\n]*", lambda m: " " * len(m.group()), text)


def from_file_text(text: str) -> dict[str, Macro]:
    """The macros a .tex/.sty file of definitions makes, in order. Raises `MacroError`
    at the offset of the first thing that is not a definition."""
    table: dict[str, Macro] = {}
    stack = _tokens(_without_comments(text))[::-1]
    while stack:
        _skip_spaces(stack)
        if not stack:
            break
        text_, origin = stack.pop()
        if text_ in DEFINERS:
            macro, provide = read_definition(text_, origin, stack)
            if not (provide and macro.name in table):
                table[macro.name] = macro
        elif text_ == "\\endinput":
            break
        elif text_ in _PACKAGE_COMMANDS:
            while True:  # its [options] and {arguments}
                _skip_spaces(stack)
                if stack and stack[-1][0] in "[{":
                    opening = stack.pop()
                    _group(stack, opening, "]" if opening[0] == "[" else "}")
                else:
                    break
        elif text_ not in _HARMLESS:
            raise MacroError(f"`{text_[:30]}` is not a macro definition", origin)
    return table


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of `offset` in `text`."""
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


MAX_FILE_BYTES = 1024 * 1024


# Commands MathJax and LaTeX know that latex2mathml (and so ziamath) does not: `\arg`
# was the one standard operator name it printed as plain text.
BUILTIN: dict[str, Macro] = {"\\arg": Macro("\\arg", "\\operatorname{arg}")}


def configured(config: Config) -> dict[str, Macro]:
    """The macros of the config: `BUILTIN`, then `math.macros_file`, then `math.macros`
    (each may redefine what comes before). A file that cannot be read is a config
    error at its line."""
    from notebook_publish.diagnostics import UsageError, error

    table: dict[str, Macro] = dict(BUILTIN)
    path: Path | None = config.math.macros_file
    if path is not None:
        hint = "the file may hold \\newcommand, \\renewcommand, \\def and \\DeclareMathOperator lines"
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise UsageError(
                    error(
                        path,
                        1,
                        "config",
                        f"macros file is {size / (1 << 20):.1f} MB, over the {MAX_FILE_BYTES >> 20} MB it may be",
                        hint,
                    )
                )
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(
                error(
                    config.source,
                    config.line_of("math.macros_file"),
                    "config",
                    f"cannot read the macros file {path}: {exc.strerror or type(exc).__name__}",
                    "`math.macros_file` is relative to handbook.yml",
                )
            ) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise UsageError(error(path, line, "config", "macros file is not UTF-8 text", "save it as UTF-8")) from None
        try:
            table.update(from_file_text(text))
        except MacroError as exc:
            line, col = line_col(text, exc.offset) if exc.offset >= 0 else (1, 1)
            raise UsageError(error(path, line, "config", f"macros file: {exc.message}", hint, col=col)) from None
    table.update({m.name: m for m in config.math.macros})
    return table
