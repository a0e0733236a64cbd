"""The Math view (issue 11) through the real main window: the worked example's numbers, Step as one
undoable edit, the gradient of a random network, the Predict dock's row, typed values, hover, themes."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine import PROJECTS
from engine.model import Model
from engine.project import Project, save_project
from engine.data_split import split_rows

from editor.math_view import DATASET, PREDICT, TYPED

from tests.editor_helpers import open_window
from tests.test_explain import network

WORKED = PROJECTS / "00-worked-example.ncproj"


@pytest.fixture
def window(qtbot, tmp_path, answers):
    w = open_window(qtbot, tmp_path)
    yield w
    w.training.session.shutdown()


def math_view(qtbot, w):
    w.docks["math"].raise_()
    view = w.math
    qtbot.waitUntil(lambda: view.explanation is not None and view.shown(), timeout=5_000)
    return view


def page_text(view) -> str:
    return view.browser.toPlainText().replace("\u2029", "\n")


def weight(w) -> float:
    return float(w.training.session.trainer.model.parameters["neuron.weight"][0, 0])


def tooltip_of(view, context: str, number: str) -> str:
    """What hovering over ``number`` inside ``context`` (its first occurrence on the page) shows."""
    browser = view.browser
    cursor = browser.document().find(context)
    assert not cursor.isNull(), context
    cursor.setPosition(cursor.selectionStart() + context.index(number) + 1)
    browser.setTextCursor(cursor)
    browser.ensureCursorVisible()
    return browser.tooltip_at(browser.cursorRect(cursor).center())


def open_copy(w, tmp_path, project) -> None:
    """Open a copy: a test never saves over a shipped lesson."""
    copy = tmp_path / project.name
    shutil.copy(project, copy)
    assert w.open_path(copy)


def test_the_worked_example_step_by_step_and_undo(qtbot, window, tmp_path):
    open_copy(window, tmp_path, WORKED)
    view = math_view(qtbot, window)
    e = view.explanation
    assert e.node == "neuron" and view.node.currentText() == "neuron"
    assert e.values["neuron"].tolist() == [10.0] and e.loss == 8.0
    assert e.line("dL/dw").value == 8.0 and e.new_values == {"neuron.weight[0, 0]": 4.2}
    text = page_text(view)
    for shown in ("= 2·5 = 10", "½·(ŷ − y)² = ½·(10 − 6)² = 8", "= x0·δ0 = 2·4 = 8", "= 5 − 0.1·8 = 4.2"):
        assert shown in text, text

    qtbot.mouseClick(view.step_button, Qt.LeftButton)
    assert weight(window) == 4.2  # float64: exactly 5 − 0.1·8
    e = view.explanation
    assert e.values["neuron"][0] == pytest.approx(8.4, abs=1e-14) and e.loss == pytest.approx(2.88, abs=1e-14)
    text = page_text(view)
    assert "The loss on this sample went from 8 to 2.88." in text
    before, after = text.index("BEFORE THE STEP"), text.index("FORWARD")
    assert "= 2·5 = 10" in text[before:after] and "= 2·4.2 = 8.4" in text[before:after]  # side by side
    assert "= 4.2 − 0.1·4.8 = 3.72" in text  # the next step, from 4.2
    assert tooltip_of(view, "(8.4 − 6)² = 2.88", "2.88") == repr(e.loss) != "2.88"  # hover: full precision
    assert tooltip_of(view, "(8.4 − 6)² = 2.88", "8.4 − ") == repr(float(e.values["neuron"][0]))
    assert window.undo_action.isEnabled() and window.document.modified

    qtbot.mouseClick(view.step_button, Qt.LeftButton)  # a second step, from 4.2
    assert weight(window) == pytest.approx(3.72, abs=1e-14)
    assert "went from 2.88 to 1.037" in page_text(view)

    window.undo_action.trigger()
    window.undo_action.trigger()
    assert weight(window) == 5.0 and not window.training.session.trainer.optimizer.state
    qtbot.waitUntil(lambda: "= 2·5 = 10" in page_text(view) and "BEFORE THE STEP" not in page_text(view), timeout=3_000)
    assert view.explanation.line("w_new").value == 4.2
    window.redo_action.trigger()
    assert weight(window) == 4.2
    assert window.document.project.parameters["neuron.weight"][0, 0] == 4.2  # what a save writes


def test_adams_shown_step_is_the_change_step_makes(qtbot, window, tmp_path):
    open_copy(window, tmp_path, PROJECTS / "xor.ncproj")
    view = math_view(qtbot, window)
    view.node.setCurrentText("h")
    view.unit.setValue(2)
    view.input.setValue(1)
    e = view.explanation
    assert (e.node, e.unit, e.source) == ("h", 2, 1) and "Adam" in e.optimizer
    shown = {k: v for k, v in e.new_values.items()}
    assert set(shown) == {"h.weight[1, 2]", "h.bias[2]"}
    assert view.step()
    params = window.training.session.trainer.model.parameters
    assert params["h.weight"][1, 2] == np.float32(shown["h.weight[1, 2]"])
    assert params["h.bias"][2] == np.float32(shown["h.bias[2]"])
    assert window.training.session.trainer.optimizer.state["h.weight"]["step"] == 1
    assert view.explanation.line("m_hat").note == "bias correction: step t = 2"


@pytest.mark.parametrize("kind", range(4))
def test_a_random_networks_gradient_in_the_view_is_the_engines(qtbot, window, tmp_path, kind):
    rng = np.random.default_rng(10 + kind)
    graph, data = network(kind, rng)
    spec = {"source": "inline", "x": data.x.tolist(), "feature_names": list(data.feature_names),
            "y": data.y.tolist() if data.task == "classification" else data.y.tolist(), "task": data.task}
    path = tmp_path / f"random{kind}.ncproj"
    save_project(Project(name="random", graph=graph, dataset=spec,
                         training={"seed": kind, "dtype": "float64", "validation_split": 0.0}), path)
    assert window.open_path(path)
    view = math_view(qtbot, window)
    session = window.training.session
    session.step_epoch()  # parameters that are the run's, not the seeded initial ones
    qtbot.waitUntil(lambda: session.running is None and session.epoch == 1, timeout=20_000)
    qtbot.waitUntil(lambda: not view.explanation.notes, timeout=3_000)
    linear = [n for n, layer, _ in view.explainer.model.plan if "weight" in layer.params]
    assert len(linear) >= 2
    dataset = view.explainer.dataset
    for node in linear:
        view.node.setCurrentText(node)
        view.row.setValue(int(rng.integers(dataset.n_samples)))
        view.unit.setValue(int(rng.integers(view.unit.maximum() + 1)))
        e = view.explanation
        assert e.node == node and e.kind == "linear"
        model = Model(graph, np.float64, kind, dataset)
        model.load_parameters(session.current_parameters())
        model.forward(np.asarray([e.sample.features]))
        model.loss(model.encode_targets(np.asarray(e.sample.target)[None, ...], dataset.task))
        model.backward()
        i, c = e.chain.index
        assert e.line("dL/dw").value == pytest.approx(model.gradients[f"{node}.weight"][i, c], rel=1e-9, abs=1e-12)
        assert e.chain.value == pytest.approx(e.line("dL/dw").value, rel=1e-9, abs=1e-12)


def test_the_predict_docks_row_and_typed_values(qtbot, window, tmp_path):
    open_copy(window, tmp_path, PROJECTS / "xor.ncproj")
    window.docks["predict"].raise_()
    predict = window.predict
    qtbot.waitUntil(lambda: predict.last_row is not None, timeout=5_000)
    predict.use_sample(3)
    view = math_view(qtbot, window)
    view.source.setCurrentIndex(PREDICT)
    settings = window.document.project.training
    _, val = split_rows(view.explainer.dataset.n_samples, settings["validation_split"], settings["seed"])
    assert view.explanation.sample.index == int(val[3])
    assert "the Predict dock's validation sample 4" in page_text(view)
    predict.use_sample(5)  # the view follows the dock's row
    qtbot.waitUntil(lambda: view.explanation.sample.index == int(val[5]), timeout=3_000)

    raw = view.explanation.sample.raw
    view.source.setCurrentIndex(TYPED)
    assert view.features.isVisible() and view.target_class.isVisible()
    typed = view.explanation.sample
    assert typed.index is None and typed.raw == pytest.approx(raw)  # starts from the sample shown
    view.features.setText("0.5, abc")
    view.features.editingFinished.emit()
    assert view.explanation is None and "feature 1: “abc” is not a number" in page_text(view)
    view.features.setText("0.5, -0.5")
    view.target_class.setCurrentIndex(1)
    view.features.editingFinished.emit()
    assert view.explanation.sample.raw == [0.5, -0.5] and view.explanation.sample.target == 1
    view.source.setCurrentIndex(DATASET)
    view.row.setValue(int(val[0]))
    assert "validation: training never sees it" in view.row_info.text()


def test_it_follows_the_canvas_selection_and_the_theme(qtbot, window, tmp_path):
    open_copy(window, tmp_path, PROJECTS / "xor.ncproj")
    view = math_view(qtbot, window)
    window.scene.select_nodes(["act"])
    assert view.explanation.node == "act" and view.explanation.kind == "activation"
    window.scene.select_nodes(["loss"])
    assert view.explanation.node == "loss" and "LOSS" in page_text(view)
    light = view.browser.toHtml()
    window.set_dark(True)
    qtbot.waitUntil(lambda: view.browser.toHtml() != light, timeout=3_000)
    assert "#e6e8ee" in view._markup  # the dark theme's text colour
    window.set_dark(False)


def test_step_waits_while_training_runs_and_the_update_is_left_out(qtbot, window, tmp_path):
    open_copy(window, tmp_path, PROJECTS / "08-digits.ncproj")
    view = math_view(qtbot, window)
    session = window.training.session
    session.train()
    qtbot.waitUntil(lambda: session.running and session.detail_version > 2, timeout=20_000)
    qtbot.waitUntil(lambda: "shown when training pauses" in page_text(view), timeout=3_000)
    assert not view.step_button.isEnabled() and not view.step()
    session.pause()
    qtbot.waitUntil(lambda: session.running is None, timeout=20_000)
    qtbot.waitUntil(lambda: view.step_button.isEnabled() and "UPDATE" in page_text(view), timeout=3_000)
    assert f"step {session.trainer.optimizer.state['h.weight']['step'] + 1} of the run" in view.explanation.optimizer


def test_an_unfinished_graph_says_why(qtbot, window):
    view = math_view_or_message(qtbot, window)
    assert view.explanation is None and page_text(view).strip()


def math_view_or_message(qtbot, w):
    w.docks["math"].raise_()
    qtbot.waitUntil(lambda: bool(w.math.browser.toPlainText().strip()), timeout=5_000)
    return w.math


def test_headings_with_math_keep_their_letters(qtbot, window, tmp_path):
    """Regression: the Update heading was upper-cased whole, and η became H."""
    open_copy(window, tmp_path, WORKED)
    view = math_view(qtbot, window)
    assert "SGD, η = 0.1" in page_text(view) and "H = 0.1" not in page_text(view)


def test_the_view_menu_brings_each_dock_to_the_front(qtbot, window):
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    entries = {a.text(): a for a in view_menu.actions()}
    for text, dock, shortcut in (("Show the &Math", "math", "Ctrl+Shift+M"), ("Loss &Landscape", "landscape", "Ctrl+Shift+L")):
        action = entries[text]
        assert action.shortcut().toString() == shortcut
        window.docks["output"].raise_()
        action.trigger()
        qtbot.waitUntil(lambda: not window.docks[dock].widget().visibleRegion().isEmpty(), timeout=3_000)
    assert window.landscape.method.hasFocus() or window.landscape.isAncestorOf(window.focusWidget())


def test_the_timelines_epoch_is_explained_and_step_waits_for_the_present(qtbot, window, tmp_path):
    open_copy(window, tmp_path, PROJECTS / "04-momentum.ncproj")
    view = math_view(qtbot, window)
    session = window.training.session
    for _ in range(6):
        session.step_epoch()
        qtbot.waitUntil(lambda: session.running is None, timeout=20_000)
    frame = next(f for f in session.run.timeline.frames if f.position == 3)
    session.show_position(3)
    qtbot.waitUntil(lambda: "the run at epoch 3" in page_text(view), timeout=3_000)
    e = view.explanation
    w, b = frame.parameters["line.weight"][0, 0], frame.parameters["line.bias"][0]
    x = e.sample.features[0]
    assert e.values["line"][0] == pytest.approx(w * x + b, rel=1e-12)  # the frame's parameters
    assert "step 4 of the run" in e.optimizer  # and its optimizer's state: three steps taken by then
    assert not view.step_button.isEnabled() and not view.step()
    session.show_position(None)
    qtbot.waitUntil(lambda: view.step_button.isEnabled() and "the run at epoch" not in page_text(view), timeout=3_000)
    assert "step 7 of the run" in view.explanation.optimizer
