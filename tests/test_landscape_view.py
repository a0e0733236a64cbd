"""The Landscape view (issue 11) through the real main window: the centre is the current loss, the
path passes through the snapshots, the curve of a one-weight network, the directions, cancelling,
and a GUI that keeps answering while the worker computes."""
from __future__ import annotations

import shutil
import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from engine import PROJECTS

from tests.editor_helpers import open_window


@pytest.fixture
def window(qtbot, tmp_path, answers):
    w = open_window(qtbot, tmp_path)
    yield w
    w.training.session.shutdown()
    w.landscape.shutdown()


def open_copy(w, tmp_path, name: str) -> None:
    copy = tmp_path / name
    shutil.copy(PROJECTS / name, copy)
    assert w.open_path(copy)


def step_epochs(qtbot, w, count: int) -> None:
    """Epoch by epoch, as a learner steps: each pause gives the session a snapshot."""
    session = w.training.session
    for _ in range(count):
        session.step_epoch()
        qtbot.waitUntil(lambda: session.running is None, timeout=20_000)


def landscape(qtbot, w, timeout=60_000):
    """The Landscape dock in front, and its picture once computed."""
    w.docks["landscape"].raise_()
    view = w.landscape
    qtbot.waitUntil(lambda: view.result is not None and not view.computing, timeout=timeout)
    return view


def current_loss(w, view) -> float:
    """The loss of the session's current parameters on the rows the landscape used, by the engine."""
    model = w.document.model.clone()
    model.load_parameters(w.training.session.current_parameters())
    model.forward(view.job.x)
    return model.loss(view.job.targets)


def test_two_parameters_the_valley_with_the_path_through_every_snapshot(qtbot, window, tmp_path):
    open_copy(window, tmp_path, "04-momentum.ncproj")
    start = window.training.session.current_parameters()
    step_epochs(qtbot, window, 12)
    view = landscape(qtbot, window)
    land = view.result.landscape
    assert land.method == "parameters" and [a.label for a in land.axes] == ["line.weight[0, 0]", "line.bias[0]"]
    assert not view.method.isEnabled()  # two parameters: the axes are the parameters, nothing to choose
    assert land.center_loss == current_loss(window, view)
    assert len(view.path) == 13 and all(np.array_equal(view.path[0][k], v) for k, v in start.items())
    expected = [(p["line.weight"][0, 0], p["line.bias"][0]) for p in view.path]
    assert [tuple(point) for point in land.trajectory] == expected  # exactly: the parameters are the axes
    xs, ys = view.path_item.getData()
    assert list(zip(xs, ys)) == expected  # and that is what is drawn
    assert view.now_item.data["x"][0] == expected[-1][0] and view.start_item.data["x"][0] == expected[0][0]
    assert view.result.resolution == 41 and view.image.image.shape == (41, 41)
    assert "now L = " in view.status.text() and "path of 13 snapshots" in view.status.text()
    before = view.result
    window.training.session.step_epoch()  # a pause with new parameters: a new picture
    qtbot.waitUntil(lambda: view.result is not before and not view.computing, timeout=20_000)
    assert len(view.result.landscape.trajectory) == 14


def test_one_weight_is_a_curve_with_the_path_on_it(qtbot, window, tmp_path):
    open_copy(window, tmp_path, "01-one-weight.ncproj")
    step_epochs(qtbot, window, 4)
    view = landscape(qtbot, window)
    land = view.result.landscape
    assert len(land.axes) == 1 and not view.image.isVisible() and view.curve.isVisible()
    w = land.axes[0].values
    x, y = np.array([1.0, 2, 3, 4]), np.array([2.0, 4, 6, 8])
    parabola = 0.5 * ((w[:, None] * x - y) ** 2).mean(axis=1)  # L = ½·mean((w·x − y)²)
    assert land.loss == pytest.approx(parabola, rel=1e-5)
    weights = [p["w.weight"][0, 0] for p in view.path]
    path_x, path_y = view.path_item.getData()
    assert list(path_x) == weights
    assert path_y == pytest.approx(0.5 * ((np.array(weights)[:, None] * x - y) ** 2).mean(axis=1), rel=1e-5)
    assert land.center_loss == current_loss(window, view)


def test_directions_are_selectable_and_a_short_path_says_what_pca_needs(qtbot, window, tmp_path):
    open_copy(window, tmp_path, "xor.ncproj")
    view = landscape(qtbot, window)
    assert view.result.landscape.method == "random"  # one snapshot: no path to take directions from
    view.method.setCurrentIndex(view.method.findData("pca"))
    qtbot.waitUntil(lambda: not view.computing, timeout=20_000)
    assert view.stack.currentWidget() is view.message and "at least three snapshots" in view.message.text()
    step_epochs(qtbot, window, 3)
    qtbot.waitUntil(lambda: view.result.landscape.method == "pca" and not view.computing, timeout=30_000)
    land = view.result.landscape
    assert land.center == (0.0, 0.0) and land.center_loss == current_loss(window, view)
    assert land.trajectory[-1] == pytest.approx([0.0, 0.0], abs=1e-9)  # the path ends at the current point
    view.method.setCurrentIndex(view.method.findData("random"))
    qtbot.waitUntil(lambda: view.result.landscape.method == "random" and not view.computing, timeout=30_000)
    assert view.method.isEnabled()


def test_the_gui_answers_while_the_landscape_computes_and_cancel_stops_it(qtbot, window, tmp_path):
    open_copy(window, tmp_path, "08-digits.ncproj")
    step_epochs(qtbot, window, 3)
    view = landscape(qtbot, window)
    assert view.result.landscape.center_loss == current_loss(window, view)
    ticks = []
    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    view.recompute()
    assert view.computing and view.corner.currentIndex() == 1  # progress and Cancel in view
    qtbot.waitUntil(lambda: not view.computing, timeout=60_000)
    timer.stop()
    gaps = np.diff(ticks)
    assert len(ticks) > 10 and gaps.max() < 0.5, f"the GUI stalled {gaps.max():.3f} s"  # loose: a shared CI machine

    view.recompute()
    qtbot.waitUntil(lambda: view.progress.value() > 0 or not view.computing, timeout=20_000)
    view.cancel()
    qtbot.waitUntil(lambda: not view.computing, timeout=20_000)
    assert "Cancelled" in view.status.text()


def test_it_waits_for_training_to_pause(qtbot, window, tmp_path):
    open_copy(window, tmp_path, "08-digits.ncproj")
    view = landscape(qtbot, window)
    computed = view.generation
    session = window.training.session
    session.train()
    qtbot.waitUntil(lambda: session.running and session.detail_version > 3, timeout=20_000)
    qtbot.wait(600)
    assert view.generation == computed and "updates when training pauses" in view.status.text()
    session.pause()
    qtbot.waitUntil(lambda: session.running is None, timeout=20_000)
    qtbot.waitUntil(lambda: view.generation > computed and not view.computing, timeout=30_000)
    assert len(view.path) > 2


def test_it_follows_the_theme(qtbot, window, tmp_path):
    open_copy(window, tmp_path, "04-momentum.ncproj")
    view = landscape(qtbot, window)
    light = view.graphics.backgroundBrush().color().name()
    window.set_dark(True)
    qtbot.waitUntil(lambda: view.graphics.backgroundBrush().color().name() != light, timeout=3_000)
    window.set_dark(False)


def test_it_follows_the_timelines_epoch(qtbot, window, tmp_path):
    open_copy(window, tmp_path, "04-momentum.ncproj")
    step_epochs(qtbot, window, 10)
    view = landscape(qtbot, window)
    session = window.training.session
    before = view.result
    session.show_position(4)
    qtbot.waitUntil(lambda: view.result is not before and not view.computing, timeout=20_000)
    land = view.result.landscape
    frame = session.detail
    assert frame.position == 4 and land.center == (frame.parameters["line.weight"][0, 0], frame.parameters["line.bias"][0])
    assert len(land.trajectory) == 5 and tuple(land.trajectory[-1]) == land.center  # the path up to epoch 4
