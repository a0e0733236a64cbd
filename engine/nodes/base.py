"""What every node type declares, and the layer object a compiled node becomes."""
from __future__ import annotations

import numpy as np

from ..params import ParamSpec


class ShapeError(ValueError):
    """The widths coming into a node do not fit it; the message says what would."""


class Layer:
    """A compiled node: forward and backward over a batch, with its own parameters.

    ``params`` and ``grads`` use local names ("weight", "bias", "slope"); the model
    prefixes them with the node id. ``backward`` gets the gradient of the loss with
    respect to the layer's output and returns the gradients for each input, in port order,
    after storing the gradients of its parameters in ``grads``.
    """

    # The model sets False when every input is the data: that gradient would go unused.
    need_input_grad = True

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> list[np.ndarray]:
        raise NotImplementedError


class NodeType:
    """A kind of node: its ports, params, shape rule and how it becomes a layer."""

    name: str = ""
    category: str = ""  # data, layers, activations, merge, losses
    help: str = ""
    params: dict[str, ParamSpec] = {}
    output_ports: tuple[str, ...] = ("out",)

    def input_ports(self, params: dict) -> tuple[str, ...]:
        return ("in",)

    def infer(self, params: dict, widths: list[int]) -> int:
        """The output width from the input widths (in port order); ShapeError if they do not fit."""
        return widths[0]

    def build(self, params: dict, widths: list[int], rng: np.random.Generator, dtype) -> Layer:
        raise NotImplementedError

    def parameter_count(self, params: dict, widths: list[int]) -> int:
        return 0

    def label(self, params: dict) -> str:
        """The short text a canvas node shows under its title."""
        return self.name
