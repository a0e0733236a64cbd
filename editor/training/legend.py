"""What the canvas's training colours mean, in a corner of the canvas that no node covers: a wire's colour and
thickness (the sign and size of the weights it carries) and the neuron pictures' colours (a unit's output)."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QWidget

from .. import style
from . import colors

MARGIN = 10
PAD = 8
SAMPLE = 26  # a sample wire's length
ROW_GAP = 3


class CanvasLegend(QWidget):
    """Over a corner of the canvas, a child of the view (not of its viewport, whose children scroll with the
    scene); clicks go through to the canvas."""

    CORNERS = ("bottom left", "bottom right", "top right", "top left")  # in order of preference

    def __init__(self, view) -> None:
        super().__init__(view)
        self.view = view
        self.corner = self.CORNERS[0]
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.wires = self.pictures = False
        self.enabled = True
        view.installEventFilter(self)
        self.hide()

    def rows(self) -> list[str]:
        """The legend's lines of text, in order."""
        out = []
        if self.wires:
            out += ["positive weights", "negative weights", "thicker: larger weights"]
        if self.pictures:
            out.append("a unit's output (pictures)")
        return out

    def show_parts(self, wires: bool, pictures: bool) -> None:
        if (wires, pictures) != (self.wires, self.pictures):
            self.wires, self.pictures = wires, pictures
            self.resize(self.sizeHint())
            self._place()
        else:
            self._place()  # the canvas may have moved under it
        self.setVisible(self.enabled and bool(self.rows()))
        self.update()

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self.show_parts(self.wires, self.pictures)

    def sizeHint(self) -> QSize:
        metrics = QFontMetricsF(style.font(-1))
        rows = self.rows()
        width = max((metrics.horizontalAdvance(r) for r in rows), default=0) + SAMPLE + 3 * PAD
        height = len(rows) * (metrics.height() + ROW_GAP) + 2 * PAD - ROW_GAP
        return QSize(int(width) + 1, int(height) + 1)

    def _spot(self, corner: str) -> QRect:
        area = self.view.viewport().geometry()
        x = area.left() + MARGIN if corner.endswith("left") else area.right() - self.width() - MARGIN
        y = area.top() + MARGIN if corner.startswith("top") else area.bottom() - self.height() - MARGIN
        return QRect(x, y, self.width(), self.height())

    def _place(self) -> None:
        """Stay in its corner while no node (with its pictures) lies under it; else the corner it hides least of."""
        covered = []
        for item in self.view.scene().items():
            if item.parentItem() is None and item.flags() & item.GraphicsItemFlag.ItemIsMovable:  # a node card
                box = item.mapToScene(item.boundingRect() | item.childrenBoundingRect()).boundingRect()
                covered.append(self.view.mapFromScene(box).boundingRect().translated(self.view.viewport().pos()))

        def hidden(corner: str) -> int:
            spot = self._spot(corner)
            return sum(max(0, r.width()) * max(0, r.height()) for r in (spot.intersected(box) for box in covered))

        if hidden(self.corner):
            self.corner = min(self.CORNERS, key=hidden)
        self.move(self._spot(self.corner).topLeft())

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Resize:
            self._place()
        return False

    def paintEvent(self, event) -> None:
        t = style.theme()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        box = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        fill = QColor(t.node_body)
        fill.setAlpha(235)
        painter.setPen(QPen(t.node_border, 1))
        painter.setBrush(fill)
        painter.drawRoundedRect(box, 6, 6)
        font = style.font(-1)
        painter.setFont(font)
        line_height = QFontMetricsF(font).height()
        y = PAD
        for text in self.rows():
            middle = y + line_height / 2
            sample = QRectF(PAD, middle - 5, SAMPLE, 10)
            self._draw_sample(painter, text, sample, t)
            painter.setPen(t.text)
            painter.drawText(QRectF(2 * PAD + SAMPLE, y, self.width(), line_height), Qt.AlignVCenter | Qt.AlignLeft,
                             text)
            y += line_height + ROW_GAP
        painter.end()

    @staticmethod
    def _draw_sample(painter: QPainter, text: str, rect: QRectF, t) -> None:
        left, right = QPointF(rect.left(), rect.center().y()), QPointF(rect.right(), rect.center().y())
        if text in ("positive weights", "negative weights"):
            pen = QPen(QColor(colors.POSITIVE if text.startswith("positive") else colors.NEGATIVE), 4)
            pen.setCapStyle(Qt.RoundCap)
            painter.setPen(pen)
            painter.drawLine(left, right)
        elif text.startswith("thicker"):
            for offset, width in ((-3, 1.5), (3, 5.0)):
                pen = QPen(t.wire, width)
                pen.setCapStyle(Qt.RoundCap)
                painter.setPen(pen)
                painter.drawLine(left + QPointF(0, offset), right + QPointF(0, offset))
        else:  # the pictures' diverging scale: negative (orange), zero, positive (blue), as the wires
            gradient = QLinearGradient(rect.topLeft(), rect.topRight())
            gradient.setColorAt(0.0, QColor(colors.NEGATIVE))
            gradient.setColorAt(0.5, QColor(colors.centre()))
            gradient.setColorAt(1.0, QColor(colors.POSITIVE))
            painter.setPen(QPen(t.node_border, 1))
            painter.setBrush(gradient)
            painter.drawRect(rect)
