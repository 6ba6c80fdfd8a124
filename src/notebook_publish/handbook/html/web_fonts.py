"""The fonts of the web page: which faces it declares, and each cut down to the
characters the page holds.

The packages' fonts are variable fonts of up to 1.5 MB each, about 5 MB for the four
families; a page uses a few hundred characters of them. HarfBuzz's subsetter (a few
milliseconds a font) keeps those characters' glyphs, with their ligatures and
variation axes, so the page's folder, or a self-contained page, carries about a tenth
of that. The PDF is not affected: WeasyPrint subsets its own fonts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from notebook_publish.fonts import FontFace

# Kept in every subset whatever the page holds: printable ASCII, so that text a theme
# adds with `content:` (a counter, a label) never falls back to another font.
_ALWAYS = frozenset(range(0x20, 0x7F))


def faces_named(stylesheets: Iterable[str]) -> list[FontFace]:
    """The text fonts' faces whose family the theme's stylesheets name (a theme that
    sets no monospace font gets no Source Code Pro), and STIX Two Math, which
    `--fallback` always names."""
    from notebook_publish.handbook.typeset.render import all_font_faces

    text = "\n".join(stylesheets)
    return [face for face in all_font_faces() if face.family == "STIX Two Math" or face.family in text]


def font_face_rules(url_of: Callable[[Path], str], faces: Iterable[FontFace]) -> str:
    """@font-face rules for a browser: a variable font once, for its range of weights
    (WeasyPrint needs a rule per weight; a self-contained page would then carry the
    file once per rule)."""
    rules = []
    for face in faces:
        weight = "300 700" if face.variable else "400"
        style = "italic" if face.italic else "normal"
        rules.append(
            f'@font-face {{ font-family: "{face.family}"; src: url("{url_of(face.path)}"); '
            f"font-weight: {weight}; font-style: {style}; }}"
        )
    return "\n".join(rules)


def subset(font: bytes, text: str) -> bytes:
    """`font` with only the glyphs `text`'s characters need; the whole font when
    HarfBuzz cannot cut it."""
    import uharfbuzz as hb

    request = hb.SubsetInput()
    request.unicode_set.update(_ALWAYS | {ord(c) for c in text})
    try:
        out = hb.subset(hb.Face(hb.Blob(font)), request)
    except Exception:  # a font HarfBuzz cannot read: the browser may still
        return font
    data = bytes(out.blob.data) if out is not None else b""
    return data or font
