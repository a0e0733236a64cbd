"""The Math view (issue 11): one sample through the network with its real numbers.

Pick the sample — a row of the dataset, the Predict dock's row, or typed values — the node (it
follows the canvas selection), its unit, and the input whose weight the chain rule follows; the
view shows the forward pass, the loss, the backward pass, the chain of factors from the loss down
to that weight and the optimizer's update, all computed by ``engine.explain`` and laid out by
``math_html``. Step takes the update for real as one undoable command of the training session
and shows before and after side by side.

An explanation takes milliseconds (digits, on a loaded 2-core machine: explaining ~3 ms, loading a
later moment of the run ~0.2 ms, the whole page with its layout ~11 ms, at most ~35 ms; see
benchmarks/math_views.py), so the view computes on the GUI thread; compiling the explainer's
network after an edit is a turn of the event loop of its own. While training runs it follows the
snapshots at most ``REFRESH_HZ`` times a second, and only while it is on screen.
"""
from __future__ import annotations

import json
import math
import time

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QTextBrowser, QToolTip, QVBoxLayout, QWidget,
)

from engine.datasets import parse_number
from engine.errors import NeuroCanvasError
from engine.explain import Explainer, ExplainError, Explanation
from engine.explain.notation import Var
from engine.data_split import split_rows

from . import style
from .math_html import Comparison, Look, message_page, page
from .predict import parse_row
from .training.views.base import NodeChooser
from .view_menu import add_view_action
from .on_screen import CatchesUpWhenShown

REFRESH_HZ = 4  # pages a second while training runs, at most
DATASET, PREDICT, TYPED = range(3)
SOURCES = ("Dataset row", "Predict dock's row", "Typed values")
SYMBOLS = {"weight": "w", "bias": "b", "slope": "s"}  # as the engine's update lines name them


class MathBrowser(QTextBrowser):
    """Read-only rich text whose numbers show their full precision on hover (their HTML title)."""

    def tooltip_at(self, pos: QPoint) -> str:
        """The title of the text under ``pos`` (viewport coordinates), or ""."""
        point = QPointF(pos.x() + self.horizontalScrollBar().value(), pos.y() + self.verticalScrollBar().value())
        document = self.document()
        hit = document.documentLayout().hitTest(point, Qt.ExactHit)
        if hit < 0:
            return ""
        cursor = QTextCursor(document)
        cursor.setPosition(min(hit + 1, document.characterCount() - 1))  # the format of the character at ``hit``
        return cursor.charFormat().toolTip()

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.ToolTip:
            tip = self.tooltip_at(event.pos())
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)


class MathView(CatchesUpWhenShown, QWidget):
    """The dock's widget: the pickers, the Step button and the page."""

    explained = Signal()  # a new page is shown

    def __init__(self, document, session, predict=None) -> None:
        super().__init__()
        self.document, self.session, self.predict = document, session, predict
        self.explainer: Explainer | None = None
        self.explanation: Explanation | None = None
        self.comparison: Comparison | None = None
        self.reason = ""  # why there is nothing to explain
        self.seconds = 0.0  # the last page's time: explaining and laying it out
        self._structure: tuple | None = None  # (model, dataset, settings) the explainer was built for
        self._moment: tuple | None = None  # the session's state the explainer holds
        self._dirty = True
        self._markup = ""
        self.update_known = True  # the optimizer's state for the update is at hand
        self._theme = style.theme()
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self._refresh_if_shown)
        self._build()
        document.project_replaced.connect(self._schedule)
        document.compiled.connect(self._schedule)
        for signal in (session.progressed, session.state_changed, session.cleared, session.settings_changed):
            signal.connect(self._schedule)
        if predict is not None:
            predict.row_changed.connect(self._predict_row_changed)

    # ---- widgets -----------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)

        pick = QHBoxLayout()
        pick.setSpacing(6)
        self.source = QComboBox()
        self.source.addItems(SOURCES)
        self.source.setToolTip("The sample explained: a row of the dataset, the Predict dock's row, or values you type")
        self.row = QSpinBox(keyboardTracking=False)
        self.row.setToolTip("The dataset's row, counting from 0 (as python main.py explain --sample)")
        self.row_info = style.muted_label()
        self.features = QLineEdit(placeholderText="feature values, comma separated (raw units)")
        self.features.setToolTip("The features as in the data; they are standardized the way training does")
        self.target_class = QComboBox()
        self.target_values = QLineEdit(placeholderText="target")
        self.target_values.setMaximumWidth(160)
        for widget in (self.target_class, self.target_values):
            widget.setToolTip("The label the loss compares the prediction with")
        sample_label = QLabel("&Sample")
        sample_label.setBuddy(self.source)
        for widget in (sample_label, self.source, self.row, self.row_info, self.features):
            pick.addWidget(widget)
        self.target_label = QLabel("→ target")
        for widget in (self.target_label, self.target_class, self.target_values):
            pick.addWidget(widget)
        pick.addStretch(1)
        layout.addLayout(pick)

        where = QHBoxLayout()
        where.setSpacing(6)
        self.node = NodeChooser(lambda node_id: True)
        self.node.setToolTip("The node explained; it follows the canvas selection")
        self.unit = QSpinBox(keyboardTracking=False)
        self.unit.setToolTip("The node's unit, counting from 0")
        self.input = QSpinBox(keyboardTracking=False)
        self.input.setMinimum(-1)
        self.input.setSpecialValueText("largest term")
        self.input.setValue(-1)
        self.input.setToolTip("The input whose weight the chain rule and the update follow "
                              "(by default the one contributing most to the unit)")
        for text, widget in (("&Node", self.node), ("&Unit", self.unit), ("&Weight from input", self.input)):
            label = QLabel(text)
            label.setBuddy(widget)
            where.addWidget(label)
            where.addWidget(widget)
        where.addStretch(1)
        self.timing = style.muted_label()
        self.timing.setToolTip("How long this page took: explaining the sample and laying the page out")
        where.addWidget(self.timing)
        self.step_button = QPushButton("Ste&p")
        self.step_button.setToolTip("Take this update for real: one optimizer step on a batch of this one sample "
                                    "(Edit ▸ Undo takes it back). At the present only: not while training runs "
                                    "or the timeline shows an earlier epoch")
        self.step_button.clicked.connect(self.step)
        where.addWidget(self.step_button)
        layout.addLayout(where)

        self.browser = MathBrowser()
        self.browser.setOpenLinks(False)
        # A scroll bar that comes and goes lays the page out twice (half the cost of showing it).
        self.browser.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOn)
        layout.addWidget(self.browser, 1)

        self.source.currentIndexChanged.connect(self._source_changed)
        for spin in (self.row, self.unit, self.input):
            spin.valueChanged.connect(self._pick_changed)
        self.node.currentIndexChanged.connect(self._pick_changed)
        self.target_class.currentIndexChanged.connect(self._pick_changed)
        for edit in (self.features, self.target_values):
            edit.editingFinished.connect(self._pick_changed)
        self._show_source_widgets()
        self.apply_theme()

    def apply_theme(self) -> None:
        """The colours of the current theme: the muted labels, and the page (laid out again)."""
        style.colour_muted_labels(self)
        self._dirty = True
        self._schedule()

    def changeEvent(self, event) -> None:
        # MainWindow.set_dark sets a new application palette; Qt posts a PaletteChange to every widget.
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange and self._theme is not style.theme():
            self._theme = style.theme()
            self.apply_theme()

    # ---- following the window -------------------------------------------------------------------------
    def _schedule(self) -> None:
        """Something changed: a new page soon if on screen (at once when idle, throttled while training)."""
        self._dirty = True
        if not self._timer.isActive():
            self._timer.start(int(1000 / REFRESH_HZ) if self.session.running else 0)

    def _refresh_if_shown(self) -> None:
        if not self.shown():
            return
        if self.structure_changed():  # compiling the explainer's network is a turn of the event loop of its own
            self._ensure_explainer()
            self._timer.start(0)
            return
        self.refresh()


    def set_selection(self, node_ids: list[str]) -> None:
        """The canvas selection: explain the first selected node the network has."""
        index = self.node.currentIndex()
        if self.node.follow(node_ids) and self.node.currentIndex() != index:
            self._pick_changed()

    def _predict_row_changed(self) -> None:
        if self.source.currentIndex() == PREDICT:
            self.comparison = None
            self._schedule()

    def _source_changed(self) -> None:
        if self.source.currentIndex() == TYPED and not self.features.text() and self.explanation is not None:
            self._fill_typed(self.explanation)
        self._show_source_widgets()
        self._pick_changed()

    def _show_source_widgets(self) -> None:
        source = self.source.currentIndex()
        classification = self.explainer is not None and self.explainer.dataset.task == "classification"
        predict_typed = source == PREDICT and self.predict is not None and self.predict.from_sample is None
        needs_target = source == TYPED or predict_typed
        self.row.setVisible(source == DATASET)
        self.row_info.setVisible(source == DATASET)
        self.features.setVisible(source == TYPED)
        self.target_label.setVisible(needs_target)
        self.target_class.setVisible(needs_target and classification)
        self.target_values.setVisible(needs_target and not classification)

    def _fill_typed(self, e: Explanation) -> None:
        """Typed values start as the sample shown: one value changed at a time is how people explore."""
        self.features.setText(", ".join(f"{v:.10g}" for v in e.sample.raw))
        if isinstance(e.sample.target, int):
            self.target_class.setCurrentIndex(e.sample.target)
        else:
            self.target_values.setText(", ".join(f"{v:.10g}" for v in e.sample.target))

    def _pick_changed(self, *_) -> None:
        self.comparison = None
        self._dirty = True
        self.refresh()

    # ---- the explainer -------------------------------------------------------------------------------
    def structure_changed(self) -> bool:
        """The compiled network, the data or the settings are not the explainer's."""
        d, old = self.document, self._structure
        settings = json.dumps(d.project.training, sort_keys=True, default=str)
        return old is None or old[0] is not d.model or old[1] is not d.dataset or old[2] != settings

    def _ensure_explainer(self) -> bool:
        """An explainer for the document's compiled network and settings, holding the session's
        current parameters and optimizer state; False (and ``reason``) when there is none."""
        d = self.document
        if self.structure_changed():
            settings = json.dumps(d.project.training, sort_keys=True, default=str)
            self._structure = (d.model, d.dataset, settings)
            self.explainer, self._moment = None, None
            if d.model is None:
                self.reason = self.session.reason or "Nothing to explain yet: build a network on the canvas."
            else:
                try:
                    self.explainer = Explainer(d.graph, d.dataset, d.project.training)
                    self.reason = ""
                except (NeuroCanvasError, ValueError) as e:
                    self.reason = f"Cannot explain: {e}"
            self._fill_pickers()
        if self.explainer is None:
            return False
        s = self.session
        moment = (s.detail_version, id(s.trainer), bool(s.running), s.trained, s.shown)
        if moment != self._moment:
            self._moment = moment
            parameters = (s.current_parameters() if s.trained else None) or d.project.parameters
            state = s.optimizer_state() if s.trained else None
            self.explainer.load(parameters, state)
            # During a run the optimizer's state comes with the timeline's frames only: between them
            # the update cannot be shown as training takes it.
            self.update_known = not (s.running and state is None)
        return True

    def _fill_pickers(self) -> None:
        ex = self.explainer
        self._show_source_widgets()
        if ex is None:
            return
        nodes = list(ex.model.sources)
        before = self.node.currentText()
        self.node.blockSignals(True)
        self.node.fill(nodes)
        if before not in nodes:  # the first node with a weight: its chain runs through the whole network
            self.node.setCurrentText(ex.default_node())
        self.node.blockSignals(False)
        ds = ex.dataset
        for widget, maximum in ((self.row, ds.n_samples - 1),):
            widget.blockSignals(True)
            widget.setMaximum(max(0, maximum))
            widget.blockSignals(False)
        self.target_class.blockSignals(True)
        self.target_class.clear()
        self.target_class.addItems([str(c) for c in ds.class_names])
        self.target_class.blockSignals(False)

    def _width(self, node: str) -> int:
        """The node's units (every value of an image), or for a loss its prediction's."""
        model = self.explainer.model
        shape = model.shapes[model.sources[node][0]] if node in model.loss_ids else model.shapes[node]
        return max(1, math.prod(shape))

    # ---- the sample ----------------------------------------------------------------------------------
    def _sample(self):
        """(the Sample, the words saying where it comes from when not the dataset's rows)."""
        ex = self.explainer
        source = self.source.currentIndex()
        if source == DATASET:
            index = self.row.value()
            train, _ = split_rows(ex.dataset.n_samples, ex.settings["validation_split"], ex.settings["seed"])
            held_out = ex.settings["validation_split"] and index not in set(train.tolist())
            self.row_info.setText(f"of {ex.dataset.n_samples:,} · "
                                  + ("validation: training never sees it" if held_out else "in the training set"))
            return ex.sample(index), ""
        if source == PREDICT:
            p = self.predict
            if p is None or p.last_row is None:
                raise ExplainError("the Predict dock has no row yet: open it and pick or type one")
            if p.from_sample is not None:  # a held-out row: the same dataset row, as the Predict dock splits them
                train, val = split_rows(ex.dataset.n_samples, ex.settings["validation_split"], ex.settings["seed"])
                rows = val if p.sample_kind == "validation" else train
                return ex.sample(int(rows[p.from_sample])), f"the Predict dock's {p.sample_kind} sample {p.from_sample + 1}"
            return ex.typed_sample(list(p.last_row), self._typed_target()), "the Predict dock's typed row"
        return ex.typed_sample(self._typed_features(), self._typed_target()), ""

    def _typed_features(self) -> list[float]:
        cells = parse_row(self.features.text())
        values = []
        for k, cell in enumerate(cells):
            value = parse_number(cell) if cell else None
            if value is None or not np.isfinite(value):
                raise ExplainError(f"feature {k}: “{cell}” is not a number")
            values.append(value)
        return values

    def _typed_target(self):
        if self.explainer.dataset.task == "classification":
            return max(self.target_class.currentIndex(), 0)
        cells = parse_row(self.target_values.text())
        values = [parse_number(c) for c in cells]
        if not cells or any(v is None or not np.isfinite(v) for v in values):
            raise ExplainError(f"target: “{self.target_values.text()}” is not a number")
        return values

    # ---- the page ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Explain the picked sample, node and unit with the session's current state, and show it."""
        self._timer.stop()
        self._dirty = False
        start = time.perf_counter()
        look = Look.current()
        if not self._ensure_explainer():
            self.explanation = None
            self._show(message_page(self.reason, look))
            return
        node = self.node.currentText() or self.explainer.default_node()
        self._set_range(self.unit, self._width(node))
        try:
            sample, label = self._sample()
            source = self.input.value() if self.input.value() >= 0 else None
            e = self.explainer.explain(sample, node, self.unit.value(), source)
        except (ExplainError, ValueError) as error:
            self.explanation = None
            self._show(message_page(str(error), look, error=True))
            return
        self.explanation = e
        self.input.setEnabled(e.kind == "linear")
        if e.kind == "linear":
            self._set_range(self.input, len(e.values[self.explainer.model.sources[node][0]]))
        if self.comparison is not None and not self._comparison_holds():
            self.comparison = None
        shown = self.session.shown
        moment = f"the run at epoch {shown:.4g}, as the timeline shows it" if shown is not None else ""
        self._show(page(e, look, update=self.update_known, comparison=self.comparison, source_label=label,
                        moment=moment))
        self.seconds = time.perf_counter() - start
        self.timing.setText(f"{self.seconds * 1000:.0f} ms")

    def _show(self, markup: str) -> None:
        if markup != self._markup:
            self._markup = markup
            scroll = self.browser.verticalScrollBar().value()
            self.browser.setHtml(markup)
            self.browser.verticalScrollBar().setValue(scroll)  # following training keeps the reader's place
        self.step_button.setEnabled(self.explanation is not None and self.session.can_step_by_hand)
        self.explained.emit()

    @staticmethod
    def _set_range(spin: QSpinBox, count: int) -> None:
        spin.blockSignals(True)
        spin.setMaximum(count - 1)
        spin.blockSignals(False)

    # ---- Step: the update for real -----------------------------------------------------------------
    def step(self) -> bool:
        """One optimizer step on a batch of the explained sample, as one undoable command; the page
        then shows before and after side by side. False when it cannot (no network, a run going on)."""
        e = self.explanation
        if e is None or not self.session.can_step_by_hand:
            return False
        ex = self.explainer
        watched = [_parse_key(key) for key in e.new_values]
        before = [float(ex.model.parameters[name][index]) for name, index in watched]
        sample, label = self._sample()
        result = ex.step(sample, e.node, e.unit, e.source)
        after = [float(ex.model.parameters[name][index]) for name, index in watched]
        labels = [_symbol(name, index) for name, index in watched]
        where = f"row {sample.index}" if sample.index is not None else "a typed sample"
        if not self.session.take_step(result.parameters, result.optimizer_state, f"Step on {where} (Math)"):
            self._moment = None  # the explainer stepped alone: back to the session's state
            self.refresh()
            return False
        self.comparison = Comparison(result, list(zip(labels, before, after)))
        self.refresh()
        return True

    def _comparison_holds(self) -> bool:
        """The parameters are still the ones the step produced (no training, undo or other step since)."""
        current = self.explainer.parameters
        return all(k in current and np.array_equal(current[k], v) for k, v in self.comparison.result.parameters.items())


def _parse_key(key: str) -> tuple[str, tuple[int, ...]]:
    """"h.weight[1, 2]" → ("h.weight", (1, 2)): the engine's names of the updated entries."""
    name, _, rest = key.partition("[")
    return name, tuple(int(i) for i in rest.rstrip("]").split(",") if i.strip())


def _symbol(name: str, index: tuple[int, ...]) -> str:
    """w₁,₂ for h.weight[1, 2], b₂ for h.bias[2], as the update's lines write them (HTML)."""
    local = name.rsplit(".", 1)[-1]
    letter = SYMBOLS.get(local, local)
    sub = ",".join(map(str, index)) if local == "weight" else str(index[-1]) if index else ""
    return Var(letter, sub).html()


def install_math(window) -> MathView:
    """Add the Math dock to ``window`` (a MainWindow), tabbed with the Output view, with a View menu entry."""
    view = MathView(window.document, window.training.session, getattr(window, "predict", None))
    dock = window.add_dock("math", "Math", view, Qt.BottomDockWidgetArea, tab_with="output")

    def selection_changed() -> None:
        try:
            view.set_selection(window.scene.selected_node_ids())
        except RuntimeError:  # the scene's items are being deleted with the window
            pass

    window.scene.selectionChanged.connect(selection_changed)
    add_view_action(window, dock, "Show the &Math", "Ctrl+Shift+M", view.node,
                    "One sample through the network with its real numbers", separator=True)
    return view
