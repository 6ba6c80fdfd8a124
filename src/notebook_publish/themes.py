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
            error(self.folders[0] / relative, 1, "theme", f"theme file `{relative}` not found in {', '.join(str(f) for f in self.folders)}", "copy it from themes/default")
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
    names = set()
    for base in (config.root / "themes", BUILTIN_THEMES):
        if base.is_dir():
            names.update(p.name for p in base.iterdir() if p.is_dir())
    return sorted(names)


def load_theme(config: Config) -> Theme:
    chosen = config.theme
    if chosen.is_absolute() or len(chosen.parts) > 1:
        folder = chosen
    else:
        folder = next((base / chosen for base in (config.root / "themes", BUILTIN_THEMES) if (base / chosen).is_dir()), chosen)
    if not folder.is_dir():
        raise UsageError(
            error(
                config.source,
                1,
                "theme",
                f"theme `{config.theme}` not found",
                f"available: {', '.join(available_themes(config))}; or give a folder",
            )
        )
    default = BUILTIN_THEMES / DEFAULT_THEME
    folders = (folder.resolve(),) if folder.resolve() == default.resolve() else (folder.resolve(), default.resolve())
    return Theme(folders)
