"""Jekyll notes: Liquid includes and tags, kramdown attribute lists.

The fixers are checked on their own (what text pandoc will read, which diagnostics at
which line and column), then a Jekyll post goes through the real command line: the
PDF has the pictures with their captions, the side notes as footnotes, the code block,
and none of `{%`, `{{`, `{:`; the deck shows the same.
"""

from __future__ import annotations

import re
from pathlib import Path

import pypandoc
import pytest

from notebook_publish.normalize import kramdown, liquid, normalize
from notebook_publish.normalize.context import NoteContext
from notebook_publish.pandoc.process import READER
from publish_harness import Project, assert_clean, png_bytes

NOTES = Path("/nonexistent/site")
POST = NOTES / "_posts" / "2020-01-01-post.md"
FILES = frozenset(
    {
        POST,
        NOTES / "_posts" / "2019-05-05-other.md",
        NOTES / "about.md",
        NOTES / "assets" / "img" / "rhino.png",
        NOTES / "assets" / "img" / "my pic.png",
    }
)


def ctx(flavours=None) -> NoteContext:
    kwargs = {} if flavours is None else {"flavours": frozenset(flavours)}
    return NoteContext(path=POST, notes_dir=NOTES, files=FILES, **kwargs)


def run_liquid(text: str, flavours=None):
    out, found = liquid.fix(text, ctx(flavours))
    assert out.count("\n") == text.count("\n")
    again, _ = liquid.fix(out, ctx(flavours))
    assert again == out, "not idempotent"
    return out, found


def ast(text: str) -> list:
    import json

    return json.loads(pypandoc.convert_text(text, "json", format=READER))["blocks"]


# --- pictures --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        '{% include figure.html url="/assets/img/rhino.png" description="A rhino" %}',
        "{% include figure.html url='/assets/img/rhino.png' caption='A rhino' %}",
        '{% include image.html file=/assets/img/rhino.png alt="A rhino" %}',
        '{% include figure image_path="/assets/img/rhino.png" alt="x" caption="A rhino" %}',
        '{% include figure.liquid path="assets/img/rhino.png" title="A rhino" class="img-fluid" %}',
        '{% include maincolumn_img.html src="{{ site.baseurl }}/assets/img/rhino.png" description="A rhino" %}',
        '{%- include marginfigure.html id="mf" url="{{ "/assets/img/rhino.png" | relative_url }}" description="A rhino" -%}',
        "{% marginfigure 'mf-id-1' 'assets/img/rhino.png' 'A rhino' %}",
        "{% maincolumn 'assets/img/rhino.png' 'A rhino' %}",
        "{% fullwidth 'assets/img/rhino.png' \"A rhino\" %}",
    ],
)
def test_a_picture_tag_becomes_the_image_with_its_caption(tag):
    out, found = run_liquid(f"Before.\n\n{tag}\n\nAfter.\n")
    assert (
        out.split("\n")[2] == "![A rhino](/assets/img/rhino.png)"
        or out.split("\n")[2] == "![A rhino](assets/img/rhino.png)"
    )
    assert [(d.code, d.line, d.col) for d in found] == [("jekyll-syntax", 3, 1)]
    # The images fixer then finds the file from the post's folder, and pandoc makes it a figure.
    text, diagnostics = normalize(f"Before.\n\n{tag}\n\nAfter.\n", ctx())
    assert "![A rhino](../assets/img/rhino.png)" in text
    assert not [d for d in diagnostics if d.severity > 0]


def test_picture_paths_with_spaces_and_captions_with_markup():
    out, _ = run_liquid(
        '{% include figure.html url="/assets/img/my pic.png" caption="A [linked](http://x.org) *rhino*" %}\n'
    )
    assert out == "![A [linked](http://x.org) *rhino*](</assets/img/my pic.png>)\n"
    [para] = ast(out)
    image = para["c"][0]
    assert image["t"] == "Image" and image["c"][2][0] == "/assets/img/my pic.png"
    out, _ = run_liquid('{% include figure.html url="/assets/img/rhino.png" caption="Unbalanced ] bracket" %}\n')
    assert out == "![Unbalanced \\] bracket](/assets/img/rhino.png)\n"


def test_a_picture_include_naming_a_variable_is_reported():
    out, found = run_liquid("{% include figure.html image=page.header.image %}\n")
    assert out == "\n" and [(d.code, d.line, d.col) for d in found] == [("unsupported-syntax", 1, 1)]


def test_a_tag_over_several_lines_keeps_the_line_count():
    text = '{% include figure.html\n   url="/assets/img/rhino.png"\n   caption="A rhino" %}\nAfter {{ page.title }}.\n'
    out, found = run_liquid(text)
    assert out == "![A rhino](/assets/img/rhino.png)\n\n\nAfter .\n"
    assert [(d.code, d.line, d.col) for d in found] == [("jekyll-syntax", 1, 1), ("unsupported-syntax", 4, 7)]


# --- text ------------------------------------------------------------------------------


def test_side_and_margin_notes_become_footnotes():
    text = (
        "Tufte{% sidenote 'sn-1' 'A side note with a [link](http://x.org).' %} and"
        " {% include marginnote.html id=\"mn-1\" note=\"A margin note.\" %} and {% marginnote 'mn' 'Another' %}.\n"
    )
    out, found = run_liquid(text)
    assert out == (
        "Tufte[A side note with a [link](http://x.org).]{.inline-note} and [A margin note.]{.inline-note} and [Another]{.inline-note}.\n"
    )
    assert [d.code for d in found] == ["jekyll-syntax"] * 3
    from notebook_publish.pandoc.ast import make_inline_notes

    blocks = ast(out)
    assert make_inline_notes(blocks) == 3
    notes = [i for i in blocks[0]["c"] if i["t"] == "Note"]
    assert len(notes) == 3 and any(i["t"] == "Link" for i in notes[0]["c"][0]["c"])


def test_newthought_epigraph_and_includes_that_carry_text():
    out, _ = run_liquid("{% newthought 'In his later books' %} Tufte wrote.\n")
    assert out == "[In his later books]{.smallcaps} Tufte wrote.\n"
    assert ast(out)[0]["c"][0]["c"][0][1] == ["smallcaps"]  # a span the writers set in small capitals
    out, _ = run_liquid("{% epigraph 'No ideas but in things.' 'William Carlos Williams' 'Paterson' %}\n")
    assert out == "No ideas but in things. — William Carlos Williams, Paterson\n"
    out, found = run_liquid('{% include note.html content="Remember to **save**." %}\n')
    assert out == "Remember to **save**.\n" and found[0].code == "jekyll-syntax"


# --- blocks ----------------------------------------------------------------------------


def test_highlight_becomes_a_fenced_code_block_in_its_language():
    text = 'Code:\n\n{% highlight ruby linenos %}\ndef f\n  "{{ x }}" # {% raw %}\nend\n```\n{% endhighlight %}\n\nAfter.\n'
    out, found = run_liquid(text)
    assert out == 'Code:\n\n````ruby\ndef f\n  "{{ x }}" # {% raw %}\nend\n```\n````\n\nAfter.\n'
    code = ast(out)[1]
    assert code["t"] == "CodeBlock" and code["c"][0][1] == ["ruby"] and code["c"][1].startswith("def f\n")
    assert [d.code for d in found] == ["jekyll-syntax"]


def test_highlight_in_a_list_keeps_its_indent():
    out, _ = run_liquid("- item\n\n  {% highlight python %}\n  x = 1\n  {% endhighlight %}\n")
    assert out == "- item\n\n  ```python\n  x = 1\n  ```\n"


def test_raw_keeps_its_content_as_typed_and_comments_go():
    text = "{% raw %}Use {{ page.title }} or {% if x %}.{% endraw %}\n\n{% comment %}\nsecret {{ x }}\n{% endcomment %}\nEnd.\n"
    out, found = run_liquid(text)
    assert "secret" not in out and out.endswith("\n\n\nEnd.\n")
    plain = pypandoc.convert_text(out, "plain", format=READER)
    assert "Use {{ page.title }} or {% if x %}." in plain
    assert all(d.severity == 0 for d in found)  # nothing was lost


def test_other_tags_and_outputs_are_removed_with_a_warning_at_their_place():
    text = "# T\n\n{% if page.x %}\nKept {{ page.title | upcase }} text.\n{% endif %}\n{% for p in site.posts %}{{ p.title }}{% endfor %}\n"
    out, found = run_liquid(text)
    assert out == "# T\n\n\nKept  text.\n\n\n"
    assert [(d.code, d.line, d.col) for d in found] == [
        ("unsupported-syntax", 3, 1),
        ("unsupported-syntax", 4, 6),
        ("unsupported-syntax", 5, 1),
        ("unsupported-syntax", 6, 1),
        ("unsupported-syntax", 6, 26),
        ("unsupported-syntax", 6, 39),
    ]
    assert "{% if page.x %}" in found[0].message and "Jekyll" in found[0].hint


def test_site_prefixes_in_paths_go_silently_and_links_to_posts_resolve():
    text = (
        '![A]({{ site.baseurl }}/assets/img/rhino.png) and <img src="{{ site.url }}{{ site.baseurl }}/assets/img/rhino.png">\n'
        "[Other]({% post_url 2019-05-05-other %}), [About]({{ site.baseurl }}{% link about.md %}), "
        "[Again]({{ '/about.md' | relative_url }})\n"
    )
    out, found = run_liquid(text)
    assert out == (
        '![A](/assets/img/rhino.png) and <img src="/assets/img/rhino.png">\n'
        "[Other](2019-05-05-other), [About](/about.md), [Again](/about.md)\n"
    )
    assert found == []
    text, diagnostics = normalize(text, ctx())
    assert "[Other](2019-05-05-other.md)" in text and "[About](../about.md)" in text
    assert not [d for d in diagnostics if d.code in ("broken-link", "missing-image")]


def test_code_math_and_front_matter_are_left_alone():
    text = '---\ntitle: "{{ x }}"\n---\n\n`{% include a.html %}` $x_{%}$ and\n\n```\n{{ y }}\n```\n\n    {% z %}\n'
    assert run_liquid(text) == (text, [])


def test_gitbook_blocks_are_left_to_gitbook_and_the_flavour_can_be_off():
    text = '{% hint style="info" %}\nText\n{% endhint %}\n'
    assert run_liquid(text) == (text, [])
    assert run_liquid("{% if x %}", flavours={"obsidian"}) == ("{% if x %}", [])


# --- kramdown --------------------------------------------------------------------------


def run_kramdown(text: str):
    out, found = kramdown.fix(text, ctx())
    assert out.count("\n") == text.count("\n")
    assert kramdown.fix(out, ctx())[0] == out, "not idempotent"
    return out, found


def test_block_attribute_lists_go_onto_headings_and_images():
    text = "## Setup ##\n{: #custom-id .no_toc}\n\nTitle\n=====\n{:#other}\n\n![A](a.png)\n{: .center width=\"50%\" style='x'}\n\n{: #before}\n## Next\n"
    out, found = run_kramdown(text)
    assert out == (
        "## Setup {#custom-id .no_toc}\n\n\nTitle {#other}\n=====\n\n\n"
        '![A](a.png){.center width="50%" style="x"}\n\n\n\n## Next {#before}\n'
    )
    blocks = ast(out)
    assert blocks[0]["c"][1][0] == "custom-id" and blocks[1]["c"][1][0] == "other" and blocks[3]["c"][1][0] == "before"
    image = blocks[2]["c"][0]
    assert image["t"] == "Image" and image["c"][0] == ["", ["center"], [["width", "50%"], ["style", "x"]]]
    assert all(d.code == "jekyll-syntax" for d in found) and len(found) == 4


def test_other_attribute_lists_are_dropped_without_a_trace():
    text = (
        'A paragraph.\n{: .note}\n\n> Quoted.\n> {: .q}\n\n*red*{: .red} and [link](http://x.org){:target="_blank"} end {: .x}\n'
        "![A](a.png){: .c}\n\n{:ref: .class}\n\n* TOC\n{:toc}\n\n{::comment}\nhidden\n{:/comment}\n{::nomarkdown}<b>x</b>{:/nomarkdown}\n"
        '{::options parse_block_html="true" /}\n'
    )
    out, found = run_kramdown(text)
    assert "{:" not in out and "hidden" not in out and "TOC" not in out
    assert "*red* and [link](http://x.org) end\n![A](a.png){.c}" in out and "<b>x</b>" in out
    assert "> Quoted.\n>\n" in out
    assert all(d.code == "jekyll-syntax" for d in found)


# --- through the command line ----------------------------------------------------------

POST_TEXT = """---
layout: post
title: A Tufte post
---

# A Tufte post

{% newthought 'In his later books' %} Tufte wrote{% sidenote 'sn-1' 'SIDENOTE-TEXT about notes.' %} in the margin.{% include marginnote.html id="mn-1" note="MARGINNOTE-TEXT here." %}

## Figures
{: #figures}

{% include figure.html url="{{ site.baseurl }}/assets/img/rhino.png" description="RHINO-CAPTION" %}

{% marginfigure 'mf-1' 'assets/img/margin.png' 'MARGIN-CAPTION' %}

![KRAMDOWN-CAPTION]({{ "/assets/img/kram.png" | relative_url }})
{: .center width="80%"}

## Code

{% highlight python %}
def greet(name):
    return "hi " + name
{% endhighlight %}

{% if page.draft %}DRAFT-TEXT kept.{% endif %} See [the figures](#figures).
"""


@pytest.mark.slow
def test_a_jekyll_post_through_the_command_line(tmp_path):
    project = Project(tmp_path / "site")
    project.write("index.md", "# Site\n\n- [A Tufte post](_posts/2020-01-01-tufte.md)\n")
    project.write("_posts/2020-01-01-tufte.md", POST_TEXT)
    for name, size in (("rhino.png", (200, 120)), ("margin.png", (210, 120)), ("kram.png", (220, 120))):
        (project.notes / "assets" / "img").mkdir(parents=True, exist_ok=True)
        (project.notes / "assets" / "img" / name).write_bytes(png_bytes(*size))
    project.config("title: Site\nnotes: notes\nmedia: []\n")
    runs = project.run_all()
    for run in runs.values():
        assert_clean(run)
    # Only the `{% if %}` and `{% endif %}` tags are reported, at their line and column:
    # no missing image, and no broken anchor (the heading kept its kramdown id `#figures`).
    for run in runs.values():
        warnings = re.findall(r"^(\S+):(\d+):(\d+): warning\[([\w-]+)\]", run.output, re.M)
        assert [(w[1], w[2], w[3]) for w in warnings] == [
            ("27", "1", "unsupported-syntax"),
            ("27", "36", "unsupported-syntax"),
        ], run

    text = project.pdf_text()
    for syntax in ("{%", "{{", "{:", "%}", "}}"):
        assert syntax not in text
    for words in (
        "RHINO-CAPTION",
        "MARGIN-CAPTION",
        "KRAMDOWN-CAPTION",
        "SIDENOTE-TEXT about notes.",
        "MARGINNOTE-TEXT here.",
        "DRAFT-TEXT kept.",
        'return "hi " + name',
    ):
        assert words in text, words
    assert "In his later books" in text or "IN HIS LATER BOOKS" in text
    assert sorted(project.pdf_images()) == [(200, 120), (210, 120), (220, 120)]
    # The footnotes are at the foot of the page, numbered, not in the line.
    assert re.search(r"Tufte wrote1 in the margin\.2", text), text
    # The deck of "Figures" has the three pictures and their captions; "Code" its code.
    xml = project.deck_xml()
    for syntax in ("{%", "{{", "{:"):
        assert syntax not in xml
    for words in ("RHINO-CAPTION", "MARGIN-CAPTION", "KRAMDOWN-CAPTION", "greet", "DRAFT-TEXT kept."):
        assert words in xml, words
    from publish_harness import image_sizes

    assert sorted(image_sizes(project.deck_media())) == [(200, 120), (210, 120), (220, 120)]
