"""Escaping, class names and labels' text: what every part of the chapter writer uses."""

from __future__ import annotations

import html
import re

from notebook_publish import mathrender
from notebook_publish.pandoc.ast import Inlines, plain_text

_CLASS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,40}$")


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def esc_attr(text: str) -> str:
    return html.escape(text, quote=True)


def known_classes(classes: list[str]) -> list[str]:
    """The classes that are plain names: nothing else reaches a `class` attribute."""
    return [c for c in classes if _CLASS_NAME.match(c)]


def label_text(inlines: Inlines) -> str:
    """Text of inlines for labels (contents, bookmarks, index, alt texts): on one line,
    math as Unicode, no footnotes."""
    return plain_text(inlines, math=_formula_label, one_line=True)


def _formula_label(tex: str) -> str:
    return mathrender.tex_to_unicode(tex.strip())
