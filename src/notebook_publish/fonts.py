"""The font files the writers use, installed with the project from PyPI.

Source Serif 4, Source Sans 3 and Source Code Pro come as Python packages (fontpkg);
STIX Two Math ships with ziamath and covers the mathematical letters and arrows the
text fonts lack (𝛽, 𝑇, ⇒). Nothing is copied into the system and nothing is fetched.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

_FAMILIES = {
    "serif": ("fontpkg_source_serif_4", "Source Serif 4"),
    "sans": ("fontpkg_source_sans_3", "Source Sans 3"),
    "mono": ("fontpkg_source_code_pro", "Source Code Pro"),
}


@dataclass(frozen=True)
class FontFace:
    family: str
    path: Path
    italic: bool
    variable: bool  # a variable font: the weight is an axis, not another file


def _package_dir(module: str) -> Path:
    return Path(import_module(module).__file__).parent / "files"


def font_faces(kind: str) -> list[FontFace]:
    """Upright and italic faces of the 'serif', 'sans' or 'mono' family."""
    if kind == "math":
        return [FontFace("STIX Two Math", math_font_path(), False, False)]
    module, family = _FAMILIES[kind]
    faces = []
    for path in sorted(_package_dir(module).glob("*.[ot]tf")):
        faces.append(FontFace(family, path, "Italic" in path.name, "[" in path.name))
    return faces


def font_path(kind: str, italic: bool = False) -> Path:
    for face in font_faces(kind):
        if face.italic == italic:
            return face.path
    return font_faces(kind)[0].path


def math_font_path() -> Path:
    import ziamath

    return Path(ziamath.__file__).parent / "fonts" / "STIXTwoMath-Regular.ttf"


def family_name(kind: str) -> str:
    return "STIX Two Math" if kind == "math" else _FAMILIES[kind][1]
