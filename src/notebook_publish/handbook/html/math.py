"""Formulas in a chapter: for the PDF an empty slot of the formula's size, its outlines
drawn in after layout (`overdraw/math_stamp.py`); for the web page, and for an SVG the
stamp cannot draw, an `<img>` of the SVG; for a formula that does not draw, the
`math-error` box and its diagnostic."""

from __future__ import annotations

import base64
from typing import Any

from notebook_publish import math_errors, mathrender
from notebook_publish.cache import content_key
from notebook_publish.handbook.html.markup import esc, esc_attr
from notebook_publish.handbook.html.writer_base import WriterCore
from notebook_publish.handbook.overdraw import math_stamp


class MathWriter(WriterCore):
    def math(self, tex: str, display: bool, node: dict[str, Any] | None = None) -> str:
        """`tex` is the formula with its macros expanded (`book_math`); `node` its Math
        element, which says where it is written and what reading it found wrong."""
        source = tex.strip()
        kind = "display" if display else "inline"
        if math_errors.found_problem(node):
            result = None
        else:
            result = mathrender.render_svg(source, display, cache=self.math_cache)
        if result is None or not result.ok:
            self.diagnostics.append(math_errors.diagnostic(node, self.note, result.error if result else "", source))
            written = math_errors.source_of(node, source)
            return f'<span class="math-error {kind}"><span class="math-error-label">{math_errors.LABEL}</span> <code>{esc(written)}</code></span>'
        style = (
            f"width:{result.width_em:.3f}em;height:{result.height_em:.3f}em;vertical-align:{-result.baseline_em:.3f}em"
        )
        label = esc_attr(mathrender.tex_to_unicode(source))
        if self.options.url_base is None and math_stamp.can_stamp(result.svg):
            # For the PDF: an empty box now, the outlines drawn in after layout (math_stamp).
            key = content_key(result.svg)[:24]
            self.math_svgs[key] = result.svg
            return f'<span class="math {kind}">{math_stamp.slot_html(key, style, label, esc_attr(source))}</span>'
        # An <img> with a data: URI rather than inline <svg>: WeasyPrint parses it once
        # per distinct formula with ElementTree instead of running every glyph's <path>
        # through its HTML parser and style cascade (about a tenth of a chapter's time).
        if self.options.math_url is not None:
            uri = self.options.math_url(result.svg)
        else:
            uri = "data:image/svg+xml;base64," + base64.b64encode(result.svg.strip().encode("utf-8")).decode("ascii")
        return f'<span class="math {kind}"><img class="math-svg" alt="{label}" style="{style}" src="{esc_attr(uri)}"></span>'
