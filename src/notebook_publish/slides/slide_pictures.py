"""Picture files as the slides use them: the upright shape of a picture, to place it,
and its bytes as PowerPoint embeds it.

The notes loader has judged every picture already (`picture_marks`); what fails here
is a file that changed since, reported the same way.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from notebook_publish import pictures
from notebook_publish.policy import self_contained_svg
from notebook_publish.slides.deck import Picture

if TYPE_CHECKING:
    from PIL import Image

NATIVE_PICTURE = {"PNG", "JPEG", "MPO", "GIF", "BMP", "TIFF"}  # Pillow's names of the formats PowerPoint embeds
DEFAULT_RATIO = 4 / 3  # an SVG's, or a picture's without a file (its placeholder's)


@dataclass(frozen=True)
class Sized:
    picture: Picture  # without its path, and `bad-image`, when it could not be read
    ratio: float  # width / height, upright
    problem: tuple[str, str] | None = None  # the `bad-image` message and hint


def size_picture(picture: Picture) -> Sized:
    """The picture's upright width-to-height ratio (a phone photo's EXIF turn counts)."""
    if picture.path is None or picture.path.suffix.lower() == ".svg":
        return Sized(picture, DEFAULT_RATIO)
    try:
        with pictures.open_picture(picture.path.read_bytes()) as im:
            width, height = pictures.upright_size(im)
    except (OSError, pictures.PictureError) as exc:
        why = str(exc) if isinstance(exc, pictures.PictureError) else f"it cannot be read ({exc.strerror})"
        problem = pictures.message(pictures.Verdict(pictures.BAD, why), picture.path.name)
        return Sized(replace(picture, path=None, problem=pictures.BAD), DEFAULT_RATIO, problem)
    return Sized(picture, width / height if height else DEFAULT_RATIO)


def picture_bytes(path: Path) -> bytes | None:
    """The picture as PowerPoint embeds it, or None when it cannot be read (a placeholder
    is drawn). PNG, JPEG, GIF, BMP and TIFF go in as they are; one a camera stored turned
    (an EXIF orientation, which PowerPoint ignores) is turned upright first; other
    formats are converted to PNG; SVG is drawn to PNG once nothing outside it is left."""
    try:
        data = path.read_bytes()
        if path.suffix.lower() == ".svg":
            import resvg_py

            svg = self_contained_svg(data)
            if svg is None:
                return None
            return bytes(resvg_py.svg_to_bytes(svg_string=svg, skip_system_fonts=True))
        with pictures.open_picture(data) as im:  # refuses non-pictures and bombs, as the notes loader did
            turn = pictures.orientation(im)
            if turn == 1 and im.format in NATIVE_PICTURE:
                return data
            return _upright_copy(im)
    except Exception:
        return None  # unreadable after all: drawn as a placeholder


def _upright_copy(im: Image.Image) -> bytes:
    """The picture turned as its EXIF orientation says, without that tag (nor the rest of
    the camera's EXIF: it could carry where the photo was taken); JPEG stays JPEG."""
    from PIL import ImageOps

    upright = ImageOps.exif_transpose(im)
    out = io.BytesIO()
    icc = im.info.get("icc_profile")
    if im.format in ("JPEG", "MPO") and upright.mode in ("RGB", "L", "CMYK"):
        upright.save(out, "JPEG", quality=95, icc_profile=icc)
    else:
        if upright.mode not in ("RGB", "RGBA", "L", "LA", "P", "1"):
            upright = upright.convert("RGBA")
        upright.save(out, "PNG", icc_profile=icc)
    return out.getvalue()
