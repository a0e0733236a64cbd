"""Activation curves: the engine's ``curve`` is the function training applies, and the editor draws it."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from editor.glyphs import swatch
from engine import PROJECTS
from engine.nodes import activations
from engine.nodes.activations import curve
from tests.editor_helpers import open_window

Z = np.linspace(-3, 3, 61)


@pytest.mark.parametrize("function", list(activations.FUNCTIONS))
def test_the_curve_is_the_layer_applied_to_each_z(function):
    a = curve({"function": function}, Z)
    assert a.shape == Z.shape and np.isfinite(a).all()
    if function == "softmax":  # the two-class case: first of softmax(z, 0) is σ(z)
        expected = 1 / (1 + np.exp(-Z))
    elif function == "prelu":  # its starting slope
        expected = np.where(Z > 0, Z, 0.25 * Z)
    else:
        expected = activations.FUNCTIONS[function].forward(Z[:, None], 0.01 if function == "leaky_relu" else 1.0)[:, 0]
    np.testing.assert_allclose(a, expected, rtol=1e-12, atol=1e-12)


def test_the_curve_follows_the_function_setting():
    assert curve({"function": "leaky_relu", "negative_slope": 0.5}, np.array([-2.0]))[0] == -1.0
    assert curve({"function": "elu", "alpha": 2.0}, np.array([-50.0]))[0] == pytest.approx(-2.0)


def image_of(paint, size=(64, 64)) -> QImage:
    image = QImage(*size, QImage.Format_ARGB32)
    image.fill(0)
    painter = QPainter(image)
    paint(painter)
    painter.end()
    return image


def _pixels(image: QImage) -> bytes:
    """The image's pixels, copied while the image is alive (constBits() of a temporary dangles)."""
    return bytes(image.constBits()[: image.sizeInBytes()])


def test_every_activation_has_its_own_palette_icon(qtbot):
    icons = {f: swatch(QColor("#e08a2e"), 16, {"function": f}).pixmap(32, 32).toImage()
             for f in ("identity", "step", "sigmoid", "tanh", "relu", "elu")}
    distinct = {_pixels(image) for image in icons.values()}
    assert len(distinct) == len(icons)


def test_an_activation_node_draws_its_curve_and_follows_its_setting(qtbot, tmp_path, answers):
    window = open_window(qtbot, tmp_path)
    window.open_example(PROJECTS / "xor.ncproj")  # 'act' is a tanh
    item = window.scene.node_items["act"]

    def drawing() -> bytes:
        rect = item.boundingRect()
        return _pixels(image_of(lambda p: (p.translate(-rect.topLeft()), item.paint(p, QStyleOptionGraphicsItem(), None)),
                                (int(rect.width()) + 1, int(rect.height()) + 1)))

    window.document.set_param("act", "function", "leaky_relu")
    gentle = drawing()
    window.document.set_param("act", "negative_slope", 0.5)  # same title: only the curve can differ
    steep = drawing()
    window.document.undo_stack.undo()
    assert steep != gentle and drawing() == gentle
    window.close()
