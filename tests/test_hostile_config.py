"""A handbook.yml built to exhaust the machine (an alias bomb, a huge file, deep
nesting, numbers of thousands of digits) is refused quickly, in little memory, with
one short message at the line that caused it.

Before the YAML was loaded with limits, a "billion laughs" under `keywords` took a
minute and 9 GB, and printed 2 GB of error text.
"""

from __future__ import annotations

import re

import pytest

from notebook_publish.config import describe, load_config
from notebook_publish.diagnostics import UsageError
from publish_harness import COMMANDS, Project, assert_clean

ERROR = re.compile(r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>[\w-]+)\]: (?P<text>.*)$", re.M)
MAX_SECONDS = 20  # a normal refusal takes well under a second; the bomb took a minute
MAX_MB = 400  # a normal `pdf` run, fork server included, stays far below; the bomb took 9 GB
MAX_OUTPUT = 600  # characters: one message of a few hundred at most


@pytest.fixture
def project(tmp_path) -> Project:
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n## Topic\n\n- a point\n")
    return project


def bomb(levels: int, width: int, key: str = "keywords", head: str = "title: Bomb\n") -> str:
    """A billion laughs inside `key`: each level a list of `width` aliases of the last."""
    lines = [head.rstrip("\n"), f"{key}:", "  - &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"  - &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    return "\n".join(line for line in lines if line) + "\n"


def refused_everywhere(project: Project, commands=COMMANDS, args: tuple[str, ...] = ()) -> dict:
    """Every command exits 2 with one short error line, fast and in little memory."""
    found = []
    for command in commands:
        run = project.run(command, *args, timeout=90)
        assert_clean(run, (2,))
        assert run.seconds < MAX_SECONDS, str(run)
        assert run.max_rss_mb < MAX_MB, str(run)
        assert len(run.output) < MAX_OUTPUT, str(run)[:2000]
        errors = [m.groupdict() for m in ERROR.finditer(run.stderr)]
        assert len(errors) == 1, str(run)
        assert not project.pdf.exists() and not (project.out / "slides").exists()
        found.append(errors[0])
    assert all(f == found[0] for f in found), found
    return found[0]


def test_an_alias_bomb_past_the_limit_is_refused_at_the_alias(project):
    # 13 levels of 10: 120 aliases, 10^13 strings once written out.
    project.config(bomb(13, 10))
    err = refused_everywhere(project)
    assert err["path"] == "handbook.yml" and err["code"] == "config"
    # Aliases 1-100 are on lines 4-13 (ten each); the 101st opens line 14.
    assert err["line"] == "14" and err["col"] == "11", err  # `  - &l11 [*l10`
    assert "too many YAML aliases (more than 100" in err["text"] and "write the values out" in err["text"]


def test_an_alias_bomb_within_the_limit_is_described_not_printed(project):
    # 9 levels of 9: 72 aliases, under the limit; written out, 387 million strings.
    # What it got is said in a few words, never expanded.
    project.config(bomb(9, 9))
    err = refused_everywhere(project)
    assert err["line"] == "2"
    assert "`keywords` must be a list of texts, not a list of 9 lists" in err["text"], err


@pytest.mark.parametrize(
    "key, words",
    [
        ("title", "`title` must be text, not a list of 9 lists"),
        ("media", "`media` must be a list of paths, not a list of 9 lists"),
    ],
)
def test_an_alias_bomb_under_other_keys(project, key, words):
    project.config(bomb(9, 9, key=key))
    err = refused_everywhere(project, commands=("check",))
    assert words in err["text"], err


def test_an_alias_bomb_under_a_choice(project):
    project.config("title: T\npdf:\n  paper: [&a [x, x, x, x, x, x, x, x], *a, *a, *a, *a, *a, *a, *a]\n")
    err = refused_everywhere(project, commands=("check",))
    assert err["line"] == "3", err
    assert "`pdf.paper` must be one of a4, letter, not a list of 8 lists" in err["text"], err


def test_a_mapping_that_contains_itself(project):
    project.config("title: T\npdf: &p\n  paper: a4\n  again: *p\n")
    err = refused_everywhere(project, commands=("check",))
    assert "unknown key `pdf.again`" in err["text"], err


def test_a_config_over_a_megabyte_is_refused_before_parsing(project):
    project.config("title: Big\nsubtitle: '" + "x" * (3 << 20) + "'\n")
    err = refused_everywhere(project)
    assert err["line"] == "1" and "config file is 3.0 MB, over the 1 MB a config may be" in err["text"], err


def test_deep_nesting(project):
    project.config("title: T\nkeywords: " + "[" * 5000 + "]" * 5000 + "\n")
    err = refused_everywhere(project, commands=("check", "pdf"))
    assert err["line"] == "2" and "nested too deeply (more than 50 levels)" in err["text"], err


@pytest.mark.parametrize(
    "text, words",
    [
        ("title: 0x" + "F" * 200_000 + "\n", "`title` must be text, not a number of about 2408"),
        ("pdf:\n  chapter_timeout: " + "9" * 4000 + "\n", "`pdf.chapter_timeout` must be a number below 1,000,000,000"),
        ("pdf:\n  toc_depth: " + "9" * 5000 + "\n", "cannot read the value: Exceeds the limit"),
        ("pdf:\n  toc_depth: '" + "9" * 5000 + "'\n", "`pdf.toc_depth` must be a whole number, not the text '99999"),
        ("version: 2024-13-45\n", "cannot read the value: month must be in 1..12"),
        ("? " + "x" * 100_000 + "\n: 1\n", "unknown key `xxxxxxxx"),
        ("title: *" + "a" * 100_000 + "\n", "found undefined alias 'aaaa"),
    ],
    ids=["hex", "huge-int", "int-digits", "int-text", "bad-date", "long-key", "long-alias"],
)
def test_huge_or_impossible_values(project, text, words):
    project.config(text)
    err = refused_everywhere(project, commands=("check",))
    assert words in err["text"], err


def test_set_with_broken_yaml_says_what_it_got(project):
    run = project.run("check", "--set", "pdf.toc_depth=[unclosed")
    assert_clean(run, (2,))
    assert "`pdf.toc_depth` must be a whole number, not the text '[unclosed'" in run.stderr, str(run)


@pytest.mark.slow
def test_a_bomb_in_the_slides_theme(project):
    theme = project.root / "themes" / "mine"
    theme.mkdir(parents=True)
    project.config("title: T\ntheme: mine\n")
    (theme / "slides.yaml").write_text(bomb(9, 9, key="bullets", head=""), encoding="utf-8")
    err = refused_everywhere(project, commands=("check", "slides"))
    assert err["path"] == "themes/mine/slides.yaml" and "more than 10,000 values" in err["text"], err
    assert err["line"] == "1"
    (theme / "slides.yaml").write_text(bomb(13, 10, key="bullets", head=""), encoding="utf-8")
    err = refused_everywhere(project, commands=("check",))
    assert err["line"] == "13" and "too many YAML aliases" in err["text"], err


# --- what a wrong value is said to be ---------------------------------------------------------


@pytest.mark.parametrize(
    "value, words",
    [
        ([[1], [2], [3]], "a list of 3 lists"),
        ({"a": 1, "b": 2, "c": 3}, "a mapping with 3 keys"),
        ({"a": 1}, "a mapping with 1 key"),
        ([], "an empty list"),
        (["a", 1], "a list of 2 items"),
        (True, "`true`"),
        ("x" * 500, "the text '" + "x" * 78 + "…"),
        (3.5, "the number 3.5"),
    ],
)
def test_describe(value, words):
    assert describe(value).startswith(words) and len(describe(value)) <= 100


@pytest.mark.parametrize(
    "text, line, words",
    [
        (
            "keywords: [a, [b], c]\n",
            1,
            "`keywords` must be a list of texts, not a list whose item 2 is a list of 1 text",
        ),
        ("keywords:\n  a: 1\n  b: 2\n  c: 3\n", 1, "`keywords` must be a list of texts, not a mapping with 3 keys"),
        ("title: T\nsubtitle: {x: 1}\n", 2, "`subtitle` must be text, not a mapping with 1 key"),
        ("pdf:\n  paper: [a4]\n", 2, "`pdf.paper` must be one of a4, letter, not a list of 1 text"),
        ("pdf: [1, 2]\n", 1, "`pdf` must be a mapping, not a list of 2 numbers"),
        ("- a\n- b\n", 1, "config must be a mapping of keys to values, not a list of 2 texts"),
    ],
)
def test_wrong_types_say_what_they_got(tmp_path, text, line, words):
    path = tmp_path / "handbook.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        load_config(path)
    d = caught.value.diagnostic
    assert d.line == line and words in d.message, d.message
    assert len(d.format()) < 300


def test_a_date_is_text_where_text_is_wanted(tmp_path):
    # YAML reads `2024-05-01` as a date; as a version it is what the user wrote.
    path = tmp_path / "handbook.yml"
    path.write_text("version: 2024-05-01\n", encoding="utf-8")
    assert load_config(path).version == "2024-05-01"
