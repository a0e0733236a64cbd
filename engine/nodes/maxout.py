"""Maxout: each unit is the largest of `pieces` linear functions of the input.

W has shape (inputs, units·pieces): unit k's pieces are the columns k·pieces … k·pieces + pieces − 1,
side by side.
"""
from __future__ import annotations

import numpy as np

from ..params import ParamSpec
from .base import NodeType, TorchLowering, need_vector
from .dense import DenseLayer, gemm, linear_arrays, linear_parameters, linear_params, linear_state

TORCH_HELPER = '''

class Maxout(nn.Module):
    """Each unit is the largest of `pieces` linear functions of the input."""

    def __init__(self, in_features, units, pieces, bias=True):
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(in_features, units * pieces, bias=bias)

    def forward(self, x):
        return self.linear(x).view(-1, self.units, self.pieces).max(dim=2).values
'''


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
        **linear_params("How many output units."),
        "pieces": ParamSpec("int", 2, "How many linear pieces each unit takes the maximum of.", minimum=1, maximum=64),
    }

    def infer(self, params, shapes):
        need_vector("Maxout", shapes[0])
        return (params["units"],)

    def parameters(self, params, shapes):
        return linear_parameters(shapes[0][0], params["units"] * params["pieces"], params["bias"])

    def build(self, params, shapes, rng, dtype):
        arrays = linear_arrays(params, shapes[0][0], params["units"] * params["pieces"], rng, dtype)
        return MaxoutLayer(*arrays, params["units"], params["pieces"])

    def label(self, params):
        return f"Maxout · {params['units']}×{params['pieces']}"

    def onnx(self, b, ctx):
        units, pieces = ctx.params["units"], ctx.params["pieces"]
        linear = gemm(b, ctx, f"{ctx.node_id}.linear")
        shape = b.constant(f"{ctx.node_id}.shape", [-1, units, pieces], "int64")
        pieces_out = b.op("Reshape", [linear, shape], f"{ctx.node_id}.pieces")
        return b.op("ReduceMax", [pieces_out], ctx.node_id, axes=[2], keepdims=0)

    def torch(self, ctx):
        p = ctx.params
        bias = "" if p["bias"] else ", bias=False"
        return TorchLowering(
            f"self.{ctx.name}({ctx.inputs[0]})",
            f"Maxout({ctx.in_shapes[0][0]}, {p['units']}, pieces={p['pieces']}{bias})",
            linear_state("linear.", p["bias"]), (("Maxout", TORCH_HELPER),),
        )
