"""Find a theme's files. A user theme may override the default one file at a time.

Themes are data: `themes/<name>/handbook.css`, `themes/<name>/templates/*.html.j2`
and `themes/<name>/slides.yaml`. A name is looked up in the project's own `themes/`
folder, then among the themes shipped with notebook-publish; a path is used as it is.
Any file the chosen theme lacks comes from the default theme.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from notebook_publish.config import Config
from notebook_publish.diagnostics import UsageError, error

# The shipped themes live beside the package in a source checkout (src/../themes).
BUILTIN_THEMES = Path(__file__).resolve().parents[2] / "themes"
DEFAULT_THEME = "default"


@dataclass(frozen=True)
class Theme:
    folders: tuple[Path, ...]  # most specific first; the default theme last

    @property
    def name(self) -> str:
        return self.folders[0].name

    def file(self, relative: str) -> Path:
        """The first theme folder that has `relative`, else a clear error."""
        for folder in self.folders:
            candidate = folder / relative
            if candidate.is_file():
                return candidate
        raise UsageError(
            error(
                self.folders[0] / relative,
                1,
                "theme",
                f"theme file `{relative}` not found in {', '.join(str(f) for f in self.folders)}",
                "copy it from themes/default",
            )
        )

    def template_dirs(self) -> list[Path]:
        return [f / "templates" for f in self.folders if (f / "templates").is_dir()]

    def fingerprint(self) -> str:
        """A hash of every file of the theme, for cache keys."""
        from notebook_publish.cache import content_key

        parts: list[str | bytes] = []
        for folder in self.folders:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                parts += [str(path.relative_to(folder)), path.read_bytes()]
        return content_key(*parts)


def available_themes(config: Config) -> list[str]:
    names: set[str] = set()
    for base in (config.root / "themes", BUILTIN_THEMES):
        if base.is_dir():
            names.update(p.name for p in base.iterdir() if p.is_dir())
    return sorted(names)


def load_theme(config: Config) -> Theme:
    chosen = config.theme
    if chosen.is_absolute() or len(chosen.parts) > 1:
        folder = chosen
    else:
        folder = next(
            (base / chosen for base in (config.root / "themes", BUILTIN_THEMES) if (base / chosen).is_dir()), chosen
        )
    if not folder.is_dir():
        raise UsageError(
            error(
                config.source,
                config.line_of("theme"),
                "theme",
                f"theme `{config.theme}` not found",
                f"available: {', '.join(available_themes(config))}; or give a folder",
            )
        )
    default = BUILTIN_THEMES / DEFAULT_THEME
    folders = (folder.resolve(),) if folder.resolve() == default.resolve() else (folder.resolve(), default.resolve())
    return Theme(folders)


def check_templates(theme: Theme) -> None:
    """Compile every template of the theme, so a syntax error stops the build before it
    starts, as `file:line` rather than a traceback."""
    from jinja2 import Environment, TemplateSyntaxError

    env = Environment(autoescape=True)
    for folder in theme.template_dirs():
        for path in sorted(folder.glob("*.j2")):
            try:
                env.parse(path.read_text(encoding="utf-8"), name=path.name, filename=str(path))
            except TemplateSyntaxError as exc:
                raise UsageError(
                    error(path, exc.lineno or 1, "template", f"template syntax error: {exc.message}", _TEMPLATE_HINT)
                ) from None
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(
                    error(path, 1, "template", f"cannot read template: {exc}", "save it as UTF-8 text")
                ) from None


_TEMPLATE_HINT = "compare with the same file in themes/default/templates"


def template_error(exc: Exception) -> UsageError:
    """A Jinja error met while rendering, as a usage error at the template's line."""
    from jinja2 import TemplateSyntaxError

    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        return UsageError(
            error(
                Path(exc.filename), exc.lineno or 1, "template", f"template syntax error: {exc.message}", _TEMPLATE_HINT
            )
        )
    place, line = None, 1
    tb = exc.__traceback__
    while tb is not None:  # Jinja puts the template's own file and line into the traceback
        name = tb.tb_frame.f_code.co_filename
        if name.endswith(".j2"):
            place, line = Path(name), tb.tb_lineno
        tb = tb.tb_next
    message = getattr(exc, "message", None) or str(exc)
    return UsageError(error(place, line if place else 0, "template", f"template error: {message}", _TEMPLATE_HINT))
