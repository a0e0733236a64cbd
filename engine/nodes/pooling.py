"""Max and average pooling over NCHW images, as torch's max_pool2d / avg_pool2d without
padding, in floor mode (a window that would run past the edge is dropped).

Both walk the pool_size² offsets of the window over strided views of the whole batch: one
whole-batch array operation per offset, never a loop over samples or pixels.
"""
from __future__ import annotations

import numpy as np

from ..params import ParamSpec
from .base import Layer, NodeType, ShapeError, TorchLowering, need_image
from .convolution import conv_output_size, window_view


class _Pool2DLayer(Layer):
    def __init__(self, pool_size: int, stride: int) -> None:
        super().__init__()
        self.pool_size, self.stride = pool_size, stride
        self.offsets = [(i, j) for i in range(pool_size) for j in range(pool_size)]
        self.overlapping = stride < pool_size

    def _windows(self, x: np.ndarray) -> np.ndarray:
        _, _, h, w = x.shape
        k, s = self.pool_size, self.stride
        return window_view(x, k, k, s, conv_output_size(h, k, s, 0, 0), conv_output_size(w, k, s, 0, 0))

    def _spread(self, grad: np.ndarray, share) -> list[np.ndarray | None]:
        """The input gradient: each window offset's pixels get ``grad · share(offset index)``."""
        if not self.need_input_grad:
            return [None]
        dx = np.zeros(self.in_shape, dtype=grad.dtype)
        windows = self._windows(dx)
        for index, (i, j) in enumerate(self.offsets):
            self._give(windows[:, :, i, j], grad, share(index))
        return [dx]

    def _give(self, pixels: np.ndarray, grad: np.ndarray, share) -> None:
        """Pass ``grad · share`` to the input ``pixels`` one window offset read. Overlapping
        windows share pixels, whose gradients add up; disjoint ones write theirs in place."""
        if self.overlapping:
            pixels += grad * share
        else:
            np.multiply(grad, share, out=pixels)


class MaxPool2DLayer(_Pool2DLayer):
    """The largest value of each window. Its gradient goes to the first largest value in the
    window in row-major order, where torch sends it (so ties, e.g. after a ReLU, agree)."""

    def forward(self, inputs, training):
        x = inputs[0]
        windows = self._windows(x)
        out = windows[:, :, 0, 0].copy()
        # Arithmetic on strided views is slow, so each offset is copied out once and compared
        # contiguous. ``argmax`` is the offset holding the maximum so far: a later offset takes
        # over only where strictly greater (ties keep the earliest), and as the offsets grow,
        # the one taking over is always the larger index, so np.maximum records it.
        self.argmax = argmax = np.zeros(out.shape, dtype=np.min_scalar_type(len(self.offsets) - 1))
        candidate = np.empty_like(out)
        for index, (i, j) in enumerate(self.offsets[1:], start=1):
            np.copyto(candidate, windows[:, :, i, j])
            greater = candidate > out
            np.maximum(out, candidate, out=out)
            np.maximum(argmax, greater * argmax.dtype.type(index), out=argmax)
        self.in_shape = x.shape
        return out

    def backward(self, grad):
        return self._spread(grad, lambda index: self.argmax == index)


class AvgPool2DLayer(_Pool2DLayer):
    """The mean of each window."""

    def forward(self, inputs, training):
        x = inputs[0]
        windows = self._windows(x)
        out = windows[:, :, 0, 0].copy()
        for i, j in self.offsets[1:]:
            out += windows[:, :, i, j]
        out *= 1.0 / self.pool_size**2
        self.in_shape = x.shape
        return out

    def backward(self, grad):
        share = grad.dtype.type(1.0 / self.pool_size**2)
        return self._spread(grad, lambda index: share)


class _Pool2D(NodeType):
    category = "convolution"
    layer = None  # the Layer class
    onnx_op = ""
    torch_module = ""
    params = {
        "pool_size": ParamSpec("int", 2, "The window's height and width, in pixels.", minimum=1, maximum=64),
        "stride": ParamSpec("int", None, "How far the window moves; by default as far as it is wide, so windows "
                            "do not overlap.", minimum=1, maximum=64, choices=(None,), omit_default=True),
    }

    @staticmethod
    def _stride(params: dict) -> int:
        return params["pool_size"] if params["stride"] is None else params["stride"]

    def infer(self, params, shapes):
        channels, h, w = need_image(self.name, shapes[0])
        k, stride = params["pool_size"], self._stride(params)
        oh, ow = conv_output_size(h, k, stride, 0, 0), conv_output_size(w, k, stride, 0, 0)
        if oh < 1 or ow < 1:
            raise ShapeError(f"a {k}×{k} window does not fit an image of {h}×{w}: make pool_size smaller")
        return (channels, oh, ow)

    def build(self, params, shapes, rng, dtype):
        return self.layer(params["pool_size"], self._stride(params))

    def label(self, params):
        k = params["pool_size"]
        return f"{self.name} · {k}×{k}"

    def onnx(self, b, ctx):
        k = ctx.params["pool_size"]
        return b.op(self.onnx_op, ctx.inputs, ctx.node_id, kernel_shape=[k, k], strides=[self._stride(ctx.params)] * 2)

    def torch(self, ctx):
        module = f"nn.{self.torch_module}({ctx.params['pool_size']}, stride={self._stride(ctx.params)})"
        return TorchLowering(f"self.{ctx.name}({ctx.inputs[0]})", module)


class MaxPool2D(_Pool2D):
    name = "MaxPool2D"
    help = "Keeps the largest value of each pool_size × pool_size window of every channel: a smaller image."
    layer, onnx_op, torch_module = MaxPool2DLayer, "MaxPool", "MaxPool2d"


class AvgPool2D(_Pool2D):
    name = "AvgPool2D"
    help = "Averages each pool_size × pool_size window of every channel: a smaller, smoother image."
    layer, onnx_op, torch_module = AvgPool2DLayer, "AveragePool", "AvgPool2d"
