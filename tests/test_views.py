"""The live training views in the real window: mode changes, degenerate data, the theme, the layout."""
from __future__ import annotations

import logging

import numpy as np
import pytest
from PySide6.QtGui import QColor

from editor.training import colors
from engine import PROJECTS

from tests.editor_helpers import open_window

MOONS = {"source": "generated", "name": "moons", "samples": 200, "noise": 0.1, "seed": 1}
PLANE = {"source": "generated", "name": "plane", "samples": 200, "noise": 0.1, "seed": 1}


@pytest.fixture
def window(qtbot, tmp_path, answers):
    w = open_window(qtbot, tmp_path)
    yield w
    w.training.session.shutdown()


def open_example(qtbot, window, name):
    window.open_example(PROJECTS / name)
    qtbot.waitUntil(lambda: window.training.session.trainer is not None, timeout=5_000)


def train(qtbot, window):
    s = window.training.session
    window.training.train_action.trigger()
    assert s.running
    qtbot.waitUntil(lambda: s.running is None, timeout=30_000)


def shown(qtbot, window, title):
    """Raise the view's dock and wait until it has drawn the session's latest data."""
    view = window.training.views[title]
    window.training.docks[title].raise_()
    view.dirty = True
    qtbot.waitUntil(lambda: view.isVisible() and not view.dirty, timeout=5_000)
    return view


def rebuilt_on(qtbot, window, dataset, params):
    """A new dataset and node parameters {(node, name): value}; wait for the trainer built on them."""
    s = window.training.session
    window.document.set_dataset(dataset)
    for (node, name), value in params.items():
        assert window.document.set_param(node, name, value)
    qtbot.waitUntil(lambda: s.trainer is not None and s.trainer.dataset.name == dataset["name"], timeout=5_000)


def contrast(a: QColor, b: QColor) -> float:
    return abs(a.lightnessF() - b.lightnessF())


# ---- 1. Output: the axes and title of one mode do not leak into the next ---------------------------
def test_output_forgets_the_confusion_ticks_and_title_on_a_plane(qtbot, window):
    open_example(qtbot, window, "07-iris.ncproj")
    train(qtbot, window)
    output = shown(qtbot, window, "Output")
    assert output.mode == "confusion" and output.plot.titleLabel.text.startswith("accuracy")
    rebuilt_on(qtbot, window, MOONS, {("x", "size"): 2, ("out", "units"): 1, ("probs", "function"): "sigmoid",
                                      ("loss", "function"): "binary_cross_entropy"})
    train(qtbot, window)
    output = shown(qtbot, window, "Output")
    assert output.mode == "plane"
    assert output.plot.getAxis("bottom")._tickLevels is None and output.plot.getAxis("left")._tickLevels is None
    assert not output.plot.titleLabel.isVisible()


def test_output_drops_the_regression_colour_bar_without_a_qt_warning(qtbot, window, qtlog):
    open_example(qtbot, window, "xor.ncproj")
    rebuilt_on(qtbot, window, PLANE, {("prob", "function"): "identity", ("loss", "function"): "mse"})
    output = shown(qtbot, window, "Output")
    assert output.mode == "plane" and output.bar is not None
    rebuilt_on(qtbot, window, MOONS, {("prob", "function"): "sigmoid", ("loss", "function"): "binary_cross_entropy"})
    output = shown(qtbot, window, "Output")
    assert output.bar is None
    assert not [r.message for r in qtlog.records if "removeAt" in r.message]


# ---- 2. Activations: a layer whose values are all equal ---------------------------------------------
def test_the_histogram_of_a_constant_layer_draws(qtbot, window):
    open_example(qtbot, window, "xor.ncproj")
    s = window.training.session
    assert window.document.set_param("h", "init", "zeros")
    s.reset_parameters()  # zero weights and biases: the sigmoid output is 0.5 for every sample (float32)
    window.reveal_node("prob")
    view = shown(qtbot, window, "Activations")
    assert view.chooser.currentText() == "prob"
    assert np.all(s.detail.activations["prob"] == np.float32(0.5))
    x, counts = view.h_curve.getData()
    assert counts.sum() == len(s.info.probe) and x[0] < 0.5 < x[-1]


def test_one_failing_view_does_not_stop_the_others_and_is_logged_once(qtbot, window, caplog, monkeypatch):
    open_example(qtbot, window, "xor.ncproj")
    hub = window.training.hub
    loss = shown(qtbot, window, "Loss")
    output = window.training.views["Output"]

    def broken():
        raise RuntimeError("broken view")

    monkeypatch.setattr(loss, "refresh", broken)
    with caplog.at_level(logging.ERROR):
        for _ in range(3):
            hub.mark_dirty()
            hub._turn_start -= 1.0  # the timer's next tick, a while later
            hub.tick()
    assert not output.dirty
    assert [r.getMessage() for r in caplog.records].count("The Loss view failed to refresh") == 1


# ---- 3. The theme, switched at runtime and from the start ----------------------------------------------
def test_the_views_follow_a_runtime_theme_switch(qtbot, window):
    open_example(qtbot, window, "xor.ncproj")
    light = QColor(colors.background())
    window.set_dark(True)
    dark = QColor(colors.background())
    assert dark != light
    views = window.training.views
    # Qt posts the new palette to the widgets: the views follow once the event loop runs.
    qtbot.waitUntil(lambda: all(v.graphics.backgroundBrush().color() == dark for v in views.values()), timeout=2_000)
    for title, view in views.items():
        for plot in view.plots():
            assert plot.getAxis("left").textPen().color() == QColor(colors.foreground()), title
    window.set_dark(False)


@pytest.mark.parametrize("dark", [False, True])
def test_the_confusion_counts_are_readable_in_both_themes(qtbot, window, dark):
    window.set_dark(dark)
    open_example(qtbot, window, "07-iris.ncproj")
    train(qtbot, window)
    output = shown(qtbot, window, "Output")
    cmap = output.image.getColorMap()
    share = output.image.image
    checked = 0
    counts = output.counts
    for i in range(counts.counts.shape[0]):
        for j in range(counts.counts.shape[1]):
            if counts.text(i, j):
                cell = cmap.mapToQColor(float(share[i, j]))
                assert contrast(counts.colour(i, j), cell) > 0.4, (i, j, counts.colour(i, j).name(), cell.name())
                checked += 1
    assert checked >= 3
    window.set_dark(False)


# ---- 4. Gradients ---------------------------------------------------------------------------------------
@pytest.fixture
def vanishing(qtbot, window):
    open_example(qtbot, window, "10-vanishing-gradients.ncproj")
    train(qtbot, window)
    return shown(qtbot, window, "Gradients")


def test_every_gradient_curve_has_its_own_colour(vanishing):
    colours = {curve.opts["pen"].color().name() for curve in vanishing.curves.values()}
    assert len(vanishing.curves) == 14 and len(colours) == 14


def test_the_gradient_legend_shows_every_entry_outside_the_plot(qtbot, vanishing):
    legend = vanishing.legend
    assert len(legend.items) == 14
    box = legend.sceneBoundingRect()
    assert vanishing.graphics.sceneRect().contains(box)
    assert not box.intersects(vanishing.plot.vb.sceneBoundingRect())


def test_a_zero_gradient_norm_is_shown_at_the_floor(qtbot, window):
    open_example(qtbot, window, "xor.ncproj")
    s = window.training.session
    assert window.document.set_param("h", "init", "zeros") and window.document.set_param("out", "init", "zeros")
    s.reset_parameters()  # no signal flows back through zero weights: h gets no gradient at all
    s.step_batch()
    qtbot.waitUntil(lambda: s.running is None and bool(s.grad_records), timeout=10_000)
    assert s.grad_records[-1][1]["h"] == 0.0
    view = shown(qtbot, window, "Gradients")
    x, y = view.curves["h"].getData()
    assert len(x) == len(s.grad_records) and np.all(np.isfinite(y))
    assert view.zero_line.isVisible() and "0" in view.zero_line.label.toPlainText()


def test_the_gradient_axis_has_only_decade_ticks(qtbot, vanishing):
    axis = vanishing.plot.getAxis("left")
    lo, hi = vanishing.plot.vb.viewRange()[1]
    values = [v for _, level in axis.tickValues(lo, hi, axis.height()) for v in level]
    assert len(values) >= 2 and all(float(v).is_integer() for v in values)


def test_the_gradients_have_a_point_for_every_epoch(vanishing):
    assert len(vanishing.session.grad_records) >= 60


# ---- 5. and 6. The Activations layout and the Loss view's empty state --------------------------------
def test_the_activation_histogram_gets_a_real_share(qtbot, window):
    open_example(qtbot, window, "xor.ncproj")
    view = shown(qtbot, window, "Activations")
    assert view.h_plot.width() >= 0.3 * view.graphics.width()


def test_the_loss_view_says_to_fix_the_graph_first(qtbot, window):
    open_example(qtbot, window, "xor.ncproj")
    s = window.training.session
    edge = next(e for e in window.document.graph.edges if e.dst == "out")
    window.document.disconnect([edge])
    qtbot.waitUntil(lambda: not s.can_train, timeout=5_000)
    loss = shown(qtbot, window, "Loss")
    assert loss.message.text() == s.reason and s.reason.startswith("Fix the graph first")


def test_a_few_epochs_show_as_dots_many_as_lines(qtbot, window):
    """Regression: after one epoch the per-epoch loss and accuracy were a line of one point, which draws
    nothing: the Accuracy plot stood empty under its axes."""
    from editor.training.views.loss import EPOCH_DOTS_UP_TO

    open_example(qtbot, window, "xor.ncproj")
    s = window.training.session
    s.step_epoch()
    qtbot.waitUntil(lambda: s.running is None, timeout=30_000)
    view = shown(qtbot, window, "Loss")
    for curve in (view.train_curve, view.metric_train):
        assert curve.opts["symbol"] == "o" and len(curve.getData()[0]) == 1
    s.train_more(EPOCH_DOTS_UP_TO)
    qtbot.waitUntil(lambda: s.running is None, timeout=60_000)
    view = shown(qtbot, window, "Loss")
    for curve in (view.train_curve, view.metric_train):
        assert curve.opts["symbol"] is None and len(curve.getData()[0]) == EPOCH_DOTS_UP_TO + 1


def test_a_views_long_header_gives_way_instead_of_widening_its_dock(qtbot, window):
    """Regression: the Output view's header line set its dock's minimum width (527 px); when 'Beside'
    appeared after a dataset switch, the dock took 120 px from the Loss view beside it."""
    open_example(qtbot, window, "xor.ncproj")
    view = shown(qtbot, window, "Output")
    assert view.mode_label.text().startswith("Prediction over the input plane")
    assert view.mode_label.toolTip() == view.mode_label.text()  # the whole line, when it is cut short
    assert view.minimumSizeHint().width() < 300
    assert view.mode_label.fontMetrics().horizontalAdvance(view.mode_label.text()) > 300


def test_a_curve_without_validation_rows_draws(qtbot, window, caplog):
    """Regression: a regression of one feature and no validation split (lessons 00, 01, 04) failed
    in the Output view: an empty target array cannot be reshaped to (0, -1)."""
    open_example(qtbot, window, "01-one-weight.ncproj")
    train(qtbot, window)
    with caplog.at_level(logging.ERROR):
        view = shown(qtbot, window, "Output")
    assert view.mode == "curve" and not caplog.records
    assert len(view.train_points.data) == 4 and len(view.val_points.data) == 0


# ---- 4. What the views cost the GUI thread while training runs ------------------------------------------
def test_weights_over_time_are_each_snapshots_histogram():
    from editor.training.views.base import histogram_columns

    rng = np.random.default_rng(0)
    samples = [np.sort(rng.normal(scale=1 + k / 4, size=300)).astype(np.float32) for k in range(12)]
    samples[5] = np.sort(np.r_[samples[5][:-1], np.nan]).astype(np.float32)  # a diverged weight is left out
    image, m = histogram_columns(samples, bins=24)
    assert m == max(float(np.nanmax(np.abs(s))) for s in samples)
    edges = np.linspace(-m, m, 25)
    expected = np.stack([np.histogram(s[np.isfinite(s)], edges)[0] for s in samples], axis=1).astype(float)
    np.testing.assert_allclose(image, expected / expected.max(axis=0), atol=1e-6)


def test_while_training_runs_the_views_wait_their_share_of_the_gui(qtbot, window, monkeypatch):
    from editor.training.views import hub as hub_module

    open_example(qtbot, window, "xor.ncproj")
    hub = window.training.hub
    monkeypatch.setattr(window.training.session, "running", "run")
    refreshed = []
    for view in hub.views.values():
        monkeypatch.setattr(view, "refresh", lambda title=view.title: refreshed.append(title))
        dock = window.training.docks[view.title]
        dock.setFloating(True)  # out of its tab group: every view on screen at once
        dock.show()
        qtbot.waitUntil(lambda view=view: not view.visibleRegion().isEmpty())
    hub.mark_dirty()
    hub._turn_start, hub._spent = 0.0, 0.0
    hub.tick()
    assert len(refreshed) == len(hub.views)  # cheap refreshes: every view in one turn
    hub.mark_dirty()
    hub.painted(1.0)  # the paints they caused took a second: the next turn waits its share
    hub.tick()
    assert len(refreshed) == len(hub.views)
    hub._turn_start -= 1.1 / hub_module.GUI_SHARE  # the time that share asks for has passed
    hub.tick()
    assert len(refreshed) == 2 * len(hub.views)


def test_idle_a_turn_that_built_plots_lets_the_window_breathe_before_the_next(qtbot, window, monkeypatch):
    """When a big project's data arrived, the views built their plots (25-45 ms each) in turns that came
    one right after another, and the window stalled 0.1-0.13 s: idle, a turn waits for IDLE_SHARE too."""
    from editor.training.views import hub as hub_module

    open_example(qtbot, window, "xor.ncproj")
    hub = window.training.hub
    assert window.training.session.running is None
    refreshed = []
    view = hub.views["Loss"]
    monkeypatch.setattr(view, "refresh", lambda: refreshed.append(view.title))
    window.training.docks["Loss"].setFloating(True)
    window.training.docks["Loss"].show()
    qtbot.waitUntil(lambda: not view.visibleRegion().isEmpty())
    hub.mark_dirty()
    hub._turn_start, hub._spent = 0.0, 0.0
    hub.tick()
    assert refreshed == ["Loss"]
    view.dirty = True
    hub.painted(0.04)  # that turn and its paints took 40 ms
    hub.tick()
    assert refreshed == ["Loss"]  # the next waits
    hub._turn_start -= 1.0 / hub_module.IDLE_SHARE  # the time that share asks for has passed
    hub.tick()
    assert refreshed == ["Loss", "Loss"]


def test_a_views_paint_estimate_is_every_paint_its_last_refresh_caused(qtbot, window):
    """pyqtgraph often paints a refresh twice or more (31 ms, then 7): counting the last paint alone let
    six views' paints into one pass of 141 ms while MNIST trained."""
    open_example(qtbot, window, "xor.ncproj")
    view = window.training.views["Activations"]
    view.refreshing()  # whatever was painted before is counted
    view._painted(0.031)  # as TimedGraphics reports each paint of the view's plots
    view._painted(0.007)
    view.refreshing()
    assert view.paint_seconds == pytest.approx(0.038)
    view.refreshing()  # a refresh that changed nothing caused no paint: the estimate stands
    assert view.paint_seconds == pytest.approx(0.038)


def test_after_a_run_the_views_redraw_in_turns_not_all_in_one_stall(qtbot, window, monkeypatch):
    """Six views refreshed and painted together at the end of a run stalled the window 160–250 ms:
    a turn counts each view's last paint and leaves the rest for the next turns, idle as well."""
    open_example(qtbot, window, "xor.ncproj")
    hub = window.training.hub
    assert window.training.session.running is None
    refreshed = []
    for view in hub.views.values():
        monkeypatch.setattr(view, "refresh", lambda title=view.title: refreshed.append(title))
        dock = window.training.docks[view.title]
        dock.setFloating(True)
        dock.show()
        qtbot.waitUntil(lambda view=view: not view.visibleRegion().isEmpty())
        view.paint_seconds = 0.03  # each paint costs more than a turn's slice
    hub.mark_dirty()
    hub.tick()
    assert len(refreshed) == 1
    for _ in range(len(hub.views) - 1):
        hub._turn_start -= 1.0  # the timer's next tick, a while later
        hub.tick()
    assert sorted(refreshed) == sorted(hub.views)  # in rotation: each view once
    assert not any(view.dirty for view in hub.views.values())
