"""A valid graph compiled to a model: layers in topological order, forward and backward in NumPy."""
from __future__ import annotations

import networkx as nx
import numpy as np

from .errors import TrainingError
from .graph import Graph
from .nodes import losses as loss_functions
from .validation import has_errors, infer_widths, validate


class Model:
    """Layers in topological order over batches of rows.

    ``parameters`` and ``gradients`` map "<node id>.<name>" (e.g. "h.weight") to the very
    arrays the layers use, so an optimizer updating them in place updates the model.
    """

    def __init__(self, graph: Graph, dtype=np.float32, seed: int = 0, dataset=None) -> None:
        problems = validate(graph, dataset)
        if has_errors(problems):
            errors = [str(p) for p in problems if p.severity == "error"]
            raise TrainingError("the graph has errors:\n" + "\n".join(errors))
        self.dtype = np.dtype(dtype)
        self.widths = infer_widths(graph)
        rng = np.random.default_rng(seed)
        order = list(nx.topological_sort(graph.to_networkx()))
        self.layers = {}
        self.sources: dict[str, list[str]] = {}
        for node_id in order:
            node = graph.nodes[node_id]
            self.sources[node_id] = [graph.edge_into_port(node_id, p).src for p in node.input_ports]
            widths = [self.widths[s] for s in self.sources[node_id]]
            self.layers[node_id] = node.spec.build(node.params, widths, rng, self.dtype)
        self.types = {node_id: graph.nodes[node_id].type for node_id in order}
        self.input_ids = [n for n in order if self.types[n] == "Input"]
        self.loss_ids = [n for n in order if self.types[n] == "Loss"]
        self.plan = [(n, self.layers[n], self.sources[n]) for n in order if self.types[n] not in ("Input", "Loss")]
        self.output_id = self.sources[self.loss_ids[0]][0]
        # Where each loss reads its input: the activation's input when fused (logits).
        self.loss_inputs = {loss_id: self._fuse(graph, loss_id) for loss_id in self.loss_ids}
        self.parameters: dict[str, np.ndarray] = {}
        self.gradients: dict[str, np.ndarray] = {}
        for node_id, layer in self.layers.items():
            for name, array in layer.params.items():
                self.parameters[f"{node_id}.{name}"] = array
        self.values: dict[str, np.ndarray] = {}
        self._full_names = {n: {name: f"{n}.{name}" for name in layer.params} for n, layer in self.layers.items()}
        # A node needs its input gradient only if some source is not an Input (data has no parameters).
        for n in order:
            if self.sources[n] and all(self.types[s] == "Input" for s in self.sources[n]):
                self.layers[n].need_input_grad = False

    def _fuse(self, graph: Graph, loss_id: str) -> str:
        source = self.sources[loss_id][0]
        node = graph.nodes[source]
        function = graph.nodes[loss_id].params["function"]
        only_consumer = len(graph.edges_from(source)) == 1
        if node.type == "Activation" and only_consumer:
            key = (node.params["function"], function)
            if key in loss_functions.FUSED:
                self.layers[loss_id].fuse(key[0])
                self.layers[source].fused = True
                return self.sources[source][0]
        return source

    # ---- forward and backward ----------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        """Run every node on the batch ``x``; returns the output node's values."""
        values = self.values = {}
        for input_id in self.input_ids:
            values[input_id] = x
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
        """Gradients of the last ``loss`` with respect to every parameter, into ``gradients``."""
        grads: dict[str, np.ndarray] = {}
        for loss_id in self.loss_ids:
            (g,) = self.layers[loss_id].backward()
            self._accumulate(grads, self.sources[loss_id][0], g)
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
                self.layers[loss_id].function, y, task, self.widths[self.sources[loss_id][0]], self.dtype
            )
            for loss_id in self.loss_ids
        }

    def penalty(self, l1: float, l2: float) -> float:
        """λ₁·Σ|w| + λ₂·Σw² over the weights (not biases); adds its gradient to ``gradients``."""
        if not (l1 or l2):
            return 0.0
        total = 0.0
        for name, w in self.parameters.items():
            if not name.endswith(".weight"):
                continue
            g = self.gradients[name]
            if l1:
                total += l1 * float(np.abs(w).sum())
                g += l1 * np.sign(w)
            if l2:
                total += l2 * float((w * w).sum())
                g += (2.0 * l2) * w
        return total

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

    def load_parameters(self, values: dict[str, np.ndarray], strict: bool = True) -> tuple[list[str], list[str]]:
        """Copy saved values into the parameters whose shapes fit.

        Returns (kept, initialized). ``strict`` refuses any parameter that is missing or does
        not fit, with a message naming it; otherwise those keep their fresh initial values.
        """
        kept, initialized = [], []
        for name, param in self.parameters.items():
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
            extra = sorted(set(values) - set(self.parameters))
            if extra:
                raise TrainingError(f"state.parameters.{extra[0]}: no such parameter in the graph")
        return kept, initialized

    def copy_parameters(self) -> dict[str, np.ndarray]:
        return {name: p.copy() for name, p in self.parameters.items()}

