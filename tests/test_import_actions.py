"""File → Import Trained Parameters… through the real window (issue 12): an archive the exported
train.py writes comes back as one undo step and the views show it; a mismatch is refused in one line.
The file dialog is scripted (and the close prompt answered); the refusal's message box is the real one."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine import PROJECTS
from engine.export import Predictor, compile_project
from engine.export.torch_export import to_torch_state
from engine.project import load_project

from tests.editor_helpers import open_window

IRIS = PROJECTS / "07-iris.ncproj"


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, answers):  # answers: closing a modified project asks
    chosen = {"path": ""}
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(chosen["path"]), "")))
    w = open_window(qtbot, tmp_path, IRIS)
    qtbot.waitUntil(lambda: w.training.session.trainer is not None)
    w.chosen = chosen
    yield w
    w.training.session.shutdown()


def _archive(tmp_path, name="trained_parameters.npz", shift=0.25, **replace):
    """An archive as the exported train.py writes it (state_dict names, nn.Linear weights transposed)."""
    network = compile_project(load_project(IRIS), require_trained=False)
    state = {k: v + shift for k, v in to_torch_state(network).items()}
    state.update(replace)
    np.savez(tmp_path / name, **state)
    return tmp_path / name, state


def _choose_and_import(window, path) -> None:
    window.chosen["path"] = path
    window.importer.action.trigger()


def test_imported_parameters_are_one_undo_step_and_the_views_show_them(qtbot, window, tmp_path):
    session, document = window.training.session, window.document
    path, state = _archive(tmp_path)
    before = session.trainer.model.copy_parameters()
    steps = document.undo_stack.count()
    assert "Import Trained Parameters…" in [a.text().replace("&", "") for a in window.file_menu.actions()]

    _choose_and_import(window, path)
    assert window.importer.last_message == ""
    assert document.undo_stack.count() == steps + 1
    assert document.undo_stack.undoText() == "Import parameters from trained_parameters.npz"
    imported = session.trainer.model.copy_parameters()
    np.testing.assert_array_equal(imported["h.weight"], state["h.weight"].T.astype(np.float32))
    assert session.trained and document.modified

    panel = window.predict
    window.docks["predict"].show()
    window.docks["predict"].raise_()
    qtbot.waitUntil(lambda: panel.shown())
    panel.refresh()
    panel.use_sample(0)
    expected = Predictor(dataclasses.replace(document.project, parameters=imported)).outputs(panel.last_row[None])
    probabilities = np.array([float(v[0]) for k, v in panel.last_columns.items() if k.startswith("p_")])
    np.testing.assert_allclose(probabilities, expected[0], rtol=1e-5, atol=1e-6)

    document.undo()
    for name, array in session.trainer.model.copy_parameters().items():
        np.testing.assert_array_equal(array, before[name])
    document.redo()
    np.testing.assert_array_equal(session.trainer.model.parameters["h.weight"], imported["h.weight"])
    session.commit()
    np.testing.assert_array_equal(document.project.parameters["h.weight"], imported["h.weight"])  # what is saved


def test_an_archive_that_does_not_fit_is_refused_in_one_line_and_changes_nothing(qtbot, window, tmp_path):
    session, document = window.training.session, window.document
    path, _ = _archive(tmp_path, "other.npz", **{"h.weight": np.zeros((5, 4))})  # nn.Linear(4, 5): 5 units, not 8
    before = session.trainer.model.copy_parameters()
    steps = document.undo_stack.count()

    _choose_and_import(window, path)
    box = window.importer.message_box
    assert box is not None and box.isVisible() and box.icon() == QMessageBox.Warning
    needs = list(before["h.weight"].shape)
    assert box.text() == f"other.npz: h.weight has shape [4, 5] but the graph needs {needs}"  # W is (inputs, units)
    assert "\n" not in box.text() and window.importer.last_message == box.text()
    assert document.undo_stack.count() == steps
    for name, array in session.trainer.model.copy_parameters().items():
        np.testing.assert_array_equal(array, before[name])
    box.button(QMessageBox.Ok).click()
    qtbot.waitUntil(lambda: not box.isVisible())

    (tmp_path / "broken.npz").write_bytes(b"not an archive")
    _choose_and_import(window, tmp_path / "broken.npz")
    assert window.importer.message_box.text() == "broken.npz: not a parameters archive (.npz of arrays): ValueError"
    window.chosen["path"] = ""  # the dialog cancelled: nothing happens
    assert not window.importer.import_file() and document.undo_stack.count() == steps
