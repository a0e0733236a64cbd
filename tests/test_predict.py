"""Predictions for new rows: the engine functions the editor calls, and ``python main.py predict``."""
from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
import pytest

from engine import PROJECTS, ROOT
from engine.errors import DatasetError
from engine.export import ExportError, Predictor, predict_rows, read_features_csv
from engine.project import load_project, save_project
from tests.test_export_common import EXAMPLES, make_project, raw_features, trained

IRIS = ROOT / "resources" / "datasets" / "iris.csv"


def run(*args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def iris_project(tmp_path, epochs=30):
    project = make_project(
        [("x", "Input", {"size": 4}), ("h", "Dense", {"units": 8}), ("a", "Activation", {"function": "relu"}),
         ("out", "Dense", {"units": 3}), ("p", "Activation", {"function": "softmax"}),
         ("loss", "Loss", {"function": "categorical_cross_entropy"})],
        [("x", "h"), ("h", "a"), ("a", "out"), ("out", "p"), ("p", "loss")],
        {"source": "builtin", "name": "iris", "standardize": True},
        {"optimizer": {"name": "adam", "learning_rate": 0.02}}, name="Iris",
    )
    path = tmp_path / "iris.ncproj"
    save_project(trained(project, epochs), path)
    return load_project(path), path


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_iris_round_trip_with_shuffled_columns_an_extra_column_and_the_target(tmp_path):
    project, path = iris_project(tmp_path)
    with open(IRIS, newline="") as f:
        rows = list(csv.DictReader(f))[::7]
    columns = ["petal_width", "note", "target", "sepal_length", "petal_length", "sepal_width"]
    data = tmp_path / "data.csv"
    with open(data, "w", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "note": "extra"})
    result = run("predict", path, "--input", data, "--output", tmp_path / "predictions.csv")
    assert result.returncode == 0, result.stderr
    assert f"wrote {len(rows)} predictions" in result.stdout
    predicted = read_csv(tmp_path / "predictions.csv")
    assert list(predicted[0]) == ["class", "p_setosa", "p_versicolor", "p_virginica"]

    # The engine on the same rows: its standardized training features, its class rule.
    ds = project.load_data()
    trainer = project.trainer(ds)
    expected = trainer.model.predict(ds.x[::7])
    got = np.array([[float(r[f"p_{c}"]) for c in ds.class_names] for r in predicted])
    assert np.abs(got - expected).max() <= 1e-6
    assert [r["class"] for r in predicted] == [ds.class_names[k] for k in trainer.classes(expected)]
    assert np.mean([r["class"] == row["target"] for r, row in zip(predicted, rows)]) > 0.85

    # The functions the editor calls give the same numbers.
    features = read_features_csv(data, ds.feature_names)
    columns = predict_rows(project, features)
    np.testing.assert_allclose(columns["p_versicolor"], got[:, 1], atol=1e-6)
    values = Predictor(project).node_values(features[:2])
    assert set(values) == {"x", "h", "a", "out", "p"} and values["p"].shape == (2, 3)


def test_predictions_go_to_standard_output_without_output(tmp_path):
    _, path = iris_project(tmp_path, epochs=2)
    result = run("predict", path, "--input", IRIS)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "class,p_setosa,p_versicolor,p_virginica" and len(lines) == 151


def test_a_one_unit_sigmoid_gives_both_class_probabilities():
    project = trained(load_project(PROJECTS / "xor.ncproj"), epochs=5)
    x = raw_features(project)[:10]
    columns = predict_rows(project, x)
    p = project.trainer().model.predict(x)[:, 0]
    assert list(columns) == ["class", "p_0", "p_1"]
    np.testing.assert_allclose(columns["p_1"], p, atol=1e-7)
    np.testing.assert_allclose(columns["p_0"], 1 - p, atol=1e-7)
    assert list(columns["class"]) == ["1" if v > 0.5 else "0" for v in p]


def test_outputs_that_are_not_probabilities_are_scores():
    project = trained(make_project(
        [("x", "Input", {"size": 2}), ("out", "Dense", {"units": 1}), ("loss", "Loss", {"function": "hinge"})],
        [("x", "out"), ("out", "loss")],
        {"source": "generated", "name": "gaussians", "classes": 2, "samples": 60},
    ))
    predictor = Predictor(project)
    assert predictor.output_kind == "scores" and predictor.columns == ["class", "score"]
    columns = predictor.predict(raw_features(project)[:5])
    assert list(columns["class"]) == ["1" if s > 0 else "0" for s in columns["score"]]


def test_regression_gives_one_column_per_target(tmp_path):
    project = trained(make_project(
        [("x", "Input", {"size": 1}), ("h", "Dense", {"units": 8}), ("a", "Activation", {"function": "tanh"}),
         ("out", "Dense", {"units": 1}), ("loss", "Loss", {"function": "mse"})],
        [("x", "h"), ("h", "a"), ("a", "out"), ("out", "loss")],
        {"source": "generated", "name": "sine", "samples": 50, "standardize": True},
    ))
    x = np.array([[-1.0], [0.0], [2.5]])
    columns = predict_rows(project, x)
    assert list(columns) == ["y"]
    ds = project.load_data()
    expected = project.trainer().model.predict((x - ds.mean) / ds.std)[:, 0]
    np.testing.assert_allclose(columns["y"], expected, atol=1e-7)


# ---- errors: one line, exit 2 ----------------------------------------------------------------------
def test_missing_columns_are_named(tmp_path):
    _, path = iris_project(tmp_path, epochs=1)
    data = tmp_path / "data.csv"
    data.write_text("petal_length,sepal_width,target\n1.4,3.5,setosa\n")
    result = run("predict", path, "--input", data)
    assert result.returncode == 2
    assert result.stderr == "neurocanvas: data.csv: missing columns petal_width, sepal_length\n"


def test_a_non_numeric_cell_names_file_line_and_column(tmp_path):
    _, path = iris_project(tmp_path, epochs=1)
    data = tmp_path / "data.csv"
    data.write_text("sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n4.9,3,1,4,0.2\n")
    assert run("predict", path, "--input", data).returncode == 2  # a ragged row
    data.write_text("sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n4.9,three,1.4,0.2\n")
    result = run("predict", path, "--input", data)
    assert result.returncode == 2
    assert result.stderr == 'neurocanvas: data.csv, line 3, column "sepal_width": "three" is not a number\n'
    with pytest.raises(DatasetError, match=r'line 2, column "petal_width": an empty cell is not a number'):
        data.write_text("sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,\n")
        read_features_csv(data, ["sepal_length", "sepal_width", "petal_length", "petal_width"])


def test_an_untrained_project_says_so(tmp_path):
    project = load_project(EXAMPLES[0])
    project.reset_state()
    path = tmp_path / "X.ncproj"
    save_project(project, path)
    result = run("predict", path, "--input", IRIS, "--output", tmp_path / "p.csv")
    assert result.returncode == 2
    assert result.stderr == f"neurocanvas: X.ncproj is not trained yet: train it first (python main.py train {path} --in-place)\n"
    assert not (tmp_path / "p.csv").exists()
    with pytest.raises(ExportError, match="is not trained yet"):
        predict_rows(project, np.zeros((1, 2)))


def test_rows_of_the_wrong_width_are_refused_by_the_function(tmp_path):
    project, _ = iris_project(tmp_path, epochs=1)
    with pytest.raises(ExportError, match=r"expected rows of 4 features \(sepal_length, .*\), got shape \[2, 3\]"):
        predict_rows(project, np.zeros((2, 3)))
