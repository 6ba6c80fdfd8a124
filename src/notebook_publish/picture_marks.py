"""Mark the pictures a note shows that cannot be drawn, and say where they are.

The normaliser only knows which files exist (it never reads them), so a picture that is
there but unreadable, cut short, a decompression bomb or in a format we cannot draw is
found here, at the I/O edge, after the note is parsed. Each distinct file is judged once
per build (`pictures.judge`), and the verdict is kept in the build cache under a hash
of the file's bytes, since decoding every pixel of a large photo takes a while. A bad
picture's Image element gains the class `bad-image` or `unsupported-image`, which both
writers turn into a placeholder naming the file, as they do for `missing-image`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import unquote

from notebook_publish import pictures
from notebook_publish.cache import content_key
from notebook_publish.diagnostics import Diagnostic, warning
from notebook_publish.normalize import linkscan
from notebook_publish.normalize.resolve import is_external
from notebook_publish.pandoc_ast import walk_inlines

_SCHEMA = "picture-verdict-1"


class PictureMarker:
    """Judges the pictures of every note of one build; `cache` is a `Cache` namespace or None."""

    def __init__(self, files: frozenset[Path], cache=None) -> None:
        self.files = files
        self.cache = cache
        self.verdicts: dict[Path, pictures.Verdict] = {}
        self._code = None

    def mark(self, note_path: Path, text: str, ast: dict) -> list[Diagnostic]:
        """Add a problem class to each Image in `ast` (in place) whose file cannot be
        drawn; one warning per such picture in the note's text, at its line and column."""
        bad: dict[Path, pictures.Verdict] = {}
        for image in walk_inlines(ast.get("blocks", [])):
            if image.get("t") != "Image":
                continue
            attr, _alt, (target, _title) = image["c"]
            if pictures.problem_of(attr[1]) is not None:
                continue
            path = self._local_file(note_path, target)
            if path is None:
                continue
            verdict = self.verdict(path)
            if not verdict.ok:
                attr[1].append(verdict.problem)
                bad[path] = verdict
        if not bad:
            return []
        return self._diagnostics(note_path, text, bad)

    def verdict(self, path: Path) -> pictures.Verdict:
        if path not in self.verdicts:
            self.verdicts[path] = self._judge(path)
        return self.verdicts[path]

    def _judge(self, path: Path) -> pictures.Verdict:
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

    def _local_file(self, note_path: Path, target: str) -> Path | None:
        """The file an image target names, as the writers find it, if the book may read it."""
        if not target or target.startswith("data:") or is_external(target):
            return None
        try:
            path = (note_path.parent / unquote(target)).resolve()
        except (OSError, RuntimeError, ValueError):
            return None
        return path if path in self.files else None

    def _diagnostics(self, note_path: Path, text: str, bad: dict[Path, pictures.Verdict]) -> list[Diagnostic]:
        found: list[Diagnostic] = []
        placed: set[Path] = set()

        def at(match, line: int, col: int) -> str:
            path = self._local_file(note_path, linkscan.destination(match))
            if path in bad:
                found.append(_warning(note_path, line, col, path, bad[path]))
                placed.add(path)
            return match.group(0)

        linkscan.rewrite(text, linkscan.IMAGE, at)
        # A picture named another way (a reference-style image): at the first line
        # that names its file.
        for path in sorted(set(bad) - placed):
            line, col = _first_mention(text, path.name)
            found.append(_warning(note_path, line, col, path, bad[path]))
        return found


def _warning(note_path: Path, line: int, col: int, path: Path, verdict: pictures.Verdict) -> Diagnostic:
    message, hint = pictures.message(verdict, path.name)
    return warning(note_path, line, verdict.problem, message, hint, col)


def _first_mention(text: str, name: str) -> tuple[int, int]:
    at = text.find(name)
    if at < 0:
        return 1, 1
    start = text.rfind("\n", 0, at) + 1
    return text.count("\n", 0, at) + 1, at - start + 1

