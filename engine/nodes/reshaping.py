"""Flatten (an image to a vector, C-order like torch.flatten(x, 1)) and Reshape (to a given shape)."""
from __future__ import annotations

import math

from ..params import ParamSpec
from .base import Layer, NodeType, ShapeError, TorchLowering, format_shape

MAX_SIZE = 100_000


class ReshapeLayer(Layer):
    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, inputs, training):
        x = inputs[0]
        self.in_shape = x.shape
        return x.reshape(len(x), *self.shape)

    def backward(self, grad):
        return [grad.reshape(self.in_shape)]


class Flatten(NodeType):
    name = "Flatten"
    category = "shape"
    help = "Lays an image out as one vector, channel by channel and row by row (as torch.flatten(x, 1))."
    params = {}

    def infer(self, params, shapes):
        return (math.prod(shapes[0]),)

    def build(self, params, shapes, rng, dtype):
        return ReshapeLayer(self.infer(params, shapes))

    def onnx(self, b, ctx):
        return b.op("Flatten", ctx.inputs, ctx.node_id, axis=1)

    def torch(self, ctx):
        return TorchLowering(f"torch.flatten({ctx.inputs[0]}, 1)")


class Reshape(NodeType):
    name = "Reshape"
    category = "shape"
    help = "Gives the values a new shape of the same size: a vector of 64 becomes an image of 1, 8, 8."
    params = {
        "shape": ParamSpec("shape", [1, 8, 8], "The new shape without the batch: one number (a vector) or "
                           "three (channels, height, width).", maximum=MAX_SIZE, lengths=(1, 3)),
    }

    def infer(self, params, shapes):
        shape = tuple(params["shape"])
        if math.prod(shape) != math.prod(shapes[0]):
            raise ShapeError(
                f"Reshape to {format_shape(shape)} needs {math.prod(shape)} values per sample but gets "
                f"{format_shape(shapes[0])} = {math.prod(shapes[0])}: choose a shape with that product"
            )
        return shape

    def build(self, params, shapes, rng, dtype):
        return ReshapeLayer(self.infer(params, shapes))

    def label(self, params):
        return f"Reshape · {format_shape(tuple(params['shape']))}"

    def onnx(self, b, ctx):
        target = b.constant(f"{ctx.node_id}.shape", [-1, *ctx.shape], "int64")
        return b.op("Reshape", [ctx.inputs[0], target], ctx.node_id)

    def torch(self, ctx):
        return TorchLowering(f"{ctx.inputs[0]}.reshape(-1, {', '.join(map(str, ctx.shape))})")
