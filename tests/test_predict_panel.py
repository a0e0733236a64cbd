"""The editor's side of issue 6 through the real main window: File → Export Model (ONNX, PyTorch)
and the Predict dock (typed, pasted and picked rows; the prediction and every node's values)."""
from __future__ import annotations

import re
import shutil
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from engine import PROJECTS
from engine.export import Predictor, compile_project, not_trained_message
from engine.export.torch_export import to_torch_state
from engine.project import load_project, save_project
from engine.trainer import Trainer

from editor import style
from editor.predict import ForwardView, field_text, percent

from tests.editor_helpers import open_window

IRIS = PROJECTS / "07-iris.ncproj"
EPOCHS = 8


@pytest.fixture
def dialogs(monkeypatch):
    """Message boxes answer at once and are recorded; file dialogs return ``record['path']``."""
    record = {"warning": [], "question": [], "path": ""}

    def warning(parent, title, text, *args, **kwargs):
        record["warning"].append((title, text))
        return QMessageBox.Ok

    def question(parent, title, text, *args, **kwargs):
        record["question"].append(text)
        return QMessageBox.Discard if "Unsaved" in title else QMessageBox.Yes

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda *a, **k: QMessageBox.Ok))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(record["path"]), "")))
    return record


def _trained_copy(tmp_path):
    project = load_project(IRIS)
    trainer = project.trainer()
    trainer.run(epochs=EPOCHS)
    project.absorb(trainer)
    path = tmp_path / "iris-trained.ncproj"
    save_project(project, path)
    return path


def _window(qtbot, tmp_path, path):
    w = open_window(qtbot, tmp_path)
    assert w.open_path(path)
    w.docks["predict"].show()
    w.docks["predict"].raise_()
    qtbot.waitUntil(lambda: w.predict.shown())
    w.predict.refresh()
    return w


@pytest.fixture
def window(qtbot, tmp_path, dialogs):
    w = _window(qtbot, tmp_path, _trained_copy(tmp_path))
    yield w
    w.training.session.shutdown()


@pytest.fixture
def untrained(qtbot, tmp_path, dialogs):
    path = tmp_path / "iris.ncproj"
    shutil.copy(IRIS, path)
    w = _window(qtbot, tmp_path, path)
    yield w
    w.training.session.shutdown()


def project_of(w):
    """The window's project as a file would hold it (what the engine's Predictor is given)."""
    w.training.session.commit()
    return w.document.project


def validation_rows(project):
    """The held-out rows as raw features, split as the engine splits them (float64)."""
    dataset = project.load_data()
    split = Trainer(project.graph, dataset, {**project.training, "dtype": "float64"})
    return split.x_val * dataset.std + dataset.mean, split.y_val


def type_into(qtbot, field, text):
    field.setFocus()
    field.selectAll()
    QTest.keyClick(field, Qt.Key_Backspace)
    qtbot.keyClicks(field, text)


def assert_columns_equal(shown, expected):
    assert list(shown) == list(expected)
    for name, values in expected.items():
        if values.dtype == object:
            assert list(shown[name]) == list(values)
        else:
            np.testing.assert_allclose(shown[name], values, rtol=1e-6, atol=1e-7)


# ---- File → Export Model -----------------------------------------------------------------------------------
def test_the_export_menu_holds_onnx_and_pytorch_next_to_export_diagram(window):
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    texts = [a.text() for a in file_menu.actions()]
    at = texts.index("&Export Diagram…")
    assert texts[at + 1] == "Export &Model"
    assert [a.text() for a in window.export_menu.actions()] == ["&ONNX Model…", "&PyTorch Folder…"]


def test_export_onnx_from_the_menu_writes_a_model_that_onnxruntime_runs_as_the_engine_predicts(window, dialogs, tmp_path):
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    dialogs["path"] = tmp_path / "iris"  # the suffix is added
    window.export.onnx_action.trigger()
    path = tmp_path / "iris.onnx"
    assert path.is_file(), dialogs["warning"]
    onnx.checker.check_model(onnx.load(str(path)))
    assert "Exported the ONNX model" in window.statusBar().currentMessage()

    project = project_of(window)
    x, _ = validation_rows(project)
    runtime = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = runtime.run(["output"], {"input": x.astype(np.float32)})
    np.testing.assert_allclose(got, Predictor(project).outputs(x), atol=1e-5)


def test_export_pytorch_folder_from_the_menu_writes_its_files(window, dialogs, tmp_path):
    dialogs["path"] = tmp_path / "iris-pytorch"
    window.export.torch_action.trigger()
    for name in ("model.py", "train.py", "parameters.npz", "data.npz", "README.md"):
        assert (tmp_path / "iris-pytorch" / name).is_file(), name
    assert f"epoch {EPOCHS}" in window.statusBar().currentMessage()

    dialogs["question"].clear()  # again into the same folder: asks before overwriting
    window.export.torch_action.trigger()
    assert dialogs["question"] and "not empty" in dialogs["question"][0]


def test_an_untrained_project_is_refused_for_onnx_with_the_engines_message(untrained, dialogs, tmp_path):
    pytest.importorskip("onnx")
    dialogs["path"] = tmp_path / "untrained.onnx"
    untrained.export.onnx_action.trigger()
    assert not (tmp_path / "untrained.onnx").exists()
    (title, text), = dialogs["warning"]
    assert text.startswith(not_trained_message(untrained.document.project))
    assert "is not trained yet" in untrained.statusBar().currentMessage()


def test_an_untrained_project_goes_to_pytorch_with_its_seeded_initial_parameters(untrained, dialogs, tmp_path):
    dialogs["path"] = tmp_path / "untrained-pytorch"
    untrained.export.torch_action.trigger()
    saved = np.load(tmp_path / "untrained-pytorch" / "parameters.npz")
    seeded = compile_project(load_project(IRIS), require_trained=False).model.parameters
    np.testing.assert_array_equal(saved["h.weight"].T, seeded["h.weight"])  # torch stores (out, in)
    assert "untrained" in untrained.statusBar().currentMessage()


# ---- the Predict dock ----------------------------------------------------------------------------------------
def test_the_fields_are_named_by_the_features_and_start_on_the_first_validation_sample(window):
    panel = window.predict
    project = project_of(window)
    assert [f.name for f in panel.fields] == Predictor(project).feature_names
    x, _ = validation_rows(project)
    shown = [float(f.text()) for f in panel.fields]
    np.testing.assert_allclose(shown, x[0], rtol=1e-7)  # the float32 data's precision (no float noise shown)
    assert "Trained" in panel.status.text()


def test_a_typed_row_shows_the_engines_prediction(qtbot, window):
    panel = window.predict
    row = ["6.3", "2.5", "4.9", "1.5"]
    for field, text in zip(panel.fields, row):
        type_into(qtbot, field, text)
    expected = Predictor(project_of(window)).predict(np.array([[float(t) for t in row]]))
    assert_columns_equal(panel.last_columns, expected)
    assert panel.prediction.headline.startswith(str(expected["class"][0]))
    assert panel.prediction.subline == "a typed row"


def test_a_picked_validation_sample_shows_the_engines_prediction_and_its_true_class(qtbot, window):
    panel = window.predict
    project = project_of(window)
    x, y = validation_rows(project)
    panel.sample_spin.setValue(7)
    np.testing.assert_allclose(panel.last_row, x[6], rtol=1e-7)
    expected = Predictor(project).predict(x[6:7])
    assert_columns_equal(panel.last_columns, expected)
    true_class = project.load_data().class_names[int(y[6])]
    assert f"true class: {true_class}" in panel.prediction.subline
    assert panel.sample_spin.maximum() == len(x)


def test_node_values_match_the_engines_forward_pass(window):
    panel = window.predict
    panel.use_sample(3)
    expected = Predictor(project_of(window)).node_values(panel.last_row.reshape(1, -1))
    assert set(panel.last_values) == set(expected)
    for node_id, values in expected.items():
        np.testing.assert_allclose(panel.last_values[node_id], values, rtol=1e-6, atol=1e-7)
    shown = {n["id"]: n for n in panel.forward.nodes}
    assert list(shown) == ["x", "h", "act", "out", "probs"]  # in order, the loss left out
    assert len(shown["h"]["values"]) == 8 and shown["probs"]["labels"] == ["setosa", "versicolor", "virginica"]
    np.testing.assert_allclose(shown["act"]["values"], expected["act"][0], rtol=1e-6)


@pytest.mark.parametrize("text", ["5.9,3.0,5.1,1.8", "5.9\t3.0\t5.1\t1.8", " 5.9, 3.0, 5.1, 1.8 "])
def test_pasting_a_row_into_any_field_fills_them_all(qtbot, window, text):
    panel = window.predict
    QGuiApplication.clipboard().setText(text)
    field = panel.fields[2]
    field.setFocus()
    field.selectAll()
    QTest.keySequence(field, "Ctrl+V")
    assert [f.text() for f in panel.fields] == ["5.9", "3.0", "5.1", "1.8"]
    expected = Predictor(project_of(window)).predict(np.array([[5.9, 3.0, 5.1, 1.8]]))
    assert_columns_equal(panel.last_columns, expected)
    assert not panel.message.isVisible()


def test_a_pasted_row_of_the_wrong_length_is_refused_inline(window):
    panel = window.predict
    before = [f.text() for f in panel.fields]
    QGuiApplication.clipboard().setText("1,2,3")
    panel.fields[0].setFocus()
    panel.fields[0].selectAll()
    QTest.keySequence(panel.fields[0], "Ctrl+V")
    assert [f.text() for f in panel.fields] == before
    assert panel.message.isVisible()
    assert "3 values" in panel.error and "takes 4" in panel.error


def test_a_cell_that_is_not_a_number_is_refused_with_a_clear_inline_message(qtbot, window):
    panel = window.predict
    good = dict(panel.last_columns)
    type_into(qtbot, panel.fields[1], "abc")
    assert panel.message.isVisible()
    assert panel.error == "sepal_width: “abc” is not a number"
    assert panel.fields[1].styleSheet()  # marked
    assert not panel.results.isEnabled()  # the last prediction stays, dimmed
    assert_columns_equal(panel.last_columns, good)
    type_into(qtbot, panel.fields[1], "3.1")
    assert not panel.message.isVisible() and panel.results.isEnabled()
    assert not panel.fields[1].styleSheet()


def test_an_untrained_project_predicts_with_its_seeded_parameters_and_says_so(untrained):
    panel = untrained.predict
    assert "Untrained" in panel.status.text()
    network = compile_project(load_project(IRIS), require_trained=False)
    x = panel.last_row.reshape(1, -1)
    expected = network.model.predict((x - network.dataset.mean) / network.dataset.std)
    np.testing.assert_allclose(panel.last_values["probs"], expected, rtol=1e-6)


def test_the_panel_follows_a_graph_change(qtbot, window):
    panel = window.predict
    assert window.document.set_param("h", "units", 5)
    qtbot.waitUntil(lambda: len(panel.last_values.get("h", [[]])[0]) == 5, timeout=15_000)  # loose: a loaded machine
    assert [n["id"] for n in panel.forward.nodes] == ["x", "h", "act", "out", "probs"]


def test_training_updates_the_visible_panel_a_few_times_a_second_and_not_when_hidden(qtbot, window):
    panel, session = window.predict, window.training.session
    training = window.training.panel
    training.fields["epochs"].widget.setValue(100_000)
    start_epoch = session.epoch
    before = panel.refresh_count
    t0 = time.perf_counter()
    session.train()
    qtbot.waitUntil(lambda: panel.refresh_count >= before + 3, timeout=20_000)
    qtbot.wait(1000)
    elapsed = time.perf_counter() - t0
    assert panel.refresh_count - before <= elapsed * 4 + 3  # throttled: about REFRESH_HZ at most
    assert "Training" in panel.status.text()

    window.docks["training"].raise_()  # the Predict tab goes behind: no more forward passes
    qtbot.waitUntil(lambda: not panel.shown())
    hidden = panel.refresh_count
    qtbot.wait(800)
    assert panel.refresh_count == hidden
    session.pause()
    qtbot.waitUntil(lambda: session.running is None, timeout=20_000)
    assert session.epoch > start_epoch

    window.docks["predict"].raise_()  # shown again: catches up with the latest parameters
    qtbot.waitUntil(lambda: panel.refresh_count > hidden, timeout=5000)
    project = project_of(window)
    expected = Predictor(project).predict(panel.last_row.reshape(1, -1))
    assert_columns_equal(panel.last_columns, expected)


def style_sheet_colours(panel) -> set[str]:
    """Every colour named in the style sheets of the panel's labels and fields."""
    return {c for w in panel.findChildren(QWidget) for c in re.findall(r"#[0-9a-f]{6}", w.styleSheet())}


def first_node_dot_colour(panel) -> str:
    """The colour painted at the centre of the forward pass's first node dot (its category colour)."""
    image = panel.forward.grab().toImage()
    scale = image.devicePixelRatio()
    return image.pixelColor(int(12 * scale), int((4 + ForwardView.HEADER / 2) * scale)).name()


def test_the_panel_follows_a_runtime_theme_switch(qtbot, untrained):
    panel = untrained.predict
    type_into(qtbot, panel.fields[1], "abc")  # a field marked and the inline message shown, in the light theme
    assert style_sheet_colours(panel) == {style.LIGHT.muted_text.name(), style.LIGHT.error.name()}
    assert first_node_dot_colour(panel) == style.LIGHT.categories["data"].name()
    for theme in (style.DARK, style.LIGHT):
        untrained.set_dark(theme.dark)
        assert style_sheet_colours(panel) == {theme.muted_text.name(), theme.error.name()}
        assert panel.fields[1].styleSheet() and theme.error.name() in panel.message.styleSheet()
        assert first_node_dot_colour(panel) == theme.categories["data"].name()


@pytest.mark.parametrize("p, shown", [
    (0.99996, "> 99.9 %"), (1.0, "100.0 %"), (0.9994, "99.9 %"), (0.00004, "< 0.1 %"), (0.0, "0.0 %"), (0.376, "37.6 %"),
])
def test_a_probability_is_never_rounded_to_certainty(p, shown):
    assert percent(p) == shown


def test_the_fields_show_the_datas_values_without_float_noise(window):
    """Iris is float32 data: its 5.4 came back through float64 as 5.400000097, which the fields showed."""
    assert [f.text() for f in window.predict.fields] == ["5.4", "3.9", "1.7", "0.4"]


@pytest.mark.parametrize("value, dtype, shown", [
    (float(np.float32(130.0)) - 2e-7, np.float32, "130"), (float(np.float32(0.1)), np.float32, "0.1"),
    (0.1, np.float64, "0.1"), (1e-7, np.float32, "1e-07"), (-0.0, np.float32, "0"), (255.0, np.float64, "255"),
])
def test_a_field_shows_the_shortest_text_that_reads_back_at_the_datas_precision(value, dtype, shown):
    assert field_text(value, dtype) == shown


def test_imported_parameters_are_said_to_be_imported_not_trained_to_epoch_0(qtbot, untrained, tmp_path):
    panel, session = untrained.predict, untrained.training.session
    qtbot.waitUntil(lambda: session.trainer is not None)
    network = compile_project(load_project(IRIS), require_trained=False)
    np.savez(tmp_path / "trained_parameters.npz", **{k: v + 0.25 for k, v in to_torch_state(network).items()})
    assert untrained.importer.import_file(tmp_path / "trained_parameters.npz")
    panel.refresh()
    assert panel.status.text() == "Trained elsewhere — the parameters imported from trained_parameters.npz."
    untrained.document.undo()
    panel.refresh()
    assert panel.status.text().startswith("Untrained")
    untrained.document.redo()
    panel.refresh()
    assert "imported from trained_parameters.npz" in panel.status.text()
    session.step_epoch()  # trained on here: the status follows the training again
    qtbot.waitUntil(lambda: session.running is None and session.epoch == 1, timeout=20_000)
    panel.refresh()
    assert panel.status.text() == "Trained — the parameters at epoch 1."
