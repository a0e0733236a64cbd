"""2-D convolution over NCHW images, with PyTorch's Conv2d semantics and weight layout.

The forward pass is im2col: a strided view lists every kernel window of the (padded) batch,
one copy lays the windows out as columns, and one batched matrix product with the weights
gives the output already in NCHW order. The bias rides in the same product as a row of ones
under the columns, so neither adding it nor summing its gradient costs a pass over the output.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..params import ParamSpec
from .base import Layer, NodeType, Parameter, ShapeError, TorchLowering, need_image
from .initializers import init_params, init_weight


def same_padding(kh: int, kw: int) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) padding that keeps a stride-1 output the size of its input,
    as torch's ``padding="same"``: an even kernel gets its extra row and column at the
    bottom and right."""
    return (kh - 1) // 2, kh // 2, (kw - 1) // 2, kw // 2


def conv_output_size(size: int, kernel: int, stride: int, pad_before: int, pad_after: int) -> int:
    """The output length along one axis (floor mode); below 1 when the kernel does not fit."""
    return (size + pad_before + pad_after - kernel) // stride + 1


def window_view(x: np.ndarray, kh: int, kw: int, stride: int, oh: int, ow: int) -> np.ndarray:
    """A (N, C, kh, kw, oh, ow) view of the NCHW array ``x``: ``[:, :, i, j]`` holds, for every
    output pixel, the input value at kernel offset (i, j) of its window. Writable, so that a
    backward pass can add into ``x`` offset by offset (within one offset no two pixels meet)."""
    n, c, _, _ = x.shape
    sn, sc, sh, sw = x.strides
    return as_strided(x, (n, c, kh, kw, oh, ow), (sn, sc, sh, sw, stride * sh, stride * sw))


class Conv2DLayer(Layer):
    """Cross-correlation of a (N, C, H, W) batch with ``weight`` (filters, C, kh, kw), as
    ``torch.nn.functional.conv2d``; ``padding`` is (top, bottom, left, right) zeros."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray | None, stride: int,
                 padding: tuple[int, int, int, int]) -> None:
        super().__init__()
        self.params["weight"] = weight
        if bias is not None:
            self.params["bias"] = bias
        self.stride = stride
        self.padding = tuple(padding)

    def _matrix(self) -> np.ndarray:
        """The weights as one (filters, C·kh·kw [+1 for the bias]) matrix."""
        weight = self.params["weight"]
        matrix = weight.reshape(len(weight), -1)
        if "bias" in self.params:
            matrix = np.concatenate([matrix, self.params["bias"][:, None]], axis=1)
        return matrix

    def forward(self, inputs, training):
        x = inputs[0]
        n, c, h, w = x.shape
        _, _, kh, kw = self.params["weight"].shape
        top, bottom, left, right = self.padding
        oh = conv_output_size(h, kh, self.stride, top, bottom)
        ow = conv_output_size(w, kw, self.stride, left, right)
        if top or bottom or left or right:
            padded = np.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
            padded[:, :, top : top + h, left : left + w] = x
        else:
            padded = x
        rows = c * kh * kw
        has_bias = "bias" in self.params
        cols = np.empty((n, rows + has_bias, oh * ow), dtype=x.dtype)
        # Splitting axes of a slice is always a view, so this copy fills ``cols`` itself.
        np.copyto(cols[:, :rows].reshape(n, c, kh, kw, oh, ow), window_view(padded, kh, kw, self.stride, oh, ow))
        if has_bias:
            cols[:, rows] = 1
        self.cols, self.in_shape = cols, x.shape
        return np.matmul(self._matrix(), cols).reshape(n, -1, oh, ow)

    def backward(self, grad):
        weight = self.params["weight"]
        filters, c, kh, kw = weight.shape
        n, _, oh, ow = grad.shape
        grad = grad.reshape(n, filters, oh * ow)
        full = np.matmul(grad, self.cols.transpose(0, 2, 1)).sum(axis=0)
        rows = c * kh * kw
        self.grads["weight"] = full[:, :rows].reshape(weight.shape)
        if "bias" in self.params:
            self.grads["bias"] = full[:, rows].copy()
        if not self.need_input_grad:
            return [None]
        return [self._input_grad(grad, weight.reshape(filters, rows))]

    def _input_grad(self, grad: np.ndarray, matrix: np.ndarray) -> np.ndarray:
        """col2im: each column's gradient goes back to the pixels its window read."""
        n, c, h, w = self.in_shape
        _, _, kh, kw = self.params["weight"].shape
        top, bottom, left, right = self.padding
        oh = conv_output_size(h, kh, self.stride, top, bottom)
        ow = conv_output_size(w, kw, self.stride, left, right)
        cols = np.matmul(matrix.T, grad).reshape(n, c, kh, kw, oh, ow)
        padded = np.zeros((n, c, h + top + bottom, w + left + right), dtype=grad.dtype)
        windows = window_view(padded, kh, kw, self.stride, oh, ow)
        for i in range(kh):
            for j in range(kw):
                windows[:, :, i, j] += cols[:, :, i, j]
        if top or bottom or left or right:
            return np.ascontiguousarray(padded[:, :, top : top + h, left : left + w])
        return padded


class Conv2D(NodeType):
    name = "Conv2D"
    category = "convolution"
    help = ("Slides `filters` learned kernel_size × kernel_size filters over the image: each output channel is one "
            "filter's response at every position (cross-correlation, as torch's Conv2d).")
    params = {
        "filters": ParamSpec("int", 8, "How many filters: the output's channels.", minimum=1, maximum=4096),
        "kernel_size": ParamSpec("int", 3, "The filters' height and width, in pixels.", minimum=1, maximum=64),
        "stride": ParamSpec("int", 1, "How far the filter moves between positions.", minimum=1, maximum=64),
        "padding": ParamSpec("int", 0, "Zeros added around the image: a number of pixels on each side, or "
                             '"same" to keep the size (stride 1).', minimum=0, maximum=64, choices=("same",)),
        "bias": ParamSpec("bool", True, "Add a learned bias to every filter's output."),
        **init_params("he_uniform"),
    }

    def _padding(self, params: dict) -> tuple[int, int, int, int]:
        k, padding = params["kernel_size"], params["padding"]
        return same_padding(k, k) if padding == "same" else (padding,) * 4

    def infer(self, params, shapes):
        channels, h, w = need_image("Conv2D", shapes[0])
        k, stride = params["kernel_size"], params["stride"]
        if params["padding"] == "same" and stride != 1:
            raise ShapeError(f'padding "same" keeps the size only with stride 1, not {stride}: '
                             "set stride 1, or a padding in pixels")
        top, bottom, left, right = self._padding(params)
        oh, ow = conv_output_size(h, k, stride, top, bottom), conv_output_size(w, k, stride, left, right)
        if oh < 1 or ow < 1:
            raise ShapeError(f"a {k}×{k} filter does not fit an image of {h}×{w} with padding {params['padding']}: "
                             "make kernel_size smaller or add padding")
        return (params["filters"], oh, ow)

    def parameters(self, params, shapes):
        k, filters = params["kernel_size"], params["filters"]
        weight = Parameter("weight", (filters, shapes[0][0], k, k), penalized=True, weights=True)
        return [weight, Parameter("bias", (filters,))] if params["bias"] else [weight]

    def build(self, params, shapes, rng, dtype):
        k, filters, channels = params["kernel_size"], params["filters"], shapes[0][0]
        weight = init_weight(params["init"], (filters, channels, k, k), channels * k * k, filters * k * k,
                             params["std"], rng, dtype)
        bias = np.zeros(filters, dtype=dtype) if params["bias"] else None
        return Conv2DLayer(weight, bias, params["stride"], self._padding(params))

    def label(self, params):
        k = params["kernel_size"]
        return f"Conv2D · {params['filters']} {k}×{k}"

    def onnx(self, b, ctx):
        top, bottom, left, right = self._padding(ctx.params)
        k = ctx.params["kernel_size"]
        inputs = [ctx.inputs[0], b.constant(f"{ctx.node_id}.weight", ctx.arrays["weight"])]
        if "bias" in ctx.arrays:
            inputs.append(b.constant(f"{ctx.node_id}.bias", ctx.arrays["bias"]))
        return b.op("Conv", inputs, ctx.node_id, kernel_shape=[k, k], strides=[ctx.params["stride"]] * 2,
                    pads=[top, left, bottom, right])

    def torch(self, ctx):
        p = ctx.params
        padding = '"same"' if p["padding"] == "same" else p["padding"]
        bias = "" if p["bias"] else ", bias=False"
        module = (f"nn.Conv2d({ctx.in_shapes[0][0]}, {p['filters']}, {p['kernel_size']}, stride={p['stride']}, "
                  f"padding={padding}{bias})")
        state = (("weight", "weight", False),) + ((("bias", "bias", False),) if p["bias"] else ())
        return TorchLowering(f"self.{ctx.name}({ctx.inputs[0]})", module, state)
