"""The editor meets files and numbers it cannot use: a message, never an exception in the event loop."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage, QPainter

from editor.canvas.view import MIN_SCALE
from engine import PROJECTS
from tests.editor_helpers import open_window

XOR = PROJECTS / "xor.ncproj"


@pytest.fixture
def window(qtbot, tmp_path, answers):
    return open_window(qtbot, tmp_path, XOR)


def test_save_shows_why_it_failed_and_writes_nothing(window, answers):
    path = window.document.path
    before = path.read_bytes()
    window.document.set_param("h", "units", 9)
    window.document.project.name = "XOR \udfff"  # what no project file can hold (UnicodeEncodeError, unseen)
    assert not window.save()
    assert "name: holds a lone surrogate (U+DFFF)" in answers["critical"][-1]
    assert path.read_bytes() == before and window.isWindowModified()
    assert not window.recovery.autosave()  # the minute's autosave fails quietly, never in the event loop


@pytest.mark.parametrize("text,fragment", [
    ('{"format": "neurocanvas-project", "version": 1, "graph": ' + "[" * 1000 + "]" * 1000 + "}", "nested too deeply"),
    (None, "graph.nodes[0].position[0]: Infinity is not a finite number"),
])
def test_a_file_that_once_raised_opens_to_a_message(window, tmp_path, answers, text, fragment):
    path = tmp_path / "odd.ncproj"
    if text is None:
        data = json.loads(XOR.read_text(encoding="utf-8"))
        data["graph"]["nodes"][0]["position"] = [float("inf"), 0]
        text = json.dumps(data)
    path.write_text(text, encoding="utf-8")
    assert not window.open_path(path)
    assert fragment in answers["critical"][-1]


@pytest.mark.parametrize("position", [(float("inf"), 0.0), (float("nan"), 0.0), (1e300, 0.0)])
def test_a_node_out_of_reach_neither_zooms_the_canvas_to_nothing_nor_breaks_the_grid(window, position):
    window.document.graph.move("h", position)
    window.view.fit_to_window()  # Qt crashed (scale 0) or the grid raised on every repaint
    assert window.view.transform().m11() >= MIN_SCALE * 0.999
    assert not window.view.grab().isNull()


def test_the_grid_is_skipped_under_a_transform_no_view_of_ours_makes(window):
    window.view.resetTransform()
    window.view.scale(1e-310, 1e-310)  # what fitting a node at 1e300 gave
    image = QImage(64, 64, QImage.Format_ARGB32)
    painter = QPainter(image)
    window.view.drawBackground(painter, QRectF(-1e6, -1e6, 2e6, 2e6))  # raised ValueError
    painter.end()


def test_the_predict_dock_explains_a_one_class_dataset(qtbot, tmp_path, answers):
    (tmp_path / "one.csv").write_text("a,b,target\n1,2,x\n3,4,x\n5,6,x\n", encoding="utf-8")
    data = json.loads(XOR.read_text(encoding="utf-8"))
    data["dataset"] = {"source": "csv", "path": "one.csv", "target": "target"}
    data["training"].update(validation_split=0)
    from engine.project import project_from_dict, save_project

    project = project_from_dict(data)
    project.path = tmp_path / "one.ncproj"
    trainer = project.trainer()
    trainer.run(3)
    project.absorb(trainer)
    save_project(project, project.path)
    window = open_window(qtbot, tmp_path)
    assert window.open_path(project.path)
    window.docks["predict"].show()
    window.docks["predict"].raise_()
    qtbot.waitUntil(lambda: window.predict.shown())
    window.predict.refresh()  # raised IndexError
    assert "only one class (x)" in window.predict.error
    window.training.session.shutdown()
    assert np.isfinite(project.parameters["h.weight"]).all()


@pytest.mark.parametrize("text", ["[" * 1000 + "]" * 1000, '{"nodes": [{"id": "a", "type": "Input", "position": [' + "9" * 5000 + ", 0]}]}",
                                  '{"nodes": [{"id": "a", "type": "Input", "position": [Infinity, 0]}]}'])
def test_pasting_what_once_raised_is_refused(window, text):
    before = list(window.document.graph.nodes)
    assert window.document.paste(text, (0, 0)) == []
    assert window.document.last_refusal.startswith("Nothing to paste")
    assert list(window.document.graph.nodes) == before
