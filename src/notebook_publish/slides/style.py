"""The slide theme (`slides.yaml`) as one frozen value, and the colours made from it.

A user theme's `slides.yaml` may set only the keys it wants to change; every other key
comes from the default theme's file, so a partial file is never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from notebook_publish.diagnostics import UsageError, error
from notebook_publish.limited_yaml import MAX_CONFIG_BYTES, expands_past, load_yaml, short, yaml_problem
from notebook_publish.themes import BUILTIN_THEMES, DEFAULT_THEME, Theme

FONT_KINDS = ("sans", "serif", "mono")


@dataclass(frozen=True)
class SlideStyle:
    heading_font: str  # a kind of notebook_publish.fonts: sans, serif or mono
    body_font: str
    code_font: str
    math_font: str
    title_size: float
    title_slide_size: float
    subtitle_size: float
    level_sizes: tuple[float, ...]
    code_size: float
    table_size: float
    caption_size: float
    footer_size: float
    max_shrink: float
    line_spacing: float
    paragraph_space: float
    block_gap: float
    colours: dict[str, object]  # as slides.yaml writes them: RRGGBB, with or without #
    bullets: tuple[str, ...]
    flatten_marker: str
    continued: str
    margins: dict[str, float]  # inches: left, right, top, bottom
    title_height: float  # inches
    column_gap: float
    indent: float
    hanging: float
    pygments_style: str
    min_font_size: float = 14.0  # from the config, not the theme

    @property
    def levels(self) -> int:
        return len(self.level_sizes)

    def colour(self, name: str) -> str:
        return str(self.colours.get(name, "000000")).lstrip("#").upper()

    def line_height(self, size: float) -> float:
        """Exact line pitch in points (written as such, so every viewer agrees)."""
        return round(size * self.line_spacing, 2)


def callout_colour(style: SlideStyle, family: str) -> str:
    """The rule colour of a callout family (`callout_<family>` in the theme's colours)."""
    key = f"callout_{family}"
    return style.colour(key if key in style.colours else "accent")


def darker(colour: str, factor: float = 0.72) -> str:
    """An RGB hex colour darkened, for a callout title that must read on its tint."""
    try:
        rgb = [int(colour[i : i + 2], 16) for i in (0, 2, 4)]
    except ValueError:
        return colour
    return "".join(f"{int(c * factor):02X}" for c in rgb)


def tint(colour: str, share: float = 0.1) -> str:
    """An RGB hex colour mixed with white (`share` of the colour), for a callout's fill."""
    try:
        rgb = [int(colour[i : i + 2], 16) for i in (0, 2, 4)]
    except ValueError:
        return "F2F2F2"
    return "".join(f"{int(round(255 - (255 - c) * share)):02X}" for c in rgb)


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = (
            _deep_merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
        )
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise UsageError(
                error(
                    path,
                    1,
                    "theme",
                    f"slides theme is over {MAX_CONFIG_BYTES >> 20} MB",
                    "copy themes/default/slides.yaml",
                )
            )
        # The same limits as handbook.yml: an alias bomb is refused at its line.
        data = load_yaml(path.read_text(encoding="utf-8"))[1] or {}
    except yaml.YAMLError as exc:
        line, col, problem, hint = yaml_problem(exc, "check indentation and brackets")
        if problem.startswith("YAML syntax error"):
            problem = problem.replace("YAML syntax error", "YAML syntax error in the slides theme", 1)
        raise UsageError(error(path, line, "theme", problem, hint, col=col)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(error(path, 1, "theme", f"cannot read slides theme: {exc}", "save it as UTF-8 text")) from None
    if not isinstance(data, dict):
        raise UsageError(error(path, 1, "theme", "slides theme must be a mapping", "copy themes/default/slides.yaml"))
    # Its values are turned into text and numbers as they are; a few aliases can make
    # one of them billions of items long.
    if expands_past(data, 10_000):
        raise UsageError(
            error(
                path,
                1,
                "theme",
                "slides theme holds more than 10,000 values once its aliases are written out",
                "copy themes/default/slides.yaml",
            )
        )
    return data


def load_slide_style(theme: Theme, min_font_size: float) -> SlideStyle:
    default_path = BUILTIN_THEMES / DEFAULT_THEME / "slides.yaml"
    chosen = theme.file("slides.yaml")
    data = _read(default_path)
    if chosen.resolve() != default_path.resolve():
        data = _deep_merge(data, _read(chosen))
    try:
        fonts, sizes, spacing = data["fonts"], data["sizes"], data["spacing"]
        style = SlideStyle(
            heading_font=str(fonts["heading"]),
            body_font=str(fonts["body"]),
            code_font=str(fonts["code"]),
            math_font=str(fonts["math"]),
            title_size=float(sizes["title"]),
            title_slide_size=float(sizes["title_slide"]),
            subtitle_size=float(sizes["subtitle"]),
            level_sizes=tuple(float(s) for s in sizes["levels"]),
            code_size=float(sizes["code"]),
            table_size=float(sizes["table"]),
            caption_size=float(sizes["caption"]),
            footer_size=float(sizes["footer"]),
            max_shrink=float(sizes["max_shrink"]),
            line_spacing=float(spacing["line"]),
            paragraph_space=float(spacing["paragraph"]),
            block_gap=float(spacing["block_gap"]),
            colours=dict(data["colours"]),
            bullets=tuple(str(b) for b in data["bullets"]) or ("•",),
            flatten_marker=str(data["flatten_marker"]),
            continued=str(data["continued"]),
            margins={k: float(v) for k, v in data["margins"].items()},
            title_height=float(data["title_height"]),
            column_gap=float(data["column_gap"]),
            indent=float(data["indent"]),
            hanging=float(data["hanging"]),
            pygments_style=str(data["pygments_style"]),
            min_font_size=float(min_font_size),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(
            error(
                chosen,
                1,
                "theme",
                f"slides theme has a bad or missing value: {short(str(exc), 200)}",
                "compare with themes/default/slides.yaml",
            )
        ) from None
    for kind in (style.heading_font, style.body_font, style.code_font, style.math_font):
        if kind not in FONT_KINDS:
            raise UsageError(
                error(
                    chosen,
                    1,
                    "theme",
                    f"unknown font `{short(kind)}` in slides theme",
                    f"use one of {', '.join(FONT_KINDS)}",
                )
            )
    if not style.level_sizes:
        raise UsageError(
            error(chosen, 1, "theme", "`sizes.levels` must list at least one size", "for example [24, 22, 20]")
        )
    return style
