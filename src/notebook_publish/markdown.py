"""The only module that talks to pandoc: normalised Markdown in, pandoc AST out.

pandoc runs once per note (one process per note, never per block) and its JSON AST is
cached by content hash plus pandoc's version and the reader, so an unchanged note is
never parsed twice. The AST is the one document model both writers read.
"""

from __future__ import annotations

import json
from functools import cache

import pypandoc

# GitHub-flavoured Markdown, as the exporters write it, plus what the notes use that
# GFM lacks: attributes (the normaliser marks missing images and broken links with
# classes), definition lists and fenced divs (`::: notes`, callouts).
READER = "gfm+tex_math_dollars+tex_math_gfm+attributes+definition_lists+fenced_divs+footnotes+task_lists+pipe_tables"


class ParseError(Exception):
    """pandoc refused the text. Carries pandoc's own message."""


@cache
def pandoc_version() -> str:
    return ".".join(str(p) for p in pypandoc.get_pandoc_version().split("."))


def parse_markdown(text: str, cache=None) -> dict:
    """Return the pandoc AST (as a JSON-compatible dict) of normalised Markdown."""
    from notebook_publish.cache import content_key

    key = content_key("ast", pandoc_version(), READER, text)
    if cache is not None and (hit := cache.get(key)) is not None:
        return json.loads(hit)
    try:
        raw = pypandoc.convert_text(text, "json", format=READER, extra_args=["--wrap=none"], sandbox=True)
    except RuntimeError as exc:
        raise ParseError(str(exc).strip()) from None
    if cache is not None:
        cache.put(key, raw.encode("utf-8"))
    return json.loads(raw)
