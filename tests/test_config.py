from pathlib import Path

import pytest

from notebook_publish.config import Config, load_config
from notebook_publish.diagnostics import UsageError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "handbook.yml"
    path.write_text(text)
    return path


def test_defaults_without_a_file(tmp_path):
    config = load_config(None, cwd=tmp_path)
    assert config.title == Config().title
    assert config.notes == tmp_path / "notes"
    assert config.pdf.paper == "a4" and config.slides.level == 2


def test_file_values_and_paths_relative_to_the_file(tmp_path):
    path = write(tmp_path, "title: My Book\nnotes: pages\nmedia: [img, pics]\npdf:\n  paper: letter\n  toc_depth: 3\n")
    config = load_config(path)
    assert config.title == "My Book"
    assert config.notes == tmp_path / "pages"
    assert config.media == (tmp_path / "img", tmp_path / "pics")
    assert (config.pdf.paper, config.pdf.toc_depth) == ("letter", 3)


def test_overrides_win(tmp_path):
    path = write(tmp_path, "title: From file\n")
    config = load_config(path, {"title": "From CLI", "pdf.numbering": "false", "slides.level": "3"})
    assert config.title == "From CLI" and config.pdf.numbering is False and config.slides.level == 3


@pytest.mark.parametrize(
    "text, line, needle",
    [
        ("title: x\ntitel: y\n", 2, "did you mean `title`"),
        ("pdf:\n  papr: a4\n", 2, "did you mean `pdf.paper`"),
        ("pdf:\n  toc_depth: deep\n", 2, "whole number"),
        ("pdf:\n  paper: a5\n", 2, "one of a4, letter"),
        ("title: [unclosed\n", 2, "YAML syntax error"),
        ("- just\n- a list\n", 1, "mapping"),
        ("slides: 3\n", 1, "must be a mapping"),
    ],
)
def test_bad_config_names_file_and_line(tmp_path, text, line, needle):
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as caught:
        load_config(path)
    d = caught.value.diagnostic
    assert d.path == path and d.line == line
    assert needle in d.message + " " + d.hint


def test_unknown_override_suggests(tmp_path):
    with pytest.raises(UsageError) as caught:
        load_config(None, {"pdf.papr": "a4"}, cwd=tmp_path)
    assert "pdf.paper" in caught.value.diagnostic.hint


# --- the declaration: every key once, with its range ---------------------------------------

from notebook_publish.config import SCHEMA, MathConfig, PdfConfig, SlidesConfig, describe_schema  # noqa: E402

RANGED = [(section, key) for section, keys in SCHEMA.items() for key in keys if key.span is not None]


def test_the_declared_defaults_are_the_dataclasses_defaults(tmp_path):
    config = load_config(None, cwd=tmp_path)
    assert (config.pdf, config.slides) == (PdfConfig(), SlidesConfig())
    assert config.math.macros == MathConfig().macros == () and config.math.macros_file is None
    for key in SCHEMA[""]:
        if key.kind not in ("path", "paths"):  # paths are made absolute against the folder
            assert getattr(config, key.name) == getattr(Config(), key.name), key.name


def test_the_numbers_with_a_range():
    assert {f"{s}.{k.name}": k.span for s, k in RANGED} == {
        "pdf.toc_depth": (0, 5),
        "pdf.index_max_words": (1, 20),
        "pdf.chapter_timeout": (1, 86400),
        "slides.level": (1, 6),
        "slides.min_font_size": (6, 48),
    }


@pytest.mark.parametrize("section, key", RANGED, ids=[f"{s}.{k.name}" for s, k in RANGED])
def test_a_number_out_of_its_range_is_refused_at_its_line(tmp_path, section, key):
    low, high = key.span
    for value in (low - 1, high + 1):
        path = write(tmp_path, f"title: T\n{section}:\n  {key.name}: {value}\n")
        with pytest.raises(UsageError) as caught:
            load_config(path)
        d = caught.value.diagnostic
        assert (d.path, d.line, d.code) == (path, 3, "config")
        assert f"`{section}.{key.name}` must be from {low:g} to {high:g}" in d.message and f"{value:g}" in d.message
        assert d.hint == f"default: {key.default!r}"
    for value in (low, high):  # the ends are allowed
        config = load_config(write(tmp_path, f"{section}:\n  {key.name}: {value}\n"))
        assert getattr(getattr(config, section), key.name) == value


def test_a_range_holds_for_set_overrides_too(tmp_path):
    with pytest.raises(UsageError) as caught:
        load_config(None, {"pdf.toc_depth": "9"}, cwd=tmp_path)
    assert "`pdf.toc_depth` must be from 0 to 5, not the number 9" in caught.value.diagnostic.message
    with pytest.raises(UsageError) as caught:
        load_config(None, {"slides.min_font_size": ".nan"}, cwd=tmp_path)
    assert "`slides.min_font_size` must be from 6 to 48 points, not the number nan" in caught.value.diagnostic.message


def test_an_unknown_flavour_is_refused_with_a_suggestion(tmp_path):
    path = write(tmp_path, "title: T\nflavour: [obsidian, notoin]\n")
    with pytest.raises(UsageError) as caught:
        load_config(path)
    d = caught.value.diagnostic
    assert (d.line, d.message, d.hint) == (2, "unknown flavour `notoin`", "did you mean `notion`?")
    assert load_config(write(tmp_path, "flavour: [Obsidian, obsidian, github]\n")).flavour == ("obsidian", "github")


def test_readme_shows_the_declared_keys():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert describe_schema() in readme, "run `notebook-publish config --keys` and paste it into README: Configuration"
