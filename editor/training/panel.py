"""The training panel: the dataset, the buttons and counters, and every training setting.

The settings' widgets are built from the engine's declarations (``engine.training_settings.SETTINGS``
and each optimizer's ``SPECS``); every change is an undoable edit of the project's
``training`` object, validated by the engine before it is pushed.
"""
from __future__ import annotations

import copy
import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame, QGridLayout, QInputDialog, QHBoxLayout,
    QLabel, QMessageBox, QPushButton, QScrollArea, QSizePolicy, QSpinBox, QToolButton, QVBoxLayout, QWidget,
)
from PySide6.QtGui import QValidator

from engine.errors import ParamError
from engine.optimizers import OPTIMIZERS
from engine.params import ParamSpec
from engine.training_settings import SETTINGS, parse_training

from .. import icons, style
from .commands import TrainingSettingCommand
from .session import TrainingSession
from .speed import SpeedBox

OPTIMIZER_LABELS = {"sgd": "SGD", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW", "adagrad": "Adagrad"}
LABELS = {
    "batch_size": "Batch size", "epochs": "Epochs", "validation_split": "Validation split",
    "shuffle": "Shuffle each epoch", "seed": "Seed", "dtype": "Precision", "l1": "L1 penalty",
    "l2": "L2 penalty", "patience": "Patience", "min_delta": "Min. improvement",
}
INT_LIMIT = 2**31 - 1
MINI_BATCH = 32


class ScientificSpinBox(QDoubleSpinBox):
    """A number box that shows 0.001 and 1e-08 alike, and steps by 1-2-5 when the range spans decades."""

    def __init__(self, spec: ParamSpec) -> None:
        super().__init__(keyboardTracking=False, decimals=12)
        low = spec.minimum if spec.minimum is not None else -1e12
        high = spec.maximum if spec.maximum is not None else 1e12
        self.setRange(low, high)
        self.logarithmic = low >= 0 and high / max(low, 1e-12) >= 1e4 and high > 1
        self.setSingleStep(0.05 if high <= 1 else 1.0)
        self.setButtonSymbols(QAbstractSpinBox.UpDownArrows)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        try:
            float(text.replace(",", "."))
            return QValidator.Acceptable, text, pos
        except ValueError:
            return QValidator.Intermediate, text, pos

    def stepBy(self, steps: int) -> None:
        if not self.logarithmic:
            super().stepBy(steps)
            return
        value = self.value()
        for _ in range(abs(steps)):
            value = _next_125(value, steps > 0)
        self.setValue(min(max(value, self.minimum()), self.maximum()))
        self.editingFinished.emit()


def _next_125(value: float, up: bool) -> float:
    """The next number of the 1, 2, 5, 10, ... series above or below ``value``."""
    if value <= 0:
        return 1e-4 if up else 0.0
    exponent = math.floor(math.log10(value))
    ladder = [m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in (1, 2, 5)]
    if up:
        return next(v for v in ladder if v > value * (1 + 1e-9))
    return next(v for v in reversed(ladder) if v < value * (1 - 1e-9))


class Field:
    """One setting's widget; ``changed(value)`` on a user edit."""

    def __init__(self, spec: ParamSpec, on_edit) -> None:
        self.spec = spec
        if spec.kind == "int":
            w = QSpinBox(keyboardTracking=False)
            w.setRange(int(spec.minimum if spec.minimum is not None else -INT_LIMIT),
                       int(min(spec.maximum if spec.maximum is not None else INT_LIMIT, INT_LIMIT)))
            w.valueChanged.connect(lambda v: on_edit(int(v)))
        elif spec.kind == "float":
            w = ScientificSpinBox(spec)
            w.valueChanged.connect(lambda v: on_edit(float(v)))
        elif spec.kind == "bool":
            w = QCheckBox()
            w.toggled.connect(lambda v: on_edit(bool(v)))
        else:
            w = QComboBox()
            for choice in spec.choices:
                w.addItem(choice, choice)
            w.currentIndexChanged.connect(lambda i: on_edit(w.itemData(i)))
        w.setToolTip(spec.help)
        self.widget = w

    def show(self, value) -> None:
        w = self.widget
        w.blockSignals(True)
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(max(0, w.findData(value)))
        else:
            w.setValue(value)
        w.blockSignals(False)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("heading", True)  # styled (with the theme's text colour) in apply_theme
    return label


class TrainingPanel(QWidget):
    """Controls and settings; asks the session to act and shows its state."""

    reset_confirmed = Signal()

    def __init__(self, session: TrainingSession, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.document = session.document
        self.fields: dict[str, Field] = {}
        self._optimizer_rows: dict[str, int] = {}

        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(6)

        self.dataset_label = style.muted_label(wrap=True)
        outer.addWidget(self.dataset_label)

        buttons = QGridLayout()
        buttons.setSpacing(4)
        self.train_button = QPushButton(icons.icon("train", style.theme().text), "Train")
        self.train_button.setToolTip("Train or pause (Space)")
        self.train_button.setMinimumHeight(30)
        self.train_button.clicked.connect(session.toggle)
        self.step_batch_button = QPushButton("Step batch")
        self.step_batch_button.setToolTip("One update on the next mini-batch")
        self.step_batch_button.clicked.connect(session.step_batch)
        self.step_epoch_button = QPushButton("Step epoch")
        self.step_epoch_button.setToolTip("Train to the end of the current epoch")
        self.step_epoch_button.clicked.connect(session.step_epoch)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Start again from freshly initialized parameters (asks first)")
        self.reset_button.clicked.connect(self.reset)
        buttons.addWidget(self.train_button, 0, 0, 1, 3)
        buttons.addWidget(self.step_batch_button, 1, 0)
        buttons.addWidget(self.step_epoch_button, 1, 1)
        buttons.addWidget(self.reset_button, 1, 2)
        self.speed = SpeedBox(lambda pace: self.edit("pace", pace, mergeable=False))
        speed_label = QLabel("Speed")
        speed_label.setBuddy(self.speed)
        buttons.addWidget(speed_label, 2, 0)
        buttons.addWidget(self.speed, 2, 1, 1, 2)
        outer.addLayout(buttons)

        self.counters = QLabel()
        self.metrics_label = style.muted_label(wrap=True)
        outer.addWidget(self.counters)
        outer.addWidget(self.metrics_label)

        self.reason_label = QLabel(wordWrap=True)
        self.reason_label.setStyleSheet(f"color: {style.theme().error.name()};")
        outer.addWidget(self.reason_label)

        self.banner = QFrame()
        self.banner.setObjectName("divergenceBanner")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(8, 6, 4, 6)
        self.banner_label = QLabel(wordWrap=True)
        self.banner_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.close_button = close = QToolButton(autoRaise=True, icon=icons.icon("close", style.theme().text))
        close.setToolTip("Dismiss")
        close.clicked.connect(session.dismiss_advice)
        banner_layout.addWidget(self.banner_label, 1)
        banner_layout.addWidget(close, 0, Qt.AlignTop)
        self.banner.hide()
        # Never squeezed below its text by the settings under it (a wrapped label's minimum is one line).
        self.banner.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        outer.addWidget(self.banner)

        self.notice_label = style.muted_label(wrap=True)
        self.notice_label.hide()
        outer.addWidget(self.notice_label)

        self.error_label = QLabel(wordWrap=True)
        self.error_label.setStyleSheet(f"color: {style.theme().error.name()};")
        self.error_label.hide()
        outer.addWidget(self.error_label)

        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        settings = QWidget()
        self.form = QFormLayout(settings)
        self.form.setContentsMargins(0, 0, 4, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self._build_settings()
        scroll.setWidget(settings)
        scroll.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Ignored)  # the settings scroll; messages above do not
        outer.addWidget(scroll, 1)

        session.state_changed.connect(self.refresh_state)
        session.progressed.connect(self.refresh_counters)
        session.settings_changed.connect(self.refresh_settings)
        session.warned.connect(self._refresh_banner)  # mid-run; a divergence ends the run, and refresh_state shows it
        session.notice.connect(self.show_notice)
        session.cleared.connect(self.banner.hide)
        session.asks_for_epochs.connect(self.ask_for_epochs)
        self.document.dataset_changed.connect(self.refresh_settings)
        self.document.loading_changed.connect(self._show_dataset)
        self.refresh_settings()
        self.refresh_state()
        self.apply_theme()

    def apply_theme(self) -> None:
        t = style.theme()
        style.colour_muted_labels(self)
        for label in self.findChildren(QLabel):
            if label.property("heading"):
                # A style sheet pins the palette the label had: name the colour, or it stays in the old theme.
                label.setStyleSheet(f"font-weight: 600; margin-top: 6px; color: {t.text.name()};")
        warn_bg = "#3a2a12" if t.dark else "#fff4e0"
        self.banner.setStyleSheet(
            f"#divergenceBanner {{ background: {warn_bg}; border: 1px solid {t.warning.name()}; border-radius: 6px; }}"
        )
        self.reason_label.setStyleSheet(f"color: {t.error.name()};")
        self.error_label.setStyleSheet(f"color: {t.error.name()};")
        self.close_button.setIcon(icons.icon("close", t.text))
        self.refresh_state()  # the Train or Pause icon in the theme's colour

    # ---- the settings form ------------------------------------------------------------------------
    def _build_settings(self) -> None:
        form = self.form
        form.addRow(_heading("Optimizer"))
        self.optimizer_combo = QComboBox()
        for name in OPTIMIZERS:
            self.optimizer_combo.addItem(OPTIMIZER_LABELS.get(name, name), name)
        self.optimizer_combo.setToolTip("How the gradient turns into an update")
        self.optimizer_combo.currentIndexChanged.connect(self._optimizer_chosen)
        form.addRow("Optimizer", self.optimizer_combo)
        self._optimizer_first_row = form.rowCount()
        self._build_optimizer_fields("adam")

        form.addRow(_heading("Batches"))
        self.batch_mode = QComboBox()
        self.batch_mode.addItem("Stochastic — one sample per update", "stochastic")
        self.batch_mode.addItem("Mini-batch", "mini")
        self.batch_mode.addItem("Full batch — all training samples per update", "full")
        self.batch_mode.setToolTip(SETTINGS["batch_size"].help)
        self.batch_mode.currentIndexChanged.connect(self._batch_mode_chosen)
        form.addRow("Gradient descent", self.batch_mode)
        self._add_field("batch_size")
        self.batch_help = style.muted_label(wrap=True)
        form.addRow(self.batch_help)
        self._add_field("epochs")

        form.addRow(_heading("Data"))
        self._add_field("validation_split")
        self._add_field("shuffle")
        self._add_field("seed")
        self._add_field("dtype")

        form.addRow(_heading("Regularization"))
        self._add_field("l1")
        self._add_field("l2")

        form.addRow(_heading("Early stopping"))
        self._add_field("patience")
        self._add_field("min_delta")

    def _add_field(self, key: str) -> None:
        spec = SETTINGS[key]
        field = Field(spec, lambda v, k=key: self.edit(k, v, spec.kind in ("int", "float")))
        self.fields[key] = field
        self.form.addRow(LABELS.get(key, key), field.widget)

    def _build_optimizer_fields(self, name: str) -> None:
        for key in [k for k in self.fields if k.startswith("optimizer.")]:
            field = self.fields.pop(key)
            self.form.removeRow(field.widget)
        row = self._optimizer_first_row
        for key, spec in OPTIMIZERS[name].SPECS.items():
            full = f"optimizer.{key}"
            field = Field(spec, lambda v, k=full, s=spec: self.edit(k, v, s.kind in ("int", "float")))
            self.fields[full] = field
            self.form.insertRow(row, spec.label or key, field.widget)
            row += 1
        self._optimizer_name = name

    # ---- edits ------------------------------------------------------------------------------------
    def edit(self, key: str, value, mergeable: bool = True) -> bool:
        """Set one training setting as an undoable edit; refused values are put back with the reason."""
        old = self.session.settings
        new = copy.deepcopy(old)
        if key.startswith("optimizer."):
            new["optimizer"][key.split(".", 1)[1]] = value
        else:
            new[key] = value
        return self._push(old, new, key, mergeable)

    def _push(self, old: dict, new: dict, key: str, mergeable: bool = True) -> bool:
        if new == old:
            return True
        try:
            new = parse_training(new)
        except ParamError as e:
            self.error_label.setText(str(e))
            self.error_label.show()
            self.refresh_settings()
            return False
        self.error_label.hide()
        label = key.split(".", 1)[-1].replace("_", " ")
        self.document.undo_stack.push(TrainingSettingCommand(old, new, key, label, self.session.apply_training, mergeable))
        return True

    def _optimizer_chosen(self, index: int) -> None:
        name = self.optimizer_combo.itemData(index)
        old = self.session.settings
        if old["optimizer"]["name"] == name:
            return
        new = copy.deepcopy(old)
        # Keep the learning rate across the switch: it is the setting people tune.
        new["optimizer"] = {"name": name, "learning_rate": old["optimizer"].get("learning_rate", 0.01)}
        self._push(old, new, "optimizer", mergeable=False)

    def _batch_mode_chosen(self, index: int) -> None:
        mode = self.batch_mode.itemData(index)
        n = self._n_train()
        size = {"stochastic": 1, "full": max(n, 1), "mini": MINI_BATCH if n > MINI_BATCH else max(1, n // 4)}[mode]
        if not self.edit("batch_size", size, mergeable=False):
            self.refresh_settings()

    def _n_train(self) -> int:
        info = self.session.info
        if info is not None:
            return len(info.x_train)
        dataset = self.document.dataset
        if dataset is None:
            return 0
        return dataset.n_samples - int(round(dataset.n_samples * self.session.settings["validation_split"]))

    # ---- showing the state --------------------------------------------------------------------------
    def refresh_settings(self) -> None:
        training = self.session.settings
        optimizer = training["optimizer"]
        if optimizer["name"] != getattr(self, "_optimizer_name", None):
            self._build_optimizer_fields(optimizer["name"])
        self.optimizer_combo.blockSignals(True)
        self.optimizer_combo.setCurrentIndex(self.optimizer_combo.findData(optimizer["name"]))
        self.optimizer_combo.blockSignals(False)
        for key, field in self.fields.items():
            if key.startswith("optimizer."):
                name = key.split(".", 1)[1]
                field.show(optimizer.get(name, field.spec.default))
                self.form.setRowVisible(field.widget, field.spec.applies(optimizer))
            else:
                field.show(training[key])
        self._refresh_batch_mode()
        self.speed.show_pace(training.get("pace"))
        self._show_dataset()

    def _show_dataset(self) -> None:
        dataset = self.document.dataset
        self.dataset_label.setText(f"<b>Data</b> — {dataset.summary()}" if dataset is not None
                                   else self.document.loading_text() or "No dataset loaded")

    def _refresh_batch_mode(self) -> None:
        size, n = self.session.settings["batch_size"], self._n_train()
        mode = "stochastic" if size == 1 else ("full" if n and size >= n else "mini")
        self.batch_mode.blockSignals(True)
        self.batch_mode.setCurrentIndex(self.batch_mode.findData(mode))
        self.batch_mode.blockSignals(False)
        if n:
            per = min(size, n)
            updates = math.ceil(n / per)
            self.batch_help.setText(
                f"{per:,} of {n:,} training samples per update · {updates:,} update{'s' if updates != 1 else ''} per epoch"
            )
        else:
            self.batch_help.setText("")

    def refresh_state(self) -> None:
        s = self.session
        running = bool(s.running)
        self.train_button.setText("Pause" if running else "Train")
        self.train_button.setIcon(icons.icon("pause" if running else "train", style.theme().text))
        self.train_button.setEnabled(s.can_train)
        self.train_button.setToolTip(s.reason or ("Pause (Space)" if running else "Train (Space)"))
        for button in (self.step_batch_button, self.step_epoch_button):
            button.setEnabled(s.can_train and not running)
            if s.reason:
                button.setToolTip(s.reason)
        self.reset_button.setEnabled(s.can_train or s.trained)
        self.reason_label.setText(s.reason)
        self.reason_label.setVisible(bool(s.reason))
        self._refresh_banner()
        self.refresh_counters()
        self._refresh_batch_mode()

    def refresh_counters(self) -> None:
        s = self.session
        total = s.target_epoch if s.running == "run" and s.target_epoch else max(s.settings["epochs"], s.epoch)
        bpe = s.batches_per_epoch
        parts = [f"Epoch <b>{s.epoch:,}</b> / {total:,}"]
        if bpe:
            parts.append(f"batch {s.batch:,} / {bpe:,}")
        if s.running == "run" and s.samples_per_second:
            parts.append(f"{s.samples_per_second:,.0f} samples/s")
        self.counters.setText(" · ".join(parts))
        self.metrics_label.setText(self._metrics_text())
        self.metrics_label.setVisible(bool(self.metrics_label.text()))

    def _metrics_text(self) -> str:
        """The current run's latest metrics, or those of the epoch the timeline shows."""
        s = self.session
        h, at = s.history, None
        if s.shown is not None and s.run is not None and s.history.get("loss"):
            epoch = int(s.shown)
            index = epoch - s.run.first_epoch
            if 0 <= index < len(h["loss"]):
                at = index
        shown = []
        for key, label in (("loss", "loss"), ("val_loss", "val loss"), ("accuracy", "accuracy"),
                           ("val_accuracy", "val accuracy"), ("r2", "R²"), ("val_r2", "val R²")):
            if h.get(key):
                shown.append(f"{label} {h[key][-1 if at is None else at]:.4g}")
        if shown and at is not None:
            return f"At epoch {s.run.first_epoch + at}: " + " · ".join(shown)
        return " · ".join(shown)

    def ask_for_epochs(self, message: str) -> None:
        """Train at the total: continue for how many more epochs (not silently a whole run again)?"""
        epochs, ok = QInputDialog.getInt(self, "Train More", f"{message}\nContinue for how many more epochs?",
                                         self.session.settings["epochs"], 1, 10**6)
        if ok:
            self.session.train_more(epochs)

    def _refresh_banner(self) -> None:
        s = self.session
        if s.last_divergence:
            heading, message = "Training stopped: the loss diverged.", s.last_divergence
        elif s.last_warning:
            heading, message = "The loss is rising.", s.last_warning
        else:
            self.banner.hide()
            return
        self.banner_label.setText(f"<b>{heading}</b><br>{message[0].upper() + message[1:]}")
        self.banner.show()

    def show_notice(self, message: str) -> None:
        self.notice_label.setText(message)
        self.notice_label.setVisible(bool(message))

    def reset(self) -> None:
        s = self.session
        if s.trained:
            answer = QMessageBox.question(
                self, "Reset Parameters",
                f"The network has been trained for {s.epoch:,} epoch{'s' if s.epoch != 1 else ''}. "
                "Start again from freshly initialized parameters and an empty history?",
                QMessageBox.Reset | QMessageBox.Cancel, QMessageBox.Cancel,
            )
            if answer != QMessageBox.Reset:
                return
        s.reset_parameters()
