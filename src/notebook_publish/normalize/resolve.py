"""Find the file a note means when it names an image or another note.

Exports rarely keep paths intact: Notion adds ids to names (`image_1b505834-….png`),
exporters percent-encode spaces, notes move between folders and case changes on
the way from macOS to Linux. We try, in order: the path as written (relative to the
note, then to the notes folder), its percent-decoded form, each media folder, the
file name anywhere under the notes and media folders, the name without Notion ids,
and finally a case-insensitive match. Only files in the context's snapshot can be
returned, so a target can never escape the notes and media folders.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import unquote

if TYPE_CHECKING:
    from notebook_publish.normalize.context import NoteContext

NOTE_SUFFIXES = (".md", ".markdown")
# Every picture a note may name. Some may be in a format the writers cannot draw (HEIC,
# and AVIF or JPEG XL where Pillow lacks them): the file is still found, and the notes
# loader, which reads it, says so (`unsupported-image`) rather than "not found".
IMAGE_SUFFIXES = (
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".svg",
    ".webp",
    ".bmp",
    ".tif",
    ".tiff",
    ".avif",
    ".heic",
    ".heif",
    ".jxl",
)

# Notion appends a 32-hex-digit id, bare or as a dashed UUID, after a space or underscore.
_NOTION_ID = re.compile(
    r"[ _-]?(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?=\.|$)",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


# A lookup of the file a link names: (target, context, suffixes) -> the file, or None.
Lookup = Callable[[str, "NoteContext", tuple[str, ...]], Path | None]


def memoised(lookup: Lookup) -> Lookup:
    """A per-call memo of a lookup, so a note that names one file a thousand times
    searches for it once. Local to one fixer run: nothing outlives it."""
    memo: dict[tuple[str, tuple[str, ...]], Path | None] = {}

    def wrapper(target: str, ctx: NoteContext, suffixes: tuple[str, ...]) -> Path | None:
        key = (target, suffixes)
        if key not in memo:
            memo[key] = lookup(target, ctx, suffixes)
        return memo[key]

    return wrapper


def strip_notion_id(name: str) -> str:
    """`Page 1b505834…30de.md` -> `Page.md`; names without an id are unchanged."""
    return _NOTION_ID.sub("", name)


def is_external(target: str) -> bool:
    """http:, mailto:, data:, file: … anything with a scheme is not a path in the notes."""
    return bool(_SCHEME.match(target)) and not re.match(r"^[a-zA-Z]:[\\/]", target)


def split_anchor(target: str) -> tuple[str, str]:
    path, _, anchor = target.partition("#")
    return path, anchor


def split_link(url: str) -> tuple[str, str]:
    """(path, anchor) of a link destination, the path percent-decoded.

    The anchor is split off first: `a%23b.md` names the file `a#b.md`."""
    path, anchor = split_anchor(url)
    return unquote(path), unquote(anchor)


def resolve_target(target: str, ctx: NoteContext, suffixes: tuple[str, ...]) -> Path | None:
    """The file in `ctx.files` that `target` names, or None."""
    if not target or is_external(target):
        return None
    written = [target, unquote(target)]
    if ".md" in suffixes:
        written = _note_spellings(written)

    def in_files(path: Path) -> Path | None:
        # Lexical normalisation only: the snapshot in ctx.files is the truth, and the
        # fixer must not touch the disk.
        normal = Path(os.path.normpath(path))
        return normal if normal in ctx.files and normal.suffix.lower() in suffixes else None

    # Beside the note first, in every spelling (`./` is this folder's page, not the
    # notes folder's), then from the notes folder; `/abs` from the notes folder first,
    # the site's root.
    relative = [t for t in written if not t.startswith("/")]
    absolute = [t.lstrip("/") for t in written if t.startswith("/")]
    for base, texts in (
        (ctx.notes_dir, absolute),
        (ctx.note_dir, relative),
        (ctx.notes_dir, relative),
        (ctx.note_dir, absolute),
    ):
        for text in texts:
            if (found := in_files(base / text)) is not None:
                return found
    for text in written:
        rel = text.lstrip("/")
        for media in ctx.media_dirs:
            parts = PurePosixPath(rel).parts
            # `./media/x.png` written from a note that is not beside media/.
            tails = [rel] + ["/".join(parts[i:]) for i in range(1, len(parts))]
            for tail in tails:
                if (found := in_files(media / tail)) is not None:
                    return found
    # A folder's index page is looked for in that folder only: any `index.md` of the
    # vault is not the one a link to `dir/` means.
    names = [
        PurePosixPath(w).name
        for w in written
        if w in (target, unquote(target)) or PurePosixPath(w).name not in FOLDER_PAGES
    ]
    # Only here, where the exact paths failed: listing every file costs more than the lookups.
    candidates = [f for f in ctx.files if f.suffix.lower() in suffixes]
    for same in (
        lambda f, n: f.name == n,
        lambda f, n: strip_notion_id(f.name) == strip_notion_id(n),
        lambda f, n: f.name.lower() == n.lower(),
        lambda f, n: strip_notion_id(f.name).lower() == strip_notion_id(n).lower(),
    ):
        matches = sorted(
            {f for f in candidates for n in names if same(f, n)}, key=lambda f: (_distance(f, ctx.note_dir), str(f))
        )
        if matches:
            return matches[0]
    return None


# The pages a site serves for a folder: Jekyll, MkDocs and VitePress read index.md,
# GitHub and GitBook README.md, Hugo _index.md.
FOLDER_PAGES = ("index.md", "README.md", "readme.md", "_index.md")
SITE_SUFFIXES = (".html", ".htm")


def _note_spellings(written: list[str]) -> list[str]:
    """Every way a link may name a note, as sites and wikis write them: `Other Note`
    for `Other Note.md` (Obsidian, wikis), `page.html` for `page.md` (Jekyll and
    MkDocs pages link to what they serve), and a folder (`dir/`, `../dir`, `./`,
    `/abs/dir/`) for its index page. `/path/to/page/` is also tried as `page.md`,
    the pretty URL Jekyll and MkDocs give a page."""
    out = list(written)
    for text in written:
        bare = text.rstrip("/")
        name = PurePosixPath(bare).name if bare else ""
        lower = name.lower()
        if lower.endswith(SITE_SUFFIXES):
            out.append(bare[: -len(PurePosixPath(bare).suffix)] + ".md")
        elif name not in ("", ".", "..") and not PurePosixPath(name).suffix:
            out.append(bare + ".md")  # Obsidian and wiki-style links omit it
        if not PurePosixPath(name).suffix or name in (".", ".."):
            folder = bare if bare else ("/" if text.startswith("/") else ".")
            out.extend(f"{folder.rstrip('/')}/{page}" if folder != "/" else f"/{page}" for page in FOLDER_PAGES)
    return list(dict.fromkeys(out))


def is_folder_link(target: str) -> bool:
    """A link that names a folder rather than a file: `dir/`, `./`, `..`."""
    path = unquote(split_anchor(target)[0])
    return path.endswith("/") or PurePosixPath(path).name in (".", "..") or path in (".", "..")


def _distance(path: Path, start: Path) -> int:
    """How far a file is from the note's folder, to prefer the nearest of equal names."""
    try:
        return len(path.relative_to(start).parts)
    except ValueError:
        return 100 + len(path.parts)


def closest_candidate(target: str, ctx: NoteContext, suffixes: tuple[str, ...]) -> Path | None:
    """The file whose name is most like `target`'s, for a "did you mean" hint."""
    name = strip_notion_id(PurePosixPath(unquote(target)).name).lower()
    if not name:
        return None
    by_name: dict[str, Path] = {}
    for f in sorted(ctx.files):
        if f.suffix.lower() in suffixes:
            by_name.setdefault(strip_notion_id(f.name).lower(), f)
    close = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.6)
    return by_name[close[0]] if close else None


def relative_link(path: Path, ctx: NoteContext) -> str:
    """`path` as a Markdown link destination relative to the note's folder."""
    try:
        rel = PurePosixPath(Path(path).relative_to(ctx.note_dir).as_posix())
    except ValueError:
        rel = PurePosixPath(_relpath(path, ctx.note_dir))
    # `%` and `#` in a file name would read as an escape and an anchor.
    text = str(rel).replace("%", "%25").replace("#", "%23")
    return f"<{text}>" if re.search(r"[\s()<>]", text) else text


def _relpath(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def display_name(path: Path, ctx: NoteContext) -> str:
    try:
        return path.relative_to(ctx.notes_dir).as_posix()
    except ValueError:
        for media in ctx.media_dirs:
            try:
                return (Path(media.name) / path.relative_to(media)).as_posix()
            except ValueError:
                continue
    return path.name
