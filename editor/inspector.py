"""The inspector: the selected node's params as widgets built from the engine's declarations.

Every change is one document edit (a scrubbed spin box merges into one undo step); a
value the engine refuses is put back and its reason shown. With nothing selected it
edits the project's name and description.
"""
from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QSpinBox,
    QStackedWidget, QVBoxLayout, QWidget,
)

from engine.graph import Node
from engine.nodes import format_shape, palette_entries
from engine.params import ParamSpec

from . import style
from .document import Document

INT_LIMIT = 2**31 - 1


def _choice_labels() -> dict[tuple[str, str], str]:
    """Palette labels for choices that have their own entry ("ReLU" for Activation's relu)."""
    return {
        (e.type, value): e.label
        for e in palette_entries()
        if len(e.params) == 1
        for value in e.params.values()
    }


def parse_shape(text: str) -> list | str:
    """"1, 8, 8", "1×8×8" or "1 8 8" as [1, 8, 8]; text that is not whole numbers is passed on for the
    engine to refuse with its message."""
    parts = [p for p in re.split(r"[\s,×x*]+", text.strip()) if p]
    return [int(p) for p in parts] if all(p.isdigit() for p in parts) else text


NAMED = {None: "as the pool size"}  # how a named alternative to a number reads in the inspector


class ParamField:
    """One param's widget: shows the node's value and sends the user's changes to the document."""

    def __init__(self, name: str, spec: ParamSpec, node_type: str, on_edit, labels: dict) -> None:
        self.name, self.spec = name, spec
        if spec.kind == "int" and spec.choices:  # a number or a named alternative (padding "same")
            widget = QComboBox(editable=True)
            for choice in spec.choices:
                widget.addItem(NAMED.get(choice, str(choice)), choice)
            widget.activated.connect(lambda i: on_edit(name, widget.itemData(i)))
            widget.lineEdit().editingFinished.connect(lambda: on_edit(name, self._typed(widget)))
        elif spec.kind == "int":
            widget = QSpinBox(keyboardTracking=False)
            widget.setRange(int(spec.minimum if spec.minimum is not None else -INT_LIMIT),
                            int(spec.maximum if spec.maximum is not None else INT_LIMIT))
            widget.valueChanged.connect(lambda v: on_edit(name, int(v)))
        elif spec.kind == "float":
            widget = QDoubleSpinBox(keyboardTracking=False, decimals=4)
            widget.setRange(spec.minimum if spec.minimum is not None else -1e9,
                            spec.maximum if spec.maximum is not None else 1e9)
            widget.setSingleStep(0.01 if (spec.maximum or 10) <= 1 else 0.1)
            widget.valueChanged.connect(lambda v: on_edit(name, float(v)))
        elif spec.kind == "bool":
            widget = QCheckBox()
            widget.toggled.connect(lambda v: on_edit(name, bool(v)))
        elif spec.kind == "choice":
            widget = QComboBox()
            for choice in spec.choices:
                widget.addItem(labels.get((node_type, choice), choice.replace("_", " ")), choice)
            widget.activated.connect(lambda i: on_edit(name, widget.itemData(i)))
        elif spec.kind == "shape":
            widget = QLineEdit(placeholderText="e.g. 1, 8, 8" if 3 in spec.lengths else "")
            widget.editingFinished.connect(lambda: on_edit(name, parse_shape(widget.text())))
        else:
            widget = QLineEdit()
            widget.editingFinished.connect(lambda: on_edit(name, widget.text()))
        widget.setToolTip(spec.help)
        self.widget = widget

    def _typed(self, widget: QComboBox):
        """The combo's text as the value it names: a choice's label, a whole number, or the text itself
        (for the engine to refuse with its message)."""
        text = widget.currentText().strip()
        for i in range(widget.count()):
            if widget.itemText(i) == text:
                return widget.itemData(i)
        return int(text) if text.isdigit() else text

    def show(self, value) -> None:
        w = self.widget
        w.blockSignals(True)
        if isinstance(w, (QSpinBox, QDoubleSpinBox)):
            w.setValue(value)
        elif isinstance(w, QCheckBox):
            w.setChecked(value)
        elif isinstance(w, QComboBox) and w.isEditable():
            index = w.findData(value) if value in self.spec.choices else -1
            w.setCurrentIndex(index)
            if index < 0:
                w.setEditText(str(value))
        elif isinstance(w, QComboBox):
            w.setCurrentIndex(w.findData(value))
        elif self.spec.kind == "shape":
            w.setText(", ".join(str(n) for n in value))
        else:
            w.setText(value)
        w.blockSignals(False)


class InspectorPanel(QWidget):
    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.node: Node | None = None
        self.fields: list[ParamField] = []
        self._labels = _choice_labels()
        self.stack = QStackedWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.stack)
        self._build_project_page()
        self._build_node_page()
        self.multi_label = style.muted_label(wrap=True)
        self.multi_label.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.stack.addWidget(self.multi_label)
        document.graph_changed.connect(self.refresh)
        document.info_changed.connect(self.refresh)
        document.project_replaced.connect(lambda: self.show_nodes([]))
        document.validated.connect(lambda *_: self.refresh())
        self.show_nodes([])

    # ---- pages ------------------------------------------------------------------------------
    def _build_project_page(self) -> None:
        page = QWidget()
        outer = QVBoxLayout(page)
        outer.setContentsMargins(0, 0, 0, 0)
        form = QFormLayout()
        title = QLabel("<span style='font-size:13pt; font-weight:600'>Project</span>")
        self.name_edit = QLineEdit()
        self.name_edit.editingFinished.connect(lambda: self.document.set_project_info("name", self.name_edit.text()))
        self.description_edit = QPlainTextEdit()
        self.description_edit.setPlaceholderText("What this network is for…")
        # An example's description is its lesson (what to watch, what to try): it gets the page's height.
        self.description_edit.setMinimumHeight(60)
        self.description_edit.textChanged.connect(
            lambda: self.document.set_project_info("description", self.description_edit.toPlainText())
        )
        self.summary_label = style.muted_label(wrap=True)
        form.addRow(title)
        form.addRow("Name", self.name_edit)
        outer.addLayout(form)
        outer.addWidget(QLabel("Description"))
        outer.addWidget(self.description_edit, 1)
        outer.addWidget(self.summary_label)
        self.stack.addWidget(page)
        self.project_page = page

    def _build_node_page(self) -> None:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        self.node_title = QLabel()
        self.node_help = style.muted_label(wrap=True)
        self.id_edit = QLineEdit()
        self.id_edit.editingFinished.connect(self._rename)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.form.addRow("Id", self.id_edit)
        self.message = QLabel(wordWrap=True)
        self.message.setStyleSheet(f"color: {style.theme().error.name()};")
        self.node_info = style.muted_label(wrap=True)
        layout.addWidget(self.node_title)
        layout.addWidget(self.node_help)
        layout.addLayout(self.form)
        layout.addWidget(self.node_info)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.stack.addWidget(page)
        self.node_page = page

    # ---- what is shown ------------------------------------------------------------------------
    def show_nodes(self, node_ids: list[str]) -> None:
        graph = self.document.graph
        if len(node_ids) == 1:
            self._show_node(graph.node(node_ids[0]))
        elif node_ids:
            self.node = None
            self.multi_label.setText(f"{len(node_ids)} nodes selected.\n\nSelect one node to edit its parameters.")
            self.stack.setCurrentWidget(self.multi_label)
        else:
            self.node = None
            self.stack.setCurrentWidget(self.project_page)
            self.refresh()

    def _show_node(self, node: Node) -> None:
        self.node = node
        self.message.clear()
        while self.form.rowCount() > 1:
            self.form.removeRow(1)
        self.fields = [
            ParamField(name, spec, node.type, self._edit, self._labels) for name, spec in node.kind.params.items()
        ]
        for field in self.fields:
            label = field.spec.label or field.name.replace("_", " ").capitalize()
            self.form.addRow(label, field.widget)
        colour = style.category_colour(node.kind.category).name()
        self.node_title.setText(f"<span style='font-size:13pt; font-weight:600; color:{colour}'>{node.kind.name}</span>")
        self.node_help.setText(node.kind.help)
        self.stack.setCurrentWidget(self.node_page)
        self.refresh()

    def refresh(self) -> None:
        """Show the current values (after any edit, undo or validation)."""
        if self.node is None:
            self._refresh_project()
            return
        graph = self.document.graph
        if graph.nodes.get(self.node.id) is not self.node:
            self.show_nodes([])
            return
        if not self.id_edit.hasFocus():
            self.id_edit.setText(self.node.id)
        for row, field in enumerate(self.fields, start=1):
            field.show(self.node.params[field.name])
            self.form.setRowVisible(row, field.spec.applies(self.node.params))
        self.node_info.setText(self._node_summary())

    def _node_summary(self) -> str:
        shape = self.document.analysis.shapes.get(self.node.id)
        problems = [p.message for p in self.document.problems if p.node == self.node.id]
        lines = []
        if shape is not None and self.node.output_ports:
            what = (f"{shape[0]} value{'s' if shape[0] != 1 else ''}" if len(shape) == 1
                    else f"an image of {format_shape(shape)} (channels × height × width)")
            lines.append(f"Output: {what} per sample")
        lines += [f"⚠ {m}" for m in problems]
        return "\n".join(lines)

    def _refresh_project(self) -> None:
        project = self.document.project
        if not self.name_edit.hasFocus():
            self.name_edit.setText(project.name)
        if self.description_edit.toPlainText() != project.description:
            self.description_edit.blockSignals(True)
            self.description_edit.setPlainText(project.description)
            self.description_edit.blockSignals(False)
        graph = self.document.graph  # the data is summed up in the Training panel and the Dataset dock
        self.summary_label.setText(f"{len(graph.nodes)} nodes · {len(graph.edges)} wires")

    # ---- edits -----------------------------------------------------------------------------------
    def _edit(self, name: str, value) -> None:
        if self.document.set_param(self.node.id, name, value):
            self.message.clear()
        else:
            self.message.setText(self.document.last_refusal)
        self.refresh()

    def _rename(self) -> None:
        new_id = self.id_edit.text().strip()
        if self.node is None or new_id == self.node.id:
            return
        if self.document.rename(self.node.id, new_id):
            self.message.clear()
        else:
            self.message.setText(self.document.last_refusal)
            self.id_edit.setText(self.node.id)
