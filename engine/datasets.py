"""Datasets: generated toy problems, bundled classics, CSV files and inline arrays.

``load_dataset(spec)`` turns a project file's ``dataset`` object into a ``Dataset``;
``generate``, ``load_builtin`` and ``load_csv`` are the same loaders for direct use.
Every refusal is a ``DatasetError`` whose message names the key path (``dataset.samples``)
or the file, line and column at fault.
"""
from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import RESOURCES
from .errors import DatasetError

GENERATORS: tuple[str, ...] = ("xor", "circles", "moons", "spirals", "gaussians", "plane", "sine")

BUILTINS: dict[str, str] = {
    "iris": (
        "Fisher's iris flowers (1936): 150 flowers, 4 measurements in centimetres (sepal and petal "
        "length and width), 3 species with 50 flowers each. Setosa is linearly separable from the "
        "other two; versicolor and virginica overlap a little."
    ),
    "wine": (
        "Wines from three cultivars grown in the same region of Italy (Forina et al.): 178 wines, "
        "13 results of chemical analysis (alcohol, malic acid, flavanoids, proline...). The "
        "features have very different scales, so standardize them."
    ),
    "breast_cancer": (
        "Breast Cancer Wisconsin (Diagnostic), Wolberg, Street and Mangasarian (1995): 569 "
        "tumours, 30 features computed from images of cell nuclei (mean, error and worst value of "
        "radius, texture, perimeter, area...), diagnosed benign (357) or malignant (212)."
    ),
    "digits": (
        "Handwritten digits (UCI optdigits, Alpaydin and Kaynak 1998): 1797 images of 8x8 pixels, "
        "each pixel a count from 0 to 16, labelled 0 to 9 (about 180 of each)."
    ),
    "diabetes": (
        "Diabetes progression (Efron, Hastie, Johnstone and Tibshirani 2004): 442 patients, 10 "
        "baseline variables (age, sex, body mass index, blood pressure, six blood serum "
        "measurements); the target is a measure of disease progression one year later. Regression."
    ),
}

SOURCES = ("generated", "builtin", "csv", "inline")
TASKS = ("classification", "regression")
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "?"})  # compared in lower case
MAX_COLUMNS = 10_000
MAX_GENERATED_SAMPLES = 1_000_000
MAX_GENERATED_CLASSES = 20

_BUILTIN_TASKS = {"iris": "classification", "wine": "classification",
                  "breast_cancer": "classification", "digits": "classification",
                  "diabetes": "regression"}
_AUTO_CLASSIFICATION_MAX_CLASSES = 20
_HEADER_PROBE_ROWS = 20
_SNIFF_CHARS = 64 * 1024
_SHOWN_CLASSES = 10
_SHOWN_COLUMNS = 20


@dataclass
class Dataset:
    name: str
    task: str
    x: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    class_names: list[str]
    target_names: list[str]
    description: str = ""
    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    @property
    def n_samples(self) -> int:
        return self.x.shape[0]

    @property
    def n_features(self) -> int:
        return self.x.shape[1]

    @property
    def n_classes(self) -> int:
        return len(self.class_names) if self.task == "classification" else 0

    @property
    def n_targets(self) -> int:
        return 1 if self.task == "classification" else self.y.shape[1]

    def summary(self) -> str:
        head = (f"{self.name}: {_plural(self.n_samples, 'sample')}, "
                f"{_plural(self.n_features, 'feature')}")
        if self.task == "regression":
            return f"{head}, regression on {', '.join(self.target_names)}"
        counts = np.bincount(self.y, minlength=self.n_classes)
        shown = [f"{name} {count}" for name, count in zip(self.class_names, counts)]
        if len(shown) > _SHOWN_CLASSES:
            shown = shown[:_SHOWN_CLASSES] + [f"and {len(shown) - _SHOWN_CLASSES} more"]
        return f"{head}, {_plural(self.n_classes, 'class', 'classes')} ({', '.join(shown)})"


def standardize(ds: Dataset) -> Dataset:
    """A copy of ``ds`` with each feature at zero mean and unit std (std 1 for a constant one)."""
    mean = ds.x.mean(axis=0)
    std = ds.x.std(axis=0)
    std[std == 0] = 1.0
    return replace(ds, x=np.ascontiguousarray((ds.x - mean) / std), mean=mean, std=std)


# --- option checking: one table per source, shared by load_dataset and the direct calls ---------

_Check = Callable[[str, object], object]
_REQUIRED = object()


def _show(value: object) -> str:
    """A value as the user wrote it in the JSON file."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _is_integer(value: object) -> bool:
    return not isinstance(value, bool) and (
        isinstance(value, int) or (isinstance(value, float) and value.is_integer()))


def _is_finite_number(value: object) -> bool:
    return (not isinstance(value, bool) and isinstance(value, (int, float))
            and math.isfinite(value))


def _integer(minimum: int, maximum: int | None = None) -> _Check:
    wording = {0: "a non-negative integer", 1: "a positive integer"}.get(
        minimum, f"an integer of at least {minimum}")

    def check(key: str, value: object) -> int:
        if not _is_integer(value) or value < minimum:
            raise DatasetError(f"{key}: must be {wording}, got {_show(value)}")
        if maximum is not None and value > maximum:
            raise DatasetError(f"{key}: must be at most {maximum}, got {_show(value)}")
        return int(value)
    return check


def _non_negative_number(key: str, value: object) -> float:
    if not _is_finite_number(value) or value < 0:
        raise DatasetError(f"{key}: must be a non-negative number, got {_show(value)}")
    return float(value)


def _boolean(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise DatasetError(f"{key}: must be true or false, got {_show(value)}")
    return value


def _choice(choices: tuple) -> _Check:
    listed = ", ".join(c if isinstance(c, str) else _show(c) for c in choices)

    def check(key: str, value: object) -> object:
        # The type test keeps 1 from passing for True.
        if not isinstance(value, (str, bool)) or value not in choices:
            raise DatasetError(f"{key}: must be one of {listed}, got {_show(value)}")
        return value
    return check


def _file_path(key: str, value: object) -> Path:
    if not isinstance(value, (str, Path)) or not str(value):
        raise DatasetError(f"{key}: must be a file path, got {_show(value)}")
    return Path(value)


def _column_ref(key: str, value: object) -> str | int:
    if isinstance(value, str) or (_is_integer(value) and value >= 0):
        return value if isinstance(value, str) else int(value)
    raise DatasetError(f"{key}: must be a column name or a 0-based column index, got {_show(value)}")


def _column_refs(key: str, value: object) -> list[str | int]:
    if not isinstance(value, list) or not value:
        raise DatasetError(f"{key}: must be a non-empty list of columns, got {_show(value)}")
    return [_column_ref(f"{key}[{i}]", item) for i, item in enumerate(value)]


def _names(key: str, value: object) -> list[str]:
    if not isinstance(value, list):
        raise DatasetError(f"{key}: must be a list of names, got {_show(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise DatasetError(f"{key}[{i}]: must be a string, got {_show(item)}")
    return list(value)


def _as_given(key: str, value: object) -> object:
    return value


_OPTIONS: dict[str, dict[str, tuple[_Check, object]]] = {
    "generated": {
        "name": (_choice(GENERATORS), _REQUIRED),
        "samples": (_integer(1, MAX_GENERATED_SAMPLES), 200),
        "noise": (_non_negative_number, 0.1),
        "seed": (_integer(0), 0),
        "classes": (_integer(2, MAX_GENERATED_CLASSES), 3),
    },
    "builtin": {
        "name": (_choice(tuple(BUILTINS)), _REQUIRED),
    },
    "csv": {
        "path": (_file_path, _REQUIRED),
        "features": (_column_refs, None),
        "target": (_column_ref, None),
        "task": (_choice(("auto", *TASKS)), "auto"),
        "header": (_choice(("auto", True, False)), "auto"),
        "missing": (_choice(("error", "drop")), "error"),
    },
    "inline": {
        "x": (_as_given, _REQUIRED),  # shapes are checked together with y by the loader
        "y": (_as_given, _REQUIRED),
        "task": (_choice(("auto", *TASKS)), "auto"),
        "class_names": (_names, None),
        "feature_names": (_names, None),
    },
}
_COMMON_OPTIONS = {"standardize": (_boolean, False)}


def _checked(options: dict[str, tuple[_Check, object]], given: dict, prefix: str) -> dict:
    """``given`` validated against ``options``, defaults filled in; errors name ``prefix + key``."""
    for key in given:
        if key not in options:
            raise DatasetError(f"{prefix}{key}: unknown key; the keys are {', '.join(options)}")
    result = {}
    for key, (check, default) in options.items():
        if key in given:
            result[key] = check(prefix + key, given[key])
        elif default is _REQUIRED:
            raise DatasetError(f"{prefix}{key}: is required")
        else:
            result[key] = default
    return result


# --- the project file's dataset object ------------------------------------------------------------

def load_dataset(spec: dict, base_dir: Path | None = None) -> Dataset:
    """The dataset a project's ``dataset`` object describes; csv paths are relative to base_dir."""
    if not isinstance(spec, dict):
        raise DatasetError(f"dataset: must be an object, got {_show(spec)}")
    if "source" not in spec:
        raise DatasetError(f"dataset.source: is required; one of {', '.join(SOURCES)}")
    source = _choice(SOURCES)("dataset.source", spec["source"])
    given = {key: value for key, value in spec.items() if key != "source"}
    options = _checked({**_OPTIONS[source], **_COMMON_OPTIONS}, given, "dataset.")
    wants_standardized = options.pop("standardize")
    ds = _LOADERS[source](options, base_dir)
    return standardize(ds) if wants_standardized else ds


def _load_generated(options: dict, base_dir: Path | None) -> Dataset:
    return _generate(**options)


def _load_builtin(options: dict, base_dir: Path | None) -> Dataset:
    return _builtin(options["name"])


def _load_csv_spec(options: dict, base_dir: Path | None) -> Dataset:
    path = options.pop("path")
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    return _read_csv(path, **options)


def _load_inline(options: dict, base_dir: Path | None) -> Dataset:
    x = _inline_matrix("dataset.x", options["x"])
    raw_y = options["y"]
    task = options["task"]
    if task == "auto":
        is_labels = isinstance(raw_y, list) and all(_is_integer(v) for v in raw_y)
        task = "classification" if is_labels else "regression"
    if task == "classification":
        y, class_names = _inline_classes(raw_y, options["class_names"])
        target_names = ["class"]
    else:
        if options["class_names"] is not None:
            raise DatasetError("dataset.class_names: only a classification dataset has class names")
        y, class_names = _inline_targets(raw_y), []
        target_names = ["y"] if y.shape[1] == 1 else [f"y{k + 1}" for k in range(y.shape[1])]
    if len(y) != len(x):
        raise DatasetError(f"dataset.y: has {len(y)} entries, dataset.x has {len(x)} rows")
    feature_names = options["feature_names"]
    if feature_names is None:
        feature_names = [f"x{k + 1}" for k in range(x.shape[1])]
    if len(feature_names) != x.shape[1]:
        raise DatasetError(f"dataset.feature_names: has {len(feature_names)} names, "
                           f"dataset.x has {x.shape[1]} columns")
    return Dataset("inline", task, x, y, feature_names, class_names, target_names,
                   "Data written in the project file.")


def _inline_matrix(key: str, value: object) -> np.ndarray:
    if not isinstance(value, list) or not value:
        raise DatasetError(f"{key}: must be a non-empty list of rows, got {_show(value)}")
    for i, row in enumerate(value):
        if not isinstance(row, list) or not row:
            raise DatasetError(f"{key}[{i}]: must be a non-empty list of numbers, got {_show(row)}")
        if len(row) != len(value[0]):
            raise DatasetError(f"{key}[{i}]: has {len(row)} values, {key}[0] has {len(value[0])}")
        for j, item in enumerate(row):
            if not _is_finite_number(item):
                raise DatasetError(f"{key}[{i}][{j}]: must be a number, got {_show(item)}")
    return np.array(value, dtype=np.float64)


def _inline_classes(value: object, class_names: list[str] | None) -> tuple[np.ndarray, list[str]]:
    if not isinstance(value, list) or not value:
        raise DatasetError(f"dataset.y: must be a non-empty list of class indices, got {_show(value)}")
    for i, label in enumerate(value):
        if not _is_integer(label) or label < 0:
            raise DatasetError(f"dataset.y[{i}]: must be a class index (0, 1, ...), got {_show(label)}")
        if class_names is not None and label >= len(class_names):
            raise DatasetError(f"dataset.y[{i}]: class {int(label)}, but dataset.class_names "
                               f"has {len(class_names)} names")
    y = np.array(value, dtype=np.int64)
    return y, class_names if class_names is not None else [str(k) for k in range(y.max() + 1)]


def _inline_targets(value: object) -> np.ndarray:
    if isinstance(value, list) and value and isinstance(value[0], list):
        return _inline_matrix("dataset.y", value)
    if not isinstance(value, list) or not value:
        raise DatasetError(f"dataset.y: must be a non-empty list of numbers, got {_show(value)}")
    for i, item in enumerate(value):
        if not _is_finite_number(item):
            raise DatasetError(f"dataset.y[{i}]: must be a number, got {_show(item)}")
    return np.array(value, dtype=np.float64).reshape(-1, 1)


# --- generated toy problems -----------------------------------------------------------------------

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


def generate(name: str, samples: int = 200, noise: float = 0.1, seed: int = 0,
             classes: int = 3) -> Dataset:
    """A toy dataset; the same arguments always give identical arrays."""
    options = _checked(_OPTIONS["generated"], {"name": name, "samples": samples, "noise": noise,
                                               "seed": seed, "classes": classes}, prefix="")
    return _generate(**options)


def _generate(name: str, samples: int, noise: float, seed: int, classes: int) -> Dataset:
    rng = np.random.default_rng(seed)
    make, task = _GENERATOR_FUNCTIONS[name]
    x, y = make(rng, samples, noise, classes)
    description = _GENERATOR_DESCRIPTIONS[name]
    if task == "regression":
        return Dataset(name, task, x, y.reshape(-1, 1), _xy_names(x), [], ["y"], description)
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


# --- bundled datasets -----------------------------------------------------------------------------

def load_builtin(name: str) -> Dataset:
    """One of the datasets in ``resources/datasets`` (see BUILTINS)."""
    return _builtin(_checked(_OPTIONS["builtin"], {"name": name}, prefix="")["name"])


def _builtin(name: str) -> Dataset:
    path = RESOURCES / "datasets" / f"{name}.csv"
    ds = _read_csv(path, features=None, target=None, task=_BUILTIN_TASKS[name], header=True,
                   missing="error")
    return replace(ds, name=name, description=BUILTINS[name])


# --- CSV files ------------------------------------------------------------------------------------

def load_csv(path, features=None, target=None, task="auto", header="auto",
             missing="error") -> Dataset:
    """A dataset read from a CSV file (delimiter ``,`` ``;`` or tab, UTF-8).

    In a ``;``-separated file a decimal comma (``1,70``) reads as a decimal point."""
    given = {"path": path, "features": features, "target": target, "task": task,
             "header": header, "missing": missing}
    options = _checked(_OPTIONS["csv"], {k: v for k, v in given.items() if v is not None}, prefix="")
    return _read_csv(**options)


class CellError(DatasetError):
    """A refusal at one cell of a CSV file, with the parts a front end needs to point at it.

    ``problem`` is the message without ``advice``; ``option`` is the csv option (key, value) that
    the advice asks for, if any, so that an editor can name its own control instead."""

    def __init__(self, problem: str, line: int, column: str, advice: str = "",
                 option: tuple[str, str] | None = None) -> None:
        super().__init__(f"{problem}; {advice}" if advice else problem)
        self.problem, self.line, self.column, self.option = problem, line, column, option


@dataclass
class Table:
    """The cells of a CSV file, with the line each row starts on, for error messages."""
    file: str
    names: list[str]
    rows: list[list[str]]
    lines: list[int]

    def error(self, row: int, column: int, message: str, advice: str = "",
              option: tuple[str, str] | None = None) -> CellError:
        line, name = self.lines[row], self.names[column]
        return CellError(f'{self.file}, line {line}, column "{name}": {message}', line, name,
                         advice, option)

    def column(self, j: int) -> list[str]:
        return [row[j] for row in self.rows]


def _read_csv(path: Path, features: list | None, target: str | int | None, task: str,
              header: str | bool, missing: str) -> Dataset:
    table = read_table(path, header)
    target_index = len(table.names) - 1 if target is None else _column_index(table, target, "target")
    feature_indices = _feature_indices(table, features, target_index)
    table = _without_missing(table, [*feature_indices, target_index], drop=missing == "drop")

    x = np.empty((len(table.rows), len(feature_indices)))
    for k, j in enumerate(feature_indices):
        x[:, k] = _numeric_column(table, j)
    target_cells = table.column(target_index)
    if task == "auto":
        task = guess_task(target_cells)
    if task == "classification":
        y, class_names = encode_classes(target_cells)
    else:
        y = _numeric_column(table, target_index, " (a regression target)").reshape(-1, 1)
        class_names = []
    return Dataset(path.name, task, x, y, [table.names[j] for j in feature_indices],
                   class_names, [table.names[target_index]])


def read_table(path: Path, header: str | bool) -> Table:
    file = path.name
    text = _read_text(path)
    rows, lines = _parse_rows(text, file)
    if not rows:
        raise DatasetError(f"{file}: the file is empty")
    if len(rows[0]) > MAX_COLUMNS:
        raise DatasetError(f"{file}, line {lines[0]}: {len(rows[0])} columns; "
                           f"NeuroCanvas reads at most {MAX_COLUMNS}")
    _refuse_undecodable(text, rows, lines, file)
    has_header = looks_like_header(rows) if header == "auto" else header
    _refuse_ragged(rows, lines, file, "the header" if has_header else "the first row")
    if not has_header:
        names = [f"column_{j + 1}" for j in range(len(rows[0]))]
        return Table(file, names, rows, lines)
    if len(rows) == 1:
        raise DatasetError(f"{file}: only a header (line {lines[0]}), no data rows")
    return Table(file, _header_names(rows[0], lines[0], file), rows[1:], lines[1:])


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    # Bytes that are not UTF-8 survive as lone surrogates, so that the parsed table can say
    # which line and column hold them (see _refuse_undecodable).
    return raw.decode("utf-8-sig", errors="surrogateescape")


def _parse_rows(text: str, file: str) -> tuple[list[list[str]], list[int]]:
    """The non-blank rows, stripped, and the 1-based line each one starts on."""
    parsed = list(csv_rows(text, sniff_delimiter(text), file))
    return [cells for cells, _ in parsed], [line for _, line in parsed]


def csv_rows(text: str, delimiter: str, file: str) -> Iterator[tuple[list[str], int]]:
    """Each non-blank row's cleaned cells and the 1-based line it starts on, read lazily
    (the editor's preview stops after its first rows)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for row in reader:
            if len(row) > 1 or (row and row[0].strip()):
                yield clean_cells(row, delimiter), line
            line = reader.line_num + 1
    except csv.Error as exc:
        raise DatasetError(f"{file}, line {reader.line_num}: {exc}") from None


def sniff_delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:_SNIFF_CHARS], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def clean_cells(row: list[str], delimiter: str) -> list[str]:
    """The cells stripped; in a ``;``-separated file "1,70" becomes "1.70"."""
    cells = [cell.strip() for cell in row]
    if delimiter != ";":
        return cells
    # A semicolon separates the columns where the comma is the decimal point (most of Europe).
    return [cell.replace(",", ".") if cell.count(",") == 1 and "." not in cell
            and parse_number(cell.replace(",", ".")) is not None else cell for cell in cells]


def _refuse_undecodable(text: str, rows: list[list[str]], lines: list[int], file: str) -> None:
    try:
        text.encode("utf-8")
        return
    except UnicodeEncodeError:
        pass
    for row, line in zip(rows, lines):
        for j, cell in enumerate(row):
            bad = next((ch for ch in cell if "\udc80" <= ch <= "\udcff"), None)
            if bad is not None:
                raise DatasetError(f"{file}, line {line}, column {j + 1}: byte 0x{ord(bad) - 0xdc00:02x} "
                                   f"is not UTF-8; save the file as UTF-8")


def _refuse_ragged(rows: list[list[str]], lines: list[int], file: str, reference: str) -> None:
    width = len(rows[0])
    for row, line in zip(rows, lines):
        if len(row) != width:
            raise DatasetError(f"{file}, line {line} has {len(row)} cells, {reference} has {width}")


def parse_number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _is_missing(cell: str) -> bool:
    return cell.lower() in MISSING_MARKERS


def looks_like_header(rows: list[list[str]]) -> bool:
    """True when the first row is all text, or has text where the rows below hold numbers."""
    first, below = rows[0], rows[1:1 + _HEADER_PROBE_ROWS]

    def is_text(cell: str) -> bool:
        return not _is_missing(cell) and parse_number(cell) is None

    # A data row has numeric features, so an all-text first row is a header even when the rows
    # below are broken (decimal commas, say); the error then points at a data line.
    if all(is_text(cell) for cell in first):
        return True
    return any(is_text(cell) and all(j < len(row) and not is_text(row[j]) for row in below)
               for j, cell in enumerate(first))


def _header_names(cells: list[str], line: int, file: str) -> list[str]:
    names = [cell or f"column_{j + 1}" for j, cell in enumerate(cells)]
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if name in seen:
            raise DatasetError(f'{file}, line {line}: the column name "{name}" appears twice '
                               f"(columns {seen[name] + 1} and {j + 1})")
        seen[name] = j
    return names


def _column_index(table: Table, ref: str | int, key: str) -> int:
    if isinstance(ref, int) and ref < len(table.names):
        return ref
    if isinstance(ref, str) and ref in table.names:
        return table.names.index(ref)
    problem = (f"column index {ref} is out of range (0 to {len(table.names) - 1})"
               if isinstance(ref, int) else f'there is no column "{ref}"')
    shown = [f'"{name}"' for name in table.names[:_SHOWN_COLUMNS]]
    if len(table.names) > _SHOWN_COLUMNS:
        shown.append(f"and {len(table.names) - _SHOWN_COLUMNS} more")
    raise DatasetError(f"{table.file}: {key}: {problem}; the columns are {', '.join(shown)}")


def _feature_indices(table: Table, features: list | None, target_index: int) -> list[int]:
    if features is None:
        indices = [j for j in range(len(table.names)) if j != target_index]
        if not indices:
            raise DatasetError(f"{table.file}: only one column; a dataset needs feature columns "
                               "and a target column")
        return indices
    indices = [_column_index(table, ref, f"features[{k}]") for k, ref in enumerate(features)]
    for k, j in enumerate(indices):
        if j == target_index:
            raise DatasetError(f'{table.file}: features[{k}]: column "{table.names[j]}" is the target')
        if j in indices[:k]:
            raise DatasetError(f'{table.file}: features[{k}]: column "{table.names[j]}" is listed twice')
    return indices


def _without_missing(table: Table, used: list[int], drop: bool) -> Table:
    """``table`` without the rows that miss a value in a used column, or an error naming the first."""
    def misses(row: list[str]) -> bool:
        return any(_is_missing(row[j]) for j in used)

    if not drop:
        for i, row in enumerate(table.rows):
            if misses(row):
                j = next(j for j in used if _is_missing(row[j]))
                found = f'"{row[j]}"' if row[j] else "an empty cell"
                raise table.error(i, j, f"missing value ({found})",
                                  'set "missing": "drop" to drop such rows', ("missing", "drop"))
        return table
    keep = [i for i, row in enumerate(table.rows) if not misses(row)]
    if not keep:
        raise DatasetError(f"{table.file}: every row misses a value in the columns used")
    return replace(table, rows=[table.rows[i] for i in keep], lines=[table.lines[i] for i in keep])


def _numeric_column(table: Table, j: int, role: str = "") -> np.ndarray:
    cells = table.column(j)
    values = [parse_number(cell) for cell in cells]
    bad = next((i for i, v in enumerate(values) if v is None or not math.isfinite(v)), None)
    if bad is None:
        return np.array(values, dtype=np.float64)
    cell = cells[bad]
    if values[bad] is not None:
        raise table.error(bad, j, f'"{cell}" is not a finite number{role}')
    decimal_comma = parse_number(cell.replace(",", ".")) is not None
    hint = 'write "." as the decimal point' if decimal_comma else ""
    raise table.error(bad, j, f'"{cell}" is not a number{role}', hint)


def guess_task(cells: list[str]) -> str:
    """Classification for text labels or integers that look like classes; regression otherwise.

    Up to 20 distinct integers look like classes when they are fewer than half the rows, or just
    two values, or counted from 0 or 1, so that the 0/1 target of a small file is a class."""
    values = [parse_number(cell) for cell in cells]
    if None in values:
        return "classification"
    distinct = set(values)
    if len(distinct) > _AUTO_CLASSIFICATION_MAX_CLASSES or not all(v.is_integer() for v in distinct):
        return "regression"
    counted = sorted(distinct) in (list(range(len(distinct))), list(range(1, len(distinct) + 1)))
    labels = len(distinct) <= 2 or counted or len(distinct) < len(values) / 2
    return "classification" if labels else "regression"


def encode_classes(cells: list[str]) -> tuple[np.ndarray, list[str]]:
    """Class indices in sorted label order: numerically when every label is a number."""
    values = [parse_number(cell) for cell in cells]
    if None in values:
        classes, indices = np.unique(np.array(cells), return_inverse=True)
        names = [str(c) for c in classes]
    else:
        classes, indices = np.unique(np.array(values), return_inverse=True)
        names = [str(int(v)) if v.is_integer() else repr(float(v)) for v in classes]
    return indices.astype(np.int64).reshape(-1), names


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


_LOADERS: dict[str, Callable[[dict, Path | None], Dataset]] = {
    "generated": _load_generated,
    "builtin": _load_builtin,
    "csv": _load_csv_spec,
    "inline": _load_inline,
}
