"""Dropout: while training, zero each value with probability `rate` and scale the rest by 1/(1 − rate)."""
from __future__ import annotations

import numpy as np

from ..params import ParamSpec
from .base import Layer, NodeType, TorchLowering


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
    elementwise = True
    help = "While training, zeroes each value with probability `rate` and scales the rest by 1/(1−rate); off at evaluation."
    params = {"rate": ParamSpec("float", 0.5, "Probability of dropping each value.", minimum=0.0, maximum=0.95)}

    def build(self, params, shapes, rng, dtype):
        return DropoutLayer(params["rate"], rng)

    def label(self, params):
        return f"Dropout · {params['rate']:g}"

    def onnx(self, b, ctx):
        return b.op("Identity", ctx.inputs, ctx.node_id)

    def torch(self, ctx):
        return TorchLowering(
            f"self.{ctx.name}({ctx.inputs[0]})", f"nn.Dropout(p={ctx.params['rate']!r})",
            note="Dropout draws its masks from PyTorch's random generator, so runs with dropout differ from "
                 "NeuroCanvas's in the dropped values.",
        )
