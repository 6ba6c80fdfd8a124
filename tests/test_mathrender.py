import xml.etree.ElementTree as ET

import pypandoc
import pytest

from notebook_publish import mathrender
from notebook_publish.cache import Cache
from notebook_publish.mathrender import (
    MathResult,
    render_png,
    render_svg,
    tex_to_omml,
    tex_to_omml_many,
    tex_to_unicode,
    unknown_commands,
)

SVG = "{http://www.w3.org/2000/svg}"
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
# The two formulas of the seed notes.
ITM = r"L_{ITM} = -YlogP - (1 - Y)log(1-P)"
LM = r"L = -\sum{log(P(\omega_t|\omega_{i<t}))}"


class DictCache:
    def __init__(self):
        self.data: dict[str, bytes] = {}
        self.hits = 0

    def get(self, key):
        value = self.data.get(key)
        self.hits += value is not None
        return value

    def put(self, key, data):
        assert isinstance(data, bytes)
        self.data[key] = data


@pytest.fixture
def pandoc_calls(monkeypatch):
    calls = []
    real = pypandoc.convert_text

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(pypandoc, "convert_text", counting)
    return calls


def _ids(svg: str) -> set[str]:
    return {el.get("id") for el in ET.fromstring(svg).iter() if el.get("id")}


# --- SVG ---


@pytest.mark.parametrize("display", [True, False])
@pytest.mark.parametrize("tex", [ITM, LM])
def test_seed_formulas_render_as_font_free_svg(tex, display):
    result = render_svg(tex, display)
    assert result.ok, result.error
    assert result.error == ""
    root = ET.fromstring(result.svg)
    assert root.tag == SVG + "svg"
    tags = {el.tag for el in root.iter()}
    assert SVG + "path" in tags
    assert SVG + "text" not in tags and SVG + "use" not in tags and SVG + "symbol" not in tags
    assert result.width_em > 3 and 0.5 < result.height_em < 3
    assert 0 < result.baseline_em < result.height_em


def test_size_in_em_matches_svg_size():
    result = render_svg(LM, True)
    root = ET.fromstring(result.svg)
    assert float(root.get("width")) == pytest.approx(result.width_em * mathrender.REF_SIZE_PX, abs=0.01)
    assert float(root.get("height")) == pytest.approx(result.height_em * mathrender.REF_SIZE_PX, abs=0.01)
    # the viewBox bottom edge is the baseline (y=0) plus the descent
    _, y, _, h = map(float, root.get("viewBox").split())
    assert (y + h) / mathrender.REF_SIZE_PX == pytest.approx(result.baseline_em, abs=0.001)


def test_descender_lowers_the_baseline():
    with_descender = render_svg("y_t", display=False)
    without = render_svg("x", display=False)
    assert with_descender.ok and without.ok
    assert with_descender.baseline_em > 0.2
    assert with_descender.baseline_em > without.baseline_em + 0.1


def test_display_sum_is_taller_than_inline_sum():
    assert render_svg(LM, True).height_em > render_svg(LM, False).height_em


def test_unknown_command_is_an_error_not_literal_text():
    result = render_svg(r"\foo{x}", display=True)
    assert result == MathResult(False, "", 0.0, 0.0, 0.0, result.error)
    assert "\\foo" in result.error


@pytest.mark.parametrize("tex", [r"\frac{a", "a}", "{a", "x^", r"\left( x", "", "   ", r"\frac{}{"])
def test_bad_tex_gives_an_error_and_never_raises(tex):
    result = render_svg(tex, display=True)
    assert not result.ok
    assert result.error and result.svg == ""


def test_same_input_gives_byte_identical_svg():
    first = render_svg(LM, True).svg
    render_svg(ITM, False)  # anything ziamath keeps between calls must not leak in
    assert render_svg(LM, True).svg == first


def test_different_formulas_share_no_element_ids():
    svgs = [render_svg(tex, d).svg for tex in (ITM, LM, r"\xrightarrow{f} \cancel{x}") for d in (True, False)]
    seen: set[str] = set()
    for svg in svgs:
        ids = _ids(svg)
        assert not ids & seen
        seen |= ids


def test_ids_and_their_references_get_the_same_prefix():
    svg = ET.fromstring(
        '<svg><defs><marker id="arrowhead"/></defs><path marker-end="url(#arrowhead)"/>'
        '<use href="#arrowhead"/><a href="#elsewhere"/></svg>'
    )
    mathrender._prefix_ids(svg, "mabc-")
    assert _ids(ET.tostring(svg, encoding="unicode")) == {"mabc-arrowhead"}
    assert svg.find("path").get("marker-end") == "url(#mabc-arrowhead)"
    assert svg.find("use").get("href") == "#mabc-arrowhead"
    assert svg.find("a").get("href") == "#elsewhere"  # not one of ours: left alone


def test_ziamath_global_config_is_restored():
    from ziamath.config import config

    before = config.svg2
    config.svg2 = True
    try:
        assert "<use" not in render_svg("x+y", False).svg
        assert config.svg2 is True
    finally:
        config.svg2 = before


# --- unknown commands ---


def test_unknown_commands_lists_each_once_in_order():
    assert unknown_commands(r"\foo{x} + \bar{y} + \baz \foo") == ["\\foo", "\\baz"]


def test_known_commands_come_from_latex2mathml_tables():
    tex = r"\alpha \sum_{i} \log \frac{1}{2} \left( \mathbb{R} \right) \operatorname{d} \, \; \! \{ \} \\ \ a"
    assert unknown_commands(tex) == []
    assert unknown_commands(r"\'a \label{x}") == ["\\'", "\\label"]


def test_commands_defined_in_the_formula_are_known():
    assert unknown_commands(r"\newcommand{\half}{\frac12} \half x") == []


# --- OMML ---


@pytest.mark.parametrize("tex", [ITM, LM])
def test_omml_for_seed_formulas(tex):
    display = tex_to_omml(tex, display=True)
    inline = tex_to_omml(tex, display=False)
    assert display.startswith("<m:oMathPara") and "<m:oMath>" in display
    assert inline.startswith("<m:oMath ") and "<m:oMathPara" not in inline
    for omml in (display, inline):
        assert f'xmlns:m="{M_NS}"' in omml.split(">", 1)[0]
        root = ET.fromstring(omml)  # well-formed on its own
        assert root.findall(f".//{{{M_NS}}}r")
    assert "ω" in tex_to_omml(LM, False) and "∑" in tex_to_omml(LM, False)


def test_omml_none_for_tex_pandoc_cannot_read():
    assert tex_to_omml(r"\frac{a", display=True) is None
    assert tex_to_omml(r"\foo{x}", display=False) is None


def test_omml_many_uses_one_pandoc_run_and_keeps_order(pandoc_calls):
    items = [(ITM, True), (r"\frac{a", True), (LM, False), ('a "quoted" é\n\n$x$', False), (ITM, True)]
    results = tex_to_omml_many(items)
    assert len(pandoc_calls) == 1
    assert results[0].startswith("<m:oMathPara") and results[2].startswith("<m:oMath ")
    assert results[1] is None and results[3] is None
    assert results[4] == results[0]
    assert results == [tex_to_omml(tex, display) for tex, display in items]


def test_omml_cache_is_hit_without_running_pandoc(pandoc_calls):
    cache = DictCache()
    first = tex_to_omml(LM, True, cache=cache)
    failed = tex_to_omml(r"\foo", True, cache=cache)
    assert len(pandoc_calls) == 2 and len(cache.data) == 2
    assert tex_to_omml(LM, True, cache=cache) == first
    assert tex_to_omml(r"\foo", True, cache=cache) is failed is None  # the failure is remembered too
    assert tex_to_omml_many([(LM, True), (r"\foo", True)], cache=cache) == [first, None]
    assert len(pandoc_calls) == 2
    # inline is a different entry
    tex_to_omml(LM, False, cache=cache)
    assert len(pandoc_calls) == 3 and len(cache.data) == 3


def test_pandoc_that_cannot_run_gives_none_and_is_not_cached(monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("no pandoc")

    monkeypatch.setattr(pypandoc, "convert_text", broken)
    cache = DictCache()
    assert tex_to_omml(ITM, True, cache=cache) is None
    assert cache.data == {}


# --- cache for SVG ---


def test_svg_cache_is_hit_on_second_call(monkeypatch):
    cache = DictCache()
    first = render_svg(LM, True, cache=cache)
    bad = render_svg(r"\foo", True, cache=cache)
    assert len(cache.data) == 2

    def must_not_draw(*args):
        raise AssertionError("drew again despite a cached result")

    monkeypatch.setattr(mathrender, "_draw_svg", must_not_draw)
    assert render_svg(LM, True, cache=cache) == first
    assert render_svg(r"\foo", True, cache=cache) == bad
    assert cache.hits == 2


def test_cache_keys_change_with_tool_versions(monkeypatch):
    svg_key = mathrender._svg_cache_key("x", True)
    omml_key = mathrender._omml_cache_key("x", True, "3.9")
    assert mathrender._omml_cache_key("x", True, "3.10") != omml_key
    real = mathrender._version
    monkeypatch.setattr(mathrender, "_version", lambda dist: "99" if dist == "ziamath" else real(dist))
    assert mathrender._svg_cache_key("x", True) != svg_key


def test_works_with_the_on_disk_cache(tmp_path):
    cache = Cache(tmp_path, "math")
    first = render_svg(LM, True, cache=cache)
    assert list(tmp_path.rglob("*"))
    assert render_svg(LM, True, cache=Cache(tmp_path, "math")) == first
    assert tex_to_omml(LM, True, cache=cache) == tex_to_omml(LM, True)


def test_cache_keys_differ_by_display_and_tex():
    cache = DictCache()
    for tex in ("x", "y"):
        for display in (True, False):
            render_svg(tex, display, cache=cache)
    assert len(cache.data) == 4


# --- PNG ---


def test_png_size_follows_dpi():
    low = render_png(LM, True, dpi=150)
    high = render_png(LM, True, dpi=300)
    assert low and high
    for png, width, height in (low, high):
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert width > height > 0
    assert high[1] == pytest.approx(2 * low[1], abs=2)
    assert high[2] == pytest.approx(2 * low[2], abs=2)
    # one em is 12 pt: 50 px at 300 dpi
    assert high[1] == pytest.approx(render_svg(LM, True).width_em * 50, abs=1)


def test_png_none_when_tex_is_bad():
    assert render_png(r"\foo", True) is None


def test_png_is_cached():
    cache = DictCache()
    first = render_png("y_t", False, dpi=200, cache=cache)
    assert len(cache.data) == 2  # the SVG and the PNG
    assert render_png("y_t", False, dpi=200, cache=cache) == first
    assert cache.hits == 2


# --- Unicode ---


def test_unicode_of_greek_and_subscripts():
    text = tex_to_unicode(r"\omega_t + \alpha")
    assert "ω" in text and "α" in text and "\\" not in text
    assert text == "ω_t + α"


@pytest.mark.parametrize(
    "tex, expected",
    [
        (LM, "L = -∑log(P(ω_t|ω_(i<t)))"),
        (r"\log x + \sin\theta", "log x + sinθ"),
        (r"\left\{ x \in \mathbb{R} \middle| x > 0 \right.", "{ x ∈ ℝ | x > 0"),
        (r"\frac{1}{1+e^{-x}}", "1/(1+e^(-x))"),
        (r"\sqrt{x+1} \text{ if } x \ge 0", "√(x+1) if x ≥ 0"),
        (r"\hat{y}", "y\u0302"),
    ],
)
def test_unicode_examples(tex, expected):
    assert tex_to_unicode(tex) == expected


@pytest.mark.parametrize("tex", ["", "}", "{", "\\", "^", "_{", r"\frac", r"\sqrt[", r"\left", r"\foo{", "\\\\"])
def test_unicode_never_raises(tex):
    assert isinstance(tex_to_unicode(tex), str)
