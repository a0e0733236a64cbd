"""The Output view: the prediction over the input plane, the fitted curve, the confusion matrix or
predicted against actual."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel

from ... import style
from .. import colors
from ...elided_label import ElidedLabel
from .base import GRID, PREDICTED_ROWS, View, class_legend, colour_bar, f32, legend, strided, target_columns


class CellCounts(pg.GraphicsObject):
    """The count in each cell of a k × k matrix, drawn upright at the cells' centres: one item, where a
    TextItem per cell took 60 ms to build for ten classes."""

    def __init__(self) -> None:
        super().__init__()
        self.counts = np.zeros((0, 0), dtype=np.int64)
        self.dark_cell = np.zeros((0, 0), dtype=bool)

    def set_counts(self, counts: np.ndarray, dark_cell: np.ndarray) -> None:
        if counts.shape != self.counts.shape:
            self.prepareGeometryChange()
        self.counts, self.dark_cell = counts.astype(np.int64), dark_cell
        self.update()

    def text(self, i: int, j: int) -> str:
        return str(self.counts[i, j]) if self.counts[i, j] else ""

    def colour(self, i: int, j: int) -> QColor:
        """Light text on a dark cell, dark text on a pale one."""
        return style.DARK.text if self.dark_cell[i, j] else style.LIGHT.text

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.counts.shape[1], self.counts.shape[0])

    def paint(self, painter, *args) -> None:
        to_device = painter.transform()
        painter.resetTransform()
        painter.setFont(style.font())
        k_rows, k_cols = self.counts.shape
        for i in range(k_rows):
            for j in range(k_cols):
                if self.counts[i, j]:
                    centre = to_device.map(QPointF(j + 0.5, i + 0.5))
                    painter.setPen(self.colour(i, j))
                    painter.drawText(QRectF(centre.x() - 40, centre.y() - 12, 80, 24), Qt.AlignCenter, self.text(i, j))


class OutputView(View):
    title = "Output"

    def __init__(self, hub) -> None:
        super().__init__(hub)
        self.mode_label = ElidedLabel()
        self.header.addWidget(self.mode_label, 1)
        self.discrete_box = QCheckBox("Discretize")
        self.discrete_box.setToolTip("Show the predicted class instead of the probability")
        self.discrete_box.toggled.connect(lambda *_: setattr(self, "dirty", True))
        self.header.addWidget(self.discrete_box)
        self.compare_label = QLabel("Beside")
        self.compare_box = QComboBox()
        self.compare_box.setToolTip("Another run's boundary side by side with this one's (its last parameters)")
        self.compare_box.currentIndexChanged.connect(lambda *_: setattr(self, "dirty", True))
        self.header.addWidget(self.compare_label)
        self.header.addWidget(self.compare_box)
        self.plot = self.add_plot(0, 0)
        self.compare_plot: pg.PlotItem | None = None
        self.compare_image: pg.ImageItem | None = None
        self.mode = None
        self.bar = None
        self.legend: pg.LegendItem | None = None  # beside the plot: what each colour and mark is
        self._ranged = None

    def clear(self) -> None:
        self.mode = None
        self._ranged = None
        self._remove_compare()

    def apply_theme(self) -> None:
        super().apply_theme()
        self.mode = None  # built again in the theme's colours

    def _build(self, mode: str) -> None:
        info = self.session.info
        self.plot.clear()
        if self.bar is not None:
            self.plot.layout.removeItem(self.bar)  # setImageItem(insert_in=plot) put it in the plot's own layout
            self.bar.scene().removeItem(self.bar)
            self.bar = None
        if self.legend is not None:
            self.graphics.removeItem(self.legend)
            self.legend = None
        for name in ("bottom", "left"):
            self.plot.getAxis(name).setTicks(None)
        self.plot.setTitle(None)
        self.plot.invertY(False)
        self.plot.setAspectLocked(mode == "plane")
        self.discrete_box.setVisible(mode == "plane" and info.task == "classification")
        if mode == "plane":
            self.image = pg.ImageItem(axisOrder="row-major")
            self.plot.addItem(self.image)
            if info.task == "regression":
                self.bar = colour_bar("prediction")
                self.bar.setImageItem(self.image, insert_in=self.plot)
            self.train_points = pg.ScatterPlotItem(size=6, pen=pg.mkPen("#ffffff", width=0.8))
            self.val_points = pg.ScatterPlotItem(size=7, brush=pg.mkBrush(0, 0, 0, 0), symbol="o")
            self.plot.addItem(self.train_points)
            self.plot.addItem(self.val_points)
            self._set_points()
            if info.task == "classification":
                self._add_legend(class_legend(info.class_names, info.n_classes))
            if len(info.x_val):
                self._legend().addItem(pg.ScatterPlotItem(symbol="o", size=8, brush=pg.mkBrush(0, 0, 0, 0),
                                                          pen=pg.mkPen(colors.foreground(), width=1.6)), "validation")
            names = info.feature_names
            self.plot.setLabel("bottom", names[0] if names else "x1")
            self.plot.setLabel("left", names[1] if len(names) > 1 else "x2")
        elif mode == "curve":
            self.train_points = pg.ScatterPlotItem(size=5, brush=pg.mkBrush(colors.POSITIVE + "90"), pen=None)
            self.val_points = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(0, 0, 0, 0), pen=pg.mkPen(colors.NEGATIVE))
            self.curve = pg.PlotDataItem(pen=pg.mkPen(style.theme().text, width=2.5))
            for item in (self.train_points, self.val_points, self.curve):
                self.plot.addItem(item)
            key = self._legend()
            key.addItem(self.train_points, "training")
            if len(info.x_val):
                key.addItem(self.val_points, "validation")
            key.addItem(self.curve, "the network's prediction")
            self.train_points.setData(info.x_train[:, 0], target_columns(info.y_train)[:, 0])
            self.val_points.setData(info.x_val[:, 0], target_columns(info.y_val)[:, 0])
            self.plot.setLabel("bottom", info.feature_names[0] if info.feature_names else "x")
            self.plot.setLabel("left", "target")
        elif mode == "confusion":
            k = max(info.n_classes, 2)
            self.image = pg.ImageItem(axisOrder="row-major")
            self.image.setColorMap(colors.density())
            self.plot.addItem(self.image)
            self.bar = colour_bar("share of the actual class", colors.density())
            self.bar.setImageItem(self.image, insert_in=self.plot)
            self.bar.setLevels((0.0, 1.0))
            self.plot.invertY(True)
            self.plot.setAspectLocked(True)
            self.counts = CellCounts()
            self.plot.addItem(self.counts)
            ticks = [(i + 0.5, (info.class_names[i] if i < len(info.class_names) else str(i))[:10]) for i in range(k)]
            self.plot.getAxis("bottom").setTicks([ticks])
            self.plot.getAxis("left").setTicks([ticks])
            self.plot.setLabel("bottom", "predicted")
            self.plot.setLabel("left", "actual")
            self.plot.setRange(xRange=(0, k), yRange=(0, k), padding=0.02)
        else:  # predicted vs actual
            self.train_points = pg.ScatterPlotItem(size=5, brush=pg.mkBrush(colors.POSITIVE + "80"), pen=None)
            self.val_points = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(colors.NEGATIVE + "c0"), pen=None)
            self.diagonal = pg.PlotDataItem(pen=pg.mkPen(colors.foreground(), width=1, style=Qt.DashLine))
            for item in (self.diagonal, self.train_points, self.val_points):
                self.plot.addItem(item)
            key = self._legend()
            key.addItem(self.train_points, "training")
            if len(info.x_val):
                key.addItem(self.val_points, "validation")
            key.addItem(self.diagonal, "perfect")
            self.plot.setLabel("bottom", "actual")
            self.plot.setLabel("left", "predicted")
        self.mode = mode

    def _add_legend(self, legend: pg.LegendItem) -> None:
        self.legend = legend
        self.graphics.addItem(legend, row=0, col=1)
        self.graphics.ci.layout.setAlignment(legend, Qt.AlignTop)

    def _legend(self) -> pg.LegendItem:
        if self.legend is None:
            self._add_legend(legend())
        return self.legend

    def _set_points(self) -> None:
        """The rows as points on the plane: every one, or MAX_POINTS of each set, evenly spaced."""
        info = self.session.info
        x_train, y_train = strided(info.x_train, info.y_train)
        x_val, y_val = strided(info.x_val, info.y_val)
        if info.task == "classification":
            brushes = [pg.mkBrush(colors.class_colour(k)) for k in range(max(info.n_classes, 2))]
            pens = [pg.mkPen(colors.class_colour(k), width=1.6) for k in range(max(info.n_classes, 2))]
            self.train_points.setData(x_train[:, 0], x_train[:, 1], brush=[brushes[int(c)] for c in y_train])
            self.val_points.setData(x_val[:, 0], x_val[:, 1], pen=[pens[int(c)] for c in y_val])
        else:
            y = target_columns(y_train)[:, 0]
            lo, hi = float(y.min()), float(y.max())
            cmap = colors.diverging()
            t = (y - lo) / (hi - lo) if hi > lo else np.full_like(y, 0.5)
            self.train_points.setData(x_train[:, 0], x_train[:, 1], brush=[pg.mkBrush(c) for c in cmap.mapToQColor(t)])
            self.val_points.setData(x_val[:, 0], x_val[:, 1], pen=pg.mkPen(colors.foreground(), width=1.2))

    def _mode(self) -> str | None:
        info = self.session.info
        if info is None:
            return None
        out_width = info.shapes[info.output_id][0]
        if info.n_features == 2 and (info.task == "classification" or out_width == 1):
            return "plane"
        if info.n_features == 1 and info.task == "regression" and out_width == 1:
            return "curve"
        if info.task == "classification":
            return "confusion"
        return "scatter"

    def refresh(self) -> None:
        s = self.session
        mode = self._mode()
        if mode is None:
            self.show_message(s.reason or "No model yet.")
            return
        if s.detail is None or s.detail.parameters is None:
            self.show_message("The output appears after the first step.")
            return
        if mode != self.mode or getattr(self, "_built_task", None) != s.info.task:  # a plane of classes has no colour bar
            self._build(mode)
            self._built_task = s.info.task
        self.show_plots()
        info = s.info
        titles = {
            "plane": "Prediction over the input plane — filled dots: training, rings: validation",
            "curve": "The fitted curve over the data",
            "confusion": f"Confusion matrix on the {'validation' if len(info.x_val) else 'training'} samples",
            "scatter": "Predicted vs. actual (dashed: perfect)",
        }
        self.mode_label.setText(titles[mode])
        getattr(self, f"_draw_{mode}")()

    def _draw_plane(self) -> None:
        info = self.session.info
        grid = self.hub.plane()
        if grid is None:
            return
        values, rect = grid
        out = values[info.output_id]
        g = GRID
        if info.task == "classification":
            if out.shape[1] == 1:
                p1 = out[:, 0]
                if self.discrete_box.isChecked():
                    p1 = (p1 > 0.5).astype(np.float32)
                probs = np.stack([1 - p1, p1], axis=1)
            else:
                probs = out
                if self.discrete_box.isChecked():
                    probs = np.eye(out.shape[1], dtype=np.float32)[out.argmax(axis=1)]
            rgb = self._blend(probs).reshape(g, g, 3)
            self.image.setImage(np.ascontiguousarray(rgb, dtype=np.float32), levels=(0, 255), autoLevels=False)
        else:
            y = target_columns(info.y_train)[:, 0]
            lo, hi = float(y.min()), float(y.max())
            self.image.setImage(f32(out[:, 0].reshape(g, g)), levels=(lo, hi if hi > lo else lo + 1), autoLevels=False)
            self.bar.setLevels((lo, hi if hi > lo else lo + 1))
        self.image.setRect(rect)
        if self._ranged is not info:
            self._ranged = info
            self.plot.setRange(rect, padding=0)
        self._draw_compare(rect)

    # ---- another run beside this one -----------------------------------------------------------------
    def _comparable(self) -> list:
        """Earlier runs whose last parameters fit this graph: their boundaries can be drawn beside."""
        s = self.session
        current = s.run
        if current is None:
            return []
        return [r for r in s.runs if r.id != current.id and r.parameters is not None and r.layout == current.layout]

    def _draw_compare(self, rect: QRectF) -> None:
        runs = self._comparable()
        items = [(f"{r.name} (epoch {r.epoch})", r.id) for r in runs]
        if [(self.compare_box.itemText(i), self.compare_box.itemData(i)) for i in range(1, self.compare_box.count())] != items:
            chosen = self.compare_box.currentData()
            self.compare_box.blockSignals(True)
            self.compare_box.clear()
            self.compare_box.addItem("—", None)
            for text, run_id in items:
                self.compare_box.addItem(text, run_id)
            self.compare_box.setCurrentIndex(max(self.compare_box.findData(chosen), 0))
            self.compare_box.blockSignals(False)
        self.compare_label.setVisible(bool(items))
        self.compare_box.setVisible(bool(items))
        run_id = self.compare_box.currentData()
        if run_id is None or self.session.info.task != "classification":
            self._remove_compare()
            return
        out = self.hub.plane_of(self.session.runs.get(run_id).parameters)
        if out is None:
            return
        if self.compare_plot is None:
            self.compare_plot = self.add_plot(0, 2)
            self.compare_plot.setAspectLocked(True)
            self.compare_plot.setXLink(self.plot)
            self.compare_plot.setYLink(self.plot)
            self.compare_image = pg.ImageItem(axisOrder="row-major")
            self.compare_plot.addItem(self.compare_image)
        out = out[self.session.info.output_id]
        probs = np.stack([1 - out[:, 0], out[:, 0]], axis=1) if out.shape[1] == 1 else out
        rgb = self._blend(probs).reshape(GRID, GRID, 3)
        self.compare_image.setImage(np.ascontiguousarray(rgb, dtype=np.float32), levels=(0, 255), autoLevels=False)
        self.compare_image.setRect(rect)
        self.compare_plot.setTitle(self.compare_box.currentText(), size="9pt")
        self.plot.setTitle(self.session.run.name if self.session.run else "", size="9pt")

    def _remove_compare(self) -> None:
        if self.compare_plot is not None:
            self.graphics.removeItem(self.compare_plot)
            self.compare_plot = self.compare_image = None
            self.plot.setTitle(None)

    def _blend(self, probs: np.ndarray) -> np.ndarray:
        """Each point's colour: the class colours weighted by probability, paled toward the background
        where the model is unsure (TensorFlow Playground's picture)."""
        k = probs.shape[1]
        palette = colors.class_rgb()[:k] if k > 2 else colors.class_rgb()[:2]
        rgb = probs @ palette
        confidence = np.clip((probs.max(axis=1) - 1.0 / k) / (1 - 1.0 / k), 0, 1)[:, None]
        bg = np.array(pg.mkColor(colors.centre()).getRgb()[:3], dtype=np.float32)
        strength = 0.25 + 0.55 * confidence
        return bg + (rgb - bg) * strength

    def _predict(self, x: np.ndarray) -> np.ndarray:
        return self.hub.predict(x)

    def _draw_curve(self) -> None:
        info = self.session.info
        x = np.concatenate([info.x_train[:, 0], info.x_val[:, 0]])
        lo, hi = float(x.min()), float(x.max())
        pad = (hi - lo) * 0.05 or 1.0
        grid = np.linspace(lo - pad, hi + pad, 200, dtype=np.float32)[:, None]
        y = self._predict(grid)
        if y is not None:
            self.curve.setData(grid[:, 0], y[:, 0])

    def _draw_confusion(self) -> None:
        info = self.session.info
        rows, which = (info.x_val, info.y_val), "validation"
        if not len(info.x_val):
            rows, which = (info.x_train, info.y_train), "training"
        x, y = strided(*rows, limit=PREDICTED_ROWS)
        out = self._predict(x)
        if out is None:
            return
        k = max(info.n_classes, 2)
        predicted = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0.5).astype(int)
        matrix = np.zeros((k, k), dtype=np.float32)
        np.add.at(matrix, (y.astype(int), predicted.astype(int)), 1)
        row_share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
        self.image.setImage(np.ascontiguousarray(row_share), levels=(0, 1), autoLevels=False)
        self.image.setRect(QRectF(0, 0, k, k))
        # Light text on a dark cell, dark text on a pale one: the map runs pale to dark in the light
        # theme and dark to pale in the dark theme.
        cells = self.image.getColorMap().map(row_share.ravel(), mode="float")[:, :3] @ [0.299, 0.587, 0.114]
        self.counts.set_counts(matrix, cells.reshape(k, k) < 0.5)
        accuracy = float(np.trace(matrix) / max(matrix.sum(), 1))
        among = f" on {len(x):,} of the {len(rows[0]):,} {which} rows" if len(x) < len(rows[0]) else ""
        self.plot.setTitle(f"accuracy {accuracy:.1%}{among}", size="9pt")

    def _draw_scatter(self) -> None:
        info = self.session.info
        x_train, y_train = strided(info.x_train, info.y_train, limit=PREDICTED_ROWS)
        pred_train = self._predict(x_train)
        if pred_train is None:
            return
        y_train = target_columns(y_train)
        self.train_points.setData(y_train.ravel(), pred_train.ravel())
        if len(info.x_val):
            x_val, y_val = strided(info.x_val, info.y_val, limit=PREDICTED_ROWS)
            self.val_points.setData(target_columns(y_val).ravel(), self._predict(x_val).ravel())
        lo, hi = float(y_train.min()), float(y_train.max())
        self.diagonal.setData([lo, hi], [lo, hi])
