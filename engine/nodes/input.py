"""Input: the dataset's features, one row per sample; as a vector, or as an image when it has a shape."""
from __future__ import annotations

import math

from ..params import ParamSpec
from .base import Layer, LoweringContext, NodeType, Shape, TorchLowering, format_shape

MAX_FEATURES = 100_000


class InputLayer(Layer):
    def __init__(self, shape: Shape) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, inputs, training):
        x = inputs[0]
        return x if len(self.shape) == 1 else x.reshape(len(x), *self.shape)

    def backward(self, grad):
        return []


class Input(NodeType):
    name = "Input"
    role = "input"
    category = "data"
    help = "Feeds the dataset's features into the network, one row per sample."
    params = {
        "size": ParamSpec("int", 2, "How many features each sample has.", minimum=1, maximum=MAX_FEATURES,
                          applies=lambda p: not p["shape"]),
        "shape": ParamSpec(
            "shape", [], "The features as an image: channels, height, width (e.g. 1, 8, 8 for 8×8 grey "
            "digits); their product is the number of features. Empty: a vector of `size` features.",
            maximum=MAX_FEATURES, lengths=(0, 3), omit_default=True,
        ),
    }

    def input_ports(self, params):
        return ()

    def features(self, params: dict) -> int:
        """How many columns of the dataset this input takes."""
        return math.prod(params["shape"]) if params["shape"] else params["size"]

    def infer(self, params, shapes):
        return tuple(params["shape"]) if params["shape"] else (params["size"],)

    def build(self, params, shapes, rng, dtype):
        return InputLayer(self.infer(params, shapes))

    def label(self, params):
        return f"Input · {format_shape(self.infer(params, []))}"

    def onnx(self, b, ctx: LoweringContext) -> str:
        if len(ctx.shape) == 1:
            return ctx.inputs[0]
        target = b.constant(f"{ctx.node_id}.shape", [-1, *ctx.shape], "int64")
        return b.op("Reshape", [ctx.inputs[0], target], ctx.node_id)

    def torch(self, ctx: LoweringContext) -> TorchLowering:
        if len(ctx.shape) == 1:
            return TorchLowering(ctx.inputs[0])
        return TorchLowering(f"{ctx.inputs[0]}.reshape(-1, {', '.join(map(str, ctx.shape))})")
