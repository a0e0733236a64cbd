"""engine.datasets: generators, bundled datasets, inline data and the dataset spec (CSV files: test_csv_datasets)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import ROOT
from engine.datasets import (BUILTINS, GENERATORS, MAX_NOISE, MAX_SEED, Dataset, generate, load_builtin,
                             load_dataset, standardize)

from tests.dataset_helpers import assert_error, write

CLASSIFIERS = ("xor", "circles", "moons", "spirals", "gaussians")
REGRESSIONS = ("plane", "sine")


# --- generators -----------------------------------------------------------------------------------

def test_generators_cover_the_documented_names():
    assert set(GENERATORS) == set(CLASSIFIERS) | set(REGRESSIONS)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classification_generator_shapes_and_balance(name):
    ds = generate(name, samples=301, classes=3)
    assert ds.task == "classification"
    assert ds.x.shape == (301, 2) and ds.x.dtype == np.float32 and ds.x.flags.c_contiguous
    assert ds.y.shape == (301,) and ds.y.dtype == np.int64
    expected_classes = 3 if name == "gaussians" else 2
    assert ds.n_classes == expected_classes == len(ds.class_names)
    counts = np.bincount(ds.y, minlength=expected_classes)
    assert counts.max() - counts.min() <= 1
    assert ds.feature_names == ["x1", "x2"] and ds.n_targets == 1
    assert ds.description


@pytest.mark.parametrize("name", REGRESSIONS)
def test_regression_generator_shapes(name):
    ds = generate(name, samples=50)
    features = 2 if name == "plane" else 1
    assert ds.task == "regression"
    assert ds.x.shape == (50, features) and ds.y.shape == (50, 1) and ds.y.dtype == np.float32
    assert ds.class_names == [] and ds.n_classes == 0 and ds.n_targets == 1


@pytest.mark.parametrize("name", GENERATORS)
def test_generators_are_determined_by_the_seed(name):
    first, again, other = generate(name, seed=7), generate(name, seed=7), generate(name, seed=8)
    np.testing.assert_array_equal(first.x, again.x)
    np.testing.assert_array_equal(first.y, again.y)
    assert not np.array_equal(first.x, other.x)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_every_class_is_in_the_first_and_the_last_fifth(name):
    ds = generate(name, samples=200)
    assert set(ds.y[:40]) == set(ds.y[-40:]) == set(range(ds.n_classes))


def test_xor_labels_follow_the_signs_without_noise():
    ds = generate("xor", samples=500, noise=0.0)
    assert np.all(np.abs(ds.x) <= 1)
    np.testing.assert_array_equal(ds.y, (ds.x[:, 0] * ds.x[:, 1] > 0).astype(int))


def test_circles_lie_on_two_rings_without_noise():
    ds = generate("circles", samples=200, noise=0.0)
    radius = np.hypot(ds.x[:, 0], ds.x[:, 1])
    np.testing.assert_allclose(radius[ds.y == 0], 1.0)
    np.testing.assert_allclose(radius[ds.y == 1], 0.5)


def test_moons_lie_on_their_arcs_without_noise():
    ds = generate("moons", samples=200, noise=0.0)
    upper, lower = ds.x[ds.y == 0], ds.x[ds.y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)


def test_spirals_wind_around_each_other():
    ds = generate("spirals", samples=400, noise=0.0)
    assert np.hypot(*ds.x.T).max() <= 1
    # Spiral 0 has angle = 1.75 turns x radius; spiral 1 is spiral 0 turned by half a turn.
    for label, points in ((0, ds.x[ds.y == 0]), (1, -ds.x[ds.y == 1])):
        angle = np.arctan2(points[:, 1], points[:, 0])
        expected = 1.75 * 2 * np.pi * np.hypot(*points.T)
        np.testing.assert_allclose(np.cos(angle - expected), 1.0, err_msg=f"spiral {label}")


def test_gaussians_honour_the_class_count():
    ds = generate("gaussians", samples=500, classes=5, noise=0.0)
    assert ds.n_classes == 5
    centres = np.array([ds.x[ds.y == k].mean(axis=0) for k in range(5)])
    np.testing.assert_allclose(np.hypot(*centres.T), 1.0, atol=0.1)


@pytest.mark.parametrize("name", GENERATORS)
def test_features_come_in_the_dtype_asked_for_with_the_same_numbers(name):
    wide = generate(name, samples=64, dtype=np.float64)
    narrow = generate(name, samples=64)
    assert wide.x.dtype == np.float64 and narrow.x.dtype == np.float32
    np.testing.assert_array_equal(narrow.x, wide.x.astype(np.float32))
    np.testing.assert_array_equal(narrow.y, wide.y.astype(narrow.y.dtype))


def test_noise_moves_points():
    calm, noisy = generate("circles", noise=0.0, dtype=np.float64), generate("circles", noise=0.3)
    calm_spread = np.hypot(*calm.x.T)[calm.y == 0].std()
    noisy_spread = np.hypot(*noisy.x.T)[noisy.y == 0].std()
    assert calm_spread < 1e-9 < noisy_spread


def test_plane_and_sine_follow_their_formulas_without_noise():
    plane = generate("plane", noise=0.0, dtype=np.float64)
    np.testing.assert_allclose(plane.y[:, 0], 1.5 * plane.x[:, 0] - 0.8 * plane.x[:, 1] + 0.3)
    sine = generate("sine", noise=0.0, dtype=np.float64)
    np.testing.assert_allclose(sine.y[:, 0], np.sin(sine.x[:, 0]))
    assert np.all(np.abs(sine.x) <= np.pi)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"name": "zigzag"}, "name: must be one of xor, circles"),
    ({"name": "xor", "samples": 0}, "samples: must be a positive integer, got 0"),
    ({"name": "xor", "samples": 2.5}, "samples: must be a positive integer, got 2.5"),
    ({"name": "xor", "noise": -1}, "noise: must be a non-negative number, got -1"),
    ({"name": "xor", "seed": -1}, "seed: must be a non-negative integer"),
    ({"name": "gaussians", "classes": 1}, "classes: must be an integer of at least 2"),
    ({"name": "xor", "noise": 1e30}, f"noise: must be at most {MAX_NOISE:g}, got 1e+30"),
    ({"name": "xor", "noise": 10**400}, "noise: must be a non-negative number"),
    ({"name": "xor", "seed": [1]}, "seed: must be a non-negative integer, got [1]"),
    ({"name": "xor", "seed": MAX_SEED + 1}, f"seed: must be at most {MAX_SEED}"),
    ({"name": "xor", "seed": 10**5000}, "seed: must be at most"),
])
def test_generate_refuses_bad_arguments(kwargs, fragment):
    assert_error(lambda: generate(**kwargs), fragment)


# --- bundled datasets ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, shape, classes", [
    ("iris", (150, 4), 3),
    ("wine", (178, 13), 3),
    ("breast_cancer", (569, 30), 2),
    ("digits", (1797, 64), 10),
    ("diabetes", (442, 10), 0),
])
def test_builtins_load_with_their_shapes(name, shape, classes):
    ds = load_builtin(name)
    assert ds.name == name and ds.description == BUILTINS[name]
    assert ds.x.shape == shape and ds.x.dtype == np.float32 and np.isfinite(ds.x).all()
    assert ds.n_classes == classes
    assert ds.task == ("regression" if name == "diabetes" else "classification")
    assert len(ds.feature_names) == shape[1] and ds.target_names == ["target"]
    if classes:
        assert ds.y.shape == (shape[0],) and set(np.unique(ds.y)) == set(range(classes))
    else:
        assert ds.y.shape == (shape[0], 1)


def test_builtin_class_names_and_summary():
    iris = load_builtin("iris")
    assert iris.class_names == ["setosa", "versicolor", "virginica"]
    assert iris.summary() == ("iris: 150 samples, 4 features, 3 classes "
                              "(setosa 50, versicolor 50, virginica 50)")
    assert load_builtin("breast_cancer").class_names == ["benign", "malignant"]
    assert load_builtin("digits").class_names == [str(k) for k in range(10)]
    assert load_builtin("diabetes").summary() == "diabetes: 442 samples, 10 features, regression on target"


def test_unknown_builtin_is_refused():
    assert_error(lambda: load_builtin("mnist"), "name: must be one of iris, wine", '"mnist"')


# --- the dataset spec ----------------------------------------------------------------------------------

def test_spec_generated_with_defaults_and_settings():
    ds = load_dataset({"source": "generated", "name": "xor"})
    assert ds.n_samples == 200
    np.testing.assert_array_equal(ds.x, generate("xor").x)
    ds = load_dataset({"source": "generated", "name": "gaussians", "samples": 90, "noise": 0.2,
                       "seed": 3, "classes": 4})
    np.testing.assert_array_equal(ds.x, generate("gaussians", 90, 0.2, 3, 4).x)


def test_spec_builtin():
    assert load_dataset({"source": "builtin", "name": "wine"}).x.shape == (178, 13)


def test_spec_csv_path_is_relative_to_the_project_folder(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    write(tmp_path / "data", "my.csv", "a,b,label\n1,2,x\n3,4,y\n")
    monkeypatch.chdir(tmp_path / "data")  # a cwd-relative lookup would find data/data/my.csv missing
    spec = {"source": "csv", "path": "data/my.csv", "features": ["b"], "target": "label"}
    ds = load_dataset(spec, base_dir=tmp_path)
    assert ds.feature_names == ["b"] and ds.class_names == ["x", "y"]
    assert_error(lambda: load_dataset(spec, base_dir=tmp_path / "elsewhere"), "my.csv", "not found")


def test_spec_csv_absolute_path_ignores_the_project_folder(tmp_path):
    path = write(tmp_path, "abs.csv", "a,label\n1,x\n2,y\n")
    spec = {"source": "csv", "path": str(path)}
    assert load_dataset(spec, base_dir=tmp_path / "other").n_samples == 2


def test_spec_inline_classification():
    spec = {"source": "inline", "x": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": [0, 1, 1, 0],
            "task": "classification", "class_names": ["no", "yes"], "feature_names": ["p", "q"]}
    ds = load_dataset(spec)
    assert ds.task == "classification" and ds.class_names == ["no", "yes"]
    assert ds.feature_names == ["p", "q"] and ds.y.dtype == np.int64
    assert ds.summary() == "inline: 4 samples, 2 features, 2 classes (no 2, yes 2)"


def test_spec_inline_regression_flat_and_nested():
    flat = load_dataset({"source": "inline", "x": [[1], [2], [3]], "y": [0.5, 1.0, 1.5]})
    assert flat.task == "regression" and flat.y.shape == (3, 1) and flat.feature_names == ["x1"]
    nested = load_dataset({"source": "inline", "x": [[1], [2]], "y": [[1, 2], [3, 4]],
                           "task": "regression"})
    assert nested.y.shape == (2, 2) and nested.n_targets == 2


def test_spec_inline_integer_targets_default_to_classes():
    ds = load_dataset({"source": "inline", "x": [[0], [1], [2]], "y": [0, 1, 2]})
    assert ds.task == "classification" and ds.class_names == ["0", "1", "2"]


@pytest.mark.parametrize("changes, fragment", [
    ({"x": [[0, 0], [0, 1], [1], [1, 1]]}, "dataset.x[2]: has 1 values, dataset.x[0] has 2"),
    ({"x": [[0, 0], [0, 1], [1, "a"], [1, 1]]}, 'dataset.x[2][1]: must be a number, got "a"'),
    ({"x": [[0, 0], [0, 1], [1, 0], 7]}, "dataset.x[3]: must be a non-empty list of numbers"),
    ({"x": []}, "dataset.x: must be a non-empty list of rows"),
    ({"y": [0, 1, 1]}, "dataset.y: has 3 entries, dataset.x has 4 rows"),
    ({"y": [0, 1, 2, 0]}, "dataset.y[2]: class 2, but dataset.class_names has 2 names"),
    ({"y": [0, 1, -1, 0]}, "dataset.y[2]: must be a class index"),
    ({"feature_names": ["p"]}, "dataset.feature_names: has 1 names, dataset.x has 2 columns"),
    ({"task": "regression", "y": [0.1, "b", 0, 1], "class_names": None},
     'dataset.y[1]: must be a number, got "b"'),
    ({"task": "regression"}, "dataset.class_names: only a classification dataset"),
    # A file is untrusted: none of these may end in OverflowError, MemoryError or a hang.
    ({"y": [0, 1, 2**63, 0], "class_names": None}, "dataset.y[2]: class indices go up to 999, got 9223372036854775808"),
    ({"y": [0, 1, 10**9, 0], "class_names": None}, "dataset.y[2]: class indices go up to 999"),
    ({"x": [[0, 0], [0, 1], [1, 10**400], [1, 1]]}, "dataset.x[2][1]: must be a number"),
    ({"x": [[0, 0], [0, 1], [1, 1e300], [1, 1]]}, "dataset.x[2][1]: 1e+300 is too large for float32"),
    ({"task": "regression", "y": [0, 1, 2, 1e300], "class_names": None}, "dataset.y[3]: 1e+300 is too large for float32"),
    ({"class_names": ["no", "no"]}, 'dataset.class_names[1]: "no" is also dataset.class_names[0]'),
    ({"feature_names": ["p", "p"]}, 'dataset.feature_names[1]: "p" is also dataset.feature_names[0]'),
])
def test_spec_inline_bad_shapes(changes, fragment):
    spec = {"source": "inline", "x": [[0, 0], [0, 1], [1, 0], [1, 1]], "y": [0, 1, 1, 0],
            "task": "classification", "class_names": ["no", "yes"]}
    spec.update(changes)
    spec = {key: value for key, value in spec.items() if value is not None}
    assert_error(lambda: load_dataset(spec), fragment)


@pytest.mark.parametrize("spec, fragment", [
    ([], "dataset: must be an object"),
    ({}, "dataset.source: is required"),
    ({"source": "web"}, "dataset.source: must be one of generated, builtin, csv, inline"),
    ({"source": "generated"}, "dataset.name: is required"),
    ({"source": "generated", "name": "xor", "samples": -3},
     "dataset.samples: must be a positive integer, got -3"),
    ({"source": "generated", "name": "xor", "smaples": 3}, "dataset.smaples: unknown key"),
    ({"source": "generated", "name": "xor", "samples": True}, "dataset.samples: must be a positive integer"),
    ({"source": "generated", "name": "xor", "samples": 10**9}, "dataset.samples: must be at most"),
    ({"source": "builtin", "name": "iris", "standardize": "yes"}, "dataset.standardize: must be true or false"),
    ({"source": "builtin", "name": "iris", "path": "x.csv"}, "dataset.path: unknown key"),
    ({"source": "csv"}, "dataset.path: is required"),
    ({"source": "csv", "path": "a.csv", "features": []}, "dataset.features: must be a non-empty list"),
    ({"source": "csv", "path": "a.csv", "features": ["a", 1.5]}, "dataset.features[1]: must be a column"),
    ({"source": "csv", "path": "a.csv", "header": 1}, "dataset.header: must be one of auto, true, false"),
    ({"source": "inline", "x": [[1]]}, "dataset.y: is required"),
    ({"source": "generated", "name": "xor", "samples": 10**5000}, "dataset.samples: must be at most 1000000, "
                                                                  "got an integer too long to show"),
    ({"source": "generated", "name": "xor", "line\nbreak": 1}, 'dataset."line\\nbreak": unknown key'),
    ({"source": "csv", "path": "a\0b.csv"}, "dataset.path: must be a file path"),
    ({"source": "builtin", "name": "x" * 500}, 'dataset.name: must be one of iris, wine, breast_cancer, digits, '
                                               'diabetes, got "xxxxxxxx'),
])
def test_spec_errors_name_the_key(spec, fragment):
    message = assert_error(lambda: load_dataset(spec), fragment)
    assert "\n" not in message and len(message) < 300


def test_spec_errors_show_deeply_nested_values_without_recursing():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    message = assert_error(lambda: load_dataset({"source": "generated", "name": "xor", "seed": deep}),
                           "dataset.seed: must be a non-negative integer, got a value nested too deep to show")
    assert "\n" not in message


def test_spec_round_trips_through_json(tmp_path):
    spec = json.loads(json.dumps({"source": "generated", "name": "moons", "samples": 64, "seed": 2}))
    assert load_dataset(spec).n_samples == 64


# --- standardize ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, tolerance", [(np.float64, 1e-12), (np.float32, 1e-6)])
def test_standardize_gives_zero_mean_unit_std(dtype, tolerance):
    ds = load_dataset({"source": "builtin", "name": "wine", "standardize": True}, dtype=dtype)
    assert ds.x.dtype == dtype and ds.mean.dtype == ds.std.dtype == np.float64
    np.testing.assert_allclose(ds.x.mean(axis=0, dtype=np.float64), 0.0, atol=tolerance)
    np.testing.assert_allclose(ds.x.std(axis=0, dtype=np.float64), 1.0, rtol=tolerance)
    raw = load_builtin("wine", dtype=dtype)
    np.testing.assert_allclose(ds.mean, raw.x.mean(axis=0, dtype=np.float64))
    np.testing.assert_allclose(ds.x * ds.std + ds.mean, raw.x, rtol=tolerance)
    assert raw.mean is None and raw.std is None


def test_standardize_keeps_a_constant_feature_finite():
    ds = Dataset("c", "regression", np.array([[1.0, 5.0], [3.0, 5.0]]), np.zeros((2, 1)),
                 ["a", "b"], [], ["y"])
    out = standardize(ds)
    np.testing.assert_array_equal(out.std, [1.0, 1.0])
    np.testing.assert_array_equal(out.x, [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(ds.x, [[1.0, 5.0], [3.0, 5.0]])  # the original is untouched


def test_a_constant_feature_standardizes_to_exactly_zero_with_scale_one():
    # 0.1 summed 1000 times is not 100 in floating point: the mean was off by a rounding step, the
    # std came out ~1e-14 instead of 0, and the column was blown up to noise of order 1.
    x = np.column_stack((np.full(1000, 0.1), np.arange(1000.0)))
    ds = Dataset("c", "regression", x, np.zeros((1000, 1)), ["a", "b"], [], ["y"])
    out = standardize(ds)
    assert out.std[0] == 1.0 and out.mean[0] == 0.1
    assert not out.x[:, 0].any()


def test_engine_datasets_imports_no_gui_and_pandas_only_when_reading_a_large_file():
    import engine.datasets as package
    folder = Path(package.__file__).parent
    for module in folder.glob("*.py"):
        source = module.read_text(encoding="utf-8")
        for forbidden in ("PySide6", "pyqtgraph", "editor", "sklearn"):
            assert f"import {forbidden}" not in source and f"from {forbidden}" not in source, module.name
        top_level = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
        assert not any("pandas" in line for line in top_level), module.name
    # Opening a project whose data is small must not pay for importing pandas (about a second).
    code = ("import sys; from engine.datasets import load_dataset; "
            "load_dataset({'source': 'builtin', 'name': 'iris'}); print('pandas' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.stdout.strip() == "False", result.stderr
