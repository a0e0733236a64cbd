"""Gradient health: which layers still learn, said in words (issue 15).

Per layer, from what training has at the end of each epoch — the last batch's gradients and
the activations on the probe batch — ``layer_health`` gives the gradient norm, its ratio to the
last layer's (the last layer with parameters on the way to a loss: the gradient's starting
point), the share of dead ReLU units (zero output for every probe sample) and of saturated
sigmoid/tanh units (at the flat ends for every probe sample). ``HealthMonitor`` turns a state
that lasts several epochs into one warning that names the layers and the usual fix.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Model
from .nodes.activations import ActivationLayer

VANISHING_RATIO = 1e-3  # a layer's gradient under this share of the last layer's is vanishing
DEAD_SHARE = 0.5  # this share of a ReLU layer's units dead is "many"
PATIENCE = 3  # epochs in a row before a warning
SATURATION = 0.01  # within this of a bound (σ: 0 or 1; tanh: ±1) a unit is saturated


@dataclass
class LayerHealth:
    node: str
    gradient_norm: float | None = None  # nodes with parameters: ‖∂L/∂θ‖ over all of them
    reference: str | None = None  # the last layer its gradient comes from
    relative: float | None = None  # gradient_norm / the reference's
    dead: float | None = None  # ReLU nodes: the share of units that output 0 on the whole probe batch
    saturated: float | None = None  # sigmoid / tanh nodes: the share of units saturated on it


class HealthMonitor:
    """Watches the epochs of one training run and warns once per layer and problem."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.references = last_layers(model)
        self._vanishing: dict[str, int] = {}  # node -> epochs in a row below the ratio
        self._dead: dict[str, int] = {}
        self._warned: set[tuple[str, str]] = set()

    def observe(self, gradient_norms: dict[str, float], activations: dict[str, np.ndarray]) -> list[str]:
        """This epoch's warnings (none most of the time): gradient norms per parameter, outputs on the probe."""
        health = layer_health(self.model, gradient_norms, activations, self.references)
        vanishing = [h for h in health.values() if h.relative is not None and h.relative < VANISHING_RATIO]
        dead = [h for h in health.values() if h.dead is not None and h.dead >= DEAD_SHARE]
        warnings = []
        for reference in dict.fromkeys(h.reference for h in vanishing):
            layers = self._lasting("vanishing", self._vanishing, [h for h in vanishing if h.reference == reference])
            if layers:
                worst = min(layers, key=lambda h: h.relative)
                warnings.append(
                    f"vanishing gradients in {_names(layers)}: for {PATIENCE} epochs their gradient has been under "
                    f"1/{1 / VANISHING_RATIO:.0f} of {reference}'s ({worst.node} gets 1/{1 / worst.relative:,.0f} of it), "
                    "so they barely learn — ReLU activations, He initialization or a BatchNorm before each activation keep them alive")
        self._forget(self._vanishing, vanishing)
        layers = self._lasting("dead", self._dead, dead)
        if layers:
            shares = ", ".join(f"{h.node} {h.dead:.0%}" for h in layers)
            warnings.append(
                f"dead ReLUs in {_names(layers)}: for {PATIENCE} epochs many units have output 0 for every probe "
                f"sample ({shares}), and a dead unit gets no gradient — a lower learning rate, He initialization "
                "or Leaky ReLU bring them back")
        self._forget(self._dead, dead)
        return warnings

    def _lasting(self, problem: str, counts: dict[str, int], now: list[LayerHealth]) -> list[LayerHealth]:
        """The layers of ``now`` that have had the problem for PATIENCE epochs and were not warned of yet."""
        lasting = []
        for h in now:
            counts[h.node] = counts.get(h.node, 0) + 1
            if counts[h.node] >= PATIENCE and (problem, h.node) not in self._warned:
                self._warned.add((problem, h.node))
                lasting.append(h)
        return lasting

    @staticmethod
    def _forget(counts: dict[str, int], now: list[LayerHealth]) -> None:
        for node in set(counts) - {h.node for h in now}:
            del counts[node]


def measure(model: Model, probe: np.ndarray) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """(gradient norm per parameter of the last backward pass, every node's output on ``probe``)."""
    norms = {k: float(np.linalg.norm(g)) for k, g in model.gradients.items()}
    model.forward(probe)
    return norms, model.values


def layer_health(model: Model, gradient_norms: dict[str, float], activations: dict[str, np.ndarray] | None,
                 references: dict[str, str] | None = None) -> dict[str, LayerHealth]:
    """Every layer's health, in the model's order; ``activations`` may be None (no unit shares then)."""
    references = references if references is not None else last_layers(model)
    per_node: dict[str, float] = {}
    for name, norm in gradient_norms.items():
        node = name.rsplit(".", 1)[0]
        per_node[node] = per_node.get(node, 0.0) + norm * norm
    health: dict[str, LayerHealth] = {}
    for node, layer, _ in model.plan:
        h = LayerHealth(node)
        if node in per_node:
            h.gradient_norm = float(np.sqrt(per_node[node]))
            h.reference = references.get(node)
        if activations is not None and node in activations and isinstance(layer, ActivationLayer):
            a = activations[node].reshape(len(activations[node]), -1)
            if layer.function == "relu" and "slope" not in layer.params:
                h.dead = float(np.mean((a == 0).all(axis=0)))
            elif layer.function == "sigmoid" and node not in _loss_sources(model):
                h.saturated = float(np.mean(((a < SATURATION) | (a > 1 - SATURATION)).all(axis=0)))
            elif layer.function == "tanh" and node not in _loss_sources(model):
                h.saturated = float(np.mean((np.abs(a) > 1 - SATURATION).all(axis=0)))
        health[node] = h
    for h in health.values():
        reference = health.get(h.reference) if h.reference else None
        if reference is not None and reference.gradient_norm and h.gradient_norm is not None:
            h.relative = h.gradient_norm / reference.gradient_norm
    return health


def last_layers(model: Model) -> dict[str, str]:
    """For each node with parameters, the last node with parameters it feeds on the way to a loss
    (itself, if it is one): where the gradient it gets starts its way back."""
    consumers: dict[str, list[str]] = {n: [] for n in model.sources}
    for node, sources in model.sources.items():
        for source in sources:
            consumers[source].append(node)
    has_parameters = {n for n, layer in model.layers.items() if layer.params}
    last: dict[str, str | None] = {}
    for node in reversed(list(model.sources)):  # sources is in topological order: consumers first here
        found = next((last[c] for c in consumers[node] if last[c] is not None), None)
        last[node] = found if found is not None else (node if node in has_parameters else None)
    return {node: last[node] for node in has_parameters}


def _loss_sources(model: Model) -> set[str]:
    return {model.sources[loss][0] for loss in model.loss_ids}


def _names(layers: list[LayerHealth]) -> str:
    names = [h.node for h in layers]
    return f"{names[0]} … {names[-1]}" if len(names) > 3 else ", ".join(names)
