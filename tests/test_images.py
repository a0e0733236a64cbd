"""Image features headless (issue 12): the shape an Input declares, the data's pixel range, a drawn
canvas brought to the input's size and range, and the digits-from-CSV lesson that ships its CSV."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from engine import LESSONS, PROJECTS
from engine.datasets import load_builtin
from engine.datasets.dataset import standardize
from engine.images import feature_range, image_shape, ink_to_features, raw_rows
from engine.project import load_project
from engine.validation import Analysis

DIGITS_CSV = PROJECTS / "14-digits-csv.ncproj"


def _shape_of(path, dataset=None):
    project = load_project(path)
    return image_shape(project.graph, Analysis.of(project.graph).shapes, dataset)


def test_the_graph_declares_an_image_only_through_an_input_with_a_shape():
    assert _shape_of(PROJECTS / "12-digits-cnn.ncproj") == (1, 8, 8)
    assert _shape_of(PROJECTS / "07-iris.ncproj") is None  # a vector input
    iris = load_builtin("iris")
    assert _shape_of(PROJECTS / "12-digits-cnn.ncproj", iris) is None  # 4 features are no 8×8 image


def test_the_pixel_range_is_the_raw_datas_also_when_standardized():
    digits = load_builtin("digits")
    assert feature_range(digits) == (0.0, 16.0)
    scaled = standardize(load_builtin("digits"))
    assert feature_range(scaled) == (0.0, 16.0)  # whole counts, not float32 noise around them
    np.testing.assert_allclose(raw_rows(scaled, [3, 5]), digits.x[[3, 5]], atol=1e-4)
    constant = replace(digits, x=np.full((4, 64), 7.0, np.float32))
    assert feature_range(constant) == (7.0, 8.0)  # a blank stretch is still a range ink can map into


def test_a_drawn_canvas_is_area_averaged_down_and_mapped_into_the_datas_range():
    ink = np.zeros((16, 16))
    ink[0:2, 0:2] = 1.0  # the first 8×8 pixel, fully inked
    ink[2:4, 0:2] = 0.5  # the pixel below it, half
    ink[0, 2] = 1.0  # a quarter of the next one to the right
    row = ink_to_features(ink, (1, 8, 8), 0.0, 16.0)
    assert row.shape == (64,)
    assert row[0] == 16.0 and row[8] == 8.0 and row[1] == 4.0 and row[63] == 0.0
    mnist = ink_to_features(np.ones((56, 56)), (1, 28, 28), 0.0, 255.0)
    assert mnist.shape == (784,) and (mnist == 255.0).all()
    colour = ink_to_features(np.eye(8), (3, 8, 8), -1.0, 1.0)
    assert colour.shape == (192,) and (colour.reshape(3, 64) == colour[:64]).all()
    with pytest.raises(ValueError, match="10×10 does not divide into 8×8"):
        ink_to_features(np.zeros((10, 10)), (1, 8, 8), 0.0, 1.0)


def test_the_digits_csv_lesson_reads_the_bundled_digits_from_its_own_csv_as_8x8_images():
    assert LESSONS.index("14-digits-csv") == LESSONS.index("13-batch-normalization") + 1
    project = load_project(DIGITS_CSV)
    assert project.dataset["source"] == "csv" and project.dataset["path"] == "digits.csv"
    csv = PROJECTS / "digits.csv"
    assert csv.is_file() and csv.stat().st_size < 300_000
    assert csv.read_text(encoding="utf-8").splitlines()[0] == ",".join([f"p{k}" for k in range(64)] + ["label"])
    data, bundled = project.load_data(), load_builtin("digits")
    np.testing.assert_array_equal(data.x, bundled.x)
    assert data.class_names == bundled.class_names and (data.y == bundled.y).all()
    assert _shape_of(DIGITS_CSV, data) == (1, 8, 8)
    for step in ("CSV page", "Images tab", "Train", "Draw", "probabilities"):  # the walk through the path
        assert step in project.description
