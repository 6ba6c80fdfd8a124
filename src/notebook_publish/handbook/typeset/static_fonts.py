"""Static instances of the variable text fonts, made once and cached, for WeasyPrint.

WeasyPrint lays text out with a variable font just fine, but when it embeds one it
turns the document's subset of it into a static font with fontTools' instancer: about
0.3 s per font per document, paid again by every part of the handbook. Given static
fonts it only subsets them (with HarfBuzz), which takes milliseconds.

So the handbook is typeset with static instances: each variable face (upright and
italic) pinned at every weight the themes may ask for, made with HarfBuzz's instancer
(uharfbuzz; fontTools' takes tens of seconds a font, mostly on the kerning) and kept
under the build cache. An instance keeps every glyph, table and layout feature of the
variable font.

- The weight axis is pinned at 300, 400, 600 and 700 (`VARIABLE_WEIGHTS`, the weights
  the @font-face rules always declared).
- The optical-size axis (Source Serif 4) is pinned at `OPTICAL_SIZE`: what Pango gave
  the body text (10.5pt, 14 CSS pixels) when it laid out the variable font, so body
  text keeps its shapes, widths and line breaks. Smaller and larger serif text
  (footnotes, running heads, the cover) now use that optical size too.

Instances are keyed by the source font's bytes, the instancing settings and the
HarfBuzz version. They live in two forms: a checksummed cache entry, and a plain
`.ttf` file named by the hash of its own bytes, which is what the @font-face rules
point at (checked before use, rewritten if damaged). The web page (`build_html`) keeps
the variable fonts: browsers handle them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from notebook_publish.cache import Cache, content_key
from notebook_publish.fonts import FontFace

OPTICAL_SIZE = 14.0
_VERSION = "static-font-1"


@dataclass(frozen=True)
class StaticFace:
    family: str
    path: Path
    italic: bool
    weight: int


def _instance(source: bytes, weight: int) -> bytes:
    import uharfbuzz as hb

    face = hb.Face(hb.Blob(source))
    request = hb.SubsetInput()
    request.keep_everything()  # every glyph, table, name and layout feature
    axes = {axis.tag: axis for axis in face.axis_infos}
    for tag, axis in axes.items():
        value = {"wght": float(weight), "opsz": OPTICAL_SIZE}.get(tag, axis.default_value)
        request.pin_axis_location(face, tag, min(max(value, axis.min_value), axis.max_value))
    out = hb.subset(face, request)
    if out is None:
        raise ValueError("HarfBuzz could not instantiate the font")
    data = out.blob.data
    if not data:
        raise ValueError("HarfBuzz returned an empty font")
    return bytes(data)


def _versions() -> str:
    import uharfbuzz as hb

    return f"uharfbuzz {hb.__version__}, HarfBuzz {hb.version_string()}"


def _materialise(folder: Path, data: bytes) -> Path:
    """The instance as a plain font file named by its own hash; rewritten if damaged."""
    digest = hashlib.sha256(data).hexdigest()
    path = folder / f"{digest}.ttf"
    try:
        if hashlib.sha256(path.read_bytes()).hexdigest() == digest:
            return path
    except OSError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def static_faces(faces: list[FontFace], weights: tuple[int, ...], cache: Cache, folder: Path) -> list[StaticFace]:
    """Every face as static fonts: a static face as it is (weight 400), a variable one per weight.

    A variable font HarfBuzz cannot instantiate is used as it is (WeasyPrint then
    instantiates its subsets, slowly but correctly).
    """
    out: list[StaticFace] = []
    versions = None
    for face in faces:
        if not face.variable:
            out.append(StaticFace(face.family, face.path, face.italic, 400))
            continue
        source = face.path.read_bytes()
        source_hash = hashlib.sha256(source).hexdigest()
        versions = versions or _versions()
        for weight in weights:
            key = content_key(_VERSION, source_hash, versions, str(weight), repr(OPTICAL_SIZE))
            data = cache.get(key)
            if data is None:
                try:
                    data = _instance(source, weight)
                except Exception:  # noqa: BLE001  (a font HarfBuzz can't pin: fall back)
                    out.append(StaticFace(face.family, face.path, face.italic, weight))
                    continue
                cache.put(key, data)
            try:
                path = _materialise(folder, data)
            except OSError:
                path = face.path  # an unwritable cache: the variable font still works
            out.append(StaticFace(face.family, path, face.italic, weight))
    return out
