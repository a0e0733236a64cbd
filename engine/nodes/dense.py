"""Dense: the fully connected layer z = x·W + b, W of shape (inputs, units)."""
from __future__ import annotations

import numpy as np

from ..params import ParamSpec
from .base import Layer, LoweringContext, NodeType, Parameter, TorchLowering, need_vector
from .initializers import init_params, init_weight

MAX_UNITS = 100_000


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


def linear_params(units_help: str) -> dict[str, ParamSpec]:
    """The params of a kind made of linear units: Dense, and Maxout's pieces."""
    return {
        "units": ParamSpec("int", 4, units_help, minimum=1, maximum=MAX_UNITS),
        "bias": ParamSpec("bool", True, "Add a learned bias b to every unit."),
        **init_params(),
    }


def linear_parameters(inputs: int, outputs: int, bias: bool) -> list[Parameter]:
    weight = Parameter("weight", (inputs, outputs), penalized=True, weights=True)
    return [weight, Parameter("bias", (outputs,))] if bias else [weight]


def linear_arrays(params: dict, inputs: int, outputs: int, rng, dtype) -> tuple[np.ndarray, np.ndarray | None]:
    weight = init_weight(params["init"], (inputs, outputs), inputs, outputs, params["std"], rng, dtype)
    return weight, (np.zeros(outputs, dtype=dtype) if params["bias"] else None)


def gemm(b, ctx: LoweringContext, output: str) -> str:
    """x·W (+ b) in ONNX: Gemm with a bias, MatMul without."""
    weight = b.constant(f"{ctx.node_id}.weight", ctx.arrays["weight"])
    if "bias" in ctx.arrays:
        return b.op("Gemm", [ctx.inputs[0], weight, b.constant(f"{ctx.node_id}.bias", ctx.arrays["bias"])], output)
    return b.op("MatMul", [ctx.inputs[0], weight], output)


def linear_state(prefix: str, bias: bool) -> tuple[tuple[str, str, bool], ...]:
    """nn.Linear keeps its weight as (out, in), the transpose of the engine's W."""
    return (("weight", f"{prefix}weight", True),) + ((("bias", f"{prefix}bias", False),) if bias else ())


class Dense(NodeType):
    name = "Dense"
    category = "layers"
    help = "Fully connected layer: z = x·W + b, every input wired to every unit."
    params = linear_params("How many units (neurons) the layer has.")

    def infer(self, params, shapes):
        need_vector("Dense", shapes[0])
        return (params["units"],)

    def parameters(self, params, shapes):
        return linear_parameters(shapes[0][0], params["units"], params["bias"])

    def build(self, params, shapes, rng, dtype):
        return DenseLayer(*linear_arrays(params, shapes[0][0], params["units"], rng, dtype))

    def label(self, params):
        return f"Dense · {params['units']}"

    def onnx(self, b, ctx):
        return gemm(b, ctx, ctx.node_id)

    def torch(self, ctx):
        p = ctx.params
        bias = "" if p["bias"] else ", bias=False"
        return TorchLowering(
            f"self.{ctx.name}({ctx.inputs[0]})", f"nn.Linear({ctx.in_shapes[0][0]}, {p['units']}{bias})",
            linear_state("", p["bias"]),
        )
