"""Small drawings of an activation function's curve, for the palette's icons and the canvas's nodes.

The curve comes from the engine (``activations.curve``), so what a learner sees is exactly the
function training applies, including a changed leaky-ReLU slope or ELU alpha.
"""
from __future__ import annotations

from functools import cache

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from engine.nodes.activations import curve

Z_RANGE = 3.0  # the curve is drawn for z in [-3, 3]
SAMPLES = 97  # odd, so z = 0 is a sample (the step's jump stays vertical)


@cache
def _unit_curve(params: tuple) -> tuple[QPainterPath, QPointF]:
    """The curve scaled into the unit square (y down), and where the axes cross in it."""
    z = np.linspace(-Z_RANGE, Z_RANGE, SAMPLES)
    a = curve(dict(params), z)
    low, high = min(a.min(), 0.0), max(a.max(), 1.0)
    pad = 0.08 * (high - low)
    low, high = low - pad, high + pad

    def point(zi: float, ai: float) -> QPointF:
        return QPointF((zi + Z_RANGE) / (2 * Z_RANGE), (high - ai) / (high - low))

    path = QPainterPath(point(z[0], a[0]))
    for zi, ai in zip(z[1:], a[1:]):
        path.lineTo(point(zi, ai))
    return path, point(0.0, 0.0)


def _key(params: dict) -> tuple:
    return tuple(sorted(params.items()))


def draw_activation(painter: QPainter, rect: QRectF, params: dict, colour: QColor, axes: QColor, width: float = 1.6) -> None:
    """The curve of the activation ``params`` in ``rect``, over faint axes through the origin."""
    path, origin = _unit_curve(_key(params))
    painter.save()
    painter.translate(rect.topLeft())
    painter.scale(rect.width(), rect.height())
    painter.setBrush(Qt.NoBrush)
    painter.setPen(QPen(axes, 0))  # cosmetic: one pixel, whatever the scale
    painter.drawLine(QPointF(0, origin.y()), QPointF(1, origin.y()))
    painter.drawLine(QPointF(origin.x(), 0), QPointF(origin.x(), 1))
    pen = QPen(colour, width)
    pen.setCosmetic(True)
    pen.setCapStyle(Qt.RoundCap)
    pen.setJoinStyle(Qt.RoundJoin)
    painter.setPen(pen)
    painter.drawPath(path)
    painter.restore()


def swatch(colour: QColor | str, size: int = 12, activation: dict | None = None) -> QIcon:
    """A rounded square in ``colour``; given an ``activation``'s params, its curve drawn on it in white."""
    pixmap = QPixmap(size * 2, size * 2)
    pixmap.setDevicePixelRatio(2.0)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setPen(Qt.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawRoundedRect(QRectF(0.5, 0.5, size - 1, size - 1), 3, 3)
    if activation is not None:
        draw_activation(painter, QRectF(2.5, 2.5, size - 5, size - 5), activation, QColor("#ffffff"),
                        QColor(255, 255, 255, 90), width=1.4)
    painter.end()
    return QIcon(pixmap)
