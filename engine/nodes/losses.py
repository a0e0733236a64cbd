"""Loss functions: one Loss node type with a ``function`` param.

Every loss averages over the batch. Each function is a pair of pure helpers over the
prediction ``p`` and the encoded target ``t`` (see ``encode_targets``):
``value(p, t, delta) -> float`` and ``grad(p, t, delta) -> dL/dp``.
A cross-entropy after its activation — sigmoid then binary cross-entropy, softmax then categorical
cross-entropy or KL divergence — is computed from the activation's input, the logits, with
log-sigmoid or log-softmax (``FUSED``), whatever else reads the activation: log(clip(p)) would be
wrong once a logit gap passes ~16.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..params import ParamSpec
from .base import Layer, NodeType, need_vector

EPS = 1e-7  # keeps log() finite when an unfused probability reaches 0 or 1


def _mse(p, t, _):
    return float(np.mean((p - t) ** 2))


def _mse_grad(p, t, _):
    return (p - t) * (2.0 / p.size)


def _mae(p, t, _):
    return float(np.mean(np.abs(p - t)))


def _mae_grad(p, t, _):
    return np.sign(p - t) * (1.0 / p.size)


def _huber(p, t, delta):
    r = np.abs(p - t)
    return float(np.mean(np.where(r <= delta, 0.5 * r * r, delta * (r - 0.5 * delta))))


def _huber_grad(p, t, delta):
    return np.clip(p - t, -delta, delta) * (1.0 / p.size)


def _quadratic(p, t, _):
    return float(0.5 * np.sum((p - t) ** 2) / len(p))


def _quadratic_grad(p, t, _):
    return (p - t) * (1.0 / len(p))


def _bce(p, t, _):
    p = np.clip(p, EPS, 1.0 - EPS)
    return float(-np.mean(t * np.log(p) + (1.0 - t) * np.log1p(-p)))


def _bce_grad(p, t, _):
    p = np.clip(p, EPS, 1.0 - EPS)
    return (p - t) / (p * (1.0 - p)) * (1.0 / p.size)


def _bce_logits(z, t, _):
    # mean of softplus(z) − t·z; logaddexp(0, z) is softplus without overflow
    d = np.logaddexp(0, z)
    d -= z * t
    return float(d.sum() / d.size)


def _bce_logits_grad(z, t, _):
    return (0.5 * np.tanh(0.5 * z) + 0.5 - t) * (1.0 / z.size)


def _cce(p, t, _):
    return float(-np.sum(t * np.log(np.clip(p, EPS, 1.0))) / len(p))


def _cce_grad(p, t, _):
    return -t / np.clip(p, EPS, 1.0) * (1.0 / len(p))


def _log_softmax(z):
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _cce_logits(z, t, _):
    return float(-np.sum(t * _log_softmax(z)) / len(z))


def _cce_logits_pair(z, t, _):
    """(value, gradient) from one log-softmax."""
    ls = _log_softmax(z)
    value = float(-np.sum(t * ls) / len(z))
    p = np.exp(ls, out=ls)
    return value, (p * t.sum(axis=1, keepdims=True) - t) * (1.0 / len(z))


def _cce_logits_grad(z, t, _):
    p = np.exp(_log_softmax(z))
    return (p * t.sum(axis=1, keepdims=True) - t) * (1.0 / len(z))


def _kl_logits(z, t, _):
    safe_t = np.where(t > 0, t, 1.0)
    return float(np.sum(t * (np.log(safe_t) - _log_softmax(z))) / len(z))


def _kl(p, t, _):
    safe_t = np.where(t > 0, t, 1.0)
    return float(np.sum(t * (np.log(safe_t) - np.log(np.clip(p, EPS, 1.0)))) / len(p))


def _hinge(p, t, _):
    return float(np.mean(np.maximum(0.0, 1.0 - t * p)))


def _hinge_grad(p, t, _):
    return np.where(t * p < 1.0, -t, 0.0).astype(p.dtype) * (1.0 / p.size)


def _perceptron(p, t, _):
    return float(np.mean(np.maximum(0.0, -t * p)))


def _perceptron_grad(p, t, _):
    return np.where(t * p <= 0.0, -t, 0.0).astype(p.dtype) * (1.0 / p.size)


@dataclass(frozen=True)
class Function:
    label: str
    formula: str
    help: str
    value: Callable
    grad: Callable
    targets: str  # how class targets are encoded: "values", "probability", "one_hot", "sign"
    torch: str  # the loss in PyTorch over the prediction {p} and the targets {t} (train.py's names)
    threshold: float = 0.5  # a one-unit output above this predicts class 1


FUNCTIONS: dict[str, Function] = {
    "mse": Function("Mean squared error", "L = mean((y − ŷ)²)", "The regression default.", _mse, _mse_grad, "values",
                    "F.mse_loss({p}, {t})"),
    "mae": Function("Mean absolute error", "L = mean(|y − ŷ|)", "Robust to outliers; constant gradient.", _mae, _mae_grad,
                    "values", "F.l1_loss({p}, {t})"),
    "huber": Function(
        "Huber", "L = ½r² if |r| ≤ δ else δ(|r| − ½δ)", "Squared near zero, absolute far out.",
        _huber, _huber_grad, "values", "F.huber_loss({p}, {t}, delta={delta!r})",
    ),
    "quadratic": Function(
        "Quadratic", "L = ½·Σ(y − ŷ)² per sample",
        "The textbooks' quadratic loss; its gradient is simply ŷ − y.", _quadratic, _quadratic_grad, "values",
        "0.5 * (({p} - {t}) ** 2).sum() / len({p})",
    ),
    "binary_cross_entropy": Function(
        "Binary cross-entropy", "L = −mean(y·ln ŷ + (1 − y)·ln(1 − ŷ))",
        "For a probability of class 1: put a sigmoid before it.", _bce, _bce_grad, "probability",
        "binary_cross_entropy({p}, {t})",
    ),
    "categorical_cross_entropy": Function(
        "Categorical cross-entropy", "L = −mean(Σ yᵢ·ln ŷᵢ)",
        "For one of several classes: put a softmax before it.", _cce, _cce_grad, "one_hot",
        "-({t} * torch.log({p}.clamp(EPS, 1))).sum() / len({p})",
    ),
    "kl_divergence": Function(
        "KL divergence", "L = mean(Σ yᵢ·(ln yᵢ − ln ŷᵢ))",
        "How far the predicted distribution is from the target one.", _kl, _cce_grad, "one_hot",
        'F.kl_div(torch.log({p}.clamp(EPS, 1)), {t}, reduction="batchmean")',
    ),
    "hinge": Function(
        "Hinge", "L = mean(max(0, 1 − y·ŷ)), y = ±1", "The support vector machine's margin loss.",
        _hinge, _hinge_grad, "sign", "F.relu(1 - {t} * {p}).mean()", threshold=0.0,
    ),
    "perceptron": Function(
        "Perceptron", "L = mean(max(0, −y·z)), y = ±1",
        "Rosenblatt's rule: only misclassified samples move the weights.",
        _perceptron, _perceptron_grad, "sign", "(-{t} * {p}).clamp(min=0).mean()", threshold=0.0,
    ),
}

@dataclass(frozen=True)
class Fused:
    """A loss computed from the logits of the activation before it."""

    value: Callable
    grad: Callable
    torch: str  # over the logits {p}
    pair: Callable | None = None  # (value, grad) at once, sharing the log-softmax


FUSED = {  # (activation before the loss, loss) -> the loss on that activation's input
    ("sigmoid", "binary_cross_entropy"): Fused(
        _bce_logits, _bce_logits_grad, "F.binary_cross_entropy_with_logits({p}, {t})"),
    ("softmax", "categorical_cross_entropy"): Fused(
        _cce_logits, _cce_logits_grad, "F.cross_entropy({p}, {t})", _cce_logits_pair),
    ("softmax", "kl_divergence"): Fused(
        _kl_logits, _cce_logits_grad, 'F.kl_div(F.log_softmax({p}, dim=1), {t}, reduction="batchmean")'),
}


def encode_targets(function: str, y: np.ndarray, task: str, width: int, dtype) -> np.ndarray:
    """The dataset's targets as this loss wants them for an output of ``width`` units.

    Classification targets are class indices: a one-unit output gets 0/1 (or ±1 for
    hinge and perceptron), a wider one one-hot rows. Regression targets pass through.
    """
    if task == "regression":
        return np.ascontiguousarray(y.reshape(len(y), width), dtype=dtype)
    if width == 1:
        t = (y == 1).astype(dtype)[:, None]
    else:
        t = np.zeros((len(y), width), dtype=dtype)
        t[np.arange(len(y)), y] = 1
    if FUNCTIONS[function].targets == "sign":
        t = t * 2 - 1
    return t


class LossLayer(Layer):
    def __init__(self, function: str, weight: float, delta: float) -> None:
        super().__init__()
        self.function = function
        self.weight, self.delta = weight, delta
        fn = FUNCTIONS[function]
        self._value, self._grad = fn.value, fn.grad
        self._pair = None

    def fuse(self, activation: str) -> None:
        """Compute on the logits of the activation before: the model feeds them instead of its output."""
        fused = FUSED[(activation, self.function)]
        self._value, self._grad, self._pair = fused.value, fused.grad, fused.pair

    def loss(self, p: np.ndarray, t: np.ndarray) -> float:
        self.p, self.t = p, t
        if self._pair is not None:
            value, self._g = self._pair(p, t, self.delta)
            return value
        return self._value(p, t, self.delta)

    def backward(self, grad=None):
        g = self._g if self._pair is not None else self._grad(self.p, self.t, self.delta)
        return [g * self.weight if self.weight != 1.0 else g]


class Loss(NodeType):
    name = "Loss"
    role = "loss"
    category = "losses"
    functions = FUNCTIONS
    help = "Compares the prediction wired into it with the dataset's targets; training lowers it."
    output_ports = ()
    params = {
        "function": ParamSpec("choice", "mse", "How prediction and target are compared.", choices=tuple(FUNCTIONS)),
        "weight": ParamSpec("float", 1.0, "This loss's share of the total when there are several.", minimum=0.0, maximum=1e6),
        "delta": ParamSpec(
            "float", 1.0, "Where Huber turns from squared to absolute.",
            minimum=1e-6, maximum=1e6, applies=lambda p: p["function"] == "huber",
        ),
    }

    def infer(self, params, shapes):
        need_vector("a Loss", shapes[0], "put a Flatten and a Dense before it")
        return ()

    def build(self, params, shapes, rng, dtype):
        return LossLayer(params["function"], params["weight"], params["delta"])

    def label(self, params):
        return FUNCTIONS[params["function"]].label
