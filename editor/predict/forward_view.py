"""The Predict dock's forward pass: every node's values for the row, in order, each with a small bar.

A node shows at most ``SHOWN_VALUES`` of its values and then says how many it has in all: a 28×28
input is 784 values, some 6,000 pixels of bars that nobody reads (an image input is shown as its
picture beside the sample picker)."""
from __future__ import annotations

import math

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
            for _, _, cell, tip in self.cells():
                if cell.contains(pos):
                    QToolTip.showText(e.globalPos(), tip, self)
                    return True
            QToolTip.hideText()
            return True
        return super().event(e)

    # ---- where everything goes (shared by the paint and the tooltips) -----------------------------------
    def _small(self) -> tuple:
        small = style.font(-1)
        fm = QFontMetrics(small)
        number_w = max(fm.horizontalAdvance(t) for t in ("−0.0000", "−5.3e−06", "−99999")) + 6
        return small, fm, number_w

    def _label_width(self, node: dict, fm: QFontMetrics, cell_w: float) -> int:
        labels = node.get("labels")
        if labels:
            return min(max(fm.horizontalAdvance(str(s)) for s in labels[:SHOWN_VALUES]) + 8, int(cell_w * 0.42))
        return fm.horizontalAdvance(str(min(len(node["values"]), SHOWN_VALUES))) + 8

    def _blocks(self):
        """Each node with the top of its header and the top of its cells."""
        columns = self._columns()
        y = 4.0
        for node in self.nodes:
            yield node, y, y + self.HEADER
            y += self.HEADER + self._rows(len(node["values"]), columns) * self.ROW + self.GAP

    def cells(self):
        """(node, k, the cell's rectangle, its tooltip) of every value painted."""
        columns = self._columns()
        cell_w = (self.width() - 16) / columns
        for node, _, top in self._blocks():
            labels = node.get("labels")
            for k, value in enumerate(node["values"][:SHOWN_VALUES]):
                row, col = divmod(k, columns)
                label = str(labels[k]) if labels else str(k + 1)
                yield node, k, QRectF(8 + col * cell_w, top + row * self.ROW, cell_w, self.ROW), \
                    f"{node['id']}[{label}] = {float(value):.6g}"

    # ---- painting ---------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        """Only what the exposed rectangle holds: in the dock's scroll area a 784-input network's values stand
        ~2,000 pixels tall, and painting them all took 50-70 ms."""
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        exposed = QRectF(event.rect())
        width = self.width()
        columns = self._columns()
        cell_w = (width - 16) / columns
        small, fm, number_w = self._small()
        bold = style.font(0, bold=True)
        bold_fm = QFontMetrics(bold)
        text, muted, track = painting.text(), painting.muted(), painting.track()
        positive, negative = QColor(colors.POSITIVE), QColor(colors.NEGATIVE)
        divider = QPen(QColor(style.theme().node_border), 1)
        for node, y, top in self._blocks():
            values = node["values"]
            bottom = top + self._rows(len(values), columns) * self.ROW + self.GAP
            if bottom < exposed.top() or y > exposed.bottom():
                continue
            # header: a dot in the node's category colour, the id, then type · width (and a note)
            p.setPen(Qt.NoPen)
            p.setBrush(style.category_colour(node["category"]))
            p.drawEllipse(QRectF(8, y + self.HEADER / 2 - 4, 8, 8))
            p.setFont(bold)
            p.setPen(text)
            id_w = bold_fm.horizontalAdvance(node["id"])
            p.drawText(QRectF(22, y, width - 30, self.HEADER), Qt.AlignVCenter | Qt.AlignLeft, node["id"])
            p.setFont(small)
            p.setPen(muted)
            p.drawText(QRectF(22 + id_w + 8, y, width - 38 - id_w, self.HEADER), Qt.AlignVCenter | Qt.AlignLeft,
                       f"{node['type']} · {len(values)}" + (f"  —  {node['note']}" if node.get("note") else ""))
            top_value = float(np.max(np.abs(values))) if len(values) else 0.0
            top_value = top_value if np.isfinite(top_value) and top_value > 0 else 1.0
            labels = node.get("labels")
            label_w = self._label_width(node, fm, cell_w)
            bar_w = max(16.0, cell_w - label_w - number_w - 8)
            for k, value in enumerate(values[:SHOWN_VALUES]):
                row, col = divmod(k, columns)
                y0 = top + row * self.ROW
                if y0 > exposed.bottom() or y0 + self.ROW < exposed.top():
                    continue
                x0 = 8 + col * cell_w
                label = str(labels[k]) if labels else str(k + 1)
                p.setPen(muted)
                p.drawText(QRectF(x0, y0, label_w - 6, self.ROW), Qt.AlignVCenter | Qt.AlignRight,
                           fm.elidedText(label, Qt.ElideRight, label_w - 6))
                bar_x = x0 + label_w
                track_rect = QRectF(bar_x, y0 + 4, bar_w, self.ROW - 8)
                p.setPen(Qt.NoPen)
                p.setBrush(track)
                p.drawRect(track_rect)
                v = float(value)
                f = min(max(v / top_value, -1.0), 1.0) if math.isfinite(v) else 0.0
                mid = bar_x + bar_w / 2
                bar = QRectF(min(mid, mid + f * bar_w / 2), track_rect.y(), abs(f) * bar_w / 2, track_rect.height())
                p.setBrush(positive if v >= 0 else negative)
                if bar.width() > 0.4:
                    p.drawRect(bar)
                p.setPen(muted)
                p.drawLine(int(mid), int(track_rect.y()) - 1, int(mid), int(track_rect.bottom()) + 1)
                p.setPen(text)
                p.drawText(QRectF(bar_x + bar_w + 4, y0, number_w, self.ROW), Qt.AlignVCenter | Qt.AlignRight,
                           format_number(v).replace("-", "−"))
            if len(values) > SHOWN_VALUES:
                p.setPen(muted)
                p.drawText(QRectF(8, top + -(-SHOWN_VALUES // columns) * self.ROW, width - 16, self.ROW),
                           Qt.AlignVCenter | Qt.AlignLeft, f"… {len(values):,} in all")
            if node is not self.nodes[-1]:
                p.setPen(divider)
                p.drawLine(8, int(bottom - self.GAP / 2), width - 8, int(bottom - self.GAP / 2))
        p.end()
