"""The loss landscape: the loss over a 2-D slice through parameter space, with the run's path on it.

With one or two parameters in all the axes are those parameters themselves (lesson 00's parabola
in w; a bowl in w and b). Otherwise the slice passes through the current parameters θ along two
directions d₁, d₂ — θ + α·d₁ + β·d₂ — chosen one of two ways:

- ``"pca"``: the first two principal directions of the trajectory's displacements from θ, so the
  path the optimizer took lies (as far as two dimensions can hold it) in the picture;
- ``"random"``: filter-normalized Gaussian directions (Li et al., "Visualizing the Loss Landscape
  of Neural Nets", 2018): each unit's incoming weights (a column of a dense weight, the first
  axis of a higher-dimensional one) are scaled to the norm of that unit's weights in θ, and
  1-D parameters (biases) stay put, so that α = 1 is a step the size of the weights themselves.

The loss is the model's own (evaluation mode), on the rows given — the training set or a fixed
subsample of it (``fixed_subsample``). Each grid point is one vectorized forward pass over them,
except that a layer fed by the data alone whose output is affine in its parameters (a dense
first layer) is combined from three precomputed outputs instead of multiplied again.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .model import Model

METHODS = ("auto", "parameters", "pca", "random")
DEFAULT_SAMPLES = 512  # rows a fixed subsample keeps: the loss's shape, at a fraction of the cost
MARGIN = 1.25  # the grid reaches this far beyond the farthest point of the path
SHORTCUT_BYTES = 256 * 2**20  # a data layer's precomputed outputs may take this much memory


class LandscapeCancelled(Exception):
    """``cancelled()`` answered True: the caller no longer wants the landscape."""


@dataclass
class Axis:
    label: str
    values: np.ndarray  # the grid's coordinates along this axis (parameter values, or α / β)


@dataclass
class Landscape:
    """``loss[j, i]`` is the loss at (axes[0].values[i], axes[1].values[j]); with one axis, ``loss[i]``.

    ``center`` holds the current parameters' coordinates (the grid's middle point: its loss is
    ``center_loss``), ``trajectory`` one row of coordinates per snapshot of the path.
    """

    method: str  # parameters, pca or random
    axes: list[Axis]
    loss: np.ndarray
    center: tuple[float, ...]
    center_loss: float
    trajectory: np.ndarray  # (snapshots, len(axes))
    directions: list[dict[str, np.ndarray]] | None  # d₁, d₂ by parameter name (None for parameter axes)
    explained: tuple[float, ...] | None  # pca: each direction's share of the path's squared length
    samples: int  # the rows the loss averages over


def fixed_subsample(x: np.ndarray, targets: dict[str, np.ndarray], samples: int = DEFAULT_SAMPLES,
                    seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """At most ``samples`` rows, the same ones every time (seeded), in their original order."""
    if len(x) <= samples:
        return x, targets
    rows = np.sort(np.random.default_rng(seed).choice(len(x), samples, replace=False))
    return x[rows], {k: t[rows] for k, t in targets.items()}


class _Flat:
    """The model's parameters as one vector, and back."""

    def __init__(self, parameters: dict[str, np.ndarray]) -> None:
        self.names = list(parameters)
        self.shapes = [parameters[n].shape for n in self.names]
        self.sizes = [parameters[n].size for n in self.names]
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(int)

    def flatten(self, parameters: dict[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([np.asarray(parameters[n], dtype=np.float64).ravel() for n in self.names])

    def split(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        return {n: flat[a:b].reshape(s) for n, s, a, b in zip(self.names, self.shapes, self.offsets, self.offsets[1:])}

    def load(self, model: Model, flat: np.ndarray) -> None:
        for name, (a, b), shape in zip(self.names, zip(self.offsets, self.offsets[1:]), self.shapes):
            model.parameters[name][...] = flat[a:b].reshape(shape)

    def labels(self) -> list[str]:
        out = []
        for name, shape in zip(self.names, self.shapes):
            out += [f"{name}[{', '.join(map(str, i))}]" if shape else name for i in np.ndindex(*shape)]
        return out


def loss_landscape(
    model: Model,
    x: np.ndarray,
    targets: dict[str, np.ndarray],
    trajectory: Sequence[dict[str, np.ndarray]] = (),
    method: str = "auto",
    resolution: int = 41,
    span: float | None = None,
    seed: int = 0,
    cancelled: Callable[[], bool] | None = None,
) -> Landscape:
    """The loss around ``model``'s current parameters on the rows ``x`` (encoded ``targets``).

    ``trajectory``: the run's parameter snapshots, oldest first. ``method``: "auto" takes
    "parameters" for a model of one or two parameters, else "pca" when the path spans two
    dimensions, else "random". ``resolution`` points per axis (made odd, so the current
    parameters are the middle point exactly); ``span`` the half-width of the grid in the axes'
    units (default: the path with a margin, or 1 for random directions). The model's
    parameters are back as they were when this returns; its ``values`` are not.
    """
    if method not in METHODS:
        raise ValueError(f"method: one of {', '.join(METHODS)}, got {method!r}")
    flat = _Flat(model.parameters)
    center = flat.flatten(model.parameters)
    path = np.array([flat.flatten(snapshot) for snapshot in trajectory]).reshape(len(trajectory), center.size)
    if method == "auto":
        method = "parameters" if center.size <= 2 else "pca" if _rank(path - center) >= 2 else "random"
    half = max(resolution // 2, 1)
    explained = directions = None
    if method == "parameters":
        if center.size > 2:
            raise ValueError(f"method 'parameters' needs a model of one or two parameters, this one has {center.size}")
        basis = np.eye(center.size)
        coordinates = path  # the snapshots' own values: the path passes exactly through them
        origin = center
        labels = flat.labels()
    else:
        if method == "pca":
            basis, explained = _principal_directions(path - center)
        else:
            basis = np.stack([flat.flatten(_filter_normalized(model.parameters, np.random.default_rng([seed, k])))
                              for k in range(2)])
        directions = [flat.split(d.copy()) for d in basis]
        coordinates = _project(path - center, basis)
        origin = np.zeros(len(basis))
        labels = ["α (direction 1)", "β (direction 2)"]
    spans = _spans(coordinates - origin, span, method, origin)
    steps = [np.arange(-half, half + 1) * (s / half) for s in spans]
    axes = [Axis(label, o + step) for label, o, step in zip(labels, origin, steps)]
    saved = model.copy_parameters()
    try:
        loss = _evaluate(model, flat, center, basis, steps, x, targets, cancelled)
    finally:
        model.load_parameters(saved)
    middle = (half,) * len(basis)
    return Landscape(method, axes, loss, tuple(float(o) for o in origin), float(loss[middle]), coordinates,
                     directions, explained, len(x))


def _evaluate(model, flat, center, basis, steps, x, targets, cancelled) -> np.ndarray:
    """The loss at every grid point: ``loss[j, i]`` at center + steps[0][i]·basis[0] + steps[1][j]·basis[1]."""
    shape = tuple(len(s) for s in reversed(steps))
    loss = np.empty(shape)
    coefficients = np.zeros(len(basis))
    with _data_layers_shortcut(model, flat, center, basis, x, coefficients):
        for index in np.ndindex(*shape):
            if index[-1] == 0 and cancelled is not None and cancelled():
                raise LandscapeCancelled()
            for k in range(len(basis)):
                coefficients[k] = steps[k][index[-1 - k]]
            flat.load(model, center + coefficients @ basis)
            model.forward(x)
            loss[index] = model.loss(targets)
    return loss


@contextmanager
def _data_layers_shortcut(model: Model, flat: _Flat, center: np.ndarray, basis: np.ndarray, x: np.ndarray,
                          coefficients: np.ndarray):
    """While active, each layer fed by the data alone whose output is affine in its own parameters
    (a dense layer: x·W + b) skips its matrix product: out(c + Σ αₖ·dₖ) = out(c) + Σ αₖ·(out(c + dₖ) − out(c)),
    with the αₖ read from ``coefficients``. Whether a layer is affine is checked on its numbers, not
    its type; the first layer is most of a network's work, so this is most of the landscape's."""
    patched = []
    for node, layer, sources in model.plan:
        if not layer.params or not all(s in model.input_ids for s in sources):
            continue
        inputs = [model.layers[s].forward([x], False) for s in sources]  # an image input reshapes the rows
        terms = _affine_terms(model, flat, center, basis, node, layer, inputs)
        if terms is not None:
            layer.forward = _combination(*terms, coefficients)
            patched.append(layer)
    try:
        yield
    finally:
        for layer in patched:
            del layer.forward  # the class's own again


def _affine_terms(model, flat, center, basis, node, layer, inputs):
    """(out(c), [out(c + dₖ) − out(c)]) if the layer's output is affine in its parameters, else None."""
    names = [f"{node}.{k}" for k in layer.params]
    saved = {n: model.parameters[n].copy() for n in names}
    parts = {n: flat.split(v) for n, v in (("center", center), *((f"d{k}", d) for k, d in enumerate(basis)))}

    def output(coefficients) -> np.ndarray:
        for n in names:
            model.parameters[n][...] = parts["center"][n] + sum(c * parts[f"d{k}"][n] for k, c in enumerate(coefficients))
        return np.array(layer.forward(inputs, False))

    try:
        base = output([0.0] * len(basis))
        if base.nbytes * (len(basis) + 1) > SHORTCUT_BYTES:
            return None
        deltas = [output(np.eye(len(basis))[k]) - base for k in range(len(basis))]
        trial = [0.37, -0.61][: len(basis)]
        expected = base + sum(c * d for c, d in zip(trial, deltas))
        scale = np.abs(base).max() + sum(np.abs(d).max() for d in deltas) + 1e-30
        affine = np.abs(output(trial) - expected).max() <= 1e-4 * scale
    finally:
        for n, v in saved.items():
            model.parameters[n][...] = v
    return (base, deltas) if affine else None


def _combination(base: np.ndarray, deltas: list[np.ndarray], coefficients: np.ndarray):
    buffer = np.empty_like(base)
    scratch = np.empty_like(base)

    def forward(inputs, training):
        np.copyto(buffer, base)
        for c, d in zip(coefficients, deltas):
            np.add(buffer, np.multiply(d, base.dtype.type(c), out=scratch), out=buffer)
        return buffer

    return forward


def _rank(displacements: np.ndarray) -> int:
    if len(displacements) < 2:
        return 0
    s = np.linalg.svd(displacements, compute_uv=False)
    return int(np.sum(s > s[0] * 1e-9)) if s[0] > 0 else 0


def _principal_directions(displacements: np.ndarray) -> tuple[np.ndarray, tuple[float, float]]:
    """The two orthonormal directions that hold most of the path's displacement from θ."""
    if _rank(displacements) < 2:
        raise ValueError("method 'pca' needs a path of at least three snapshots that spans two directions")
    _, s, vt = np.linalg.svd(displacements, full_matrices=False)
    share = s**2 / np.sum(s**2)
    return vt[:2], (float(share[0]), float(share[1]))


def _filter_normalized(parameters: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A Gaussian direction with each filter scaled to its filter's norm in ``parameters``.

    A dense weight (inputs, units) has a filter per column; a weight of more dimensions (torch's
    convolution layout, out channels first) one per index of its first axis. One-dimensional
    parameters get no direction (Li et al.), unless there is nothing else to move.
    """
    multi = any(p.ndim >= 2 for p in parameters.values())
    direction = {}
    for name, p in parameters.items():
        p = np.asarray(p, dtype=np.float64)
        d = rng.standard_normal(p.shape)
        if p.ndim <= 1:
            d *= 0.0 if multi else np.linalg.norm(p) / max(np.linalg.norm(d), 1e-12)
        else:
            within = 0 if p.ndim == 2 else tuple(range(1, p.ndim))  # the axes of one filter
            norm = lambda a: np.sqrt((a * a).sum(axis=within, keepdims=True))  # noqa: E731
            d *= norm(p) / np.maximum(norm(d), 1e-12)
        direction[name] = d
    return direction


def _project(displacements: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """Coordinates of each displacement in ``basis`` (least squares; exact for orthonormal rows)."""
    if not len(displacements):
        return np.zeros((0, len(basis)))
    coefficients, *_ = np.linalg.lstsq(basis.T, displacements.T, rcond=None)
    return coefficients.T


def _spans(offsets: np.ndarray, span: float | None, method: str, center: np.ndarray) -> list[float]:
    """Half-widths per axis: ``span`` if given, else the path's reach with a margin (each at
    least a quarter of the widest, so the picture never degenerates into a line). Parameter axes
    without a path reach half the parameter's size (at least 0.5); directions reach 1."""
    axes = len(center)
    if span is not None:
        return [float(span)] * axes
    if method == "random":
        return [1.0] * axes
    reach = np.abs(offsets).max(axis=0) * MARGIN if len(offsets) else np.zeros(axes)
    if method == "parameters":
        reach = np.maximum(reach, np.maximum(np.abs(center) / 2, 0.5))
    widest = float(reach.max())
    if widest == 0.0:
        return [1.0] * axes
    return [max(float(r), widest / 4) for r in reach]
