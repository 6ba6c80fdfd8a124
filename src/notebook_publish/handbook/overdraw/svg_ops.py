"""A formula's SVG as PDF path operators, in the SVG's own pixel space.

The plain form ziamath writes (paths of absolute M, L, Q, C and Z, rectangles, a
viewBox) is read with a few regular expressions; any other SVG of shapes and paths
goes through svgelements, which resolves shapes, transforms and colours. Both give the
same shapes for the renderer's output (tests/test_math_stamp.py).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from notebook_publish.handbook.overdraw.ops import number


def _colour(color: Any) -> bytes | None:  # an svgelements Color (svgelements has no types)
    """`r g b` for a solid colour (svgelements Color), None for none or transparent, and
    b"" for black: the renderer's default ink, drawn in the colour of the text around
    the formula (a formula in a heading takes the heading's colour)."""
    if color is None or color.value is None or color.alpha == 0:
        return None
    if (color.red, color.green, color.blue) == (0, 0, 0):
        return b""
    return b" ".join(number(c / 255) for c in (color.red, color.green, color.blue))


@lru_cache(maxsize=2048)
def formula_ops(svg: str) -> tuple[bytes, float, float]:
    """PDF operators that draw the SVG in its own pixel space (y down, origin top-left),
    and the SVG's width and height in pixels."""
    parsed = _simple_shapes(svg)
    shapes, width, height = parsed if parsed is not None else _parsed_shapes(svg)
    ops: list[bytes] = []
    for fill, stroke, stroke_width, path, even_odd in shapes:
        if (fill is None and stroke is None) or not path:
            continue
        if fill:
            ops.append(fill + b" rg")
        if stroke is not None:
            ops.append((stroke + b" RG " if stroke else b"") + number(stroke_width) + b" w")
        ops.extend(path)
        if fill is not None and stroke is not None:
            ops.append(b"B*" if even_odd else b"B")
        elif fill is not None:
            ops.append(b"f*" if even_odd else b"f")
        else:
            ops.append(b"S")
    return b"\n".join(ops), width, height


# A shape to paint: fill and stroke as for `_colour`, stroke width, path operators,
# whether the fill rule is even-odd.
Shape = tuple[bytes | None, bytes | None, float, list[bytes], bool]


def _parsed_shapes(svg: str) -> tuple[list[Shape], float, float]:
    """Any SVG of shapes and paths, through svgelements (shapes, transforms, colours and
    the viewBox are resolved there)."""
    from svgelements import SVG, Arc, Close, CubicBezier, Line, Move, Path, QuadraticBezier
    from svgelements import Shape as SvgShape

    document = SVG.parse(io.StringIO(svg), reify=True)
    shapes: list[Shape] = []
    for element in document.elements():
        if not isinstance(element, SvgShape):
            continue
        path: list[bytes] = []
        for segment in Path(element).segments():
            if isinstance(segment, Move):
                path.append(b"%s %s m" % (number(segment.end.x), number(segment.end.y)))
            elif isinstance(segment, Line):
                path.append(b"%s %s l" % (number(segment.end.x), number(segment.end.y)))
            elif isinstance(segment, Close):
                path.append(b"h")
            else:
                curves = segment.as_cubic_curves() if isinstance(segment, Arc) else [segment]
                for curve in curves:
                    if isinstance(curve, QuadraticBezier):
                        path.append(
                            _cubic(
                                curve.start.x, curve.start.y, curve.control.x, curve.control.y, curve.end.x, curve.end.y
                            )
                        )
                    elif isinstance(curve, CubicBezier):
                        c1, c2 = curve.control1, curve.control2
                        path.append(
                            b" ".join(number(v) for v in (c1.x, c1.y, c2.x, c2.y, curve.end.x, curve.end.y)) + b" c"
                        )
                    else:
                        raise ValueError(f"unexpected path segment {type(curve).__name__}")
        even_odd = str(element.values.get("fill-rule", "nonzero")).strip() == "evenodd"
        width = element.stroke_width if element.stroke_width is not None else 1.0
        shapes.append((_colour(element.fill), _colour(element.stroke), width, path, even_odd))
    return shapes, float(document.width), float(document.height)


def _cubic(x0: float, y0: float, qx: float, qy: float, x: float, y: float) -> bytes:
    """A quadratic Bézier as the same curve in cubic form: control points two thirds of
    the way from each end to the quadratic's control point."""
    c1x, c1y = x0 + (qx - x0) * (2 / 3), y0 + (qy - y0) * (2 / 3)
    c2x, c2y = x + (qx - x) * (2 / 3), y + (qy - y) * (2 / 3)
    return b" ".join(number(v) for v in (c1x, c1y, c2x, c2y, x, y)) + b" c"


# What ziamath writes: <svg width height viewBox> holding <g fill>, <path d fill stroke
# stroke-width> and <rect>, paths of absolute M, L, Q, C and Z only. Read with a few
# regular expressions, that is about three times faster than svgelements: a note of
# 5,000 different formulas (tests/test_malformed.py) took 60 s to typeset, most of it
# in svgelements, and takes 25 s.
_TOKEN = re.compile(r'\s*<(/?)([A-Za-z]+)((?:\s+[A-Za-z:-]+\s*=\s*"[^"<>]*")*)\s*(/?)>\s*')
_ATTRIBUTE = re.compile(r'([A-Za-z:-]+)\s*=\s*"([^"<>]*)"')
_ALLOWED = {
    "svg": {"xmlns", "xmlns:xlink", "width", "height", "viewBox"},
    "g": {"fill"},
    "path": {"d", "fill", "stroke", "stroke-width"},
    "rect": {"x", "y", "width", "height", "fill"},
}
_PATH_DATA = re.compile(r"[\sMLQCZ0-9eE.,+-]*")
_PATH_TOKEN = re.compile(r"[MLQCZ]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ARGUMENTS = {"M": 2, "L": 2, "Q": 4, "C": 6, "Z": 0}


def _simple_shapes(svg: str) -> tuple[list[Shape], float, float] | None:
    """The shapes of an SVG in the form ziamath writes, or None for any other SVG."""
    from svgelements import Color

    shapes: list[Shape]
    position, shapes, fills = 0, [], ["black"]
    size: tuple[float, float, float, float, float] | None = None
    path: list[bytes] | None
    while position < len(svg):
        token = _TOKEN.match(svg, position)
        if token is None:
            return None  # text, a comment, an entity: not ours to read
        position = token.end()
        closing, tag, attributes, empty = token.groups()
        if tag not in _ALLOWED:
            return None
        if closing:
            if tag == "g":
                fills.pop()
            continue
        values = dict(_ATTRIBUTE.findall(attributes))
        if not set(values) <= _ALLOWED[tag]:
            return None
        try:
            if tag == "svg":
                width, height = float(values["width"]), float(values["height"])
                min_x, min_y, box_w, box_h = (float(v) for v in values["viewBox"].replace(",", " ").split())
                scale = width / box_w
                if abs(height / box_h - scale) > 1e-9:
                    return None  # would need preserveAspectRatio's alignment
                size = (width, height, min_x, min_y, scale)
                continue
            if size is None:
                return None
            fill = values.get("fill", fills[-1])
            if tag == "g":
                if not empty:
                    fills.append(fill)
                continue
            _w, _h, min_x, min_y, scale = size

            def point(x: float, y: float) -> tuple[float, float]:
                return (x - min_x) * scale, (y - min_y) * scale

            if tag == "rect":
                x, y = point(float(values["x"]), float(values["y"]))
                w, h = float(values["width"]) * scale, float(values["height"]) * scale
                if w <= 0 or h <= 0:
                    continue  # an empty rectangle is not drawn (SVG 1.1, 9.2)
                corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
                path = [
                    b"%s %s %s" % (number(cx), number(cy), b"m" if i == 0 else b"l")
                    for i, (cx, cy) in enumerate(corners)
                ] + [b"h"]
                shapes.append((_colour(Color(fill)), None, 1.0, path, False))
                continue
            path = _path_ops(values.get("d", ""), point)
            if path is None:
                return None
            stroke = _colour(Color(values["stroke"])) if "stroke" in values else None
            stroke_width = float(values.get("stroke-width", "1")) * scale
            shapes.append((_colour(Color(fill)), stroke, stroke_width, path, False))
        except (KeyError, ValueError, ZeroDivisionError):
            return None
    if size is None:
        return None
    return shapes, size[0], size[1]


def _path_ops(d: str, point: Callable[[float, float], tuple[float, float]]) -> list[bytes] | None:
    """PDF path operators for path data of absolute M, L, Q, C and Z, or None."""
    if not _PATH_DATA.fullmatch(d):
        return None
    tokens = _PATH_TOKEN.findall(d)
    ops: list[bytes] = []
    command = None
    start = current = (0.0, 0.0)
    i = 0
    while i < len(tokens):
        if tokens[i] in _ARGUMENTS:
            command = tokens[i]
            i += 1
            if command == "Z":
                ops.append(b"h")
                current = start
                continue
        elif command is None or command == "Z":
            return None  # numbers with no command to take them
        count = _ARGUMENTS[command]
        if i + count > len(tokens) or any(t in _ARGUMENTS for t in tokens[i : i + count]):
            return None
        values = [float(t) for t in tokens[i : i + count]]
        i += count
        points = [point(values[k], values[k + 1]) for k in range(0, count, 2)]
        if command == "M":
            ops.append(b"%s %s m" % (number(points[0][0]), number(points[0][1])))
            start = current = points[0]
            command = "L"  # further pairs after a moveto are linetos
        elif command == "L":
            ops.append(b"%s %s l" % (number(points[0][0]), number(points[0][1])))
            current = points[0]
        elif command == "Q":
            (qx, qy), (x, y) = points
            ops.append(_cubic(current[0], current[1], qx, qy, x, y))
            current = (x, y)
        else:  # C
            ops.append(b" ".join(number(v) for p in points for v in p) + b" c")
            current = points[2]
    return ops
