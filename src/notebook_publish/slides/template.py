"""The slide template: the user's .pptx (its slides removed, its layouts checked) or
python-pptx's default, and where its layouts put titles, bodies and footers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.util import Emu

from notebook_publish.config import Config
from notebook_publish.diagnostics import UsageError, error
from notebook_publish.slides.laid import EMU_PER_PT, Box, Geometry
from notebook_publish.slides.place import default_geometry
from notebook_publish.slides.style import SlideStyle

if TYPE_CHECKING:
    from pptx import presentation
    from pptx.shapes.autoshape import Shape
    from pptx.slide import Slide, SlideLayout

REQUIRED_LAYOUTS = ("Title Slide", "Title and Content", "Two Content", "Section Header")
ASPECTS = {"16:9": (960.0, 540.0), "4:3": (720.0, 540.0)}  # points


def emu(points: float) -> Emu:
    return Emu(int(round(points * EMU_PER_PT)))


def open_template(config: Config) -> presentation.Presentation:
    """The user's template (slides removed, layouts checked) or python-pptx's default."""
    template = config.slides.template
    if template is None:
        prs = Presentation()
        width, height = ASPECTS[config.slides.aspect]
        prs.slide_width, prs.slide_height = emu(width), emu(height)
        return prs
    if not template.is_file():
        raise UsageError(
            error(
                config.source,
                config.line_of("slides.template"),
                "slides-template",
                f"slide template not found: {template}",
                "set `slides.template` to a .pptx file",
            )
        )
    try:
        prs = Presentation(str(template))
    except Exception as exc:  # python-pptx raises many kinds on a broken file
        raise UsageError(
            error(
                template,
                1,
                "slides-template",
                f"cannot read slide template: {exc}",
                "save it again from PowerPoint as .pptx",
            )
        ) from None
    if prs.slide_width is None or prs.slide_height is None:  # no `p:sldSz`: nothing to lay out on
        raise UsageError(
            error(
                template,
                1,
                "slides-template",
                "slide template has no slide size",
                "save it again from PowerPoint as .pptx",
            )
        )
    names = [layout.name for layout in prs.slide_layouts]
    missing = [name for name in REQUIRED_LAYOUTS if name not in names]
    if missing:
        raise UsageError(
            error(
                template,
                1,
                "slides-template",
                f"slide template has no layout named {', '.join(repr(m) for m in missing)}",
                f"its layouts are {', '.join(repr(n) for n in names)}; rename one in PowerPoint's Slide Master view",
            )
        )
    _remove_slides(prs)
    return prs


def _remove_slides(prs: presentation.Presentation) -> None:
    """The template's slides taken out of the presentation, and its custom shows, which
    can only list those slides. python-pptx drops a relationship only when nothing else
    names it: a slide a custom show still named stayed in the package, under the part
    name the deck's first new slide is then given (two zip entries, one name)."""
    slide_ids = prs.slides.element
    root = slide_ids.getparent()
    assert root is not None, "p:sldIdLst is always inside p:presentation"
    for shows in root.findall(qn("p:custShowLst")):
        root.remove(shows)
    for slide_id in list(slide_ids):
        slide_ids.remove(slide_id)
        prs.part.drop_rel(slide_id.rId)


def layout_named(prs: presentation.Presentation, name: str) -> SlideLayout:
    for layout in prs.slide_layouts:
        if layout.name == name:
            return layout
    raise KeyError(name)


def placeholder(slide: Slide, idx: int) -> Shape | None:
    """The slide's placeholder `idx` (0 the title, 1 the body or subtitle), if it has one."""
    for ph in slide.placeholders:
        if ph.placeholder_format.idx == idx:
            found: Shape = ph  # python-pptx leaves `SlidePlaceholders.__iter__` unannotated
            return found
    return None


def _placeholder_box(layout: SlideLayout, idx: int | None = None, kinds: tuple[str, ...] = ()) -> Box | None:
    # python-pptx declares `LayoutPlaceholders.__iter__` as a class attribute, which mypy reads wrongly.
    for ph in layout.placeholders:  # type: ignore[misc]
        fmt = ph.placeholder_format
        if (idx is not None and fmt.idx == idx) or (kinds and str(fmt.type).split(".")[-1].split(" ")[0] in kinds):
            if ph.width and ph.height:
                return Box(ph.left / EMU_PER_PT, ph.top / EMU_PER_PT, ph.width / EMU_PER_PT, ph.height / EMU_PER_PT)
    return None


def template_geometry(prs: presentation.Presentation, style: SlideStyle, custom: bool) -> Geometry:
    """Boxes from the template's layouts; the built-in template is laid out from the theme."""
    assert prs.slide_width is not None and prs.slide_height is not None  # `open_template` made sure
    width, height = prs.slide_width / EMU_PER_PT, prs.slide_height / EMU_PER_PT
    base = default_geometry(style, width, height)
    if not custom:
        return base
    content = layout_named(prs, "Title and Content")
    two = layout_named(prs, "Two Content")
    cover = layout_named(prs, "Title Slide")
    section = layout_named(prs, "Section Header")
    return Geometry(
        width,
        height,
        title=_placeholder_box(content, 0) or base.title,
        body=_placeholder_box(content, 1) or base.body,
        left=_placeholder_box(two, 1) or base.left,
        right=_placeholder_box(two, 2) or base.right,
        cover_title=_placeholder_box(cover, 0) or base.cover_title,
        cover_subtitle=_placeholder_box(cover, 1) or base.cover_subtitle,
        section_title=_placeholder_box(section, 0) or base.section_title,
        footer=_placeholder_box(content, kinds=("FOOTER",)) or base.footer,
        number=_placeholder_box(content, kinds=("SLIDE_NUMBER",)) or base.number,
    )
