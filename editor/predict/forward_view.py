"""The Predict dock's forward pass: every node's values for the row, in order, each with a small bar.

A node shows at most ``SHOWN_VALUES`` of its values and then says how many it has in all: a 28×28
input is 784 values, some 6,000 pixels of bars that nobody reads (an image input is shown as its
picture beside the sample picker)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from .. import style
from ..training import colors
from . import painting
from .numbers import format_number

SHOWN_VALUES = 48  # per node; the rest are counted in one line


def forward_nodes(network, values: dict[str, np.ndarray]) -> list[dict]:
    """What ``ForwardView.show_nodes`` takes for one row's ``values`` (node id -> (1, ...) array) of
    ``network`` (an engine.export.Network): each node in order, the loss left out, with its values
    flattened (an image's channel by channel), their labels where the data names them, and a note."""
    ds, model = network.dataset, network.model
    nodes = []
    for node_id in list(model.input_ids) + [n for n, _, _ in model.plan]:
        if node_id not in values:
            continue
        node = network.node(node_id)
        row = np.asarray(values[node_id][0], dtype=float).ravel()
        labels, note = None, ""
        if node.kind.role == "input":
            labels = list(ds.feature_names) if len(ds.feature_names) == len(row) else None
            note = "standardized as in training" if network.standardized else ""
        if node_id == network.output_id:
            note = "the output"
            if ds.task == "classification" and values[node_id].shape[1] == ds.n_classes:
                labels = list(ds.class_names)
            elif ds.task != "classification" and values[node_id].shape[1] == len(ds.target_names):
                labels = list(ds.target_names)
        function = node.kind.activation(node.params)
        nodes.append({
            "id": node_id, "type": f"{node.type} ({function})" if function else node.type, "values": row,
            "labels": labels, "note": note, "category": node.kind.category,
        })
    return nodes


class ForwardView(QWidget):
    """Every node's values for the row, in order: a header (id, type, width) and a bar per value,
    positive to the right in blue, negative to the left in orange, scaled to the node's largest."""

    HEADER = 24
    ROW = 17
    CELL = 168  # width of one value cell; as many columns as fit
    GAP = 10

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[dict] = []
        self._cells: list[tuple[QRectF, str]] = []  # for tooltips
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)

    def show_nodes(self, nodes: list[dict]) -> None:
        self.nodes = nodes
        self._fit_height()
        self.update()

    def _columns(self, width: int | None = None) -> int:
        width = self.width() if width is None else width
        return max(1, (width - 16) // self.CELL)

    def _height(self, width: int) -> int:
        columns = self._columns(width)
        h = 4
        for node in self.nodes:
            h += self.HEADER + self._rows(len(node["values"]), columns) * self.ROW + self.GAP
        return h

    @staticmethod
    def _rows(n: int, columns: int) -> int:
        """Rows of cells for a node of ``n`` values, and one more saying how many there are when some are not shown."""
        return -(-min(n, SHOWN_VALUES) // columns) + (n > SHOWN_VALUES)

    def _fit_height(self) -> None:
        self.setFixedHeight(self._height(self.width()))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._height(event.size().width()) != self.height():
            QTimer.singleShot(0, self._fit_height)

    def sizeHint(self) -> QSize:
        return QSize(360, self._height(360))

    def event(self, e) -> bool:
        if e.type() == e.Type.ToolTip:
            pos = e.position() if hasattr(e, "position") else e.pos()
            for rect, tip in self._cells:
                if rect.contains(pos):
                    QToolTip.showText(e.globalPos(), tip, self)
                    return True
            QToolTip.hideText()
            return True
        return super().event(e)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        width = self.width()
        columns = self._columns()
        cell_w = (width - 16) / columns
        small = style.font(-1)
        fm = QFontMetrics(small)
        number_w = max(fm.horizontalAdvance(t) for t in ("−0.0000", "−5.3e−06", "−99999")) + 6
        self._cells = []
        y = 4.0
        for node in self.nodes:
            values = node["values"]
            # header: a dot in the node's category colour, the id, then type · width (and a note)
            p.setPen(Qt.NoPen)
            p.setBrush(style.category_colour(node["category"]))
            p.drawEllipse(QRectF(8, y + self.HEADER / 2 - 4, 8, 8))
            p.setFont(style.font(0, bold=True))
            p.setPen(painting.text())
            bold_fm = QFontMetrics(style.font(0, bold=True))
            id_w = bold_fm.horizontalAdvance(node["id"])
            p.drawText(QRectF(22, y, width - 30, self.HEADER), Qt.AlignVCenter | Qt.AlignLeft, node["id"])
            p.setFont(small)
            p.setPen(painting.muted())
            p.drawText(QRectF(22 + id_w + 8, y, width - 38 - id_w, self.HEADER), Qt.AlignVCenter | Qt.AlignLeft,
                       f"{node['type']} · {len(values)}" + (f"  —  {node['note']}" if node.get("note") else ""))
            y += self.HEADER
            top = float(np.max(np.abs(values))) if len(values) else 0.0
            top = top if np.isfinite(top) and top > 0 else 1.0
            labels = node.get("labels")
            label_w = 0
            if labels:
                label_w = min(max(fm.horizontalAdvance(str(s)) for s in labels[:SHOWN_VALUES]) + 8, int(cell_w * 0.42))
            else:
                label_w = fm.horizontalAdvance(str(min(len(values), SHOWN_VALUES))) + 8
            for k, value in enumerate(values[:SHOWN_VALUES]):
                row, col = divmod(k, columns)
                x0 = 8 + col * cell_w
                y0 = y + row * self.ROW
                label = str(labels[k]) if labels else str(k + 1)
                p.setPen(painting.muted())
                p.drawText(QRectF(x0, y0, label_w - 6, self.ROW), Qt.AlignVCenter | Qt.AlignRight,
                           fm.elidedText(label, Qt.ElideRight, label_w - 6))
                bar_x = x0 + label_w
                bar_w = max(16.0, cell_w - label_w - number_w - 8)
                track = QRectF(bar_x, y0 + 4, bar_w, self.ROW - 8)
                p.setPen(Qt.NoPen)
                p.setBrush(painting.track())
                p.drawRect(track)
                v = float(value)
                f = float(np.clip(v / top, -1.0, 1.0)) if np.isfinite(v) else 0.0
                mid = bar_x + bar_w / 2
                bar = QRectF(min(mid, mid + f * bar_w / 2), track.y(), abs(f) * bar_w / 2, track.height())
                p.setBrush(QColor(colors.POSITIVE if v >= 0 else colors.NEGATIVE))
                if bar.width() > 0.4:
                    p.drawRect(bar)
                p.setPen(QPen(painting.muted(), 1))
                p.drawLine(int(mid), int(track.y()) - 1, int(mid), int(track.bottom()) + 1)
                p.setPen(painting.text())
                p.drawText(QRectF(bar_x + bar_w + 4, y0, number_w, self.ROW), Qt.AlignVCenter | Qt.AlignRight,
                           format_number(v).replace("-", "−"))
                self._cells.append((QRectF(x0, y0, cell_w, self.ROW), f"{node['id']}[{label}] = {v:.6g}"))
            if len(values) > SHOWN_VALUES:
                p.setPen(painting.muted())
                p.drawText(QRectF(8, y + -(-SHOWN_VALUES // columns) * self.ROW, width - 16, self.ROW),
                           Qt.AlignVCenter | Qt.AlignLeft, f"… {len(values):,} in all")
            y += self._rows(len(values), columns) * self.ROW + self.GAP
            if node is not self.nodes[-1]:
                p.setPen(QPen(QColor(style.theme().node_border), 1))
                p.drawLine(8, int(y - self.GAP / 2), width - 8, int(y - self.GAP / 2))
        p.end()
