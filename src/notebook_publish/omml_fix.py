"""pandoc's OMML made valid against the OOXML schema and faithful to the TeX.

pandoc (texmath) writes OMML for Word, and gets a few things wrong that PowerPoint may
refuse or "repair", and that LibreOffice draws as garbage:

- The `&` of `aligned`, `align`, `split` and `alignat` stays in the rows of the
  `m:eqArr` as a text run. LibreOffice reads OMML text as StarMath, where `&` is
  "and" (∧) followed by a missing operand (¿). Each one becomes an alignment point
  (`m:aln` on what follows it), as Word writes them; every second one, which in TeX
  starts the next pair of columns, is also preceded by a quad space.
- A literal `\\&` is a text run too; it gets `m:lit`, OMML's mark for a character that
  is not an operator of the linear format, so LibreOffice quotes it and draws "&".
- `m:mcPr` (a matrix column) has `m:mcJc` before `m:count`; the schema wants count first.
- `\\text{}` gives `m:nor` together with `m:sty` in `m:rPr`, which the schema makes a
  choice: normal text keeps `m:nor`, and its bold or italic moves to the run's `w:rPr`,
  where Word keeps the look of normal text (the slides writer reads it from there).
- Text with a leading or trailing space (`\\text{ and }`) lacks `xml:space="preserve"`,
  so LibreOffice trims it.

LibreOffice turns OMML into StarMath text and parses that, so what Word and PowerPoint
take in their stride it draws as "¿" (StarMath's mark for a parse error). Where the
OMML allows it, the formula is written so that StarMath can read it too, without
changing what Word and PowerPoint draw:

- `\\underbrace` becomes a group character (`m:groupChr`), as `\\overbrace` already is,
  and `\\bar` the combining macron instead of a spacing overline;
- a bracket without a partner beside it (`(x+1)^2`, `[0, 1)`) and an operator standing
  alone as an argument (`\\overset{a}{=}`) get `m:lit`, which StarMath reads as quoted
  text;
- a row or other argument that starts with a relation (`&= c`, `\\omega_{<t}`) or ends
  with an operator gets an empty normal-text run on that side, which StarMath reads as
  an operand;
- a matrix's short rows are made full, and its empty cells get the same empty run.

Everything works in place on ElementTree elements (pandoc's document is read with
`xml.etree`), and is idempotent.
"""

from __future__ import annotations

import unicodedata
from xml.etree import ElementTree as ET

M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _m(name: str) -> str:
    return f"{{{M_NS}}}{name}"


def _w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


R, T, RPR = _m("r"), _m("t"), _m("rPr")  # a run, its text, its properties


# CT_RPR: lit?, (nor | (scr?, sty?)), brk?, aln?
_RPR_ORDER = ("lit", "nor", "scr", "sty", "brk", "aln")
# CT_MCPr: count?, mcJc?
_MCPR_ORDER = ("count", "mcJc")
# The few w:rPr children this module writes, in CT_RPr's order.
_W_RPR_ORDER = ("b", "i")
# Between the pairs of columns of `align` TeX leaves about two quads.
COLUMN_GAP = "\u2003\u2003"
# Horizontal brackets set under a formula: under brace, bracket, parenthesis, shell.
UNDER_BRACKETS = {"\u23df", "\u23b5", "\u23dd", "\u23e1", "\ufe38"}
# Brackets StarMath pairs, opening to closing.
OPENING = {"(": ")", "[": "]", "{": "}"}
CLOSING = set(OPENING.values())
BRACKETS = frozenset(OPENING) | CLOSING
# What OMML nests formulas in: the whole, a row or cell, and the parts of a structure.
ARGUMENTS = {_m(name) for name in ("oMath", "e", "sub", "sup", "num", "den", "lim", "deg", "fName")}
# Operators StarMath also reads with nothing on their left.
UNARY = "+-\u2212\u00b1\u2213\u00ac"


def repair(math: ET.Element) -> ET.Element:
    """Fix `math` (an m:oMathPara or m:oMath) in place, and return it."""
    _alignment_points(math)
    _literal_ampersands(math)
    _under_braces(math)
    _bar_accents(math)
    _unmatched_brackets(math)
    _lone_operators(math)
    _operands(math)
    for run in math.iter(R):
        _run_properties(run)
        for t in run.iter(T):
            if t.text and t.text != t.text.strip():
                t.set(XML_SPACE, "preserve")
    for matrix in math.iter(_m("m")):
        _full_rows(matrix)
    for mcpr in math.iter(_m("mcPr")):
        _reorder(mcpr, _MCPR_ORDER)
    return math


def _text(run: ET.Element) -> str:
    texts = run.findall(T)
    if len(texts) == 1:  # as pandoc writes every run
        return texts[0].text or ""
    return "".join(t.text or "" for t in texts)


def _is_alignment_tab(run: ET.Element) -> bool:
    """pandoc's leftover `&`: a run of just "&" with no style. A `\\&` written in the TeX
    comes with `m:sty` (upright), and is a character to draw."""
    if run.tag != R or _text(run) != "&":
        return False
    rpr = run.find(RPR)
    return rpr is None or rpr.find(_m("sty")) is None and rpr.find(_m("lit")) is None


def _alignment_points(math: ET.Element) -> None:
    if not any(_is_alignment_tab(run) for run in math.iter(R)):
        return
    for parent in list(math.iter()):
        children = list(parent)
        if not any(_is_alignment_tab(child) for child in children):
            continue
        tabs = 0
        for index, child in enumerate(children):
            if not _is_alignment_tab(child):
                continue
            tabs += 1
            position = list(parent).index(child)
            after = children[index + 1] if index + 1 < len(children) else None
            if tabs % 2 == 0:  # `a &= b & c &= d`: the second `&` starts the next pair
                # The space between two pairs of columns is normal text: StarMath drops spaces
                # in math, not in quoted text.
                parent.insert(position, _normal_text(COLUMN_GAP))
            if after is not None and after.tag == R and not _is_alignment_tab(after):
                parent.remove(child)
                _set_property(after, "aln")
            else:  # nothing to carry the mark (a fraction, the row's end): an empty run does
                for old in list(child):
                    child.remove(old)
                ET.SubElement(ET.SubElement(child, RPR), _m("aln"))
                ET.SubElement(child, T)


def _literal_ampersands(math: ET.Element) -> None:
    for run in math.iter(R):
        if _text(run) == "&" and not _is_alignment_tab(run):
            _set_property(run, "lit")


def _is_operator(ch: str) -> bool:
    """A mathematical symbol, or one of the ASCII operators StarMath reads as one."""
    return unicodedata.category(ch) == "Sm" or ch in "*/\u00b7"


def _operands(math: ET.Element) -> None:
    """An argument (a row, a cell, a subscript …) that starts with a relation (the `&= c`
    of a derivation, `\\omega_{<t}`) or ends with an operator gets an empty normal-text
    run on that side: StarMath reads each argument on its own and cannot read an
    operator without its operands ("¿"); Word and PowerPoint draw nothing for the run.
    Signs StarMath reads as unary are left alone at the start."""
    for argument in list(math.iter()):
        if argument.tag not in ARGUMENTS or not len(argument):
            continue
        first, last = argument[0], argument[-1]
        if first.tag == R and not _quoted(first):
            text = _text(first).lstrip()
            if text and _is_operator(text[0]) and text[0] not in UNARY:
                argument.insert(0, _normal_text(""))
        if last.tag == R and not _quoted(last):
            text = _text(last).rstrip()
            if text and _is_operator(text[-1]):
                argument.append(_normal_text(""))


def _lone_operators(math: ET.Element) -> None:
    """An operator that is all of an argument (`=` under `\\overset{a}{=}`, `*` in `x^*`)
    gets `m:lit`: StarMath reads `{=}` as a relation missing both sides."""
    for parent in list(math.iter()):
        if len(parent) != 1 or parent[0].tag != R or parent.tag in (_m("oMath"), _m("oMathPara")):
            continue
        text = _text(parent[0]).strip()
        if len(text) == 1 and _is_operator(text) and not _quoted(parent[0]):
            _set_property(parent[0], "lit")


def _under_braces(math: ET.Element) -> None:
    """texmath writes `\\underbrace{x}` as x with "⏟" set below it as a limit, where
    `\\overbrace` gets the grouping character Word writes (m:groupChr); the same for
    both, so that LibreOffice, which reads a group character but not a brace as a
    limit, draws the brace and its label instead of "¿"."""
    for low in list(math.iter(_m("limLow"))):
        lim, base = low.find(_m("lim")), low.find(_m("e"))
        runs = list(lim) if lim is not None else []
        if base is None or len(runs) != 1 or runs[0].tag != R or _text(runs[0]) not in UNDER_BRACKETS:
            continue
        character = _text(runs[0])
        for child in list(low):
            low.remove(child)
        low.tag = _m("groupChr")
        pr = ET.SubElement(low, _m("groupChrPr"))
        ET.SubElement(pr, _m("chr")).set(_m("val"), character)
        ET.SubElement(pr, _m("pos")).set(_m("val"), "bot")
        ET.SubElement(pr, _m("vertJc")).set(_m("val"), "top")
        low.append(base)


def _bar_accents(math: ET.Element) -> None:
    """texmath's `\\bar` is U+203E OVERLINE, a spacing character: LibreOffice does not
    know it as an accent and draws an acute. TeX's bar is a macron accent."""
    for character in math.iterfind(f".//{_m('accPr')}/{_m('chr')}"):
        if character.get(_m("val")) == "\u203e":
            character.set(_m("val"), "\u0304")


def _quoted(run: ET.Element) -> bool:
    rpr = run.find(RPR)
    return rpr is not None and (rpr.find(_m("nor")) is not None or rpr.find(_m("lit")) is not None)


def _unmatched_brackets(math: ET.Element) -> None:
    """Brackets that have no partner among the runs beside them get `m:lit`. texmath
    writes `(x+1)^2` as runs "(", "x", "+", "1" and a superscript whose base is ")", and
    `[0, 1)` as it stands; StarMath (LibreOffice) pairs brackets within one argument and
    draws "¿" for each one left over, but reads a literal as quoted text. Word and
    PowerPoint draw a literal bracket as they draw any other."""
    if not any(t.text and not BRACKETS.isdisjoint(t.text) for t in math.iter(T)):
        return
    for parent in list(math.iter()):
        stack: list[tuple[ET.Element, str]] = []
        unmatched: list[ET.Element] = []
        for run in parent.findall(R):
            if _quoted(run):
                continue
            for ch in _text(run):
                if ch in OPENING:
                    stack.append((run, ch))
                elif ch in CLOSING:
                    if stack and OPENING[stack[-1][1]] == ch:
                        stack.pop()
                    else:
                        unmatched.append(run)
        unmatched += [run for run, _ in stack]
        for run in dict.fromkeys(unmatched):
            _set_property(run, "lit")


def _full_rows(matrix: ET.Element) -> None:
    """Every row of a matrix as long as the longest, and no cell empty. texmath ends a
    row at its last `&` (`1 & 2 & 3 \\\\ 4`), and writes an empty cell as an empty `m:e`;
    StarMath reads a matrix with short rows, or with nothing in a cell, as an error.
    A cell is filled with empty normal text, which every viewer draws as nothing."""
    rows = matrix.findall(_m("mr"))
    width = max((len(row.findall(_m("e"))) for row in rows), default=0)
    for row in rows:
        for _ in range(width - len(row.findall(_m("e")))):
            ET.SubElement(row, _m("e"))
        for cell in row.findall(_m("e")):
            if not len(cell):
                cell.append(_normal_text(""))
    columns = matrix.find(f"{_m('mPr')}/{_m('mcs')}")
    if columns is not None:
        counted = 0
        for column in columns.findall(_m("mc")):
            count = column.find(f"{_m('mcPr')}/{_m('count')}")
            value = count.get(_m("val"), "1") if count is not None else "1"
            counted += int(value) if value.isdigit() else 1
        for _ in range(width - counted):
            pr = ET.SubElement(ET.SubElement(columns, _m("mc")), _m("mcPr"))
            ET.SubElement(pr, _m("count")).set(_m("val"), "1")
            ET.SubElement(pr, _m("mcJc")).set(_m("val"), "center")


def _normal_text(text: str) -> ET.Element:
    run = ET.Element(R)
    ET.SubElement(ET.SubElement(run, RPR), _m("nor"))
    t = ET.SubElement(run, T)
    t.text = text
    if text != text.strip():
        t.set(XML_SPACE, "preserve")
    return run


def _set_property(run: ET.Element, name: str) -> None:
    rpr = run.find(RPR)
    if rpr is None:
        rpr = ET.Element(RPR)
        run.insert(0, rpr)
    if rpr.find(_m(name)) is None:
        ET.SubElement(rpr, _m(name))
    _run_properties(run)


def _run_properties(run: ET.Element) -> None:
    """m:rPr in schema order, with normal text (`m:nor`) instead of a script or style."""
    rpr = run.find(RPR)
    if rpr is None:
        return
    nor = rpr.find(_m("nor"))
    if nor is not None and nor.get(_m("val"), "on") not in ("off", "0", "false"):
        style = rpr.find(_m("sty"))
        look = style.get(_m("val"), "") if style is not None else ""
        for name in ("scr", "sty"):
            for child in rpr.findall(_m(name)):
                rpr.remove(child)
        # m:sty b/i/bi: the text's weight and slant, which normal text takes from w:rPr.
        _text_look(run, rpr, bold="b" in look, italic="i" in look)
    elif rpr.find(_m("scr")) is None and rpr.find(_m("sty")) is None:
        # An m:rPr of only `m:aln` leaves the choice (nor | scr, sty) empty, which schema
        # validators reject; say the style the run has anyway: letters in math italic,
        # digits and symbols upright.
        text = _text(run)
        ET.SubElement(rpr, _m("sty")).set(_m("val"), "i" if text and all(c.isalpha() for c in text) else "p")
    _reorder(rpr, _RPR_ORDER)


def _text_look(run: ET.Element, rpr: ET.Element, bold: bool, italic: bool) -> None:
    if not (bold or italic):
        return
    wrpr = run.find(_w("rPr"))
    if wrpr is None:
        wrpr = ET.Element(_w("rPr"))
        run.insert(list(run).index(rpr) + 1, wrpr)  # m:rPr?, w:rPr?, then the text
    for name, on in (("b", bold), ("i", italic)):
        if on and wrpr.find(_w(name)) is None:
            ET.SubElement(wrpr, _w(name))
    _reorder(wrpr, _W_RPR_ORDER, namespace=W_NS)


def _reorder(parent: ET.Element, order: tuple[str, ...], namespace: str = M_NS) -> None:
    """The children named in `order` sorted into it; others (there should be none) after."""
    rank = {f"{{{namespace}}}{name}": i for i, name in enumerate(order)}
    children = list(parent)
    ordered = sorted(children, key=lambda child: rank.get(child.tag, len(order)))
    if ordered != children:
        for child in children:
            parent.remove(child)
        parent.extend(ordered)
