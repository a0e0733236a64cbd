"""The Dataset dock's CSV page: a preview of a file's first rows, its target, features, task and
what to do with missing values; the whole file is read (off the GUI thread) when the user applies."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QObject, QPersistentModelIndex, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFileDialog, QFormLayout, QFrame, QHBoxLayout, QListView,
    QPushButton, QScrollArea, QWidget,
)

from engine.datasets import CellError
from engine.errors import DatasetError

from . import specs
from .csv_preview import CsvPreview, PreviewError, read_preview
from .page_layout import error_label, muted, plural, show_error, split_page
from .tables import FeatureChoices, preview_table


class _PreviewRead(QRunnable):
    """``read_preview`` off the GUI thread (a 785-column file parses ~20,000 cells in Python: 0.1 s, and
    more while a load runs beside it); the answer, or the PreviewError, arrives by ``done``."""

    class Sink(QObject):
        done = Signal(int, object, object)  # ticket, path, CsvPreview or PreviewError

    def __init__(self, ticket: int, path: Path, sink: Sink) -> None:
        super().__init__()
        self.ticket, self.path, self.sink = ticket, path, sink

    def run(self) -> None:
        try:
            result = read_preview(self.path)
        except PreviewError as e:
            result = e
        self.sink.done.emit(self.ticket, self.path, result)


class CsvPage(QWidget):
    apply_requested = Signal()
    shown = Signal()  # the page came into view (its tab, or the dock)

    def __init__(self) -> None:
        super().__init__()
        self.preview_data: CsvPreview | None = None
        self._ticket = 0  # the latest preview asked for: an older one that arrives late is dropped
        self._pending_spec: dict | None = None
        self._pool = QThreadPool(self)  # made before the sink, so destroyed (waiting for a read) before it
        self._pool.setMaxThreadCount(1)
        self._reader = _PreviewRead.Sink(self)
        self._reader.done.connect(self._preview_read)
        self.choose_button = QPushButton("Choose CSV File…")
        self.file_label = muted("No file chosen. Comma, semicolon or tab separated, UTF-8, "
                                 "one sample a row; a header row is optional.")
        self.table, self.model = preview_table()
        self.table.setMinimumHeight(90)
        self.feature_choices = FeatureChoices()
        self.features = QListView()
        self.features.setModel(self.feature_choices)
        self.feature_choices.setParent(self.features)
        self.features.setUniformItemSizes(True)  # 784 rows are never measured one by one
        self.features.setMinimumHeight(86)  # four items
        self.features.setMaximumHeight(130)
        self.target = QComboBox()
        self.task = QComboBox()
        self.task.addItem("Detected", "auto")
        self.task.addItem("Classification", "classification")
        self.task.addItem("Regression", "regression")
        self.classes_label = muted()
        self.missing = QComboBox()
        self.missing.addItem("Refuse the file, naming the row", "error")
        self.missing.addItem("Drop those rows", "drop")
        self.message = error_label()
        self.status = muted()
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
        split_page(self, [self.options_area, self.status], self.table, top=(header, self.message))
        self.options.setEnabled(False)
        self.choose_button.clicked.connect(self.choose_file)
        self.target.currentIndexChanged.connect(lambda _: self._target_changed())
        self.task.currentIndexChanged.connect(lambda _: self._show_task())
        self.apply_button.clicked.connect(self.apply_requested)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.shown.emit()

    def choose_file(self) -> None:
        start = str(self.preview_data.path.parent) if self.preview_data else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Choose a CSV File", start,
                                              "CSV files (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path, spec: dict | None = None) -> bool:
        """Preview ``path`` (first rows only); with ``spec`` (a csv spec in use) show its choices."""
        self._ticket += 1
        path = Path(path)
        try:
            preview = read_preview(path)
        except PreviewError as e:
            preview = e
        return self._show_preview(path, preview, spec)

    def open_file_in_background(self, path: str | Path, spec: dict | None = None) -> None:
        """``open_file``, with the file read off the GUI thread: the page fills when the preview arrives."""
        self._ticket += 1
        self._pending_spec = spec
        self.status.setText(f"Reading the first rows of {Path(path).name}…")
        self._pool.start(_PreviewRead(self._ticket, Path(path), self._reader))

    def wait_for_preview(self) -> None:
        """Let a preview read in the background finish (a closing window, and tests)."""
        self._pool.waitForDone()

    def _preview_read(self, ticket: int, path: Path, preview) -> None:
        if ticket == self._ticket:
            self._show_preview(path, preview, self._pending_spec)

    def _show_preview(self, path: Path, preview: CsvPreview | PreviewError, spec: dict | None) -> bool:
        self.status.clear()
        if isinstance(preview, PreviewError):
            self.preview_data = None
            self.file_label.setText(str(path))
            self.model.set_rows([], [])
            self.feature_choices.clear()
            self.target.blockSignals(True)  # no preview left for _target_changed to read
            self.target.clear()
            self.target.blockSignals(False)
            self.classes_label.clear()
            self.options.setEnabled(False)
            self.apply_button.setEnabled(False)
            show_error(self.message, str(preview))
            return False
        show_error(self.message, "")
        self.preview_data = preview
        more = "first rows of " if preview.truncated else ""
        self.file_label.setText(f"<b>{path.name}</b> — {more}{plural(len(preview.rows), 'row')} shown, "
                                f"{plural(len(preview.names), 'column')}"
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
        self.feature_choices.fill(preview.names, preview.has_numbers, self.target.currentIndex(), chosen)

    def _target_changed(self) -> None:
        checked = set(self.feature_choices.checked_columns()) if self.feature_choices.rowCount() else None
        self._fill_features(checked)
        self._show_task()

    def checked_features(self) -> list[tuple[int, str]]:
        return [(j, self.preview_data.names[j]) for j in self.feature_choices.checked_columns()]

    def set_checked(self, names: list[str]) -> None:
        self.feature_choices.set_checked_columns({j for j, name in enumerate(self.preview_data.names)
                                                  if name in names})

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
            self.classes_label.setText(f"{plural(len(classes), 'class', 'classes')} {where}: {shown}")
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
        show_error(self.message, text)
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

