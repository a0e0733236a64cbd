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
        self.overlapping = stride < pool_size

    def _windows(self, x: np.ndarray) -> np.ndarray:
        _, _, h, w = x.shape
        k, s = self.pool_size, self.stride
        return window_view(x, k, k, s, conv_output_size(h, k, s, 0, 0), conv_output_size(w, k, s, 0, 0))

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
        if not self.need_input_grad:
            return [None]
        dx = np.zeros(self.in_shape, dtype=grad.dtype)
        windows = self._windows(dx)
        for index, (i, j) in enumerate(self.offsets):
            self._give(windows[:, :, i, j], grad, self.argmax == index)
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
        share = grad.dtype.type(1.0 / self.pool_size**2)
        for i, j in self.offsets:
            self._give(windows[:, :, i, j], grad, share)
        return [dx]
