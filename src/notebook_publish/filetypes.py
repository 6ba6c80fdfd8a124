"""What a file's first bytes say it is, whatever its name says.

Exports and hand-copied folders mislabel files: a PNG saved as `.md`, a HEIC photo
renamed `.jpg`. The notes loader names what a "note" really is when it refuses it, and
the picture judge names a picture format it cannot draw. Both ask here.
"""

from __future__ import annotations

# (offset, signature, name). Longer, more specific signatures first.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "PNG picture"),
    (0, b"\xff\xd8\xff", "JPEG picture"),
    (0, b"GIF87a", "GIF picture"),
    (0, b"GIF89a", "GIF picture"),
    (0, b"II*\x00", "TIFF picture"),
    (0, b"MM\x00*", "TIFF picture"),
    (0, b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL picture"),
    (0, b"\xff\x0a", "JPEG XL picture"),
    (0, b"8BPS", "Photoshop document"),
    (0, b"%PDF-", "PDF document"),
    (0, b"PK\x03\x04", "ZIP archive (a .docx, .xlsx or .pptx is one)"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Microsoft Office document"),
    (0, b"\x1f\x8b", "gzip archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (0, b"\x7fELF", "program"),
    (0, b"MZ", "Windows program"),
    (0, b"SQLite format 3\x00", "SQLite database"),
)

# ISO base media files (HEIF, AVIF, MP4 …) say what they are in their `ftyp` box's brand.
_FTYP_BRANDS = {
    b"avif": "AVIF picture",
    b"avis": "AVIF picture",
    b"heic": "HEIC picture",
    b"heix": "HEIC picture",
    b"heim": "HEIC picture",
    b"heis": "HEIC picture",
    b"hevc": "HEIC picture",
    b"hevx": "HEIC picture",
    b"mif1": "HEIF picture",
    b"msf1": "HEIF picture",
}


def sniff(data: bytes) -> str | None:
    """A name for what `data` is ("PNG picture", "HEIC picture", "ZIP archive …"), or None."""
    if data[4:8] == b"ftyp":
        return _iso_media(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP picture"
    for offset, signature, name in _SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            # `MZ` and `\xff\x0a` are short: only believed when binary bytes follow.
            if len(signature) <= 2 and not _looks_binary(data[:512]):
                continue
            return name
    return None


def _iso_media(data: bytes) -> str:
    """The picture an ISO media file holds, from its major brand or, when that is the
    generic `mif1`, from its compatible brands (an AVIF may be written either way)."""
    size = int.from_bytes(data[:4], "big")
    brands = [data[8:12]] + [data[i : i + 4] for i in range(16, min(size, len(data), 256) - 3, 4)]
    for wanted in ("AVIF picture", "HEIC picture", "HEIF picture"):
        if any(_FTYP_BRANDS.get(b) == wanted for b in brands):
            return wanted
    return "video or other ISO media file"


def _looks_binary(data: bytes) -> bool:
    return data.count(0) > 0 or sum(1 for b in data if b < 0x09) > 4
