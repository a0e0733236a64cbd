"""A valid graph compiled to a model: layers in topological order, forward and backward in NumPy."""
from __future__ import annotations

import copy

import numpy as np

from .errors import TrainingError
from .graph import Graph
from .nodes import NodeType, Parameter, Shape
from .nodes import losses as loss_functions
from .validation import Analysis


class Model:
    """Layers in topological order over batches (vectors (N, F), images (N, C, H, W)).

    ``parameters`` (what the optimizer steps), ``buffers`` (saved, never stepped: running statistics)
    and ``gradients`` map "<node id>.<name>" (e.g. "h.weight") to the very arrays the layers use, so
    an optimizer updating them in place updates the model. ``roles`` says what each array is.
    Compiling validates the graph once (or takes the ``analysis`` already made of it).
    """

    def __init__(self, graph: Graph, dtype=np.float32, seed: int = 0, dataset=None,
                 analysis: Analysis | None = None) -> None:
        analysis = analysis if analysis is not None else Analysis.of(graph, dataset)
        if analysis.errors:
            raise TrainingError(*(f"{p.node or 'graph'}: {p.message}" for p in analysis.errors))
        self.dtype = np.dtype(dtype)
        self.shapes: dict[str, Shape] = dict(analysis.shapes)
        rng = np.random.default_rng(seed)
        order = [n for n in analysis.order if n in self.shapes]  # stray, unwired nodes are not compiled
        self.kinds: dict[str, NodeType] = {n: graph.nodes[n].kind for n in order}
        self.params: dict[str, dict] = {n: dict(graph.nodes[n].params) for n in order}
        self.sources: dict[str, list[str]] = {}
        self.layers = {}
        self.roles: dict[str, Parameter] = {}
        for node_id in order:
            node = graph.nodes[node_id]
            self.sources[node_id] = [graph.edge_into_port(node_id, p).src for p in node.input_ports]
            in_shapes = [self.shapes[s] for s in self.sources[node_id]]
            self.layers[node_id] = node.kind.build(node.params, in_shapes, rng, self.dtype)
            for spec in node.kind.parameters(node.params, in_shapes):
                self.roles[f"{node_id}.{spec.name}"] = spec
        self.input_ids = [n for n in order if self.kinds[n].role == "input"]
        self.loss_ids = [n for n in order if self.kinds[n].role == "loss"]
        self.plan = [(n, self.layers[n], self.sources[n]) for n in order if self.kinds[n].role not in ("input", "loss")]
        # The output — what is predicted and exported — is what the first Loss in the file reads.
        self.output_loss = next(n for n in graph.nodes if n in self.loss_ids)
        self.output_id = self.sources[self.output_loss][0]
        # Where each loss reads its input: the logits before its activation when they are fused.
        self.loss_inputs = {loss_id: self._fuse(loss_id) for loss_id in self.loss_ids}
        self._collect_arrays()
        self.penalized = [name for name in self.parameters if self.roles[name].penalized]
        self.gradients: dict[str, np.ndarray] = {}
        self.values: dict[str, np.ndarray] = {}
        self._full_names = {n: {name: f"{n}.{name}" for name in layer.params} for n, layer in self.layers.items()}
        # A node needs its input gradient only if some source is not an Input (data has no parameters).
        for n in order:
            if self.sources[n] and all(self.kinds[s].role == "input" for s in self.sources[n]):
                self.layers[n].need_input_grad = False

    def _fuse(self, loss_id: str) -> str:
        source = self.sources[loss_id][0]
        activation = self.kinds[source].activation(self.params[source])
        key = (activation, self.layers[loss_id].function)
        if key not in loss_functions.FUSED:
            return source
        self.layers[loss_id].fuse(activation)
        return self.sources[source][0]

    def clone(self) -> Model:
        """A copy with its own arrays (the same structure, not compiled again): for views and
        predictions that must not touch the trainer's arrays."""
        twin = copy.copy(self)
        twin.layers = copy.deepcopy(self.layers)
        twin.plan = [(n, twin.layers[n], s) for n, _, s in self.plan]
        twin._collect_arrays()
        twin.gradients, twin.values = {}, {}
        return twin

    def _collect_arrays(self) -> None:
        self.parameters: dict[str, np.ndarray] = {
            f"{n}.{k}": a for n, layer in self.layers.items() for k, a in layer.params.items()}
        self.buffers: dict[str, np.ndarray] = {
            f"{n}.{k}": a for n, layer in self.layers.items() for k, a in layer.buffers.items()}

    # ---- what the arrays are ----------------------------------------------------------------------
    def weight_names(self, node_id: str) -> list[str]:
        """The arrays of ``node_id`` that the views and wires show as its weights."""
        return [name for name, spec in self.roles.items() if name.startswith(f"{node_id}.") and spec.weights]

    def arrays_of(self, node_id: str) -> dict[str, np.ndarray]:
        """The node's parameters and buffers under their local names ("weight", "running_mean")."""
        layer = self.layers[node_id]
        return {**layer.params, **layer.buffers}

    def width(self, node_id: str) -> int:
        """Units of a vector, channels of an image."""
        return self.shapes[node_id][0]

    # ---- forward and backward ----------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Run every node on the batch ``x`` (rows of features); returns the output node's values."""
        values = self.values = {}
        for input_id in self.input_ids:
            values[input_id] = self.layers[input_id].forward([x], training)
        for node_id, layer, sources in self.plan:
            values[node_id] = layer.forward([values[s] for s in sources], training)
        return values[self.output_id]

    def loss(self, targets: dict[str, np.ndarray]) -> float:
        """The weighted sum of the losses over the last forward pass, given encoded targets."""
        self.loss_values = {
            loss_id: self.layers[loss_id].loss(self.values[self.loss_inputs[loss_id]], targets[loss_id])
            for loss_id in self.loss_ids
        }
        return sum(self.layers[k].weight * v for k, v in self.loss_values.items())

    def backward(self) -> None:
        """Gradients of the last ``loss`` with respect to every parameter it depends on, into ``gradients``."""
        self.gradients = {}
        grads: dict[str, np.ndarray] = {}
        for loss_id in self.loss_ids:
            (g,) = self.layers[loss_id].backward()
            self._accumulate(grads, self.loss_inputs[loss_id], g)
        for node_id, layer, sources in reversed(self.plan):
            g = grads.pop(node_id, None)
            if g is None:
                continue  # feeds no loss
            for source, g_in in zip(sources, layer.backward(g)):
                if g_in is not None:
                    self._accumulate(grads, source, g_in)
            full = self._full_names[node_id]
            for name, array in layer.grads.items():
                self.gradients[full[name]] = array

    @staticmethod
    def _accumulate(grads: dict, node_id: str, g: np.ndarray) -> None:
        grads[node_id] = g if node_id not in grads else grads[node_id] + g

    def predict(self, x: np.ndarray, batch_size: int = 4096) -> np.ndarray:
        """The output node's values for every row of ``x``, in evaluation mode."""
        x = np.ascontiguousarray(x, dtype=self.dtype)
        return np.concatenate([self.forward(x[i : i + batch_size]).copy() for i in range(0, max(len(x), 1), batch_size)])

    def evaluate(self, x: np.ndarray, targets: dict[str, np.ndarray], batch_size: int = 4096) -> tuple[np.ndarray, float]:
        """(output values, mean loss) over every row of ``x``, in evaluation mode, in chunks."""
        outputs, total = [], 0.0
        for i in range(0, len(x), batch_size):
            outputs.append(self.forward(x[i : i + batch_size]).copy())
            total += self.loss({k: t[i : i + batch_size] for k, t in targets.items()}) * len(outputs[-1])
        return np.concatenate(outputs), total / len(x)

    # ---- targets, penalties, diagnosis ---------------------------------------------------
    def encode_targets(self, y: np.ndarray, task: str) -> dict[str, np.ndarray]:
        """The dataset's targets encoded for each loss (see losses.encode_targets)."""
        return {
            loss_id: loss_functions.encode_targets(
                self.layers[loss_id].function, y, task, self.width(self.sources[loss_id][0]), self.dtype
            )
            for loss_id in self.loss_ids
        }

    def penalty(self, l1: float, l2: float) -> float:
        """λ₁·Σ|w| + λ₂·Σw² over the penalized arrays (weights, not biases); adds its gradient to
        ``gradients`` — also for a layer that feeds no loss, which the penalty alone then trains."""
        if not (l1 or l2):
            return 0.0
        total = 0.0
        for name in self.penalized:
            w = self.parameters[name]
            g = self.gradients.get(name)
            if g is None:
                g = self.gradients[name] = np.zeros_like(w)
            if l1:
                total += l1 * float(np.abs(w).sum())
                g += l1 * np.sign(w)
            if l2:
                total += l2 * float((w * w).sum())
                g += (2.0 * l2) * w
        return total

    def classes(self, out: np.ndarray) -> np.ndarray:
        """Predicted class indices from the output node's values: the largest unit, or for one unit
        whether it is above the output loss's threshold (0.5, or 0 for ±1 targets)."""
        if out.shape[1] > 1:
            return out.argmax(axis=1)
        function = self.layers[self.output_loss].function
        return (out[:, 0] > loss_functions.FUNCTIONS[function].threshold).astype(np.int64)

    def first_non_finite(self) -> str | None:
        """The first node, in order, whose output of the last forward pass is not finite."""
        for node_id, _, _ in self.plan:
            if not np.isfinite(self.values[node_id]).all():
                return node_id
        return None

    def parameters_finite(self) -> bool:
        return all(np.isfinite(p).all() for p in self.parameters.values())

    def parameter_count(self) -> int:
        return sum(p.size for p in self.parameters.values())

    # ---- saving and restoring: parameters and buffers alike -----------------------------------------
    @property
    def arrays(self) -> dict[str, np.ndarray]:
        """Every array the project saves: parameters and buffers."""
        return {**self.parameters, **self.buffers}

    def load_parameters(self, values: dict[str, np.ndarray], strict: bool = True) -> tuple[list[str], list[str]]:
        """Copy saved values into the arrays (parameters and buffers) whose shapes fit.

        Returns (kept, initialized). ``strict`` refuses any array that is missing or does not fit,
        with a message naming it; otherwise those keep their fresh initial values.
        """
        kept, initialized = [], []
        arrays = self.arrays
        for name, param in arrays.items():
            value = values.get(name)
            if value is not None and value.shape == param.shape:
                param[...] = value
                kept.append(name)
                continue
            if strict:
                found = "missing" if value is None else f"has shape {list(value.shape)}"
                raise TrainingError(f"state.parameters.{name}: the graph needs shape {list(param.shape)}, the file's {found}")
            initialized.append(name)
        if strict:
            extra = sorted(set(values) - set(arrays))
            if extra:
                raise TrainingError(f"state.parameters.{extra[0]}: no such parameter in the graph")
        return kept, initialized

    def copy_parameters(self) -> dict[str, np.ndarray]:
        """Copies of every array the project saves (parameters and buffers)."""
        return {name: p.copy() for name, p in self.arrays.items()}

