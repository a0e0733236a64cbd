"""Validation with networkx: every problem at once, each naming the node to change and what to do.

``Analysis.of(graph, dataset)`` is the one pass the editor and the model share: the problems, the
shape of every node's output and the topological order. Errors stop training; warnings do not. A
node that feeds no loss is not trained, so what is wrong with it is a warning: a stray node that is
not wired yet never blocks training.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import networkx as nx

from .graph import Graph
from .nodes import Shape, ShapeError, format_shape
from .nodes import losses as loss_functions

ERROR, WARNING = "error", "warning"
CLASS_ONLY = ("categorical_cross_entropy", "kl_divergence", "hinge", "perceptron")
# What a model may allocate: beyond these, a size is a typo (100,000 units twice is 40 GB), refused
# before anything is allocated.
MAX_PARAMETER_BYTES = 2 * 1024**3
MAX_VALUES_PER_SAMPLE = 2**24
BYTES_PER_VALUE = 4  # float32; float64 doubles it


@dataclass(frozen=True)
class Fix:
    """A one-click fix for a problem: set ``node``'s ``param`` to ``value``; or, with ``insert`` (a node type),
    put a new node of that type with ``params`` (name, value pairs) on the wire into ``node``'s ``port``."""

    label: str
    node: str
    param: str = ""
    value: object = None
    insert: str = ""
    port: str = "in"
    params: tuple = ()


@dataclass(frozen=True)
class Problem:
    severity: str
    message: str
    node: str | None = None
    port: str | None = None
    fix: Fix | None = None

    def __str__(self) -> str:
        where = f"{self.node}:{self.port}" if self.port else (self.node or "graph")
        return f"{self.severity}: {where}: {self.message}"


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity == ERROR for p in problems)


@dataclass
class Analysis:
    """Everything validation learns about a graph in one pass."""

    problems: list[Problem] = field(default_factory=list)
    shapes: dict[str, Shape] = field(default_factory=dict)  # output shape of every node whose inputs fit
    order: list[str] = field(default_factory=list)  # topological order (empty with a cycle)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @classmethod
    def of(cls, graph: Graph, dataset=None) -> Analysis:
        """The problems of ``graph`` (and of its fit to ``dataset``, a Dataset, when given) and its shapes."""
        return _Analyzer(graph, dataset).run()


def validate(graph: Graph, dataset=None) -> list[Problem]:
    return Analysis.of(graph, dataset).problems


def infer_shapes(graph: Graph) -> dict[str, Shape]:
    """The output shape of every node whose inputs are wired and fit (a wire carries its source's)."""
    return Analysis.of(graph).shapes


class _Analyzer:
    def __init__(self, graph: Graph, dataset) -> None:
        self.graph, self.dataset = graph, dataset
        self.g = graph.to_networkx()
        self.problems: list[Problem] = []
        self.loss_ids = [n.id for n in graph.nodes.values() if n.kind.role == "loss"]
        self.feeds_loss = set(self.loss_ids).union(*(nx.ancestors(self.g, n) for n in self.loss_ids))

    def add(self, message: str, node: str | None = None, port: str | None = None, fix: Fix | None = None,
            severity: str | None = None) -> None:
        """A problem; about a node that feeds no loss it is only a warning (that node is not trained)."""
        if severity is None:
            severity = ERROR if node is None or node in self.feeds_loss else WARNING
        self.problems.append(Problem(severity, message, node, port, fix))

    def run(self) -> Analysis:
        graph, g = self.graph, self.g
        inputs = [n.id for n in graph.nodes.values() if n.kind.role == "input"]
        if not inputs:
            self.add("the graph has no Input node: add one to feed the data in")
        if not self.loss_ids:
            self.add("the graph has no Loss node: add one after the output so training has something to lower")
        blocked = self._cycles() | self._ports()
        reached = set(inputs).union(*(nx.descendants(g, i) for i in inputs)) if inputs else set()
        for node_id in graph.nodes:
            # Only where the break is: downstream of an unwired port, the port's own problem says it all.
            if node_id in reached or node_id in blocked or nx.ancestors(g, node_id) & blocked:
                continue
            self.add("no Input reaches this node: wire it to the data", node_id)
        shapes = self._shapes(blocked)
        self._sizes(shapes)
        for node in graph.nodes.values():
            if node.output_ports and node.id not in self.feeds_loss and node.id in shapes:
                if self._is_view(node, shapes):
                    continue
                what = ("its data reaches no loss: wire it into the network" if node.kind.role == "input"
                        else "its output reaches no loss, so it does not learn")
                self.add(what, node.id, severity=WARNING)
        self._functions()
        if self.dataset is not None:
            self._dataset(shapes)
        order = [] if self._cyclic else list(nx.topological_sort(g))
        return Analysis(self.problems, shapes, order)

    # ---- structure --------------------------------------------------------------------------
    def _cycles(self) -> set[str]:
        self._cyclic: set[str] = set()
        for component in nx.strongly_connected_components(self.g):
            node = next(iter(component))
            if len(component) == 1 and not self.g.has_edge(node, node):
                continue
            cycle = [u for u, _, *_ in nx.find_cycle(self.g.subgraph(component))]
            path = " → ".join([*cycle, cycle[0]])
            for node_id in cycle:
                self.add(f"it is on a cycle ({path}): remove one of these wires", node_id, severity=ERROR)
            self._cyclic |= component
        return set(self._cyclic)

    def _ports(self) -> set[str]:
        """Empty and doubly-wired input ports; returns the nodes that have one."""
        broken = set()
        for node in self.graph.nodes.values():
            for port in node.input_ports:
                sources = [e.src for e in self.graph.edges if e.dst == node.id and e.dst_port == port]
                if not sources:
                    what = "input" if len(node.input_ports) == 1 else f"input {port}"
                    self.add(f"its {what} is not wired: connect a node's output to it", node.id, port)
                    broken.add(node.id)
                elif len(sources) > 1:
                    self.add(f"port {port} is wired from {' and '.join(sources)}: keep one (use Add or Concat to merge)",
                             node.id, port)
                    broken.add(node.id)
        return broken

    def _shapes(self, skip: set[str]) -> dict[str, Shape]:
        shapes: dict[str, Shape] = {}
        graph = self.graph
        for node_id in nx.topological_sort(self.g.subgraph(set(self.g) - skip)):
            node = graph.nodes[node_id]
            sources = [graph.edge_into_port(node_id, port) for port in node.input_ports]
            if any(e is None or e.src not in shapes for e in sources):
                continue
            try:
                shapes[node_id] = node.kind.infer(node.params, [shapes[e.src] for e in sources])
            except ShapeError as e:
                self.add(str(e), node_id)
        return shapes

    def _in_shapes(self, node, shapes: dict[str, Shape]) -> list[Shape] | None:
        sources = [self.graph.edge_into_port(node.id, p) for p in node.input_ports]
        if any(e is None or e.src not in shapes for e in sources):
            return None
        return [shapes[e.src] for e in sources]

    def _sizes(self, shapes: dict[str, Shape]) -> None:
        """Refuse what cannot fit in memory before anything is allocated, naming the node."""
        total, largest = 0, (0, "")
        for node in self.graph.nodes.values():
            in_shapes = self._in_shapes(node, shapes)
            if in_shapes is None or node.id not in shapes:
                continue
            values = math.prod(shapes[node.id])
            if values > MAX_VALUES_PER_SAMPLE:
                self.add(f"its output of {format_shape(shapes[node.id])} = {values:,} values per sample is more than "
                         f"this machine can train ({MAX_VALUES_PER_SAMPLE:,}): make it smaller", node.id, severity=ERROR)
            size = sum(p.size for p in node.kind.parameters(node.params, in_shapes))
            total += size
            largest = max(largest, (size, node.id))
        if total * BYTES_PER_VALUE > MAX_PARAMETER_BYTES:
            self.add(
                f"the network has {total:,} parameters, {_bytes(total * BYTES_PER_VALUE)} in float32 "
                f"({largest[1]} alone {_bytes(largest[0] * BYTES_PER_VALUE)}); the limit is "
                f"{_bytes(MAX_PARAMETER_BYTES)}: make the layers smaller", largest[1], severity=ERROR,
            )

    def _is_view(self, node, shapes: dict[str, Shape]) -> bool:
        """A node with nothing to learn that only shows what learning nodes compute
        (a Step after the Dense a perceptron loss trains): it needs no loss of its own."""
        sources = [self.graph.edge_into_port(node.id, p) for p in node.input_ports]
        if not sources or any(e is None or e.src not in self.feeds_loss for e in sources):
            return False
        in_shapes = self._in_shapes(node, shapes)
        return in_shapes is not None and node.kind.parameter_count(node.params, in_shapes) == 0

    # ---- functions: activations before losses ---------------------------------------------------
    def _source_of(self, node_id: str):
        edge = self.graph.edge_into_port(node_id, "in")
        return self.graph.nodes[edge.src] if edge else None

    def _functions(self) -> None:
        for node in self.graph.nodes.values():
            if node.kind.activation(node.params) == "step" and node.id in self.feeds_loss:
                self.add("step has zero gradient, so nothing before it learns by backpropagation: "
                         "wire the layer before it to a Loss with the perceptron function instead",
                         node.id, severity=WARNING)
            if node.kind.role != "loss":
                continue
            source = self._source_of(node.id)
            if source is None:
                continue
            fn = node.params["function"]
            act = source.kind.activation(source.params)
            # Cross-entropy reads its input as probabilities; anything else is clipped into (0, 1) and
            # training stalls without an error, so say which activation belongs there.
            wanted = {"binary_cross_entropy": "sigmoid", "categorical_cross_entropy": "softmax"}.get(fn)
            label = "binary cross-entropy" if fn == "binary_cross_entropy" else "categorical cross-entropy"
            if act == "softmax" and fn == "binary_cross_entropy":
                self.add(f"softmax into binary cross-entropy: use sigmoid before it, or categorical cross-entropy "
                         f"after '{source.id}'", source.id,
                         fix=Fix(f"make '{source.id}' a sigmoid", source.id, "function", "sigmoid"))
            elif wanted and act != wanted:
                if act is not None:
                    self.add(f"{label} expects probabilities: make '{source.id}' a {wanted}", source.id,
                             fix=Fix(f"make '{source.id}' a {wanted}", source.id, "function", wanted), severity=WARNING)
                else:
                    self.add(f"{label} expects probabilities: add a {wanted} Activation after '{source.id}'",
                             node.id, severity=WARNING,
                             fix=Fix(f"insert a {wanted} before {node.id}", node.id, insert="Activation",
                                     params=(("function", wanted),)))

    def _last_layer(self, node_id: str):
        """The node that sets the width arriving at ``node_id`` (looking through element-wise nodes)."""
        node = self._source_of(node_id)
        while node is not None and node.kind.elementwise:
            node = self._source_of(node.id)
        return node

    # ---- the dataset ------------------------------------------------------------------------------
    def _dataset(self, shapes: dict[str, Shape]) -> None:
        ds = self.dataset
        for node in self.graph.nodes.values():
            if node.kind.role != "input":
                continue
            features = node.kind.features(node.params)
            if features == ds.n_features:
                continue
            if node.params["shape"]:
                self.add(f"shape {format_shape(tuple(node.params['shape']))} is {features} features but the dataset "
                         f"has {ds.n_features}: give it a shape whose product is {ds.n_features}", node.id)
            else:
                self.add(f"size is {features} but the dataset has {ds.n_features} features: make it {ds.n_features}",
                         node.id, fix=Fix(f"set {node.id} to {ds.n_features} features", node.id, "size", ds.n_features))
        for loss_id in self.loss_ids:
            edge = self.graph.edge_into_port(loss_id, "in")
            if edge is None or edge.src not in shapes or len(shapes[edge.src]) != 1:
                continue
            loss = self.graph.nodes[loss_id]
            self._targets(loss, shapes[edge.src][0], self._last_layer(loss_id))

    def _targets(self, loss, width: int, last) -> None:
        """The loss against the dataset's targets; the problem sits on the layer that must change."""
        ds, function = self.dataset, loss.params["function"]
        label = loss_functions.FUNCTIONS[function].label.lower()
        layer = f"the last {last.type} '{last.id}'" if last is not None else "its input"
        units_fix = last is not None and "units" in last.params
        at = last.id if units_fix else loss.id

        def fix(units: int) -> Fix | None:
            return Fix(f"set {last.id} to {units} unit{'s' if units != 1 else ''}", last.id, "units", units) \
                if units_fix else None

        if ds.task == "regression":
            if function in CLASS_ONLY:
                self.add(f"{label} needs class targets but the dataset is a regression: use mse, mae or huber", loss.id)
            elif width != ds.n_targets:
                self.add(f"the dataset has {ds.n_targets} target(s) but {layer} gives {width} value(s): "
                         f"make it {ds.n_targets} unit(s)", at, fix=fix(ds.n_targets))
            return
        k = ds.n_classes
        one_hot = function in ("categorical_cross_entropy", "kl_divergence")
        if width == k or (width == 1 and k == 2 and not one_hot):
            return
        if one_hot or k > 2:
            text, units = f"make it {k} units and use softmax with categorical cross-entropy", k
        else:
            text, units = ("make it 1 unit and use sigmoid with binary cross-entropy (or 2 units, softmax and "
                           "categorical cross-entropy)"), 1
        self.add(f"{k} classes: {layer} has {width} unit{'s' if width != 1 else ''} — {text}", at, fix=fix(units))


def _bytes(n: int) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"
