"""The Predict dock: one row of features through the network — the forward pass made visible.

Type a value per feature (a comma-, tab- or semicolon-separated row pasted into any field fills
them all) or pick a held-out validation sample; the panel shows the prediction (the class and
its probabilities, or the regression values) and, for every node in order, the values flowing
through it, each with a small bar.

The predictions are the engine's: ``engine.export.Predictor`` over the project's graph and
dataset (the same standardization as training). The parameters are the training session's:
its latest detail snapshot (copies the session keeps; the panel never reads a trainer), or the
project's own when there is no session. An untrained project shows its seeded initial
parameters, and says so. While training runs the panel follows at most ``REFRESH_HZ`` times a
second, and only while it is visible.
"""
from __future__ import annotations

import re

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QFrame, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QScrollArea, QSizePolicy, QSpinBox, QToolTip,
    QVBoxLayout, QWidget,
)

from engine.datasets import parse_number
from engine.errors import NeuroCanvasError
from engine.export import Network, Predictor
from engine.data_split import split_rows
from engine.training_settings import parse_training

from . import style
from .draw_pad import DigitDrawing
from .images import sample_pixmap
from .training import colors
from .on_screen import on_screen

REFRESH_HZ = 4  # updates a second while training, at most
REBUILD_DELAY_MS = 120  # after a graph edit: wait for the burst to end
FIELD_COLUMNS = 4
FIELD_WIDTH = 118  # a field's column needs about this many pixels
MAX_FIELDS_HEIGHT = 190
SEPARATORS = re.compile(r"[,\t;]")


# ---- the engine's predictor for the editor's state ------------------------------------------------

def percent(p: float) -> str:
    """A probability as a percentage that never rounds a doubt away: 0.99996 is "> 99.9 %", not 100."""
    if 0.999 < p < 1.0 and round(p * 100, 1) >= 100.0:
        return "> 99.9 %"
    if 0.0 < p < 0.001 and round(p * 100, 1) <= 0.0:
        return "< 0.1 %"
    return f"{p * 100:.1f} %"

class _EditorPredictor(Predictor):
    """``Predictor`` over a clone of the document's compiled model: parameters that fit are used, the
    rest (and all of an untrained project's) are the seeded initial values."""

    def __init__(self, project, dataset, model) -> None:  # not super().__init__: it requires a trained project
        self.network = Network(project, dataset, model, parse_training(project.training))
        self.load(project.parameters)

    def load(self, parameters: dict[str, np.ndarray]) -> None:
        self.network.model.load_parameters(parameters, strict=False)


class HeldOut:
    """The rows training holds out (split exactly as the trainer splits them), read one at a time:
    ``rows[i]`` is row i's raw features (float64, un-standardized), ``targets[i]`` its target. Only
    the row indices are kept, so 6,000 held-out rows of 784 features cost nothing until picked."""

    def __init__(self, network: Network) -> None:
        dataset = network.dataset
        train, val = split_rows(dataset.n_samples, network.settings["validation_split"], network.settings["seed"])
        self.kind, self.indices = ("validation", val) if len(val) else ("training", train)
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> np.ndarray:
        ds = self.dataset
        row = np.asarray(ds.x[self.indices[i]], dtype=np.float64)
        return row * ds.std + ds.mean if ds.mean is not None else row

    def target(self, i: int):
        return self.dataset.y[self.indices[i]]


def format_number(value: float) -> str:
    """Four significant digits; very small or large values in short scientific form."""
    if not np.isfinite(value):
        return str(value)
    a = abs(value)
    if a == 0:
        return "0"
    if a < 1e-3 or a >= 1e5:
        return f"{value:.1e}"
    return f"{value:.4g}" if a >= 1 else f"{value:.4f}".rstrip("0").rstrip(".")


def field_text(value: float) -> str:
    """A raw feature value as it goes into a field: short, and reads back as (nearly) itself."""
    return f"{value:.10g}"


def parse_row(text: str) -> list[str]:
    """The cells of a pasted row (comma, tab or semicolon separated; blanks around them dropped)."""
    cells = [c.strip() for c in SEPARATORS.split(text.strip())]
    if len(cells) > 1 and cells[-1] == "":
        cells = cells[:-1]  # a trailing separator
    return cells


# ---- the feature fields ---------------------------------------------------------------------------------
class FeatureField(QLineEdit):
    """One feature's value; a pasted row (several separated values) goes to the panel instead."""

    row_pasted = Signal(str)

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.invalid = False
        self.setPlaceholderText("number")
        self.setToolTip(f"{name}: a number, or paste a whole row (comma or tab separated) to fill every field")
        self.setMinimumWidth(60)
        self.textEdited.connect(self._edited)

    def _edited(self, text: str) -> None:
        if SEPARATORS.search(text):
            self.row_pasted.emit(text)

    def set_invalid(self, invalid: bool) -> None:
        self.invalid = invalid
        colour = style.theme().error.name()
        self.setStyleSheet(f"QLineEdit {{ border: 1.5px solid {colour}; border-radius: 3px; }}" if invalid else "")


# ---- painted views ------------------------------------------------------------------------------------
def _muted() -> QColor:
    return QColor(style.theme().muted_text)


def _text() -> QColor:
    return QColor(style.theme().text)


def _track() -> QColor:
    return QColor(colors.centre()) if not style.theme().dark else QColor("#353a46")


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
            p.setPen(_text())
            p.drawText(QRectF(8, y, width - 16, 28), Qt.AlignVCenter | Qt.AlignLeft, self.headline)
            y += 30
        if self.subline:
            p.setFont(style.font(-1))
            p.setPen(_muted())
            p.drawText(QRectF(8, y, width - 16, 16), Qt.AlignVCenter | Qt.AlignLeft,
                       QFontMetrics(style.font(-1)).elidedText(self.subline, Qt.ElideRight, width - 16))
            y += 18
        fm = QFontMetrics(style.font(-0.5))
        label_w = min(max([fm.horizontalAdvance(r[0]) for r in self.rows] + [40]) + 10, width // 3)
        value_w = fm.horizontalAdvance("100.0 %") + 10
        bar_x, bar_w = 8 + label_w, max(20, width - 16 - label_w - value_w)
        for label, fraction, text, colour, bold in self.rows:
            p.setFont(style.font(-0.5, bold=bold))
            p.setPen(_text() if bold else _muted())
            p.drawText(QRectF(8, y, label_w - 8, self.ROW), Qt.AlignVCenter | Qt.AlignRight,
                       fm.elidedText(label, Qt.ElideRight, label_w - 8))
            track = QRectF(bar_x, y + 5, bar_w, self.ROW - 10)
            p.setPen(Qt.NoPen)
            p.setBrush(_track())
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
            p.setPen(_text() if bold else _muted())
            p.drawText(QRectF(bar_x + bar_w + 6, y, value_w - 6, self.ROW), Qt.AlignVCenter | Qt.AlignRight, text)
            y += self.ROW
        p.end()


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
            rows = -(-len(node["values"]) // columns)
            h += self.HEADER + rows * self.ROW + self.GAP
        return h

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
            p.setPen(_text())
            bold_fm = QFontMetrics(style.font(0, bold=True))
            id_w = bold_fm.horizontalAdvance(node["id"])
            p.drawText(QRectF(22, y, width - 30, self.HEADER), Qt.AlignVCenter | Qt.AlignLeft, node["id"])
            p.setFont(small)
            p.setPen(_muted())
            p.drawText(QRectF(22 + id_w + 8, y, width - 38 - id_w, self.HEADER), Qt.AlignVCenter | Qt.AlignLeft,
                       f"{node['type']} · {len(values)}" + (f"  —  {node['note']}" if node.get("note") else ""))
            y += self.HEADER
            top = float(np.max(np.abs(values))) if len(values) else 0.0
            top = top if np.isfinite(top) and top > 0 else 1.0
            labels = node.get("labels")
            label_w = 0
            if labels:
                label_w = min(max(fm.horizontalAdvance(str(s)) for s in labels) + 8, int(cell_w * 0.42))
            else:
                label_w = fm.horizontalAdvance(str(len(values))) + 8
            for k, value in enumerate(values):
                row, col = divmod(k, columns)
                x0 = 8 + col * cell_w
                y0 = y + row * self.ROW
                label = str(labels[k]) if labels else str(k + 1)
                p.setPen(_muted())
                p.drawText(QRectF(x0, y0, label_w - 6, self.ROW), Qt.AlignVCenter | Qt.AlignRight,
                           fm.elidedText(label, Qt.ElideRight, label_w - 6))
                bar_x = x0 + label_w
                bar_w = max(16.0, cell_w - label_w - number_w - 8)
                track = QRectF(bar_x, y0 + 4, bar_w, self.ROW - 8)
                p.setPen(Qt.NoPen)
                p.setBrush(_track())
                p.drawRect(track)
                v = float(value)
                f = float(np.clip(v / top, -1.0, 1.0)) if np.isfinite(v) else 0.0
                mid = bar_x + bar_w / 2
                bar = QRectF(min(mid, mid + f * bar_w / 2), track.y(), abs(f) * bar_w / 2, track.height())
                p.setBrush(QColor(colors.POSITIVE if v >= 0 else colors.NEGATIVE))
                if bar.width() > 0.4:
                    p.drawRect(bar)
                p.setPen(QPen(_muted(), 1))
                p.drawLine(int(mid), int(track.y()) - 1, int(mid), int(track.bottom()) + 1)
                p.setPen(_text())
                p.drawText(QRectF(bar_x + bar_w + 4, y0, number_w, self.ROW), Qt.AlignVCenter | Qt.AlignRight,
                           format_number(v).replace("-", "−"))
                self._cells.append((QRectF(x0, y0, cell_w, self.ROW), f"{node['id']}[{label}] = {v:.6g}"))
            rows = -(-len(values) // columns)
            y += rows * self.ROW + self.GAP
            if node is not self.nodes[-1]:
                p.setPen(QPen(QColor(style.theme().node_border), 1))
                p.drawLine(8, int(y - self.GAP / 2), width - 8, int(y - self.GAP / 2))
        p.end()


# ---- the panel ------------------------------------------------------------------------------------------
class PredictPanel(QWidget):
    """Type, paste or pick a row and see the network's prediction and every node's values."""

    row_changed = Signal()  # a new row was predicted: another row, or the same values from another sample

    def __init__(self, document, session=None) -> None:
        super().__init__()
        self.document = document
        self.session = session
        self.predictor: _EditorPredictor | None = None
        self.feature_names: list[str] = []
        self.fields: list[FeatureField] = []
        self._field_pairs: list[tuple[QLabel, FeatureField]] = []
        self._field_columns = 0
        self.sample_kind = "validation"
        self.samples: HeldOut | list = []
        self.from_sample: int | None = None  # the sample the fields hold, until the user edits one
        self.reason = ""  # why there is no prediction (the graph or the data cannot run)
        self.error = ""  # the inline message about the fields
        self.trained = False
        self.last_columns: dict[str, np.ndarray] = {}
        self.last_values: dict[str, np.ndarray] = {}
        self.last_row: np.ndarray | None = None
        self._row_sample: int | None = None  # the sample last_row came from (None: typed)
        self.refresh_count = 0  # forward passes shown (tests, and the throttle's own check)
        self._key = ""
        self._stale = True  # the network must be rebuilt (graph, dataset or settings changed)
        self._dirty = True  # something to show has changed while hidden
        self._parameters_seen = None

        self._build()
        self._throttle = QTimer(self, singleShot=True, interval=int(1000 / REFRESH_HZ))
        self._throttle.timeout.connect(self._refresh_if_visible)
        self._rebuild_timer = QTimer(self, singleShot=True, interval=REBUILD_DELAY_MS)
        self._rebuild_timer.timeout.connect(self._refresh_if_visible)

        document.project_replaced.connect(self._structure_changed)
        document.compiled.connect(self._structure_changed)
        document.loading_changed.connect(self._loading_changed)
        if session is not None:
            session.progressed.connect(self._progressed)
            session.cleared.connect(self._structure_changed)
            session.state_changed.connect(self._progressed)
            if hasattr(session, "settings_changed"):
                session.settings_changed.connect(self._structure_changed)
        self._update_status()  # the forward pass waits until the panel is first on screen

    # ---- widgets -----------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)

        self.status = self._muted()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        pick = QHBoxLayout()
        pick.setSpacing(6)
        self.sample_label = QLabel("Validation sample")
        self.sample_spin = QSpinBox()
        self.sample_spin.setMinimum(1)
        self.sample_spin.setKeyboardTracking(False)
        self.sample_spin.setToolTip("Fill the fields with a row the network did not train on")
        self.sample_spin.valueChanged.connect(lambda k: self.use_sample(k - 1))
        self.sample_count = self._muted()
        pick.addWidget(self.sample_label)
        pick.addWidget(self.sample_spin)
        pick.addWidget(self.sample_count)
        pick.addStretch(1)
        self.sample_image = QLabel()  # the row as an image, when the input is one
        self.sample_image.setToolTip("This row's features, drawn as the image the Input declares")
        self.sample_image.hide()
        pick.addWidget(self.sample_image)
        self.drawing = DigitDrawing()  # a pad to draw the row on, while the Input is an image (draw_pad.py)
        pick.addWidget(self.drawing.toggle)
        layout.addLayout(pick)
        layout.addWidget(self.drawing)
        self.drawing.row_drawn.connect(self.set_row)
        self.drawing.toggle.toggled.connect(lambda drawing: self.fields_scroll.setVisible(not drawing))
        self.sample_spin.valueChanged.connect(lambda _: self.drawing.toggle.setChecked(False))  # a sample instead

        self.fields_box = QWidget()
        self.fields_grid = QGridLayout(self.fields_box)
        self.fields_grid.setContentsMargins(0, 0, 0, 0)
        self.fields_grid.setHorizontalSpacing(8)
        self.fields_grid.setVerticalSpacing(2)
        self.fields_scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.NoFrame)
        self.fields_scroll.setWidget(self.fields_box)
        self.fields_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        layout.addWidget(self.fields_scroll)

        self.message = QLabel(wordWrap=True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.message.hide()
        layout.addWidget(self.message)

        self.results = QWidget()
        results = QVBoxLayout(self.results)
        results.setContentsMargins(0, 0, 0, 0)
        results.setSpacing(2)
        self.prediction = PredictionView()
        results.addWidget(self._heading("Prediction"))
        results.addWidget(self.prediction)
        results.addWidget(self._heading("Through the network"))
        self.forward = ForwardView()
        results.addWidget(self.forward)
        results.addStretch(1)
        self.results_scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.NoFrame)
        self.results_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.results_scroll.setWidget(self.results)
        layout.addWidget(self.results_scroll, 1)
        self.apply_theme()

    @staticmethod
    def _muted(text: str = "") -> QLabel:
        """A label in the theme's muted colour (given by ``apply_theme``)."""
        label = QLabel(text)
        label.setProperty("muted", True)
        return label

    @classmethod
    def _heading(cls, text: str) -> QLabel:
        label = cls._muted(text.upper())
        font = style.font(-1.5, bold=True)
        font.setLetterSpacing(font.SpacingType.PercentageSpacing, 108)
        label.setFont(font)
        label.setContentsMargins(0, 6, 0, 0)
        return label

    def apply_theme(self) -> None:
        """Take the colours of the current theme (after a switch at runtime, too): the labels' and
        the marked field's style sheets; the painted views read the theme as they paint."""
        t = style.theme()
        for label in self.findChildren(QLabel):
            if label.property("muted"):
                label.setStyleSheet(f"color: {t.muted_text.name()};")
        self.message.setStyleSheet(f"color: {t.error.name()};")
        for field in self.fields:
            field.set_invalid(field.invalid)
        self.prediction.update()
        self.forward.update()

    def _make_fields(self, names: list[str]) -> None:
        for label, field in self._field_pairs:
            label.deleteLater()
            field.deleteLater()
        self._field_pairs = []
        self.fields = []
        for name in names:
            label = self._muted(name)
            label.setFont(style.font(-1))
            label.setToolTip(name)
            field = FeatureField(name)
            field.textEdited.connect(self._field_edited)
            field.row_pasted.connect(self.paste_row)
            label.setBuddy(field)
            self._field_pairs.append((label, field))
            self.fields.append(field)
        self.feature_names = list(names)
        self._field_columns = 0
        self._place_fields()
        self.apply_theme()  # colours the new labels

    def _place_fields(self) -> None:
        """Label above field, as many columns as the panel's width allows (at most FIELD_COLUMNS)."""
        n = len(self._field_pairs)
        columns = int(np.clip((self.width() - 24) // FIELD_WIDTH, 1, min(FIELD_COLUMNS, max(1, n))))
        if columns == self._field_columns:
            return
        self._field_columns = columns
        for label, field in self._field_pairs:
            self.fields_grid.removeWidget(label)
            self.fields_grid.removeWidget(field)
        for k, (label, field) in enumerate(self._field_pairs):
            row, col = divmod(k, columns)
            self.fields_grid.addWidget(label, 2 * row, col)
            self.fields_grid.addWidget(field, 2 * row + 1, col)
        for col in range(FIELD_COLUMNS):
            self.fields_grid.setColumnStretch(col, 1 if col < columns else 0)
        rows = -(-n // columns) if n else 0
        one = QFontMetrics(style.font(-1)).height() + 2 + 26 + 2
        self.fields_scroll.setFixedHeight(min(MAX_FIELDS_HEIGHT, rows * one + 4))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_fields()

    # ---- filling the fields ---------------------------------------------------------------------------
    def set_row(self, values) -> None:
        """Put raw feature values into the fields (a typed row) and show its prediction."""
        for field, value in zip(self.fields, values):
            field.setText(field_text(float(value)))
        self.from_sample = None
        self.refresh()

    def use_sample(self, index: int) -> None:
        """Fill the fields with held-out row ``index`` (0-based) and show its prediction."""
        if not len(self.samples):
            return
        self._fill_sample(int(np.clip(index, 0, len(self.samples) - 1)))
        self.refresh()

    def paste_row(self, text: str) -> None:
        """A pasted row: one cell per feature fills every field; anything else is refused inline."""
        cells = parse_row(text)
        n = len(self.fields)
        sender = self.sender()
        if len(cells) != n:
            if isinstance(sender, FeatureField):  # leave the field as it was before the paste
                sender.undo()
            self._show_error(
                f"The pasted row has {len(cells)} value{'s' if len(cells) != 1 else ''}; this network takes "
                f"{n} ({', '.join(self.feature_names)}), in that order."
            )
            return
        for field, cell in zip(self.fields, cells):
            field.setText(cell)
        self.from_sample = None
        self.refresh()

    def _field_edited(self, text: str) -> None:
        if SEPARATORS.search(text):
            return  # a pasted row: paste_row handles it
        self.from_sample = None
        self.refresh()

    def read_row(self) -> np.ndarray | None:
        """The fields as numbers, or None with the first bad cell marked and named inline."""
        row, bad = [], None
        for field in self.fields:
            text = field.text().strip()
            value = parse_number(text) if text else None
            ok = value is not None and np.isfinite(value)
            field.set_invalid(not ok and bad is None)
            if not ok and bad is None:
                what = f"“{text}” is not a number" if text else "needs a number"
                bad = f"{field.name}: {what}"
            row.append(value if ok else np.nan)
        if bad is not None:
            self._show_error(bad)
            return None
        return np.array(row, dtype=np.float64)

    def _show_error(self, text: str) -> None:
        self.error = text
        self.message.setText(f"⚠ {text}" if text else "")
        self.message.setVisible(bool(text))
        self.results.setEnabled(not text)  # the last prediction stays, dimmed, until the row is good

    # ---- following the document and the session -----------------------------------------------------
    def _structure_changed(self) -> None:
        self._stale = True
        self._dirty = True
        self._rebuild_timer.start()

    def _loading_changed(self) -> None:
        if self.predictor is None:  # "Nothing to predict yet: Loading digits.csv… 43%" follows the load
            self._key = ""
            self._stale = self._dirty = True
            self._refresh_if_visible()

    def _progressed(self) -> None:
        self._dirty = True
        if not self._throttle.isActive():
            self._throttle.start()

    def shown(self) -> bool:
        return on_screen(self)

    def _refresh_if_visible(self) -> None:
        if self.shown():
            self.refresh()

    def visibility_changed(self, visible: bool) -> None:
        """The dock's tab came to the front (or the dock was shown): catch up if something changed."""
        if visible and self._dirty:
            QTimer.singleShot(0, self._refresh_if_visible)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.visibility_changed(True)

    def _structure_key(self) -> tuple:
        """What the predictor is made of: the compiled model, and the settings that split the rows."""
        training = self.document.project.training
        return self.document.model, training["validation_split"], training["seed"]  # the model itself: ids get reused

    def _rebuild(self) -> None:
        self._stale = False
        key = self._structure_key()
        if key == self._key and (self.predictor is not None or self.reason):
            return
        self._key = key
        self.predictor, self._parameters_seen = None, None
        document = self.document
        if document.model is None:
            errors = document.analysis.errors
            self.reason = self._reason_text(errors[0].message if errors else document.loading_text() or document.compile_error)
            self.drawing.follow(None)
            return
        predictor = _EditorPredictor(document.project, document.dataset, document.model.clone())
        samples = HeldOut(predictor.network)
        kind = samples.kind
        self.reason = ""
        self.predictor = predictor
        self.drawing.follow(predictor.network)
        names = predictor.feature_names
        self.sample_kind, self.samples = kind, samples
        self.sample_label.setText(f"{kind.capitalize()} sample")
        self.sample_spin.blockSignals(True)
        self.sample_spin.setMaximum(max(1, len(samples)))
        self.sample_spin.blockSignals(False)
        self.sample_count.setText(f"of {len(samples):,}")
        if names != self.feature_names:
            self._make_fields(names)
            self.from_sample = None
            if len(samples):
                self._fill_sample(0)
        elif self.from_sample is not None and len(samples):
            self._fill_sample(min(self.from_sample, len(samples) - 1))

    def _fill_sample(self, index: int) -> None:
        for field, value in zip(self.fields, self.samples[index]):
            field.setText(field_text(value))
        self.from_sample = index
        self.sample_spin.blockSignals(True)
        self.sample_spin.setValue(index + 1)
        self.sample_spin.blockSignals(False)

    @staticmethod
    def _reason_text(message: str) -> str:
        first = message.strip().splitlines()
        text = " ".join(line.strip() for line in first[:3])
        return f"Nothing to predict yet: {text}"

    def _current_parameters(self) -> tuple[object, dict | None]:
        """(a token that changes when they change, the parameters): the session's latest detail
        snapshot (copies, safe while a run goes on), else the project's."""
        session = self.session
        detail = getattr(session, "detail", None) if session is not None else None
        if detail is not None and getattr(detail, "parameters", None):
            return ("detail", id(detail), getattr(session, "detail_version", 0)), detail.parameters
        project = self.document.project
        return ("project", id(project.parameters)), project.parameters

    def _is_trained(self) -> bool:
        session, project = self.session, self.document.project
        if session is not None:
            return bool(session.trained) or project.epoch > 0
        return bool(project.parameters) and (project.epoch > 0 or bool(project.history.get("loss")))

    # ---- the forward pass --------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Rebuild if needed, take the latest parameters, and show the row's forward pass."""
        self._throttle.stop()
        self._dirty = False
        if self._stale:
            self._rebuild()
        self._update_status()
        if self.predictor is None:
            self.prediction.clear()
            self.forward.show_nodes([])
            self.sample_image.hide()
            self._set_controls_enabled(False)
            return
        self._set_controls_enabled(True)
        token, parameters = self._current_parameters()
        if token != self._parameters_seen:
            self.predictor.load(parameters or {})
            self._parameters_seen = token
        row = self.read_row()
        if row is None:
            return
        self._show_error("")
        try:
            values = self.predictor.node_values(row)
            columns = self.predictor.predict(row)
        except (NeuroCanvasError, ValueError, FloatingPointError) as e:
            self._show_error(str(e))
            return
        changed = self.last_row is None or not np.array_equal(row, self.last_row) or self.from_sample != self._row_sample
        self.last_row, self.last_values, self.last_columns, self._row_sample = row, values, columns, self.from_sample
        if changed:
            self.row_changed.emit()
        self.refresh_count += 1
        self._show_image(row)
        self._show(values, columns)

    def _show_image(self, row: np.ndarray) -> None:
        model = self.predictor.network.model
        shape = model.shapes[model.input_ids[0]] if len(model.input_ids) == 1 else ()
        if len(shape) == 3:
            self.sample_image.setPixmap(sample_pixmap(row, shape, scale=max(1, 48 // max(shape[1:]))))
        self.sample_image.setVisible(len(shape) == 3)

    def _set_controls_enabled(self, enabled: bool) -> None:
        self.fields_box.setEnabled(enabled)
        self.sample_spin.setEnabled(enabled and len(self.samples) > 0)
        if not enabled:
            self.message.hide()

    def _update_status(self) -> None:
        if self.predictor is None:
            self.status.setText(self.reason or "Nothing to predict yet.")
            self.trained = False
            return
        self.trained = self._is_trained()
        session = self.session
        running = session is not None and getattr(session, "running", None)
        if self.trained:
            epoch = getattr(session, "position", None) if session is not None else None
            epoch = epoch if epoch is not None else float(self.document.project.epoch)
            where = f"epoch {epoch:.2f}".rstrip("0").rstrip(".") if epoch != int(epoch) else f"epoch {int(epoch)}"
            self.status.setText(f"{'Training — ' if running else 'Trained — '}the parameters at {where}.")
        else:
            self.status.setText("Untrained: these are the seeded initial parameters. Train to watch the values change.")

    def _truth(self) -> str:
        if self.from_sample is None or not len(self.samples):
            return ("a drawn digit" if self.drawing.toggle.isChecked() else "a typed row") if self.fields else ""
        k = self.from_sample
        ds = self.predictor.network.dataset
        y = self.samples.target(k)
        if ds.task == "classification":
            truth = ds.class_names[int(y)]
            predicted = str(self.last_columns.get("class", [""])[0])
            mark = "✓" if truth == predicted else "✗ wrong"
            return f"true class: {truth}  {mark}"
        values = np.atleast_1d(y)
        shown = ", ".join(f"{n} = {format_number(float(v))}" for n, v in zip(ds.target_names, values))
        return f"true: {shown}"

    def _show(self, values: dict[str, np.ndarray], columns: dict[str, np.ndarray]) -> None:
        network = self.predictor.network
        ds = network.dataset
        self.prediction.show_columns(columns, network.output_kind, list(ds.class_names), self._truth())
        model = network.model
        nodes = []
        order = list(model.input_ids) + [n for n, _, _ in model.plan]
        for node_id in order:
            if node_id not in values:
                continue
            node = network.node(node_id)
            row = np.asarray(values[node_id][0], dtype=float).ravel()  # an image's values, channel by channel
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
            nodes.append({
                "id": node_id, "type": self._type_text(node), "values": row,
                "labels": labels, "note": note, "category": node.kind.category,
            })
        self.forward.show_nodes(nodes)

    @staticmethod
    def _type_text(node) -> str:
        function = node.kind.activation(node.params)
        return f"{node.type} ({function})" if function else node.type


def install_predict(window):
    """Add the Predict dock to ``window`` (a MainWindow), tabbed with the Training panel."""
    session = getattr(getattr(window, "training", None), "session", None)
    panel = PredictPanel(window.document, session)
    dock = window.add_dock("predict", "Predict", panel, Qt.RightDockWidgetArea)
    dock.visibilityChanged.connect(panel.visibility_changed)
    training = window.docks.get("training")
    if training is not None:
        window.tabifyDockWidget(training, dock)
        training.raise_()
    return panel
