"""The PDF handbook, checked the way a reader meets it: its text layer, page numbers,
links, bookmarks and metadata (pypdf and pdftotext), plus the safety of the build.

The seed notebook is built once per module; the other books are small.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import threading
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pypdf
import pytest

from notebook_publish.cache import MemoryCache
from notebook_publish.config import load_config
from notebook_publish.handbook import build_html, build_pdf
from notebook_publish.handbook.typeset.fetcher import RefusedURL, SafeFetcher
from notebook_publish.notes import load_book
from notebook_publish.rawhtml import RawHtmlFilter

ROOT = Path(__file__).resolve().parents[1]
EPOCH = "1700000000"  # 2023-11-14
pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils (pdftotext)")


@contextmanager
def source_date_epoch(value: str = EPOCH):
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = value
    try:
        yield
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def build(project: Path, out_name: str = "handbook.pdf", overrides: dict | None = None):
    """Build the project's PDF outside any git checkout, so the version comes from the config."""
    config = load_config(project / "handbook.yml", overrides=overrides)
    book = load_book(config, MemoryCache())
    out = project / "build" / out_name
    with source_date_epoch():
        diagnostics = build_pdf(book, out, jobs=1)
    return out, list(book.diagnostics) + diagnostics


class Pdf:
    """A built PDF as a reader sees it: page texts, printed page numbers, links, outline."""

    def __init__(self, path: Path):
        self.path = path
        self.reader = pypdf.PdfReader(str(path))
        layout = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        self.pages = layout.split("\f")[: len(self.reader.pages)]
        self.page_ids = {p.indirect_reference.idnum: i for i, p in enumerate(self.reader.pages)}

    def printed_number(self, index: int) -> str:
        """The page number in the footer: the last non-empty line of the page."""
        lines = [line.strip() for line in self.pages[index].splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def body_page(self, printed: int) -> int:
        hits = [i for i in range(len(self.pages)) if self.printed_number(i) == str(printed)]
        assert len(hits) == 1, f"printed page {printed} found on {hits}"
        return hits[0]

    def toc(self) -> list[tuple[str, str, int]]:
        """(number, label, printed page) of every contents line."""
        index = next(i for i, text in enumerate(self.pages) if "Contents" in text)
        entries = []
        for line in self.pages[index].splitlines():
            # The leader dots are drawn, not text: label and page number are far apart.
            m = re.match(r"^\s*(?:(\d+(?:\.\d+)*)\s+)?(\S.*?)\s{3,}(\d+)\s*$", line)
            if m:
                entries.append((m.group(1) or "", m.group(2).strip(), int(m.group(3))))
        return entries

    def outline(self) -> list[tuple[int, str, int]]:
        """(level, title, page index) of every bookmark, depth first."""
        out = []

        def walk(items, level):
            for item in items:
                if isinstance(item, list):
                    walk(item, level + 1)
                else:
                    out.append((level, item.title, self.reader.get_destination_page_number(item)))

        walk(self.reader.outline, 1)
        return out

    def links(self, index: int) -> list[tuple[list[float], int | None, str | None]]:
        """(rect, target page index or None, uri or None) of the link annotations on a page."""
        out = []
        for annot in self.reader.pages[index].get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            rect = [float(v) for v in annot["/Rect"]]
            dest = annot.get("/Dest")
            action = annot.get("/A")
            target = None
            if dest is not None:
                dest = dest.get_object() if hasattr(dest, "get_object") else dest
                if isinstance(dest, (str, pypdf.generic.TextStringObject, pypdf.generic.ByteStringObject)):
                    dest = self.reader.named_destinations[str(dest)]
                    target = self.reader.get_destination_page_number(dest)
                else:
                    target = self.page_ids[dest[0].idnum]
            uri = action.get_object().get("/URI") if action is not None else None
            out.append((rect, target, uri))
        return out

    def words_in(self, index: int, rect: list[float]) -> str:
        """Text inside an annotation rectangle (pdftotext -bbox, top-left origin)."""
        html = subprocess.run(
            ["pdftotext", "-bbox", "-f", str(index + 1), "-l", str(index + 1), str(self.path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        height = float(self.reader.pages[index].mediabox.height)
        x0, x1 = sorted(rect[0::2])
        y0, y1 = sorted(rect[1::2])  # WeasyPrint writes the top edge first
        top, bottom = height - y1, height - y0
        words = []
        for m in re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', html):
            cx = (float(m.group(1)) + float(m.group(3))) / 2
            cy = (float(m.group(2)) + float(m.group(4))) / 2
            if x0 - 1 <= cx <= x1 + 1 and top - 1 <= cy <= bottom + 1:
                words.append(m.group(5))
        return " ".join(words)

    def curve_count(self, index: int) -> int:
        """Curves drawn on the page, apart from whole circles of four curves (list
        bullets are drawn as those: `m c c c c h`)."""
        ops = [
            op
            for _operands, op in pypdf.generic.ContentStream(
                self.reader.pages[index].get_contents(), self.reader
            ).operations
        ]
        curves = sum(1 for op in ops if op == b"c")
        circles = sum(1 for i in range(len(ops) - 5) if ops[i : i + 6] == [b"m", b"c", b"c", b"c", b"c", b"h"])
        return curves - 4 * circles

    def page_with(self, text: str) -> int:
        hits = [i for i, page in enumerate(self.pages) if text in " ".join(page.split())]
        assert hits, f"{text!r} is nowhere in the PDF"
        return hits[0]


def word_boxes(path: Path, index: int) -> list[tuple[float, float, float, float, str]]:
    """(x0, y0, x1, y1, word) in points from the top-left, from pdftotext -bbox."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(index + 1), "-l", str(index + 1), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pattern = r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<'
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(pattern, html)]


def dark_runs(path: Path, index: int, tmp: Path, x0: float, x1: float, y0: float, y1: float) -> int:
    """How many separate dark marks a horizontal scan finds in a box of the rendered page
    (points, top-left origin), at 144 dpi: a row of leader dots counts each dot."""
    from PIL import Image

    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "144",
            "-gray",
            "-f",
            str(index + 1),
            "-l",
            str(index + 1),
            "-png",
            str(path),
            str(tmp / "page"),
        ],
        check=True,
    )
    image = Image.open(next(tmp.glob("page*.png"))).convert("L")
    scale = 2.0  # 144 dpi / 72 points per inch
    best = 0
    for y in range(int(y0 * scale), int(y1 * scale) + 1):
        row = [image.getpixel((x, y)) < 200 for x in range(int(x0 * scale), int(x1 * scale))]
        best = max(best, sum(1 for i, dark in enumerate(row) if dark and (i == 0 or not row[i - 1])))
    return best


def copy_seed(dest: Path) -> Path:
    shutil.copytree(ROOT / "notes", dest / "notes")
    (dest / "media").mkdir(exist_ok=True)
    if (ROOT / "media").is_dir():
        shutil.copytree(ROOT / "media", dest / "media", dirs_exist_ok=True)
    shutil.copy(ROOT / "handbook.yml", dest / "handbook.yml")
    return dest


@pytest.fixture(scope="module")
def seed(tmp_path_factory):
    project = copy_seed(tmp_path_factory.mktemp("seed"))
    out, diagnostics = build(project)
    return Pdf(out), diagnostics, project


def seed_headings(project: Path, depth: int = 2) -> list[str]:
    """The section titles of the seed that the contents must list, in order."""
    config = load_config(project / "handbook.yml")
    book = load_book(config, MemoryCache())
    from notebook_publish.pandoc.ast import plain_text

    titles = []
    for chapter in book.chapters:
        titles.append(chapter.title)
        for block in chapter.note.ast["blocks"]:
            if block["t"] == "Header" and 2 <= block["c"][0] <= depth + 1:
                titles.append(" ".join(plain_text(block["c"][2]).split()))
    return titles


# --- the seed ------------------------------------------------------------------------


def test_seed_builds_without_errors(seed):
    pdf, diagnostics, _ = seed
    assert not [d for d in diagnostics if d.severity >= 2]
    assert len(pdf.reader.pages) >= 6
    assert pdf.reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4


def test_cover_shows_title_subtitle_author_date_version(seed):
    pdf, _, _ = seed
    cover = " ".join(pdf.pages[0].split())
    for text in (
        "Machine Learning Study Notebook",
        "Multi-modal models, diffusion and large-model tricks",
        "Notebook author",
        "14 November 2023",
    ):
        assert text in cover


def test_contents_lists_every_section_with_the_page_it_is_on(seed):
    pdf, _, project = seed
    toc = pdf.toc()
    labels = [label for _n, label, _p in toc]
    assert labels == seed_headings(project) + ["Index"]
    for number, label, printed in toc:
        index = pdf.body_page(printed)
        heading = f"{number} {label}".strip()
        lines = [" ".join(line.split()) for line in pdf.pages[index].splitlines()]
        assert heading in lines or (label == "Index" and "Index" in lines), f"{heading!r} not on page {printed}"
    # Sections are numbered under their chapter.
    assert ("1.6.1", "CLiP") in [(n, label) for n, label, _ in toc]


def test_contents_has_dotted_leaders_and_roman_front_matter(seed, tmp_path):
    pdf, _, _ = seed
    toc_index = next(i for i, t in enumerate(pdf.pages) if "Contents" in t)
    # The dots between "Transformer" and its page number, seen on the rendered page.
    words = word_boxes(pdf.path, toc_index)
    label = next(w for w in words if w[4] == "Transformer")
    page = next(w for w in words if w[4].isdigit() and abs(w[3] - label[3]) < 1 and w[0] > label[2])
    dots = dark_runs(pdf.path, toc_index, tmp_path, x0=label[2] + 2, x1=page[0] - 2, y0=label[1], y1=label[3])
    assert dots >= 20, f"{dots} dots between the label and its page number"
    assert not re.search(r"(\. ?){5,}", pdf.pages[toc_index]), "the leader dots are pictures, not text"
    assert pdf.printed_number(toc_index) == "ii"
    assert pdf.printed_number(toc_index + 1) == "1"


def test_outline_mirrors_contents(seed):
    pdf, _, _ = seed
    toc = pdf.toc()
    outline = pdf.outline()
    assert [title for _l, title, _p in outline] == [f"{n} {label}".strip() for n, label, _ in toc]
    assert [pdf.printed_number(page) for _l, _t, page in outline] == [str(p) for _n, _l, p in toc]
    levels = {title: level for level, title, _ in outline}
    assert levels["1 Index"] == 1 and levels["1.6 Multi-Modality Model"] == 2 and levels["1.6.1 CLiP"] == 3


def test_contents_links_land_on_the_pages_they_print(seed):
    pdf, _, _ = seed
    toc_index = next(i for i, t in enumerate(pdf.pages) if "Contents" in t)
    links = [link for link in pdf.links(toc_index) if link[1] is not None]
    width = float(pdf.reader.pages[toc_index].mediabox.width)
    lines = {}
    for rect, target, _uri in links:
        # WeasyPrint makes one annotation per box inside the <a>; a line is one entry.
        lines.setdefault(tuple(round(v) for v in sorted(rect[1::2])), set()).add(target)
    assert len(lines) == len(pdf.toc())
    for (y0, y1), targets in lines.items():
        assert len(targets) == 1
        line = pdf.words_in(toc_index, [0, y0, width, y1])
        assert pdf.printed_number(targets.pop()) == line.split()[-1].strip(". ")


def test_text_layer_has_no_markup_or_mojibake(seed):
    pdf, _, _ = seed
    text = "\n".join(pdf.pages)
    for bad in ("**", "$$", "```", "â‡", "ð›", "Ã", "â€", "\ufffd"):
        assert bad not in text, bad
    # The repaired characters are really there: arrows and math letters in running text.
    assert "⇒" in text and "𝛽𝑡" in text and "𝑇" in text


def test_every_glyph_is_real(seed):
    """No character is drawn with glyph 0 (.notdef, the missing-glyph box)."""
    pdf, _, _ = seed
    for page in pdf.reader.pages:
        for operands, op in pypdf.generic.ContentStream(page.get_contents(), pdf.reader).operations:
            strings = operands[0] if op == b"TJ" else operands[:1] if op == b"Tj" else []
            for s in strings:
                if isinstance(s, (bytes, pypdf.generic.ByteStringObject, pypdf.generic.TextStringObject)):
                    data = s if isinstance(s, bytes) else s.original_bytes
                    ids = [data[i : i + 2] for i in range(0, len(data), 2)]
                    assert b"\x00\x00" not in ids


def test_both_formulas_are_vector_math_without_tex_in_text(seed):
    pdf, _, _ = seed
    text = "\n".join(pdf.pages)
    # No TeX in the text layer: what it holds of a formula is its Unicode linear form,
    # written invisibly over the outlines (tests/test_math_search.py).
    for tex in ("L_{ITM}", "\\sum", "\\omega", "omega_t"):
        assert tex not in text
    # Each formula is drawn as outlines (curves) on the page of the text around it.
    for nearby in ("classify whether it is the right text", "the probability of next word"):
        assert pdf.curve_count(pdf.page_with(nearby)) > 50
    without_math = pdf.page_with("Diffusion vs gan")
    assert pdf.curve_count(without_math) < 30


def test_index_lists_bold_terms_with_their_pages(seed):
    pdf, _, _ = seed
    # The index opens with its running head and its title, both "Index".
    start = next(i for i in range(len(pdf.pages) - 1, 0, -1) if pdf.pages[i].split()[:2] == ["Index", "Index"])
    entries = {}
    for page in pdf.pages[start:]:
        lines = page.splitlines()
        starts = [m.end() for line in lines for m in re.finditer(r"\S\s{3,}(?=\S)", line)]
        col = min(starts) if starts else max(map(len, lines))
        left = [line[:col].strip() for line in lines]
        right = [line[col:].strip() for line in lines]
        for item in left + right:
            m = re.match(r"^(.+?), ([\d, ]+)$", item)
            if m:
                entries[m.group(1)] = [int(p) for p in m.group(2).split(",")]
        raw = "\n".join(left + right)
    for term in ("cross attention", "projection layer", "search engine", "DDPM"):
        assert term in entries, f"{term} missing from the index"
        for printed in entries[term]:
            page_text = " ".join(pdf.pages[pdf.body_page(printed)].split()).lower()
            assert term.lower() in page_text
    # Alphabetical, with letter groups.
    keys = [k.lower() for k in entries]
    assert keys == sorted(keys)
    assert re.search(r"^C$", raw, re.M) and re.search(r"^P$", raw, re.M)  # letter groups
    # Long bold sentences are emphasis, not terms.
    assert "classify whether it is the right text" not in entries


def test_index_links_land_on_the_listed_pages(seed):
    pdf, _, _ = seed
    last = len(pdf.pages) - 1
    links = [link for link in pdf.links(last) if link[1] is not None]
    assert len(links) > 20
    for rect, target, _uri in links:
        assert pdf.words_in(last, rect).strip(", ") == pdf.printed_number(target)


def test_running_header_and_page_numbers(seed):
    pdf, _, _ = seed
    body = pdf.body_page(2)
    assert pdf.pages[body].strip().splitlines()[0].strip() == "Index"  # the chapter title
    assert pdf.printed_number(body) == "2"


def test_missing_images_are_placeholders_naming_the_file(seed):
    pdf, diagnostics, _ = seed
    text = "\n".join(pdf.pages)
    missing = [d for d in diagnostics if d.code == "missing-image"]
    assert len(missing) == 10
    assert text.count("IMAGE NOT FOUND") == 10
    assert "image_1b505834-30de-8037-bee9-cfc97356b605.png" in text


def test_broken_note_links_print_as_text_with_a_marker(seed):
    pdf, _, _ = seed
    page = pdf.page_with("Basic ML + DL (missing page)")
    assert all(uri is None for _r, _t, uri in pdf.links(page))


def test_metadata(seed):
    pdf, _, _ = seed
    meta = pdf.reader.metadata
    assert meta.title == "Machine Learning Study Notebook"
    assert meta.author == "Notebook author"
    assert meta.subject == "Multi-modal models, diffusion and large-model tricks"
    assert "diffusion" in meta["/Keywords"]
    assert meta["/CreationDate"].startswith("D:20231114")


def test_source_date_epoch_gives_identical_bytes(seed):
    pdf, _, project = seed
    again, _ = build(project, "again.pdf")
    assert again.read_bytes() == pdf.path.read_bytes()


# --- features beyond the seed -------------------------------------------------------------


@pytest.fixture(scope="module")
def features(tmp_path_factory):
    from PIL import Image

    project = tmp_path_factory.mktemp("features")
    notes = project / "notes"
    (notes / "media").mkdir(parents=True)
    Image.new("RGB", (120, 60), (40, 90, 160)).save(notes / "media" / "small.png")
    Image.new("RGB", (3000, 400), (160, 90, 40)).save(notes / "media" / "wide.png")
    (notes / "index.md").write_text("# Overview\n\n[Alpha](alpha.md)\n\n[Beta](beta.md)\n", encoding="utf-8")
    (notes / "alpha.md").write_text(
        "# Alpha\n\n## Train\n\nAlpha training with **gradient descent**. See [Beta's training](beta.md#train).\n\n"
        "![A small blue chart](media/small.png)\n\n![](media/wide.png)\n\n"
        "Bad math $\\foo{x}$ here.\n\nA claim.[^1]\n\n[^1]: The footnote text.\n\n"
        "```python\ndef f(x):\n    return x + 1\n```\n\n- [ ] open task\n- [x] done task\n\n"
        "> A quoted callout.\n\nTerm\n: Its definition.\n\nThe word tokenizer appears here.\n\n[External](https://example.org/page)\n",
        encoding="utf-8",
    )
    (notes / "beta.md").write_text(
        "# Beta\n\n" + "Filler paragraph. " * 200 + "\n\n## Train\n\nBeta training uses **Gradient Descent** too.\n",
        encoding="utf-8",
    )
    (project / "handbook.yml").write_text(
        "title: Features\nmedia: []\npdf:\n  paper: letter\n  index_terms: [tokenizer]\n  index_exclude: [done task]\n",
        encoding="utf-8",
    )
    out, diagnostics = build(project)
    return Pdf(out), diagnostics, project


def test_letter_paper(features):
    pdf, _, _ = features
    assert float(pdf.reader.pages[0].mediabox.width) == pytest.approx(612)
    assert float(pdf.reader.pages[0].mediabox.height) == pytest.approx(792)


def test_links_to_same_named_headings_land_in_the_right_note(features):
    pdf, _, _ = features
    alpha = pdf.page_with("Alpha training with")
    internal = [(r, t) for r, t, uri in pdf.links(alpha) if t is not None]
    beta_train = next(i for i, page in enumerate(pdf.pages) if "Beta training uses" in page)
    assert any(t == beta_train and "Beta" in pdf.words_in(alpha, r) for r, t in internal)
    assert beta_train != alpha
    assert any(uri == "https://example.org/page" for _r, _t, uri in pdf.links(alpha))


def test_images_captions_and_width(features):
    pdf, _, _ = features
    text = " ".join("\n".join(pdf.pages).split())
    assert "Figure 2.1. A small blue chart" in text
    assert "Figure 2.2" not in text  # no alt text, no caption
    # Drawn width of each image: pixels / pixels per inch * 72 pt.
    listing = subprocess.run(["pdfimages", "-list", str(pdf.path)], capture_output=True, text=True, check=True).stdout
    drawn = {int(row.split()[3]): int(row.split()[3]) / int(row.split()[12]) * 72 for row in listing.splitlines()[2:]}
    text_width = 612 - 2 * 22 / 25.4 * 72
    assert drawn[120] == pytest.approx(90, abs=1)  # 120 px at 96 dpi: natural size, not blown up
    assert drawn[3000] <= text_width + 1 and drawn[3000] > text_width - 5  # scaled down to the text width


def test_math_error_is_a_visible_box_and_a_diagnostic(features):
    pdf, diagnostics, _ = features
    assert any(d.code == "math-error" and "\\foo" in d.message for d in diagnostics)
    text = "\n".join(pdf.pages)
    assert "TEX ERROR" in text and "\\foo{x}" in text


def test_footnote_at_the_foot_of_its_page(features):
    pdf, _, _ = features
    page = pdf.pages[pdf.page_with("A claim.")]
    lines = [line.strip() for line in page.splitlines() if line.strip()]
    assert any("The footnote text." in line for line in lines[-4:])


def test_index_config_terms_and_exclusions(features):
    pdf, _, _ = features
    last = " ".join(pdf.pages[-1].split())
    assert "tokenizer" in last
    assert "done task" not in last
    # Gathered case-insensitively: one entry for both spellings, on both pages.
    m = re.search(r"gradient descent, (\d+), (\d+)", last)
    assert m and m.group(1) != m.group(2)
    assert "Gradient Descent," not in last


def test_blocks_render(features):
    pdf, _, project = features
    text = "\n".join(pdf.pages)
    assert "def f(x):" in text and "A quoted callout." in text and "Its definition." in text
    html_out = project / "build" / "handbook.html"
    build_html(load_book(load_config(project / "handbook.yml"), MemoryCache()), html_out)
    page = html_out.read_text(encoding="utf-8")
    assert '<span class="n">f</span>' in page or 'class="nf">f<' in page  # highlighted by Pygments
    assert 'class="task-box done"' in page and 'class="footnote"' in page
    assert '<blockquote class="callout">' in page and "<dl>" in page
    assert re.search(r'src="handbook_files/media/small-[0-9a-f]+\.png"', page)  # carried beside the page


def test_user_theme_overrides_single_templates(tmp_path):
    copy_seed(tmp_path)
    theme = tmp_path / "mytheme" / "templates"
    theme.mkdir(parents=True)
    (theme / "cover.html.j2").write_text(
        '<section class="cover"><h1>My own cover for {{ book.title }}</h1></section>', encoding="utf-8"
    )
    config = load_config(tmp_path / "handbook.yml", overrides={"theme": "./mytheme"})
    out = tmp_path / "build" / "handbook.html"
    build_html(load_book(config, MemoryCache()), out)
    page = out.read_text(encoding="utf-8")
    assert "My own cover for Machine Learning Study Notebook" in page
    assert '<nav class="toc"' in page  # the rest comes from the default theme
    assert '<link rel="stylesheet" href="handbook_files/css/handbook-' in page


# --- safety ---------------------------------------------------------------------------------


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


def test_hostile_note_builds_with_diagnostics_and_no_requests(tmp_path):
    from PIL import Image

    server = http.server.HTTPServer(("127.0.0.1", 0), _CountingHandler)
    _CountingHandler.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    url = f"http://127.0.0.1:{port}"
    try:
        project = tmp_path / "a" / "b"
        notes = project / "notes"
        notes.mkdir(parents=True)
        Image.new("RGB", (50, 50), (255, 0, 0)).save(tmp_path / "a" / "outside.png")
        (notes / "index.md").write_text(
            f"# Hostile\n\n![passwd](file:///etc/passwd)\n\n![remote]({url}/x.png)\n\n![escape](../../outside.png)\n\n"
            f"<script>document.write('pwned-by-script')</script>\n\n<iframe src=\"{url}/frame\"></iframe>\n\n"
            f'Inline <img src="{url}/raw.png" onerror="alert(1)"> and <span onclick="x()" style="background:url({url}/bg.png)">kept words</span>.\n\n'
            f'<link rel="stylesheet" href="{url}/s.css">\n\n<style>@import url({url}/i.css); body {{ color: red }}</style>\n\n'
            f'<object data="{url}/o"></object><embed src="{url}/e"><meta http-equiv="refresh" content="0;url={url}/m">\n\n'
            f'[a link]({url}/page) and <a href="javascript:alert(1)">js link</a>\n',
            encoding="utf-8",
        )
        (project / "handbook.yml").write_text("title: Hostile\nmedia: []\n", encoding="utf-8")
        out, diagnostics = build(project)
    finally:
        server.shutdown()
        server.server_close()

    assert _CountingHandler.requests == []
    assert out.is_file()
    codes = Counter(d.code for d in diagnostics)
    assert codes["remote-image"] == 2 and codes["missing-image"] == 1 and codes["raw-html"] >= 2
    assert not [d for d in diagnostics if d.severity >= 2]
    pdf = Pdf(out)
    text = "\n".join(pdf.pages)
    assert "pwned-by-script" not in text and "root:" not in text
    assert "kept words" in text and "js link" in text and "IMAGE NOT FOUND" in text
    for page in pdf.reader.pages:  # nothing from outside the notes was embedded
        xobjects = page["/Resources"].get("/XObject")
        assert not xobjects or all(x.get_object().get("/Subtype") != "/Image" for x in xobjects.get_object().values())
    uris = [uri for i in range(len(pdf.pages)) for _r, _t, uri in pdf.links(i) if uri]
    assert all(not str(u).startswith("javascript") for u in uris)


def test_fetcher_allows_only_data_and_listed_files(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    allowed = media / "a.png"
    allowed.write_bytes(b"png")
    (tmp_path / "secret.txt").write_text("secret")
    fetcher = SafeFetcher(files=frozenset({allowed}), folders=(tmp_path / "theme",))
    assert fetcher.fetch(allowed.as_uri()).read() == b"png"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    for url in (
        "http://127.0.0.1:1/x",
        "https://example.org/x",
        "file:///etc/passwd",
        (media / ".." / "secret.txt").as_uri(),
        "ftp://x/y",
        f"file://otherhost{allowed}",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert len(fetcher.diagnostics(None)) == 6


def test_fetcher_reads_location_free_urls_and_records_what_it_read(tmp_path):
    import hashlib

    from notebook_publish.handbook.typeset.locations import REFUSED, UNREADABLE, book_mounts

    root = tmp_path / "project"
    media, theme = root / "media", tmp_path / "elsewhere" / "theme"
    media.mkdir(parents=True)
    theme.mkdir(parents=True)
    (media / "a b.png").write_bytes(b"png")
    (root / "secret.txt").write_text("secret")
    (theme / "extra.css").write_text("h1 {}")
    mounts = book_mounts(root, [("media-1", media), ("theme-1", theme)], None, [])
    fetcher = SafeFetcher(files=frozenset({media / "a b.png"}), folders=(theme,), mounts=mounts)

    url = mounts.url(media / "a b.png")
    assert url == "file://notebook-publish/project/media/a%20b.png"  # no real folder in it
    response = fetcher.fetch(url)
    assert response.read() == b"png" and response.url == url  # relative references resolve against it
    css_url = mounts.url(theme / "extra.css")
    assert css_url == "file://notebook-publish/theme-1/extra.css"
    assert fetcher.fetch(css_url).read() == b"h1 {}"
    for refused in (
        "file://notebook-publish/project/secret.txt",  # in the project, not in the media
        "file://notebook-publish/project/%2e%2e/%2e%2e/etc/passwd",
        "file://notebook-publish/etc/passwd",  # no such mount
        "file://notebook-publish/project/media/gone.png",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(refused)
    assert fetcher.inputs == {
        url: hashlib.sha256(b"png").hexdigest(),
        css_url: hashlib.sha256(b"h1 {}").hexdigest(),
        "file://notebook-publish/project/secret.txt": REFUSED,
        "file://notebook-publish/project/media/gone.png": UNREADABLE,
    }


def test_sanitizer_keeps_formatting_and_drops_the_rest():
    filt = RawHtmlFilter()
    out = filt.feed(
        '<b onclick="x">bold</b><script>evil()</script><iframe src="x">in</iframe><a href="javascript:x">j</a><a href="https://ok">ok</a><u style="a">u</u>'
    )
    out += filt.close_all()
    assert out == '<b>bold</b><span>j</span><a href="https://ok">ok</a><u>u</u>'
    assert {"script", "iframe"} <= set(filt.dropped.tags) and {"onclick", "style", "href"} <= set(filt.dropped.attrs)
    # Content between raw pieces is suppressed while a dropped element is open.
    filt = RawHtmlFilter()
    filt.feed("<script>")
    assert filt.suppressing
    filt.feed("</script>")
    assert not filt.suppressing
    # A stray closing tag cannot close the writer's own markup.
    assert RawHtmlFilter().feed("</p></div>text") == "text"
