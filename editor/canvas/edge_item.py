"""Wires: smooth cubic curves from an output port to an input port, labelled with the shape they carry."""
from __future__ import annotations

import math

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle

from engine.graph import Edge
from engine.nodes import format_shape

from .. import style
from .node_item import COMPACT_BELOW, NodeItem


BACK_TURN = 40.0  # how far a wire that runs back to the left swings out before it turns


@cache
def _label_font() -> QFont:
    return style.font(-1.5, bold=True)


class WireItem(QGraphicsItem):
    """A curve between two scene points; the scene uses a bare one while a wire is being dragged."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(0)
        self._path = QPainterPath()
        self._shape = QPainterPath()
        self._bounds = QRectF()
        self.label = ""
        self.refused = False

    def set_ends(self, start: QPointF, end: QPointF) -> None:
        self.prepareGeometryChange()
        path = QPainterPath(start)
        if end.x() >= start.x() or abs(end.y() - start.y()) < 2 * BACK_TURN:
            reach = max(abs(end.x() - start.x()) * 0.5, 50.0)
            path.cubicTo(start + QPointF(reach, 0), end - QPointF(reach, 0), end)
        else:
            # A wire back to the left (e.g. into the next band of a wrapped layout): out to the right,
            # down to the middle, across, and in from the left, instead of an S across the nodes between.
            middle = (start.y() + end.y()) / 2
            turn_out, turn_in = QPointF(start.x() + BACK_TURN, middle), QPointF(end.x() - BACK_TURN, middle)
            path.cubicTo(start + QPointF(1.5 * BACK_TURN, 0), QPointF(turn_out.x() + BACK_TURN / 2, middle), turn_out - QPointF(BACK_TURN, 0))
            path.lineTo(turn_in + QPointF(BACK_TURN, 0))
            path.cubicTo(QPointF(turn_in.x() - BACK_TURN / 2, middle), end - QPointF(1.5 * BACK_TURN, 0), end)
        self._path = path
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        self._shape = stroker.createStroke(path)
        self._bounds = path.boundingRect().adjusted(-24, -14, 24, 14)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._shape

    def pen(self, selected: bool) -> QPen:
        t = style.theme()
        weighted = getattr(self, "weight_style", None)
        if weighted is not None and not self.refused and not selected:
            pen = QPen(weighted[0], weighted[1])
            pen.setCapStyle(Qt.RoundCap)
            return pen
        colour = t.error if self.refused else (t.selection if selected else t.wire)
        pen = QPen(colour, 2.6 if selected else 2.0)
        pen.setCapStyle(Qt.RoundCap)
        if self.refused:
            pen.setStyle(Qt.DashLine)
        return pen

    def paint(self, painter: QPainter, option, widget=None) -> None:
        selected = bool(option.state & QStyle.State_Selected)
        painter.setPen(self.pen(selected))
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(self._path)
        # Zoomed out, the shape labels would be specks among the compact cards: the tooltip keeps them.
        if self.label and option.levelOfDetailFromTransform(painter.worldTransform()) >= COMPACT_BELOW:
            self._draw_label(painter, selected)

    def _draw_label(self, painter: QPainter, selected: bool) -> None:
        t = style.theme()
        font = _label_font()
        text_width = QFontMetricsF(font).horizontalAdvance(self.label)
        centre = self._path.pointAtPercent(0.5)
        pill = QRectF(centre.x() - text_width / 2 - 6, centre.y() - 8, text_width + 12, 16)
        painter.setPen(QPen(t.selection if selected else t.wire, 1.0))
        painter.setBrush(t.wire_label)
        painter.drawRoundedRect(pill, 8, 8)
        painter.setFont(font)
        painter.setPen(t.text)
        painter.drawText(pill, Qt.AlignCenter, self.label)


class EdgeItem(WireItem):
    """The drawing of one engine Edge; it follows the two nodes it joins."""

    def __init__(self, edge: Edge, source: NodeItem, target: NodeItem) -> None:
        super().__init__()
        self.edge, self.source, self.target = edge, source, target
        self.weight_style: tuple[QColor, float] | None = None
        self.setFlag(QGraphicsItem.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        source.edges.add(self)
        target.edges.add(self)
        self.adjust()

    def detach(self) -> None:
        self.source.edges.discard(self)
        self.target.edges.discard(self)
        for port in self._ports():
            if port is not None:
                port.set_wired(False)

    def _ports(self):
        return self.source.port(self.edge.src_port, True), self.target.port(self.edge.dst_port, False)

    def adjust(self) -> None:
        start_port, end_port = self._ports()
        if start_port is None or end_port is None:
            return
        start_port.set_wired(True)
        end_port.set_wired(True)
        self.set_ends(start_port.scenePos(), end_port.scenePos())

    def set_weight_style(self, colour: QColor | None, width: float | None) -> None:
        """Training's look: coloured by the sign and thickened by the size of the weights (None: plain)."""
        style_ = None if colour is None else (colour, width)
        if style_ != self.weight_style:
            self.weight_style = style_
            self.update()

    def set_shape(self, shape: tuple[int, ...] | None) -> None:
        label = "" if shape is None else format_shape(shape)
        if label != self.label:
            self.label = label
            values = math.prod(shape) if shape else 0
            what = f" — {label} = {values:,} values per sample" if shape and len(shape) > 1 else (
                f" — {label} value{'s' if values != 1 else ''} per sample" if label else "")
            self.setToolTip(f"{self.edge}{what}")
            self.update()
