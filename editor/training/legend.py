"""What the canvas's training colours mean, in the canvas's corner: a wire's colour and thickness (the sign and
size of the weights it carries) and the neuron pictures' colours (a unit's output)."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QWidget

from .. import style
from . import colors

MARGIN = 10
PAD = 8
SAMPLE = 26  # a sample wire's length
ROW_GAP = 3


class CanvasLegend(QWidget):
    """Over the canvas's bottom left corner, a child of the view (not of its viewport, whose children scroll
    with the scene); clicks go through to the canvas."""

    def __init__(self, view) -> None:
        super().__init__(view)
        self.view = view
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.wires = self.pictures = False
        self.enabled = True
        view.installEventFilter(self)
        self.hide()

    def rows(self) -> list[str]:
        """The legend's lines of text, in order."""
        out = []
        if self.wires:
            out += ["positive weights", "negative weights", "thicker wire: larger weights"]
        if self.pictures:
            out.append("neuron pictures: a unit's output, − orange, + blue")
        return out

    def show_parts(self, wires: bool, pictures: bool) -> None:
        if (wires, pictures) != (self.wires, self.pictures):
            self.wires, self.pictures = wires, pictures
            self.resize(self.sizeHint())
            self._place()
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

    def _place(self) -> None:
        area = self.view.viewport().geometry()
        self.move(area.left() + MARGIN, area.bottom() - self.height() - MARGIN)

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
        else:  # the pictures' diverging scale: negative, zero, positive
            gradient = QLinearGradient(rect.topLeft(), rect.topRight())
            gradient.setColorAt(0.0, QColor(colors.NEGATIVE))
            gradient.setColorAt(0.5, QColor(colors.centre()))
            gradient.setColorAt(1.0, QColor(colors.POSITIVE))
            painter.setPen(QPen(t.node_border, 1))
            painter.setBrush(gradient)
            painter.drawRect(rect)
