"""Mark the pictures a note shows that cannot be drawn, and say where they are.

The normaliser only knows which files exist (it never reads them), so a picture that is
there but unreadable, cut short, a decompression bomb or in a format we cannot draw is
found here, at the I/O edge, after the note is parsed. Each distinct file is judged once
per build (`pictures.judge`), and the verdict is kept in the build cache under a hash
of the file's bytes, since decoding every pixel of a large photo takes a while. A bad
picture's Image element gains the class `bad-image` or `unsupported-image`, which both
writers turn into a placeholder naming the file, as they do for `missing-image`. A
picture written into the note as a `data:image/...` URI is judged the same way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_to_bytes

from notebook_publish import pictures
from notebook_publish.cache import content_key
from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.normalize import linkscan
from notebook_publish.pandoc.ast import attr_classes, image_attr, image_target, walk_inlines
from notebook_publish.policy import is_data_picture, publishable_picture
from notebook_publish.text_places import place_of

if TYPE_CHECKING:
    from notebook_publish.cache import Cache

_SCHEMA = "picture-verdict-1"


class PictureMarker:
    """Judges the pictures of every note of one build; `cache` is a `Cache` namespace or None."""

    def __init__(self, files: frozenset[Path], cache: Cache | None = None) -> None:
        self.files = files
        self.cache = cache
        self.verdicts: dict[Path | DataPicture, pictures.Verdict] = {}
        self._code: str | None = None

    def mark(self, note_path: Path, text: str, ast: dict[str, Any]) -> list[Diagnostic]:
        """Add a problem class to each Image in `ast` (in place) whose file cannot be
        drawn; one warning per such picture in the note's text, at its line and column."""
        bad: dict[Path | DataPicture, pictures.Verdict] = {}
        for image in walk_inlines(ast.get("blocks", [])):
            if image.get("t") != "Image":
                continue
            classes, target = attr_classes(image_attr(image)), image_target(image)
            if pictures.problem_of(classes) is not None:
                continue
            path = publishable_picture(note_path, target, self.files) or _data_picture(target)
            if path is None:
                continue
            verdict = self.verdict(path)
            if not verdict.ok:
                assert verdict.problem is not None, "a verdict that is not ok names its problem"
                classes.append(verdict.problem)
                bad[path] = verdict
        if not bad:
            return []
        return self._diagnostics(note_path, text, bad)

    def verdict(self, path: Path | DataPicture) -> pictures.Verdict:
        if path not in self.verdicts:
            self.verdicts[path] = self._judge(path)
        return self.verdicts[path]

    def _judge(self, path: Path | DataPicture) -> pictures.Verdict:
        if isinstance(path, DataPicture):
            data = path.data()
            if data is None:
                return pictures.Verdict(pictures.BAD, "its data: URI is not valid base64 or percent-encoded data")
        else:
            try:
                data = path.read_bytes()
            except OSError as exc:
                return pictures.Verdict(pictures.BAD, f"it cannot be read ({exc.strerror})")
        if self.cache is None:
            return pictures.judge(data, path.suffix)
        key = content_key(self._code_key(), path.suffix.lower(), hashlib.sha256(data).digest())
        hit = self.cache.get(key)
        if hit is not None:
            try:
                return pictures.Verdict.from_json(hit)
            except (ValueError, TypeError):
                pass  # an entry in an older shape: judge again
        verdict = pictures.judge(data, path.suffix)
        self.cache.put(key, verdict.to_json())
        return verdict

    def _code_key(self) -> str:
        """The judge's code and Pillow's version: either may change a verdict."""
        if self._code is None:
            import PIL

            self._code = content_key(_SCHEMA, PIL.__version__, Path(pictures.__file__).read_bytes())
        return self._code

    def _diagnostics(
        self, note_path: Path, text: str, bad: dict[Path | DataPicture, pictures.Verdict]
    ) -> list[Diagnostic]:
        found: list[Diagnostic] = []
        placed: set[Path | DataPicture] = set()

        def at(match: re.Match[str], line: int, col: int) -> str:
            target = linkscan.destination(match)
            path = publishable_picture(note_path, target, self.files) or _data_picture(target)
            if path in bad:
                found.append(_warning(note_path, line, col, path, bad[path]))
                placed.add(path)
            return match.group(0)

        linkscan.rewrite(text, linkscan.IMAGE, at)
        # A picture named another way (a reference-style image): at the first line
        # that names its file.
        for path in sorted(set(bad) - placed, key=str):
            line, col = place_of(text, path.name)
            found.append(_warning(note_path, line, col, path, bad[path]))
        return found


@dataclass(frozen=True)
class DataPicture:
    """A picture written into the note as a `data:` URI: judged like a file, and
    reported at the line that holds it (WeasyPrint would report it at none)."""

    uri: str

    @property
    def suffix(self) -> str:
        mime = self.uri[5:].split(";", 1)[0].split(",", 1)[0].strip().lower()
        return ".svg" if mime == "image/svg+xml" else "." + mime.rsplit("/", 1)[-1]

    @property
    def name(self) -> str:
        return self.uri if len(self.uri) <= 40 else self.uri[:39] + "…"

    def data(self) -> bytes | None:
        head, comma, body = self.uri.partition(",")
        if not comma:
            return None
        try:
            if head.lower().endswith(";base64"):
                return base64.b64decode(body.strip(), validate=False)
            return unquote_to_bytes(body)
        except (ValueError, binascii.Error):
            return None


def _data_picture(target: str) -> DataPicture | None:
    """The `data:image/...` URI a target is, as the writers embed it, or None."""
    return DataPicture(target) if is_data_picture(target) else None


def _warning(note_path: Path, line: int, col: int, path: Path | DataPicture, verdict: pictures.Verdict) -> Diagnostic:
    assert verdict.problem is not None, "only a bad picture is warned about"
    message, hint = pictures.message(verdict, path.name)
    return warning(note_path, line, verdict.problem, message, hint, col)
