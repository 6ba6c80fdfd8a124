"""The font files the writers use, installed with the project from PyPI.

Source Serif 4, Source Sans 3 and Source Code Pro come as Python packages (fontpkg);
STIX Two Math ships with ziamath and covers the mathematical letters and arrows the
text fonts lack (𝛽, 𝑇, ⇒). Nothing is copied into the system and nothing is fetched.

After those come the fallbacks (`FALLBACKS`), for the characters the text fonts lack:
Noto Sans (Latin, Greek and Cyrillic beyond the text fonts' sets), Noto Emoji (a
monochrome outline font: WeasyPrint draws it like any text font, and so do PDF viewers
and printers), Noto Sans Symbols, Noto Sans KR (Hangul, and the Hanja and kana of the
Korean character sets) and Noto Sans for other scripts (Arabic, Hebrew, Devanagari,
Thai …). They come from two PyPI packages of font files, manimgx-fonts and
pylopdf-fonts-ko (SIL Open Font License). The handbook declares a fallback only in the
documents whose text needs it (`glyphs.py` knows which characters each one draws).
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


# (family, module, file): after the text fonts and STIX Two Math, in this order. The
# themes' stacks name the same families in the same order (`--fallback` in
# handbook.css); a character goes to the first of them that has it.
FALLBACKS: tuple[tuple[str, str, str], ...] = (
    ("Noto Sans", "manimgx_fonts", "NotoSans[wght].ttf"),
    ("Noto Emoji", "manimgx_fonts", "NotoEmoji[wght].ttf"),
    ("Noto Sans Symbols", "manimgx_fonts", "NotoSansSymbols[wght].ttf"),
    ("Noto Sans KR", "pylopdf_fonts_ko", "NotoSansKR-Regular.otf"),
    *(
        (f"Noto Sans {script}", "manimgx_fonts", f"NotoSans{script}[wght].ttf")
        for script in (
            "Arabic",
            "Hebrew",
            "Armenian",
            "Georgian",
            "Ethiopic",
            "Devanagari",
            "Bengali",
            "Gurmukhi",
            "Gujarati",
            "Oriya",
            "Tamil",
            "Telugu",
            "Kannada",
            "Malayalam",
            "Sinhala",
            "Thai",
            "Lao",
            "Khmer",
            "Myanmar",
        )
    ),
)
EMOJI_FAMILY = "Noto Emoji"


@dataclass(frozen=True)
class FontFace:
    family: str
    path: Path
    italic: bool
    variable: bool  # a variable font: the weight is an axis, not another file


def _package_dir(module: str) -> Path:
    return _module_file(module).parent / "files"


def _module_file(module: str) -> Path:
    file = import_module(module).__file__
    if file is None:  # a namespace package: not the font package, which has an __init__
        raise ModuleNotFoundError(f"{module} is not installed as a package with files", name=module)
    return Path(file)


def fallback_faces() -> list[FontFace]:
    """The fallback fonts, in stack order (upright only: the fallbacks' italic and bold
    come from the same face)."""
    faces = []
    for family, module, name in FALLBACKS:
        path = _module_file(module).parent / name
        faces.append(FontFace(family, path, False, "[" in name))
    return faces


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
    from importlib.util import find_spec

    # Found without importing ziamath, which takes a while and is not needed to find a file.
    spec = find_spec("ziamath")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("ziamath is not installed", name="ziamath")
    return Path(spec.origin).parent / "fonts" / "STIXTwoMath-Regular.ttf"


def family_name(kind: str) -> str:
    return "STIX Two Math" if kind == "math" else _FAMILIES[kind][1]
