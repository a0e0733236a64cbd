"""How weights start: the initializers a Dense, Maxout or Conv2D node can choose (Keras's names)."""
from __future__ import annotations

import math

import numpy as np

from ..params import ParamSpec

INITS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_normal", "zeros", "normal")


def init_params(default: str = "glorot_uniform") -> dict[str, ParamSpec]:
    """The ``init`` and ``std`` params every weighted kind declares."""
    return {
        "init": ParamSpec("choice", default, "How the weights start.", choices=INITS),
        "std": ParamSpec(
            "float", 0.01, "Standard deviation of the 'normal' initializer.",
            minimum=0.0, maximum=100.0, applies=lambda p: p["init"] == "normal",
        ),
    }


def init_weight(init: str, shape: tuple[int, ...], fan_in: int, fan_out: int, std: float,
                rng: np.random.Generator, dtype) -> np.ndarray:
    """A weight array of ``shape`` drawn from ``init``; fans as PyTorch and Keras count them
    (a convolution's include its kernel's area)."""
    if init == "zeros":
        return np.zeros(shape, dtype=dtype)
    if init.endswith("uniform"):
        scale = 6.0 / (fan_in + fan_out) if init == "glorot_uniform" else 6.0 / fan_in
        limit = math.sqrt(scale)
        return rng.uniform(-limit, limit, size=shape).astype(dtype)
    sigma = {
        "glorot_normal": math.sqrt(2.0 / (fan_in + fan_out)),
        "he_normal": math.sqrt(2.0 / fan_in),
        "lecun_normal": math.sqrt(1.0 / fan_in),
        "normal": std,
    }[init]
    return (rng.standard_normal(size=shape) * sigma).astype(dtype)
