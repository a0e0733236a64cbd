"""Optimizers with PyTorch's update rules and defaults (``torch.optim``, single-tensor path).

Every optimizer updates a dict of named NumPy arrays in place from a dict of gradients with the
same names, keeping per-name state (step count and buffers such as momentum), so one optimizer
serves the whole model: ``optimizer.step(params, grads)``. Any run can be checked against
PyTorch: the formulas, the order of operations and the defaults are torch's.

Buffers are allocated with the parameter's dtype (float32 stays float32) and updated with in-place
NumPy operations; the only Python loop is over parameter names.
"""
from __future__ import annotations

import numpy as np

from .errors import ParamError
from .params import ParamSpec, fill_params

WHERE = "training.optimizer"


def _learning_rate(default: float) -> ParamSpec:
    return ParamSpec("float", default, "Step size: how far each update moves the parameters.",
                     minimum=1e-8, maximum=1e6, label="Learning rate")


def _weight_decay(default: float, decoupled: bool = False) -> ParamSpec:
    how = ("Decoupled weight decay: parameters shrink by learning_rate × weight_decay each step."
           if decoupled else "L2 weight decay: weight_decay × parameter is added to the gradient.")
    return ParamSpec("float", default, how, minimum=0.0, maximum=1e3, label="Weight decay")


def _eps(default: float) -> ParamSpec:
    return ParamSpec("float", default, "Added to the denominator for numerical stability.",
                     minimum=0.0, maximum=1.0, label="Epsilon")


# Torch requires betas < 1 (a bias correction of 1 - beta**t would be 0 at beta = 1).
_ADAM_SPECS = {
    "beta1": ParamSpec("float", 0.9, "Decay rate of the running average of the gradient.",
                       minimum=0.0, maximum=0.999999, label="Beta 1"),
    "beta2": ParamSpec("float", 0.999, "Decay rate of the running average of the squared gradient.",
                       minimum=0.0, maximum=0.999999, label="Beta 2"),
    "eps": _eps(1e-8),
    "amsgrad": ParamSpec("bool", False, "Use the maximum of past squared-gradient averages (AMSGrad).",
                         label="AMSGrad"),
}


class Optimizer:
    """Base class: validation, per-name state, weight decay and the loop over parameters.

    Subclasses declare ``name`` and ``SPECS`` and implement ``_update`` for one parameter.
    """

    name: str = ""
    SPECS: dict[str, ParamSpec] = {}
    # AdamW shrinks the parameter instead of adding weight_decay × parameter to the gradient.
    DECOUPLED_WEIGHT_DECAY = False

    def __init__(self, **hyper):
        self.hyper = self._validate(hyper)
        self.state: dict[str, dict] = {}     # name -> {"step": int, <buffer name>: ndarray, ...}
        self._scratch: dict[tuple[str, int], np.ndarray] = {}  # reusable work arrays, not state

    # --- hyperparameters ---------------------------------------------------------------------

    def _validate(self, hyper: dict) -> dict:
        values = fill_params(self.SPECS, hyper, WHERE)
        self._check(values)
        return values

    def _check(self, hyper: dict) -> None:
        """Checks that involve more than one hyperparameter; raise ParamError."""

    def set(self, **hyper) -> None:
        """Change hyperparameters; they apply from the next step. Invalid values change nothing."""
        self.hyper = self._validate({**self.hyper, **hyper})

    # --- updates -------------------------------------------------------------------------------

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every ``params[name]`` in place from ``grads[name]``.

        A parameter without a gradient is left alone (like a torch parameter whose grad is None).
        ``grads`` are never modified.
        """
        h = self.hyper
        for name, param in params.items():
            grad = grads.get(name)
            if grad is None:
                continue
            grad = np.asarray(grad, dtype=param.dtype)
            state = self.state.setdefault(name, {"step": 0})
            state["step"] += 1
            if h["weight_decay"]:
                if self.DECOUPLED_WEIGHT_DECAY:
                    param *= 1 - h["learning_rate"] * h["weight_decay"]
                else:
                    decayed = np.multiply(param, h["weight_decay"], out=self._work(name, 0, param))
                    decayed += grad
                    grad = decayed
            self._update(param, grad, state, self._work(name, 1, param))

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, work: np.ndarray) -> None:
        """Apply one update to ``param`` (in place). ``grad`` already includes L2 weight decay;
        ``work`` is a scratch array of the parameter's shape and dtype that may be overwritten."""
        raise NotImplementedError

    def _work(self, name: str, slot: int, param: np.ndarray) -> np.ndarray:
        work = self._scratch.get((name, slot))
        if work is None or work.shape != param.shape or work.dtype != param.dtype:
            work = self._scratch[(name, slot)] = np.empty_like(param)
        return work

    @staticmethod
    def _buffer(state: dict, key: str, param: np.ndarray, fill: float = 0.0) -> np.ndarray:
        """The state buffer ``key``, created (filled with ``fill``) the first time it is needed,
        which also covers a setting switched on mid-training (e.g. momentum, amsgrad)."""
        buf = state.get(key)
        if buf is None:
            buf = state[key] = np.full_like(param, fill)
        return buf

    # --- state -----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget all state (step counts and buffers)."""
        self.state.clear()
        self._scratch.clear()

    def state_dict(self) -> dict:
        """``{"step": {name: int}, "buffers": {name: {buffer: ndarray}}}``, copies of the state."""
        return {
            "step": {name: s["step"] for name, s in self.state.items()},
            "buffers": {name: {k: v.copy() for k, v in s.items() if k != "step"}
                        for name, s in self.state.items()},
        }

    def load_state_dict(self, state: dict) -> None:
        """Replace the state with (copies of) one returned by ``state_dict``."""
        if not isinstance(state, dict) or not isinstance(state.get("step"), dict) \
                or not isinstance(state.get("buffers", {}), dict):
            raise ParamError(f"{self.name} optimizer state: must be an object with 'step' and 'buffers'")
        buffers = state.get("buffers", {})
        self.reset()
        for name, step in state["step"].items():
            self.state[name] = {"step": int(step)}
            for key, value in buffers.get(name, {}).items():
                self.state[name][key] = np.array(value, copy=True)


class SGD(Optimizer):
    name = "sgd"
    SPECS = {
        "learning_rate": _learning_rate(0.01),
        "momentum": ParamSpec("float", 0.0, "Fraction of the previous update kept in the next (0 = none).",
                              minimum=0.0, maximum=1.0, label="Momentum"),
        "dampening": ParamSpec("float", 0.0, "Fraction of the gradient held back from the momentum buffer.",
                               minimum=0.0, maximum=1.0, label="Dampening",
                               applies=lambda h: h.get("momentum", 0) > 0),
        "nesterov": ParamSpec("bool", False, "Nesterov momentum (needs momentum > 0 and dampening 0).",
                              label="Nesterov", applies=lambda h: h.get("momentum", 0) > 0),
        "weight_decay": _weight_decay(0.0),
    }

    def _check(self, hyper: dict) -> None:
        if hyper["nesterov"] and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
            raise ParamError(f"{WHERE}.nesterov: Nesterov momentum requires momentum > 0 and dampening 0, "
                             f"got momentum {hyper['momentum']:g} and dampening {hyper['dampening']:g}")

    def _update(self, param, grad, state, work):
        h = self.hyper
        direction = grad
        if h["momentum"]:
            buf = state.get("momentum_buffer")
            if buf is None:
                # torch: the first step copies the gradient into the buffer, without dampening.
                buf = state["momentum_buffer"] = grad.copy()
            else:
                buf *= h["momentum"]
                buf += np.multiply(grad, 1 - h["dampening"], out=work)
            if h["nesterov"]:
                direction = np.multiply(buf, h["momentum"], out=work)
                direction += grad
            else:
                direction = buf
        param -= np.multiply(direction, h["learning_rate"], out=work)


class RMSprop(Optimizer):
    name = "rmsprop"
    SPECS = {
        "learning_rate": _learning_rate(0.01),
        "alpha": ParamSpec("float", 0.99, "Decay rate of the running average of the squared gradient.",
                           minimum=0.0, maximum=1.0, label="Alpha"),
        "eps": _eps(1e-8),
        "weight_decay": _weight_decay(0.0),
        "momentum": ParamSpec("float", 0.0, "Momentum applied to the scaled update (0 = none).",
                              minimum=0.0, maximum=1.0, label="Momentum"),
        "centered": ParamSpec("bool", False, "Normalise by the estimated variance of the gradient "
                              "instead of its uncentered second moment.", label="Centered"),
    }

    def _update(self, param, grad, state, work):
        h = self.hyper
        alpha = h["alpha"]
        square_avg = self._buffer(state, "square_avg", param)
        square_avg *= alpha
        square_avg += np.multiply(np.multiply(grad, grad, out=work), 1 - alpha, out=work)
        if h["centered"]:
            grad_avg = self._buffer(state, "grad_avg", param)
            grad_avg *= alpha
            grad_avg += np.multiply(grad, 1 - alpha, out=work)
            avg = np.subtract(square_avg, np.multiply(grad_avg, grad_avg, out=work), out=work)
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(square_avg, out=work)
        avg += h["eps"]
        scaled = np.divide(grad, avg, out=work)
        if h["momentum"] > 0:
            buf = self._buffer(state, "momentum_buffer", param)
            buf *= h["momentum"]
            buf += scaled
            scaled = np.multiply(buf, h["learning_rate"], out=work)
        else:
            scaled *= h["learning_rate"]
        param -= scaled


class Adam(Optimizer):
    name = "adam"
    SPECS = {"learning_rate": _learning_rate(0.001), **_ADAM_SPECS, "weight_decay": _weight_decay(0.0)}

    def _update(self, param, grad, state, work):
        h = self.hyper
        beta1, beta2, step = h["beta1"], h["beta2"], state["step"]
        exp_avg = self._buffer(state, "exp_avg", param)
        exp_avg_sq = self._buffer(state, "exp_avg_sq", param)
        exp_avg *= beta1
        exp_avg += np.multiply(grad, 1 - beta1, out=work)
        exp_avg_sq *= beta2
        exp_avg_sq += np.multiply(np.multiply(grad, grad, out=work), 1 - beta2, out=work)
        if h["amsgrad"]:
            second = self._buffer(state, "max_exp_avg_sq", param)
            np.maximum(second, exp_avg_sq, out=second)
        else:
            second = exp_avg_sq
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        # As torch: denom = sqrt(v) / sqrt(bias_correction2) + eps, step size lr / bias_correction1.
        denom = np.sqrt(second, out=work)
        denom /= bias_correction2 ** 0.5
        denom += h["eps"]
        update = np.divide(exp_avg, denom, out=work)
        update *= h["learning_rate"] / bias_correction1
        param -= update


class AdamW(Adam):
    name = "adamw"
    SPECS = {"learning_rate": _learning_rate(0.001), **_ADAM_SPECS,
             "weight_decay": _weight_decay(0.01, decoupled=True)}
    DECOUPLED_WEIGHT_DECAY = True


class Adagrad(Optimizer):
    name = "adagrad"
    SPECS = {
        "learning_rate": _learning_rate(0.01),
        "lr_decay": ParamSpec("float", 0.0, "Learning rate at step t is learning_rate / (1 + (t - 1) × lr_decay).",
                              minimum=0.0, maximum=1e3, label="Learning rate decay"),
        "weight_decay": _weight_decay(0.0),
        "initial_accumulator_value": ParamSpec("float", 0.0, "Starting value of the sum of squared gradients.",
                                               minimum=0.0, maximum=1e3, label="Initial accumulator"),
        "eps": _eps(1e-10),
    }

    def _update(self, param, grad, state, work):
        h = self.hyper
        clr = h["learning_rate"] / (1 + (state["step"] - 1) * h["lr_decay"])
        total = self._buffer(state, "sum", param, fill=h["initial_accumulator_value"])
        total += np.multiply(grad, grad, out=work)
        std = np.sqrt(total, out=work)
        std += h["eps"]
        update = np.divide(grad, std, out=work)
        update *= clr
        param -= update


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, RMSprop, Adam, AdamW, Adagrad)}


def make_optimizer(spec: dict) -> Optimizer:
    """Build an optimizer from the project's ``training.optimizer`` object,
    e.g. ``{"name": "adam", "learning_rate": 0.01}``; missing hyperparameters take their defaults."""
    if not isinstance(spec, dict):
        raise ParamError(f"{WHERE}: must be an object, got {type(spec).__name__}")
    hyper = dict(spec)
    name = hyper.pop("name", None)
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ParamError(f"{WHERE}.name: must be one of {', '.join(OPTIMIZERS)}, got {name!r}")
    return OPTIMIZERS[name](**hyper)


def optimizer_to_dict(opt: Optimizer) -> dict:
    """``{"name": ..., **hyper}``: the inverse of ``make_optimizer``."""
    return {"name": opt.name, **opt.hyper}
