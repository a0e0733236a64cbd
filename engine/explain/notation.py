"""Math for reading: numbers rounded sensibly and formulas as Unicode text and as HTML.

A formula is built once from parts — literal text, variables (``Var``) and numbers (``Num``) —
and rendered twice: as plain Unicode for terminals and handouts (``z₃ = x₀·w₀,₃ = 2·5 = 10``)
and as HTML for rich-text widgets, where every number carries its full precision in a
``title`` attribute. A ``Line`` keeps the numbers it shows at full precision too, so a
script (or the JSON output) never has to parse rounded text.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

DIGITS = 4  # significant digits shown; the full value is in Line.numbers and the HTML title
_SUB = str.maketrans("0123456789+-−ijkmnt", "₀₁₂₃₄₅₆₇₈₉₊₋₋ᵢⱼₖₘₙₜ")
_SUP = str.maketrans("0123456789+-−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻")


def number(value: float, digits: int = DIGITS) -> str:
    """``value`` to ``digits`` significant digits without trailing zeros, a real minus sign, and
    ``×10ⁿ`` only for very small or very large magnitudes: 4.2, −0.26, 0.6931, 1.5×10⁻⁵."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    if -4 <= magnitude < 6:
        decimals = max(0, digits - 1 - magnitude)
        text = f"{value:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        text = "0" if text in ("-0", "") else text
    else:
        mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        text = f"{mantissa}×10{str(int(exponent)).translate(_SUP)}"
    return text.replace("-", "−")


def subscript(text: object) -> str:
    """Unicode subscripts where they exist (digits, signs, i j k m n t); other characters as they are."""
    return str(text).translate(_SUB)


def superscript(text: object) -> str:
    return str(text).translate(_SUP)


@dataclass(frozen=True)
class Var:
    """A variable with an optional subscript: ``Var("w", "0,3")`` reads w₀,₃."""

    name: str
    sub: str = ""

    def text(self) -> str:
        return self.name + subscript(self.sub)

    def html(self) -> str:
        name = html.escape(self.name)
        if self.name[:1].isalpha() and len(self.name.rstrip("\u0302")) == 1:  # a math letter, maybe with a hat
            name = f"<i>{name}</i>"
        return name + (f"<sub>{html.escape(self.sub)}</sub>" if self.sub else "")


@dataclass(frozen=True)
class Num:
    """A number; ``paren`` wraps a negative one in brackets, as a factor in a product needs."""

    value: float
    paren: bool = False

    def text(self) -> str:
        shown = number(self.value)
        return f"({shown})" if self.paren and self.value < 0 else shown

    def html(self) -> str:
        return f'<span title="{float(self.value)!r}">{html.escape(self.text())}</span>'


Part = str | Var | Num


def product_parts(*factors: Part) -> list[Part]:
    """``a·b·c`` with negative numbers in brackets."""
    parts: list[Part] = []
    for i, factor in enumerate(factors):
        if i:
            parts.append("·")
        parts.append(Num(factor.value, paren=True) if isinstance(factor, Num) else factor)
    return parts


@dataclass
class Line:
    """One line of math: ``text`` (Unicode) and ``html`` render the same parts, ``value`` is its
    result and ``numbers`` every number it shows, at full precision, in order of appearance.

    ``key`` names what the line computes ("z", "a", "dL/dz", "dL/dw", "w_new", ...) so that
    the Math view and scripts can find it; ``note`` is a sentence of explanation, if any.
    """

    key: str
    text: str
    html: str
    value: float | None
    numbers: list[float] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict:
        return {"key": self.key, "text": self.text, "html": self.html, "value": self.value,
                "numbers": self.numbers, "note": self.note}


def line(key: str, parts: list[Part], value: float | None = None, note: str = "") -> Line:
    """A Line from parts; ``value`` is the line's result at full precision (if it has one)."""
    text = "".join(p if isinstance(p, str) else p.text() for p in parts)
    markup = "".join(html.escape(p) if isinstance(p, str) else p.html() for p in parts)
    numbers = [float(p.value) for p in parts if isinstance(p, Num)]
    return Line(key, text, markup, None if value is None else float(value), numbers, note)


def equation(key: str, *sides: list[Part] | Part, value: float | None = None, note: str = "") -> Line:
    """``side₁ = side₂ = …``: each side a part or a list of parts. Without an explicit ``value``
    the last side, if it is a single number, is the line's value."""
    parts: list[Part] = []
    for i, side in enumerate(sides):
        if i:
            parts.append(" = ")
        parts.extend(side if isinstance(side, list) else [side])
    if value is None and isinstance(sides[-1], Num):
        value = sides[-1].value
    return line(key, parts, value, note)


def text_line(key: str, text: str, note: str = "") -> Line:
    """A line of words without numbers (e.g. "x₀ is data: nothing before it is trained")."""
    return line(key, [text], None, note)
