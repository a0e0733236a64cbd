"""Validation with networkx: every problem at once, each naming its node and what to do.

Errors stop training; warnings do not.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from .graph import Graph
from .nodes import ShapeError
from .nodes import losses as loss_functions

ERROR, WARNING = "error", "warning"
PASS_THROUGH = ("Activation", "Dropout")  # nodes that keep the width of what feeds them
CLASS_ONLY = ("categorical_cross_entropy", "kl_divergence", "hinge", "perceptron")


@dataclass(frozen=True)
class Problem:
    severity: str
    message: str
    node: str | None = None
    port: str | None = None

    def __str__(self) -> str:
        where = f"{self.node}:{self.port}" if self.port else (self.node or "graph")
        return f"{self.severity}: {where}: {self.message}"


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)


def validate(graph: Graph, dataset=None) -> list[Problem]:
    """Every problem of ``graph`` (and of its fit to ``dataset``, a Dataset, when given)."""
    problems: list[Problem] = []
    g = graph.to_networkx()
    inputs = [n.id for n in graph.nodes.values() if n.type == "Input"]
    loss_ids = [n.id for n in graph.nodes.values() if n.type == "Loss"]
    if not inputs:
        problems.append(Problem(ERROR, "the graph has no Input node: add one to feed the data in"))
    if not loss_ids:
        problems.append(Problem(ERROR, "the graph has no Loss node: add one after the output so training has something to lower"))

    cyclic = _cycle_problems(g, problems)
    broken = _port_problems(graph, problems)
    blocked = cyclic | broken
    reached = set(inputs).union(*(nx.descendants(g, i) for i in inputs)) if inputs else set()
    for node_id in graph.nodes:
        if node_id in reached or node_id in blocked:
            continue
        roots = sorted(a for a in nx.ancestors(g, node_id) if a in broken)
        hint = f"wire {', '.join(repr(r) for r in roots)} to the data" if roots else "wire it to the data"
        problems.append(Problem(ERROR, f"no Input reaches this node: {hint}", node_id))

    feeds_loss = set(loss_ids).union(*(nx.ancestors(g, l) for l in loss_ids)) if loss_ids else set()
    widths = _infer(graph, g, problems, skip=blocked)
    for node in graph.nodes.values():
        if node.output_ports and node.id not in feeds_loss and node.id not in blocked:
            if _is_view(graph, node, widths, feeds_loss):
                continue
            what = ("its data reaches no loss: wire it into the network" if node.type == "Input"
                    else "its output reaches no loss, so it does not learn")
            problems.append(Problem(WARNING, what, node.id))
    _function_problems(graph, problems, feeds_loss)
    if dataset is not None:
        _dataset_problems(graph, widths, dataset, problems)
    return problems


def infer_widths(graph: Graph) -> dict[str, int]:
    """The output width of every node whose inputs are wired and fit (a wire carries its source's)."""
    g = graph.to_networkx()
    scratch: list[Problem] = []
    blocked = _cycle_problems(g, scratch) | _port_problems(graph, scratch)
    return _infer(graph, g, scratch, skip=blocked)


def _cycle_problems(g: nx.MultiDiGraph, problems: list[Problem]) -> set[str]:
    on_cycles: set[str] = set()
    for component in nx.strongly_connected_components(g):
        node = next(iter(component))
        if len(component) == 1 and not g.has_edge(node, node):
            continue
        cycle = [u for u, _, *_ in nx.find_cycle(g.subgraph(component))]
        path = " → ".join([*cycle, cycle[0]])
        for node_id in cycle:
            problems.append(Problem(ERROR, f"it is on a cycle ({path}): remove one of these wires", node_id))
        on_cycles |= component
    return on_cycles


def _port_problems(graph: Graph, problems: list[Problem]) -> set[str]:
    """Empty and doubly-wired input ports; returns the nodes that have one."""
    broken = set()
    for node in graph.nodes.values():
        for port in node.input_ports:
            sources = [e.src for e in graph.edges if e.dst == node.id and e.dst_port == port]
            if not sources:
                what = "input" if len(node.input_ports) == 1 else f"input {port}"
                problems.append(Problem(ERROR, f"its {what} is not wired: connect a node's output to it", node.id, port))
                broken.add(node.id)
            elif len(sources) > 1:
                problems.append(Problem(
                    ERROR, f"port {port} is wired from {' and '.join(sources)}: keep one (use Add or Concat to merge)",
                    node.id, port,
                ))
                broken.add(node.id)
    return broken


def _infer(graph: Graph, g: nx.MultiDiGraph, problems: list[Problem], skip: set[str]) -> dict[str, int]:
    widths: dict[str, int] = {}
    order = nx.topological_sort(g.subgraph(set(g) - skip))
    for node_id in order:
        node = graph.nodes[node_id]
        sources = [graph.edge_into_port(node_id, port) for port in node.input_ports]
        if any(e is None or e.src not in widths for e in sources):
            continue
        try:
            widths[node_id] = node.spec.infer(node.params, [widths[e.src] for e in sources])
        except ShapeError as e:
            problems.append(Problem(ERROR, str(e), node_id))
    return widths


def _is_view(graph: Graph, node, widths: dict[str, int], feeds_loss: set[str]) -> bool:
    """A node with nothing to learn that only shows what learning nodes compute
    (a Step after the Dense a perceptron loss trains): it needs no loss of its own."""
    sources = [graph.edge_into_port(node.id, p) for p in node.input_ports]
    if not sources or any(e is None or e.src not in feeds_loss or e.src not in widths for e in sources):
        return False
    return node.spec.parameter_count(node.params, [widths[e.src] for e in sources]) == 0


def _function_problems(graph: Graph, problems: list[Problem], feeds_loss: set[str]) -> None:
    for node in graph.nodes.values():
        if node.type == "Activation" and node.params["function"] == "step" and node.id in feeds_loss:
            problems.append(Problem(
                WARNING,
                "step has zero gradient, so nothing before it learns by backpropagation: "
                "wire the layer before it to a Loss with the perceptron function instead",
                node.id,
            ))
        if node.type != "Loss":
            continue
        source = _source_of(graph, node.id)
        if source is None:
            continue
        fn = node.params["function"]
        act = source.params["function"] if source.type == "Activation" else None
        # Cross-entropy reads its input as probabilities; anything else is clipped into (0, 1) and
        # training stalls without an error, so say which activation belongs there.
        wanted = {"binary_cross_entropy": "sigmoid", "categorical_cross_entropy": "softmax"}.get(fn)
        label = "binary cross-entropy" if fn == "binary_cross_entropy" else "categorical cross-entropy"
        if act == "softmax" and fn == "binary_cross_entropy":
            problems.append(Problem(
                ERROR,
                f"softmax into binary cross-entropy: use sigmoid before it, or categorical cross-entropy after '{source.id}'",
                node.id,
            ))
        elif wanted and act != wanted:
            fix = f"make '{source.id}' a {wanted}" if act else f"add a {wanted} Activation after '{source.id}'"
            problems.append(Problem(WARNING, f"{label} expects probabilities: {fix}", node.id))


def _source_of(graph: Graph, node_id: str):
    edge = graph.edge_into_port(node_id, "in")
    return graph.nodes[edge.src] if edge else None


def _last_layer(graph: Graph, node_id: str):
    """The node that sets the width arriving at ``node_id`` (looking through activations and dropout)."""
    node = _source_of(graph, node_id)
    while node is not None and node.type in PASS_THROUGH:
        node = _source_of(graph, node.id)
    return node


def _dataset_problems(graph: Graph, widths: dict[str, int], dataset, problems: list[Problem]) -> None:
    for node in graph.nodes.values():
        if node.type == "Input" and node.params["size"] != dataset.n_features:
            problems.append(Problem(
                ERROR,
                f"size is {node.params['size']} but the dataset has {dataset.n_features} features: make it {dataset.n_features}",
                node.id,
            ))
    for node in graph.nodes.values():
        edge = graph.edge_into_port(node.id, "in") if node.type == "Loss" else None
        if edge is None or edge.src not in widths:
            continue
        message = _target_mismatch(node.params["function"], widths[edge.src], dataset, _last_layer(graph, node.id))
        if message:
            problems.append(Problem(ERROR, message, node.id))


def _target_mismatch(function: str, width: int, dataset, last) -> str | None:
    label = loss_functions.FUNCTIONS[function].label.lower()
    layer = f"the last {last.type} '{last.id}'" if last is not None else "its input"
    if dataset.task == "regression":
        if function in CLASS_ONLY:
            return f"{label} needs class targets but the dataset is a regression: use mse, mae or huber"
        if width != dataset.n_targets:
            return (
                f"the dataset has {dataset.n_targets} target(s) but {layer} gives {width} "
                f"value(s): make it {dataset.n_targets} unit(s)"
            )
        return None
    k = dataset.n_classes
    one_hot = function in ("categorical_cross_entropy", "kl_divergence")
    if width == k or (width == 1 and k == 2 and not one_hot):
        return None
    if one_hot or k > 2:
        fix = f"make it {k} units and use softmax with categorical cross-entropy"
    else:
        fix = "make it 1 unit and use sigmoid with binary cross-entropy (or 2 units, softmax and categorical cross-entropy)"
    return f"{k} classes: {layer} has {width} unit{'s' if width != 1 else ''} — {fix}"
