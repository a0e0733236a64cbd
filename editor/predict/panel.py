"""The Predict dock: one row of features through the network — the forward pass made visible.

Type a value per feature (a comma-, tab- or semicolon-separated row pasted into any field fills
them all), pick a held-out validation sample, or draw on an image input's pad; the panel shows the
prediction (the class and its probabilities, or the regression values) and, for every node in
order, the values flowing through it, each with a small bar. An input of more than
``fields.MAX_FIELDS`` features gets no field per feature: its row is held as an array and shown
as one line that takes a pasted row (and, for an image, as its picture).

The predictions are the engine's: ``engine.export.Predictor`` over the project's graph and
dataset (the same standardization as training). The parameters are the training session's:
its latest detail snapshot (copies the session keeps; the panel never reads a trainer), or the
project's own when there is no session. An untrained project shows its seeded initial
parameters, and says so. While training runs the panel follows at most ``REFRESH_HZ`` times a
second, and only while it is visible.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QSpinBox, QVBoxLayout, QWidget

from engine.errors import NeuroCanvasError

from .. import style
from ..draw_pad import DigitDrawing
from ..images import sample_pixmap
from ..on_screen import CatchesUpWhenShown
from .fields import MAX_FIELDS, FeatureField, FeatureFields, parse_row, read_cells, wrong_length
from .forward_view import ForwardView, forward_nodes
from .numbers import format_number
from .prediction_view import PredictionView
from .predictor import EditorPredictor, HeldOut
from .row_line import RowLine

REFRESH_HZ = 4  # updates a second while training, at most
REBUILD_DELAY_MS = 120  # after a graph edit: wait for the burst to end


class PredictPanel(CatchesUpWhenShown, QWidget):
    """Type, paste, pick or draw a row and see the network's prediction and every node's values."""

    row_changed = Signal()  # a new row was predicted: another row, or the same values from another sample

    def __init__(self, document, session=None) -> None:
        super().__init__()
        self.document = document
        self.session = session
        self.predictor: EditorPredictor | None = None
        self.feature_names: list[str] = []
        self.row_values: np.ndarray | None = None  # a big input's row (it has no fields)
        self.sample_kind = "validation"
        self.samples: HeldOut | list = []
        self.from_sample: int | None = None  # the sample the row is, until the user changes it
        self.reason = ""  # why there is no prediction (the graph or the data cannot run)
        self.error = ""  # the inline message about the row
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
        self._throttle.timeout.connect(self._refresh_if_shown)
        self._rebuild_timer = QTimer(self, singleShot=True, interval=REBUILD_DELAY_MS)
        self._rebuild_timer.timeout.connect(self._refresh_if_shown)

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

    @property
    def fields(self) -> list[FeatureField]:
        """The FeatureFields, one per feature; none for a big input."""
        return self.fields_scroll.fields

    @property
    def big(self) -> bool:
        """The input has too many features for a field each: its row is ``row_values``."""
        return len(self.feature_names) > MAX_FIELDS

    # ---- widgets -----------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)

        self.status = style.muted_label()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        pick = QHBoxLayout()
        pick.setSpacing(6)
        self.sample_label = QLabel("Validation sample")
        self.sample_spin = QSpinBox()
        self.sample_spin.setMinimum(1)
        self.sample_spin.setKeyboardTracking(False)
        self.sample_spin.setToolTip("Predict a row the network did not train on")
        self.sample_spin.valueChanged.connect(lambda k: self.use_sample(k - 1))
        self.sample_count = style.muted_label()
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

        # Below the sample: the row's editor and the results, in one scroll. Held apart, the pad (or the
        # fields) stood above the results' own scroll at its full height: raising this dock, or drawing,
        # squeezed the plots docked below the window's side to a strip.
        self.body = QWidget()
        body = QVBoxLayout(self.body)
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(6)
        body.addWidget(self.drawing)
        self.drawing.row_drawn.connect(self.set_row)
        self.drawing.toggle.toggled.connect(lambda _: self._show_row_editor())
        self.sample_spin.valueChanged.connect(lambda _: self.drawing.toggle.setChecked(False))  # a sample instead

        self.fields_scroll = FeatureFields()
        self.fields_scroll.edited.connect(self._field_edited)
        self.fields_scroll.row_pasted.connect(self.paste_row)
        body.addWidget(self.fields_scroll)
        self.row_line = RowLine()
        self.row_line.row_pasted.connect(self.paste_row)
        self.row_line.hide()
        body.addWidget(self.row_line)

        self.message = QLabel(wordWrap=True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.message.hide()
        body.addWidget(self.message)

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
        body.addWidget(self.results)
        body.addStretch(1)
        self.body_scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.NoFrame)
        self.body_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.body_scroll.setWidget(self.body)
        layout.addWidget(self.body_scroll, 1)
        self.apply_theme()

    @classmethod
    def _heading(cls, text: str) -> QLabel:
        label = style.muted_label(text.upper())
        font = style.font(-1.5, bold=True)
        font.setLetterSpacing(font.SpacingType.PercentageSpacing, 108)
        label.setFont(font)
        label.setContentsMargins(0, 6, 0, 0)
        return label

    def apply_theme(self) -> None:
        """Take the colours of the current theme (after a switch at runtime, too): the labels' and
        the marked field's style sheets; the painted views read the theme as they paint."""
        t = style.theme()
        style.colour_muted_labels(self)
        self.message.setStyleSheet(f"color: {t.error.name()};")
        self.fields_scroll.apply_theme()
        self.row_line.set_invalid(self.row_line.invalid)
        self.prediction.update()
        self.forward.update()

    def _make_row_editor(self, names: list[str]) -> None:
        """Fields for a few features; for many, none: the one line (the row is held as an array)."""
        self.feature_names = list(names)
        self.fields_scroll.set_names([] if self.big else names)
        self.row_values = None
        self.row_line.clear()
        self._show_row_editor()
        self.apply_theme()  # colours the new labels

    def _show_row_editor(self) -> None:
        """The fields, or the one line of a big input; neither while drawing (the pad is the row)."""
        drawing = self.drawing.toggle.isChecked()
        self.fields_scroll.setVisible(not drawing and not self.big)
        self.row_line.setVisible(not drawing and self.big)

    # ---- the row ------------------------------------------------------------------------------------
    def _put_row(self, values: np.ndarray, dtype) -> None:
        """Raw feature values as the row: into the fields (as text at the precision ``dtype``), or held."""
        if self.big:
            self.row_values = np.array(values, dtype=np.float64)
            self.row_line.clear()
        else:
            self.fields_scroll.show_values(values, dtype)

    def set_row(self, values) -> None:
        """Raw feature values (a drawn row) as the row, and show its prediction."""
        values = np.asarray(values)
        self._put_row(values, values.dtype)
        self.from_sample = None
        self.refresh()

    def use_sample(self, index: int) -> None:
        """Make held-out row ``index`` (0-based) the row and show its prediction."""
        if not len(self.samples):
            return
        self._fill_sample(int(np.clip(index, 0, len(self.samples) - 1)))
        self.refresh()

    def paste_row(self, text: str, field=None) -> None:
        """A pasted row (into ``field``, a FeatureField, or the big input's line): one cell per feature
        becomes the row; anything else is refused inline, naming the count expected or the bad cell."""
        cells = parse_row(text)
        error = wrong_length(cells, self.feature_names)
        if self.big:
            row, _, error = (None, -1, error) if error else read_cells(cells, self.feature_names)
            self.row_line.set_invalid(bool(error))
            if row is not None:
                self.row_values = row
        elif error:
            if field is not None:
                field.undo()  # leave the field as it was before the paste
        else:
            self.fields_scroll.set_cells(cells)
        if error:
            self._show_error(error)
            return
        self.from_sample = None
        self.refresh()

    def _field_edited(self) -> None:
        self.from_sample = None
        self.refresh()

    def read_row(self) -> np.ndarray | None:
        """The row as numbers, or None with the first bad field marked and named inline."""
        if self.big:
            if self.row_values is None:  # no held-out sample to start from
                self._show_error(f"Paste a row of {len(self.feature_names):,} values to predict it.")
            return self.row_values
        row, error = self.fields_scroll.read()
        if error:
            self._show_error(error)
        return row

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
            self._refresh_if_shown()

    def _progressed(self) -> None:
        self._dirty = True
        if not self._throttle.isActive():
            self._throttle.start()

    def _refresh_if_shown(self) -> None:
        if self.shown():
            self.refresh()

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
        predictor = EditorPredictor(document.project, document.dataset, document.model.clone())
        samples = HeldOut(predictor.network)
        kind = samples.kind
        self.reason = ""
        self.predictor = predictor
        self.drawing.follow(predictor.network)
        names = predictor.feature_names
        self.row_line.set_features(len(names), self.drawing.available)
        self.sample_kind, self.samples = kind, samples
        self.sample_label.setText(f"{kind.capitalize()} sample")
        self.sample_spin.blockSignals(True)
        self.sample_spin.setMaximum(max(1, len(samples)))
        self.sample_spin.blockSignals(False)
        self.sample_count.setText(f"of {len(samples):,}")
        if names != self.feature_names:
            self._make_row_editor(names)
            self.from_sample = None
            if len(samples):
                self._fill_sample(0)
        elif self.from_sample is not None and len(samples):
            self._fill_sample(min(self.from_sample, len(samples) - 1))

    def _fill_sample(self, index: int) -> None:
        self._put_row(self.samples[index], self.samples.dataset.x.dtype)
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
            self.drawing.show_verdict("")
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
        self.fields_scroll.setEnabled(enabled)
        self.row_line.setEnabled(enabled)
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
        imported = session.imported_from if session is not None else ""
        if imported and not running and session.shown is None:
            self.status.setText(f"Trained elsewhere — the parameters imported from {imported}.")
        elif self.trained:
            epoch = getattr(session, "position", None) if session is not None else None
            epoch = epoch if epoch is not None else float(self.document.project.epoch)
            where = f"epoch {epoch:.2f}".rstrip("0").rstrip(".") if epoch != int(epoch) else f"epoch {int(epoch)}"
            self.status.setText(f"{'Training — ' if running else 'Trained — '}the parameters at {where}.")
        else:
            self.status.setText("Untrained: these are the seeded initial parameters. Train to watch the values change.")

    def _truth(self) -> str:
        if self.from_sample is None or not len(self.samples):
            return "a drawn digit" if self.drawing.toggle.isChecked() else "a pasted row" if self.big else "a typed row"
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
        self.prediction.show_columns(columns, network.output_kind, list(network.dataset.class_names), self._truth())
        self.drawing.show_verdict(self.prediction.headline)
        self.forward.show_nodes(forward_nodes(network, values))


def install_predict(window):
    """Add the Predict dock to ``window`` (a MainWindow), tabbed with the Training panel."""
    session = getattr(getattr(window, "training", None), "session", None)
    panel = PredictPanel(window.document, session)
    window.add_dock("predict", "Predict", panel, Qt.RightDockWidgetArea, tab_with="training")
    return panel
