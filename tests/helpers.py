"""Small builders shared by the engine tests."""
from __future__ import annotations

from engine.graph import Graph


def chain(*nodes: tuple[str, dict], input_size: int = 3) -> Graph:
    """Input(input_size) followed by ``nodes`` wired one after another: ("Dense", {"units": 4}), ..."""
    graph = Graph()
    previous = graph.add_node("Input", {"size": input_size}, node_id="x").id
    for i, (type_name, params) in enumerate(nodes):
        node = graph.add_node(type_name, params, (200.0 * (i + 1), 0.0), node_id=f"n{i}")
        graph.connect(previous, node.id, node.input_ports[0])
        previous = node.id
    return graph
