"""Data, layer and merge node types: Input, Dense, Dropout, Maxout, Add, Concat."""
from __future__ import annotations

import math

import numpy as np

from ..params import ParamSpec
from .base import Layer, NodeType, ShapeError

INITS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal", "zeros", "normal")


def init_weight(init: str, fan_in: int, fan_out: int, std: float, rng: np.random.Generator, dtype):
    shape = (fan_in, fan_out)
    if init == "zeros":
        return np.zeros(shape, dtype=dtype)
    if init.endswith("uniform"):
        scale = 6.0 / (fan_in + fan_out) if init == "glorot_uniform" else 6.0 / fan_in
        limit = math.sqrt(scale)
        return rng.uniform(-limit, limit, size=shape).astype(dtype)
    sigma = {
        "glorot_normal": math.sqrt(2.0 / (fan_in + fan_out)),
        "he_normal": math.sqrt(2.0 / fan_in),
        "lecun_normal": math.sqrt(1.0 / fan_in),
        "normal": std,
    }[init]
    return (rng.standard_normal(size=shape) * sigma).astype(dtype)


class InputLayer(Layer):
    def forward(self, inputs, training):
        return inputs[0]

    def backward(self, grad):
        return []


class Input(NodeType):
    name = "Input"
    category = "data"
    help = "Feeds the dataset's features into the network, one row per sample."
    params = {"size": ParamSpec("int", 2, "How many features each sample has.", minimum=1, maximum=100000)}

    def input_ports(self, params):
        return ()

    def infer(self, params, widths):
        return params["size"]

    def build(self, params, widths, rng, dtype):
        return InputLayer()

    def label(self, params):
        return f"Input · {params['size']}"


class DenseLayer(Layer):
    def __init__(self, weight: np.ndarray, bias: np.ndarray | None) -> None:
        super().__init__()
        self.params["weight"] = weight
        if bias is not None:
            self.params["bias"] = bias

    def forward(self, inputs, training):
        self.x = x = inputs[0]
        z = x @ self.params["weight"]
        if "bias" in self.params:
            z += self.params["bias"]
        return z

    def backward(self, grad):
        self.grads["weight"] = self.x.T @ grad
        if "bias" in self.params:
            self.grads["bias"] = grad.sum(axis=0)
        return [grad @ self.params["weight"].T if self.need_input_grad else None]


def _dense_params(units_help: str) -> dict[str, ParamSpec]:
    return {
        "units": ParamSpec("int", 4, units_help, minimum=1, maximum=100000),
        "bias": ParamSpec("bool", True, "Add a learned bias b to every unit."),
        "init": ParamSpec("choice", "glorot_uniform", "How the weights start.", choices=INITS),
        "std": ParamSpec(
            "float", 0.01, "Standard deviation of the 'normal' initializer.",
            minimum=0.0, maximum=100.0, applies=lambda p: p["init"] == "normal",
        ),
    }


class Dense(NodeType):
    name = "Dense"
    category = "layers"
    help = "Fully connected layer: z = x·W + b, every input wired to every unit."
    params = _dense_params("How many units (neurons) the layer has.")

    def infer(self, params, widths):
        return params["units"]

    def build(self, params, widths, rng, dtype):
        units = params["units"]
        weight = init_weight(params["init"], widths[0], units, params["std"], rng, dtype)
        bias = np.zeros(units, dtype=dtype) if params["bias"] else None
        return DenseLayer(weight, bias)

    def parameter_count(self, params, widths):
        return widths[0] * params["units"] + (params["units"] if params["bias"] else 0)

    def label(self, params):
        return f"Dense · {params['units']}"


class MaxoutLayer(DenseLayer):
    def __init__(self, weight, bias, units: int, pieces: int) -> None:
        super().__init__(weight, bias)
        self.units, self.pieces = units, pieces

    def forward(self, inputs, training):
        z = super().forward(inputs, training).reshape(-1, self.units, self.pieces)
        self.argmax = z.argmax(axis=2)[..., None]
        return np.take_along_axis(z, self.argmax, axis=2)[..., 0]

    def backward(self, grad):
        n = grad.shape[0]
        full = np.zeros((n, self.units, self.pieces), dtype=grad.dtype)
        np.put_along_axis(full, self.argmax, grad[..., None], axis=2)
        return super().backward(full.reshape(n, self.units * self.pieces))


class Maxout(NodeType):
    name = "Maxout"
    category = "layers"
    help = "Each unit is the largest of `pieces` linear functions of the input: a learned piecewise-linear activation."
    params = {
        **_dense_params("How many output units."),
        "pieces": ParamSpec("int", 2, "How many linear pieces each unit takes the maximum of.", minimum=1, maximum=64),
    }

    def infer(self, params, widths):
        return params["units"]

    def build(self, params, widths, rng, dtype):
        total = params["units"] * params["pieces"]
        weight = init_weight(params["init"], widths[0], total, params["std"], rng, dtype)
        bias = np.zeros(total, dtype=dtype) if params["bias"] else None
        return MaxoutLayer(weight, bias, params["units"], params["pieces"])

    def parameter_count(self, params, widths):
        total = params["units"] * params["pieces"]
        return widths[0] * total + (total if params["bias"] else 0)

    def label(self, params):
        return f"Maxout · {params['units']}×{params['pieces']}"


class DropoutLayer(Layer):
    def __init__(self, rate: float, rng: np.random.Generator) -> None:
        super().__init__()
        self.rate, self.rng = rate, rng
        self.mask = None

    def forward(self, inputs, training):
        x = inputs[0]
        if not training or self.rate == 0.0:
            self.mask = None
            return x
        keep = 1.0 - self.rate
        self.mask = (self.rng.random(x.shape, dtype=x.dtype) < keep).astype(x.dtype) / x.dtype.type(keep)
        return x * self.mask

    def backward(self, grad):
        return [grad if self.mask is None else grad * self.mask]


class Dropout(NodeType):
    name = "Dropout"
    category = "layers"
    help = "While training, zeroes each value with probability `rate` and scales the rest by 1/(1−rate); off at evaluation."
    params = {"rate": ParamSpec("float", 0.5, "Probability of dropping each value.", minimum=0.0, maximum=0.95)}

    def build(self, params, widths, rng, dtype):
        return DropoutLayer(params["rate"], rng)

    def label(self, params):
        return f"Dropout · {params['rate']:g}"


class Merge(NodeType):
    """A node that joins several inputs: ports in1 … inN, N set by the ``inputs`` param."""

    category = "merge"
    params = {"inputs": ParamSpec("int", 2, "How many input ports.", minimum=2, maximum=16)}

    def input_ports(self, params):
        return tuple(f"in{i}" for i in range(1, params["inputs"] + 1))


class AddLayer(Layer):
    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def forward(self, inputs, training):
        out = inputs[0] + inputs[1]
        for x in inputs[2:]:
            out += x
        return out

    def backward(self, grad):
        return [grad] * self.count


class Add(Merge):
    name = "Add"
    help = "Adds its inputs element by element (a residual connection); they must have the same width."

    def infer(self, params, widths):
        if len(set(widths)) > 1:
            listed = ", ".join(f"in{i} {w}" for i, w in enumerate(widths, 1))
            raise ShapeError(f"Add needs inputs of one width, got {listed}; make them equal or use Concat")
        return widths[0]

    def build(self, params, widths, rng, dtype):
        return AddLayer(len(widths))


class ConcatLayer(Layer):
    def __init__(self, widths: list[int]) -> None:
        super().__init__()
        self.splits = np.cumsum(widths)[:-1]

    def forward(self, inputs, training):
        return np.concatenate(inputs, axis=1)

    def backward(self, grad):
        return np.split(grad, self.splits, axis=1)


class Concat(Merge):
    name = "Concat"
    help = "Joins its inputs side by side: the output width is the sum of theirs."

    def infer(self, params, widths):
        return sum(widths)

    def build(self, params, widths, rng, dtype):
        return ConcatLayer(widths)
