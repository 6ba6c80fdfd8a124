"""TeX as plain Unicode, for the places that can draw no formula: contents entries,
bookmarks, inline math on slides, the PDF's searchable text over each formula
(`\\omega_t + \\alpha` -> `ω_t + α`). Readable, not exact; it never raises."""

from __future__ import annotations

import re

from latex2mathml.symbols_parser import SYMBOLS as L2M_SYMBOLS

_UNI_TOKEN = re.compile(r"\\[a-zA-Z]+\*?|\\.|\s+|.", re.DOTALL)
# Commands that only change size, spacing or style: their argument (if any) is kept as is.
_UNI_KEEP_ARGUMENT = re.compile(r"\\(math[a-z]*|text[a-z]*|operatorname\*?|mbox|hbox|bm|boldsymbol|pmb|boxed|fbox)$")
_UNI_DROP = {
    "\\left",
    "\\right",
    "\\middle",
    "\\limits",
    "\\nolimits",
    "\\displaystyle",
    "\\textstyle",
    "\\scriptstyle",
    "\\scriptscriptstyle",
    "\\nonumber",
    "\\notag",
    "\\mathstrut",
}
_UNI_SPACES = {"\\,", "\\;", "\\:", "\\>", "\\ ", "\\\\", "\\quad", "\\qquad", "\\enspace", "\\thinspace", "\\space"}
_UNI_ACCENTS = {
    "\\hat": "\u0302",
    "\\widehat": "\u0302",
    "\\bar": "\u0304",
    "\\overline": "\u0305",
    "\\tilde": "\u0303",
    "\\widetilde": "\u0303",
    "\\vec": "\u20d7",
    "\\dot": "\u0307",
    "\\ddot": "\u0308",
}


class _UnicodeWriter:
    """A small recursive reader over TeX tokens; it only has to be readable, not exact."""

    def __init__(self, tex: str) -> None:
        self.tokens: list[str] = _UNI_TOKEN.findall(tex)
        self.pos = 0

    def next(self) -> str | None:
        if self.pos >= len(self.tokens):
            return None
        self.pos += 1
        return self.tokens[self.pos - 1]

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def document(self) -> str:
        out = []
        while (token := self.next()) is not None:
            out.append(self.token(token))  # a stray '}' here becomes ''
        return "".join(out)

    def until(self, closing: str) -> str:
        out = []
        while (token := self.next()) is not None and token != closing:
            out.append(self.token(token))
        return "".join(out)

    def argument(self) -> str:
        while (token := self.next()) is not None and token.isspace():
            pass
        return "" if token is None else self.token(token)

    def token(self, token: str) -> str:
        if token == "{":
            return self.until("}")
        if token == "}":
            return ""
        if token.isspace() or token == "&":  # & separates cells of a matrix or alignment
            return " "
        if token in "_^":
            arg = self.argument().strip()
            return token + _parenthesize(arg)
        if not token.startswith("\\"):
            return token
        if token in _UNI_DROP or token.startswith(("\\big", "\\Big")):
            if token in ("\\left", "\\right", "\\middle") and self.peek() == ".":
                self.pos += 1  # \left. is an invisible delimiter
            return ""
        if token in _UNI_SPACES:
            return " "
        if token == "\\!":
            return ""
        if len(token) == 2 and not token[1].isalpha():
            return "\u2016" if token == "\\|" else token[1]  # \{ \} \% \$ \& \# \_
        if token in ("\\frac", "\\dfrac", "\\tfrac", "\\cfrac"):
            numerator, denominator = self.argument().strip(), self.argument().strip()
            return f"{_parenthesize(numerator)}/{_parenthesize(denominator)}"
        if token == "\\sqrt":
            index = ""
            if self.peek() == "[":
                self.pos += 1
                index = self.until("]")
            return f"{index}\u221a{_parenthesize(self.argument().strip())}"
        if token in ("\\begin", "\\end"):
            self.argument()  # the environment's name
            return ""
        if token in _UNI_ACCENTS:
            arg = self.argument()
            return arg + _UNI_ACCENTS[token] if len(arg) == 1 else arg
        if token == "\\not":
            return self.argument() + "\u0338"
        if token in ("\\textcolor", "\\color"):  # the colour is not text: `\textcolor{blue}{x}` is x
            self.argument()
            return self.argument() if token == "\\textcolor" else ""
        if _UNI_KEEP_ARGUMENT.match(token):
            arg = self.argument()
            # latex2mathml lists \mathbb{R} and friends as symbols of their own.
            return _unicode_symbol(f"{token}{{{arg}}}") or arg
        # \log, \sin, \max ... and anything unknown read best as their bare name.
        return _unicode_symbol(token) or token[1:].rstrip("*")


def _unicode_symbol(command: str) -> str:
    code = L2M_SYMBOLS.get(command)
    return "".join(chr(int(c, 16)) for c in code.split()) if code else ""


def _parenthesize(text: str) -> str:
    return text if len(text) <= 1 or text.isalnum() else f"({text})"


def tex_to_unicode(tex: str) -> str:
    """A best-effort plain rendering: `\\omega_t + \\alpha` -> `ω_t + α`. Never raises."""
    try:
        text = _UnicodeWriter(tex).document()
    except Exception:  # the fallback cannot fail: just drop the backslashes
        text = tex.replace("\\", "")
    return re.sub(r"\s+", " ", text).strip()
