"""Generated toy problems: two-dimensional classification and small regression sets.

The same options always give identical arrays (a seeded generator, drawn in float64).
"""
from __future__ import annotations

import numpy as np

from .dataset import DEFAULT_DTYPE, Dataset
from .options import REQUIRED, Check, checked, choice, integer, non_negative_number

GENERATORS: tuple[str, ...] = ("xor", "circles", "moons", "spirals", "gaussians", "plane", "sine")
MAX_GENERATED_SAMPLES = 1_000_000
MAX_GENERATED_CLASSES = 20
MAX_NOISE = 10.0  # the points lie within about [-1, 1]: noise beyond this buries every problem
MAX_SEED = 2**31 - 1  # what a 32-bit spin box (the editor's) holds; more seeds give nothing new

CIRCLES_FACTOR = 0.5          # inner radius / outer radius, as sklearn's make_circles default
SPIRAL_TURNS = 1.75           # as the TensorFlow Playground
XOR_PADDING = 0.1             # keeps points off the axes, as the TensorFlow Playground does
BLOB_SPREAD = 0.25            # std of each gaussian blob before the noise
PLANE_WEIGHTS = (1.5, -0.8)
PLANE_INTERCEPT = 0.3

_GENERATOR_DESCRIPTIONS = {
    "xor": "Points uniform in the square [-1, 1]²; class 1 where x1 and x2 have the same sign. "
           "Noise moves the points after labelling, so it blurs the axes. Needs a hidden layer.",
    "circles": "An outer ring (class 0, radius 1) around an inner ring (class 1, radius 0.5); "
               "noise moves the points off their rings.",
    "moons": "Two interleaving half circles, like scikit-learn's make_moons; noise moves the points "
             "off their arcs.",
    "spirals": "Two spirals winding around each other, 1.75 turns each (TensorFlow Playground "
               "style); the hardest of the 2-D problems.",
    "gaussians": "Gaussian blobs (std 0.25) with their centres evenly on the unit circle, one per "
                 "class; noise widens them.",
    "plane": "Regression: x uniform in [-1, 1]², y = 1.5·x1 - 0.8·x2 + 0.3 plus gaussian noise.",
    "sine": "Regression: x uniform in [-π, π], y = sin(x) plus gaussian noise.",
}


OPTIONS: dict[str, tuple[Check, object]] = {
    "name": (choice(GENERATORS), REQUIRED),
    "samples": (integer(1, MAX_GENERATED_SAMPLES), 200),
    "noise": (non_negative_number(MAX_NOISE), 0.1),
    "seed": (integer(0, MAX_SEED), 0),
    "classes": (integer(2, MAX_GENERATED_CLASSES), 3),
}


def generate(name: str, samples: int = 200, noise: float = 0.1, seed: int = 0,
             classes: int = 3, dtype=DEFAULT_DTYPE) -> Dataset:
    """A toy dataset; the same arguments always give identical arrays."""
    options = checked(OPTIONS, {"name": name, "samples": samples, "noise": noise,
                                "seed": seed, "classes": classes}, prefix="")
    return make_generated(**options, dtype=dtype)


def make_generated(name: str, samples: int, noise: float, seed: int, classes: int, dtype) -> Dataset:
    """``generate`` for options already checked."""
    rng = np.random.default_rng(seed)
    make, task = _GENERATOR_FUNCTIONS[name]
    x, y = make(rng, samples, noise, classes)  # drawn in float64: the numbers do not depend on dtype
    x = np.ascontiguousarray(x, dtype=dtype)
    description = _GENERATOR_DESCRIPTIONS[name]
    if task == "regression":
        return Dataset(name, task, x, y.reshape(-1, 1).astype(dtype), _xy_names(x), [], ["y"], description)
    n_classes = classes if name == "gaussians" else 2
    return Dataset(name, task, x, y.astype(np.int64), _xy_names(x),
                   [str(k) for k in range(n_classes)], ["class"], description)


def _xy_names(x: np.ndarray) -> list[str]:
    return ["x"] if x.shape[1] == 1 else [f"x{k + 1}" for k in range(x.shape[1])]


def _jitter(rng: np.random.Generator, points: np.ndarray, noise: float) -> np.ndarray:
    return points + rng.normal(scale=noise, size=points.shape)


def _alternating(n: int, classes: int = 2) -> np.ndarray:
    """Labels 0, 1, ..., classes-1, 0, 1, ...: class sizes differ by at most one."""
    return np.arange(n) % classes


def _polar(radius: np.ndarray, angle: np.ndarray) -> np.ndarray:
    return np.column_stack((radius * np.cos(angle), radius * np.sin(angle)))


# Each maker takes (rng, samples, noise, classes) and returns (x, y). The classification makers
# label samples 0, 1, 0, 1, ...: classes are balanced and every slice of the data holds them all.

def _xor(rng, n, noise, classes):
    labels = _alternating(n)
    magnitude = rng.uniform(XOR_PADDING, 1.0, size=(n, 2))
    sign1 = rng.choice((-1.0, 1.0), size=n)
    sign2 = np.where(labels == 1, sign1, -sign1)
    return _jitter(rng, magnitude * np.column_stack((sign1, sign2)), noise), labels


def _circles(rng, n, noise, classes):
    labels = _alternating(n)
    radius = np.where(labels == 1, CIRCLES_FACTOR, 1.0)
    return _jitter(rng, _polar(radius, rng.uniform(0.0, 2 * np.pi, size=n)), noise), labels


def _moons(rng, n, noise, classes):
    labels = _alternating(n)
    t = rng.uniform(0.0, np.pi, size=n)
    upper = np.column_stack((np.cos(t), np.sin(t)))
    lower = np.column_stack((1.0 - np.cos(t), 0.5 - np.sin(t)))
    return _jitter(rng, np.where(labels[:, None] == 0, upper, lower), noise), labels


def _spirals(rng, n, noise, classes):
    labels = _alternating(n)
    radius = rng.uniform(0.0, 1.0, size=n)
    angle = SPIRAL_TURNS * 2 * np.pi * radius + np.pi * labels
    return _jitter(rng, _polar(radius, angle), noise), labels


def _gaussians(rng, n, noise, classes):
    labels = _alternating(n, classes)
    centres = _polar(np.ones(classes), 2 * np.pi * np.arange(classes) / classes)
    blobs = centres[labels] + rng.normal(scale=BLOB_SPREAD, size=(n, 2))
    return _jitter(rng, blobs, noise), labels


def _plane(rng, n, noise, classes):
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    return x, _jitter(rng, x @ np.array(PLANE_WEIGHTS) + PLANE_INTERCEPT, noise)


def _sine(rng, n, noise, classes):
    x = rng.uniform(-np.pi, np.pi, size=(n, 1))
    return x, _jitter(rng, np.sin(x[:, 0]), noise)


_GENERATOR_FUNCTIONS = {
    "xor": (_xor, "classification"),
    "circles": (_circles, "classification"),
    "moons": (_moons, "classification"),
    "spirals": (_spirals, "classification"),
    "gaussians": (_gaussians, "classification"),
    "plane": (_plane, "regression"),
    "sine": (_sine, "regression"),
}
