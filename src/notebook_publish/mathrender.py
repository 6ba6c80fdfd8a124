"""TeX math in, what the two writers need out: SVG for the HTML/PDF handbook, OMML or
PNG for slides, and plain Unicode (`math_unicode.py`) for places that can show neither.

Everything here is a pure function of the TeX (plus the display flag) and of the
versions of the tools that render it, so results can be stored in a `Cache` under a
key made from all of them: an upgrade of ziamath or pandoc never serves an old entry.
Nothing here raises on bad TeX; failures come back as values.

ziamath draws through latex2mathml, and latex2mathml quietly prints an unknown
command such as `\\foo` as the letters "\\foo". We therefore check every command
against what latex2mathml knows before drawing anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from importlib.metadata import PackageNotFoundError, version
from xml.etree import ElementTree as ET

import latex2mathml.commands as l2m_commands
from latex2mathml.symbols_parser import SYMBOLS as L2M_SYMBOLS

from notebook_publish.cache import Cache, content_key
from notebook_publish.math_unicode import tex_to_unicode as tex_to_unicode  # the writers ask for it here, with the rest


@dataclass(frozen=True)
class MathResult:
    ok: bool  # False if the TeX could not be rendered
    svg: str  # standalone <svg>, glyphs drawn as <path>; '' if not ok
    width_em: float  # size in em of the surrounding text, for sizing in HTML
    height_em: float
    baseline_em: float  # from the bottom of the SVG up to the baseline: CSS vertical-align: -<baseline_em>em
    error: str  # why not ok; '' when ok


# Drawing at 16 px per em makes the SVG's own width/height the natural size next to
# 12 pt text (CSS: 96 px per inch), so it looks right even if a caller forgets to size it.
REF_SIZE_PX = 16.0
# ziamath pads the drawing so antialiased edges are not clipped; we count it in the em sizes.
MARGIN_PX = 1.0
# Bump when the output of this module changes for the same tool versions.
FORMAT_VERSION = "1"

M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


# --- which commands latex2mathml knows -------------------------------------------------


def _commands_known_to_latex2mathml() -> frozenset[str]:
    """Every `\\name` that latex2mathml's own tables mention, plus its symbol list."""
    known: set[str] = set()

    def add(value: object) -> None:
        if isinstance(value, str) and value.startswith("\\"):
            known.add(value.rstrip("*"))

    for value in vars(l2m_commands).values():
        if isinstance(value, dict):
            for key in value:
                add(key)
        elif isinstance(value, (tuple, list, set, frozenset)):
            for item in value:
                add(item)
        else:
            add(value)
    for key in L2M_SYMBOLS:
        add(key)
    # One-character commands: TeX spacing and escaped specials (latex2mathml's tokenizer
    # accepts these). `\ ` (backslash-space) is matched separately, as whitespace.
    known.update("\\" + c for c in "\\,;:!>{}|_%#$&[]")
    return frozenset(known)


_KNOWN_COMMANDS = _commands_known_to_latex2mathml()

# A command is a backslash and letters, or a backslash and one other character.
_COMMAND = re.compile(r"\\(?:[a-zA-Z]+|.)", re.DOTALL)
# Commands the formula defines for itself; latex2mathml expands these.
_DEFINED_COMMAND = re.compile(r"\\(?:newcommand|renewcommand|def|DeclareMathOperator)\*?\s*\{?\s*(\\[a-zA-Z]+)")


def unknown_commands(tex: str) -> list[str]:
    """Commands in `tex` that latex2mathml (and so ziamath) would print as plain text,
    in order of first appearance, each once."""
    # Nearly every formula uses only known commands: settle that without building a
    # set (a union of the ~1,500 known names per formula cost 30 µs each).
    names = [name for name in _COMMAND.findall(tex) if name not in _KNOWN_COMMANDS and not name[1].isspace()]
    if not names:
        return []
    # ziamath's declareoperator() appends to FUNCTIONS at run time: read it live.
    defined = set(l2m_commands.FUNCTIONS).union(_DEFINED_COMMAND.findall(tex))
    return list(dict.fromkeys(name for name in names if name not in defined))


def _brace_error(tex: str) -> str:
    """'' if braces nest properly, else what is wrong. latex2mathml accepts `a}` and `{a`
    without complaint and draws something other than what was meant."""
    depth = 0
    for token in re.findall(r"\\.|[{}]", tex, re.DOTALL):
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth < 0:
                return "unbalanced braces: '}' without a matching '{'"
    return "unbalanced braces: missing '}'" if depth else ""


def known_commands() -> frozenset[str]:
    """Every command latex2mathml (and so ziamath) draws, operators ziamath was told of included."""
    return _KNOWN_COMMANDS.union(l2m_commands.FUNCTIONS)


@lru_cache(maxsize=65536)  # a book repeats its short formulas many times
def tex_problem(tex: str, display: bool) -> str:
    """Why `render_svg` would refuse `tex`, found without drawing it: the same checks
    in the same order, then ziamath's own TeX-to-MathML step, which is where nearly
    every other failure happens (and a tenth of a millisecond, not milliseconds).
    '' when nothing is wrong. The slides, which draw no SVG for most formulas, report
    with it the problems the handbook reports."""
    if not tex.strip():
        return "empty formula"
    unknown = unknown_commands(tex)
    if unknown:
        return "unknown command" + ("s " if len(unknown) > 1 else " ") + ", ".join(unknown)
    brace_error = _brace_error(tex)
    if brace_error:
        return brace_error
    try:
        from ziamath.tex import tex2mml

        tex2mml(tex, inline=not display)
    except Exception as exc:  # any failure inside the converter is a bad formula, not a crash
        return _error_text(exc)
    return ""


# --- SVG ------------------------------------------------------------------------------


@cache
def _version(dist: str) -> str:
    # importlib.metadata scans every distribution on sys.path: ~2 ms a call, and every
    # formula's cache key asks for three versions.
    try:
        return version(dist)
    except PackageNotFoundError:
        return "unknown"


def _mode(display: bool) -> str:
    return "display" if display else "inline"


def _svg_cache_key(tex: str, display: bool) -> str:
    tools = [f"{dist}={_version(dist)}" for dist in ("ziamath", "ziafont", "latex2mathml")]
    return content_key("math-svg", FORMAT_VERSION, *tools, _mode(display), tex)


@contextmanager
def _ziamath_settings() -> Iterator[None]:
    """ziamath keeps its options in a process-wide config. Pin the ones that change the
    output for the duration of one drawing, and put back whatever was there."""
    from ziamath.config import config

    saved = (config.svg2, config.precision, config.numbering.autonumber)
    # svg2=False draws each glyph as a plain <path>; the SVG 2 default puts glyphs in
    # <symbol id="STIXTwoMathRegular_NNN"> elements, and those same ids would then
    # repeat in every formula of a page.
    config.svg2 = False
    config.precision = 3
    config.numbering.autonumber = False
    try:
        yield
    finally:
        config.svg2, config.precision, config.numbering.autonumber = saved


def _prefix_ids(svg: ET.Element, prefix: str) -> None:
    """Make every id in `svg` start with `prefix`, and the references to them too, so
    that several formulas can share one HTML page."""
    ids = {el.get("id") for el in svg.iter() if el.get("id")}
    if not ids:
        return

    def renamed(match: re.Match[str]) -> str:
        return f"url(#{prefix}{match.group(1)})" if match.group(1) in ids else match.group(0)

    for el in svg.iter():
        for name, value in el.attrib.items():
            if name == "id":
                el.set(name, prefix + value)
            elif name.endswith("href") and value.startswith("#") and value[1:] in ids:
                el.set(name, "#" + prefix + value[1:])
            elif "url(#" in value:
                el.set(name, re.sub(r"url\(#([^)]+)\)", renamed, value))


def _error_text(exc: BaseException) -> str:
    """latex2mathml raises bare exception classes (MissingSuperScriptOrSubscriptError())
    and assertions with no message; turn the class name into words."""
    if str(exc):
        return str(exc)
    name = type(exc).__name__.removesuffix("Error")
    if name == "Assertion":
        return "malformed TeX (a command is missing an argument?)"
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


def _failed(error: str) -> MathResult:
    return MathResult(False, "", 0.0, 0.0, 0.0, error)


def _draw_svg(tex: str, display: bool) -> MathResult:
    if not tex.strip():
        return _failed("empty formula")
    unknown = unknown_commands(tex)
    if unknown:
        return _failed("unknown command" + ("s " if len(unknown) > 1 else " ") + ", ".join(unknown))
    brace_error = _brace_error(tex)
    if brace_error:
        return _failed(brace_error)
    try:
        import ziamath

        with _ziamath_settings():
            # ziamath's own types do not re-export Latex, which its package offers as ziamath.Latex
            math = ziamath.Latex(tex, inline=not display, size=REF_SIZE_PX, margin=MARGIN_PX)  # type: ignore[attr-defined]
            svg = math.svgxml()
            bbox = math.node.bbox
    except Exception as exc:  # any failure inside the renderer is a bad formula, not a crash
        return _failed(_error_text(exc))
    if any(el.tag == "text" for el in svg.iter()):
        return _failed("renderer produced text that needs a font")
    _prefix_ids(svg, f"m{content_key(_mode(display), tex)[:8]}-")
    # The viewBox runs from -(ymax + margin) to -(ymin - margin) with the baseline at 0,
    # y pointing down, so the baseline sits (margin - ymin) above the bottom edge.
    em = REF_SIZE_PX
    return MathResult(
        ok=True,
        svg=ET.tostring(svg, encoding="unicode"),
        width_em=round((bbox.xmax - bbox.xmin + 2 * MARGIN_PX) / em, 4),
        height_em=round((bbox.ymax - bbox.ymin + 2 * MARGIN_PX) / em, 4),
        baseline_em=round((MARGIN_PX - bbox.ymin) / em, 4),
        error="",
    )


def render_svg(tex: str, display: bool, cache: Cache | None = None) -> MathResult:
    """Draw `tex` as a self-contained SVG (no fonts needed). Never raises."""
    key = _svg_cache_key(tex, display)
    if cache is not None:
        stored = cache.get(key)
        if stored is not None:
            try:
                return MathResult(**json.loads(stored))
            except (ValueError, TypeError):
                pass  # unreadable entry: draw again and overwrite it
    result = _draw_svg(tex, display)
    if cache is not None:
        cache.put(key, json.dumps(asdict(result), sort_keys=True).encode("utf-8"))
    return result


# --- PNG ------------------------------------------------------------------------------


def render_png(tex: str, display: bool, dpi: int = 300, cache: Cache | None = None) -> tuple[bytes, int, int] | None:
    """The SVG of `render_svg` as a PNG with a transparent background, drawn so that one
    em is 12 pt at `dpi`. Returns (png, width_px, height_px), or None if not ok."""
    result = render_svg(tex, display, cache)
    if not result.ok:
        return None
    key = content_key("math-png", FORMAT_VERSION, f"resvg-py={_version('resvg-py')}", str(dpi), result.svg)
    png = cache.get(key) if cache is not None else None
    if png is None:
        import resvg_py

        # SVG user units are CSS px, 96 to the inch. We set the pixel size on the <svg>
        # ourselves: resvg's zoom multiplies the size after rounding it to whole pixels,
        # which at 300 dpi is off by a few pixels and bends the aspect ratio.
        width = max(1, round(result.width_em * REF_SIZE_PX * dpi / 96))
        height = max(1, round(result.height_em * REF_SIZE_PX * dpi / 96))
        head, rest = result.svg.split(">", 1)  # the opening <svg ...> tag, and the drawing
        head = re.sub(r' width="[^"]*"', f' width="{width}"', head)
        head = re.sub(r' height="[^"]*"', f' height="{height}"', head)
        sized = head + ">" + rest
        try:
            png = bytes(resvg_py.svg_to_bytes(svg_string=sized, skip_system_fonts=True))
        except Exception:
            return None
        if cache is not None:
            cache.put(key, png)
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = struct.unpack(">II", png[16:24])  # from the IHDR chunk
    return png, width, height


# --- OMML through pandoc ---------------------------------------------------------------


@cache
def _omml_repair_version() -> str:
    """The source of `omml_fix`, hashed: cached OMML is repaired OMML, and a change to the
    repairs must not be served an old entry (a version number to bump is easy to forget)."""
    from notebook_publish import omml_fix

    with open(omml_fix.__file__, "rb") as f:
        return "omml-fix=" + hashlib.sha256(f.read()).hexdigest()[:16]


def _pandoc_version() -> str:
    import pypandoc

    try:
        version: str = pypandoc.get_pandoc_version()  # pypandoc remembers it: one spawn per process
        return version
    except OSError:
        return "missing"


def _omml_cache_key(tex: str, display: bool, pandoc_version: str) -> str:
    return content_key(
        "math-omml", FORMAT_VERSION, _omml_repair_version(), f"pandoc={pandoc_version}", _mode(display), tex
    )


def _haskell_string(text: str) -> str:
    """A Haskell string literal, for pandoc's `native` reader. Going through native rather
    than Markdown means no TeX can break out of its `$...$` and become Markdown."""
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif " " <= ch <= "~":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch)}\\&")  # decimal escape; \& ends it before a digit
    return '"' + "".join(out) + '"'


def _pandoc_omml(items: list[tuple[str, bool]]) -> list[str | None] | None:
    """One pandoc run for all `items`: one paragraph per formula in a .docx, then each
    paragraph's math element. None if pandoc itself could not run."""
    import pypandoc

    from notebook_publish.omml_fix import repair as repair_omml

    blocks = ",".join(
        f"Para [Math {'DisplayMath' if display else 'InlineMath'} {_haskell_string(tex)}]" for tex, display in items
    )
    with tempfile.TemporaryDirectory(prefix="mathrender-") as tmp:
        docx = os.path.join(tmp, "math.docx")
        try:
            # --quiet: formulas pandoc cannot read come back as None; no need to print its warning too.
            pypandoc.convert_text(f"[{blocks}]", "docx", format="native", outputfile=docx, extra_args=["--quiet"])
            with zipfile.ZipFile(docx) as zf:
                document = ET.fromstring(zf.read("word/document.xml"))
        except (OSError, RuntimeError, KeyError, zipfile.BadZipFile, ET.ParseError):
            return None
    body = document.find(f"{{{W_NS}}}body")
    paragraphs = body.findall(f"{{{W_NS}}}p") if body is not None else []
    if len(paragraphs) != len(items):
        return None
    # Keep the usual prefixes instead of ElementTree's ns0/ns1.
    ET.register_namespace("m", M_NS)
    ET.register_namespace("w", W_NS)
    results: list[str | None] = []
    for paragraph, (_, display) in zip(paragraphs, items):
        math = paragraph.find(f"{{{M_NS}}}oMathPara" if display else f"{{{M_NS}}}oMath")
        # A formula pandoc cannot read becomes a text run with the TeX in it.
        results.append(ET.tostring(repair_omml(math), encoding="unicode") if math is not None else None)
    return results


def tex_to_omml_many(items: list[tuple[str, bool]], cache: Cache | None = None) -> list[str | None]:
    """OMML for each (tex, display), in order; None for those pandoc cannot convert.
    Everything not in the cache is converted in one pandoc run."""
    pandoc_version = _pandoc_version()
    keys = [_omml_cache_key(tex, display, pandoc_version) for tex, display in items]
    found: dict[str, str | None] = {}
    if cache is not None:
        for key in set(keys):
            stored = cache.get(key)
            if stored is not None:
                found[key] = stored.decode("utf-8") or None  # b'' records "pandoc cannot"
    missing = list(dict.fromkeys((key, item) for key, item in zip(keys, items) if key not in found))
    if missing:
        converted = _pandoc_omml([item for _, item in missing])
        for (key, _), omml in zip(missing, converted or [None] * len(missing)):
            found[key] = omml
            # Only pandoc's verdict on the TeX is worth keeping; a pandoc that did not run is not.
            if cache is not None and converted is not None:
                cache.put(key, (omml or "").encode("utf-8"))
    return [found[key] for key in keys]


def tex_to_omml(tex: str, display: bool, cache: Cache | None = None) -> str | None:
    """OMML for one formula: <m:oMathPara> for display, <m:oMath> for inline, with the
    m: namespace declared on it. None if pandoc cannot convert it."""
    return tex_to_omml_many([(tex, display)], cache)[0]
