"""The Predict dock's prediction: a headline (the class and its probability, or the values) and one bar
per class, the predicted one in its class colour."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import style
from ..training import colors
from . import painting
from .numbers import format_number, percent


class PredictionView(QWidget):
    """The prediction: a headline (the class and its probability, or the values) and one bar per
    class, the predicted one in its class colour."""

    ROW = 20

    def __init__(self) -> None:
        super().__init__()
        self.headline = ""
        self.subline = ""
        self.rows: list[tuple[str, float, str, QColor, bool]] = []  # label, fraction, text, colour, bold
        self.centred = False  # scores: bars from the middle
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)

    def show_columns(self, columns: dict[str, np.ndarray], kind: str, class_names: list[str], truth: str) -> None:
        self.rows = []
        self.centred = False
        if "class" not in columns:  # regression
            self.headline = "   ".join(f"{name} = {format_number(float(v[0]))}" for name, v in columns.items())
        else:
            predicted = str(columns["class"][0])
            k_pred = class_names.index(predicted) if predicted in class_names else -1
            probs = {n[2:]: float(v[0]) for n, v in columns.items() if n.startswith("p_")}
            if probs:
                self.headline = f"{predicted}  ·  {percent(probs.get(predicted, float('nan')))}"
                for k, name in enumerate(class_names):
                    p = probs.get(name, 0.0)
                    self.rows.append((name, p, percent(p), colors.class_colour(k), k == k_pred))
            else:
                scores = {n: float(v[0]) for n, v in columns.items() if n.startswith("score")}
                self.headline = f"{predicted}"
                top = max((abs(s) for s in scores.values()), default=1.0) or 1.0
                self.centred = True
                for name, s in scores.items():
                    label = name[6:] if name.startswith("score_") else "score"
                    k = class_names.index(label) if label in class_names else (1 if s >= 0 else 0)
                    self.rows.append((label, s / top, format_number(s), colors.class_colour(k),
                                      label == predicted or label == "score"))
        self.subline = truth
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def clear(self) -> None:
        self.headline, self.subline, self.rows = "", "", []
        self.setFixedHeight(self.sizeHint().height())
        self.update()

    def sizeHint(self) -> QSize:
        h = 8 + (30 if self.headline else 0) + (18 if self.subline else 0) + self.ROW * len(self.rows) + 6
        return QSize(260, h)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        y = 6
        width = self.width()
        if self.headline:
            p.setFont(style.font(4, bold=True))
            p.setPen(painting.text())
            p.drawText(QRectF(8, y, width - 16, 28), Qt.AlignVCenter | Qt.AlignLeft, self.headline)
            y += 30
        if self.subline:
            p.setFont(style.font(-1))
            p.setPen(painting.muted())
            p.drawText(QRectF(8, y, width - 16, 16), Qt.AlignVCenter | Qt.AlignLeft,
                       QFontMetrics(style.font(-1)).elidedText(self.subline, Qt.ElideRight, width - 16))
            y += 18
        fm = QFontMetrics(style.font(-0.5))
        label_w = min(max([fm.horizontalAdvance(r[0]) for r in self.rows] + [40]) + 10, width // 3)
        value_w = fm.horizontalAdvance("100.0 %") + 10
        bar_x, bar_w = 8 + label_w, max(20, width - 16 - label_w - value_w)
        for label, fraction, text, colour, bold in self.rows:
            p.setFont(style.font(-0.5, bold=bold))
            p.setPen(painting.text() if bold else painting.muted())
            p.drawText(QRectF(8, y, label_w - 8, self.ROW), Qt.AlignVCenter | Qt.AlignRight,
                       fm.elidedText(label, Qt.ElideRight, label_w - 8))
            track = QRectF(bar_x, y + 5, bar_w, self.ROW - 10)
            p.setPen(Qt.NoPen)
            p.setBrush(painting.track())
            p.drawRoundedRect(track, 3, 3)
            fill = QColor(colour)
            if not bold:
                fill.setAlphaF(0.55)
            p.setBrush(fill)
            f = float(np.clip(fraction, -1.0, 1.0)) if np.isfinite(fraction) else 0.0
            if self.centred:
                mid = bar_x + bar_w / 2
                bar = QRectF(min(mid, mid + f * bar_w / 2), track.y(), abs(f) * bar_w / 2, track.height())
            else:
                bar = QRectF(bar_x, track.y(), max(0.0, f) * bar_w, track.height())
            if bar.width() > 0.5:
                p.drawRoundedRect(bar, 3, 3)
            p.setPen(painting.text() if bold else painting.muted())
            p.drawText(QRectF(bar_x + bar_w + 6, y, value_w - 6, self.ROW), Qt.AlignVCenter | Qt.AlignRight, text)
            y += self.ROW
        p.end()
