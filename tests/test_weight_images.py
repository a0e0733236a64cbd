"""Weights as pictures: a layer that looks at an image shows each unit's incoming weights as that image, on a
symmetric diverging scale; a convolution's filters likewise; the Predict dock draws an image sample as one."""
from __future__ import annotations

import numpy as np
import pytest

from editor.training.units import input_image_shape, mosaic, weight_tiles
from engine import PROJECTS
from engine.project import load_project

from tests.editor_helpers import open_window

DIGITS = PROJECTS / "08-digits.ncproj"


@pytest.fixture
def window(qtbot, tmp_path, answers):
    w = open_window(qtbot, tmp_path, DIGITS)
    qtbot.waitUntil(lambda: w.training.session.trainer is not None, timeout=5_000)
    yield w
    w.training.session.shutdown()


def test_the_digits_input_declares_its_8x8_image():
    project = load_project(DIGITS)
    assert project.graph.nodes["pixels"].params["shape"] == [1, 8, 8]
    assert "8×8" in project.description and "Flatten" in project.description


def test_digits_weights_come_out_as_8x8_images_on_a_symmetric_scale(qtbot, window):
    window.scene.select_nodes(["h"])
    view = window.training.views["Weights"]
    window.training.docks["Weights"].raise_()
    view.dirty = True
    qtbot.waitUntil(lambda: view.isVisible() and not view.dirty, timeout=5_000)
    assert view.mode == "images"
    assert view.tiles.shape == (32, 1, 8, 8)
    w = window.training.session.detail.parameters["h.weight"]
    assert np.array_equal(view.tiles[5, 0], w[:, 5].reshape(8, 8))  # unit 5's column, row by row
    lo, hi = view.bar.levels()
    assert lo == -hi and hi == pytest.approx(np.abs(w).max())
    image = view.w_image.image
    assert np.isnan(image).any() and np.isfinite(image).sum() == 32 * 64  # gaps between the tiles
    window.scene.select_nodes(["out"])  # its input is a vector of 32: a matrix
    qtbot.waitUntil(lambda: view.chooser.currentText() == "out", timeout=2_000)
    view.dirty = True
    qtbot.waitUntil(lambda: not view.dirty, timeout=5_000)
    assert view.mode == "matrix" and view.w_image.image.shape == (32, 10)


def test_the_weights_history_stays_when_the_weights_layout_changes(qtbot, window):
    """The two sides are built in turns of their own the first time (together they held the window ~0.1 s);
    a node of another layout rebuilds only the weights side, and leaves no plot of the old one behind."""
    view = window.training.views["Weights"]
    window.training.docks["Weights"].raise_()
    window.scene.select_nodes(["h"])
    view.dirty = True
    qtbot.waitUntil(lambda: view.isVisible() and view.mode == "images" and not view.dirty, timeout=5_000)
    history = view.h_plot
    assert set(view.plots()) == {view.w_plot, history}
    window.scene.select_nodes(["out"])
    view.dirty = True
    qtbot.waitUntil(lambda: view.mode == "matrix" and not view.dirty, timeout=5_000)
    assert view.h_plot is history and set(view.plots()) == {view.w_plot, view.b_plot, history}
    window.set_dark(True)  # both sides are built again in the dark theme's colours
    qtbot.waitUntil(lambda: view.h_plot not in (None, history) and view.mode == "matrix" and not view.dirty,
                    timeout=5_000)
    assert len(view.plots()) == 3


def test_a_convolutions_four_dimensional_weights_are_its_filters():
    w = np.arange(6 * 3 * 5 * 5, dtype=np.float32).reshape(6, 3, 5, 5)  # (filters, channels, kh, kw)
    tiles = weight_tiles(w, None)
    assert tiles.shape == (6, 3, 5, 5)
    picture, corners = mosaic(tiles, columns=3)
    assert picture.shape == (2 * 5 + 2, 3 * (3 * 5 + 2) + 2 * 2)
    x, y = corners[4]
    assert np.array_equal(picture[y : y + 5, x + 6 : x + 11], w[4, 1])  # filter 4, channel 2 beside channel 1


def test_a_vector_input_gives_no_image_and_a_flatten_is_looked_through():
    shapes = {"x": (1, 8, 8), "flat": (64,), "act": (64,), "h": (32,), "v": (64,)}
    sources = {"flat": ["x"], "act": ["flat"], "h": ["act"], "h2": ["v"]}
    assert input_image_shape("h", sources, shapes) == (1, 8, 8)
    assert input_image_shape("h2", sources, shapes) is None
    assert weight_tiles(np.zeros((64, 32)), None) is None
    assert weight_tiles(np.zeros((64, 32)), (1, 8, 8)).shape == (32, 1, 8, 8)


def test_the_predict_dock_draws_an_image_sample_as_an_image(qtbot, window):
    panel = window.predict
    window.docks["predict"].raise_()
    qtbot.waitUntil(lambda: panel.refresh_count > 0, timeout=5_000)
    assert panel.sample_image.isVisible()
    image = panel.sample_image.pixmap().toImage()
    assert image.width() == image.height() and image.width() >= 32
    row = panel.last_row.reshape(8, 8)
    darkest = np.unravel_index(np.argmax(row), row.shape)  # the most ink is drawn darkest
    cell = image.width() // 8
    ink = image.pixelColor(darkest[1] * cell + cell // 2, darkest[0] * cell + cell // 2)
    assert ink.lightness() < 40
