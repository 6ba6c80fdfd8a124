"""Bad configuration: exit code 2, one message with `file:line`, and a hint.

Each case is a project whose handbook.yml or theme is wrong in one way; `check`, `pdf`
and `slides` all refuse it the same way, before doing any work, without a traceback.
"""

from __future__ import annotations

import re

import pytest

from publish_harness import COMMANDS, Project, assert_clean

MESSAGE = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?P<col>\d+): error\[(?P<code>[\w-]+)\]: (?P<text>.*) \((?P<hint>[^()]*(?:\([^()]*\)[^()]*)*)\)$",
    re.M,
)


def refused(project: Project, commands=COMMANDS) -> list[dict]:
    """Run each command; each must exit 2 with exactly one error line. Returns them."""
    found = []
    for command in commands:
        run = project.run(command, timeout=120)
        assert_clean(run, (2,))
        errors = [m.groupdict() for m in MESSAGE.finditer(run.stderr)]
        assert len(errors) == 1, str(run)
        assert run.seconds < 30, str(run)
        assert not project.pdf.exists() and not (project.out / "slides").exists(), "nothing is built from a bad config"
        found.append(errors[0])
    assert all(f == found[0] for f in found), found  # the same message from every command
    return found[0]


@pytest.fixture
def project(tmp_path) -> Project:
    project = Project(tmp_path / "book")
    project.write("index.md", "# Book\n\n## Topic\n\n- a point\n")
    return project


def test_yaml_syntax_error(project):
    project.config("title: My book\npdf:\n  paper: a4\n   toc_depth: 2\nslides: [unclosed\n")
    err = refused(project)
    assert err["path"] == "handbook.yml" and err["line"] == "4"
    assert "YAML syntax error" in err["text"] and err["hint"]


def test_yaml_that_is_not_a_mapping(project):
    project.config("- just\n- a list\n")
    err = refused(project)
    assert err["path"] == "handbook.yml" and err["line"] == "1" and "mapping" in err["text"]


def test_config_that_is_not_utf8(project):
    (project.root / "handbook.yml").write_bytes("title: Caf\xe9\n".encode("latin-1"))
    err = refused(project)
    assert err["path"] == "handbook.yml" and "UTF-8" in err["text"] + err["hint"]


@pytest.mark.parametrize(
    "text, line, suggestion",
    [
        ("title: T\ntitel: Typo\n", "2", "title"),
        ("pdf:\n  papr: letter\n", "2", "pdf.paper"),
        ("slides:\n  level: 2\n  templat: x.pptx\n", "3", "slides.template"),
        ("wallpaper: red\n", "1", None),
    ],
    ids=["top", "pdf", "slides", "no-suggestion"],
)
def test_unknown_keys(project, text, line, suggestion):
    project.config(text)
    err = refused(project)
    assert err["path"] == "handbook.yml" and err["line"] == line and "unknown key" in err["text"]
    if suggestion:
        assert f"did you mean `{suggestion}`?" in err["hint"]
    else:
        assert "README" in err["hint"]


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("pdf:\n  toc_depth: lots\n", "2", "whole number"),
        ("pdf:\n  numbering: maybe\n", "2", "true or false"),
        ("pdf:\n  paper: a3\n", "2", "one of a4, letter"),
        ("pdf: 3\n", "1", "must be a mapping"),
        ("title: [a, b]\n", "1", "must be text"),
        ("keywords: {a: 1}\n", "1", "must be a list"),
        ("slides:\n  min_font_size: big\n", "2", "must be a number"),
        ("notes: ''\n", "1", "must be a path"),
    ],
    ids=["int", "bool", "choice", "section", "str", "list", "float", "path"],
)
def test_wrong_types(project, text, line, words):
    project.config(text)
    err = refused(project)
    assert err["path"] == "handbook.yml" and err["line"] == line and words in err["text"], err
    assert err["hint"]


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("title: T\npdf:\n  toc_depth: 7\n", "3", "`pdf.toc_depth` must be from 0 to 5, not the number 7"),
        (
            "pdf:\n  chapter_timeout: 0\n",
            "2",
            "`pdf.chapter_timeout` must be from 1 to 86400 seconds, not the number 0",
        ),
        ("slides:\n  level: 9\n", "2", "`slides.level` must be from 1 to 6, not the number 9"),
    ],
    ids=["toc_depth", "chapter_timeout", "slides.level"],
)
def test_numbers_out_of_range(project, text, line, words):
    project.config(text)
    err = refused(project)
    assert err["path"] == "handbook.yml" and err["line"] == line and err["text"] == words, err
    assert err["hint"].startswith("default: ")


def test_set_override_with_a_wrong_type(project):
    for command in COMMANDS:
        run = project.run(command, "--set", "pdf.toc_depth=deep")
        assert_clean(run, (2,))
        assert "`pdf.toc_depth` must be a whole number" in run.stderr and "default: 2" in run.stderr


def test_a_theme_that_does_not_exist(project):
    project.config("title: T\n\ntheme: nosuch\n")
    err = refused(project)
    assert err["path"] == "handbook.yml" and err["line"] == "3" and "`nosuch` not found" in err["text"]
    assert "available: default" in err["hint"]


@pytest.mark.slow
def test_notes_folder_that_does_not_exist(project):
    project.config("title: T\nnotes: elsewhere\n")
    err = refused(project)
    assert err["path"] == "handbook.yml" and err["line"] == "2" and "notes folder not found" in err["text"]


def user_theme(project: Project) -> tuple:
    theme = project.root / "themes" / "mine"
    (theme / "templates").mkdir(parents=True)
    project.config("title: T\ntheme: mine\n")
    return theme, theme / "templates"


@pytest.mark.slow
def test_a_template_with_a_jinja_syntax_error(project):
    _theme, templates = user_theme(project)
    (templates / "base.html.j2").write_text(
        "<html>\n<body>\n{% for chapter in chapters %}\n{{ chapter.body }\n</body>\n", encoding="utf-8"
    )
    err = refused(project)
    assert err["path"] == "themes/mine/templates/base.html.j2" and err["line"] == "4", err
    assert "template syntax error" in err["text"] and "themes/default/templates" in err["hint"]


@pytest.mark.slow
def test_a_template_with_an_error_at_render_time(project):
    _theme, templates = user_theme(project)
    (templates / "base.html.j2").write_text(
        "<!DOCTYPE html>\n<html>\n<body>\n{{ book.title }}\n{{ no_such_variable.attribute }}\n</body>\n</html>\n",
        encoding="utf-8",
    )
    for command in ("pdf", "html"):
        run = project.run(command)
        assert_clean(run, (2,))
        errors = [m.groupdict() for m in MESSAGE.finditer(run.stderr)]
        assert len(errors) == 1, str(run)
        assert errors[0]["path"] == "themes/mine/templates/base.html.j2" and errors[0]["line"] == "5", str(run)
        assert "no_such_variable" in errors[0]["text"]
    assert not project.pdf.exists()


def test_a_bad_slides_theme(project):
    theme, _templates = user_theme(project)
    (theme / "slides.yaml").write_text("sizes:\n  title: 32\n  levels: [24, 22\nfonts: {}\n", encoding="utf-8")
    err = refused(project, commands=("check", "slides"))
    assert err["path"] == "themes/mine/slides.yaml" and err["line"] == "4", err


def slide_template(path, rename: dict[str, str]) -> None:
    from pptx import Presentation

    prs = Presentation()
    for layout in prs.slide_layouts:
        if layout.name in rename:
            layout._element.cSld.set("name", rename[layout.name])
    prs.save(str(path))


def test_a_slides_template_that_lacks_layouts(project):
    slide_template(project.root / "corporate.pptx", {"Section Header": "Divider", "Two Content": "Split"})
    project.config("title: T\nslides:\n  template: corporate.pptx\n")
    err = refused(project, commands=("check", "slides"))
    assert err["path"] == "corporate.pptx" and "no layout named 'Two Content', 'Section Header'" in err["text"]
    assert "Slide Master" in err["hint"] and "'Divider'" in err["hint"]


def test_a_slides_template_without_a_slide_size(project):
    from pptx import Presentation
    from pptx.oxml.ns import qn

    prs = Presentation()
    prs._element.remove(prs._element.find(qn("p:sldSz")))  # optional in the schema; nothing to lay out on
    prs.save(str(project.root / "corporate.pptx"))
    project.config("title: T\nslides:\n  template: corporate.pptx\n")
    err = refused(project, commands=("check", "slides"))
    assert err["path"] == "corporate.pptx" and err["code"] == "slides-template", err
    assert "no slide size" in err["text"] and "PowerPoint" in err["hint"]


@pytest.mark.slow
def test_a_slides_template_that_is_not_a_pptx(project):
    (project.root / "corporate.pptx").write_text("not a presentation\n", encoding="utf-8")
    project.config("title: T\nslides:\n  template: corporate.pptx\n")
    err = refused(project, commands=("check", "slides"))
    assert err["path"] == "corporate.pptx" and "cannot read slide template" in err["text"]


def test_a_slides_template_that_does_not_exist(project):
    project.config("title: T\nslides:\n  level: 2\n  template: missing.pptx\n")
    err = refused(project, commands=("check", "slides"))
    assert err["path"] == "handbook.yml" and err["line"] == "4" and "not found" in err["text"]
