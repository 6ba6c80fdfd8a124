"""The number an ordered-list item shows on a slide, in its list's style: PowerPoint
numbers the item itself (`Numbering.scheme`), and the label is what the deck is
measured with: `3.`, `c.`, `iv.`."""

from __future__ import annotations

from notebook_publish.slides.deck import Numbering


def list_number(number: int, style: str) -> Numbering:
    if style in ("LowerAlpha", "UpperAlpha"):
        letter = chr(ord("a") + (number - 1) % 26)
        upper = style == "UpperAlpha"
        return Numbering(
            "alphaUcPeriod" if upper else "alphaLcPeriod", number, (letter.upper() if upper else letter) + "."
        )
    if style in ("LowerRoman", "UpperRoman"):
        upper = style == "UpperRoman"
        numeral = roman(number)
        return Numbering(
            "romanUcPeriod" if upper else "romanLcPeriod", number, (numeral if upper else numeral.lower()) + "."
        )
    return Numbering("arabicPeriod", number, f"{number}.")


def roman(number: int) -> str:
    out = ""
    for value, letters in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while number >= value:
            out += letters
            number -= value
    return out
