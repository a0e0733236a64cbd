"""Runs, the timeline and replay in the real window: a run a class can follow, rewind and compare,
and that stays honest when the data or the graph change (issue 10)."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QInputDialog

from editor.data.commands import use_dataset
from engine import PROJECTS
from engine.datasets import load_dataset
from engine.project import load_project
from tests.editor_helpers import open_window


@pytest.fixture
def window(qtbot, tmp_path, answers):
    return open_window(qtbot, tmp_path, PROJECTS / "xor.ncproj")


def wait_idle(qtbot, w, timeout=30_000):
    qtbot.waitUntil(lambda: w.training.session.running is None, timeout=timeout)


def train_epochs(qtbot, w, epochs: int) -> None:
    s = w.training.session
    for _ in range(epochs):
        s.step_epoch()
        wait_idle(qtbot, w)


def rebuilt(qtbot, w) -> None:
    """The debounced validation has run and the session has its new trainer."""
    qtbot.waitUntil(lambda: not w.document._validation_timer.isActive(), timeout=5000)
    qtbot.wait(50)


def test_switching_the_dataset_starts_a_new_run_that_the_views_and_advice_follow(qtbot, window):
    s = window.training.session
    train_epochs(qtbot, window, 3)
    first = s.run
    assert len(first.history["loss"]) == 3
    s.last_warning = "the learning rate 0.03 is probably too high"  # advice about the old run
    spec = {"source": "generated", "name": "circles", "samples": 300, "noise": 0.1, "seed": 3}
    use_dataset(window.document, spec, load_dataset(spec), "Use circles")
    rebuilt(qtbot, window)
    assert s.run is not first and s.run.reasons and "circles" in s.run.name
    assert s.history == {} and s.epoch == 0, "the metrics line starts over with the new data"
    assert not s.last_warning and window.training.panel.metrics_label.text() == ""
    assert len(s.info.x_train) + len(s.info.x_val) == 300, "the Output view's points are the new data's"
    s.step_epoch()
    wait_idle(qtbot, window)
    assert len(s.history["loss"]) == 1 and not s.last_warning
    assert [r.id for r in s.runs] == [first.id, s.run.id]


def test_undo_after_a_units_edit_restores_the_trained_weights_bit_for_bit_and_redo_does_it_again(qtbot, window):
    s, doc = window.training.session, window.document
    train_epochs(qtbot, window, 4)
    trained = {k: v.copy() for k, v in s.trainer.model.parameters.items()}
    history = {k: list(v) for k, v in s.history.items()}
    assert doc.set_param("h", "units", 5)
    rebuilt(qtbot, window)
    assert s.trainer.model.parameters["h.weight"].shape == (2, 5) and s.history == {}
    edited = {k: v.copy() for k, v in s.trainer.model.parameters.items()}
    window.undo_action.trigger()
    rebuilt(qtbot, window)
    assert doc.graph.nodes["h"].params["units"] == 4
    for name, value in trained.items():
        np.testing.assert_array_equal(s.trainer.model.parameters[name], value, err_msg=name)
    assert s.history == history and s.epoch == 4
    assert len(s.runs) == 1, "the run the edit began (never trained) is not kept"
    window.redo_action.trigger()
    rebuilt(qtbot, window)
    for name, value in edited.items():
        np.testing.assert_array_equal(s.trainer.model.parameters[name], value, err_msg=name)


def test_rewind_gives_exactly_the_parameters_of_that_epoch_and_a_new_run(qtbot, window):
    s = window.training.session
    train_epochs(qtbot, window, 5)
    first = s.run
    epoch_two = first.timeline.at(2.0)
    assert epoch_two.position == 2.0
    s.show_position(2.0)
    assert s.detail is epoch_two, "every view draws the frame of the shown epoch"
    window.training.timeline.rewind.click()
    assert s.run is not first and s.run.branch_epoch == 2.0 and s.run.parent == first.id
    for name, value in epoch_two.parameters.items():
        np.testing.assert_array_equal(s.trainer.model.arrays[name], value, err_msg=name)
    assert s.epoch == 2 and len(s.history["loss"]) == 2
    train_epochs(qtbot, window, 3)
    for name in first.parameters:  # deterministic: the same three epochs land where the first run did
        np.testing.assert_array_equal(s.trainer.model.arrays[name], first.parameters[name], err_msg=name)


def test_dragging_the_timeline_replays_the_views_the_wires_and_predict(qtbot, window):
    s, bar = window.training.session, window.training.timeline
    train_epochs(qtbot, window, 4)
    window.docks["predict"].raise_()
    bar.slider.setValue(1)
    assert s.shown == s.frame_positions[1]
    assert "of" in bar.label.text() and bar.rewind.isEnabled()
    shown = s.run.timeline.at(s.shown).parameters
    assert window.predict._current_parameters()[1] is shown
    window.training.wires.refresh()
    assert window.training.wires._version[0] == s.detail_version, "the wires are coloured by the shown frame"
    window.training.live_action.trigger()
    assert s.shown is None and s.detail is s._latest


def test_two_runs_overlay_in_the_loss_view_with_a_legend(qtbot, window):
    s = window.training.session
    train_epochs(qtbot, window, 3)
    window.document.set_param("h", "units", 6)
    rebuilt(qtbot, window)
    train_epochs(qtbot, window, 2)
    assert len(s.runs) == 2
    view = window.training.views["Loss"]
    window.training.docks["Loss"].raise_()
    view.refresh()
    legend = [label.text for _, label in view.runs_legend.items]
    assert legend == ["Run 2 — h units 6 (current)", "Run 1"]
    xs, ys = view.others[1][0].getData()
    np.testing.assert_array_equal(ys, s.runs.get(1).history["loss"])


def test_save_and_reopen_keeps_the_runs(qtbot, window, tmp_path):
    s = window.training.session
    train_epochs(qtbot, window, 2)
    window.training.panel.edit("optimizer.learning_rate", 0.1, mergeable=False)
    train_epochs(qtbot, window, 1)
    window.document.set_param("h", "units", 3)
    rebuilt(qtbot, window)
    s.runs.rename(1, "the first try")
    path = tmp_path / "runs.ncproj"
    window.document.save(path)
    reopened = load_project(path)
    assert [(r.id, r.name) for r in reopened.runs] == [(1, "the first try"), (2, "Run 2 — h units 3")]
    assert [e.text for e in reopened.runs.get(1).events] == ["lr 0.03 → 0.1"]
    assert reopened.runs.get(1).history["loss"] == s.runs.get(1).history["loss"]


def test_a_reopened_run_with_one_frame_shows_the_slider_at_its_live_end(qtbot, window, tmp_path):
    """Regression: a reopened project has one frame; the slider stood at its start beside 'Epoch 2 (live)'."""
    train_epochs(qtbot, window, 2)
    path = tmp_path / "two.ncproj"
    window.document.save(path)
    assert window.open_path(path)
    qtbot.waitUntil(lambda: window.training.session.trainer is not None)
    bar = window.training.timeline
    bar.refresh()
    assert len(bar._positions) == 1 and bar.label.text() == "Epoch 2 (live)"
    assert bar.slider.value() == bar.slider.maximum() > bar.slider.minimum()
    assert not bar.slider.isEnabled()


def test_train_after_the_total_asks_how_many_more_epochs(qtbot, window, monkeypatch):
    s = window.training.session
    window.training.panel.edit("epochs", 2, mergeable=False)
    s.train()
    wait_idle(qtbot, window)
    assert s.epoch == 2
    asked = []
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *a, **k: (asked.append(a[2]), (3, True))[1]))
    s.train()
    assert asked and "trained its 2 epochs" in asked[0]
    qtbot.waitUntil(lambda: s.running is None and s.epoch == 5, timeout=20_000)
    assert "/ 2" not in window.training.panel.counters.text(), "never 'Epoch 5 / 2'"


def test_the_smoothed_batch_loss_keeps_up_with_one_batch_an_epoch(qtbot, tmp_path, answers):
    w = open_window(qtbot, tmp_path, PROJECTS / "01-one-weight.ncproj")
    s = w.training.session
    train_epochs(qtbot, w, 10)
    view = w.training.views["Loss"]
    w.training.docks["Loss"].raise_()
    view.refresh()
    _, smoothed = view.batch_curve.getData()
    assert smoothed[-1] == pytest.approx(s.batch_loss.view[-1], rel=1e-9)


def test_new_with_a_node_selected_raises_nothing(qtbot, window):
    errors = []
    window.scene.select_nodes(["h"])
    import sys
    previous = sys.excepthook
    sys.excepthook = lambda *exc: errors.append(exc)
    try:
        window.document.new()
        qtbot.wait(50)
    finally:
        sys.excepthook = previous
    assert not errors and window.inspector.node is None


def test_saving_right_after_an_edit_writes_parameters_that_fit_the_graph(qtbot, window, tmp_path):
    train_epochs(qtbot, window, 1)
    window.document.set_param("h", "units", 6)
    path = tmp_path / "edited.ncproj"
    window.document.save(path)
    project = load_project(path)
    assert project.parameters["h.weight"].shape == (2, 6)
    project.trainer()  # strict: the saved parameters fit the saved graph


def test_pause_right_after_train_stops_the_run(qtbot, window):
    """Issue 15's finding: a stop sent before the child process had its run was dropped."""
    s = window.training.session
    window.training.panel.edit("epochs", 100_000, mergeable=False)
    s.worker.process.close()  # the child starts with the next run: the stop comes before it listens
    s.train()
    s.pause()
    qtbot.waitUntil(lambda: s.running is None, timeout=20_000)
    assert s.epoch < 100_000


def test_the_output_view_draws_another_runs_boundary_beside_this_one(qtbot, window):
    s = window.training.session
    train_epochs(qtbot, window, 3)
    s.reset_parameters()
    train_epochs(qtbot, window, 1)
    view = window.training.views["Output"]
    window.training.docks["Output"].raise_()
    view.refresh()
    assert view.compare_box.isVisible() and view.compare_box.count() == 2
    view.compare_box.setCurrentIndex(1)
    view.refresh()
    assert view.compare_plot is not None and "Run 1" in view.compare_box.currentText()
    first = view.compare_image.image.copy()
    np.testing.assert_array_equal(first.shape[:2], (72, 72))
    assert not np.array_equal(first, view.image.image), "another run's boundary, not this one's"
