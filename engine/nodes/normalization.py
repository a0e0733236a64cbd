"""Batch and layer normalization, with torch's BatchNorm1d/2d and LayerNorm semantics."""
from __future__ import annotations

import numpy as np

from ..params import ParamSpec
from .base import Layer, NodeType, Parameter, TorchLowering, need_vector


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
        self.buffers.update(running_mean=running_mean, running_var=running_var)
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


class BatchNorm(NodeType):
    name = "BatchNorm"
    category = "normalization"
    elementwise = True
    batch_statistics = True
    help = ("Normalizes each feature (or each channel of an image) with the batch's mean and variance while "
            "training, and with running averages of them in evaluation; then scales by γ and shifts by β.")
    params = {
        "momentum": ParamSpec("float", 0.1, "How far the running statistics move toward each batch's.",
                              minimum=0.0, maximum=1.0),
        "eps": ParamSpec("float", 1e-5, "Added to the variance before its square root.", minimum=1e-12, maximum=1.0),
    }

    def parameters(self, params, shapes):
        c = (shapes[0][0],)
        return [Parameter("weight", c), Parameter("bias", c),
                Parameter("running_mean", c, trainable=False), Parameter("running_var", c, trainable=False)]

    def build(self, params, shapes, rng, dtype):
        c = shapes[0][0]
        return BatchNormLayer(np.ones(c, dtype), np.zeros(c, dtype), np.zeros(c, dtype), np.ones(c, dtype),
                              params["momentum"], params["eps"])

    def onnx(self, b, ctx):
        inputs = [ctx.inputs[0]] + [b.constant(f"{ctx.node_id}.{name}", ctx.arrays[name])
                                    for name in ("weight", "bias", "running_mean", "running_var")]
        return b.op("BatchNormalization", inputs, ctx.node_id, epsilon=float(ctx.params["eps"]))

    def torch(self, ctx):
        p = ctx.params
        module = f"nn.BatchNorm{'2' if len(ctx.shape) == 3 else '1'}d({ctx.shape[0]}, eps={p['eps']!r}, momentum={p['momentum']!r})"
        state = tuple((name, name, False) for name in ("weight", "bias", "running_mean", "running_var"))
        return TorchLowering(f"self.{ctx.name}({ctx.inputs[0]})", module, state)


class LayerNorm(NodeType):
    name = "LayerNorm"
    category = "normalization"
    elementwise = True
    help = "Normalizes each sample's features to mean 0 and variance 1, then scales by γ and shifts by β."
    params = {"eps": ParamSpec("float", 1e-5, "Added to the variance before its square root.", minimum=1e-12, maximum=1.0)}

    def infer(self, params, shapes):
        need_vector("LayerNorm", shapes[0])
        return shapes[0]

    def parameters(self, params, shapes):
        return [Parameter("weight", shapes[0]), Parameter("bias", shapes[0])]

    def build(self, params, shapes, rng, dtype):
        f = shapes[0][0]
        return LayerNormLayer(np.ones(f, dtype), np.zeros(f, dtype), params["eps"])

    def onnx(self, b, ctx):
        inputs = [ctx.inputs[0], b.constant(f"{ctx.node_id}.weight", ctx.arrays["weight"]),
                  b.constant(f"{ctx.node_id}.bias", ctx.arrays["bias"])]
        return b.op("LayerNormalization", inputs, ctx.node_id, axis=-1, epsilon=float(ctx.params["eps"]))

    def torch(self, ctx):
        module = f"nn.LayerNorm({ctx.shape[0]}, eps={ctx.params['eps']!r})"
        return TorchLowering(f"self.{ctx.name}({ctx.inputs[0]})", module, (("weight", "weight", False), ("bias", "bias", False)))
