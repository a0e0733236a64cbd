"""Units (neurons) as pictures: which nodes have them, the colour scale of a node's units, and each unit's
output over the input plane as an RGB image — shared by the canvas's neuron pictures and the Neurons view."""
from __future__ import annotations

import numpy as np

# Activations whose output lies in (0, 1): their units are coloured from 0 to 1, with ½ in the middle.
UNIT_INTERVAL = ("sigmoid", "softmax", "hard_sigmoid")


def unit_nodes(info) -> list[str]:
    """The nodes whose output is a vector of units (layers, activations, merges), in order: not the
    Input, not a Loss, and not an image."""
    return [n for n in info.nodes if len(info.shapes.get(n, ())) == 1]


def unit_levels(function: str | None, values: np.ndarray) -> tuple[float, float]:
    """One colour scale for all of a node's units: 0 … 1 for a probability, else symmetric about 0."""
    if function in UNIT_INTERVAL:
        return 0.0, 1.0
    finite = values[np.isfinite(values)]
    top = float(np.abs(finite).max()) if finite.size else 1.0
    return -(top or 1.0), top or 1.0


def plane_images(values: np.ndarray, grid: int, levels: tuple[float, float], lut: np.ndarray,
                 step: int = 1) -> np.ndarray:
    """Each unit's output over the plane (``values``: grid·grid points × units, rows from the lowest y up) as
    RGB bytes, (units, rows, columns, 3), top row first as screens draw, every ``step``-th point."""
    lo, hi = levels
    maps = values.T.reshape(-1, grid, grid)[:, ::-step, ::step]
    scaled = np.clip((maps - lo) / (hi - lo), 0.0, 1.0)
    index = np.nan_to_num(scaled * (len(lut) - 1), nan=(len(lut) - 1) / 2).astype(np.intp)
    return np.ascontiguousarray(lut[index])


def curves(values: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """Each unit's output along a one-feature input range, scaled to 0 … 1 by ``levels``: (units, points)."""
    lo, hi = levels
    return np.clip((values.T - lo) / (hi - lo), 0.0, 1.0)
