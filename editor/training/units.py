"""Units (neurons) as pictures: which nodes have them, the colour scale of a node's units, each unit's output
over the input plane as an RGB image (the canvas's neuron pictures and the Neurons view), and each unit's
incoming weights as an image when its input is one (the Weights view)."""
from __future__ import annotations

import math

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
    top = float(np.nanmax(np.abs(values))) if values.size else 1.0
    top = top if math.isfinite(top) and top > 0 else 1.0
    return -top, top


def plane_maps(values: np.ndarray, grid: int, step: int = 1) -> np.ndarray:
    """Each unit's output over the plane (``values``: grid·grid points × units, rows from the lowest y up) as
    (units, rows, columns), top row first as screens draw, every ``step``-th point."""
    return values.reshape(grid, grid, -1)[::-step, ::step].transpose(2, 0, 1)


def plane_images(maps: np.ndarray, levels: tuple[float, float], lut: np.ndarray) -> np.ndarray:
    """``maps`` (units, rows, columns) as RGB bytes through ``lut`` (256 colours), ``levels`` its ends."""
    lo, hi = levels
    index = np.clip((maps - lo) * (255.0 / (hi - lo)), 0.0, 255.0)
    np.nan_to_num(index, copy=False, nan=127.5)
    return np.ascontiguousarray(lut[index.astype(np.uint8)])


def curves(values: np.ndarray, levels: tuple[float, float]) -> np.ndarray:
    """Each unit's output along a one-feature input range, scaled to 0 … 1 by ``levels``: (units, points)."""
    lo, hi = levels
    return np.clip((values.T - lo) / (hi - lo), 0.0, 1.0)


def input_image_shape(node_id: str, sources: dict[str, list[str]], shapes: dict[str, tuple]) -> tuple | None:
    """The image (channels, height, width) that the vector into ``node_id`` was laid out from, looking back
    through nodes that keep the number of values (a Flatten, an activation): None if it is no image."""
    if len(sources.get(node_id, ())) != 1:
        return None
    source = sources[node_id][0]
    size = math.prod(shapes[source])
    while len(shapes[source]) != 3:
        before = sources.get(source, ())
        if len(before) != 1 or math.prod(shapes[before[0]]) != size:
            return None
        source = before[0]
    return tuple(shapes[source])


def weight_tiles(weight: np.ndarray, image: tuple | None) -> np.ndarray | None:
    """Each unit's incoming weights as an image, (units, channels, height, width): a convolution's filters
    as they are, a dense layer's columns when its input is an image; None when they are no images."""
    if weight.ndim == 4:
        return weight
    if weight.ndim == 2 and image is not None and math.prod(image) == weight.shape[0]:
        return weight.T.reshape(weight.shape[1], *image)
    return None


def mosaic(tiles: np.ndarray, columns: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The tiles (n, channels, height, width) in one float32 image, ``columns`` tiles a row, each tile's
    channels side by side, NaN (drawn transparent) one pixel between channels and two between tiles.
    Returns the image and each tile's top-left (column, row) in it."""
    n, channels, height, width = tiles.shape
    tile_w = channels * width + (channels - 1)
    rows = math.ceil(n / columns)
    image = np.full((rows * (height + 2) - 2, columns * (tile_w + 2) - 2), np.nan, dtype=np.float32)
    corners = []
    for k in range(n):
        row, col = divmod(k, columns)
        top, left = row * (height + 2), col * (tile_w + 2)
        for c in range(channels):
            x = left + c * (width + 1)
            image[top : top + height, x : x + width] = tiles[k, c]
        corners.append((left, top))
    return image, corners
