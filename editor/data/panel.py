"""The Dataset dock: where the project's data comes from, with a look at it before and after.

Four pages, one per source of the project format: generated toy problems (live: a slider
drag regenerates and re-plots, and is one undo step), the bundled datasets (description,
size, first rows, digits as images), a CSV file (preview of the first rows only; the whole
file is read off the GUI thread when the user applies) and points drawn by hand (saved
inline). Every change is one undo step that also resizes the Input nodes (``use_dataset``);
a spec the engine refuses shows its message and changes nothing.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QItemSelectionModel, QPersistentModelIndex, QSize, Qt, QTimer, Signal,
)
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QBoxLayout, QButtonGroup, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout,
    QFrame, QGridLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QScrollArea,
    QSlider, QSpinBox, QTabWidget, QToolButton, QVBoxLayout, QWidget,
)

from engine.datasets import (
    BUILTINS, GENERATORS, MAX_NOISE, MAX_SEED, CellError, Dataset, load_builtin, load_dataset, parse_number,
)
from engine.errors import DatasetError

from .. import style
from ..glyphs import swatch
from ..training import colors
from . import specs
from .commands import use_dataset
from .csv_preview import CsvPreview, PreviewError, read_preview
from .image_grid import add_images_tab
from .plots import DrawingPlane, ScatterPreview
from .tables import PREVIEW_ROWS, format_value, preview_table

GENERATOR_LABELS = {
    "xor": "XOR", "circles": "Circles", "moons": "Moons", "spirals": "Spirals",
    "gaussians": "Gaussian blobs", "plane": "Plane (regression)", "sine": "Sine (regression)",
}
BUILTIN_LABELS = {"iris": "Iris", "wine": "Wine", "breast_cancer": "Breast cancer", "digits": "Digits",
                  "diabetes": "Diabetes"}
SOURCE_TABS = ("generated", "builtin", "csv", "inline")
TAB_TITLES = {"generated": "Generated", "builtin": "Built-in", "csv": "CSV", "inline": "Draw"}
DEBOUNCE_MS = 40
MAX_SLIDER_SAMPLES = 2000
MAX_DRAW_CLASSES = 6
MAX_COPIED_POINTS = 2000
SHOWN_DIGITS = 10


def _muted(text: str = "") -> QLabel:
    label = QLabel(text, wordWrap=True)
    label.setStyleSheet(f"color: {style.theme().muted_text.name()};")
    return label


def _error_label() -> QLabel:
    label = QLabel(wordWrap=True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    label.setStyleSheet(f"color: {style.theme().error.name()};")
    label.hide()
    return label


def _show_error(label: QLabel, text: str) -> None:
    label.setText(f"⚠ {text}" if text else "")
    label.setVisible(bool(text))


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else many or word + 's'}"


def size_text(ds: Dataset) -> str:
    parts = [_plural(ds.n_samples, "sample"), _plural(ds.n_features, "feature")]
    if ds.task == "classification":
        names = ", ".join(ds.class_names[:10]) + (" …" if ds.n_classes > 10 else "")
        parts.append(f"{_plural(ds.n_classes, 'class', 'classes')} ({names})")
    else:
        parts.append(f"regression on {', '.join(ds.target_names)}")
    return " · ".join(parts)


@lru_cache(maxsize=None)
def _builtin(name: str) -> Dataset:
    return load_builtin(name)


def digit_pixmap(pixels: np.ndarray, scale: int = 4) -> QPixmap:
    """An 8×8 digit (counts 0..16) as dark ink on white, scaled without smoothing."""
    ink = np.clip(255 - pixels.reshape(8, 8) * (255 / 16), 0, 255).astype(np.uint8)
    ink = np.ascontiguousarray(np.kron(ink, np.ones((scale, scale), dtype=np.uint8)))
    h, w = ink.shape
    image = QImage(ink.data, w, h, w, QImage.Format_Grayscale8).copy()
    return QPixmap.fromImage(image)


# ---- the pages --------------------------------------------------------------------------------------

class _FitScroll(QScrollArea):
    """Shows its page at the viewport's size, scrolling only below the page's minimum size.

    (QScrollArea's own widgetResizable follows height-for-width hints, which a page of
    word-wrapped labels beside a plot answers with a needlessly tall page.)"""

    def __init__(self, page: QWidget) -> None:
        super().__init__(frameShape=QFrame.NoFrame)
        self.setWidget(page)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.fit()

    def fit(self) -> None:
        page, view = self.widget(), self.viewport().size()
        minimum = page.minimumSizeHint()
        page.resize(max(view.width(), minimum.width()), max(view.height(), minimum.height()))


WIDE = 520  # from this width on, a page puts its controls beside its preview
SIDE_WIDTH = 290


def _add(layout: QBoxLayout, item) -> None:
    (layout.addWidget if isinstance(item, QWidget) else layout.addLayout)(item)


def _split(page: QWidget, controls: list, preview: QWidget, top: tuple = ()) -> None:
    """Lay ``page`` out as its controls and its preview: stacked when narrow, side by side when wide.

    The ``top`` items span the page's width above both."""
    side = QWidget()
    column = QVBoxLayout(side)
    column.setContentsMargins(0, 0, 0, 0)
    for item in controls:
        _add(column, item)
    page.side_stretch = column.count()
    column.addStretch(0)
    outer = QVBoxLayout(page)
    outer.setContentsMargins(6, 8, 6, 6)
    for item in top:
        _add(outer, item)
    layout = QBoxLayout(QBoxLayout.TopToBottom)
    outer.addLayout(layout, 1)
    layout.addWidget(side)
    layout.addWidget(preview, 1)
    page.split, page.side, page.side_column = layout, side, column


def set_wide(page: QWidget, wide: bool) -> None:
    page.split.setDirection(QBoxLayout.LeftToRight if wide else QBoxLayout.TopToBottom)
    page.side.setMaximumWidth(SIDE_WIDTH if wide else 16_777_215)
    page.side.setMinimumWidth(SIDE_WIDTH if wide else 0)
    page.side_column.setStretch(page.side_stretch, 1 if wide else 0)


class SliderSpin(QWidget):
    """A slider with a spin box beside it; ``edited`` on user changes from either."""

    edited = Signal()

    def __init__(self, spin, scale: float, slider_max: int) -> None:
        super().__init__()
        self.spin, self.scale = spin, scale
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(int(spin.minimum() * scale), slider_max)
        spin.setKeyboardTracking(False)
        spin.setMinimumWidth(78)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(spin)
        self.slider.valueChanged.connect(self._slid)
        spin.valueChanged.connect(self._spun)

    def value(self):
        return self.spin.value()

    def set_value(self, value) -> None:
        for w in (self.slider, self.spin):
            w.blockSignals(True)
        self.spin.setValue(value)
        self.slider.setValue(int(round(value * self.scale)))
        for w in (self.slider, self.spin):
            w.blockSignals(False)

    def _slid(self, v: int) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(v / self.scale if isinstance(self.spin, QDoubleSpinBox) else v)
        self.spin.blockSignals(False)
        self.edited.emit()

    def _spun(self, v) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(int(round(v * self.scale)))
        self.slider.blockSignals(False)
        self.edited.emit()


class GeneratedPage(QWidget):
    edited = Signal(str)  # the key the user changed: name, samples, noise, classes, seed
    use_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.generator = QComboBox()
        for name in GENERATORS:
            self.generator.addItem(GENERATOR_LABELS.get(name, name), name)
        self.samples = SliderSpin(QSpinBox(minimum=10, maximum=100_000, singleStep=10), 1, MAX_SLIDER_SAMPLES)
        # The slider covers the useful range; the spin box holds all the engine accepts.
        self.noise = SliderSpin(QDoubleSpinBox(minimum=0.0, maximum=MAX_NOISE, singleStep=0.01, decimals=2), 100, 100)
        self.classes = QSpinBox(minimum=2, maximum=10, keyboardTracking=False)
        self.seed = QSpinBox(minimum=0, maximum=MAX_SEED, keyboardTracking=False)
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setToolTip("Draw new points: the next seed")
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.regenerate)
        self.form = QFormLayout()
        self.form.setVerticalSpacing(4)
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.form.addRow("Problem", self.generator)
        self.form.addRow("Samples", self.samples)
        self.form.addRow("Noise", self.noise)
        self.form.addRow("Classes", self.classes)
        self.form.addRow("Seed", seed_row)
        self.description = _muted()
        self.preview = ScatterPreview()
        self.use_button = QPushButton("Use Generated Data")
        _split(self, [self.form, self.description, self.use_button], self.preview)

        self.generator.activated.connect(lambda _: self._edited("name"))
        self.samples.edited.connect(lambda: self._edited("samples"))
        self.noise.edited.connect(lambda: self._edited("noise"))
        self.classes.valueChanged.connect(lambda _: self._edited("classes"))
        self.seed.valueChanged.connect(lambda _: self._edited("seed"))
        self.regenerate.clicked.connect(self._regenerate)
        self.use_button.clicked.connect(self.use_requested)
        self._update_rows()

    def _edited(self, key: str) -> None:
        self._update_rows()
        self.edited.emit(key)

    def _regenerate(self) -> None:
        self.seed.setValue(self.seed.value() + 1 if self.seed.value() < self.seed.maximum() else 0)

    def _update_rows(self) -> None:
        self.form.setRowVisible(3, self.generator.currentData() == "gaussians")

    def spec(self, standardize: bool) -> dict:
        name = self.generator.currentData()
        spec = {"source": "generated", "name": name, "samples": int(self.samples.value()),
                "noise": round(float(self.noise.value()), 3), "seed": int(self.seed.value())}
        if name == "gaussians":
            spec["classes"] = int(self.classes.value())
        if standardize:
            spec["standardize"] = True
        return spec

    def show_spec(self, spec: dict) -> None:
        """Put the controls to a generated spec (no edits are emitted)."""
        widgets = (self.generator, self.classes, self.seed)
        for w in widgets:
            w.blockSignals(True)
        self.generator.setCurrentIndex(max(self.generator.findData(spec.get("name", "xor")), 0))
        self.samples.set_value(int(spec.get("samples", 200)))
        self.noise.set_value(float(spec.get("noise", 0.1)))
        self.classes.setValue(int(spec.get("classes", 3)))
        self.seed.setValue(int(spec.get("seed", 0)))
        for w in widgets:
            w.blockSignals(False)
        self._update_rows()


class BuiltinPage(QWidget):
    use_requested = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.choice = QComboBox()
        for name in BUILTINS:
            self.choice.addItem(BUILTIN_LABELS.get(name, name), name)
        self.size_label = QLabel(wordWrap=True)
        self.description = _muted()
        self.description.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.digits = QWidget()
        digits_layout = QGridLayout(self.digits)
        digits_layout.setContentsMargins(0, 2, 0, 2)
        digits_layout.setSpacing(2)
        self.digit_labels: list[QLabel] = []
        for k in range(SHOWN_DIGITS):
            image = QLabel()
            image.setFrameShape(QFrame.Box)
            image.setStyleSheet(f"border: 1px solid {style.theme().node_border.name()}; background: white;")
            caption = _muted()
            caption.setAlignment(Qt.AlignHCenter)
            digits_layout.addWidget(image, 0, k, Qt.AlignHCenter)
            digits_layout.addWidget(caption, 1, k, Qt.AlignHCenter)
            self.digit_labels.append((image, caption))
        digits_layout.setColumnStretch(SHOWN_DIGITS, 1)
        self.table, self.model = preview_table()
        self.use_button = QPushButton()
        top = QFormLayout()
        top.addRow("Dataset", self.choice)
        _split(self, [top, self.size_label, self.description, self.digits, self.use_button], self.table)
        self.choice.currentIndexChanged.connect(lambda _: self.show_builtin())
        self.use_button.clicked.connect(lambda: self.use_requested.emit(self.name))
        self.in_use = ""
        self.show_builtin()

    @property
    def name(self) -> str:
        return self.choice.currentData()

    def select(self, name: str) -> None:
        index = self.choice.findData(name)
        if index >= 0:
            self.choice.setCurrentIndex(index)

    def show_builtin(self) -> None:
        ds = _builtin(self.name)
        label = BUILTIN_LABELS.get(self.name, self.name)
        self.size_label.setText(f"<b>{label}</b> — {size_text(ds)}")
        self.description.setText(BUILTINS[self.name])
        self.description.setMinimumHeight(self.description.heightForWidth(SIDE_WIDTH - 4))
        names = ds.feature_names + [f"→ {ds.target_names[0]}"]
        rows = []
        for i in range(min(PREVIEW_ROWS, ds.n_samples)):
            target = ds.class_names[ds.y[i]] if ds.task == "classification" else format_value(ds.y[i, 0])
            rows.append([format_value(v) for v in ds.x[i]] + [target])
        self.model.set_rows(names, rows, [True] * len(ds.feature_names) + [ds.task == "regression"])
        self.table.resizeColumnToContents(len(names) - 1)
        self.digits.setVisible(self.name == "digits")
        if self.name == "digits":
            shown = [int(np.flatnonzero(ds.y == k)[0]) for k in range(min(SHOWN_DIGITS, ds.n_classes))]
            for (image, caption), i in zip(self.digit_labels, shown):
                image.setPixmap(digit_pixmap(ds.x[i], scale=3))
                caption.setText(ds.class_names[ds.y[i]])
        self.show_in_use(self.in_use)

    def show_in_use(self, name: str) -> None:
        self.in_use = name
        label = BUILTIN_LABELS.get(self.name, self.name)
        used = name == self.name
        self.use_button.setText(f"✓ {label} is in use" if used else f"Use {label}")
        self.use_button.setEnabled(not used)


class CsvPage(QWidget):
    apply_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.preview_data: CsvPreview | None = None
        self.choose_button = QPushButton("Choose CSV File…")
        self.file_label = _muted("No file chosen. Comma, semicolon or tab separated, UTF-8, "
                                 "one sample a row; a header row is optional.")
        self.table, self.model = preview_table()
        self.table.setMinimumHeight(90)
        self.features = QListWidget()
        self.features.setMinimumHeight(86)  # four items
        self.features.setMaximumHeight(130)
        self.target = QComboBox()
        self.task = QComboBox()
        self.task.addItem("Detected", "auto")
        self.task.addItem("Classification", "classification")
        self.task.addItem("Regression", "regression")
        self.classes_label = _muted()
        self.missing = QComboBox()
        self.missing.addItem("Refuse the file, naming the row", "error")
        self.missing.addItem("Drop those rows", "drop")
        self.message = _error_label()
        self.status = _muted()
        self.apply_button = QPushButton("Use This File")
        self.apply_button.setEnabled(False)

        for combo in (self.target, self.task, self.missing):  # narrow enough for the side column
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)

        self.options = QWidget()
        self.form = QFormLayout(self.options)
        self.form.setContentsMargins(0, 0, 4, 0)
        self.form.setVerticalSpacing(4)
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.form.addRow("Target", self.target)
        self.form.addRow("Features", self.features)
        self.form.addRow("Task", self.task)
        self.form.addRow("", self.classes_label)
        self.form.addRow("Missing values", self.missing)
        self.options_area = QScrollArea(widgetResizable=True, frameShape=QFrame.NoFrame)
        self.options_area.setWidget(self.options)
        self.options_area.setMinimumHeight(120)  # the target and four features
        header = QHBoxLayout()
        header.addWidget(self.choose_button)
        header.addWidget(self.file_label, 1)
        header.addWidget(self.apply_button)
        _split(self, [self.options_area, self.status], self.table, top=(header, self.message))
        self.options.setEnabled(False)
        self.choose_button.clicked.connect(self.choose_file)
        self.target.currentIndexChanged.connect(lambda _: self._target_changed())
        self.task.currentIndexChanged.connect(lambda _: self._show_task())
        self.apply_button.clicked.connect(self.apply_requested)

    def choose_file(self) -> None:
        start = str(self.preview_data.path.parent) if self.preview_data else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Choose a CSV File", start,
                                              "CSV files (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path, spec: dict | None = None) -> bool:
        """Preview ``path`` (first rows only); with ``spec`` (a csv spec in use) show its choices."""
        path = Path(path)
        self.status.clear()
        try:
            preview = read_preview(path)
        except PreviewError as e:
            self.preview_data = None
            self.file_label.setText(str(path))
            self.model.set_rows([], [])
            self.features.clear()
            self.target.blockSignals(True)  # no preview left for _target_changed to read
            self.target.clear()
            self.target.blockSignals(False)
            self.classes_label.clear()
            self.options.setEnabled(False)
            self.apply_button.setEnabled(False)
            _show_error(self.message, str(e))
            return False
        _show_error(self.message, "")
        self.preview_data = preview
        more = "first rows of " if preview.truncated else ""
        self.file_label.setText(f"<b>{path.name}</b> — {more}{_plural(len(preview.rows), 'row')} shown, "
                                f"{_plural(len(preview.names), 'column')}"
                                f"{'' if preview.has_header else ', no header row'}")
        self.file_label.setToolTip(str(path))
        self.model.set_rows(preview.names, preview.rows, preview.numeric)
        self.target.blockSignals(True)
        self.target.clear()
        self.target.addItems(preview.names)
        target = len(preview.names) - 1
        if spec is not None and spec.get("target") is not None:
            target = self._index(spec["target"], target)
        self.target.setCurrentIndex(target)
        self.target.blockSignals(False)
        chosen = None
        if spec is not None and spec.get("features"):
            chosen = {self._index(ref, -1) for ref in spec["features"]}
        self._fill_features(chosen)
        if spec is not None:
            self.task.setCurrentIndex(max(self.task.findData(spec.get("task", "auto")), 0))
            self.missing.setCurrentIndex(max(self.missing.findData(spec.get("missing", "error")), 0))
        self._show_task()
        self.options.setEnabled(True)
        self.apply_button.setEnabled(True)
        return True

    def _index(self, ref, default: int) -> int:
        names = self.preview_data.names
        if isinstance(ref, int):
            return ref if ref < len(names) else default
        return names.index(ref) if ref in names else default

    def _fill_features(self, chosen: set[int] | None) -> None:
        preview = self.preview_data
        target = self.target.currentIndex()
        self.features.clear()
        for j, name in enumerate(preview.names):
            if j == target:
                continue
            numeric = any(parse_number(c) is not None for c in preview.column(j))
            item = QListWidgetItem(name if numeric else f"{name}  (text)")
            item.setData(Qt.UserRole, j)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            on = (j in chosen) if chosen is not None else numeric
            item.setCheckState(Qt.Checked if on else Qt.Unchecked)
            self.features.addItem(item)

    def _target_changed(self) -> None:
        checked = {j for j, _ in self.checked_features()} if self.features.count() else None
        self._fill_features(checked)
        self._show_task()

    def checked_features(self) -> list[tuple[int, str]]:
        result = []
        for row in range(self.features.count()):
            item = self.features.item(row)
            if item.checkState() == Qt.Checked:
                j = item.data(Qt.UserRole)
                result.append((j, self.preview_data.names[j]))
        return result

    def set_checked(self, names: list[str]) -> None:
        for row in range(self.features.count()):
            item = self.features.item(row)
            name = self.preview_data.names[item.data(Qt.UserRole)]
            item.setCheckState(Qt.Checked if name in names else Qt.Unchecked)

    def _show_task(self) -> None:
        if self.preview_data is None or self.target.currentIndex() < 0:
            self.classes_label.clear()
            return
        detected, classes = self.preview_data.guess_task(self.target.currentIndex())
        self.task.setItemText(0, f"Detected: {detected}")
        task = self.task.currentData() if self.task.currentData() != "auto" else detected
        where = "in the rows shown" if self.preview_data.truncated else "in the file"
        if task == "classification":
            shown = ", ".join(classes[:12]) + (" …" if len(classes) > 12 else "")
            self.classes_label.setText(f"{_plural(len(classes), 'class', 'classes')} {where}: {shown}")
        else:
            self.classes_label.setText("Predicts the target's value (one output unit, MSE).")

    def spec(self, project_dir: Path | None, standardize: bool) -> dict | None:
        """The csv spec of the current choices (path as the project will store it), or None."""
        preview = self.preview_data
        if preview is None:
            return None
        header = preview.has_header
        ref = (lambda j, name: name) if header else (lambda j, name: j)
        target = self.target.currentIndex()
        spec = {"source": "csv", "path": specs.stored_path(preview.path, project_dir),
                "features": [ref(j, name) for j, name in self.checked_features()],
                "target": ref(target, preview.names[target]), "task": self.task.currentData(),
                "header": header, "missing": self.missing.currentData()}
        if standardize:
            spec["standardize"] = True
        return spec

    def show_error(self, error: DatasetError, path: Path) -> None:
        """Show why ``path`` was refused in the page's words; point at the cell and the control it names."""
        text, control, cell = str(error), None, None
        if isinstance(error, CellError):
            if error.option is not None:
                key, value = error.option
                control = {"missing": self.missing}[key]
                text = (f'{error.problem}: choose "{control.itemText(control.findData(value))}" '
                        f"under {self.form.labelForField(control).text()}")
            cell = self._select_cell(error, path)
        _show_error(self.message, text)
        # Scroll once the layout has made room for the message's lines.
        QTimer.singleShot(0, lambda: self._scroll_to(control, cell))

    def _select_cell(self, error: CellError, path: Path) -> QPersistentModelIndex | None:
        """Select the row of the line ``error`` names, if shown; the index of its cell (first row if not)."""
        preview = self.preview_data
        if preview is None or preview.path.absolute() != path.absolute() or error.column not in preview.names:
            return None
        j = preview.names.index(error.column)
        if error.line not in preview.lines:
            return QPersistentModelIndex(self.model.index(0, j))
        index = self.model.index(preview.lines.index(error.line), j)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
        return QPersistentModelIndex(index)

    def _scroll_to(self, control: QWidget | None, cell: QPersistentModelIndex | None) -> None:
        if control is not None:
            self.options_area.ensureWidgetVisible(control)
        if cell is not None and cell.isValid():
            index = self.model.index(cell.row(), cell.column())
            self.table.scrollTo(index, QAbstractItemView.PositionAtCenter)


class DrawPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.classes = QSpinBox(minimum=2, maximum=MAX_DRAW_CLASSES)
        self.pen_buttons = QButtonGroup(self)
        pens = QHBoxLayout()
        pens.setSpacing(4)
        pens.addWidget(QLabel("Class"))
        for k in range(MAX_DRAW_CLASSES):
            button = QToolButton()
            button.setText(str(k))
            button.setIcon(swatch(colors.CLASS_COLOURS[k]))
            button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
            button.setCheckable(True)
            button.setToolTip(f"Add points of class {k}")
            self.pen_buttons.addButton(button, k)
            pens.addWidget(button)
        pens.addStretch(1)
        pens.addWidget(QLabel("Classes"))
        pens.addWidget(self.classes)
        self.pen_buttons.button(0).setChecked(True)
        self.plane = DrawingPlane()
        self.hint = _muted("Click to add a point of the chosen class; right-click or Shift+click "
                           "removes the nearest. Saved in the project file.")
        self.message = _error_label()
        self.copy_button = QPushButton("Start From the Data in Use")
        self.copy_button.setToolTip("Copy the current two-feature data's points to draw on")
        _split(self, [pens, self.hint, self.message, self.copy_button], self.plane)
        self.classes.valueChanged.connect(self._classes_changed)
        self._classes_changed(self.classes.value())

    @property
    def pen(self) -> int:
        return max(self.pen_buttons.checkedId(), 0)

    def set_pen(self, k: int) -> None:
        self.pen_buttons.button(k).setChecked(True)

    def _classes_changed(self, n: int) -> None:
        for k in range(MAX_DRAW_CLASSES):
            self.pen_buttons.button(k).setVisible(k < n)
        if self.pen >= n:
            self.set_pen(n - 1)


# ---- the dock -----------------------------------------------------------------------------------------

class DatasetPanel(QWidget):
    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.gesture = 0  # a slider drag (press to release) is one undo step
        self._pending_key = ""

        self.summary = QLabel(wordWrap=True)
        self.summary.setTextFormat(Qt.RichText)
        self.message = _error_label()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.generated = GeneratedPage()
        self.builtin = BuiltinPage()
        self.csv = CsvPage()
        self.draw = DrawPage()
        self.pages = {"generated": self.generated, "builtin": self.builtin, "csv": self.csv, "inline": self.draw}
        for source in SOURCE_TABS:  # scrolled, so the dock can be small without squeezing the canvas
            scroll = _FitScroll(self.pages[source])
            self.tabs.addTab(scroll, TAB_TITLES[source])
        self.images = add_images_tab(self)  # the data in use as pictures, while the Input is an image
        self.standardize = QCheckBox("Standardize features (zero mean, unit variance)")
        self.standardize.setToolTip("Scale each feature before training; the project stores it as "
                                    "\"standardize\": true. Helps when features have different scales.")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.standardize)

        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self._apply_generated_now)
        g = self.generated
        g.edited.connect(self._generated_edited)
        g.use_requested.connect(lambda: self.apply_generated("name"))
        for control in (g.samples, g.noise):
            control.slider.sliderPressed.connect(self._new_gesture)
            control.slider.sliderReleased.connect(self._end_gesture)
        self.builtin.use_requested.connect(self.apply_builtin)
        self.csv.apply_requested.connect(self.apply_csv)
        self.draw.plane.point_added.connect(self.add_point)
        self.draw.plane.point_removed.connect(self.remove_point)
        self.draw.classes.valueChanged.connect(lambda _: self._show_draw())
        self.draw.copy_button.clicked.connect(self.copy_current_points)
        self.standardize.toggled.connect(self.set_standardize)
        document.dataset_changed.connect(self.refresh)
        document.project_replaced.connect(self._project_replaced)
        document.loading_changed.connect(self._loading_changed)
        document.switch_refused.connect(self._switch_refused)
        self._project_replaced()

    # ---- what is shown ---------------------------------------------------------------------------
    def show_page(self, source: str) -> None:
        """Bring the page of ``source`` (generated, builtin, csv, inline) to the front."""
        self.tabs.setCurrentIndex(SOURCE_TABS.index(source))

    @property
    def spec(self) -> dict:
        return self.document.project.dataset

    def _project_replaced(self) -> None:
        self.csv.status.clear()
        self.refresh()
        source = self.spec.get("source") if isinstance(self.spec, dict) else None
        if source in self.pages:
            self.show_page(source)

    def refresh(self) -> None:
        spec = self.spec if isinstance(self.spec, dict) else {}
        source = spec.get("source")
        ds = self.document.dataset
        if ds is not None:
            name = {"generated": GENERATOR_LABELS.get(ds.name), "inline": "Drawn points"}.get(
                source, BUILTIN_LABELS.get(ds.name, ds.name))
            extra = " · standardized" if spec.get("standardize") else ""
            self.summary.setText(f"<b>In use:</b> {name or ds.name} — {size_text(ds)}{extra}")
            _show_error(self.message, "")
        elif self._loading_project_data():
            self.summary.setText(f"<b>In use:</b> {self.document.loading.status()}")
            _show_error(self.message, "")
        else:
            self.summary.setText("<b>In use:</b> no data")
            _show_error(self.message, f"The project's data cannot be loaded: {self.document.dataset_error}")
        for k, s in enumerate(SOURCE_TABS):
            self.tabs.setTabText(k, ("● " if s == source else "") + TAB_TITLES[s])
        self.standardize.blockSignals(True)
        self.standardize.setChecked(bool(spec.get("standardize")))
        self.standardize.blockSignals(False)

        g = self.generated
        if source == "generated" and ds is not None:  # a spec the engine refused may not fit the controls
            g.show_spec(spec)
            g.preview.show_dataset(ds)
            g.description.setText(ds.description if ds is not None else "")
            g.use_button.hide()  # the controls act on the data in use: no button needed
        else:
            self._preview_generated()
            g.use_button.show()
        self.builtin.show_in_use(spec.get("name", "") if source == "builtin" else "")
        if source == "builtin":
            self.builtin.select(spec.get("name", ""))
        if source == "csv":
            self._show_csv_in_use(spec)
        else:
            self.csv.apply_button.setText("Use This File")
        self._show_draw()

    def _loading_project_data(self) -> bool:
        job = self.document.loading
        return job is not None and job.purpose == "project"

    def _loading_changed(self) -> None:
        job = self.document.loading
        if job is None:
            self.csv.status.clear()
            self.csv.apply_button.setEnabled(self.csv.preview_data is not None)
        elif job.purpose == "switch":
            self.csv.status.setText(job.status())
        if job is not None and job.purpose == "project":
            self.summary.setText(f"<b>In use:</b> {job.status()}")  # the rest follows when the data arrives

    def _preview_generated(self) -> None:
        try:
            ds = load_dataset(self.generated.spec(self.standardize.isChecked()))
        except DatasetError as e:
            self.generated.preview.show_message(str(e))
            return
        self.generated.preview.show_dataset(ds)
        self.generated.description.setText(ds.description)

    def _previewing_the_csv_in_use(self) -> bool:
        path = specs.csv_path(self.spec, self.document.project.base_dir)
        preview = self.csv.preview_data
        return path is not None and preview is not None and preview.path.absolute() == path.absolute()

    def _show_csv_in_use(self, spec: dict) -> None:
        path = specs.csv_path(spec, self.document.project.base_dir)
        if path is not None and not self._previewing_the_csv_in_use():
            self.csv.open_file(path, spec)
        self.csv.apply_button.setText("Apply Changes" if self.csv.preview_data else "Use This File")

    # ---- pushing a new spec ------------------------------------------------------------------------
    def use(self, spec: dict, text: str, merge_key=None, dataset: Dataset | None = None) -> bool:
        """Load ``spec`` and make it the project's data as one undo step; on a refusal show it, change nothing."""
        if dataset is None:
            try:
                dataset = load_dataset(spec, self.document.project.base_dir)
            except DatasetError as e:
                self.refresh()  # put the controls back to the data in use
                _show_error(self.message, str(e))
                return False
        _show_error(self.message, "")
        use_dataset(self.document, spec, dataset, text, merge_key)
        return True

    def _with_standardize(self, spec: dict) -> dict:
        spec = {k: v for k, v in spec.items() if k != "standardize"}
        if self.standardize.isChecked():
            spec["standardize"] = True
        return spec

    # generated
    def _new_gesture(self) -> None:
        self.gesture += 1

    def _end_gesture(self) -> None:
        if self._timer.isActive():
            self._apply_generated_now()
        self.gesture += 1

    def _generated_edited(self, key: str) -> None:
        if key in ("samples", "noise"):
            self._pending_key = key
            self._timer.start()
        else:
            self._timer.stop()
            self.apply_generated(key)

    def _apply_generated_now(self) -> None:
        self._timer.stop()
        self.apply_generated(self._pending_key)

    def apply_generated(self, key: str) -> bool:
        spec = self.generated.spec(self.standardize.isChecked())
        label = GENERATOR_LABELS.get(spec["name"], spec["name"])
        texts = {"samples": f"Set samples to {spec['samples']}", "noise": f"Set noise to {spec['noise']}",
                 "seed": f"Regenerate {label}", "classes": f"Set classes to {spec.get('classes')}"}
        merge = ("generated", key, self.gesture) if key in ("samples", "noise") else None
        return self.use(spec, texts.get(key, f"Use {label} data"), merge)

    # built-in
    def apply_builtin(self, name: str) -> bool:
        spec = self._with_standardize({"source": "builtin", "name": name})
        return self.load_in_background(spec, f"Use {BUILTIN_LABELS.get(name, name)} data")

    # csv
    def apply_csv(self) -> bool:
        """Read the whole file off the GUI thread; push the change when it arrives (or show why not)."""
        # A new file starts standardized: a CSV's columns seldom share a scale (metres and kilograms).
        standardize = self.standardize.isChecked() or not self._previewing_the_csv_in_use()
        spec = self.csv.spec(self.document.path.parent if self.document.path else None, standardize)
        if spec is None:
            return False
        if not spec["features"]:
            _show_error(self.csv.message, "Choose at least one feature column.")
            return False
        return self.load_in_background(spec, f"Use {self.csv.preview_data.path.name}")

    def load_in_background(self, spec: dict, text: str) -> bool:
        """Use ``spec`` once the document has read it (off the GUI thread when big): one undo step then;
        a refusal comes back through ``_switch_refused``."""
        _show_error(self.csv.message, "")
        _show_error(self.message, "")
        self.csv.table.clearSelection()
        if spec.get("source") == "csv":
            self.csv.apply_button.setEnabled(False)
        self.document.switch_dataset(spec, text)
        return True

    def _switch_refused(self, spec: dict, error) -> None:
        self.refresh()  # the controls back to the data in use
        text = str(error) if error is not None else "the data could not be read"
        if spec.get("source") == "csv":
            self.csv.apply_button.setEnabled(self.csv.preview_data is not None)
            self.csv.show_error(error if error is not None else DatasetError(text),
                                specs.csv_path(spec, self.document.project.base_dir))
            self.show_page("csv")
        else:
            _show_error(self.message, text)

    # drawing
    def _inline_points(self) -> tuple[np.ndarray, np.ndarray] | None:
        spec = self.spec
        if spec.get("source") != "inline":
            return np.zeros((0, 2)), np.zeros(0, dtype=int)
        x, y = spec.get("x"), spec.get("y")
        try:
            x, y = np.array(x, dtype=float), np.array(y)
        except (TypeError, ValueError):
            return None
        if x.ndim != 2 or x.shape[1] != 2 or y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
            return None
        return x, y

    def _show_draw(self) -> None:
        points = self._inline_points()
        d = self.draw
        if points is None:
            d.plane.show_message("These inline data are not two features with classes;\n"
                                 "add a point to start a new drawing.")
            return
        x, y = points
        n = len(self.spec.get("class_names") or []) or (int(y.max()) + 1 if len(y) else 0)
        if n > d.classes.value() and n <= MAX_DRAW_CLASSES:
            d.classes.blockSignals(True)
            d.classes.setValue(n)
            d.classes.blockSignals(False)
            d._classes_changed(n)
        d.plane.show_points(x, y, max(d.classes.value(), n))
        d.copy_button.setEnabled(self._copyable() is not None)

    def _class_names(self, y: list[int]) -> list[str]:
        n = max(self.draw.classes.value(), max(y) + 1 if y else 0)
        return [str(k) for k in range(n)]

    def _inline_spec(self, x: list, y: list) -> dict:
        return self._with_standardize({"source": "inline", "x": x, "y": y, "task": "classification",
                                       "class_names": self._class_names(y)})

    def add_point(self, px: float, py: float) -> bool:
        points = self._inline_points()
        x, y = ([], []) if points is None else (points[0].tolist(), [int(v) for v in points[1]])
        x.append([round(px, 3), round(py, 3)])
        y.append(self.draw.pen)
        _show_error(self.draw.message, "")
        return self.use(self._inline_spec(x, y), f"Draw a point of class {self.draw.pen}")

    def remove_point(self, px: float, py: float) -> bool:
        points = self._inline_points()
        if points is None or not len(points[0]):
            return False
        x, y = points
        if len(x) == 1:
            _show_error(self.draw.message, "The drawing needs at least one point: add another first, "
                                           "or pick data on another page.")
            return False
        nearest = int(np.argmin(((x - (px, py)) ** 2).sum(axis=1)))
        keep = np.arange(len(x)) != nearest
        _show_error(self.draw.message, "")
        return self.use(self._inline_spec(x[keep].tolist(), [int(v) for v in y[keep]]),
                        f"Remove a point of class {int(y[nearest])}")

    def _copyable(self):
        ds = self.document.dataset
        if ds is None or ds.n_features != 2 or ds.task != "classification" or \
                ds.n_samples > MAX_COPIED_POINTS or ds.n_classes > MAX_DRAW_CLASSES or self.spec.get("source") == "inline":
            return None
        return ds

    def copy_current_points(self) -> bool:
        ds = self._copyable()
        if ds is None:
            return False
        self.draw.classes.setValue(max(ds.n_classes, 2))
        x = np.round(ds.x, 3).tolist()
        return self.use(self._inline_spec(x, [int(v) for v in ds.y]), "Draw on a copy of the data")

    # standardize
    def set_standardize(self, on: bool) -> bool:
        spec = copy.deepcopy(self.spec)
        spec.pop("standardize", None)
        if on:
            spec["standardize"] = True
        if spec.get("source") in ("csv", "builtin"):  # a file: read off the GUI thread when big
            return self.load_in_background(spec, "Standardize features" if on else "Stop standardizing features")
        return self.use(spec, "Standardize features" if on else "Stop standardizing features")

    def sizeHint(self) -> QSize:
        return QSize(640, 320)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        wide = event.size().width() >= WIDE
        if wide != getattr(self, "_wide", None):
            self._wide = wide
            for page in self.pages.values():
                set_wide(page, wide)
                page.parentWidget().parentWidget().fit()  # the page's _FitScroll (page → viewport → area)
