"""What the notes may make a reader's viewer do: each rule about untrusted content, once.

Notes come from anywhere (an export, a shared vault, a pull request), and both
writers publish them, so what passes is decided here and nowhere else:

- which links are clickable (`is_safe_link`): web and mail only; `javascript:`,
  `file:` and the like would run or open something on the reader's machine;
- which raw HTML passes (`ALLOWED_TAGS`, `DROP_WITH_CONTENT`, `allowed_attribute`):
  harmless structure and phrasing; `rawhtml.RawHtmlFilter` applies the list to the
  pieces pandoc hands over;
- which pictures are published (`publishable_picture`, `is_data_picture`): a file
  the book lists among its notes' and media folders' files, or a `data:image/` URI;
  never a URL, never a file anywhere else;
- what an SVG picture may refer to (`self_contained_svg`): nothing outside itself.

Whether a picture's bytes can be drawn is another question, `pictures.judge`'s.
"""

from __future__ import annotations

import re
from collections.abc import Container
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from notebook_publish import pictures
from notebook_publish.normalize.resolve import is_external

if TYPE_CHECKING:
    from lxml import etree

# --- links ----------------------------------------------------------------------------

SAFE_LINK_SCHEMES = ("http://", "https://", "mailto:")


def is_safe_link(url: str) -> bool:
    """Whether a link's destination may be clickable in the handbook and the decks."""
    return url.strip().lower().startswith(SAFE_LINK_SCHEMES)


# --- raw HTML -------------------------------------------------------------------------

# Harmless structure and phrasing; nothing here can load a resource or run code.
ALLOWED_TAGS = frozenset(
    """a abbr aside b bdi blockquote br caption center cite code dd del details dfn div dl dt em
    figcaption figure h1 h2 h3 h4 h5 h6 hr i ins kbd li mark ol p pre q s samp small span strong
    sub summary sup table tbody td tfoot th thead time tr u ul var""".split()
)
VOID_TAGS = frozenset({"br", "hr", "img"})
# Dropped together with everything inside them.
DROP_WITH_CONTENT = frozenset(
    """script style iframe object embed template noscript textarea select svg math canvas
    video audio frame frameset applet title head noembed noframes xmp""".split()
)
_GLOBAL_ATTRS = frozenset({"class", "title", "lang", "dir"})
_TAG_ATTRS = {
    "a": {"href"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"},
    "ol": {"start", "type", "reversed"},
    "time": {"datetime"},
    "details": {"open"},
}


def allowed_attribute(tag: str, name: str, value: str) -> bool:
    """Whether an allowed tag keeps this attribute: a few harmless ones per tag (no
    event handlers, styles or ids), and an `href` only to a safe link."""
    if name not in _GLOBAL_ATTRS and name not in _TAG_ATTRS.get(tag, ()):
        return False
    return name != "href" or is_safe_link(value)


# --- pictures -------------------------------------------------------------------------


def is_data_picture(target: str) -> bool:
    """A picture written into the note as a `data:image/...` URI, embedded as it is."""
    return target[:11].lower() == "data:image/"


def publishable_picture(note_path: Path, target: str, files: Container[Path]) -> Path | None:
    """The file an image target of the note at `note_path` names, if the book may
    publish it: a path (no scheme; percent-encoded as in Markdown) from the note's
    folder to one of `files`, the pictures the book lists in its notes' and media
    folders (never following a symlink out of them). None for anything else."""
    if not target or target.startswith("data:") or is_external(target):
        return None
    try:
        path = (note_path.parent / unquote(target)).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    return path if path in files else None


# --- SVG ------------------------------------------------------------------------------

_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Raster pictures only: a nested SVG in a data: URI would be read with the same rights.
_SAFE_DATA = ("data:image/png", "data:image/jpeg", "data:image/jpg", "data:image/gif", "data:image/webp")
_CSS_URL = re.compile(r"@import[^;]*;?|url\(\s*(?!['\"]?#)[^)]*\)", re.IGNORECASE)
_UNSAFE_ELEMENTS = ("script", "foreignObject", "iframe", "object", "embed")


def self_contained_svg(data: bytes) -> str | None:
    """The SVG with every reference to anything outside itself removed, or None.

    resvg reads `<image href>` from the disk, so an SVG in the media folder could draw
    `/etc/passwd`'s neighbour pictures into a slide. Entities are not expanded (no XXE,
    no billion laughs), the DOCTYPE is dropped, and only `#fragment` and raster
    `data:` references are kept, in attributes and in CSS alike.
    """
    from lxml import etree

    root = pictures.parse_svg(data)
    if root is None:
        return None
    for element in list(root.iter()):
        if not isinstance(element.tag, str):  # entity references, comments
            if element.getparent() is not None:
                _remove_keeping_tail(element)
            continue
        name = etree.QName(element).localname
        if name in _UNSAFE_ELEMENTS:
            _remove_keeping_tail(element)
            continue
        for attr in list(element.attrib):
            value = str(element.attrib[attr]).strip()  # lxml-stubs allow bytes; parsed text is str
            local = etree.QName(attr).localname
            if local == "href" or attr == _XLINK_HREF:
                if not (value.startswith("#") or value.lower().startswith(_SAFE_DATA)):
                    del element.attrib[attr]
            elif local.lower().startswith("on"):
                del element.attrib[attr]
            elif "url(" in value.lower() or "@import" in value.lower():
                element.attrib[attr] = _CSS_URL.sub(_css_replacement, value)
        if name == "style" and element.text:
            element.text = _CSS_URL.sub(_css_replacement, element.text)
    return etree.tostring(root, encoding="unicode")


def _css_replacement(match: re.Match[str]) -> str:
    return "" if match.group(0).startswith("@") else "none"


def _remove_keeping_tail(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
