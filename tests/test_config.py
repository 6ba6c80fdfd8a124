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
