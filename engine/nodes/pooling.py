"""Max and average pooling over NCHW images, as torch's max_pool2d / avg_pool2d without
padding, in floor mode (a window that would run past the edge is dropped).

Both walk the pool_size² offsets of the window over strided views of the whole batch: one
whole-batch array operation per offset, never a loop over samples or pixels.
"""
from __future__ import annotations

import numpy as np

from .base import Layer
from .convolution import conv_output_size, window_view


class _Pool2DLayer(Layer):
    def __init__(self, pool_size: int, stride: int) -> None:
        super().__init__()
        self.buffers: dict[str, np.ndarray] = {}
        self.pool_size, self.stride = pool_size, stride
        self.offsets = [(i, j) for i in range(pool_size) for j in range(pool_size)]

    def _windows(self, x: np.ndarray) -> np.ndarray:
        _, _, h, w = x.shape
        k, s = self.pool_size, self.stride
        return window_view(x, k, k, s, conv_output_size(h, k, s, 0, 0), conv_output_size(w, k, s, 0, 0))


class MaxPool2DLayer(_Pool2DLayer):
    """The largest value of each window. Its gradient goes to the first largest value in the
    window in row-major order, where torch sends it (so ties, e.g. after a ReLU, agree)."""

    def forward(self, inputs, training):
        x = inputs[0]
        windows = self._windows(x)
        out = windows[:, :, 0, 0].copy()
        # Which offset holds the maximum; a later offset wins only if strictly greater.
        self.argmax = np.zeros(out.shape, dtype=np.min_scalar_type(len(self.offsets) - 1))
        for index, (i, j) in enumerate(self.offsets[1:], start=1):
            candidate = windows[:, :, i, j]
            greater = candidate > out
            np.maximum(out, candidate, out=out)
            np.copyto(self.argmax, index, where=greater)
        self.in_shape = x.shape
        return out

    def backward(self, grad):
        if not self.need_input_grad:
            return [None]
        dx = np.zeros(self.in_shape, dtype=grad.dtype)
        windows = self._windows(dx)
        for index, (i, j) in enumerate(self.offsets):
            windows[:, :, i, j] += grad * (self.argmax == index)
        return [dx]


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
        if not self.need_input_grad:
            return [None]
        dx = np.zeros(self.in_shape, dtype=grad.dtype)
        windows = self._windows(dx)
        share = grad * (1.0 / self.pool_size**2)
        for i, j in self.offsets:
            windows[:, :, i, j] += share
        return [dx]
