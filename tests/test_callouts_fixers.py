"""The box fixers: every flavour's callouts, admonitions, containers and tabs become one
marked shape (a block quote opened by `[Title]{.callout type=...}`, a paragraph opened
by `[Label]{.tab-label}`), and what pandoc makes of it is read back as the writers do."""

from __future__ import annotations

import dataclasses
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notebook_publish.callouts import read_callout, tab_sections
from notebook_publish.normalize import gitbook_blocks, mkdocs_blocks, normalize, quote_callouts, vitepress_blocks
from notebook_publish.normalize.boxes import MAX_BOX_DEPTH
from notebook_publish.normalize.context import context_for_text
from notebook_publish.pandoc.ast import plain_text, walk_blocks
from notebook_publish.pandoc.parse import MAX_QUOTE_NESTING, parse_markdown

CTX = context_for_text("/tmp/notes/note.md")
BOX_FIXERS = (mkdocs_blocks, vitepress_blocks, gitbook_blocks, quote_callouts)


def only(*flavours: str):
    return dataclasses.replace(CTX, flavours=frozenset(flavours))


def norm(text: str, ctx=CTX) -> tuple[str, list]:
    out, diagnostics = normalize(text, ctx)
    assert out.count("\n") == text.count("\n"), "a fixer changed the number of lines"
    assert normalize(out, ctx)[0] == out, "normalising twice differs from once"
    return out, diagnostics


def callouts_of(text: str, ctx=CTX) -> list:
    """(type, family, title or label, fold, untitled, body text) of each callout, outer first."""
    ast = parse_markdown(norm(text, ctx)[0])
    found = []
    for block in walk_blocks(ast["blocks"]):
        callout = read_callout(block)
        if callout is not None:
            body = " ".join(
                plain_text(b["c"]) if b["t"] in ("Para", "Plain") else b["t"]
                for b in callout.body
                if b["t"] not in ("BlockQuote",)
            )
            found.append(
                (callout.kind, callout.family, plain_text(callout.heading), callout.fold, callout.untitled, body)
            )
    return found


def labels_of(text: str, ctx=CTX) -> list:
    ast = parse_markdown(norm(text, ctx)[0])
    out = []
    for block in walk_blocks(ast["blocks"]):
        if block["t"] in ("Para", "Plain"):
            for label, rest in tab_sections(block["c"]) or ():
                out.append((plain_text(label) if label is not None else None, plain_text(rest)))
    return out


# --- Obsidian and GitHub ---------------------------------------------------------------


def test_obsidian_callout_with_title_fold_and_nesting():
    text = "> [!Example]- Folded *title*\n> Body **bold**.\n> > [!todo]\n> > Inner body.\n"
    assert callouts_of(text) == [
        ("example", "example", "Folded title", "closed", False, "Body bold."),
        ("todo", "todo", "Todo", "", False, "Inner body."),
    ]


@pytest.mark.parametrize(
    "kind,family",
    [
        ("note", "note"),
        ("abstract", "abstract"),
        ("summary", "abstract"),
        ("TLDR", "abstract"),
        ("info", "info"),
        ("todo", "todo"),
        ("tip", "tip"),
        ("hint", "tip"),
        ("important", "tip"),
        ("success", "success"),
        ("check", "success"),
        ("done", "success"),
        ("question", "question"),
        ("help", "question"),
        ("faq", "question"),
        ("warning", "warning"),
        ("caution", "warning"),
        ("attention", "warning"),
        ("failure", "failure"),
        ("fail", "failure"),
        ("missing", "failure"),
        ("danger", "danger"),
        ("error", "danger"),
        ("bug", "bug"),
        ("example", "example"),
        ("quote", "quote"),
        ("cite", "quote"),
        ("my-type", "note"),
    ],
)
def test_every_obsidian_type_and_alias_has_its_family(kind, family):
    assert callouts_of(f"> [!{kind}]+\n> Body.\n") == [
        (kind.lower(), family, kind[0].upper() + kind[1:].lower(), "open", False, "Body.")
    ]


def test_github_alerts_with_and_without_a_title_read_like_obsidian_callouts():
    assert callouts_of("> [!NOTE]\n> Useful.\n") == [("note", "note", "Note", "", False, "Useful.")]
    assert callouts_of("> [!TIP] My tip\n> Advice.\n") == [("tip", "tip", "My tip", "", False, "Advice.")]
    # with only the github flavour, the five alerts still convert; Obsidian's types do not
    github = only("github")
    assert callouts_of("> [!WARNING] Careful\n> Hot.\n", github) == [
        ("warning", "warning", "Careful", "", False, "Hot.")
    ]
    assert norm("> [!example] X\n> Body.\n", github)[0] == "> [!example] X\n> Body.\n"


def test_pandocs_own_alert_reading_is_a_callout_too():
    # no flavour on: pandoc's gfm `alerts` still makes a Div of it, which reads the same
    assert callouts_of("> [!CAUTION]\n> Risky.\n", only()) == [("caution", "warning", "Caution", "", False, "Risky.")]


def test_obsidian_metadata_after_the_type_is_dropped():
    assert callouts_of("> [!tip|wide] Wide tip\n> body\n") == [("tip", "tip", "Wide tip", "", False, "body")]


def test_pandoc_divs_of_a_callout_type_are_callouts():
    ast = parse_markdown(norm('::: {#careful .warning title="Careful"}\nBody.\n:::\n\n::: aside\nAside.\n:::\n')[0])
    first, second = (read_callout(b) for b in ast["blocks"])
    assert (first.family, plain_text(first.heading), first.ident) == ("warning", "Careful", "careful")
    assert second.untitled and second.family == "note"


def test_only_the_first_line_of_a_quote_opens_a_callout():
    text = "> Some text\n> [!note] not a callout\n"
    assert norm(text)[0] == text
    assert norm("> text\nlazy line\n> [!note] still the same quote\n")[0].endswith("> [!note] still the same quote\n")
    assert callouts_of("> text\n\n> [!note] A new quote\n> body\n") == [
        ("note", "note", "A new quote", "", False, "body")
    ]


def test_callouts_in_code_are_left_alone():
    for text in (
        "```\n> [!note] x\n```\n",
        "> ```\n> [!note] x\n> ```\n",
        "~~~md\n{% hint %}\n!!! note\n::: tip\n~~~\n",
    ):
        assert norm(text)[0] == text


def test_a_body_that_starts_with_a_table_keeps_its_table():
    text = "> [!info] Figures\n> | a | b |\n> |---|---|\n> | 1 | 2 |\n"
    ast = parse_markdown(norm(text)[0])
    callout = read_callout(ast["blocks"][0])
    assert plain_text(callout.heading) == "Figures" and [b["t"] for b in callout.body] == ["Table"]


def test_titles_with_brackets_stay_text():
    assert callouts_of("> [!note] a ] b [ c\n> body\n")[0][2] == "a ] b [ c"
    assert callouts_of("> [!note] ends with \\\n> body\n")[0][2].startswith("ends with")


# --- GitBook -----------------------------------------------------------------------------


def test_gitbook_hints_become_callouts_keeping_lines():
    text = '{% hint style="warning" %}\nCareful **now**.\n\n- item\n{% endhint %}\nAfter.\n'
    out, diagnostics = norm(text)
    assert not diagnostics and "{%" not in out
    assert callouts_of(text) == [("warning", "warning", "Warning", "", False, "Careful now. BulletList")]
    for style, family in (("info", "info"), ("success", "success"), ("danger", "danger")):
        assert callouts_of(f'{{% hint style="{style}" %}}\nBody.\n{{% endhint %}}\n')[0][1] == family


def test_gitbook_tabs_code_and_embed():
    text = (
        '{% tabs %}\n{% tab title="Windows" %}\nRun it.\n{% endtab %}\n{% tab title="Linux" %}\n```sh\n./run\n```\n{% endtab %}\n{% endtabs %}\n\n'
        '{% code title="hello.py" lineNumbers="true" %}\n```python\nprint(1)\n```\n{% endcode %}\n\n{% embed url="https://example.com/v" %}\n'
    )
    out, diagnostics = norm(text)
    assert not diagnostics and "{%" not in out
    assert labels_of(text) == [("Windows", "Run it."), ("Linux", "")]
    ast = parse_markdown(out)
    codes = [b["c"] for b in walk_blocks(ast["blocks"]) if b["t"] == "CodeBlock"]
    assert codes[1][0][1] == ["python"] and dict(codes[1][0][2])["title"] == "hello.py"
    links = [i for b in walk_blocks(ast["blocks"]) if b["t"] == "Para" for i in b["c"] if i["t"] == "Link"]
    assert links[0]["c"][2][0] == "https://example.com/v"


def test_gitbook_malformed_tags_are_reported_at_their_line():
    out, diagnostics = norm('Intro.\n\n{% hint style="info" %}\nNever closed.\n')
    assert [(d.code, d.line) for d in diagnostics] == [("unclosed-container", 3)]
    assert "{%" not in out
    out, diagnostics = norm("Text.\n{% endhint %}\n")
    assert [(d.code, d.line) for d in diagnostics] == [("stray-container-end", 2)]
    assert "{%" not in out
    _out, diagnostics = norm(
        '{% tabs %}\n{% tab title="A" %}\na\n{% tab title="B" %}\nb\n{% endtab %}\n{% endtabs %}\n'
    )
    assert [(d.code, d.line) for d in diagnostics] == [("unclosed-container", 2)]


def test_other_liquid_tags_are_not_gitbooks():
    text = "{% include footer.html %}\n{% raw %}x{% endraw %}\n"
    assert norm(text, only("gitbook"))[0] == text


# --- MkDocs --------------------------------------------------------------------------------


def test_mkdocs_admonitions_nest_and_fold():
    text = (
        '!!! note "Phasellus posuere"\n    Body one.\n\n    Body two.\n\n    !!! tip\n        Inner.\n\nOutside.\n\n'
        '??? warning "Collapsed"\n    Folded.\n\n???+ example\n    Open.\n\n!!! info inline end ""\n    No title.\n'
    )
    assert callouts_of(text) == [
        ("note", "note", "Phasellus posuere", "", False, "Body one. Body two."),
        ("tip", "tip", "Tip", "", False, "Inner."),
        ("warning", "warning", "Collapsed", "closed", False, "Folded."),
        ("example", "example", "Example", "open", False, "Open."),
        ("info", "info", "Info", "", True, "No title."),
    ]
    assert "Outside." in plain_text(parse_markdown(norm(text)[0])["blocks"][1]["c"])


def test_mkdocs_admonition_with_code_and_in_a_list():
    text = "- item\n\n    !!! note\n        ```python\n        x = 1\n\n        y = 2\n        ```\n"
    ast = parse_markdown(norm(text)[0])
    item = ast["blocks"][0]["c"][0]
    callout = read_callout(item[1])
    assert callout is not None and callout.body[0]["c"][1] == "x = 1\n\ny = 2"


def test_mkdocs_content_tabs_become_labelled_sections():
    text = '=== "C"\n\n    ```c\n    int x;\n    ```\n\n=== "C++"\n    Plain text.\n=== "Rust"\n    More.\n'
    out, diagnostics = norm(text)
    assert not diagnostics and "===" not in out
    assert labels_of(text) == [("C", ""), ("C++", "Plain text."), ("Rust", "More.")]


def test_an_unindented_admonition_body_is_reported():
    _out, diagnostics = norm("Text.\n\n!!! warning\nNot indented.\n")
    assert [(d.code, d.line) for d in diagnostics] == [("admonition-body", 3)]


def test_indented_code_showing_an_admonition_is_code():
    text = "Example:\n\n    !!! note\n        body\n"
    assert norm(text)[0] == text


# --- VitePress -------------------------------------------------------------------------------


def test_vitepress_containers():
    text = "::: tip\nTip.\n:::\n\n::: warning Custom title\nWarn.\n:::\n\n::: details Click me\nHidden.\n:::\n\n::: danger STOP {#x}\nNo.\n:::\n"
    assert callouts_of(text) == [
        ("tip", "tip", "Tip", "", False, "Tip."),
        ("warning", "warning", "Custom title", "", False, "Warn."),
        ("details", "note", "Click me", "closed", False, "Hidden."),
        ("danger", "danger", "STOP", "", False, "No."),
    ]


def test_vitepress_code_group_and_tabs():
    text = "::: code-group\n```js [config.js]\na\n```\n\n```ts{2} [config.ts]\nb\n```\n:::\n\n:::tabs\n== npm\nnpm i\n== yarn\nyarn add\n:::\n"
    out, diagnostics = norm(text)
    assert not diagnostics and ":::" not in out
    codes = [b["c"][0] for b in walk_blocks(parse_markdown(out)["blocks"]) if b["t"] == "CodeBlock"]
    assert [(c[1], dict(c[2])["title"]) for c in codes] == [(["js"], "config.js"), (["ts"], "config.ts")]
    assert labels_of(text) == [("npm", "npm i"), ("yarn", "yarn add")]


def test_pandoc_fenced_divs_keep_working():
    text = "::: notes\nSpeaker notes.\n:::\n\n:::: {.special #id}\nInside.\n::::\n\n::: tip\nA tip with ::: inside text.\n:::\n"
    out, diagnostics = norm(text)
    assert not diagnostics
    blocks = parse_markdown(out)["blocks"]
    assert [b["t"] for b in blocks] == ["Div", "Div", "BlockQuote"]
    assert blocks[0]["c"][0][1] == ["notes"] and blocks[1]["c"][0] == ["id", ["special"], []]


def test_an_unclosed_vitepress_container_is_reported():
    _out, diagnostics = norm("Text.\n\n::: warning\nNever closed.\n")
    assert [(d.code, d.line) for d in diagnostics] == [("unclosed-container", 3)]


def test_flavours_off_leave_the_syntax_alone():
    text = '!!! note\n    x\n\n::: tip\ny\n:::\n\n{% hint style="info" %}\nz\n{% endhint %}\n\n> [!example]\n> w\n'
    assert norm(text, only("notion"))[0] == text


# --- properties ------------------------------------------------------------------------------

PIECES = st.sampled_from(
    [
        "> ",
        ">",
        "> > ",
        "[!note]",
        "[!TIP]+",
        "[!x]-",
        " Title",
        "!!! note",
        '!!! tip "T"',
        "??? ",
        "???+ bug",
        '=== "A"',
        "    ",
        "\t",
        "::: tip",
        "::: details X",
        ":::",
        "::::",
        "::: code-group",
        ":::tabs",
        "== a",
        "```",
        "```js [a.js]",
        "~~~",
        '{% hint style="info" %}',
        "{% endhint %}",
        "{% tabs %}",
        '{% tab title="x" %}',
        "{% endtab %}",
        "{% endtabs %}",
        '{% code title="c.py" %}',
        "{% endcode %}",
        '{% embed url="http://x" %}',
        "|",
        "| a |",
        ": ",
        "- ",
        "1. ",
        "# ",
        "word",
        "[",
        "]",
        "\\",
        '"',
        "\n",
        "\n",
        "\n\n",
    ]
)
BOXY = st.lists(PIECES, max_size=40).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BOXY)
def test_box_fixers_keep_lines_are_idempotent_and_never_raise(text):
    for fixer in BOX_FIXERS:
        out, diagnostics = fixer.fix(text, CTX)
        assert out.count("\n") == text.count("\n"), fixer.__name__
        assert fixer.fix(out, CTX)[0] == out, fixer.__name__
        assert all(1 <= d.line <= text.count("\n") + 1 for d in diagnostics)
    once, _ = normalize(text, CTX)
    assert normalize(once, CTX)[0] == once


@pytest.mark.slow
def test_boxes_nested_deeper_than_the_reader_keeps_are_left_unboxed_quickly():
    assert MAX_BOX_DEPTH == MAX_QUOTE_NESTING
    for text in (
        "".join("    " * d + "!!! note\n" for d in range(400)),
        "{% hint %}\n" * 3000,
        "::: tip\n" * 3000,
        "".join("> " * d + "[!note]\n" for d in range(1, 3000)),
    ):
        start = time.process_time()
        out, diagnostics = normalize(text, CTX)
        assert time.process_time() - start < 5
        assert out.count("\n") == text.count("\n")
        assert max(line.count(">") for line in out.split("\n")) <= (MAX_BOX_DEPTH if "[!" not in text else 3000)
        if "[!" not in text:
            assert "deep-nesting" in {d.code for d in diagnostics}
