"""The theme's templates, the font faces as CSS, and WeasyPrint's log messages.

WeasyPrint's own log messages are collected as diagnostics instead of being printed,
so the build reports them once, in the same form as everything else.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

from notebook_publish.diagnostics import Diagnostic, info
from notebook_publish.fonts import FontFace, font_faces
from notebook_publish.themes import Theme

FONT_KINDS = ("serif", "sans", "mono", "math")


def template_environment(theme: Theme) -> Environment:
    """User theme first, default theme last: a theme may override single templates."""
    loader = ChoiceLoader([FileSystemLoader(str(d)) for d in theme.template_dirs()])
    return Environment(loader=loader, autoescape=True, undefined=StrictUndefined, keep_trailing_newline=True)


def all_font_faces() -> list[FontFace]:
    return [face for kind in FONT_KINDS for face in font_faces(kind)]


# Weights the theme may ask for. WeasyPrint reads no weight ranges in @font-face, so
# a variable font is declared once per weight; it instantiates each one when embedding.
VARIABLE_WEIGHTS = (300, 400, 600, 700)


class DeclaredFace(Protocol):
    """A face an @font-face rule declares: a `static_fonts.StaticFace`, or a font
    package's own file (the web page's fallbacks)."""

    @property
    def family(self) -> str: ...
    @property
    def path(self) -> Path: ...
    @property
    def italic(self) -> bool: ...
    @property
    def weight(self) -> int: ...


def font_face_css(url_of: Callable[[Path], str], faces: Sequence[DeclaredFace] | None = None) -> str:
    """@font-face rules: of the given static faces (`static_fonts.StaticFace`), or of
    the font packages' own files, a variable font once per weight."""
    rows: list[tuple[str, Path, bool, int]]
    if faces is None:
        rows = [
            (face.family, face.path, face.italic, weight)
            for face in all_font_faces()
            for weight in (VARIABLE_WEIGHTS if face.variable else (400,))
        ]
    else:
        rows = [(face.family, face.path, face.italic, face.weight) for face in faces]
    rules = []
    for family, path, italic, weight in rows:
        style = "italic" if italic else "normal"
        rules.append(
            f'@font-face {{ font-family: "{family}"; src: url("{url_of(path)}"); font-weight: {weight}; font-style: {style}; }}'
        )
    return "\n".join(rules)


def fallback_property(families: Iterable[str]) -> str:
    """`--fallback`, which the theme's font stacks put after their text font: STIX Two
    Math, then the fallback fonts (emoji, Hangul, other scripts) this document declares,
    in stack order. A document that declares none has the stacks it always had: every
    family in a stack costs font matching, even one that is not there."""
    names = ", ".join(f'"{family}"' for family in ("STIX Two Math", *families))
    return f"html {{ --fallback: {names}; }}"


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def weasyprint_messages(sink: list[Diagnostic], where: Path | None) -> Iterator[None]:
    """Route WeasyPrint's warnings into diagnostics for the duration of a render."""
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    old_propagate, old_level = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = old_propagate, old_level
        for message in dict.fromkeys(handler.messages):
            # Refused fetches are reported by the fetcher, with a better message.
            if "refused by notebook-publish" in message:
                continue
            if "HarfBuzz-Subset" in message:
                # About the system, not the book: say it once, with what to do.
                if not any(d.code == "slow-fonts" for d in sink):
                    sink.append(
                        info(
                            None,
                            0,
                            "slow-fonts",
                            "fonts are subset with fontTools, which is slow",
                            "install HarfBuzz-Subset (Debian/Ubuntu: libharfbuzz-subset0) for faster PDF builds",
                        )
                    )
                continue
            sink.append(
                info(
                    where,
                    1,
                    "typesetting",
                    message.strip()[:300],
                    "from WeasyPrint; usually a CSS rule of the theme it does not support",
                )
            )
