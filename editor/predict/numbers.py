"""Numbers as the Predict dock writes them: probabilities, node values, and raw feature values."""
from __future__ import annotations

import numpy as np


def percent(p: float) -> str:
    """A probability as a percentage that never rounds a doubt away: 0.99996 is "> 99.9 %", not 100."""
    if 0.999 < p < 1.0 and round(p * 100, 1) >= 100.0:
        return "> 99.9 %"
    if 0.0 < p < 0.001 and round(p * 100, 1) <= 0.0:
        return "< 0.1 %"
    return f"{p * 100:.1f} %"


def format_number(value: float) -> str:
    """Four significant digits; very small or large values in short scientific form."""
    if not np.isfinite(value):
        return str(value)
    a = abs(value)
    if a == 0:
        return "0"
    if a < 1e-3 or a >= 1e5:
        return f"{value:.1e}"
    return f"{value:.4g}" if a >= 1 else f"{value:.4f}".rstrip("0").rstrip(".")


def field_text(value: float, dtype=np.float32) -> str:
    """A raw feature value as it goes into a field: the shortest text that reads back as the same value
    at the data's precision (``dtype``), so a float32 130 that came back through float64 as 129.9999998
    shows "130", and 0.1 shows "0.1"."""
    value = np.dtype(dtype).type(value) if np.dtype(dtype).kind == "f" else np.float64(value)
    if not np.isfinite(value):
        return str(float(value))
    if value == 0:
        return "0"
    if 1e-4 <= abs(value) < 1e16:
        return np.format_float_positional(value, unique=True, trim="-")
    return np.format_float_scientific(value, unique=True, trim="-")
