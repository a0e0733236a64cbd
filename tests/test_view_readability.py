"""The live views read sensibly: numbers and a label on every axis without SI-prefix scaling, a colour bar
or legend wherever colour means something, and a fitted line for one input feature."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QImage, QPainter

from engine import PROJECTS

from tests.editor_helpers import open_window


@pytest.fixture
def window(qtbot, tmp_path, answers):
    w = open_window(qtbot, tmp_path)
    yield w
    w.training.session.shutdown()


def open_example(qtbot, window, name):
    window.open_example(PROJECTS / name)
    qtbot.waitUntil(lambda: window.training.session.trainer is not None, timeout=5_000)


def step_batches(qtbot, window, n):
    s = window.training.session
    for _ in range(n):
        window.training.panel.step_batch_button.click()
        qtbot.waitUntil(lambda: s.running is None, timeout=20_000)


def shown(qtbot, window, title):
    view = window.training.views[title]
    window.training.docks[title].raise_()
    view.dirty = True
    qtbot.waitUntil(lambda: view.isVisible() and not view.dirty, timeout=5_000)
    return view


def axis_texts(axis: pg.AxisItem) -> list[str]:
    """The tick labels the axis draws now."""
    image = QImage(10, 10, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in specs[2]] if specs else []


def drawn_axes(view):
    for plot in view.plots():
        if not plot.isVisible():
            continue
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            if axis.isVisible():
                yield plot, name, axis


@pytest.mark.parametrize("title", ["Loss", "Weights", "Activations", "Gradients", "Output"])
def test_after_three_step_batches_every_axis_has_numbers_a_label_and_no_si_prefix(qtbot, window, title):
    open_example(qtbot, window, "xor.ncproj")
    step_batches(qtbot, window, 3)
    view = shown(qtbot, window, title)
    checked = 0
    for plot, name, axis in drawn_axes(view):
        assert axis.autoSIPrefixScale == 1.0, (title, name, axis.labelString())
        assert "x0.0" not in axis.labelString() and "(x" not in axis.labelString()
        assert axis.labelText, (title, plot.titleLabel.text, name)
        texts = axis_texts(axis)
        assert texts, (title, plot.titleLabel.text, name)
        checked += 1
    assert checked >= 2


def test_the_gradient_axis_shows_a_decade_when_the_norms_span_less_than_one(qtbot, window):
    open_example(qtbot, window, "xor.ncproj")
    step_batches(qtbot, window, 3)
    view = shown(qtbot, window, "Gradients")
    texts = axis_texts(view.plot.getAxis("left"))
    assert texts and all(t.startswith("1") or t.startswith("0.") for t in texts)


def test_the_epoch_axis_after_three_batches_reads_in_epochs(qtbot, window):
    open_example(qtbot, window, "xor.ncproj")
    step_batches(qtbot, window, 3)
    view = shown(qtbot, window, "Gradients")
    values = [float(t) for t in axis_texts(view.plot.getAxis("bottom"))]
    assert values and max(values) < 1.0  # three of ten batches: a fraction of the first epoch, not "300"


def test_lesson_one_shows_the_fitted_line_without_a_validation_split(qtbot, window, caplog):
    open_example(qtbot, window, "01-one-weight.ncproj")
    assert window.document.project.training["validation_split"] == 0
    step_batches(qtbot, window, 3)
    output = shown(qtbot, window, "Output")
    assert output.mode == "curve"
    assert output.stack.currentWidget() is output.graphics
    x, y = output.curve.getData()
    assert x is not None and len(x) > 10 and np.isfinite(y).all()
    w = window.training.session.detail.parameters["w.weight"][0, 0]
    assert np.allclose(y, w * x, atol=1e-4)  # ŷ = w·x, the one weight, no bias
    assert len(output.train_points.getData()[0]) == 4
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def hue(name: str) -> float:
    from PySide6.QtGui import QColor
    return QColor(name).hslHueF()


def test_two_towers_get_two_hue_families_and_a_chain_distinct_hues():
    from editor.training import colors
    order = ["x", "a1", "a2", "a_loss", "b1", "b2", "b_loss"]
    sources = {"a1": ["x"], "a2": ["a1"], "a_loss": ["a2"], "b1": ["x"], "b2": ["b1"], "b_loss": ["b2"]}
    branch = colors.branches(order, sources)
    assert branch["a1"] == branch["a2"] == branch["a_loss"] != branch["b1"] == branch["b2"] == branch["x"] + 2
    chain = colors.branches(["x", "h", "o"], {"h": ["x"], "o": ["h"]})
    assert len(set(chain.values())) == 1
    merged = colors.branches(["x", "p", "q", "cat"], {"p": ["x"], "q": ["x"], "cat": ["p", "q"]})
    assert len({merged["p"], merged["q"], merged["cat"]}) == 3


def test_lesson_ten_sigmoid_and_relu_towers_have_different_hue_families(qtbot, window):
    open_example(qtbot, window, "10-vanishing-gradients.ncproj")
    step_batches(qtbot, window, 2)
    view = shown(qtbot, window, "Gradients")
    colour = {node: curve.opts["pen"].color().name() for node, curve in view.curves.items()}
    sig = [hue(c) for n, c in colour.items() if n.startswith("sig")]
    relu = [hue(c) for n, c in colour.items() if n.startswith("relu")]
    assert len(sig) == len(relu) == 7 and len(set(colour.values())) == 14

    def distance(a, b):
        d = abs(a - b) % 1.0
        return min(d, 1 - d)

    within = max(distance(a, b) for group in (sig, relu) for a in group for b in group)
    between = min(distance(a, b) for a in sig for b in relu)
    assert within <= 0.15 and between >= 0.3
