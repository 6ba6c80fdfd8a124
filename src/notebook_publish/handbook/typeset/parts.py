"""One part of the handbook (a chapter, the index, the front matter, the folio layer)
typeset to PDF bytes, with what the assembly needs to know about its pages.

`typeset_part` runs in a worker process. Every internal link is turned into an
`xref:<anchor>` URI before the PDF is written, because the anchor may live in another
part; the assembly resolves those URIs into GoTo destinations once every part's
anchors are known. Positions are in PDF points, origin bottom-left, as in the file.

A `Part` is a plain value: it is cached as JSON plus the PDF bytes. It lists the
files WeasyPrint read to make it (`inputs`: URL and hash, like a depfile), so that a
cached part whose files changed is typeset again even when its HTML did not change.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from notebook_publish.diagnostics import Diagnostic, Severity
from notebook_publish.handbook.overdraw.ops import PX_TO_PT
from notebook_publish.handbook.typeset.locations import Mounts

XREF = "xref:"

# Test hook, read only in the worker process: "hang:<text>", "crash:<text>" (os._exit)
# or "kill:<text>" (SIGKILL) makes the worker typesetting a part whose label, source or
# notes contain <text> hang or die; "slow:<text>" (handbook/typeset/workers.py) holds it 10 s,
# then typesets. slides/pool.py reads the same variable for decks (hang, slow, crash,
# kill, kill-writing). The tests use it; nothing else should set it.
FAULT_HOOK = "NOTEBOOK_PUBLISH_TEST_WORKER_FAULT"


@dataclass(frozen=True)
class PartJob:
    key: str  # cache key: a hash of everything the part's bytes depend on
    kind: str  # chapter | index | front | folio
    label: str  # what progress shows: the note's path, or "index"
    source: Path | None  # where diagnostics point (the note, or the config file)
    html: str
    base_url: str
    files: frozenset[Path]  # what the fetcher may read
    folders: tuple[Path, ...]
    mounts: Mounts  # the real folders behind the location-free URLs of the HTML
    user_css: str = ""
    weight: int = 1  # rough cost, to start big parts first
    members: tuple[str, ...] = ()  # the notes a chapter part holds, for messages
    math: tuple[tuple[str, str], ...] = ()  # (slot key, SVG) of formulas drawn in after layout
    tagged: bool = False  # written with WeasyPrint's structure tree (pdf.variant other than none)


@dataclass
class Part:
    pdf: bytes
    page_names: list[str]
    # anchor -> (page index in the part, x, y): where links and bookmarks land
    anchors: dict[str, tuple[int, float, float]]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    seconds: float = 0.0
    # (URL, state) of every file WeasyPrint asked for: a hash of the bytes it read, or
    # locations.UNREADABLE / REFUSED. Sorted, so the same part gives the same entry.
    inputs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def page_count(self) -> int:
        return len(self.page_names)

    def to_bytes(self) -> bytes:
        head = {
            "page_names": self.page_names,
            "anchors": self.anchors,
            "diagnostics": [
                [str(d.path) if d.path else None, d.line, d.col, int(d.severity), d.code, d.message, d.hint]
                for d in self.diagnostics
            ],
            "inputs": self.inputs,
        }
        blob = json.dumps(head, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return len(blob).to_bytes(8, "big") + blob + self.pdf

    @classmethod
    def from_bytes(cls, data: bytes) -> Part:
        size = int.from_bytes(data[:8], "big")
        head = json.loads(data[8 : 8 + size])
        return cls(
            pdf=data[8 + size :],
            page_names=head["page_names"],
            anchors={k: tuple(v) for k, v in head["anchors"].items()},
            diagnostics=[
                Diagnostic(Path(p) if p else None, line, col, Severity(sev), code, msg, hint)
                for p, line, col, sev, code, msg, hint in head["diagnostics"]
            ],
            inputs=[(url, state) for url, state in head["inputs"]],
        )


def typeset_part(job: PartJob, font_config: Any) -> Part:  # a WeasyPrint FontConfiguration
    """HTML to PDF bytes with WeasyPrint (in a worker). Raises on a WeasyPrint failure."""
    from weasyprint import CSS, HTML

    from notebook_publish.handbook.overdraw import math_stamp
    from notebook_publish.handbook.overdraw.bullets import bullet_drawings
    from notebook_publish.handbook.overdraw.pages import draw_over, merge
    from notebook_publish.handbook.typeset.fetcher import READ_IN_THIS_PROCESS, SafeFetcher
    from notebook_publish.handbook.typeset.render import weasyprint_messages

    _injected_fault(job)
    started = time.perf_counter()
    fetcher = SafeFetcher(files=job.files, folders=job.folders, mounts=job.mounts)
    diagnostics: list[Diagnostic] = []
    fonts: list[str] = []
    with weasyprint_messages(diagnostics, job.source), _declared_fonts(font_config, fonts):
        sheets = [CSS(string=job.user_css)] if job.user_css else None
        document = HTML(string=job.html, base_url=job.base_url, url_fetcher=fetcher).render(
            font_config=font_config, stylesheets=sheets
        )
        anchors: dict[str, tuple[int, float, float]] = {}
        names = []
        for number, page in enumerate(document.pages):
            height = page.height
            names.append(_page_name(page))
            for anchor, (x, y, *_rest) in page.anchors.items():
                anchors.setdefault(anchor, (number, round(x * PX_TO_PT, 3), round((height - y) * PX_TO_PT, 3)))
            page.links[:] = [
                ("external", XREF + target, rect, box) if kind == "internal" else (kind, target, rect, box)
                for kind, target, rect, box in page.links
            ]
        # Formulas and bullets are drawn into the written PDF, where layout left room.
        # Formulas also get their text, invisible, over the outlines: search and copy find it.
        if job.tagged:
            pdf = _tagged_pdf(document, job)
        else:
            drawings, texts = bullet_drawings(document), {}
            if job.math:
                slots, svgs = math_stamp.find_slots(document), dict(job.math)
                merge(drawings, math_stamp.formula_drawings(slots, svgs))
                texts = math_stamp.formula_texts(slots, svgs)
            pdf = draw_over(document.write_pdf(pdf_identifier=True), drawings, texts)
    diagnostics.extend(fetcher.diagnostics(job.source))
    inputs = dict(fetcher.inputs)
    for url in fonts:  # read for an earlier part of this worker, or just now
        if url in READ_IN_THIS_PROCESS:
            inputs.setdefault(url, READ_IN_THIS_PROCESS[url])
    return Part(pdf, names, anchors, diagnostics, time.perf_counter() - started, sorted(inputs.items()))


def _tagged_pdf(document: Any, job: PartJob) -> bytes:
    """The part written with WeasyPrint's structure tree, bullets and formulas drawn
    in and tagged (`overdraw/tagged_pages.py`)."""
    from notebook_publish.handbook.overdraw import math_stamp
    from notebook_publish.handbook.overdraw.bullets import bullet_drawings
    from notebook_publish.handbook.overdraw.tagged_pages import TaggedFormula, draw_over_tagged
    from notebook_publish.handbook.typeset.tag_record import recording

    bullets = bullet_drawings(document)
    slots = math_stamp.find_slots(document) if job.math else []
    with recording() as record:
        written = document.write_pdf(pdf_identifier=True, pdf_tags=True)
    # The slots' elements, in tree order per page and formula: the same order as find_slots'.
    elements: dict[tuple[int, str], list[int]] = {}
    for page, key, objnum in record.slots:
        elements.setdefault((page, key), []).append(objnum)
    svgs, formulas = dict(job.math), []
    for slot in slots:
        noted = elements.get((slot.page, slot.key))
        objnum = noted.pop(0) if noted else 0
        ops = math_stamp.slot_drawing(slot, svgs)
        if ops is None:
            continue
        words = math_stamp.slot_words(slot, svgs)
        formulas.append(TaggedFormula(slot.page, objnum, ops, words, slot.tex, slot.text.strip()))
    return draw_over_tagged(written, bullets, formulas, record.margins, record.retag)


@contextmanager
def _declared_fonts(font_config: Any, urls: list[str]) -> Iterator[None]:
    """Collect the URL of every font file the document's @font-face rules name.

    WeasyPrint reads a font's file once per font configuration (the worker keeps one
    for all its parts), so the fetcher sees it only for the first part that declares
    it; the later parts depend on it all the same."""
    add = font_config.add_font_face

    def add_font_face(rule_descriptors: dict[str, Any], url_fetcher: Any) -> Any:
        for source in rule_descriptors.get("src", ()):
            kind, url = source if isinstance(source, tuple) and len(source) == 2 else (None, None)
            if kind == "external" and isinstance(url, str):
                urls.append(url)
        return add(rule_descriptors, url_fetcher)

    font_config.add_font_face = add_font_face
    try:
        yield
    finally:
        del font_config.add_font_face


def _page_name(page: Any) -> str:  # a WeasyPrint Page
    page_type = getattr(getattr(page, "_page_box", None), "page_type", None)
    name = getattr(page_type, "name", "") or ""
    return name if isinstance(name, str) else ""


def _injected_fault(job: PartJob) -> None:
    fault = os.environ.get(FAULT_HOOK, "")
    kind, _, where = fault.partition(":")
    if not where or not any(where in text for text in (job.label, str(job.source or ""), *job.members)):
        return
    if kind == "hang":
        while True:
            time.sleep(60)
    if kind == "crash":
        os._exit(70)
    if kind == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
