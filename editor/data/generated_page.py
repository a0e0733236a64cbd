"""The Dataset dock's page of generated toy problems: a slider drag regenerates and re-plots."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QPushButton, QSpinBox, QWidget

from engine.datasets import GENERATORS, MAX_NOISE, MAX_SEED

from .page_layout import SliderSpin, muted, split_page
from .plots import ScatterPreview

GENERATOR_LABELS = {
    "xor": "XOR", "circles": "Circles", "moons": "Moons", "spirals": "Spirals",
    "gaussians": "Gaussian blobs", "plane": "Plane (regression)", "sine": "Sine (regression)",
}
MAX_SLIDER_SAMPLES = 2000


class GeneratedPage(QWidget):
    edited = Signal(str)  # the key the user changed: name, samples, noise, classes, seed
    use_requested = Signal()
    shown = Signal()  # the page came into view (its tab, or the dock)

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
        self.description = muted()
        self.preview = ScatterPreview()
        self.use_button = QPushButton("Use Generated Data")
        split_page(self, [self.form, self.description, self.use_button], self.preview)

        self.generator.activated.connect(lambda _: self._edited("name"))
        self.samples.edited.connect(lambda: self._edited("samples"))
        self.noise.edited.connect(lambda: self._edited("noise"))
        self.classes.valueChanged.connect(lambda _: self._edited("classes"))
        self.seed.valueChanged.connect(lambda _: self._edited("seed"))
        self.regenerate.clicked.connect(self._regenerate)
        self.use_button.clicked.connect(self.use_requested)
        self._update_rows()


    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.shown.emit()
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

