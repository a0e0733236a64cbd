"""The Predict dock on an MNIST-sized input through the real window (issue 12): 784 features get no
field each (building them stalled the GUI thread), but one line that takes a pasted row; the row is
picked, pasted or drawn, and the forward pass paints a bounded amount."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QRect
from PySide6.QtGui import QGuiApplication, QHelpEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit, QToolTip

from engine import PROJECTS

from editor.predict import FeatureField
from editor.predict import forward_view
from editor.predict.forward_view import SHOWN_VALUES

from tests.editor_helpers import open_window
from tests.test_draw_pad import _stroke

SIDE, ROWS = 28, 40


@pytest.fixture
def mnist(qtbot, tmp_path):
    """An image project like 14-digits-csv, its Input 1×28×28 over 40 rows of random 0–255 pixels."""
    rng = np.random.default_rng(3)
    header = ",".join([f"p{k}" for k in range(SIDE * SIDE)] + ["label"])
    lines = [",".join(map(str, row)) + f",{k % 10}" for k, row in enumerate(rng.integers(0, 256, (ROWS, SIDE * SIDE)))]
    (tmp_path / "m.csv").write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    project = json.loads((PROJECTS / "14-digits-csv.ncproj").read_text(encoding="utf-8"))
    project["graph"]["nodes"][0]["params"]["shape"] = [1, SIDE, SIDE]
    project["dataset"]["path"] = "m.csv"
    path = tmp_path / "m.ncproj"
    path.write_text(json.dumps(project), encoding="utf-8")
    window = open_window(qtbot, tmp_path)
    assert window.open_path(path)
    qtbot.waitUntil(lambda: window.document.dataset is not None, timeout=20_000)
    window.docks["predict"].show()
    window.docks["predict"].raise_()
    qtbot.waitUntil(lambda: window.predict.shown())
    window.predict.refresh()
    window.path = path
    yield window
    window.training.session.shutdown()



def _paste(edit, text):
    QGuiApplication.clipboard().setText(text)
    edit.setFocus()
    edit.selectAll()
    QTest.keySequence(edit, "Ctrl+V")


def test_a_784_feature_input_has_no_field_per_feature_but_one_line(mnist):
    panel = mnist.predict
    assert panel.predictor is not None and len(panel.feature_names) == 784
    assert panel.fields == [] and not panel.findChildren(FeatureField)
    assert len(panel.findChildren(QLineEdit)) <= 2  # the row's line, and the sample spin box's own
    assert panel.row_line.isVisible() and not panel.fields_scroll.isVisible()
    assert panel.row_line.summary.text() == "784 features — pick a sample, paste a row, or draw"
    assert panel.sample_image.isVisible()  # the row, as its picture
    np.testing.assert_array_equal(panel.last_row, panel.samples[0])  # held as an array: no text between


def test_a_pasted_row_of_784_values_predicts_and_one_of_10_is_refused_naming_the_count(mnist):
    panel = mnist.predict
    row = np.arange(784, dtype=np.float64) % 256
    _paste(panel.row_line.edit, ",".join(f"{v:g}" for v in row))
    assert not panel.message.isVisible(), panel.error
    np.testing.assert_array_equal(panel.last_row, row)
    assert panel.prediction.subline == "a pasted row"
    expected = panel.predictor.predict(row)
    assert str(panel.last_columns["class"][0]) == str(expected["class"][0])

    _paste(panel.row_line.edit, "1,2,3,4,5,6,7,8,9,10")
    assert panel.message.isVisible() and panel.row_line.invalid
    assert panel.error.startswith("The pasted row has 10 values; this network takes 784 (p0, p1, p2, …, p783)")
    assert not panel.results.isEnabled()
    np.testing.assert_array_equal(panel.last_row, row)  # the last good row stays

    _paste(panel.row_line.edit, ",".join(["1"] * 783 + ["x"]))
    assert panel.error == "p783: “x” is not a number"

    panel.use_sample(2)  # a sample replaces the pasted row and clears the line
    assert not panel.message.isVisible() and panel.row_line.edit.text() == ""
    np.testing.assert_array_equal(panel.last_row, panel.samples[2])


def test_drawing_still_predicts_a_784_feature_input(qtbot, mnist):
    panel = mnist.predict
    panel.drawing.toggle.click()
    assert panel.drawing.isVisible() and not panel.row_line.isVisible()
    _stroke(panel.drawing.pad, [(0.5, 0.12), (0.5, 0.88)])
    assert panel.last_row.shape == (784,) and 200.0 < panel.last_row.max() <= 255.0  # the data's 0–255
    np.testing.assert_array_equal(panel.last_row, panel.drawing.pad.features(0.0, 255.0))
    assert panel.prediction.subline == "a drawn digit"
    panel.drawing.toggle.click()
    assert panel.row_line.isVisible()


def test_the_forward_pass_of_784_values_paints_a_bounded_amount(mnist):
    panel = mnist.predict
    shown = {n["id"]: len(n["values"]) for n in panel.forward.nodes}
    assert shown["pixels"] == 784  # all the values are there (tooltips, tests), not all painted
    cells = [tip for _, _, _, tip in panel.forward.cells() if tip.startswith("pixels[")]
    assert len(cells) == SHOWN_VALUES
    assert panel.forward.height() < 60 * panel.forward.ROW * len(shown)


def test_the_forward_pass_paints_only_what_is_exposed_and_its_tooltips_follow(mnist, monkeypatch):
    """784 inputs stand some 2,000 pixels tall in the dock's scroll area: painting them all took 50-70 ms."""
    forward = mnist.predict.forward
    node, k, cell, tip = list(forward.cells())[-1]  # the output's last class, at the bottom
    point = cell.center().toPoint()
    forward.event(QHelpEvent(QEvent.ToolTip, point, forward.mapToGlobal(point)))
    assert QToolTip.text() == tip and tip.startswith(f"{node['id']}[")
    numbers = []
    monkeypatch.setattr(forward_view, "format_number", lambda v: numbers.append(v) or str(v))
    image = QImage(forward.size(), QImage.Format_ARGB32)
    forward.render(image, sourceRegion=QRect(0, 0, forward.width(), 60))
    first_rows = [c for _, _, c, _ in forward.cells() if c.top() < 60]
    assert 0 < len(numbers) <= len(first_rows) < len(list(forward.cells())) / 4
    numbers.clear()
    forward.render(image)
    assert len(numbers) == len(list(forward.cells()))
