"""Every diagnostic code, what it means, and which stage of a build finds it.

`diagnostics:` in handbook.yml may set the level of a code (`config.py` checks the
codes against this table, with "did you mean"), `notebook-publish config` lists it,
and the baseline (`baseline.py`) uses the stages to tell whether a command could have
seen a problem: `check` reads the notes only, `pdf` and `html` also typeset the
handbook, `slides` lays out the decks, and `release` does both.

Codes about the build itself (a failed worker, an output in the way, a bad command
line) keep their level: they say that an output was not made, which no setting can
make true.
"""

from __future__ import annotations

from dataclasses import dataclass

NOTES, HANDBOOK, SLIDES, BUILD = "notes", "handbook", "slides", "build"

# The stages each command goes through, so sees the problems of.
STAGES_OF_COMMAND = {
    "check": (NOTES,),
    "pdf": (NOTES, HANDBOOK),
    "html": (NOTES, HANDBOOK),
    "slides": (NOTES, SLIDES),
    "release": (NOTES, HANDBOOK, SLIDES),
}


@dataclass(frozen=True)
class Code:
    stage: str
    meaning: str
    adjustable: bool = True


CODES: dict[str, Code] = {
    # Reading the notes: every command finds these.
    "binary-note": Code(NOTES, "A file named like a note is something else (a picture, an archive); it is left out."),
    "unreadable": Code(NOTES, "A note cannot be read (permissions); it is left out."),
    "not-utf8": Code(NOTES, "A note is not UTF-8; it was read as Latin-1."),
    "note-too-large": Code(NOTES, "A note is over 10 MB; it is left out."),
    "note-too-long": Code(NOTES, "A note has more than 20,000 paragraphs and list items; it is left out."),
    "too-deep": Code(NOTES, "Lists, quotes or emphasis nest too deeply for pandoc; the note is left out."),
    "parse": Code(NOTES, "pandoc could not read a note; it is left out."),
    "deep-nesting": Code(
        NOTES, "Lists or block quotes nest deeper than a page can hold; the deeper levels are flattened, text kept."
    ),
    "control-character": Code(NOTES, "Control characters (form feed, NUL, terminal colour codes) were removed."),
    "mojibake": Code(NOTES, "Text garbled by a wrong encoding (`â‡’`) was repaired."),
    "emphasis-space": Code(NOTES, "A space inside bold or italic markers (`**CLiP **`) was moved out."),
    "bold-heading": Code(NOTES, "A heading wrapped in bold was unwrapped."),
    "unclosed-container": Code(
        NOTES,
        "A GitBook `{% hint %}`, `{% tabs %}`, `{% tab %}` or `{% code %}`, or a VitePress `:::` container, has no closing tag; it runs to the end of the note.",
    ),
    "stray-container-end": Code(
        NOTES, "A GitBook closing tag (`{% endhint %}`, `{% endtabs %}` …) closes nothing; it was dropped."
    ),
    "admonition-body": Code(
        NOTES,
        "A MkDocs admonition or content tab has no body indented by four spaces under it; the next line is outside the box.",
    ),
    "math-block": Code(
        NOTES,
        "Display math was rewritten as a `$$` block: a ```math fence, one that would break a list, or `\\[…\\]` or an environment outside dollars.",
    ),
    "unclosed-math": Code(
        NOTES,
        "A `$$`, `\\begin{…}` or ```math fence has no closing delimiter. A `$$` formula stops at the blank line; one followed by prose is printed as text.",
    ),
    "missing-image": Code(
        NOTES, "An image names a file that is nowhere in the notes or media folders; a placeholder is drawn."
    ),
    "remote-image": Code(NOTES, "An image on the web is not fetched; a placeholder is drawn."),
    "bad-image": Code(
        NOTES, "An image file cannot be drawn (not a picture, cut short, too many pixels); a placeholder is drawn."
    ),
    "unsupported-image": Code(
        NOTES, "An image is in a format the PDF and slides cannot show (HEIC, JPEG XL); a placeholder is drawn."
    ),
    "jekyll-syntax": Code(
        NOTES,
        "Jekyll syntax was rewritten as Markdown: an include or Liquid tag that names a picture became the image, a side note a footnote, a highlight block a code block; kramdown attributes moved onto their heading or image, or dropped.",
    ),
    "unsupported-syntax": Code(
        NOTES,
        "Another tool's syntax that nothing reads (`[[link]]`, `{% tag %}`, `{{ value }}`, `!!! note`, `==mark==`, `%% comment %%` …); it prints as typed, or a Liquid tag or output was removed.",
    ),
    "missing-glyph": Code(
        NOTES,
        "A character no font of the handbook and the slides has (U+XXXX and its name): it would print as an empty box.",
    ),
    "broken-link": Code(NOTES, "A link names a note that is not in the notes folder; it prints as plain text."),
    "broken-anchor": Code(NOTES, "A link's `#anchor` is not a heading of its note."),
    "embed-cycle": Code(
        NOTES, "Notes embed each other in a circle (or nest embeds too deeply); the embed that closes it is left out."
    ),
    "embed-file": Code(
        NOTES, "An embed names a file that is neither a picture nor a note (`![[paper.pdf]]`); it is shown as a link."
    ),
    "snippet-outside": Code(
        NOTES, "A MkDocs snippet names a file outside the notes folder, or one that is not a note; it is not included."
    ),
    "orphan-note": Code(
        NOTES, "No page list from the index note (or `nav:`) reaches a note; it goes at the end of the book."
    ),
    "link-cycle": Code(NOTES, "Notes list each other in a circle; each appears once."),
    "no-index": Code(NOTES, "There is no index note; the chapters follow the folder tree."),
    "page-list": Code(
        NOTES,
        "A `SUMMARY.md` or `_sidebar.md` beside the index note lists the book's pages; it orders the chapters and is not printed.",
    ),
    "own-numbering": Code(
        NOTES,
        "Most titles or headings of a chapter and the notes under it carry their own numbers (`5.1 Vectors`, `Lecture 4 - …`); with `pdf.numbering: auto` the handbook does not number them again.",
    ),
    "archive-entry": Code(
        NOTES,
        "An entry of the notes .zip was skipped: its name leads outside it (`../`, an absolute path), or it is a link, a device, encrypted or damaged.",
    ),
    "notion-database": Code(
        NOTES, "A Notion database's CSV is missing or cannot be read; its link is kept instead of the table."
    ),
    # Typesetting the handbook (pdf, html).
    "math-error": Code(
        HANDBOOK,
        "TeX that cannot be drawn (an unknown command, a macro that uses itself, bad braces), at its line and column; its source is printed in a box, and marked on a slide (`slides` reports it too).",
    ),
    "raw-html": Code(HANDBOOK, "Raw HTML that is not harmless formatting was dropped."),
    "image-refused": Code(HANDBOOK, "An image in raw HTML names a file the book may not read."),
    "fetch-refused": Code(HANDBOOK, "The typesetter was asked for a file or URL outside the book; it was not read."),
    "slow-fonts": Code(HANDBOOK, "HarfBuzz's font subsetter is missing; the build is slower."),
    # Laying out the decks.
    "no-topics": Code(SLIDES, "The notes have no headings at `slides.level`: no decks."),
    "topic-auto": Code(
        SLIDES,
        "`slides.topic: auto` chose one deck per note (most sections share their heading with another) or per section; `check -v` says which.",
    ),
    "empty-topic": Code(SLIDES, "A topic has nothing under its heading: no deck."),
    "long-title": Code(SLIDES, "A slide title had to be shortened to fit."),
    "slide-overflow": Code(SLIDES, "Text could not be made to fit a slide even when split."),
    "slide-image": Code(SLIDES, "An image cannot be placed on a slide (not a local file)."),
    "wide-table": Code(SLIDES, "A table is too wide for a slide; its text was made smaller."),
    "stale-deck": Code(SLIDES, "A deck whose topic is gone was removed."),
    # The build itself: an output was not made, or was kept. These keep their level.
    "typesetting": Code(
        BUILD, "Typesetting a part of the handbook failed; the handbook was not changed.", adjustable=False
    ),
    "slides": Code(BUILD, "Writing a deck failed; its previous file was kept.", adjustable=False),
    "slides-template": Code(BUILD, "The slide template cannot be used.", adjustable=False),
    "foreign-file": Code(
        BUILD,
        "A file notebook-publish did not write is in the way of an output, or looks like one; it was kept.",
        adjustable=False,
    ),
    "output": Code(BUILD, "An output cannot be written there.", adjustable=False),
    "release": Code(BUILD, "A release cannot be made yet.", adjustable=False),
    "no-notes": Code(BUILD, "No note could be read.", adjustable=False),
    "notes-archive": Code(
        BUILD,
        "The notes .zip cannot be used: not a zip, or over the limits on files and size (a zip bomb).",
        adjustable=False,
    ),
    "config": Code(BUILD, "handbook.yml is not valid.", adjustable=False),
    "theme": Code(BUILD, "The theme cannot be used.", adjustable=False),
    "template": Code(BUILD, "A theme template has an error.", adjustable=False),
    "usage": Code(BUILD, "The command line is not valid.", adjustable=False),
    "serve": Code(BUILD, "The preview server cannot listen on the address and port asked for.", adjustable=False),
}

LEVELS = ("error", "warning", "info", "ignore")


def stage_of(code: str) -> str:
    known = CODES.get(code)
    return known.stage if known is not None else BUILD


def describe_codes() -> str:
    """The table `notebook-publish config` prints (and the README shows)."""
    rows = ["| code | found while | what it means | level can be set |", "| --- | --- | --- | --- |"]
    where = {
        NOTES: "reading the notes",
        HANDBOOK: "typesetting the handbook",
        SLIDES: "laying out the decks",
        BUILD: "building",
    }
    for name, code in CODES.items():
        rows.append(f"| `{name}` | {where[code.stage]} | {code.meaning} | {'yes' if code.adjustable else 'no'} |")
    return "\n".join(rows)
