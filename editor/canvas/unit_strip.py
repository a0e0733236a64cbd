"""Neuron pictures under a node: each unit's output over the input plane (or along the input range) in one
row, the first few of a large layer and "+k more"; clicking a picture selects that unit.

The strip only draws what it is given (``UnitPictures``); the training side computes them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from .. import style

MAX_CELLS = 8  # a larger layer shows its first MAX_CELLS - 1 units and "+k more"
CELL_MAX = 40.0
GAP = 3.0
MIN_WIDTH = 216.0  # the row may be wider than the card, centred under it (columns are 230 apart)
TOP_GAP = 6.0  # between the card and the row


@dataclass(frozen=True)
class UnitPictures:
    """What a node's strip shows: ``images`` (RGB, one per unit shown) over the plane, or ``curves`` (units
    × points, scaled 0 … 1) along one input feature with ``zero`` the height of 0 (None if out of range);
    ``total`` units in the node; ``aspect`` the pictures' height over width."""

    total: int
    images: tuple[QImage, ...] = ()
    curves: np.ndarray | None = None
    zero: float | None = None
    aspect: float = 1.0

    @property
    def shown(self) -> int:
        return shown_units(self.total)


def shown_units(total: int) -> int:
    """How many of ``total`` units get a picture."""
    return total if total <= MAX_CELLS else MAX_CELLS - 1


class UnitStrip(QGraphicsItem):
    """A child of a NodeItem, under its card."""

    def __init__(self, node_item) -> None:
        super().__init__(node_item)
        self.node_item = node_item
        self.pictures: UnitPictures | None = None
        self.selected_unit: int | None = None
        self._cells: list[QRectF] = []
        self._bounds = QRectF()
        self.setAcceptedMouseButtons(Qt.LeftButton)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.PointingHandCursor)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)  # measured: a third of the repaint time uncached

    def set_pictures(self, pictures: UnitPictures | None) -> None:
        self.pictures = pictures
        self.relayout()
        self.update()

    def set_selected_unit(self, unit: int | None) -> None:
        if unit != self.selected_unit:
            self.selected_unit = unit
            self.update()

    def relayout(self) -> None:
        """Cells for the pictures (and "+k more"), centred under the card."""
        self.prepareGeometryChange()
        p = self.pictures
        if p is None or p.total == 0:
            self._cells, self._bounds = [], QRectF()
            return
        cells = min(p.total, MAX_CELLS)
        card = self.node_item.card_rect()
        width = max(card.width(), MIN_WIDTH)
        cell_w = min(CELL_MAX, (width - (cells - 1) * GAP) / cells)
        cell_h = cell_w * min(1.25, max(0.75, p.aspect))
        row = cells * cell_w + (cells - 1) * GAP
        left = card.center().x() - row / 2
        top = card.bottom() + TOP_GAP
        self._cells = [QRectF(left + i * (cell_w + GAP), top, cell_w, cell_h) for i in range(cells)]
        self._bounds = QRectF(left - 2, top - 2, row + 4, cell_h + 4)

    def unit_at(self, pos: QPointF) -> int | None:
        """The unit whose picture is at ``pos`` (item coordinates), if any."""
        if self.pictures is None:
            return None
        for unit, cell in enumerate(self._cells[: self.pictures.shown]):
            if cell.adjusted(-GAP / 2, -GAP / 2, GAP / 2, GAP / 2).contains(pos):
                return unit
        return None

    def cell_rect(self, unit: int) -> QRectF:
        return self._cells[unit]

    # ---- drawing ----------------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        p = self.pictures
        if p is None or not self._cells:
            return
        t = style.theme()
        painter.setRenderHint(QPainter.SmoothPixmapTransform)
        for unit, cell in enumerate(self._cells[: p.shown]):
            if p.images:
                painter.drawImage(cell, p.images[unit])
            elif p.curves is not None:
                self._draw_curve(painter, cell, p.curves[unit], p.zero, t)
            painter.setBrush(Qt.NoBrush)
            painter.setPen(QPen(t.node_border, 1.0))
            painter.drawRect(cell)
        if p.total > p.shown:
            painter.setPen(t.muted_text)
            painter.setFont(style.font(-1.5))
            painter.drawText(self._cells[-1], Qt.AlignCenter, f"+{p.total - p.shown}")
        if self.selected_unit is not None and self.selected_unit < p.shown:
            painter.setPen(QPen(t.selection, 2.2))
            painter.drawRect(self._cells[self.selected_unit].adjusted(-1.5, -1.5, 1.5, 1.5))

    @staticmethod
    def _draw_curve(painter: QPainter, cell: QRectF, ys: np.ndarray, zero: float | None, t) -> None:
        painter.fillRect(cell, t.node_body)
        inner = cell.adjusted(1.5, 2, -1.5, -2)
        if zero is not None:
            axis = QColor(t.muted_text)
            axis.setAlpha(110)
            painter.setPen(QPen(axis, 0.8, Qt.DashLine))
            y0 = inner.bottom() - zero * inner.height()
            painter.drawLine(QPointF(inner.left(), y0), QPointF(inner.right(), y0))
        xs = inner.left() + np.linspace(0.0, 1.0, len(ys)) * inner.width()
        points = QPolygonF([QPointF(x, inner.bottom() - y * inner.height()) for x, y in zip(xs, ys)])
        painter.setPen(QPen(style.category_colour("layers"), 1.4))
        path = QPainterPath()
        path.addPolygon(points)
        painter.drawPath(path)

    # ---- clicks --------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        unit = self.unit_at(event.pos())
        scene = self.scene()
        if unit is None or scene is None:
            event.ignore()
            return
        event.accept()
        scene.unit_clicked.emit(self.node_item.node.id, unit)

    def hoverMoveEvent(self, event) -> None:
        unit = self.unit_at(event.pos())
        node_id = self.node_item.node.id
        self.setToolTip(f"{node_id}, unit {unit}: click to see it in the Neurons view" if unit is not None
                        else f"{node_id}: {self.pictures.total if self.pictures else 0} units")
