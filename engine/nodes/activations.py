"""Activation functions: one Activation node type with a ``function`` param.

Each function is a pair of pure helpers: ``forward(z, alpha) -> a`` and
``backward(z, a, grad, alpha) -> dz`` (the vector-Jacobian product), where ``alpha`` is
the function's own setting: leaky ReLU's ``negative_slope`` or ELU's ``alpha`` (PyTorch's names).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..params import ParamSpec, fill_params
from .base import Layer, LoweringContext, NodeType, Parameter, TorchLowering

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
GELU_C = math.sqrt(2.0 / math.pi)


def _sigmoid(z):
    # tanh form: exact and free of overflow warnings for large |z|
    return 0.5 * np.tanh(0.5 * z) + 0.5


def _softplus(z):
    return np.logaddexp(0.0, z).astype(z.dtype, copy=False)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def _elu(z, alpha):
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


def _gelu(z, _):
    return 0.5 * z * (1.0 + np.tanh(GELU_C * (z + 0.044715 * z**3)))


def _gelu_grad(z, a, g, _):
    t = np.tanh(GELU_C * (z + 0.044715 * z**3))
    return g * (0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * GELU_C * (1.0 + 3 * 0.044715 * z * z))


def _swish_grad(z, a, g, _):
    s = _sigmoid(z)
    return g * (s + a * (1.0 - s))


def _mish(z, _):
    return z * np.tanh(_softplus(z))


def _mish_grad(z, a, g, _):
    t = np.tanh(_softplus(z))
    return g * (t + z * (1.0 - t * t) * _sigmoid(z))


def _softmax_grad(z, a, g, _):
    return a * (g - (g * a).sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class Function:
    label: str
    formula: str
    help: str
    forward: Callable
    backward: Callable
    torch: str  # the PyTorch module, formatted with the node's params and `channels`
    setting: str | None = None  # the node param this function reads, if any


FUNCTIONS: dict[str, Function] = {
    "identity": Function(
        "Identity", "f(z) = z", "Passes values through unchanged; the output of a regression.",
        lambda z, _: z, lambda z, a, g, _: g, torch="nn.Identity()",
    ),
    "step": Function(
        "Step", "f(z) = 1 if z > 0 else 0",
        "The perceptron's threshold. Its gradient is zero, so nothing before it learns by backpropagation.",
        lambda z, _: (z > 0).astype(z.dtype), lambda z, a, g, _: np.zeros_like(g), torch="Step()",
    ),
    "sigmoid": Function(
        "Sigmoid", "σ(z) = 1 / (1 + e^−z)",
        "Squashes to (0, 1): a probability for two classes. Saturates, so deep stacks of it vanish gradients.",
        lambda z, _: _sigmoid(z), lambda z, a, g, _: g * a * (1.0 - a), torch="nn.Sigmoid()",
    ),
    "tanh": Function(
        "Tanh", "tanh(z) = (e^z − e^−z) / (e^z + e^−z)",
        "Squashes to (−1, 1), centred on zero.",
        lambda z, _: np.tanh(z), lambda z, a, g, _: g * (1.0 - a * a), torch="nn.Tanh()",
    ),
    "relu": Function(
        "ReLU", "f(z) = max(0, z)",
        "Zero for negative inputs, identity otherwise: cheap, and does not saturate for z > 0.",
        lambda z, _: np.maximum(z, 0), lambda z, a, g, _: g * (z > 0), torch="nn.ReLU()",
    ),
    "leaky_relu": Function(
        "Leaky ReLU", "f(z) = z if z > 0 else α·z",
        "Like ReLU with a small slope α for negative inputs, so units cannot die.",
        lambda z, al: np.where(z > 0, z, al * z), lambda z, a, g, al: np.where(z > 0, g, al * g),
        torch="nn.LeakyReLU(negative_slope={negative_slope!r})", setting="negative_slope",
    ),
    "elu": Function(
        "ELU", "f(z) = z if z > 0 else α·(e^z − 1)",
        "Smooth for negative inputs, saturating at −α.",
        _elu, lambda z, a, g, al: np.where(z > 0, g, g * (a + al)), torch="nn.ELU(alpha={alpha!r})", setting="alpha",
    ),
    "selu": Function(
        "SELU", "f(z) = λ·(z if z > 0 else α·(e^z − 1))",
        "Scaled ELU whose constants keep activations normalised in deep stacks (use lecun_normal init).",
        lambda z, _: SELU_SCALE * _elu(z, SELU_ALPHA),
        lambda z, a, g, _: np.where(z > 0, SELU_SCALE * g, g * (a + SELU_SCALE * SELU_ALPHA)), torch="nn.SELU()",
    ),
    "gelu": Function(
        "GELU", "f(z) ≈ ½·z·(1 + tanh(√(2/π)·(z + 0.044715·z³)))",
        "Smooth ReLU weighted by the Gaussian CDF (tanh approximation) used by transformers.",
        _gelu, _gelu_grad, torch='nn.GELU(approximate="tanh")',
    ),
    "swish": Function(
        "Swish", "f(z) = z·σ(z)", "Smooth, non-monotonic; also called SiLU.",
        lambda z, _: z * _sigmoid(z), _swish_grad, torch="nn.SiLU()",
    ),
    "mish": Function(
        "Mish", "f(z) = z·tanh(softplus(z))", "Smooth, non-monotonic, close to Swish.",
        _mish, _mish_grad, torch="nn.Mish()",
    ),
    "softplus": Function(
        "Softplus", "f(z) = ln(1 + e^z)", "A smooth ReLU.",
        lambda z, _: _softplus(z), lambda z, a, g, _: g * _sigmoid(z), torch="nn.Softplus()",
    ),
    "softmax": Function(
        "Softmax", "f(z)ᵢ = e^zᵢ / Σⱼ e^zⱼ",
        "Turns a row of scores into probabilities over classes; pair it with categorical cross-entropy.",
        lambda z, _: _softmax(z), _softmax_grad, torch="nn.Softmax(dim=1)",
    ),
    "prelu": Function(
        "PReLU", "f(z) = z if z > 0 else aᵢ·z",
        "Leaky ReLU whose negative slope aᵢ is learned, one per unit (starts at 0.25).",
        None, None, torch="nn.PReLU({channels}, init=0.25)",
    ),
}


STEP_HELPER = '''

class Step(nn.Module):
    """1 where the input is positive, else 0 (its gradient is zero)."""

    def forward(self, z):
        # + 0 · z: the layers before still get a (zero) gradient, as in NeuroCanvas
        return (z > 0).to(z.dtype) + 0 * z
'''


class ActivationLayer(Layer):
    def __init__(self, params: dict, channels: int, image: bool, dtype) -> None:
        super().__init__()
        self.function = function = params["function"]
        self.fn = FUNCTIONS[function]
        self.alpha = params[self.fn.setting] if self.fn.setting else None
        self.image = image
        if function == "prelu":
            self.params["slope"] = np.full(channels, 0.25, dtype=dtype)

    def __getstate__(self) -> dict:
        # The functions are lambdas, which do not pickle: a trainer is sent to a child process
        # by pickling it, so the layer travels by the function's name.
        return {k: v for k, v in self.__dict__.items() if k != "fn"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.fn = FUNCTIONS[self.function]

    def _slope(self) -> np.ndarray:
        """PReLU's slopes, one per unit or per channel, shaped to broadcast over the batch."""
        slope = self.params["slope"]
        return slope[:, None, None] if self.image else slope

    def forward(self, inputs, training):
        z = inputs[0]
        self.z = z
        if "slope" in self.params:
            self.a = np.where(z > 0, z, self._slope() * z)
        else:
            self.a = self.fn.forward(z, self.alpha)
        return self.a

    def backward(self, grad):
        if "slope" in self.params:
            negative = self.z <= 0
            per_value = grad * self.z * negative
            self.grads["slope"] = per_value.sum(axis=(0, 2, 3) if self.image else 0)
            return [np.where(negative, self._slope() * grad, grad)]
        return [self.fn.backward(self.z, self.a, grad, self.alpha)]


class Activation(NodeType):
    name = "Activation"
    category = "activations"
    functions = FUNCTIONS
    elementwise = True
    help = "Applies a function to every value: the non-linearity between layers."
    params = {
        "function": ParamSpec("choice", "relu", "The function applied to each value.", choices=tuple(FUNCTIONS)),
        "negative_slope": ParamSpec(
            "float", 0.01, "Leaky ReLU's slope for negative inputs.",
            minimum=0.0, maximum=1.0, applies=lambda p: p["function"] == "leaky_relu",
        ),
        "alpha": ParamSpec(
            "float", 1.0, "ELU's saturation level for negative inputs.",
            minimum=0.0, maximum=10.0, applies=lambda p: p["function"] == "elu",
        ),
    }

    def parameters(self, params, shapes):
        # PReLU learns a slope per unit of a vector, per channel of an image (as torch's nn.PReLU(C)).
        return [Parameter("slope", (shapes[0][0],))] if params["function"] == "prelu" else []

    def build(self, params, shapes, rng, dtype):
        return ActivationLayer(params, shapes[0][0], len(shapes[0]) == 3, dtype)

    def label(self, params):
        return FUNCTIONS[params["function"]].label

    def activation(self, params):
        return params["function"]

    def onnx(self, b, ctx):
        return _onnx(b, ctx)

    def torch(self, ctx):
        p = ctx.params
        module = FUNCTIONS[p["function"]].torch.format(channels=ctx.in_shapes[0][0], **p)
        state = (("slope", "weight", False),) if p["function"] == "prelu" else ()
        helpers = (("Step", STEP_HELPER),) if p["function"] == "step" else ()
        return TorchLowering(f"self.{ctx.name}({ctx.inputs[0]})", module, state, helpers)


def _onnx(b, ctx: LoweringContext) -> str:
    """The activation as standard ONNX operators: GELU (tanh approximation), Swish and Mish composed
    from primitives, the step as Greater + Cast."""
    node_id, params, z = ctx.node_id, ctx.params, ctx.inputs[0]
    function = params["function"]
    if function == "identity":
        return b.op("Identity", [z], node_id)
    if function == "step":
        positive = b.op("Greater", [z, b.scalar(f"{node_id}.zero", 0.0)], f"{node_id}.positive")
        return b.op("Cast", [positive], node_id, to=b.onnx.TensorProto.FLOAT)
    simple = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "softplus": "Softplus"}
    if function in simple:
        return b.op(simple[function], [z], node_id)
    if function == "leaky_relu":
        return b.op("LeakyRelu", [z], node_id, alpha=float(params["negative_slope"]))
    if function == "elu":
        return b.op("Elu", [z], node_id, alpha=float(params["alpha"]))
    if function == "selu":
        return b.op("Selu", [z], node_id, alpha=SELU_ALPHA, gamma=SELU_SCALE)
    if function == "softmax":
        return b.op("Softmax", [z], node_id, axis=1)
    if function == "prelu":
        slope = ctx.arrays["slope"]
        slope = slope.reshape(-1, 1, 1) if len(ctx.shape) == 3 else slope
        return b.op("PRelu", [z, b.constant(f"{node_id}.slope", slope)], node_id)
    if function == "swish":  # z·σ(z)
        return b.op("Mul", [z, b.op("Sigmoid", [z], f"{node_id}.sigmoid")], node_id)
    if function == "mish":  # z·tanh(softplus(z))
        soft = b.op("Softplus", [z], f"{node_id}.softplus")
        return b.op("Mul", [z, b.op("Tanh", [soft], f"{node_id}.tanh")], node_id)
    # gelu: ½·z·(1 + tanh(√(2/π)·(z + 0.044715·z³)))
    cube = b.op("Pow", [z, b.scalar(f"{node_id}.three", 3.0)], f"{node_id}.cube")
    scaled = b.op("Mul", [cube, b.scalar(f"{node_id}.k", 0.044715)], f"{node_id}.scaled_cube")
    inner = b.op("Add", [z, scaled], f"{node_id}.inner")
    arg = b.op("Mul", [inner, b.scalar(f"{node_id}.c", GELU_C)], f"{node_id}.arg")
    t = b.op("Tanh", [arg], f"{node_id}.tanh")
    one_plus = b.op("Add", [t, b.scalar(f"{node_id}.one", 1.0)], f"{node_id}.one_plus")
    half_z = b.op("Mul", [z, b.scalar(f"{node_id}.half", 0.5)], f"{node_id}.half_z")
    return b.op("Mul", [half_z, one_plus], node_id)


def curve(params: dict, z: np.ndarray) -> np.ndarray:
    """The activation ``params`` describe (e.g. ``{"function": "elu", "alpha": 0.5}``) over a 1-D
    range ``z``: its shape, as a plot draws it, computed by the very layer training uses.

    Softmax acts on a whole row, so its curve is the first output for the scores (z, 0), which
    is σ(z): the two-class case. PReLU shows its starting slope.
    """
    filled = fill_params(Activation.params, params, "params")
    z = np.asarray(z, dtype=np.float64)
    rows = np.stack([z, np.zeros_like(z)], axis=1) if filled["function"] == "softmax" else z[:, None]
    return ActivationLayer(filled, rows.shape[1], False, np.float64).forward([rows], False)[:, 0]
