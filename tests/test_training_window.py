"""Training through the real main window: the panel's buttons, the worker thread, the views, files."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QMessageBox

from editor import style
from engine import PROJECTS
from engine.project import load_project

from tests.editor_helpers import open_window

XOR = PROJECTS / "xor.ncproj"
LONG = 100_000  # epochs: a run that only stops when asked


@pytest.fixture
def window(qtbot, tmp_path, answers):
    w = open_window(qtbot, tmp_path, XOR)
    yield w
    w.training.session.shutdown()


def panel(w):
    return w.training.panel


def session(w):
    return w.training.session


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.LeftButton)


def wait_idle(qtbot, w, timeout=30_000):
    qtbot.waitUntil(lambda: session(w).running is None, timeout=timeout)


def set_field(w, key, value):
    widget = panel(w).fields[key].widget
    widget.setValue(value)


def start_long_run(qtbot, w, epochs_at_least=1):
    set_field(w, "epochs", LONG)
    click(qtbot, panel(w).train_button)
    qtbot.waitUntil(lambda: session(w).epoch >= epochs_at_least, timeout=20_000)
    assert session(w).running == "run"


def test_train_xor_through_the_panel_reaches_its_goal(qtbot, window):
    p = panel(window)
    assert p.train_button.isEnabled() and "Train" in p.train_button.text()
    click(qtbot, p.train_button)
    wait_idle(qtbot, window)
    s = session(window)
    assert s.epoch == 200
    assert s.history["val_accuracy"][-1] >= 0.95
    assert "200" in p.counters.text()
    assert window.isWindowModified()  # the trained parameters are not saved yet


def test_pause_stops_the_counters_and_train_continues(qtbot, window):
    start_long_run(qtbot, window, 2)
    p, s = panel(window), session(window)
    assert "Pause" in p.train_button.text()
    click(qtbot, p.train_button)
    wait_idle(qtbot, window)
    before = (s.epoch, s.batch, s.total_batches, p.counters.text())
    qtbot.wait(300)
    assert (s.epoch, s.batch, s.total_batches, p.counters.text()) == before
    assert s.trainer.epoch == s.epoch
    click(qtbot, p.train_button)
    qtbot.waitUntil(lambda: s.total_batches > before[2] + 20, timeout=10_000)
    click(qtbot, p.train_button)
    wait_idle(qtbot, window)


def test_space_on_the_canvas_toggles_training(qtbot, window):
    set_field(window, "epochs", LONG)
    window.activateWindow()
    window.view.setFocus()
    qtbot.waitUntil(window.view.hasFocus, timeout=5_000)
    QTest.keyClick(window.view, Qt.Key_Space)
    qtbot.waitUntil(lambda: session(window).running == "run", timeout=5_000)
    qtbot.wait(50)
    QTest.keyClick(window.view, Qt.Key_Space)
    wait_idle(qtbot, window, timeout=5_000)


def test_step_batch_advances_exactly_one_batch(qtbot, window):
    p, s = panel(window), session(window)
    for expected in (1, 2, 3):
        click(qtbot, p.step_batch_button)
        wait_idle(qtbot, window)
        assert s.total_batches == expected
        assert (s.trainer.epoch, s.trainer.batch) == (0, expected)
        assert (s.epoch, s.batch) == (0, expected)
    click(qtbot, p.step_epoch_button)
    wait_idle(qtbot, window)
    assert (s.epoch, s.batch) == (1, 0)
    assert len(s.history["loss"]) == 1


def test_a_learning_rate_change_mid_run_reaches_the_optimizer(qtbot, window):
    start_long_run(qtbot, window)
    s = session(window)
    set_field(window, "optimizer.learning_rate", 0.002)
    assert s.running == "run"  # no restart, no reset
    assert window.document.project.training["optimizer"]["learning_rate"] == 0.002
    epoch = s.epoch
    qtbot.waitUntil(lambda: s.epoch >= epoch + 2, timeout=10_000)
    click(qtbot, panel(window).train_button)
    wait_idle(qtbot, window)
    # the trainer that comes back is the one that ran: it took the change while running
    assert s.trainer.settings["optimizer"]["learning_rate"] == 0.002
    click(qtbot, panel(window).step_batch_button)
    wait_idle(qtbot, window)
    assert s.trainer.optimizer.hyper["learning_rate"] == 0.002
    window.document.undo_stack.undo()  # the edit is undoable, and undo reaches the optimizer too
    click(qtbot, panel(window).step_batch_button)
    wait_idle(qtbot, window)
    assert s.trainer.optimizer.hyper["learning_rate"] == 0.03


def test_the_plots_hold_data_after_training(qtbot, window):
    window.reveal_node("h")
    click(qtbot, panel(window).train_button)
    wait_idle(qtbot, window)
    views = window.training.views
    for name in views:
        window.training.docks[name].raise_()
        qtbot.waitUntil(lambda v=views[name]: not v.dirty, timeout=5_000)
    loss = views["Loss"]
    x, y = loss.train_curve.getData()
    assert len(x) == 200 and np.isfinite(y).all()
    assert len(loss.val_curve.getData()[0]) == 200 and len(loss.batch_curve.getData()[0]) > 0
    assert len(loss.metric_val.getData()[0]) == 200
    weights = views["Weights"]
    assert weights.chooser.currentText() == "h"
    assert weights.w_image.image.shape == (2, 4) and weights.w_image.image.dtype == np.float32
    assert weights.bar.levels()[0] == -weights.bar.levels()[1]
    assert views["Activations"].a_image.image.shape == (64, 4)
    assert set(views["Gradients"].curves) == {"h", "out"}
    output = views["Output"]
    assert output.mode == "plane" and output.image.image.shape[:2] == (72, 72)
    neurons = views["Neurons"]
    assert len(neurons.items) == 4 and all(item.image.shape == (72, 72) for item in neurons.items)


def test_a_huge_learning_rate_ends_in_the_divergence_message(qtbot, window):
    set_field(window, "optimizer.learning_rate", 1e6)
    click(qtbot, panel(window).train_button)
    wait_idle(qtbot, window)
    p, s = panel(window), session(window)
    assert p.banner.isVisible()
    text = p.banner_label.text()
    assert "learning rate" in text and "too high" in text
    assert all(np.isfinite(v).all() for v in s.trainer.model.parameters.values())
    assert all(np.isfinite(v).all() for v in s.detail.parameters.values())
    assert all(np.isfinite(v).all() for k, vs in s.history.items() for v in vs)
    assert np.isfinite(s.batch_loss.view).all()


def test_a_loss_that_rises_but_stays_finite_is_explained_until_the_rate_changes(qtbot, window):
    set_field(window, "optimizer.learning_rate", 100)
    set_field(window, "epochs", 3)
    click(qtbot, panel(window).train_button)
    wait_idle(qtbot, window)
    p = panel(window)
    assert p.banner.isVisible()  # still there after the run ended
    text = p.banner_label.text()
    assert "The loss is rising." in text and "learning rate 100 is probably too high — try 10" in text
    set_field(window, "optimizer.learning_rate", 10)
    assert not p.banner.isVisible()


def test_editing_the_graph_during_training_keeps_what_fits(qtbot, window):
    start_long_run(qtbot, window)
    s = session(window)
    before = s.trainer
    assert window.document.set_param("h", "units", 6)
    qtbot.waitUntil(lambda: s.trainer is not before and s.running == "run", timeout=10_000)
    assert s.trainer.kept == ["out.bias"]
    assert set(s.trainer.initialized) == {"h.weight", "h.bias", "out.weight"}
    assert "kept out.bias" in panel(window).notice_label.text()
    # A broken graph stops training and says why; mending it lets training go on.
    edge = next(e for e in window.document.graph.edges if e.dst == "out")
    window.document.disconnect([edge])
    qtbot.waitUntil(lambda: s.running is None and not s.can_train, timeout=10_000)
    p = panel(window)
    assert not p.train_button.isEnabled() and p.train_button.toolTip() == s.reason and "out" in s.reason
    window.document.undo_stack.undo()
    qtbot.waitUntil(lambda: s.can_train, timeout=5_000)
    assert p.train_button.isEnabled()
    assert s.trainer.kept and s.epoch >= 1


def test_save_and_reopen_shows_the_same_history_and_continues(qtbot, window, tmp_path):
    click(qtbot, panel(window).train_button)
    wait_idle(qtbot, window)
    s = session(window)
    history = {k: list(v) for k, v in s.history.items()}
    weights = s.trainer.model.parameters["h.weight"].copy()
    set_field(window, "batch_size", 16)
    path = tmp_path / "trained.ncproj"
    window.document.save(path)
    saved = load_project(path)
    assert saved.epoch == 200 and saved.history == history and saved.training["batch_size"] == 16
    np.testing.assert_array_equal(saved.parameters["h.weight"], weights)

    window.document.new()
    assert session(window).epoch == 0 and not session(window).history
    assert window.open_path(path)
    s = session(window)
    assert s.epoch == 200 and s.history == history
    assert panel(window).fields["batch_size"].widget.value() == 16
    np.testing.assert_array_equal(s.detail.parameters["h.weight"], weights)
    window.training.docks["Loss"].raise_()
    curve = window.training.views["Loss"].train_curve
    qtbot.waitUntil(lambda: curve.getData()[0] is not None and len(curve.getData()[0]) == 200, timeout=5_000)
    click(qtbot, panel(window).step_epoch_button)
    wait_idle(qtbot, window)
    assert s.epoch == 201 and s.history["loss"][:200] == history["loss"]


def test_reset_asks_when_trained(qtbot, window, answers):
    click(qtbot, panel(window).step_epoch_button)
    wait_idle(qtbot, window)
    answers["reply"] = QMessageBox.Cancel
    click(qtbot, panel(window).reset_button)
    assert answers["question"] and session(window).epoch == 1
    answers["reply"] = QMessageBox.Reset
    click(qtbot, panel(window).reset_button)
    assert session(window).epoch == 0 and not session(window).history


def test_settings_edits_are_undoable_and_validated(qtbot, window):
    p, doc = panel(window), window.document
    p.batch_mode.setCurrentIndex(p.batch_mode.findData("full"))
    assert doc.project.training["batch_size"] == 320
    assert "1 update per epoch" in p.batch_help.text()
    p.batch_mode.setCurrentIndex(p.batch_mode.findData("stochastic"))
    assert doc.project.training["batch_size"] == 1
    doc.undo_stack.undo()
    assert doc.project.training["batch_size"] == 320
    doc.undo_stack.undo()
    assert doc.project.training["batch_size"] == 32 and p.fields["batch_size"].widget.value() == 32
    p.optimizer_combo.setCurrentIndex(p.optimizer_combo.findData("sgd"))
    assert doc.project.training["optimizer"]["name"] == "sgd"
    assert doc.project.training["optimizer"]["learning_rate"] == 0.03
    assert "optimizer.momentum" in p.fields
    assert session(window).trainer.settings["optimizer"]["name"] == "sgd"


def test_closing_the_window_while_training_joins_the_thread(qtbot, window, answers):
    start_long_run(qtbot, window)
    thread = window.training.session.thread
    answers["reply"] = QMessageBox.Discard
    assert window.close()
    assert not thread.isRunning()


def test_a_new_dataset_rebuilds_the_trainer_on_it(qtbot, window):
    """Regression: the session rebuilt only on graph changes and kept training on the old data."""
    data = {"source": "generated", "name": "moons", "samples": 120, "noise": 0.1, "seed": 3}
    window.document.set_dataset(data)
    qtbot.waitUntil(lambda: session(window).trainer is not None
                    and session(window).trainer.dataset.name == "moons", timeout=5_000)
    assert "moons" in panel(window).dataset_label.text()


def test_the_first_start_gives_the_plots_a_real_share_of_the_window(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path)
    loss, output = window.docks["loss"], window.docks["output"]
    # resizeDocks takes effect at the main window's next layout pass, after the first paint
    qtbot.waitUntil(lambda: output.width() >= 0.25 * window.width(), timeout=2_000)
    assert loss.height() >= 0.3 * window.height()
    assert output.height() == loss.height()
    assert output.width() >= 0.25 * window.width()
    window.close()


def test_a_layout_the_user_changed_is_kept_at_the_next_start(qtbot, tmp_path):
    window = open_window(qtbot, tmp_path)
    window.resizeDocks([window.docks["loss"]], [180], Qt.Vertical)
    qtbot.waitUntil(lambda: abs(window.docks["loss"].height() - 180) < 10)
    assert window.close()
    again = open_window(qtbot, tmp_path)
    assert abs(again.docks["loss"].height() - 180) < 10
    again.close()


def test_the_settings_headings_follow_a_runtime_theme_switch(qtbot, window):
    heading = next(label for label in panel(window).findChildren(QLabel) if label.text() == "Optimizer")

    def has_text_colour() -> bool:
        image = window.grab(QRect(heading.mapTo(window, QPoint(0, 0)), heading.size())).toImage()
        want = style.theme().text
        return any(
            max(abs(c.red() - want.red()), abs(c.green() - want.green()), abs(c.blue() - want.blue())) < 40
            for c in (image.pixelColor(x, y) for x in range(0, image.width(), 2) for y in range(image.height()))
        )

    for dark in (True, False):
        window.set_dark(dark)
        assert has_text_colour(), f"dark={dark}"


@pytest.mark.parametrize("start", ["first", "again"])
def test_no_stale_tab_bar_is_drawn_over_the_plots(qtbot, tmp_path, start):
    """Tab groups grown after a split left their first tab bar ("Output | Neurons") over the Loss view."""
    from PySide6.QtWidgets import QTabBar

    if start == "again":  # a second start restores the layout the first one saved
        first = open_window(qtbot, tmp_path)
        first.document.undo_stack.setClean()
        first.close()
    w = open_window(qtbot, tmp_path, PROJECTS / "xor.ncproj")
    groups = {frozenset(x.windowTitle() for x in [d, *w.tabifiedDockWidgets(d)]) for d in w.docks.values()}
    shown = [frozenset(bar.tabText(i) for i in range(bar.count()))
             for bar in w.findChildren(QTabBar, options=Qt.FindDirectChildrenOnly) if bar.isVisible()]
    assert shown and all(titles in groups for titles in shown)
    assert frozenset({"Output", "Neurons"}) not in shown


def test_while_a_run_trains_what_was_there_before_is_left_out_of_full_collections(qtbot, window):
    """A full garbage collection of the window's ~110,000 objects stalled it 80-200 ms once or twice a run."""
    import gc

    assert gc.get_freeze_count() == 0
    start_long_run(qtbot, window)
    assert gc.get_freeze_count() > 10_000
    click(qtbot, panel(window).train_button)  # pause
    wait_idle(qtbot, window)
    assert gc.get_freeze_count() == 0  # collected as usual again once the run ends
