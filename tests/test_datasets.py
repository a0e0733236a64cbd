"""engine.datasets: generators, bundled datasets, CSV files, inline data and the dataset spec."""
import json

import numpy as np
import pytest

from engine.datasets import (BUILTINS, GENERATORS, CellError, Dataset, generate, load_builtin,
                             load_csv, load_dataset, standardize)
from engine.errors import DatasetError

CLASSIFIERS = ("xor", "circles", "moons", "spirals", "gaussians")
REGRESSIONS = ("plane", "sine")


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def assert_error(call, *fragments):
    with pytest.raises(DatasetError) as info:
        call()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


# --- generators -----------------------------------------------------------------------------------

def test_generators_cover_the_documented_names():
    assert set(GENERATORS) == set(CLASSIFIERS) | set(REGRESSIONS)


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_classification_generator_shapes_and_balance(name):
    ds = generate(name, samples=301, classes=3)
    assert ds.task == "classification"
    assert ds.x.shape == (301, 2) and ds.x.dtype == np.float64 and ds.x.flags.c_contiguous
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
    assert ds.x.shape == (50, features) and ds.y.shape == (50, 1) and ds.y.dtype == np.float64
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


def test_noise_moves_points():
    calm, noisy = generate("circles", noise=0.0), generate("circles", noise=0.3)
    calm_spread = np.hypot(*calm.x.T)[calm.y == 0].std()
    noisy_spread = np.hypot(*noisy.x.T)[noisy.y == 0].std()
    assert calm_spread < 1e-9 < noisy_spread


def test_plane_and_sine_follow_their_formulas_without_noise():
    plane = generate("plane", noise=0.0)
    np.testing.assert_allclose(plane.y[:, 0], 1.5 * plane.x[:, 0] - 0.8 * plane.x[:, 1] + 0.3)
    sine = generate("sine", noise=0.0)
    np.testing.assert_allclose(sine.y[:, 0], np.sin(sine.x[:, 0]))
    assert np.all(np.abs(sine.x) <= np.pi)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"name": "zigzag"}, "name: must be one of xor, circles"),
    ({"name": "xor", "samples": 0}, "samples: must be a positive integer, got 0"),
    ({"name": "xor", "samples": 2.5}, "samples: must be a positive integer, got 2.5"),
    ({"name": "xor", "noise": -1}, "noise: must be a non-negative number, got -1"),
    ({"name": "xor", "seed": -1}, "seed: must be a non-negative integer"),
    ({"name": "gaussians", "classes": 1}, "classes: must be an integer of at least 2"),
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
    assert ds.x.shape == shape and ds.x.dtype == np.float64 and np.isfinite(ds.x).all()
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


# --- CSV -----------------------------------------------------------------------------------------------

def test_csv_with_header_and_string_labels(tmp_path):
    path = write(tmp_path, "pets.csv", "weight,height,kind\n1,2,dog\n3,4,cat\n5,6,dog\n7,8,bird\n")
    ds = load_csv(path)
    assert ds.name == "pets.csv" and ds.task == "classification"
    assert ds.feature_names == ["weight", "height"] and ds.target_names == ["kind"]
    assert ds.class_names == ["bird", "cat", "dog"]
    np.testing.assert_array_equal(ds.y, [2, 1, 2, 0])
    np.testing.assert_array_equal(ds.x, [[1, 2], [3, 4], [5, 6], [7, 8]])


def test_csv_header_is_detected_or_forced(tmp_path):
    without = write(tmp_path, "plain.csv", "1,2,0\n3,4,1\n5,6,0\n")
    ds = load_csv(without)
    assert ds.feature_names == ["column_1", "column_2"] and ds.n_samples == 3
    assert load_csv(without, header=True).n_samples == 2
    named = write(tmp_path, "named.csv", "a,b,label\n1,2,0\n3,4,1\n")
    assert load_csv(named).feature_names == ["a", "b"]
    assert_error(lambda: load_csv(named, header=False), "named.csv, line 1", 'column "column_1"',
                 '"a" is not a number')


def test_csv_numeric_labels_are_sorted_numerically(tmp_path):
    rows = "".join(f"{i},{label}\n" for i, label in enumerate([10, 2, 2, 10, 2, 10, 2, 10, 2, 10]))
    ds = load_csv(write(tmp_path, "n.csv", "x,label\n" + rows))
    assert ds.task == "classification" and ds.class_names == ["2", "10"]
    np.testing.assert_array_equal(ds.y, [1, 0, 0, 1, 0, 1, 0, 1, 0, 1])


def test_csv_auto_task(tmp_path):
    many_values = "x,y\n" + "".join(f"{i},{i * 0.5}\n" for i in range(30))
    assert load_csv(write(tmp_path, "r.csv", many_values)).task == "regression"
    many_integers = "x,y\n" + "".join(f"{i},{i}\n" for i in range(30))
    assert load_csv(write(tmp_path, "i.csv", many_integers)).task == "regression"
    half_distinct = "x,y\n" + "".join(f"{i},{i % 6 * 7 + 3}\n" for i in range(10))
    assert load_csv(write(tmp_path, "h.csv", half_distinct)).task == "regression"
    few_integers = "x,y\n" + "".join(f"{i},{i % 3}\n" for i in range(30))
    ds = load_csv(write(tmp_path, "c.csv", few_integers))
    assert ds.task == "classification" and ds.n_classes == 3
    forced = load_csv(write(tmp_path, "f.csv", few_integers), task="regression")
    assert forced.task == "regression" and forced.y.shape == (30, 1)


@pytest.mark.parametrize("labels, task", [
    ([0, 1, 1], "classification"),          # a 0/1 target of a tiny file
    ([-1, 1, 1, -1], "classification"),     # two values
    ([1, 2, 3, 2], "classification"),       # labels counted from 1
    ([0, 1, 2, 3, 4, 5, 0], "classification"),
    ([23, 45, 31, 52], "regression"),       # distinct integers that are no labels
    ([3, 10, 17, 24, 3], "regression"),
])
def test_csv_auto_task_of_a_small_file(tmp_path, labels, task):
    rows = "".join(f"{i},{label}\n" for i, label in enumerate(labels))
    assert load_csv(write(tmp_path, "small.csv", "x,y\n" + rows)).task == task


def test_csv_features_and_target_selection(tmp_path):
    path = write(tmp_path, "sel.csv", "a,b,c,d\n1,2,3,4\n5,6,7,8\n")
    ds = load_csv(path, features=["c", "a"], target="b", task="regression")
    assert ds.feature_names == ["c", "a"] and ds.target_names == ["b"]
    np.testing.assert_array_equal(ds.x, [[3, 1], [7, 5]])
    np.testing.assert_array_equal(ds.y, [[2], [6]])
    default_features = load_csv(path, target="a", task="regression")
    assert default_features.feature_names == ["b", "c", "d"]


def test_csv_columns_by_index_without_header(tmp_path):
    path = write(tmp_path, "idx.csv", "1,2,3\n4,5,6\n")
    ds = load_csv(path, header=False, features=[2], target=0, task="regression")
    assert ds.feature_names == ["column_3"] and ds.target_names == ["column_1"]
    np.testing.assert_array_equal(ds.x, [[3], [6]])


def test_csv_semicolon_and_tab_delimiters(tmp_path):
    for name, sep in (("semi.csv", ";"), ("tab.tsv", "\t")):
        text = sep.join(["a", "b", "label"]) + "\n" + sep.join(["1.5", "2", "yes"]) + "\n" \
            + sep.join(["3", "4", "no"]) + "\n"
        ds = load_csv(write(tmp_path, name, text))
        assert ds.feature_names == ["a", "b"] and ds.class_names == ["no", "yes"]


def test_csv_byte_order_mark_blank_lines_and_quotes(tmp_path):
    path = write(tmp_path, "bom.csv", '\ufeffa,"b c",label\n\n1,2,"x, y"\n3,4,z\n\n')
    ds = load_csv(path)
    assert ds.feature_names == ["a", "b c"] and ds.class_names == ["x, y", "z"]


def test_csv_missing_values_are_refused_or_dropped(tmp_path):
    path = write(tmp_path, "gaps.csv", "a,b,label\n1,2,x\n3,,y\n5,NA,x\n7,8,?\n9,10,y\n")
    assert_error(lambda: load_csv(path), 'gaps.csv, line 3, column "b": missing value (an empty cell); '
                 'set "missing": "drop" to drop such rows')
    ds = load_csv(path, missing="drop")
    np.testing.assert_array_equal(ds.x, [[1, 2], [9, 10]])
    assert ds.class_names == ["x", "y"]


def test_csv_cell_errors_carry_the_cell_and_the_option_that_helps(tmp_path):
    path = write(tmp_path, "gaps.csv", "a,b,label\n1,2,x\n3,,y\n")
    with pytest.raises(CellError) as info:
        load_csv(path)
    error = info.value
    assert (error.line, error.column, error.option) == (3, "b", ("missing", "drop"))
    assert error.problem == 'gaps.csv, line 3, column "b": missing value (an empty cell)'
    with pytest.raises(CellError) as info:
        load_csv(write(tmp_path, "text.csv", "a,label\n1,x\nabc,y\n"))
    assert (info.value.line, info.value.column, info.value.option) == (3, "a", None)


def test_csv_missing_value_in_an_unused_column_is_ignored(tmp_path):
    path = write(tmp_path, "unused.csv", "a,b,label\n1,,x\n3,4,y\n")
    assert load_csv(path, features=["a"]).n_samples == 2


def test_csv_dropping_every_row_is_an_error(tmp_path):
    path = write(tmp_path, "allgone.csv", "a,label\n1,NaN\n,x\n")
    assert_error(lambda: load_csv(path, missing="drop"), "allgone.csv", "every row")


def test_csv_file_not_found(tmp_path):
    assert_error(lambda: load_csv(tmp_path / "nowhere.csv"), "nowhere.csv", "not found")


def test_csv_empty_file(tmp_path):
    assert_error(lambda: load_csv(write(tmp_path, "empty.csv", "")), "empty.csv", "empty")
    assert_error(lambda: load_csv(write(tmp_path, "blank.csv", "\n\n")), "blank.csv", "empty")


def test_csv_only_a_header(tmp_path):
    assert_error(lambda: load_csv(write(tmp_path, "head.csv", "a,b,label\n")),
                 "head.csv", "only a header", "line 1")


def test_csv_ragged_row(tmp_path):
    path = write(tmp_path, "ragged.csv", "a,b,c,d,label\n1,2,3,4,x\n1,2,3\n")
    assert_error(lambda: load_csv(path), "ragged.csv, line 3 has 3 cells, the header has 5")


def test_csv_text_in_a_numeric_feature(tmp_path):
    rows = "".join(f"{i},{i},x\n" for i in range(12))
    path = write(tmp_path, "iris.csv", "sepal,petal_width,label\n" + rows + "1,abc,y\n")
    assert_error(lambda: load_csv(path), 'iris.csv, line 14, column "petal_width": "abc" is not a number')


def test_csv_infinity_and_decimal_commas_in_a_comma_separated_file_are_refused(tmp_path):
    path = write(tmp_path, "inf.csv", "a,label\n1,x\ninf,y\n")
    assert_error(lambda: load_csv(path), 'inf.csv, line 3, column "a": "inf" is not a finite number')
    path = write(tmp_path, "comma.csv", 'a,label\n"1,5",x\n"2,5",y\n')
    assert_error(lambda: load_csv(path), 'comma.csv, line 2, column "a": "1,5" is not a number',
                 'write "." as the decimal point')


def test_csv_decimal_commas_in_a_semicolon_separated_file_are_numbers(tmp_path):
    path = write(tmp_path, "eu.csv", "height;weight;name;label\n1,70;65;Ann, B.;a\n1,82;80,5;Bo;b\n"
                                     "1,65;59;Cy;a\n")
    ds = load_csv(path, features=["height", "weight"])
    assert ds.feature_names == ["height", "weight"]
    np.testing.assert_array_equal(ds.x, [[1.70, 65], [1.82, 80.5], [1.65, 59]])
    assert load_csv(path, features=["height"], target="name").class_names == ["Ann, B.", "Bo", "Cy"]


def test_csv_line_numbers_count_physical_lines(tmp_path):
    path = write(tmp_path, "lines.csv", 'a,b,label\r\n\r\n1,2,"two\r\nlines"\r\n3,oops,z\r\n')
    assert_error(lambda: load_csv(path), 'lines.csv, line 5, column "b": "oops" is not a number')


def test_csv_unknown_columns_list_the_columns(tmp_path):
    path = write(tmp_path, "cols.csv", "a,b,label\n1,2,x\n")
    assert_error(lambda: load_csv(path, target="kind"),
                 "cols.csv", 'target: there is no column "kind"', '"a", "b", "label"')
    assert_error(lambda: load_csv(path, features=["a", "zz"]),
                 "cols.csv", 'features[1]: there is no column "zz"')
    assert_error(lambda: load_csv(path, target=5), "column index 5 is out of range")


def test_csv_target_among_features_is_refused(tmp_path):
    path = write(tmp_path, "leak.csv", "a,b,label\n1,2,x\n")
    assert_error(lambda: load_csv(path, features=["a", "label"]), 'column "label" is the target')


def test_csv_too_many_columns(tmp_path):
    header = ",".join(f"c{j}" for j in range(10_001))
    path = write(tmp_path, "wide.csv", header + "\n" + ",".join(["1"] * 10_001) + "\n")
    assert_error(lambda: load_csv(path), "wide.csv, line 1", "10001 columns", "at most 10000")


def test_csv_regression_target_must_be_numeric(tmp_path):
    path = write(tmp_path, "reg.csv", "a,price\n1,10\n2,cheap\n")
    assert_error(lambda: load_csv(path, task="regression"),
                 'reg.csv, line 3, column "price": "cheap" is not a number (a regression target)')


def test_csv_non_utf8_bytes(tmp_path):
    path = write(tmp_path, "latin.csv", "name,x,label\n1,2,café\n".encode("latin-1"))
    assert_error(lambda: load_csv(path), "latin.csv, line 2, column 3", "0xe9", "UTF-8")


def test_csv_duplicate_header_names(tmp_path):
    path = write(tmp_path, "dup.csv", "a,a,label\n1,2,x\n")
    assert_error(lambda: load_csv(path), "dup.csv, line 1", '"a" appears twice')


def test_csv_bad_options_name_the_option(tmp_path):
    path = write(tmp_path, "ok.csv", "a,label\n1,x\n")
    assert_error(lambda: load_csv(path, task="clustering"), "task: must be one of auto, classification")
    assert_error(lambda: load_csv(path, header="yes"), "header: must be one of auto, true, false")
    assert_error(lambda: load_csv(path, missing="ignore"), "missing: must be one of error, drop")


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
])
def test_spec_errors_name_the_key(spec, fragment):
    assert_error(lambda: load_dataset(spec), fragment)


def test_spec_round_trips_through_json(tmp_path):
    spec = json.loads(json.dumps({"source": "generated", "name": "moons", "samples": 64, "seed": 2}))
    assert load_dataset(spec).n_samples == 64


# --- standardize ----------------------------------------------------------------------------------------

def test_standardize_gives_zero_mean_unit_std():
    ds = load_dataset({"source": "builtin", "name": "wine", "standardize": True})
    np.testing.assert_allclose(ds.x.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.x.std(axis=0), 1.0)
    raw = load_builtin("wine")
    np.testing.assert_allclose(ds.mean, raw.x.mean(axis=0))
    np.testing.assert_allclose(ds.x * ds.std + ds.mean, raw.x)
    assert raw.mean is None and raw.std is None


def test_standardize_keeps_a_constant_feature_finite():
    ds = Dataset("c", "regression", np.array([[1.0, 5.0], [3.0, 5.0]]), np.zeros((2, 1)),
                 ["a", "b"], [], ["y"])
    out = standardize(ds)
    np.testing.assert_array_equal(out.std, [1.0, 1.0])
    np.testing.assert_array_equal(out.x, [[-1.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(ds.x, [[1.0, 5.0], [3.0, 5.0]])  # the original is untouched


def test_engine_datasets_imports_no_gui_or_sklearn():
    import engine.datasets as module
    source = open(module.__file__, encoding="utf-8").read()
    for forbidden in ("PySide6", "pyqtgraph", "editor", "sklearn", "pandas"):
        assert f"import {forbidden}" not in source and f"from {forbidden}" not in source
