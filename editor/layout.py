"""Arrange: a layered left-to-right layout from the graph's topological order.

A long chain laid out in one row is too wide to read when fitted to the window, so the layout
may wrap its columns into bands stacked top to bottom (like lines of text), as many as make
the nodes largest in the view.
"""
from __future__ import annotations

import math

import networkx as nx

from engine.graph import Graph

COLUMN_SPACING = 230.0
ROW_SPACING = 130.0
BAND_GAP = 90.0  # between the last row of a band and the first of the next: room for the wrapping wire
NODE_SIZE = (180.0, 100.0)  # a typical card with its neuron pictures under it, for the fitted-size estimate
MARGIN = 60.0  # what the view adds around the graph when fitting
READABLE_SCALE = 0.6  # the node titles' text is still legible at this zoom


def layered_positions(graph: Graph, view: tuple[float, float] | None = None) -> dict[str, tuple[float, float]] | None:
    """New top-left positions, one column per topological generation; None if there is a cycle.

    Within a column nodes are ordered by the mean row of what feeds them (fewer crossings),
    and columns are centred on one another. Given the ``view`` size (width, height), the columns
    wrap into bands when that shows the nodes larger. The layout keeps the graph's top-left corner.
    """
    g = graph.to_networkx()
    if not graph.nodes or not nx.is_directed_acyclic_graph(g):
        return None
    left = min(n.position[0] for n in graph.nodes.values())
    top = min(n.position[1] for n in graph.nodes.values())
    columns = [list(gen) for gen in nx.topological_generations(g)]
    tallest = max(len(c) for c in columns)
    per_band = len(columns) if view is None else columns_per_band(len(columns), tallest, view)
    band_height = (tallest - 1) * ROW_SPACING + NODE_SIZE[1] + BAND_GAP
    order = {node_id: i for i, node_id in enumerate(graph.nodes)}
    row: dict[str, float] = {}
    positions = {}
    for x, column in enumerate(columns):
        column.sort(key=lambda n: (_mean([row[p] for p in g.predecessors(n)], order[n]), order[n]))
        offset = (tallest - len(column)) / 2
        band, x_in_band = divmod(x, per_band)
        for y, node_id in enumerate(column):
            row[node_id] = y + offset
            positions[node_id] = (left + x_in_band * COLUMN_SPACING, top + band * band_height + (y + offset) * ROW_SPACING)
    return positions


def columns_per_band(columns: int, tallest: int, view: tuple[float, float]) -> int:
    """How many columns a band holds so the graph, fitted to a ``view`` (width, height), is largest.

    A chain reads best in one line, so the fewest bands win that show the nodes at a readable
    scale, or failing that, nearly as large as the most bands could.
    """
    def scale(bands: int) -> float:
        per_band = math.ceil(columns / bands)
        width = (per_band - 1) * COLUMN_SPACING + NODE_SIZE[0] + 2 * MARGIN
        height = bands * ((tallest - 1) * ROW_SPACING + NODE_SIZE[1]) + (bands - 1) * BAND_GAP + 2 * MARGIN
        return min(1.0, view[0] / width, view[1] / height)

    scales = [scale(bands) for bands in range(1, columns + 1)]
    best = max(scales)
    enough = min(READABLE_SCALE, 0.9 * best)
    bands = next(i for i, s in enumerate(scales, 1) if s >= enough)
    return math.ceil(columns / bands)


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default
