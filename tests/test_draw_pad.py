"""The Predict dock's drawing pad through the real window (issue 12): a digit drawn with the mouse
becomes a row in the data's range, and the prediction follows it (throttled while drawing)."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from engine import PROJECTS
from engine.project import load_project, save_project

from editor.draw_pad import stamp

from tests.editor_helpers import open_window

DIGITS_CSV = PROJECTS / "14-digits-csv.ncproj"


def test_the_brush_inks_along_its_stroke_softly_and_the_eraser_takes_it_back():
    ink = np.zeros((40, 40), dtype=np.float32)
    stamp(ink, (5.0, 20.0), (35.0, 20.0), radius=4.0)
    assert ink[20, 5:35].min() == 1.0  # the stroke's core
    assert 0.0 < ink[16, 20] < 1.0 and ink[17, 20] == 1.0  # its soft edge, its core
    assert ink[10].max() == 0.0 and ink[20, 0] == 0.0  # nothing beyond the radius
    stamp(ink, (20.0, 0.0), (20.0, 40.0), radius=4.0, erase=True)
    assert ink[20, 20] == 0.0 and ink[20, 10] == 1.0


def _open(qtbot, tmp_path, project_path, trained: bool):
    project = load_project(project_path)
    if trained:
        trainer = project.trainer()
        trainer.run(project.goal["epochs"])
        project.absorb(trainer)
    if project.dataset["source"] == "csv":
        shutil.copy(project_path.parent / project.dataset["path"], tmp_path / project.dataset["path"])
    path = tmp_path / project_path.name
    save_project(project, path)
    window = open_window(qtbot, tmp_path)
    assert window.open_path(path)
    qtbot.waitUntil(lambda: window.document.dataset is not None)
    window.docks["predict"].show()
    window.docks["predict"].raise_()
    qtbot.waitUntil(lambda: window.predict.shown())
    window.predict.refresh()
    return window


def _stroke(pad, points, button=Qt.LeftButton, steps: int = 10) -> int:
    """Drag through ``points`` (fractions of the pad's side); returns the number of mouse moves."""
    side = pad.width()
    at = [QPoint(int(x * side), int(y * side)) for x, y in points]
    QTest.mousePress(pad, button, Qt.NoModifier, at[0])
    moves = 0
    for a, b in zip(at, at[1:]):
        for t in range(1, steps + 1):
            QTest.mouseMove(pad, a + (b - a) * (t / steps))
            moves += 1
    QTest.mouseRelease(pad, button, Qt.NoModifier, at[-1])
    return moves


@pytest.fixture
def digits(qtbot, tmp_path):
    window = _open(qtbot, tmp_path, DIGITS_CSV, trained=True)
    yield window
    window.training.session.shutdown()


def test_drawing_a_digit_predicts_it_live_from_a_row_in_the_datas_range(qtbot, digits):
    panel = digits.predict
    drawing = panel.drawing
    assert drawing.toggle.isVisible() and not drawing.isVisible()
    drawing.toggle.click()
    assert drawing.isVisible() and not panel.fields_scroll.isVisible()
    assert np.array_equal(panel.last_row, np.zeros(64)), "a blank pad is a row of no ink"
    blank = {k: float(v[0]) for k, v in panel.last_columns.items() if k.startswith("p_")}

    before = panel.refresh_count
    moves = _stroke(drawing.pad, [(0.5, 0.12), (0.5, 0.88)])  # a one: a bar down the middle
    assert panel.refresh_count - before < moves / 4, "the prediction follows at a throttle, not every move"
    pixels = panel.last_row.reshape(8, 8)
    assert pixels.min() == 0.0 and 12.0 < pixels.max() <= 16.0  # the data's 0–16, as the digits count ink
    assert pixels[1:7, 3:5].min() > 4.0 and pixels[:, [0, 7]].max() == 0.0  # ink down the middle only
    np.testing.assert_allclose(panel.last_row, drawing.pad.features(0.0, 16.0), rtol=1e-9)  # through the fields
    drawn = {k: float(v[0]) for k, v in panel.last_columns.items() if k.startswith("p_")}
    assert drawn != blank and str(panel.last_columns["class"][0]) == "1"
    assert panel.prediction.subline == "a drawn digit"
    assert drawing.verdict.text().split("\n") == panel.prediction.headline.split("  ·  ")  # beside the pad

    _stroke(drawing.pad, [(0.5, 0.05), (0.5, 0.95)], button=Qt.RightButton)  # right-drag erases it
    assert panel.last_row.max() < 1.0

    drawing.clear_button.click()
    assert np.array_equal(panel.last_row, np.zeros(64))
    drawing.toggle.click()
    assert not drawing.isVisible() and panel.fields_scroll.isVisible()


def test_drawing_in_a_short_dock_scrolls_instead_of_squeezing_the_plots_below(qtbot, digits):
    """The pad (or the fields) stood at full height above the results' scroll: raising Predict and
    drawing squeezed the bottom docks' plots to a strip (the confusion matrix 140 px tall)."""
    output = digits.docks["output"]
    before = output.height()
    digits.predict.drawing.toggle.click()
    qtbot.wait(50)
    assert digits.docks["predict"].minimumSizeHint().height() < 200
    assert output.height() >= before - 2
    assert digits.predict.drawing.pad.isVisible()


def test_a_standardized_image_project_draws_in_the_raw_range_and_a_vector_one_offers_no_pad(qtbot, tmp_path):
    window = _open(qtbot, tmp_path, PROJECTS / "12-digits-cnn.ncproj", trained=False)
    panel = window.predict
    assert window.document.dataset.mean is not None  # standardized: the panel takes raw rows
    panel.drawing.toggle.click()
    _stroke(panel.drawing.pad, [(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8), (0.2, 0.2)])
    assert panel.last_row.min() == 0.0 and 12.0 < panel.last_row.max() <= 16.0
    window.open_example(PROJECTS / "07-iris.ncproj")
    qtbot.waitUntil(lambda: window.document.dataset is not None)
    panel.refresh()
    assert not panel.drawing.toggle.isVisible() and not panel.drawing.isVisible()
    assert panel.fields_scroll.isVisible()
    window.training.session.shutdown()
