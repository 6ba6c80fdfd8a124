"""One font program per face in the merged handbook, instead of one per part.

Each typeset part embeds its own subset of every face it uses, and WeasyPrint names a
subset by the face (a hash of Pango's description), not by its glyphs: merged as they
are, the 300-page bench book carried over two hundred font programs for eight faces,
and one subset tag named dozens of different subsets, which ISO 32000 (9.6.4) forbids.

WeasyPrint subsets with HarfBuzz keeping the glyph ids (`RETAIN_GIDS`) and writes
CID fonts with Identity-H codes and an Identity CIDToGIDMap: a code in a content
stream is the glyph id in the font file the part was typeset with. So the parts'
subsets of one face are made into one here, without touching a content stream:

- each subset is traced back to its font file (the static instances and fallback
  fonts the build declared: `sources`) by its names, weight class and units per em,
  then checked glyph by glyph (advance and outline extents of every glyph it uses);
- that file is subset again, as WeasyPrint does it (the same HarfBuzz flags and
  dropped tables), to the union of the glyphs every part used, and named by a tag
  derived from the program's bytes: one tag per distinct program, one program per
  file (a fallback font's synthetic bold and italic are the same file);
- the font dictionaries of a face (one name, one file) whose encodings, ToUnicode
  maps and widths agree (they do unless two parts gave one glyph two different texts)
  become one, with the union of the widths and maps, and every page's resources point
  at it. The others keep their own dictionary and share the program.

A subset that matches no source (a font fontconfig supplied, a variable or colour
font, which WeasyPrint rewrites after cutting it, or a build that did not say) keeps
its program, shared where the bytes are equal and renamed with a tag from them. Fonts
that are not subsets (the formulas' invisible-text font of each part) share a program
where theirs are equal, and become one dictionary where they differ only in the codes
their ToUnicode maps list and agree on those they share: the text layer gives a
character the same code in every part.

Subsetting once over the merged book instead (typesetting with WeasyPrint's
`full_fonts`) would embed whole fonts in every part and map their glyphs to text from
the fonts' `cmap`, where ligatures have none: the text layer would change.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Array, Dictionary, Name, Pdf, Stream

from notebook_publish.handbook.cid_maps import cid_set, read_to_unicode, read_widths, to_unicode_cmap, w_array

if TYPE_CHECKING:
    import uharfbuzz as hb  # imported where used: only a build with subsets needs it

# WeasyPrint's subset: the tables it drops and the flags of its two passes
# (weasyprint/pdf/fonts.py, Font._harfbuzz_subset, hinting off as the handbook leaves it).
_DROPPED_TABLES = ("BASE", "DSIG", "EBDT", "EBLC", "EBSC", "GPOS", "GSUB", "JSTF", "LTSH", "PCLT", "SVG ")
_SUBSET_NAME = re.compile(r"^/[A-Z]{6}\+(.+)$")
_FIXED_PITCH = 1  # FontDescriptor /Flags bit 1
# After subsetting, WeasyPrint instantiates a variable font and blanks colour glyphs:
# a subset of such a file cannot be made again by subsetting it.
_REWRITTEN_BY_WEASYPRINT = {"fvar", "CBDT", "sbix", "SVG ", "COLR"}


@dataclass
class _Subset:
    """One part's Type0 font dictionary of an embedded, subset TrueType or OpenType face."""

    font: pikepdf.Object
    name: str  # BaseFont without the tag
    program: pikepdf.Object
    program_key: str  # /FontFile2 or /FontFile3
    widths: dict[int, pikepdf.Object]  # glyph id -> width, as /W has it
    text: dict[int, str] | None  # glyph id -> UTF-16BE hex from ToUnicode; None: not read
    identity: bool  # Identity-H codes (WeasyPrint writes another encoding for missing glyphs)

    @property
    def descendant(self) -> pikepdf.Object:
        return self.font.DescendantFonts[0]

    @property
    def descriptor(self) -> pikepdf.Object:
        return self.descendant.FontDescriptor


@dataclass
class _Source:
    """A font file the parts may have been typeset with, opened with HarfBuzz."""

    path: Path
    data: bytes
    face: hb.Face
    font: hb.Font


@dataclass
class _Merged:
    """Font dictionaries of one face that can be one: the first is kept."""

    members: list[_Subset]
    widths: dict[int, pikepdf.Object] = field(default_factory=dict)
    text: dict[int, str] = field(default_factory=dict)

    def accepts(self, subset: _Subset) -> bool:
        first = self.members[0]
        if not (first.identity and subset.identity and first.text is not None and subset.text is not None):
            return False
        if first.name != subset.name:  # a fallback's synthetic bold or italic: the same file, another name
            return False
        if _descriptor_key(first.descriptor) != _descriptor_key(subset.descriptor):
            return False
        if any(self.text.get(gid, text) != text for gid, text in subset.text.items()):
            return False
        return all(float(self.widths.get(gid, width)) == float(width) for gid, width in subset.widths.items())

    def add(self, subset: _Subset) -> None:
        self.members.append(subset)
        self.widths.update(subset.widths)
        self.text.update(subset.text or {})


def share_font_programs(book: Pdf, sources: Sequence[Path]) -> None:
    """Make the parts' subsets of each face one font program (see the module docstring)."""
    uses = list(_font_uses(book))
    subsets: dict[tuple[int, int], _Subset] = {}
    others: dict[tuple[int, int], pikepdf.Object] = {}
    for _fonts, _key, font in uses:
        if font.objgen not in subsets and font.objgen not in others:
            subset = _read_subset(font)
            if subset is not None:
                subsets[font.objgen] = subset
            else:
                others[font.objgen] = font
    _share_equal_programs(list(others.values()))
    replaced = _merge_whole_fonts(book, list(others.values()))
    if subsets:
        replaced.update(_share_subsets(book, list(subsets.values()), sources))
    for fonts, key, font in uses:
        kept = replaced.get(font.objgen)
        if kept is not None:
            fonts[key] = kept


def _share_subsets(book: Pdf, subsets: list[_Subset], sources: Sequence[Path]) -> dict[tuple[int, int], pikepdf.Object]:
    """One program per face for the subsets, as few dictionaries as agree. Returns the
    dictionaries replaced, each by the one kept."""
    finder = _SourceFinder(sources)
    faces: dict[Path, list[_Subset]] = {}  # by the file they were cut from
    unmatched: list[_Subset] = []
    for subset in subsets:
        source = finder.source_of(subset)
        if source is None:
            unmatched.append(subset)
        else:
            faces.setdefault(source.path, []).append(subset)
    replaced: dict[tuple[int, int], pikepdf.Object] = {}
    tags = SubsetTags()
    for path, members in faces.items():
        try:
            replaced.update(_share(book, finder.sources[path], members, tags))
        except ValueError:  # HarfBuzz could not cut the file: the parts' own subsets stay
            unmatched.extend(members)
    _rename_unmatched(unmatched, tags)
    return replaced


def _font_uses(book: Pdf) -> Iterator[tuple[pikepdf.Object, str, pikepdf.Object]]:
    """(resources' /Font dictionary, name, font) for every font the pages use,
    in their own resources and in those of the forms and patterns they draw. Each
    indirect dictionary is read once: the pages of a part share theirs."""
    seen: set[tuple[int, int]] = set()

    def first_time(item: pikepdf.Object) -> bool:
        if not item.is_indirect:
            return True
        if item.objgen in seen:
            return False
        seen.add(item.objgen)
        return True

    stack = [page.obj.get("/Resources") for page in reversed(book.pages)]
    while stack:
        resources = stack.pop()
        if not isinstance(resources, Dictionary) or not first_time(resources):
            continue
        fonts = resources.get("/Font")
        if isinstance(fonts, Dictionary) and first_time(fonts):
            for key, font in fonts.items():
                if isinstance(font, Dictionary) and font.is_indirect:
                    yield fonts, key, font
        inner = []
        for category in ("/XObject", "/Pattern"):
            group = resources.get(category)
            if isinstance(group, Dictionary) and first_time(group):
                for item in group.values():
                    if isinstance(item, (Dictionary, Stream)) and item.is_indirect and first_time(item):
                        inner.append(item.get("/Resources"))
        stack.extend(reversed(inner))


def _read_subset(font: pikepdf.Object) -> _Subset | None:
    """The font as a `_Subset`, or None if it is not a subset CID font with glyph-id codes."""
    if font.get("/Subtype") != Name.Type0:
        return None
    match = _SUBSET_NAME.match(str(font.get("/BaseFont", "")))
    descendants = font.get("/DescendantFonts")
    if match is None or not isinstance(descendants, Array) or len(descendants) != 1:
        return None
    cid_font = descendants[0]
    descriptor = cid_font.get("/FontDescriptor")
    if not isinstance(descriptor, Dictionary):
        return None
    gid_map = cid_font.get("/CIDToGIDMap", Name.Identity)
    if not (isinstance(gid_map, Name) and gid_map == Name.Identity):
        return None
    program_key = next((k for k in ("/FontFile2", "/FontFile3") if k in descriptor), None)
    widths = read_widths(cid_font.get("/W"))
    if program_key is None or widths is None:
        return None
    encoding = font.get("/Encoding")
    identity = isinstance(encoding, Name) and encoding == Name("/Identity-H")
    cmap = font.get("/ToUnicode")
    text = read_to_unicode(cmap.read_bytes()) if isinstance(cmap, Stream) else None
    return _Subset(font, match.group(1), descriptor[program_key], program_key, widths, text, identity)


def _descriptor_key(descriptor: pikepdf.Object) -> tuple[object, ...]:
    """What two font descriptors of a face must share to be one (not FixedPitch, which
    WeasyPrint sets when the few glyphs a part used happen to have one width)."""
    flags = int(descriptor.get("/Flags", 0)) & ~_FIXED_PITCH
    return (
        flags,
        *(float(descriptor.get(k, 0)) for k in ("/Ascent", "/Descent", "/ItalicAngle", "/CapHeight")),
        str(descriptor.get("/FontFamily", "")),
    )


class _SourceFinder:
    """Which of the build's font files a subset was made from."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self._paths = sorted(set(paths))
        self._by_signature: dict[tuple[object, ...], list[_Source]] | None = None
        self.sources: dict[Path, _Source] = {}

    def _open(self) -> dict[tuple[object, ...], list[_Source]]:
        import uharfbuzz as hb

        found: dict[tuple[object, ...], list[_Source]] = {}
        for path in self._paths:
            try:
                data = path.read_bytes()
                face = hb.Face(hb.Blob(data))
            except (OSError, ValueError):
                continue
            if _REWRITTEN_BY_WEASYPRINT & set(face.table_tags):
                continue  # its subsets are not a plain cut of this file
            source = _Source(path, data, face, hb.Font(face))
            self.sources[path] = source
            found.setdefault(_signature(face), []).append(source)
        return found

    def source_of(self, subset: _Subset) -> _Source | None:
        import uharfbuzz as hb

        if self._by_signature is None:
            self._by_signature = self._open()
        try:
            face = hb.Face(hb.Blob(subset.program.read_bytes()))
        except (ValueError, pikepdf.PdfError):
            return None
        if face.glyph_count == 0:
            return None
        font = hb.Font(face)
        used = [gid for gid in subset.widths if gid < face.glyph_count]
        for source in self._by_signature.get(_signature(face), ()):
            if source.face.glyph_count >= face.glyph_count and all(
                font.get_glyph_h_advance(gid) == source.font.get_glyph_h_advance(gid)
                and font.get_glyph_extents(gid) == source.font.get_glyph_extents(gid)
                for gid in used
            ):
                return source
        return None


def _signature(face: hb.Face) -> tuple[object, ...]:
    """What a subset keeps of its font file's identity: family and style names, the
    weight class (the static instances share their names but not their weights), units."""
    os2 = face.reference_table("OS/2").data
    weight = int.from_bytes(os2[4:6], "big") if len(os2) >= 6 else 0
    return (face.get_name(1), face.get_name(2), weight, face.upem)


def _subset(source: _Source, glyphs: set[int], outline_notdef: bool) -> bytes:
    """The source font cut to `glyphs`, keeping their ids, as WeasyPrint's two passes do."""
    import uharfbuzz as hb

    request = hb.SubsetInput()
    request.glyph_set.update(sorted(glyphs))
    request.drop_table_tag_set.update(int.from_bytes(tag.encode("ascii"), "big") for tag in _DROPPED_TABLES)
    flags = hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.DESUBROUTINIZE
    if outline_notdef:
        flags |= hb.SubsetFlags.NOTDEF_OUTLINE
    request.flags = flags | hb.SubsetFlags.RETAIN_GIDS
    kept = hb.subset(source.face, request)
    if kept is None:
        raise ValueError(f"HarfBuzz could not subset {source.path.name}")
    # Second pass: the glyph ids up to the last one used, so the table ends there.
    request.glyph_set.update(range(max(glyphs) + 1))
    request.flags = flags | hb.SubsetFlags.NO_HINTING
    out = hb.subset(kept, request)
    if out is None or not out.blob.data:
        raise ValueError(f"HarfBuzz could not subset {source.path.name}")
    return bytes(out.blob.data)


class SubsetTags:
    """Six capital letters from a program's bytes: the same program, the same tag; a
    different one, a different tag (on the rare clash, the hash is taken again)."""

    def __init__(self) -> None:
        self._programs: dict[str, bytes] = {}  # tag -> the digest of its program

    def tag(self, program: bytes) -> str:
        digest = hashlib.sha256(program).digest()
        seed = digest
        while True:
            tag = "".join(chr(65 + byte % 26) for byte in seed[:6])
            if self._programs.setdefault(tag, digest) == digest:
                return tag
            seed = hashlib.sha256(seed).digest()


def _share(
    book: Pdf, source: _Source, members: list[_Subset], tags: SubsetTags
) -> dict[tuple[int, int], pikepdf.Object]:
    """One program for the face's subsets, and as few dictionaries as agree.
    Returns the dictionaries replaced, each by the one kept."""
    glyph_count: int = source.face.glyph_count
    glyphs = {gid for m in members for gid in [*m.widths, *(m.text or {})] if gid < glyph_count} | {0}
    program = _subset(source, glyphs, outline_notdef=not all(m.identity for m in members))
    tag = tags.tag(program)
    stream = book.make_stream(program)
    if members[0].program_key == "/FontFile2":
        stream.Length1 = len(program)
    else:
        stream.Subtype = members[0].program.get("/Subtype", Name.OpenType)
    groups: list[_Merged] = []
    for subset in members:
        group = next((g for g in groups if g.accepts(subset)), None)
        if group is None:
            group = _Merged([])
            groups.append(group)
        group.add(subset)
    replaced: dict[tuple[int, int], pikepdf.Object] = {}
    for group in groups:
        kept = group.members[0]
        name = Name(f"/{tag}+{kept.name}")
        for subset in group.members:  # every dictionary, kept or not, now names the one program
            subset.font.BaseFont = name
            subset.descendant.BaseFont = name
            subset.descriptor.FontName = name
            subset.descriptor[subset.program_key] = stream
            if "/CIDSet" in subset.descriptor:
                subset.descriptor.CIDSet = book.make_stream(cid_set(glyphs))
        if len(group.members) > 1:
            _write_union(book, kept, group)
            for other in group.members[1:]:
                replaced[other.font.objgen] = kept.font
    return replaced


def _write_union(book: Pdf, kept: _Subset, group: _Merged) -> None:
    """The kept dictionary with every member's widths and text."""
    kept.descendant.W = w_array(group.widths)
    kept.font.ToUnicode = book.make_stream(to_unicode_cmap(group.text))
    descriptor = kept.descriptor
    widths = [float(w) for w in group.widths.values()]
    flags = int(descriptor.get("/Flags", 0)) & ~_FIXED_PITCH
    if len(widths) > 1 and len(set(widths)) == 1:
        flags |= _FIXED_PITCH
    descriptor.Flags = flags
    box = descriptor.get("/FontBBox")
    if isinstance(box, Array) and len(box) == 4 and widths:
        descriptor.FontBBox = Array([box[0], box[1], max(widths), box[3]])


def _share_equal_programs(fonts: list[pikepdf.Object]) -> None:
    """Fonts that are not subsets (the formulas' invisible-text font of each part) share
    a program where theirs are byte for byte the same."""
    programs: dict[bytes, Stream] = {}
    for font in fonts:
        descendants = font.get("/DescendantFonts")
        owner = descendants[0] if isinstance(descendants, Array) and len(descendants) == 1 else font
        descriptor = owner.get("/FontDescriptor")
        if not isinstance(descriptor, Dictionary):
            continue
        for key in ("/FontFile", "/FontFile2", "/FontFile3"):
            program = descriptor.get(key)
            if isinstance(program, Stream):
                kind = str(program.get("/Subtype", "")).encode()
                descriptor[key] = programs.setdefault(hashlib.sha256(program.read_bytes()).digest() + kind, program)


def _merge_whole_fonts(book: Pdf, fonts: list[pikepdf.Object]) -> dict[tuple[int, int], pikepdf.Object]:
    """Type0 fonts that are not subsets and are the same font in all but the codes their
    ToUnicode lists (the formulas' invisible-text font of each part, whose codes are
    the same in every part: `overdraw/text_layer.py`) become one, with the union of the
    maps, where the maps agree on every code they share. Returns the dictionaries
    replaced, each by the one kept."""
    groups: dict[tuple[object, ...], list[_WholeFont]] = {}
    for font in fonts:
        encoding = font.get("/Encoding")
        cmap = font.get("/ToUnicode")
        if font.get("/Subtype") != Name.Type0 or not isinstance(cmap, Stream):
            continue
        if not (isinstance(encoding, Name) and encoding in (Name("/Identity-H"), Name("/Identity-V"))):
            continue  # codes of another length than the two bytes the union's CMap writes
        text = read_to_unicode(cmap.read_bytes())
        if text is None:
            continue
        try:
            key = _shape(font, skip=("/ToUnicode",))
        except ValueError:
            continue
        candidates = groups.setdefault(key, [])
        group = next((g for g in candidates if g.agrees(text)), None)
        if group is None:
            candidates.append(_WholeFont(font, dict(text)))
        else:
            group.others.append(font)
            group.text.update(text)
    replaced: dict[tuple[int, int], pikepdf.Object] = {}
    for group in (g for candidates in groups.values() for g in candidates if g.others):
        group.kept.ToUnicode = book.make_stream(to_unicode_cmap(group.text))
        for other in group.others:
            replaced[other.objgen] = group.kept
    return replaced


@dataclass
class _WholeFont:
    """Fonts that are not subsets and can be one: the first is kept, with every one's text."""

    kept: pikepdf.Object
    text: dict[int, str]  # code -> UTF-16BE hex
    others: list[pikepdf.Object] = field(default_factory=list)

    def agrees(self, text: dict[int, str]) -> bool:
        return all(self.text.get(code, target) == target for code, target in text.items())


def _shape(item: object, skip: tuple[str, ...] = (), depth: int = 0) -> tuple[object, ...]:
    """What an object holds, as a value to compare: streams by their decoded bytes,
    indirect objects by what they hold rather than their number."""
    if depth > 8:  # font dictionaries nest three deep; deeper is a loop
        raise ValueError("nested too deep")
    if isinstance(item, Stream):
        body = hashlib.sha256(item.read_bytes()).hexdigest()
        return ("stream", body, _shape(item.stream_dict, ("/Length", "/Filter", "/DecodeParms"), depth + 1))
    if isinstance(item, Dictionary):
        return ("dict", *((k, _shape(v, (), depth + 1)) for k, v in sorted(item.items()) if k not in skip))
    if isinstance(item, Array):
        return ("array", *(_shape(v, (), depth + 1) for v in item))
    if isinstance(item, pikepdf.Object):
        return ("value", item.unparse(resolved=True))
    return ("value", repr(item))


def _rename_unmatched(subsets: list[_Subset], tags: SubsetTags) -> None:
    """Subsets traced to no source: equal programs shared, each named by its bytes."""
    programs: dict[bytes, tuple[str, pikepdf.Object]] = {}
    for subset in subsets:
        data = subset.program.read_bytes()
        digest = hashlib.sha256(data).digest()
        if digest not in programs:
            programs[digest] = (tags.tag(data), subset.program)
        tag, stream = programs[digest]
        name = Name(f"/{tag}+{subset.name}")
        subset.font.BaseFont = name
        subset.descendant.BaseFont = name
        subset.descriptor.FontName = name
        subset.descriptor[subset.program_key] = stream
