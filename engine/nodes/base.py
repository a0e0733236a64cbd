"""What a node kind is: one description that validation, the model, the exports, the views and the
inspector all ask, and the layer object a compiled node becomes.

Values between nodes are batches with a shape per sample: ``(features,)`` for vectors and
``(channels, height, width)`` for images, batch first in the arrays.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..params import ParamSpec

Shape = tuple[int, ...]
ROLES = ("input", "layer", "merge", "loss")


class ShapeError(ValueError):
    """The shapes coming into a node do not fit it; the message says what would."""


def format_shape(shape: Shape | None) -> str:
    """``(8, 4, 4)`` → ``8×4×4``; a vector is its width."""
    return "?" if shape is None else "×".join(str(n) for n in shape)


def is_image(shape: Shape) -> bool:
    return len(shape) == 3


def need_vector(kind: str, shape: Shape, fix: str = "put a Flatten before it") -> int:
    """The width of a vector input, or ShapeError naming the fix for an image."""
    if len(shape) != 1:
        raise ShapeError(f"{kind} needs a vector input but gets an image of {format_shape(shape)}: {fix}")
    return shape[0]


def need_image(kind: str, shape: Shape) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise ShapeError(
            f"{kind} needs an image input (channels, height, width) but gets a vector of {format_shape(shape)}: "
            "put it after an Input with a shape, or a Reshape"
        )
    return shape  # type: ignore[return-value]


@dataclass(frozen=True)
class Parameter:
    """An array a node owns, saved in the project as ``<node id>.<name>``."""

    name: str  # local: "weight", "bias", "running_mean"
    shape: Shape
    trainable: bool = True  # False: a buffer (running statistics): saved, never stepped by the optimizer
    penalized: bool = False  # L1/L2 apply to it
    weights: bool = False  # the views and the canvas wires show it as the node's weights

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True)
class TorchLowering:
    """How a node appears in the exported PyTorch module.

    ``module``: the constructor of its submodule (``nn.Linear(4, 8)``), or None when it is computed
    inline; ``expression``: its value, in terms of ``self.<name>`` and the input variables;
    ``state``: (local parameter name, ``state_dict`` key under the submodule, transposed);
    ``helpers``: (class name, class source) the module needs, written once into model.py;
    ``note``: how the exported node differs from NeuroCanvas's, for the folder's README.
    """

    expression: str
    module: str | None = None
    state: tuple[tuple[str, str, bool], ...] = ()
    helpers: tuple[tuple[str, str], ...] = ()
    note: str = ""


@dataclass
class LoweringContext:
    """What an exporter tells a kind about one node: its names, inputs and values."""

    node_id: str
    name: str  # its name in the exported code (a valid identifier)
    params: dict
    inputs: list[str]  # the input tensors' names, in port order
    in_shapes: list[Shape]
    shape: Shape
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # local name -> value (parameters and buffers)


class Layer:
    """A compiled node: forward and backward over a batch, with its own arrays.

    ``params`` (trained), ``buffers`` (saved, not trained) and ``grads`` use local names
    ("weight", "bias"); the model prefixes them with the node id. ``backward`` gets the gradient of
    the loss with respect to the layer's output and returns the gradients for each input, in port
    order, after storing the gradients of its parameters in ``grads``.
    """

    # The model sets False when every input is the data: that gradient would go unused.
    need_input_grad = True

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}

    def forward(self, inputs: list[np.ndarray], training: bool) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> list[np.ndarray | None]:
        raise NotImplementedError


class NodeType:
    """A kind of node, described once: role, ports, params, parameters, shapes, layer and exports."""

    name: str = ""
    role: str = "layer"  # input, layer, merge, loss
    category: str = ""  # the palette group
    help: str = ""
    params: dict[str, ParamSpec] = {}
    output_ports: tuple[str, ...] = ("out",)
    # The output is the input, value by value (an activation, dropout, a normalization): a message about
    # "the last layer" looks through it.
    elementwise: bool = False
    # Its layer normalizes with the batch's statistics while training: a batch needs two values per channel.
    batch_statistics: bool = False
    # A kind with a `function` param lists its functions (each with label, formula and help): the
    # palette offers each as its own entry.
    functions: dict = {}

    def input_ports(self, params: dict) -> tuple[str, ...]:
        return ("in",)

    def infer(self, params: dict, shapes: list[Shape]) -> Shape:
        """The output shape from the input shapes (in port order); ShapeError if they do not fit."""
        return shapes[0]

    def parameters(self, params: dict, shapes: list[Shape]) -> list[Parameter]:
        """The arrays the node owns for these input shapes, with their roles."""
        return []

    def build(self, params: dict, shapes: list[Shape], rng: np.random.Generator, dtype) -> Layer:
        raise NotImplementedError

    def parameter_count(self, params: dict, shapes: list[Shape]) -> int:
        """How many numbers training adjusts (buffers are not counted)."""
        return sum(p.size for p in self.parameters(params, shapes) if p.trainable)

    def label(self, params: dict) -> str:
        """The short text a canvas node shows under its title."""
        return self.name

    def activation(self, params: dict) -> str | None:
        """The activation function this node applies last, if it is one (e.g. "softmax")."""
        return None

    def onnx(self, b, ctx: LoweringContext) -> str:
        """Add the node's operators to the ONNX builder ``b``; returns its output tensor's name."""
        raise NotImplementedError(f"{self.name} has no ONNX mapping")

    def torch(self, ctx: LoweringContext) -> TorchLowering:
        raise NotImplementedError(f"{self.name} has no PyTorch mapping")
