"""The Predict dock's drawing pad: draw a digit with the mouse and watch the network's prediction follow.

The pad keeps ink from 0 to 1 on a canvas finer than the input (about 112 pixels a side), white on
black as MNIST draws its digits, with a soft round brush; the right button or Shift erases. While a
stroke goes on, the drawing is handed on at most every ``EMIT_MS`` (and once more when it ends):
``engine.images.ink_to_features`` area-averages it to the Input's height × width and maps the ink
into the data's own range (0–16 for the bundled digits, 0–255 for MNIST), and the panel predicts
that row like any other.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from engine.images import feature_range, image_shape, ink_to_features

from . import style

CANVAS = 112  # ink pixels a side, about: a whole multiple of the input's height and width
SHOWN = 196  # screen pixels a side
EMIT_MS = 60  # while drawing, the prediction follows at most this often
SOFT_EDGE = 0.3  # the outer part of the brush's radius where its ink fades
GRID_UP_TO = 16  # inputs this small show their pixel grid faintly on the pad


def brush_radius(shape: tuple[int, int, int]) -> float:
    """The brush's radius in input pixels: strokes about as wide as the data's (~2.4 of 8, ~4 of 28), so
    a stroke along the border of two pixels still inks them nearly full, as the digits' strokes do."""
    return max(1.2, 0.07 * max(shape[1:]))


def stamp(ink: np.ndarray, start: tuple[float, float], end: tuple[float, float], radius: float,
          erase: bool = False) -> None:
    """A soft round brush of ``radius`` (canvas pixels) along the segment ``start``→``end`` ((x, y) in
    canvas pixels), into ``ink`` in place: full strength within 70 % of the radius, fading to none at it."""
    rows, cols = ink.shape
    (ax, ay), (bx, by) = start, end
    x0, x1 = max(0, int(min(ax, bx) - radius)), min(cols, int(math.ceil(max(ax, bx) + radius)) + 1)
    y0, y1 = max(0, int(min(ay, by) - radius)), min(rows, int(math.ceil(max(ay, by) + radius)) + 1)
    if x0 >= x1 or y0 >= y1:
        return
    ys, xs = np.mgrid[y0:y1, x0:x1] + 0.5  # pixel centres
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = np.clip(((xs - ax) * dx + (ys - ay) * dy) / length, 0.0, 1.0) if length > 0 else 0.0
    distance = np.hypot(xs - (ax + t * dx), ys - (ay + t * dy))
    strength = np.clip((radius - distance) / (SOFT_EDGE * radius), 0.0, 1.0)
    box = ink[y0:y1, x0:x1]
    box[...] = np.minimum(box, 1.0 - strength) if erase else np.maximum(box, strength)


class DrawPad(QWidget):
    """A square canvas of ink; ``drawn`` when the ink changed (throttled during a stroke)."""

    drawn = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.shape: tuple[int, int, int] = (1, 8, 8)
        self.ink = np.zeros((CANVAS, CANVAS), dtype=np.float32)
        self._last: tuple[float, float] | None = None
        self._erasing = False
        self._throttle = QTimer(self, singleShot=True, interval=EMIT_MS)
        self._throttle.timeout.connect(self.drawn)
        self.setFixedSize(SHOWN, SHOWN)
        self.setCursor(Qt.CrossCursor)
        self.setToolTip("Draw with the left button; the right button (or Shift) erases")
        self.set_shape(self.shape)

    def set_shape(self, shape: tuple[int, int, int]) -> None:
        """Draw for inputs of ``shape`` (channels, height, width); a new shape starts a blank pad."""
        _, height, width = shape
        factor = max(1, math.ceil(CANVAS / max(height, width)))
        if shape != self.shape or self.ink.shape != (height * factor, width * factor):
            self.shape = tuple(shape)
            self.ink = np.zeros((height * factor, width * factor), dtype=np.float32)
            self.update()

    @property
    def factor(self) -> int:
        return self.ink.shape[0] // self.shape[1]

    def clear(self) -> None:
        self.ink[...] = 0.0
        self.update()
        self.drawn.emit()

    def features(self, low: float, high: float) -> np.ndarray:
        """The drawing as one row of raw features for an input of ``shape`` (see ink_to_features)."""
        return ink_to_features(self.ink, self.shape, low, high)

    # ---- the mouse ------------------------------------------------------------------------------
    def _canvas_point(self, pos: QPointF) -> tuple[float, float]:
        rows, cols = self.ink.shape
        return pos.x() * cols / self.width(), pos.y() * rows / self.height()

    def _stroke_to(self, point: tuple[float, float]) -> None:
        start = self._last if self._last is not None else point
        stamp(self.ink, start, point, brush_radius(self.shape) * self.factor, self._erasing)
        self._last = point
        self.update()
        if not self._throttle.isActive():
            self._throttle.start()

    def mousePressEvent(self, event) -> None:
        if event.button() not in (Qt.LeftButton, Qt.RightButton):
            return
        self._erasing = event.button() == Qt.RightButton or bool(event.modifiers() & Qt.ShiftModifier)
        self._last = None
        self._stroke_to(self._canvas_point(event.position()))

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & (Qt.LeftButton | Qt.RightButton):
            self._stroke_to(self._canvas_point(event.position()))

    def mouseReleaseEvent(self, event) -> None:
        if self._last is None:
            return
        self._last = None
        self._throttle.stop()
        self.drawn.emit()  # the stroke's end is always predicted

    # ---- painting -------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        pixels = np.ascontiguousarray(np.clip(self.ink * 255.0, 0, 255).astype(np.uint8))
        rows, cols = pixels.shape
        image = QImage(pixels.data, cols, rows, cols, QImage.Format_Grayscale8)
        p = QPainter(self)
        p.setRenderHint(QPainter.SmoothPixmapTransform)
        p.drawImage(QRectF(self.rect()), image)
        _, height, width = self.shape
        if max(height, width) <= GRID_UP_TO:  # the input's pixels, which the drawing is averaged into
            p.setPen(QPen(QColor(255, 255, 255, 28), 1))
            for k in range(1, width):
                x = round(k * self.width() / width)
                p.drawLine(x, 0, x, self.height())
            for k in range(1, height):
                y = round(k * self.height() / height)
                p.drawLine(0, y, self.width(), y)
        p.setPen(QPen(style.theme().node_border, 1))
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        p.end()


class DigitDrawing(QWidget):
    """The pad with its Clear button and a hint, shown while ``toggle`` (the Draw button) is on; the
    drawing comes out as ``row_drawn`` (raw features in the data's range). Offered only while the
    network's Input is an image."""

    row_drawn = Signal(object)  # np.ndarray: one row of raw features

    def __init__(self) -> None:
        super().__init__()
        self.low, self.high = 0.0, 1.0
        self.available = False
        self.toggle = QToolButton()
        self.toggle.setText("Draw")
        self.toggle.setCheckable(True)
        self.toggle.setToolTip("Draw a digit with the mouse and watch the prediction follow")
        self.toggle.hide()
        self.pad = DrawPad()
        self.clear_button = QPushButton("Clear")
        self.verdict = QLabel(wordWrap=True)  # the prediction beside the pad: in a short dock its bars are below
        self.verdict.setFont(style.font(2, bold=True))
        self.verdict.setToolTip("What the network predicts for the drawing (its bars are below)")
        self.hint = QLabel(wordWrap=True)
        self.hint.setProperty("muted", True)  # coloured by the panel's theme, like its other quiet labels
        self.hint.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.hint.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        side = QVBoxLayout()
        side.addWidget(self.verdict)
        side.addWidget(self.hint)
        side.addWidget(self.clear_button)
        side.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pad)
        layout.addLayout(side, 1)
        self.hide()
        self.toggle.toggled.connect(self._toggled)
        self.clear_button.clicked.connect(self.pad.clear)
        self.pad.drawn.connect(self._emit)

    def follow(self, network) -> None:
        """Draw for ``network`` (an engine.export.Network, or None): its Input's shape, its data's range."""
        shape = None
        if network is not None:
            shape = image_shape(network.project.graph, network.model.shapes, network.dataset)
        self.available = shape is not None
        self.toggle.setVisible(self.available)
        if not self.available:
            self.toggle.setChecked(False)
            return
        self.low, self.high = feature_range(network.dataset)
        self.pad.set_shape(shape)
        _, height, width = shape
        self.hint.setText(f"Draw with the mouse; right-click or Shift erases. The drawing is averaged "
                          f"down to {height}×{width} and its ink scaled to the data's {self.low:g}–{self.high:g}.")

    def show_verdict(self, headline: str) -> None:
        """The prediction's headline ("7  ·  93.1 %"): the class over its probability, in the narrow column."""
        self.verdict.setText(headline.replace("  ·  ", "\n"))

    def _toggled(self, on: bool) -> None:
        self.setVisible(on)
        if on:
            self._emit()

    def _emit(self) -> None:
        if self.toggle.isChecked():
            self.row_drawn.emit(self.pad.features(self.low, self.high))

    def sizeHint(self) -> QSize:
        return QSize(SHOWN + 160, SHOWN)
