"""Batch and layer normalization, with torch's BatchNorm1d/2d and LayerNorm semantics."""
from __future__ import annotations

import numpy as np

from .base import Layer


def _normalize(x: np.ndarray, axes: tuple[int, ...], eps: float) -> tuple[np.ndarray, ...]:
    """(x̂, 1/σ, mean, biased variance) of ``x`` over ``axes`` (kept as length-1 axes)."""
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, axis=axes, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    return centred * inv_std, inv_std, mean, var


def _normalize_backward(dxhat: np.ndarray, xhat: np.ndarray, inv_std: np.ndarray, axes) -> np.ndarray:
    """The gradient through x̂ = (x − mean) / σ when mean and σ are statistics of x over ``axes``."""
    return inv_std * (dxhat - dxhat.mean(axis=axes, keepdims=True)
                      - xhat * np.mean(dxhat * xhat, axis=axes, keepdims=True))


class BatchNormLayer(Layer):
    """Normalizes each feature of (N, F) vectors, or each channel of (N, C, H, W) images, then
    scales by ``weight`` and shifts by ``bias``. Training uses the batch's statistics and moves
    the running ones toward them (``running = (1 − momentum)·running + momentum·batch``, the
    variance unbiased, as torch); evaluation uses the running statistics."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray, running_mean: np.ndarray,
                 running_var: np.ndarray, momentum: float, eps: float) -> None:
        super().__init__()
        self.params["weight"], self.params["bias"] = weight, bias
        self.buffers: dict[str, np.ndarray] = {"running_mean": running_mean, "running_var": running_var}
        self.momentum, self.eps = momentum, eps

    @staticmethod
    def _layout(x: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """(the axes statistics run over, the shape a per-channel array broadcasts as)."""
        if x.ndim == 2:
            return (0,), (1, -1)
        return (0, 2, 3), (1, -1, 1, 1)

    def forward(self, inputs, training):
        x = inputs[0]
        axes, shape = self._layout(x)
        self.training = training
        weight = self.params["weight"].reshape(shape)
        if training:
            count = x.size // x.shape[1]
            if count < 2:
                raise ValueError(f"BatchNorm needs more than one value per channel to train, got a batch "
                                 f"of shape {tuple(x.shape)}: use a batch size above 1")
            self.xhat, self.inv_std, mean, var = _normalize(x, axes, self.eps)
            m = self.momentum
            for buffer, batch in ((self.buffers["running_mean"], mean),
                                  (self.buffers["running_var"], var * (count / (count - 1)))):
                buffer *= 1.0 - m
                buffer += m * batch.reshape(-1)
            return self.xhat * weight + self.params["bias"].reshape(shape)
        self.inv_std = 1.0 / np.sqrt(self.buffers["running_var"].reshape(shape) + self.eps)
        self.x, self.mean = x, self.buffers["running_mean"].reshape(shape)
        scale = weight * self.inv_std
        return x * scale + (self.params["bias"].reshape(shape) - self.mean * scale)

    def backward(self, grad):
        axes, shape = self._layout(grad)
        weight = self.params["weight"].reshape(shape)
        xhat = self.xhat if self.training else (self.x - self.mean) * self.inv_std
        self.grads["weight"] = (grad * xhat).sum(axis=axes)
        self.grads["bias"] = grad.sum(axis=axes)
        if not self.need_input_grad:
            return [None]
        if not self.training:
            return [grad * (weight * self.inv_std)]
        return [_normalize_backward(grad * weight, xhat, self.inv_std, axes)]


class LayerNormLayer(Layer):
    """Normalizes each (N, F) row over its F features, then scales by ``weight`` and shifts by
    ``bias`` (both (F,)), as ``torch.nn.LayerNorm(F)``; the same in training and evaluation."""

    def __init__(self, weight: np.ndarray, bias: np.ndarray, eps: float) -> None:
        super().__init__()
        self.params["weight"], self.params["bias"] = weight, bias
        self.buffers: dict[str, np.ndarray] = {}
        self.eps = eps

    def forward(self, inputs, training):
        self.xhat, self.inv_std, _, _ = _normalize(inputs[0], (-1,), self.eps)
        return self.xhat * self.params["weight"] + self.params["bias"]

    def backward(self, grad):
        self.grads["weight"] = (grad * self.xhat).sum(axis=0)
        self.grads["bias"] = grad.sum(axis=0)
        if not self.need_input_grad:
            return [None]
        return [_normalize_backward(grad * self.params["weight"], self.xhat, self.inv_std, (-1,))]
