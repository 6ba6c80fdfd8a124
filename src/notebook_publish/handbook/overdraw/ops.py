"""What every producer of drawn-over operators shares: WeasyPrint's page space and how
a number or a colour is written in a PDF content stream."""

from __future__ import annotations

from typing import Any

PX_TO_PT = 0.75  # WeasyPrint lays out in CSS pixels; a PDF point is 4/3 of one


def number(value: float) -> bytes:
    """A number for a content stream: three decimals, no trailing zeros."""
    return (b"%.3f" % value).rstrip(b"0").rstrip(b".") or b"0"


def srgb(color: Any) -> tuple[float, float, float]:
    """A computed CSS colour (tinycss2's Color, any colour space) as sRGB, 0-1."""
    try:
        r, g, b = color.to("srgb").coordinates
        return (min(max(r, 0.0), 1.0), min(max(g, 0.0), 1.0), min(max(b, 0.0), 1.0))
    except (AttributeError, TypeError, ValueError):
        return (0.0, 0.0, 0.0)
