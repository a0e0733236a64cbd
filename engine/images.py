"""Features that are an image (an Input with a shape): which shape the graph declares, the range of
values its pixels take in the data, and a picture drawn by hand brought to that shape and range.

A person draws ink from 0 (none) to 1 (full) on a canvas finer than the input; the network wants
the data's own values: the bundled 8×8 digits count 0–16 per pixel, MNIST 0–255. ``ink_to_features``
area-averages the canvas down to the input's height × width and maps ink into the data's range, so a
drawn digit is a row like the rows the network trained on.
"""
from __future__ import annotations

import math

import numpy as np

from .nodes import Shape, is_image


def image_shape(graph, shapes: dict[str, Shape], dataset=None) -> tuple[int, int, int] | None:
    """The (channels, height, width) of the graph's one Input when it declares an image (``shapes``:
    the analysis's), and the data — if given — has that many features; else None."""
    inputs = [node_id for node_id, node in graph.nodes.items() if node.kind.role == "input"]
    if len(inputs) != 1:
        return None
    shape = shapes.get(inputs[0])
    if shape is None or not is_image(shape):
        return None
    if dataset is not None and dataset.n_features != math.prod(shape):
        return None
    return tuple(shape)


def raw_rows(dataset, rows) -> np.ndarray:
    """Rows of features as the data file holds them (float64): standardization undone."""
    x = np.asarray(dataset.x[rows], dtype=np.float64)
    return x * dataset.std + dataset.mean if dataset.mean is not None else x


def feature_range(dataset) -> tuple[float, float]:
    """The smallest and largest raw feature value over all rows and columns (computed once per dataset):
    no ink maps to the smallest, full ink to the largest."""
    if "feature_range" not in dataset.derived:
        x = dataset.x
        if len(x) == 0:
            low, high = 0.0, 1.0
        else:
            low_col, high_col = x.min(axis=0).astype(np.float64), x.max(axis=0).astype(np.float64)
            if dataset.mean is not None:  # std > 0: the order of values is kept
                low_col, high_col = low_col * dataset.std + dataset.mean, high_col * dataset.std + dataset.mean
            low, high = float(low_col.min()), float(high_col.max())
            if dataset.mean is not None:  # undoing a float32 standardization leaves ~1e-7 around whole counts
                low, high = (_whole_if_near(v, 1e-5 * (high - low)) for v in (low, high))
            if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
                low, high = (low, low + 1.0) if math.isfinite(low) else (0.0, 1.0)
        dataset.derived["feature_range"] = (low, high)
    return dataset.derived["feature_range"]


def _whole_if_near(value: float, tolerance: float) -> float:
    whole = round(value)
    return float(whole) if abs(value - whole) <= tolerance else value


def ink_to_features(ink: np.ndarray, shape: tuple[int, int, int], low: float, high: float) -> np.ndarray:
    """A drawn canvas of ink 0–1, ``factor`` times finer than the input in both directions (its sides
    multiples of height and width), as one row of channels·height·width raw features: each input pixel
    the mean ink over its block, mapped to ``low`` (no ink) … ``high`` (full ink); every channel alike."""
    channels, height, width = shape
    ink = np.asarray(ink, dtype=np.float64)
    rows, cols = ink.shape
    if rows % height or cols % width:
        raise ValueError(f"a canvas of {rows}×{cols} does not divide into {height}×{width} pixels")
    pixels = ink.reshape(height, rows // height, width, cols // width).mean(axis=(1, 3))
    values = low + np.clip(pixels, 0.0, 1.0) * (high - low)
    return np.broadcast_to(values, (channels, height, width)).reshape(-1).copy()
