"""The handbook's raw-HTML filter. It lives in `notebook_publish.rawhtml` so the slides
can share it without importing WeasyPrint; this name is kept for the handbook."""

from notebook_publish.rawhtml import ALLOWED_TAGS, DROP_WITH_CONTENT, VOID_TAGS, Dropped, RawHtmlFilter

__all__ = ["ALLOWED_TAGS", "DROP_WITH_CONTENT", "VOID_TAGS", "Dropped", "RawHtmlFilter"]
