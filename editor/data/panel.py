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

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import QCheckBox, QLabel, QTabWidget, QVBoxLayout, QWidget

from engine.datasets import Dataset, load_dataset
from engine.errors import DatasetError

from ..on_screen import on_screen
from . import specs
from .builtin_page import BUILTIN_LABELS, BuiltinPage
from .commands import use_dataset
from .csv_page import CsvPage
from .draw_page import MAX_DRAW_CLASSES, DrawPage
from .generated_page import GENERATOR_LABELS, GeneratedPage
from .image_grid import add_images_tab
from .page_layout import WIDE, FitScroll, error_label, set_wide, show_error, size_text
from .rows_page import RowsPage

SOURCE_TABS = ("generated", "builtin", "csv", "inline")
TAB_TITLES = {"generated": "Generated", "builtin": "Built-in", "csv": "CSV", "inline": "Draw"}
DEBOUNCE_MS = 40
MAX_COPIED_POINTS = 2000


# ---- the dock -----------------------------------------------------------------------------------------

class DatasetPanel(QWidget):
    def __init__(self, document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.gesture = 0  # a slider drag (press to release) is one undo step
        self._pending_key = ""

        self.summary = QLabel(wordWrap=True)
        self.summary.setTextFormat(Qt.RichText)
        self.message = error_label()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.generated = GeneratedPage()
        self._generated_stale = False  # its preview waits until the page comes into view
        self.generated.shown.connect(self.preview_generated)
        self.builtin = BuiltinPage()
        self.csv = CsvPage()
        self._csv_pending: dict | None = None  # the csv spec in use, previewed when the page comes into view
        self.csv.shown.connect(self.fill_csv_page)
        self.draw = DrawPage()
        self.pages = {"generated": self.generated, "builtin": self.builtin, "csv": self.csv, "inline": self.draw}
        for source in SOURCE_TABS:  # scrolled, so the dock can be small without squeezing the canvas
            scroll = FitScroll(self.pages[source])
            self.tabs.addTab(scroll, TAB_TITLES[source])
        self.rows = RowsPage()  # the data in use, whatever its source
        self.tabs.addTab(self.rows, "Rows")
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
            show_error(self.message, "")
        elif self._loading_project_data():
            self.summary.setText(f"<b>In use:</b> {self.document.loading.status()}")
            show_error(self.message, "")
        else:
            self.summary.setText("<b>In use:</b> no data")
            show_error(self.message, f"The project's data cannot be loaded: {self.document.dataset_error}")
        self.rows.show_dataset(ds, self.document.loading_text())
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
            self._generated_stale = False
        else:
            self._generated_stale = True
            self.preview_generated()
            g.use_button.show()
        self.builtin.show_in_use(spec.get("name", "") if source == "builtin" else "")
        if source == "builtin":
            self.builtin.select(spec.get("name", ""))
        if source == "csv":
            self._show_csv_in_use(spec)
        else:
            self._csv_pending = None
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
            self.fill_csv_page()
        elif job.purpose == "switch":
            self.csv.status.setText(job.status())
        if job is not None and job.purpose == "project":
            self.summary.setText(f"<b>In use:</b> {job.status()}")  # the rest follows when the data arrives
            self.rows.show_dataset(None, job.status())

    def preview_generated(self) -> None:
        """Preview what the Generated page's controls would make, once the page is in view (not the data in
        use: ~50 ms of plotting that opening a big file's project must not wait for)."""
        if not self._generated_stale or not on_screen(self.generated):
            return
        self._generated_stale = False
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
        self._csv_pending = spec
        self.fill_csv_page()
        if self._csv_pending is None:
            return
        self.csv.apply_button.setText("Apply Changes" if self._previewing_the_csv_in_use() else "Use This File")

    def _csv_in_view(self) -> bool:
        return on_screen(self.csv)

    def fill_csv_page(self) -> None:
        """Preview the file in use, if that was left for now, once the CSV page is in view: a file of 785
        columns takes ~0.1 s to preview and list, which opening the project must not wait for. (The load
        of the whole file runs in a child process meanwhile: the two no longer compete for the interpreter.)"""
        spec = self._csv_pending
        if spec is None or not self._csv_in_view():
            return
        self._csv_pending = None
        if spec == self.spec:
            path = specs.csv_path(spec, self.document.project.base_dir)
            if path is not None and not self._previewing_the_csv_in_use():
                self.csv.open_file_in_background(path, spec)
            self.csv.apply_button.setText("Apply Changes")

    # ---- pushing a new spec ------------------------------------------------------------------------
    def use(self, spec: dict, text: str, merge_key=None, dataset: Dataset | None = None) -> bool:
        """Load ``spec`` and make it the project's data as one undo step; on a refusal show it, change nothing."""
        if dataset is None:
            try:
                dataset = load_dataset(spec, self.document.project.base_dir)
            except DatasetError as e:
                self.refresh()  # put the controls back to the data in use
                show_error(self.message, str(e))
                return False
        show_error(self.message, "")
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
            show_error(self.csv.message, "Choose at least one feature column.")
            return False
        return self.load_in_background(spec, f"Use {self.csv.preview_data.path.name}")

    def load_in_background(self, spec: dict, text: str) -> bool:
        """Use ``spec`` once the document has read it (off the GUI thread when big): one undo step then;
        a refusal comes back through ``_switch_refused``."""
        show_error(self.csv.message, "")
        show_error(self.message, "")
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
            show_error(self.message, text)

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
        show_error(self.draw.message, "")
        return self.use(self._inline_spec(x, y), f"Draw a point of class {self.draw.pen}")

    def remove_point(self, px: float, py: float) -> bool:
        points = self._inline_points()
        if points is None or not len(points[0]):
            return False
        x, y = points
        if len(x) == 1:
            show_error(self.draw.message, "The drawing needs at least one point: add another first, "
                                           "or pick data on another page.")
            return False
        nearest = int(np.argmin(((x - (px, py)) ** 2).sum(axis=1)))
        keep = np.arange(len(x)) != nearest
        show_error(self.draw.message, "")
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
                page.parentWidget().parentWidget().fit()  # the page's FitScroll (page → viewport → area)
