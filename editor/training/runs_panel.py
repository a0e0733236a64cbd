"""The Runs panel: every experiment of the project, with its best and last metrics.

Each run has a colour (the Loss view draws shown runs in it), a name made from what differs from
the run it came from (double-click to rename), and can be shown or hidden in the comparisons,
restored (its parameters back on the graph), kept with the project's file, or deleted.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton, QTreeWidget, QTreeWidgetItem,
    QVBoxLayout, QWidget,
)

from engine.errors import NeuroCanvasError
from engine.runs import Run

from .. import style
from . import colors
from .session import TrainingSession

ID_ROLE = Qt.UserRole
NAME, EPOCHS, BEST, LAST = range(4)


def run_colour(run_id: int) -> QColor:
    """A run's colour in every comparison: the series palette, by id, so it never changes."""
    palette = colors.series(10)
    return QColor(palette[(run_id - 1) % len(palette)])


def _metric(run: Run) -> str:
    return "val_accuracy" if "val_accuracy" in run.history else "accuracy" if "accuracy" in run.history else \
        "val_loss" if "val_loss" in run.history else "loss"


class RunsPanel(QWidget):
    def __init__(self, session: TrainingSession, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        self.summary = QLabel(wordWrap=True)
        layout.addWidget(self.summary)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Run", "Epochs", "Best", "Last"])
        self.tree.headerItem().setToolTip(BEST, "The best value of the run's main metric, and the epoch it came in")
        self.tree.setTextElideMode(Qt.ElideMiddle)
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed)
        header = self.tree.header()
        header.setSectionResizeMode(NAME, QHeaderView.Stretch)
        for column in (EPOCHS, BEST, LAST):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        self.tree.itemChanged.connect(self._edited)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.tree, 1)
        buttons = QHBoxLayout()
        self.restore_button = QPushButton("Restore")
        self.restore_button.setToolTip("Make this run current again: its parameters come back on the graph")
        self.restore_button.clicked.connect(self.restore)
        self.keep_button = QPushButton("Keep in file")
        self.keep_button.setCheckable(True)
        self.keep_button.setToolTip("Save this run's parameters with the project (the current run's always are)")
        self.keep_button.toggled.connect(self.keep)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Forget this run (Delete)")
        self.delete_button.setShortcut(QKeySequence.Delete)
        self.delete_button.clicked.connect(self.delete)
        for button in (self.restore_button, self.keep_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.message = QLabel(wordWrap=True)
        self.message.hide()
        layout.addWidget(self.message)
        self._shown_epoch: tuple[int, int] | None = None
        session.runs_changed.connect(self.refresh)
        session.progressed.connect(self._progressed)
        self.refresh()

    # ---- the list ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        s = self.session
        selected = self.selected_id()
        self.tree.blockSignals(True)
        self.tree.clear()
        current = s.runs.current_id
        for run in s.runs:
            item = QTreeWidgetItem(self.tree)
            item.setData(0, ID_ROLE, run.id)
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsUserCheckable | Qt.ItemIsEditable)
            item.setCheckState(NAME, Qt.Checked if run.shown else Qt.Unchecked)
            item.setToolTip(NAME, "Checked: drawn in the Loss view's comparison")
            self._fill(item, run, run.id == current)
        self.tree.blockSignals(False)
        self._select(selected if selected is not None else current)
        n = len(s.runs)
        self.summary.setText(f"{n} run{'s' if n != 1 else ''}; the current one is in bold. Check runs to compare "
                             "their curves in the Loss view.")
        self._selection_changed()

    def _fill(self, item: QTreeWidgetItem, run: Run, current: bool) -> None:
        item.setText(NAME, run.name)
        item.setData(NAME, Qt.DecorationRole, run_colour(run.id))
        item.setText(EPOCHS, f"{run.epoch:,}")
        key = _metric(run)
        label = key.replace("_", " ")
        best, last = run.best_metrics().get(key), run.last_metrics().get(key)
        item.setText(BEST, f"{best[0]:.3g} @{best[1]}" if best else "—")
        item.setText(LAST, f"{last:.3g}" if last is not None else "—")
        for column in (BEST, LAST):
            item.setToolTip(column, f"{label}: best {best[0]:.4g} at epoch {best[1]}, last {last:.4g}" if best else label)
        font = item.font(NAME)
        font.setBold(current)
        item.setFont(NAME, font)
        events = "; ".join(f"epoch {e.epoch:g}: {e.text}" for e in run.events[-6:])
        why = ", ".join(run.reasons)
        item.setToolTip(NAME, "\n".join(filter(None, [run.name, f"began: {why}" if why else "", events])))

    def _progressed(self) -> None:
        """While training, only the current run's numbers change, once an epoch."""
        current = self.session.run
        if current is None or (current.id, current.epoch) == self._shown_epoch:
            return
        self._shown_epoch = (current.id, current.epoch)
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, ID_ROLE) == current.id:
                self.tree.blockSignals(True)
                self._fill(item, current, True)
                self.tree.blockSignals(False)
                return
        self.refresh()

    def selected_id(self) -> int | None:
        items = self.tree.selectedItems()
        return items[0].data(0, ID_ROLE) if items else None

    def _select(self, run_id: int | None) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, ID_ROLE) == run_id:
                self.tree.setCurrentItem(item)
                return

    def _selection_changed(self) -> None:
        s = self.session
        run_id = self.selected_id()
        other = run_id is not None and run_id != s.runs.current_id
        self.restore_button.setEnabled(other and not s.running)
        self.delete_button.setEnabled(other and not s.running)
        self.keep_button.setEnabled(run_id is not None)
        self.keep_button.blockSignals(True)
        self.keep_button.setChecked(run_id is not None and s.runs.get(run_id).keep)
        self.keep_button.blockSignals(False)

    # ---- actions -------------------------------------------------------------------------------------------
    def _edited(self, item: QTreeWidgetItem, column: int) -> None:
        runs, run_id = self.session.runs, item.data(0, ID_ROLE)
        if column == NAME:
            runs.show(run_id, item.checkState(NAME) == Qt.Checked)
            if item.text(NAME) != runs.get(run_id).name:
                runs.rename(run_id, item.text(NAME))
        self.session.runs_edited()

    def restore(self) -> None:
        run_id = self.selected_id()
        if run_id is not None:
            self.session.restore_run(run_id)

    def keep(self, on: bool) -> None:
        run_id = self.selected_id()
        if run_id is None:
            return
        try:
            self.session.runs.set_keep(run_id, on)
        except NeuroCanvasError as e:
            self._say(str(e))
            self._selection_changed()
            return
        self.session.document.undo_stack.resetClean()  # the file's content changes
        self.session.runs_edited()

    def delete(self) -> None:
        run_id = self.selected_id()
        if run_id is None or run_id == self.session.runs.current_id:
            return
        run = self.session.runs.get(run_id)
        answer = QMessageBox.question(self, "Delete Run", f"Forget {run.name}? Its curves and frames are lost.",
                                      QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel)
        if answer != QMessageBox.Yes:
            return
        self.session.runs.delete(run_id)
        self.session.document.undo_stack.resetClean()
        self.session.runs_edited()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {style.theme().error.name()};")
        self.message.setVisible(bool(text))
