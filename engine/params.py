"""Declared parameters: type, default, range or choices and a help line.

Node types and optimizers declare their settings with ``ParamSpec`` so that the
editor can build widgets from them and the engine can refuse bad values with a
message that names the parameter.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import ParamError

KINDS = ("int", "float", "bool", "choice", "str", "shape")


@dataclass(frozen=True)
class ParamSpec:
    kind: str
    default: object
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    # Whether the parameter matters given the others (e.g. alpha only for leaky_relu);
    # the inspector hides it otherwise, the engine still stores it.
    applies: Callable[[dict], bool] = field(default=lambda params: True, compare=False)
    label: str = ""
    lengths: tuple[int, ...] = ()  # a shape's allowed numbers of dimensions
    # Left out of a saved file while at its default (a key newer than the files that lack it).
    omit_default: bool = False

    def coerce(self, name: str, value: object) -> object:
        """Return ``value`` as this parameter's type or raise ParamError naming ``name``."""
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise ParamError(f"{name}: must be true or false, got {_short(value)}")
        if self.kind == "int":
            if self.choices and (value is None or isinstance(value, str)) and value in self.choices:
                return value  # a named alternative to a number: padding "same", a stride None (as the pool)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                isinstance(value, float) and not value.is_integer()
            ):
                raise ParamError(f"{name}: {self._range_text('an integer')}, got {_short(value)}")
            value = int(value)
        elif self.kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not _finite(value):
                raise ParamError(f"{name}: {self._range_text('a number')}, got {_short(value)}")
            value = float(value)
        elif self.kind == "choice":
            if value not in self.choices:
                raise ParamError(f"{name}: must be one of {', '.join(self.choices)}, got {_short(value)}")
            return value
        elif self.kind == "str":
            if not isinstance(value, str):
                raise ParamError(f"{name}: must be text, got {_short(value)}")
            return value
        elif self.kind == "shape":
            return self._shape(name, value)
        if self.minimum is not None and value < self.minimum:
            if self.kind == "int" and self.minimum == 1:
                raise ParamError(f"{name}: must be a positive integer, got {_short(value)}")
            raise ParamError(f"{name}: must be at least {self.minimum:g}, got {_short(value)}")
        if self.maximum is not None and value > self.maximum:
            raise ParamError(f"{name}: must be at most {self.maximum:g}, got {_short(value)}")
        return value

    def _shape(self, name: str, value: object) -> list[int]:
        dims = " or ".join(str(n) for n in self.lengths)
        top = int(self.maximum) if self.maximum is not None else None
        if (
            not isinstance(value, list)
            or len(value) not in self.lengths
            or not all(isinstance(n, int) and not isinstance(n, bool) and 1 <= n <= (top or n) for n in value)
        ):
            bound = f" from 1 to {top}" if top else ""
            raise ParamError(f"{name}: must be a list of {dims} whole numbers{bound}, got {_short(value)}")
        return list(value)

    def _range_text(self, noun: str) -> str:
        if self.kind == "int" and self.choices:
            named = " or ".join("null" if c is None else f'"{c}"' for c in self.choices)
            return f"must be {noun} from {self.minimum:g} to {self.maximum:g}, or {named}"
        if self.minimum is not None and self.maximum is not None:
            return f"must be {noun} from {self.minimum:g} to {self.maximum:g}"
        if self.minimum is not None:
            return f"must be {noun} ≥ {self.minimum:g}"
        return f"must be {noun}"

def fill_params(specs: dict[str, ParamSpec], given: dict, where: str) -> dict:
    """Validate ``given`` against ``specs`` and fill in defaults.

    ``where`` prefixes error messages (e.g. ``graph.nodes[3].params``). Unknown keys are errors.
    """
    if not isinstance(given, dict):
        raise ParamError(f"{where}: must be an object, got {type(given).__name__}")
    unknown = sorted(set(given) - set(specs))
    if unknown:
        known = ", ".join(specs) or "none"
        raise ParamError(f"{where}.{unknown[0]}: unknown parameter (known: {known})")
    return {
        name: spec.coerce(f"{where}.{name}", given[name]) if name in given else spec.default
        for name, spec in specs.items()
    }


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too big for a float
        return False


def _short(value: object) -> str:
    """A value for a message, cut short: a file may hold anything (even an int too long to print)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**60:
        return f"a {value.bit_length()}-bit integer"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
