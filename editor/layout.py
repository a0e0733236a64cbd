"""Arrange: a layered left-to-right layout from the graph's topological order."""
from __future__ import annotations

import networkx as nx

from engine.graph import Graph

COLUMN_SPACING = 230.0
ROW_SPACING = 130.0


def layered_positions(graph: Graph) -> dict[str, tuple[float, float]] | None:
    """New top-left positions, one column per topological generation; None if there is a cycle.

    Within a column nodes are ordered by the mean row of what feeds them (fewer crossings),
    and columns are centred on one another. The layout keeps the graph's current top-left corner.
    """
    g = graph.to_networkx()
    if not graph.nodes or not nx.is_directed_acyclic_graph(g):
        return None
    left = min(n.position[0] for n in graph.nodes.values())
    top = min(n.position[1] for n in graph.nodes.values())
    columns = [list(gen) for gen in nx.topological_generations(g)]
    tallest = max(len(c) for c in columns)
    row: dict[str, float] = {}
    positions = {}
    for x, column in enumerate(columns):
        order = {node_id: i for i, node_id in enumerate(graph.nodes)}
        column.sort(key=lambda n: (_mean([row[p] for p in g.predecessors(n)], order[n]), order[n]))
        offset = (tallest - len(column)) / 2
        for y, node_id in enumerate(column):
            row[node_id] = y + offset
            positions[node_id] = (left + x * COLUMN_SPACING, top + (y + offset) * ROW_SPACING)
    return positions


def _mean(values: list[float], default: float) -> float:
    return sum(values) / len(values) if values else default
