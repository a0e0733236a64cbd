"""The Math view's engine: one sample through the project's network with its real numbers.

An ``Explainer`` compiles the graph in float64 (the same model code as training), loads the
project's parameters — or, for an untrained project, the very initial values training would
start from — and keeps an optimizer with the run's state. ``explain`` runs one sample forward
and backward and describes one node and unit; ``step`` takes that update for real.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..datasets import Dataset
from ..errors import NeuroCanvasError
from ..graph import Graph
from ..model import Model
from ..optimizers import make_optimizer
from ..training_settings import parse_training
from .node import Chain, explain_node, loss_line
from .notation import Line, Num
from .passes import LINEAR, Pass, run_pass
from .update import describe, explain_update


SHOWN_FEATURES = 6  # a sample's description names this many features


class ExplainError(NeuroCanvasError):
    """A node, unit, input or sample that the network does not have."""


@dataclass
class Sample:
    """The row explained: ``features`` as the network sees them (standardized when the dataset
    is), ``raw`` as in the data, ``target`` the dataset's label (a class index) or values."""

    index: int | None  # the dataset's row (counting from 0), or None for typed values
    features: list[float]
    raw: list[float]
    target: list[float] | int
    description: str  # "row 0: x = 2 → y = 6"


@dataclass
class Explanation:
    """Everything the Math view shows for one sample and one node's unit; numbers at full precision.

    ``values`` and ``output_gradients`` hold every node's output and ∂L/∂output for the sample;
    ``gradients`` every parameter's ∂L/∂θ for a batch of this one sample (what ``step`` applies).
    ``forward``, ``backward`` and ``update`` are the selected unit's lines; ``losses`` one line per
    loss node; ``chain`` the product of factors from the loss down to the selected weight.
    """

    sample: Sample
    node: str
    unit: int
    kind: str  # input, linear, activation, add, concat, pass-through, loss, other
    source: int | None  # the input of the selected weight (linear nodes)
    parameter: str | None  # the selected weight's parameter name, e.g. "h.weight"
    values: dict[str, np.ndarray]
    output_gradients: dict[str, np.ndarray]
    gradients: dict[str, np.ndarray]
    losses: dict[str, Line]
    loss: float
    forward: list[Line]
    backward: list[Line]
    chain: Chain | None
    update: list[Line]
    optimizer: str  # "SGD, η = 0.1 — one step on a batch of this one sample"
    new_values: dict[str, float] = field(default_factory=dict)  # "h.weight[1, 2]" -> value after the update
    notes: list[str] = field(default_factory=list)

    def line(self, key: str, section: str | None = None) -> Line:
        """The first line with this key (in forward, backward, update, losses and chain order)."""
        sections = [section] if section else ["forward", "backward", "update"]
        for name in sections:
            for item in getattr(self, name):
                if item.key == key:
                    return item
        for item in [*self.losses.values(), *(self.chain.lines if self.chain else [])]:
            if item.key == key:
                return item
        raise KeyError(key)

    def to_dict(self) -> dict:
        return {
            "sample": vars(self.sample),
            "node": self.node, "unit": self.unit, "kind": self.kind, "source": self.source,
            "parameter": self.parameter,
            "loss": self.loss,
            "losses": {k: v.to_dict() for k, v in self.losses.items()},
            "values": {k: v.tolist() for k, v in self.values.items()},
            "output_gradients": {k: v.tolist() for k, v in self.output_gradients.items()},
            "gradients": {k: v.tolist() for k, v in self.gradients.items()},
            "forward": [x.to_dict() for x in self.forward],
            "backward": [x.to_dict() for x in self.backward],
            "chain": self.chain.to_dict() if self.chain else None,
            "optimizer": self.optimizer,
            "update": [x.to_dict() for x in self.update],
            "new_values": self.new_values,
            "notes": self.notes,
        }


@dataclass
class StepResult:
    """One real update on a batch of one sample: the explanation before and after it."""

    before: Explanation
    after: Explanation
    parameters: dict[str, np.ndarray]  # the new parameters, in the project's dtype (to store)
    optimizer_state: dict  # the optimizer's state after the step (Optimizer.state_dict())

    @property
    def summary(self) -> str:
        return (f"the loss on this sample went from {Num(self.before.loss).text()} "
                f"to {Num(self.after.loss).text()}")


class Explainer:
    """A float64 copy of the project's network for explaining samples one at a time.

    ``parameters``: the project's (the ones that fit the graph are used; the rest, and all of an
    untrained project's, are the seeded initial values training starts from).
    ``optimizer_state``: an ``Optimizer.state_dict()`` of the run, so the update shows momentum or
    Adam's moments as they are; without it the update is the optimizer's first step.
    """

    def __init__(self, graph: Graph, dataset: Dataset, training: dict | None = None,
                 parameters: dict[str, np.ndarray] | None = None, optimizer_state: dict | None = None) -> None:
        self.settings = parse_training(training)
        self.dataset = dataset
        self.dtype = np.dtype(self.settings["dtype"])
        seed = self.settings["seed"]
        self.model = Model(graph, np.float64, seed, dataset)
        # The initial values in the training dtype (float32 values are not float64 ones).
        self._start = Model(graph, self.dtype, seed, dataset).copy_parameters()
        self.optimizer = make_optimizer(self.settings["optimizer"])
        self.load(parameters, optimizer_state)

    def load(self, parameters: dict[str, np.ndarray] | None = None, optimizer_state: dict | None = None) -> None:
        """Other parameters and optimizer state (a run's later moment) into the same compiled network:
        as the constructor takes them, without compiling again."""
        parameters = parameters or {}
        start = self._start
        fitting = {k: v for k, v in parameters.items() if k in start and v.shape == start[k].shape}
        self.model.load_parameters({**start, **fitting})
        self.initialized = sorted(set(start) - set(fitting))  # the parameters not from the project
        self.optimizer.reset()
        if optimizer_state:
            self.optimizer.load_state_dict(optimizer_state)
            for state in self.optimizer.state.values():
                for key, value in state.items():
                    if key != "step":
                        state[key] = np.asarray(value, dtype=np.float64)

    @classmethod
    def for_project(cls, project, dataset: Dataset | None = None, optimizer_state: dict | None = None) -> Explainer:
        dataset = dataset if dataset is not None else project.load_data()
        return cls(project.graph, dataset, project.training, project.parameters, optimizer_state)

    # ---- samples ---------------------------------------------------------------------------
    def sample(self, index: int) -> Sample:
        """Row ``index`` of the dataset (counting from 0), as the network sees it."""
        n = self.dataset.n_samples
        if not isinstance(index, (int, np.integer)) or not 0 <= index < n:
            raise ExplainError(f"sample {index}: the dataset has {span(n, 'row')}")
        return self._sample(self.dataset.x[index], self.dataset.y[index], int(index))

    def typed_sample(self, raw: list[float], target) -> Sample:
        """A sample typed in raw units (standardized here the way the dataset is)."""
        raw = np.asarray(raw, dtype=np.float64)
        if raw.shape != (self.dataset.n_features,):
            raise ExplainError(f"sample: needs {self.dataset.n_features} feature values, got {raw.size}")
        features = raw if self.dataset.mean is None else (raw - self.dataset.mean) / self.dataset.std
        return self._sample(features, target, None)

    def _sample(self, features: np.ndarray, target, index: int | None) -> Sample:
        ds = self.dataset
        features = np.asarray(features, dtype=np.float64)
        raw = features if ds.mean is None else _snap(features * ds.std + ds.mean, ds.x.dtype)
        shown = ", ".join(f"{name} = {Num(v).text()}" for name, v in zip(ds.feature_names[:SHOWN_FEATURES], raw))
        if len(raw) > SHOWN_FEATURES:
            shown += f", … ({len(raw)} features)"
        if ds.task == "classification":
            target = int(target)
            if not 0 <= target < ds.n_classes:
                raise ExplainError(f"target {target}: the dataset has {span(ds.n_classes, 'class', 'classes')}")
            label = f"class {ds.class_names[target]}"
        else:
            target = [float(v) for v in np.atleast_1d(target)]
            if len(target) != ds.n_targets:
                raise ExplainError(f"target: needs {ds.n_targets} values, got {len(target)}")
            label = ", ".join(f"{name} = {Num(v).text()}" for name, v in zip(ds.target_names, target))
        where = f"row {index}" if index is not None else "typed values"
        return Sample(index, features.tolist(), raw.tolist(), target, f"{where}: {shown} → {label}")

    # ---- explaining ---------------------------------------------------------------------------
    def default_node(self) -> str:
        """The first node with a weight (its chain runs through the whole network), else the output."""
        for node, layer, _ in self.model.plan:
            if "weight" in layer.params:
                return node
        return self.model.output_id

    def run(self, sample: Sample) -> Pass:
        """The sample forward and backward: every node's values and gradients."""
        x = np.asarray(sample.features, dtype=np.float64)[None, :]
        targets = self.model.encode_targets(np.asarray(sample.target)[None, ...], self.dataset.task)
        return run_pass(self.model, x, targets, self.settings["l1"], self.settings["l2"])

    def explain(self, sample: Sample, node: str | None = None, unit: int = 0, source: int | None = None) -> Explanation:
        """``sample`` explained at ``node``'s ``unit``; ``source`` picks the input whose weight the
        chain and the update follow (default: the one contributing most to the unit)."""
        node = node or self.default_node()
        if node not in self.model.sources:
            raise ExplainError(f"node {node!r}: no such node (nodes: {', '.join(self.model.sources)})")
        p = self.run(sample)
        width = len(p.values[self.model.sources[node][0]]) if node in self.model.loss_ids else len(p.values[node])
        if not 0 <= unit < width:
            raise ExplainError(f"unit {unit}: «{node}» has {span(width, 'unit')}")
        try:
            lines = explain_node(p, node, unit, source)
        except IndexError as e:
            raise ExplainError(str(e)) from None
        update, new_values = [], {}
        for name, index, symbol in lines.parameters:
            param = self.model.parameters[name]
            shown, new = explain_update(self.optimizer, name, index, symbol, param, p.gradients[name])
            update += shown
            new_values[f"{name}[{', '.join(map(str, index))}]"] = new
        notes = []
        if self.initialized:
            notes.append("not trained yet: " + ("the parameters are the seeded initial values" if
                         len(self.initialized) == len(self.model.parameters) else
                         f"{', '.join(self.initialized)} are the seeded initial values"))
        steps = max((s["step"] for s in self.optimizer.state.values()), default=0)
        when = f"step {steps + 1} of the run, " if steps else ""
        return Explanation(
            sample, node, unit, lines.kind, lines.source,
            lines.parameters[0][0] if lines.kind == LINEAR else None,
            p.values, p.output_gradients, p.gradients,
            {loss_id: loss_line(p, loss_id) for loss_id in self.model.loss_ids}, p.loss,
            lines.forward, lines.backward, lines.chain, update,
            f"{describe(self.optimizer)} — {when}on a batch of this one sample",
            new_values, notes,
        )

    def step(self, sample: Sample, node: str | None = None, unit: int = 0, source: int | None = None) -> StepResult:
        """Take the explained update for real: every parameter moves by the optimizer's rule on the
        gradients of a batch of this one sample; the optimizer's state advances."""
        before = self.explain(sample, node, unit, source)
        self.optimizer.step(self.model.parameters, before.gradients)
        # Stored in the project's dtype: what the explanation after the step shows is what reopens.
        for param in self.model.parameters.values():
            param[...] = param.astype(self.dtype)
        after = self.explain(sample, before.node, unit, before.source)
        parameters = {k: v.astype(self.dtype) for k, v in self.model.parameters.items()}
        return StepResult(before, after, parameters, self.optimizer.state_dict())

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        """The current parameters in the project's dtype."""
        return {k: v.astype(self.dtype) for k, v in self.model.parameters.items()}


def span(count: int, what: str, plural: str | None = None) -> str:
    """"units 0 … 3", or "only unit 0": the valid indices, counted from 0."""
    return f"only {what} 0" if count == 1 else f"{plural or what + 's'} 0 … {count - 1}"


def _snap(raw: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Un-standardized values with the round-off of (x − mean) / std · std + mean removed where
    the data were whole numbers (pixels, counts): 12, not 12.000000000000002 — nor −1.6×10⁻⁹ for a
    0 held in float32, whose round-off is larger."""
    whole = np.round(raw)
    tolerance = 64 * np.finfo(dtype).eps * np.maximum(np.abs(whole), 1.0)
    return np.where(np.abs(raw - whole) < tolerance, whole, raw)
