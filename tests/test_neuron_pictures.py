"""Neurons on the canvas and in the Neurons view: every unit's output over the input plane (or along the one
input feature), live, clickable, with a shared colour scale, outlined points and a legend."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from editor.canvas.unit_strip import MAX_CELLS
from editor.training import colors
from editor.training.units import unit_levels, unit_nodes
from engine import PROJECTS

from tests.editor_helpers import open_window


@pytest.fixture
def window(qtbot, tmp_path, answers):
    w = open_window(qtbot, tmp_path)
    yield w
    w.training.session.shutdown()


def open_example(qtbot, window, name):
    window.open_example(PROJECTS / name)
    qtbot.waitUntil(lambda: window.training.session.trainer is not None, timeout=5_000)


def pictures(window) -> dict:
    window.training.pictures.refresh(force=True)
    return {n: item.unit_strip.pictures for n, item in window.scene.node_items.items()
            if item.unit_strip is not None and item.unit_strip.isVisible()}


def image_bytes(image) -> bytes:
    return bytes(image.constBits())


def train(qtbot, window, epochs):
    s = window.training.session
    s.apply_training({**s.settings, "epochs": epochs})
    window.training.train_action.trigger()
    qtbot.waitUntil(lambda: s.running is None, timeout=60_000)


def test_every_unit_of_a_two_feature_network_has_a_picture_that_changes_with_training(qtbot, window):
    open_example(qtbot, window, "xor.ncproj")
    shown = pictures(window)
    info = window.training.session.info
    assert set(shown) == {"h", "act", "out", "prob"} == set(unit_nodes(info))  # not the Input, not the Loss
    for node_id, p in shown.items():
        assert p.total == info.shapes[node_id][0] == len(p.images)
        assert all(not image.isNull() and image.width() >= 16 for image in p.images)
    before = {n: [image_bytes(i) for i in p.images] for n, p in shown.items()}
    train(qtbot, window, 20)
    after = pictures(window)
    for node_id in before:
        assert [image_bytes(i) for i in after[node_id].images] != before[node_id], node_id


def test_a_large_layer_shows_its_first_units_and_how_many_more(qtbot, window):
    open_example(qtbot, window, "xor.ncproj")
    assert window.document.set_param("h", "units", 20)
    qtbot.waitUntil(lambda: window.training.session.info is not None
                    and window.training.session.info.shapes["h"] == (20,), timeout=5_000)
    strip = window.scene.node_items["h"].unit_strip
    pictures(window)
    assert strip.pictures.total == 20 and len(strip.pictures.images) == MAX_CELLS - 1
    assert len(strip._cells) == MAX_CELLS  # the last cell says "+13"
    # the row stays within the gap to the next column
    assert strip.boundingRect().width() <= 230


def test_clicking_a_picture_selects_that_unit_everywhere(qtbot, window):
    open_example(qtbot, window, "xor.ncproj")
    pictures(window)
    strip = window.scene.node_items["act"].unit_strip
    centre = strip.mapToScene(strip.cell_rect(2).center())
    window.view.centerOn(centre)
    qtbot.mouseClick(window.view.viewport(), Qt.LeftButton, pos=window.view.mapFromScene(centre))
    assert window.scene.selected_node_ids() == ["act"]
    assert window.training.hub.selected_unit == ("act", 2)
    assert strip.selected_unit == 2
    neurons = window.training.views["Neurons"]
    qtbot.waitUntil(lambda: neurons.isVisible() and not neurons.dirty, timeout=5_000)
    assert neurons.chooser.currentText() == "act"
    framed = [plot.getViewBox().border.style() != Qt.NoPen for plot in neurons.maps]
    assert framed == [k == 2 for k in range(4)]
    window.scene.select_nodes(["h"])  # another node: the unit is no longer chosen
    assert window.training.hub.selected_unit is None


def test_the_view_menu_turns_the_pictures_off_and_on(qtbot, window):
    open_example(qtbot, window, "xor.ncproj")
    assert pictures(window)
    window.training.pictures_action.trigger()
    assert not pictures(window)
    assert window.settings.value("neuronPictures", type=bool) is False
    window.training.pictures_action.trigger()
    assert pictures(window)


def test_one_input_feature_gives_each_unit_a_curve(qtbot, window):
    open_example(qtbot, window, "09-sine-regression.ncproj")
    shown = pictures(window)
    p = shown["tanh1"]
    assert p.total == 16 and p.curves.shape[0] == MAX_CELLS - 1 and not p.images
    assert np.all((p.curves >= 0) & (p.curves <= 1))
    neurons = window.training.views["Neurons"]
    window.scene.select_nodes(["tanh1"])
    window.training.docks["Neurons"].raise_()
    neurons.dirty = True
    qtbot.waitUntil(lambda: neurons.isVisible() and not neurons.dirty, timeout=5_000)
    assert len(neurons.items) == 16
    x, y = neurons.items[3].getData()
    assert len(x) > 50 and np.all(np.abs(y) <= 1)  # tanh


def test_many_features_have_no_pictures_and_the_view_says_why(qtbot, window):
    open_example(qtbot, window, "07-iris.ncproj")
    assert not pictures(window)
    neurons = window.training.views["Neurons"]
    window.training.docks["Neurons"].raise_()
    neurons.dirty = True
    qtbot.waitUntil(lambda: neurons.isVisible() and not neurons.dirty, timeout=5_000)
    assert neurons.stack.currentWidget() is neurons.message and "4" in neurons.message.text()


def test_the_neurons_view_shows_every_unit_on_one_scale_with_a_bar_and_a_legend(qtbot, window):
    open_example(qtbot, window, "05-moons.ncproj")
    window.scene.select_nodes(["h1"])
    neurons = window.training.views["Neurons"]
    window.training.docks["Neurons"].raise_()
    neurons.dirty = True
    qtbot.waitUntil(lambda: neurons.isVisible() and not neurons.dirty, timeout=5_000)
    assert len(neurons.maps) == 8
    levels = {tuple(item.levels) for item in neurons.items}
    assert len(levels) == 1 and neurons.bar.levels() == list(levels)[0]
    lo, hi = list(levels)[0]
    assert lo == -hi  # a Dense's outputs: symmetric about 0
    assert neurons.bar.label == "unit output"
    assert len(neurons.legend.items) == 2  # one entry per class


def test_data_points_show_on_every_colour_of_the_maps(qtbot, window):
    open_example(qtbot, window, "05-moons.ncproj")
    neurons = window.training.views["Neurons"]
    window.training.docks["Neurons"].raise_()
    neurons.dirty = True
    qtbot.waitUntil(lambda: neurons.isVisible() and not neurons.dirty, timeout=5_000)
    scatter = next(i for i in neurons.maps[0].items if hasattr(i, "points"))
    spots = scatter.points()
    outline = spots[0].pen().color()
    cmap = colors.diverging()
    ends = [cmap.map(0.0, mode="qcolor"), cmap.map(1.0, mode="qcolor")]
    centre = QColor(colors.centre())
    for spot in spots:
        fill = spot.brush().color()
        assert spot.pen().widthF() >= 1.0
        for colour in ends:  # the deepest blue and orange: the outline stands out
            assert abs(outline.lightnessF() - colour.lightnessF()) > 0.3
        assert abs(fill.lightnessF() - centre.lightnessF()) > 0.3  # the pale middle: the fill stands out


def test_probabilities_are_coloured_from_0_to_1_and_other_units_symmetrically():
    assert unit_levels("sigmoid", np.array([[0.2, 0.3]])) == (0.0, 1.0)
    assert unit_levels("relu", np.array([[0.0, 3.0]])) == (-3.0, 3.0)
    assert unit_levels(None, np.array([[-0.5, 0.25]])) == (-0.5, 0.5)
    assert unit_levels(None, np.zeros((2, 2))) == (-1.0, 1.0)
