"""One sample's forward and backward pass through the model, with every intermediate kept.

``run_pass`` runs the model's own ``forward``, ``loss`` and ``backward`` on a batch of one row
and records, for every node, its output and the gradient of the loss with respect to that
output (∂L/∂out) — which the model computes anyway but does not keep. ``kind_of`` says what a
node does, asked from its layer and its numbers rather than from its type's name.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model import Model
from ..nodes import losses as loss_functions
from ..nodes.activations import ActivationLayer

# What a node does, as far as explaining it goes.
INPUT, LINEAR, ACTIVATION, ADD, CONCAT, PASS_THROUGH, LOSS, OTHER = (
    "input", "linear", "activation", "add", "concat", "pass-through", "loss", "other")


@dataclass
class Pass:
    """One row through the model. Arrays are per sample and flat (the row's values)."""

    model: Model
    values: dict[str, np.ndarray]  # each node's output
    output_gradients: dict[str, np.ndarray]  # ∂L/∂(node output); missing where no loss is reached
    targets: dict[str, np.ndarray]  # each loss's encoded target
    losses: dict[str, float]  # each loss's value (before its weight)
    loss: float  # the weighted total
    gradients: dict[str, np.ndarray]  # ∂L/∂θ for every parameter (with the L1/L2 penalty, as training)
    consumers: dict[str, list[str]] = field(default_factory=dict)  # node -> the nodes it feeds, once per wire
    penalized: bool = False  # the weights' gradients include an L1/L2 penalty
    # A fused activation's ∂L/∂z: the loss's gradient on the logits, which the activation passes on.
    logit_gradients: dict[str, np.ndarray] = field(default_factory=dict)

    def inputs(self, node: str) -> list[np.ndarray]:
        return [self.values[s] for s in self.model.sources[node]]

    def fused_loss(self, node: str) -> str | None:
        """The loss that computes on the input of activation ``node`` (the logits), if any."""
        for loss_id in self.model.loss_ids:
            if self.model.sources[loss_id][0] == node and self.model.loss_inputs[loss_id] != node:
                return loss_id
        return None

    def kind(self, node: str) -> str:
        return kind_of(self.model, node, self.values)

    def pieces(self, node: str) -> int:
        """How many columns of the weight feed one output unit (Maxout's pieces; 1 for Dense)."""
        return self.model.layers[node].params["weight"].shape[1] // len(self.values[node])


def kind_of(model: Model, node: str, values: dict[str, np.ndarray]) -> str:
    if node in model.loss_ids:
        return LOSS
    sources = model.sources[node]
    if not sources:
        return INPUT
    layer = model.layers[node]
    weight = layer.params.get("weight")
    if weight is not None and weight.ndim == 2 and len(sources) == 1:
        return LINEAR
    if isinstance(layer, ActivationLayer):
        return ACTIVATION
    out = values[node]
    ins = [values[s] for s in sources]
    if layer.params:
        return OTHER
    if len(ins) > 1 and len(out) == sum(map(len, ins)) and np.array_equal(out, np.concatenate(ins)):
        return CONCAT
    if len(ins) > 1 and all(len(x) == len(out) for x in ins) and np.allclose(out, np.sum(ins, axis=0), rtol=1e-12):
        return ADD
    if len(ins) == 1 and np.array_equal(out, ins[0]):
        return PASS_THROUGH
    return OTHER


def run_pass(model: Model, x: np.ndarray, targets: dict[str, np.ndarray], l1: float = 0.0, l2: float = 0.0) -> Pass:
    """Forward (evaluation mode: dropout off), loss and backward on the one-row batch ``x``."""
    recorded: dict[str, np.ndarray] = {}
    for node, layer, _ in model.plan:
        layer.backward = _recorder(recorded, node, layer.backward)
    try:
        model.forward(x)
        loss = model.loss(targets)
        # A parameter that reaches no loss gets no gradient from backward: it is zero.
        model.gradients.update({k: np.zeros_like(v) for k, v in model.parameters.items()})
        model.backward()
        model.penalty(l1, l2)
    finally:
        for _, layer, _ in model.plan:
            del layer.backward  # the class's own again
    values = {n: np.asarray(v, dtype=np.float64)[0].ravel().copy() for n, v in model.values.items()}
    consumers: dict[str, list[str]] = {n: [] for n in model.sources}
    for node, sources in model.sources.items():
        for source in sources:
            consumers[source].append(node)
    flat_targets = {k: np.asarray(t, dtype=np.float64)[0].ravel().copy() for k, t in targets.items()}
    result = Pass(
        model, values, {n: g[0].ravel().copy() for n, g in recorded.items()}, flat_targets,
        dict(model.loss_values), float(loss), {k: g.copy() for k, g in model.gradients.items()}, consumers,
        bool(l1 or l2),
    )
    _unfuse(result)
    return result


def _recorder(recorded: dict, node: str, backward):
    """``backward`` that first keeps the gradient it receives: ∂L/∂(the node's output)."""

    def recording(grad):
        recorded[node] = np.array(grad, dtype=np.float64)
        return backward(grad)

    return recording


def _unfuse(p: Pass) -> None:
    """A cross-entropy fused with its activation (sigmoid or softmax) sends its gradient straight to
    the logits, past the activation. For the Math view the activation's ∂L/∂a is the textbook one — the
    loss's gradient on the probabilities, plus what any other reader of the activation sends back — and
    the loss's gradient on the logits is kept apart (δ = ŷ − y for a lone cross-entropy)."""
    model = p.model
    for loss_id in model.loss_ids:
        activation = model.sources[loss_id][0]
        if p.fused_loss(activation) != loss_id:
            continue
        layer = model.layers[loss_id]
        function = model.kinds[activation].activation(model.params[activation])
        fused = loss_functions.FUSED[(function, layer.function)]
        logits = p.values[model.loss_inputs[loss_id]][None, :]
        grad = fused.grad(logits, p.targets[loss_id][None, :], layer.delta)
        p.logit_gradients[activation] = np.asarray(grad, dtype=np.float64)[0] * layer.weight
        p.output_gradients[activation] = loss_gradient(p, loss_id) + p.output_gradients.get(activation, 0.0)


def loss_gradient(p: Pass, loss_id: str) -> np.ndarray:
    """∂L/∂ŷ of one loss on its (unfused) prediction, with the loss's weight: the loss's own formula."""
    layer = p.model.layers[loss_id]
    prediction = p.values[p.model.sources[loss_id][0]][None, :]
    grad = loss_functions.FUNCTIONS[layer.function].grad(prediction, p.targets[loss_id][None, :], layer.delta)
    return np.asarray(grad, dtype=np.float64)[0] * layer.weight
