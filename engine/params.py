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

KINDS = ("int", "float", "bool", "choice", "str")


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

    def coerce(self, name: str, value: object) -> object:
        """Return ``value`` as this parameter's type or raise ParamError naming ``name``."""
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise ParamError(f"{name}: must be true or false, got {value!r}")
        if self.kind == "int":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                isinstance(value, float) and not value.is_integer()
            ):
                raise ParamError(f"{name}: {self._range_text('an integer')}, got {value!r}")
            value = int(value)
        elif self.kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ParamError(f"{name}: {self._range_text('a number')}, got {value!r}")
            value = float(value)
        elif self.kind == "choice":
            if value not in self.choices:
                raise ParamError(f"{name}: must be one of {', '.join(self.choices)}, got {value!r}")
            return value
        elif self.kind == "str":
            if not isinstance(value, str):
                raise ParamError(f"{name}: must be text, got {value!r}")
            return value
        if self.minimum is not None and value < self.minimum:
            if self.kind == "int" and self.minimum == 1:
                raise ParamError(f"{name}: must be a positive integer, got {value!r}")
            raise ParamError(f"{name}: must be at least {self.minimum:g}, got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise ParamError(f"{name}: must be at most {self.maximum:g}, got {value!r}")
        return value

    def _range_text(self, noun: str) -> str:
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
