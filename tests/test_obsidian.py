"""Obsidian's syntax (wikilinks, embeds, highlights, comments, block ids, front matter)
and MkDocs snippets: the fixers on their own, and what a reader gets in the PDF and the
decks."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from notebook_publish.normalize import FIXERS, normalize, obsidian, snippets
from notebook_publish.normalize.cached import CachedNormalizer
from notebook_publish.normalize.context import NoteContext
from notebook_publish.normalize.vault import VaultIndex, aliases_of, front_matter_lines, read_front_matter
from publish_harness import Project, assert_clean, png_bytes

V = Path("/vault")
FILES = frozenset(
    V / p
    for p in (
        "index.md",
        "Note.md",
        "a/Note.md",
        "b/deep/Other Note.md",
        "people/Alice.md",
        "x/Ex.md",
        "attachments/pic.png",
        "attachments/paper.pdf",
        "shared/snippet.md",
    )
)
VAULT = VaultIndex.build(
    V, FILES, {V / "x/Ex.md": {"aliases": ["Example Alias", "eg"]}, V / "people/Alice.md": {"alias": "Al"}}
)


def ctx(note: str = "a/cur.md", flavours=None, vault=VAULT) -> NoteContext:
    extra = {} if flavours is None else {"flavours": frozenset(flavours)}
    return NoteContext(path=V / note, notes_dir=V, files=FILES, vault=vault, **extra)


def run(text: str, note: str = "a/cur.md", **kw):
    out, found = normalize(text, ctx(note, **kw))
    assert out.count("\n") == text.count("\n")
    again, _ = normalize(out, ctx(note, **kw))
    assert again == out, "normalising twice changed the text"
    return out, found


# --- wikilinks -----------------------------------------------------------------------------------


def test_wikilink_forms_become_links_to_the_notes_path():
    out, found = run(
        "[[Note]] [[note|the note]] [[a/Note]] [[Other Note#Some Heading: Part]] [[#Local Head]] "
        "[[Note#^key-1]] [[Other Note.md]] [[deep/other note]]"
    )
    assert found == []
    assert out == (
        "[Note](../Note.md){.wikilink} [the note](../Note.md){.wikilink} [Note](Note.md){.wikilink} "
        "[Other Note \\> Some Heading: Part](<../b/deep/Other Note.md#some-heading-part>){.wikilink} "
        "[Local Head](#local-head){.wikilink} [Note](../Note.md#block-key-1){.wikilink} "
        "[Other Note](<../b/deep/Other Note.md>){.wikilink} [other note](<../b/deep/Other Note.md>){.wikilink}"
    )


def test_the_shortest_path_wins_and_a_folder_prefix_chooses():
    vault = VAULT
    assert vault.find_note("Note", V / "a") == V / "Note.md"  # two notes named Note: the shorter path
    assert vault.find_note("a/Note", V / "people") == V / "a/Note.md"
    assert vault.find_note("NOTE.md", V) == V / "Note.md"
    assert vault.find_note("other note", V) == V / "b/deep/Other Note.md"
    assert vault.find_note("c/Other Note", V) is None  # a folder that is not on its path


def test_aliases_from_front_matter_resolve():
    out, found = run("Say [[Example Alias]] and [[eg|hi]] to [[al]].")
    assert found == []
    assert (
        out
        == "Say [Example Alias](../x/Ex.md){.wikilink} and [hi](../x/Ex.md){.wikilink} to [al](../people/Alice.md){.wikilink}."
    )


def test_an_unresolved_wikilink_is_a_broken_link_with_its_place_and_a_suggestion():
    out, found = run("text\nSee [[Alise]] and `[[code]]` then [[Nowhere At All|x]].\n")
    assert "[Alise](<Alise.md>){.wikilink .broken-link}" in out
    assert "`[[code]]`" in out
    first, second = found
    assert (first.code, first.line, first.col) == ("broken-link", 2, 5)
    assert "[[Alice]]" in first.hint and "did you mean" in first.hint
    assert (second.code, second.line, second.col) == ("broken-link", 2, 35)


def test_wikilinks_in_a_table_keep_the_table():
    out, _ = run("| a | b |\n|---|---|\n| [[Note\\|alias]] | c |\n")
    assert out.split("\n")[2] == "| [alias](../Note.md){.wikilink} | c |"


def test_the_links_fixer_leaves_wikilinks_alone_and_reports_once():
    _out, found = run("[[Nope]]")
    assert [d.code for d in found] == ["broken-link"]


# --- embeds ---------------------------------------------------------------------------------------


def test_picture_embeds_with_sizes_and_a_missing_one():
    out, found = run("![[pic.png]]\n![[pic.png|300]]\n![[pic.png|A caption|300x200]]\n![[gone.png]]\n")
    assert out.split("\n")[:4] == [
        "![](../attachments/pic.png)",
        "![](../attachments/pic.png){width=300}",
        "![](../attachments/pic.png){width=300 height=200}",  # Obsidian shows no caption
        "![](<gone.png>){.missing-image}",
    ]
    [missing] = found
    assert (missing.code, missing.line) == ("missing-image", 4)


def test_note_embeds_become_markers_and_other_files_links():
    out, found = run("![[Other Note#Part Two]]\n\n![[Note]]\n\n![[#Here]]\n\n![[paper.pdf]]\n\n![[Missing Note]]")
    lines = out.split("\n")
    assert lines[0] == '[]{.transclude note="b/deep/Other Note.md" section="Part Two" line="1" col="1"}'
    assert lines[2] == '[]{.transclude note="Note.md" line="3" col="1"}'
    assert lines[4] == '[]{.transclude note="a/cur.md" section="Here" line="5" col="1"}'
    assert lines[6] == "[paper.pdf](../attachments/paper.pdf){.wikilink}"
    assert [(d.code, d.line) for d in found] == [("embed-file", 7), ("broken-link", 9)]


# --- highlights, comments, block ids, tags, front matter ------------------------------------------


def test_highlights_but_not_comparisons():
    out, _ = run("==very **important**== and a == b == c, x==y, `==code==`, $a==b$\n")
    assert out == "[very **important**]{.mark} and a == b == c, x==y, `==code==`, $a==b$\n"


def test_comments_inline_and_on_many_lines_keep_the_line_count():
    text = "keep %%drop%% this %%and that%%\n%%\nhidden\n%%\nafter ``%%code%%``\nstart %%open\nmore\nend%% tail\n```\n%%in code%%\n```\n"
    out, _ = run(text)
    assert out.split("\n") == [
        "keep  this ",
        "",
        "",
        "",
        "after ``%%code%%``",
        "start ",
        "",
        " tail",
        "```",
        "%%in code%%",
        "```",
        "",
    ]


def test_block_ids_become_anchors_and_tags_stay_text():
    out, _ = run("A paragraph. ^para-1\n- an item ^item-2\n\n^after-table\n#tag at the start\n- #tag in a list\n")
    assert out.split("\n")[:6] == [
        "A paragraph. []{#block-para-1}",
        "- an item []{#block-item-2}",
        "",
        "[]{#block-after-table}",
        "#tag at the start",
        "- #tag in a list",
    ]


def test_front_matter_is_never_rewritten_and_is_read_for_aliases():
    text = "---\ntitle: Hello\naliases: [One, Two]\nup: [[Note]]\nnote: ==x==\n---\n# Title\n[[Note]]\n"
    out, _ = run(text)
    assert out.split("\n")[:6] == text.split("\n")[:6]
    assert out.split("\n")[7] == "[Note](../Note.md){.wikilink}"
    assert front_matter_lines(text) == 6
    data = read_front_matter(text)
    assert data["title"] == "Hello" and aliases_of(data) == ("One", "Two")
    assert read_front_matter("---\n\nnot: front matter\n---\n") is None
    assert read_front_matter("---\na: *x\n---\n") is None  # YAML the loader refuses: no front matter, no crash


def test_nothing_changes_without_the_flavour():
    text = '[[Note]] ==x== %%c%% ^id\n--8<-- "shared/snippet.md"\n'
    assert normalize(text, ctx(flavours={"github"}))[0] == text


def test_every_fixer_keeps_lines_on_obsidian_text():
    text = "---\na: 1\n---\n%%x\ny%%\n[[Note]] ![[Note]] ==h== ^id\n--8<--\nshared/snippet.md\n--8<--\n"
    for fixer in FIXERS:
        out, _ = fixer.fix(text, ctx())
        assert out.count("\n") == text.count("\n"), fixer.__name__
        text = out


# --- MkDocs snippets ------------------------------------------------------------------------------


def test_snippets_inside_the_notes_are_embedded_and_others_warned():
    text = '--8<-- "shared/snippet.md"\n--8<-- "../outside.md"\n  --8<-- \'vault/shared/snippet.md\'\n--8<--\nshared/snippet.md\n;skipped.md\n--8<--\n;--8<-- "shared/snippet.md"\n'
    out, found = run(text, note="index.md")
    lines = out.split("\n")
    assert lines[0] == '[]{.transclude note="shared/snippet.md" as="snippet" line="1" col="1"}'
    assert lines[1] == '--8<-- "../outside.md"'
    assert lines[2] == '  []{.transclude note="shared/snippet.md" as="snippet" line="3" col="3"}'
    assert lines[3:7] == ["", '[]{.transclude note="shared/snippet.md" as="snippet" line="5" col="1"}', "", ""]
    assert lines[7] == ';--8<-- "shared/snippet.md"'
    assert [(d.code, d.line) for d in found] == [("snippet-outside", 2)]


# --- the cache key --------------------------------------------------------------------------------


def test_the_normaliser_cache_key_covers_the_aliases():
    other = VaultIndex.build(V, FILES, {V / "x/Ex.md": {"aliases": ["Changed"]}})
    same = VaultIndex.build(
        V,
        FILES,
        {
            V / "x/Ex.md": {"aliases": ["Example Alias", "eg"]},
            V / "people/Alice.md": {"alias": "Al"},
            V / "Note.md": {"tags": ["t"]},
        },
    )
    keys = [CachedNormalizer(object(), V, (), FILES, frozenset({"obsidian"}), v).shared for v in (VAULT, other, same)]
    assert keys[0] != keys[1]
    assert keys[0] == keys[2]  # tags do not change what the fixers write


# --- the loaded book: anchors matched, embeds spliced ----------------------------------------------


def load(folder: Path, **overrides):
    from notebook_publish.config import load_config
    from notebook_publish.notes import load_book

    return load_book(load_config(None, {"notes": str(folder), **overrides}, cwd=folder))


def _links(note) -> list[str]:
    from notebook_publish.pandoc.ast import walk_inlines

    return [i["c"][2][0] for i in walk_inlines(note.ast["blocks"]) if i.get("t") == "Link"]


def test_heading_anchors_match_the_ids_the_writers_give(tmp_path):
    (tmp_path / "index.md").write_text(
        "# Home\n\n[[Guide#✨ Sparkle Time]] [[Guide#Q: what?]] [[Guide#A B]] [[Guide#Notes]] [[Guide#^blk]] [[Guide#Nowhere]]\n"
    )
    (tmp_path / "Guide.md").write_text(
        "# Guide\n\n## ✨ Sparkle Time\n\n## Q: what?\n\n## A | B\n\n## Notes\n\n## Notes\n\nA block. ^blk\n"
    )
    book = load(tmp_path)
    home, guide = (c.note for c in book.chapters)
    heads = [b["c"][1][0] for b in guide.ast["blocks"] if b["t"] == "Header"]
    assert _links(home) == [
        f"Guide.md#{heads[1]}",
        f"Guide.md#{heads[2]}",
        f"Guide.md#{heads[3]}",
        "Guide.md#notes",
        "Guide.md#block-blk",
        "Guide.md#nowhere",
    ]
    assert "block-blk" in guide.anchors
    [bad] = [d for d in book.diagnostics if d.code == "broken-anchor"]
    assert "#nowhere" in bad.message


def test_embeds_rebase_links_and_demote_headings(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "p.png").write_bytes(png_bytes(10, 10))
    (tmp_path / "index.md").write_text(
        "# Home\n\n## Section\n\nBefore ![[Part]] after.\n\n- item ![[Part#Deep]]\n\n![[Part#Missing]]\n"
    )
    (tmp_path / "sub" / "Part.md").write_text(
        "# Part\n\nSee [[#Deep]] and [[index]] and ![[p.png]].\n\n## Deep\n\nDeep text. {#not-an-id}\n"
    )
    book = load(tmp_path)
    home = book.chapter_for((tmp_path / "index.md").resolve()).note
    blocks = home.ast["blocks"]
    assert [b["t"] for b in blocks] == [
        "Header",
        "Header",
        "Para",
        "Div",
        "Para",
        "BulletList",
    ]  # the missing section: nothing
    div = blocks[3]
    assert div["c"][0][1] == ["transclusion"]
    levels = [b["c"][0] for b in div["c"][1] if b["t"] == "Header"]
    assert levels == [3, 4]  # below the `##` the embed sits in
    assert all(b["c"][1][0] == "" for b in div["c"][1] if b["t"] == "Header")  # ids stay with the note itself
    from notebook_publish.pandoc.ast import walk_inlines

    urls = [i["c"][2][0] for i in walk_inlines(div["c"][1]) if i["t"] in ("Link", "Image")]
    assert urls == ["sub/Part.md#deep", "index.md", "media/p.png"]
    item = blocks[5]["c"][0]
    assert [b["t"] for b in item] == ["Plain", "Div"]
    assert [(d.code, d.line) for d in book.diagnostics if d.code == "broken-anchor"] == [("broken-anchor", 9)]
    # The links of the embedded text do not place chapters or repeat anchor warnings:
    # Part, which nothing lists, follows the folder tree (its folder a part) at the end.
    assert [c.note.rel for c in book.chapters] == ["index.md", "sub/", "sub/Part.md"]


# --- a vault, built -------------------------------------------------------------------------------


def write_vault(p: Project) -> None:
    (p.notes / "attachments").mkdir(parents=True, exist_ok=True)
    (p.notes / "attachments" / "red.png").write_bytes(png_bytes(600, 400))
    p.write(
        "index.md",
        "# Vault\n\nStart at [[Welcome]] and meet [[Alice|our lead]]; see [[Welcome#Second Part: Details]] and the block [[Welcome#^key-point]].\n\nA missing one: [[Alise]].\n\nSay [[Greetings]] to the alias.\n",
    )
    p.write(
        "Welcome.md",
        "---\ntitle: Welcome page\naliases: [Hello, Greetings]\ntags: [intro]\n---\n# Welcome\n\n"
        "This is ==very important== text with a #tag and %%a hidden comment%% a visible end.\n\n"
        "%%\nA multi-line\ncomment\n%%\n\nThis paragraph has a key point. ^key-point\n\n"
        "## Second Part: Details\n\nDetails with a picture:\n\n![[red.png|300]]\n\n![[people/Alice#Role]]\n\n- item one\n- item two ^item-2\n",
    )
    p.write(
        "people/Alice.md",
        "# Alice\n\nAlice is our lead. Say [[Hello]] to the [[Welcome|welcome note]].\n\n## Role\n\nShe leads the ==design== team, see [[#Loop]].\n\n## Loop\n\n![[Bob]]\n",
    )
    p.write("people/Bob.md", "# Bob\n\nBob embeds Alice's loop:\n\n![[Alice#Loop]]\n")


@pytest.fixture(scope="module")
def vault(tmp_path_factory):
    p = Project(tmp_path_factory.mktemp("vault"))
    write_vault(p)
    runs = {command: p.run(command) for command in ("pdf", "slides")}
    for r in runs.values():
        assert_clean(r)
    return p, runs


def _page_texts(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(page.extract_text().split()) for page in PdfReader(str(pdf)).pages]


def test_pdf_has_none_of_the_syntax_and_no_front_matter(vault):
    p, _runs = vault
    text = p.pdf_text()
    for syntax in (
        "[[",
        "![[",
        "==",
        "%%",
        "^key",
        "^item",
        "{.",
        "hidden comment",
        "multi-line",
        "aliases",
        "tags:",
        "title:",
    ):
        assert syntax not in text, syntax
    # The front matter's `title:` names the chapter (in the contents, the running head
    # and over the chapter); the block itself is not printed.
    assert "Welcome page" in text
    assert "very important" in text and "#tag" in text and "a visible end" in text


def test_wikilinks_are_internal_links_to_the_target_page(vault):
    from pypdf import PdfReader

    p, _runs = vault
    reader = PdfReader(str(p.pdf))
    pages = _page_texts(p.pdf)
    welcome = next(i for i, t in enumerate(pages) if "This is very important" in t)
    alice = next(i for i, t in enumerate(pages) if "Alice is our lead" in t)
    vault_page = next(i for i, t in enumerate(pages) if "Start at Welcome" in t)
    page_of = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    targets = set()
    for annot in reader.pages[vault_page].get("/Annots") or []:
        annot = annot.get_object()
        dest = annot.get("/Dest")
        if annot.get("/Subtype") == "/Link" and dest is not None:
            dest = reader.named_destinations[str(dest)].page if isinstance(dest, str) else dest[0]
            targets.add(page_of[dest.idnum] if hasattr(dest, "idnum") else page_of[dest.indirect_reference.idnum])
    assert {welcome, alice} <= targets


def test_broken_wikilink_and_cycle_are_reported_once(vault):
    _p, runs = vault
    out = runs["pdf"].output
    assert re.search(
        r"index\.md:5:16: warning\[broken-link\]: link `\[\[Alise\]\]` goes nowhere \(did you mean `\[\[Alice\]\]`\?\)",
        out,
    ), out
    assert out.count("[embed-cycle]") == 1, out
    assert "broken-anchor" not in out, out


def test_transclusion_puts_the_section_in_place(vault):
    p, _runs = vault
    pages = _page_texts(p.pdf)
    welcome = next(t for t in pages if "This is very important" in t)
    assert "She leads the design team" in welcome
    assert (
        welcome.index("Details with a picture") < welcome.index("She leads the design team") < welcome.index("item one")
    )


def test_picture_embed_is_drawn_at_its_width(vault):
    p, _runs = vault
    listing = subprocess.run(["pdfimages", "-list", str(p.pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:]]
    [row] = [r for r in rows if r[3:5] == ["600", "400"]]
    assert int(row[12]) == 192  # 600 px shown 300 CSS px wide: 600 / (300 / 96) ppi


def test_slides_link_wikilinks_and_highlight(vault):
    from pptx import Presentation
    from pptx.oxml.ns import qn

    p, _runs = vault
    highlighted, links = [], []
    for deck in p.decks():
        prs = Presentation(str(deck))
        for slide in prs.slides:
            for shape in slide.shapes:
                if not shape.has_text_frame:
                    continue
                for para in shape.text_frame.paragraphs:
                    for r in para.runs:
                        rPr = r._r.find(qn("a:rPr"))
                        if rPr is None:
                            continue
                        if rPr.find(qn("a:highlight")) is not None:
                            highlighted.append(r.text)
                        click = rPr.find(qn("a:hlinkClick"))
                        if click is not None:
                            links.append(
                                (
                                    deck.name,
                                    r.text,
                                    click.get("action"),
                                    slide.part.rels[click.get(qn("r:id"))].target_ref,
                                )
                            )
    assert "design" in highlighted
    names = {d.name for d in p.decks()}
    # In Welcome's deck, the embedded section links to Alice's Loop: another deck's file.
    assert any(target in names and target != deck for deck, _text, _action, target in links), links
    # In Alice's Role deck, a link to the Loop heading of the same note: another deck too;
    # a link inside the same deck is a slide jump.
    for _deck, _text, action, target in links:
        if target.endswith(".xml"):
            assert action == "ppaction://hlinksldjump"
    with zipfile.ZipFile(p.decks()[0]) as z:
        assert "==" not in z.read("ppt/slides/slide2.xml").decode()


def test_slide_jump_within_a_deck(tmp_path):
    from pptx import Presentation
    from pptx.oxml.ns import qn

    p = Project(tmp_path)
    p.config("slides:\n  topic: note\n")
    p.write("index.md", "# Home\n\nGo to [[Topic]].\n")
    p.write(
        "Topic.md",
        "# Topic\n\n## First\n\nSee [[#Second]] below, ==marked==.\n\n## Second\n\nThe end. Back to [[index|home]].\n",
    )
    r = p.run("slides")
    assert_clean(r)
    [deck] = [d for d in p.decks() if "topic" in d.name]
    prs = Presentation(str(deck))
    titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in prs.slides]
    found = {}
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                for para in shape.text_frame.paragraphs:
                    for run in para.runs:
                        click = run._r.find(qn("a:rPr")).find(qn("a:hlinkClick"))
                        if click is not None:
                            found[run.text] = (click.get("action"), slide.part.rels[click.get(qn("r:id"))])
    action, rel = found["Second"]
    assert action == "ppaction://hlinksldjump"
    assert titles[list(prs.slides).index(next(s for s in prs.slides if s.part is rel.target_part))] == "Second"
    action, rel = found["home"]
    assert rel.is_external and rel.target_ref.endswith("-home.pptx")


@pytest.mark.slow
def test_rebuild_follows_a_change_in_the_embedded_note_only(tmp_path):
    p = Project(tmp_path)
    write_vault(p)
    assert_clean(p.run("pdf"))
    alice = p.notes / "people" / "Alice.md"
    alice.write_text(alice.read_text().replace("She leads the ==design== team", "She now runs the ==research== group"))
    assert_clean(p.run("pdf"))
    welcome = next(t for t in _page_texts(p.pdf) if "This is very important" in t)
    assert "She now runs the research group" in welcome


@pytest.mark.slow
def test_mkdocs_snippets_in_text_and_in_code(tmp_path):
    p = Project(tmp_path)
    p.write(
        "index.md",
        '# Site\n\nBefore.\n\n--8<-- "notes/includes/abbr.md"\n\n```python\n--8<-- "notes/includes/example.py"\n```\n\n--8<-- "../secret.md"\n\nAfter.\n',
    )
    p.write("includes/abbr.md", "Snippet text **here**.\n")
    p.write("includes/example.py", "def example():\n    return 42\n")
    (tmp_path / "secret.md").write_text("SECRET-OUTSIDE\n")
    r = p.run("pdf")
    assert_clean(r)
    text = p.pdf_text()
    assert "Snippet text here." in text and "return 42" in text
    assert "SECRET-OUTSIDE" not in text and "--8<--" in text  # the line kept, as it was
    assert re.search(r"index\.md:11:1: warning\[snippet-outside\]", r.output), r.output


# --- properties -----------------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

OBSIDIAN_PIECES = st.sampled_from(
    [
        "[[",
        "]]",
        "![[",
        "|",
        "#",
        "^",
        "^id",
        "==",
        "%%",
        "\n",
        "\n\n",
        " ",
        "`",
        "```\n",
        "$",
        "---\n",
        "--8<-- ",
        '"',
        "Note",
        "pic.png",
        "paper.pdf",
        "Other Note",
        "a/",
        "\\",
        "[",
        "]",
        "{",
        "}",
        "x",
        "- ",
        "| a |",
        "300x200",
        ";",
        "shared/snippet.md",
        "Example Alias",
    ]
)
OBSIDIANISH = st.lists(st.one_of(OBSIDIAN_PIECES, st.text(max_size=4)), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OBSIDIANISH)
def test_obsidian_and_snippet_fixers_are_idempotent_and_keep_lines(text):
    text = text.replace("\r", "")
    for fixer in (obsidian, snippets):
        out, found = fixer.fix(text, ctx())
        assert out.count("\n") == text.count("\n")
        assert all(d.line >= 1 and d.col >= 1 for d in found)
        assert fixer.fix(out, ctx())[0] == out
    once, _ = normalize(text, ctx())
    assert normalize(once, ctx())[0] == once
