"""Escaping, class names and plain text: what every part of the chapter writer uses."""

from __future__ import annotations

import html
import re
from typing import Any

from notebook_publish import mathrender
from notebook_publish.pandoc_ast import INLINE_CONTAINERS

_CLASS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,40}$")


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def esc_attr(text: str) -> str:
    return html.escape(text, quote=True)


def known_classes(classes: list[str]) -> list[str]:
    """The classes that are plain names: nothing else reaches a `class` attribute."""
    return [c for c in classes if _CLASS_NAME.match(c)]


def plain_text(inlines: list[dict[str, Any]]) -> str:
    """Text of inlines for labels (contents, bookmarks, index): math as Unicode, no footnotes."""
    out: list[str] = []
    for item in inlines:
        c: Any
        t, c = item.get("t"), item.get("c")
        if t == "Str":
            out.append(c)
        elif t in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif t == "Code":
            out.append(c[1])
        elif t == "Math":
            out.append(mathrender.tex_to_unicode(c[1].strip()))
        elif t in INLINE_CONTAINERS:
            out.append(plain_text(c))
        elif t in ("Link", "Image", "Span", "Cite"):
            out.append(plain_text(c[1] if t != "Cite" else c[1]))
        elif t == "Quoted":
            q = "“”" if c[0]["t"] == "DoubleQuote" else "‘’"
            out.append(q[0] + plain_text(c[1]) + q[1])
    return " ".join("".join(out).split())
