"""Nodes that join several inputs: Add (element by element) and Concat (side by side)."""
from __future__ import annotations

import numpy as np

from ..params import ParamSpec
from .base import Layer, NodeType, ShapeError, TorchLowering, format_shape


class Merge(NodeType):
    """Ports in1 … inN, N set by the ``inputs`` param."""

    role = "merge"
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
    help = "Adds its inputs element by element (a residual connection); they must have the same shape."

    def infer(self, params, shapes):
        if len(set(shapes)) > 1:
            listed = ", ".join(f"in{i} {format_shape(s)}" for i, s in enumerate(shapes, 1))
            raise ShapeError(f"Add needs inputs of one shape, got {listed}; make them equal or use Concat")
        return shapes[0]

    def build(self, params, shapes, rng, dtype):
        return AddLayer(len(shapes))

    def onnx(self, b, ctx):
        total = ctx.inputs[0]
        for k, source in enumerate(ctx.inputs[1:], 2):  # in port order, as the engine adds
            total = b.op("Add", [total, source], ctx.node_id if k == len(ctx.inputs) else f"{ctx.node_id}.sum{k}")
        return total

    def torch(self, ctx):
        return TorchLowering(" + ".join(ctx.inputs))


class ConcatLayer(Layer):
    def __init__(self, sizes: list[int]) -> None:
        super().__init__()
        self.splits = np.cumsum(sizes)[:-1]

    def forward(self, inputs, training):
        return np.concatenate(inputs, axis=1)

    def backward(self, grad):
        return np.split(grad, self.splits, axis=1)


class Concat(Merge):
    name = "Concat"
    help = "Joins its inputs side by side: vectors end to end, images channel after channel."

    def infer(self, params, shapes):
        if len({len(s) for s in shapes}) > 1 or len({s[1:] for s in shapes}) > 1:
            listed = ", ".join(f"in{i} {format_shape(s)}" for i, s in enumerate(shapes, 1))
            raise ShapeError(f"Concat joins vectors, or images of one height and width; got {listed}")
        return (sum(s[0] for s in shapes), *shapes[0][1:])

    def build(self, params, shapes, rng, dtype):
        return ConcatLayer([s[0] for s in shapes])

    def onnx(self, b, ctx):
        return b.op("Concat", ctx.inputs, ctx.node_id, axis=1)

    def torch(self, ctx):
        return TorchLowering(f"torch.cat([{', '.join(ctx.inputs)}], dim=1)")
