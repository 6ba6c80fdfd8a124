from pathlib import Path

from notebook_publish.normalize import images, links
from notebook_publish.normalize.context import NoteContext
from notebook_publish.normalize.resolve import strip_notion_id
from notebook_publish.notes import list_files


def ctx_for(book_dir: Path, note: str) -> NoteContext:
    media = (book_dir / "media").resolve()
    return NoteContext(
        path=(book_dir / note).resolve(),
        notes_dir=book_dir.resolve(),
        media_dirs=(media,),
        files=list_files([book_dir, media]),
    )


def test_strip_notion_id():
    assert strip_notion_id("Page 1b505834c0de80378ee9cfc97356b605.md") == "Page.md"
    assert strip_notion_id("image_1b505834-30de-8037-bee9-cfc97356b605.png") == "image.png"
    assert strip_notion_id("plain-name.md") == "plain-name.md"


def test_images_resolve_in_order(book_dir):
    text = (
        "![Image](diagram.png)\n"  # found in media/, default alt dropped
        "![Diagram](media/Diagram.PNG)\n"  # case mismatch
        "![A photo](photo.png)\n"  # file has a Notion id
        "![Figure](sub/Local%20Figure.png)\n"  # percent-encoded, beside the note
        "![Lost](diagramm.png)\n"
    )
    out, diagnostics = images.fix(text, ctx_for(book_dir, "intro.md"))
    lines = out.split("\n")
    assert lines[0] == "![](media/diagram.png)"
    assert lines[1] == "![Diagram](media/diagram.png)"
    assert lines[2] == "![A photo](media/photo_1b505834-30de-8037-bee9-cfc97356b605.png)"
    assert lines[3] == "![Figure](<sub/Local Figure.png>)"
    assert lines[4] == "![Lost](diagramm.png){.missing-image}"
    [missing] = diagnostics
    assert (missing.code, missing.line, missing.col) == ("missing-image", 5, 1)
    assert "media/diagram.png" in missing.hint


def test_images_never_resolve_outside_the_notes(book_dir, tmp_path):
    (tmp_path / "secret.png").write_bytes(b"x")
    text = "![a](../secret.png)\n![b](/etc/passwd)\n![c](file:///etc/passwd)\n![d](http://127.0.0.1:9/x.png)"
    out, diagnostics = images.fix(text, ctx_for(book_dir, "intro.md"))
    assert out.count("{.missing-image}") == 4
    assert [d.code for d in diagnostics] == ["missing-image", "missing-image", "remote-image", "remote-image"]


def test_image_fix_is_idempotent(book_dir):
    ctx = ctx_for(book_dir, "intro.md")
    once, _ = images.fix("![Image](nothing.png) and ![x](diagram.png)", ctx)
    twice, _ = images.fix(once, ctx)
    assert once == twice


def test_links_resolve_notes(book_dir):
    text = (
        "[a](intro.md)\n"
        "[b](Deep%20Dive%201b505834c0de80378ee9cfc97356b605.md)\n"
        "[c](<Deep Dive.md>)\n"
        "[d](guide.md#guide-heading)\n"
        "[e](nowhere.md)\n"
        "[f](https://example.com/x.md)\n"
        "[g](#local)\n"
    )
    out, diagnostics = links.fix(text, ctx_for(book_dir, "SUMMARY.md"))
    lines = out.split("\n")
    assert lines[0] == "[a](intro.md)"
    assert lines[1] == "[b](<Deep Dive 1b505834c0de80378ee9cfc97356b605.md>)"
    assert lines[2] == "[c](<Deep Dive 1b505834c0de80378ee9cfc97356b605.md>)"
    assert lines[3] == "[d](Guide.md#guide-heading)"
    assert lines[4] == "[e](nowhere.md){.broken-link}"
    assert lines[5:7] == ["[f](https://example.com/x.md)", "[g](#local)"]
    [broken] = diagnostics
    assert (broken.code, broken.line) == ("broken-link", 5)


def test_broken_link_suggests_a_close_name(book_dir):
    _, [d] = links.fix("[x](gide.md)", ctx_for(book_dir, "SUMMARY.md"))
    assert "Guide.md" in d.hint


def test_links_inside_code_are_left_alone(book_dir):
    text = "`[x](nowhere.md)`\n```\n[y](nowhere.md)\n```"
    out, diagnostics = links.fix(text, ctx_for(book_dir, "SUMMARY.md"))
    assert out == text and diagnostics == []
