"""Judge a picture file: can the PDF and the slides show it, and at what size?

Both writers draw raster pictures through Pillow (WeasyPrint decodes them with it; the
deck writer converts what PowerPoint cannot embed with it), and WeasyPrint reads SVG as
XML. So a picture is drawable when Pillow can decode all of it within the pixel limit,
or, for SVG, when it is well-formed XML with an `<svg>` root. Anything else is a
`bad-image` (text saved as `.png`, a truncated JPEG, a decompression bomb) or an
`unsupported-image` (a real picture in a format Pillow cannot read here, such as HEIC).

The notes loader judges every picture a note shows, once per file, and marks the bad
ones in the AST; the slide writer opens pictures through `open_picture`, so the same
pixel limit holds everywhere.
"""

from __future__ import annotations

import io
import json
import re
import warnings
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from notebook_publish.filetypes import sniff

if TYPE_CHECKING:
    from lxml import etree
    from PIL import Image

BAD = "bad-image"
UNSUPPORTED = "unsupported-image"
MISSING = "missing-image"  # set by the normaliser when no file matches
PROBLEM_CLASSES = (BAD, UNSUPPORTED)  # the classes a judged picture may carry in the AST
# What a placeholder says first, above the file's name (the writers word a missing
# picture their own way).
PLACEHOLDER_LABELS = {BAD: "Unreadable image", UNSUPPORTED: "Unsupported image format"}

# Pillow's own default (about 89 million pixels: a 9,500 x 9,500 picture), applied as a
# hard limit: Pillow only warns between it and twice it, and WeasyPrint would then
# decode a quarter of a gigabyte or more per picture.
MAX_PIXELS = 89_478_485

# EXIF orientations 5 to 8 turn the picture a quarter: its upright width is its height.
_QUARTER_TURNS = {5, 6, 7, 8}
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class Verdict:
    problem: str | None  # None, BAD or UNSUPPORTED
    reason: str = ""  # what is wrong, said to the user after the file's name
    width: int = 0  # upright (EXIF orientation applied), 0 for SVG
    height: int = 0
    hint: str = ""  # what to do about it, when the problem says more than the default

    @property
    def ok(self) -> bool:
        return self.problem is None

    def to_json(self) -> bytes:
        return json.dumps(asdict(self)).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> Verdict:
        return cls(**json.loads(data))


class PictureError(Exception):
    """Pillow could not read the picture (`kind` "unidentified" or "damaged"), or it is
    over the pixel limit ("too-big"). The message completes "it is …"/"it has …"."""

    def __init__(self, kind: str, reason: str):
        super().__init__(reason)
        self.kind = kind


@contextmanager
def open_picture(data: bytes) -> Iterator[Image.Image]:
    """The picture as a Pillow image (header read, pixels not yet decoded), refusing
    more than MAX_PIXELS. Raises PictureError for anything Pillow cannot open."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise PictureError("unidentified", "it is not a picture") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        pixels = re.search(r"\((\d+) pixels\)", str(exc))
        count = f"{int(pixels.group(1)):,} pixels" if pixels else "too many pixels"
        raise PictureError(
            "too-big", f"it has {count}, more than the {MAX_PIXELS // 1_000_000} million a picture may have"
        ) from None
    except Exception as exc:  # Pillow raises many kinds on a broken header
        raise PictureError("damaged", f"it is damaged or cut short ({_short(exc)})") from None
    try:
        if im.width * im.height > MAX_PIXELS:
            raise PictureError(
                "too-big",
                f"it has {im.width:,} x {im.height:,} pixels, more than the {MAX_PIXELS // 1_000_000} million a picture may have",
            )
        yield im
    finally:
        im.close()


def problem_of(classes: Collection[str]) -> str | None:
    """Which of `missing-image`, `bad-image` and `unsupported-image` an Image carries."""
    for name in (MISSING, *PROBLEM_CLASSES):
        if name in classes:
            return name
    return None


def orientation(im: Image.Image) -> int:
    """The EXIF orientation (1 to 8) a camera wrote, 1 when there is none."""
    try:
        value = int(im.getexif().get(_EXIF_ORIENTATION, 1))
    except Exception:  # a damaged EXIF block: draw the pixels as they are
        return 1
    return value if 1 <= value <= 8 else 1


def upright_size(im: Image.Image) -> tuple[int, int]:
    """(width, height) as the picture is meant to be seen."""
    return (im.height, im.width) if orientation(im) in _QUARTER_TURNS else (im.width, im.height)


def parse_svg(data: bytes) -> etree._Element | None:
    """The root element of an SVG, or None when the data is not well-formed XML with an
    `<svg>` root. Entities are not expanded and nothing is loaded (no XXE, no billion
    laughs)."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None or not isinstance(root.tag, str) or etree.QName(root).localname != "svg":
        return None
    return root


def judge(data: bytes, suffix: str) -> Verdict:
    """Whether a picture file's bytes can be drawn; `suffix` is its name's (".svg" …)."""
    if not data:
        return Verdict(BAD, "the file is empty")
    if suffix.lower() == ".svg":
        if parse_svg(data) is None:
            return Verdict(BAD, "it is not an SVG picture (not well-formed XML with an <svg> root)")
        return Verdict(None)
    from PIL import ImageFile

    # WeasyPrint, once imported, tells Pillow to accept cut-short files for the whole
    # process; the judge must see them as they are.
    lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with open_picture(data) as im:
            size = upright_size(im)
            # Decoding every pixel is the only way to find a truncated or damaged file;
            # a JPEG is decoded at an eighth of its size, which still reads all its data.
            im.draft(im.mode, (max(1, im.width // 8), max(1, im.height // 8)))
            im.load()
    except PictureError as exc:
        if exc.kind == "unidentified":
            what = sniff(data)
            if what is not None and what.endswith("picture"):
                return Verdict(UNSUPPORTED, f"{_article(what)} {what}")
            return Verdict(BAD, f"it is not a picture{'' if what is None else f' but {_article(what)} {what}'}")
        if exc.kind == "too-big":
            return Verdict(BAD, str(exc), hint="scale it down; a placeholder is drawn")
        return Verdict(BAD, str(exc))
    except Exception as exc:  # a truncated or damaged file fails while its pixels are decoded
        return Verdict(BAD, f"it is damaged or cut short ({_short(exc)})")
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient
    return Verdict(None, "", *size)


def message(verdict: Verdict, name: str) -> tuple[str, str]:
    """(message, hint) of the diagnostic for a picture that cannot be drawn."""
    if verdict.problem == UNSUPPORTED:
        return f"`{name}` is {verdict.reason}, which the PDF and slides cannot show", "convert it to PNG or JPEG"
    return (
        f"`{name}` cannot be shown: {verdict.reason}",
        verdict.hint or "a placeholder is drawn; replace the file with a PNG, JPEG or SVG that opens",
    )


def _article(what: str) -> str:
    return "an" if what[:1] in "AEIOU" else "a"


def _short(exc: Exception, limit: int = 120) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
