"""The palette: every node type, with each activation and loss as its own entry, grouped and searchable."""
from __future__ import annotations

import json

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from engine.nodes import CATEGORIES, PaletteEntry, node_type, palette_entries

from . import style
from .glyphs import swatch

PALETTE_MIME = "application/x-neurocanvas-palette-entry"
ENTRY_ROLE = Qt.UserRole + 1
ICON_SIZE = 16  # room for an activation's curve
ROW_HEIGHT = ICON_SIZE + 3


def encode_entry(entry: PaletteEntry) -> QMimeData:
    mime = QMimeData()
    mime.setData(PALETTE_MIME, json.dumps({"type": entry.type, "params": entry.params}).encode())
    mime.setText(entry.label)
    return mime


def decode_entry(mime: QMimeData) -> tuple[str, dict] | None:
    if not mime.hasFormat(PALETTE_MIME):
        return None
    try:
        data = json.loads(bytes(mime.data(PALETTE_MIME)).decode())
        return str(data["type"]), dict(data["params"])
    except (ValueError, KeyError, TypeError):
        return None


class _EntryTree(QTreeWidget):
    def mimeTypes(self) -> list[str]:
        return [PALETTE_MIME]

    def mimeData(self, items) -> QMimeData:
        entry = items[0].data(0, ENTRY_ROLE) if items else None
        return encode_entry(entry) if entry else QMimeData()


class PalettePanel(QWidget):
    entry_activated = Signal(str, dict)  # double-click: add at the view's centre

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search nodes…", clearButtonEnabled=True)
        self.tree = _EntryTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragOnly)
        self.tree.setIndentation(12)
        self.tree.setUniformRowHeights(True)
        self.tree.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.search.textChanged.connect(self.filter)
        self.tree.itemDoubleClicked.connect(self._activate)
        self.populate()

    def populate(self) -> None:
        self.tree.clear()
        groups = {}
        entries = palette_entries()
        for category in [c for c in CATEGORIES if any(e.category == c for e in entries)]:
            group = QTreeWidgetItem(self.tree, [category.capitalize()])
            group.setFlags(Qt.ItemIsEnabled)
            group.setSizeHint(0, QSize(0, ROW_HEIGHT))
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            groups[category] = group
        for entry in entries:
            item = QTreeWidgetItem(groups[entry.category], [entry.label])
            item.setData(0, ENTRY_ROLE, entry)
            item.setSizeHint(0, QSize(0, ROW_HEIGHT))
            colour = style.category_colour(entry.category)
            activation = entry.params if node_type(entry.type).activation(entry.params) else None
            item.setIcon(0, swatch(colour, ICON_SIZE if activation else 13, activation))
            tip = f"<b>{entry.label}</b><br>{entry.help}"
            if entry.formula:
                tip += f"<br><code>{entry.formula}</code>"
            item.setToolTip(0, tip)
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
        self.tree.expandAll()

    def items(self) -> list[QTreeWidgetItem]:
        return [
            self.tree.topLevelItem(i).child(j)
            for i in range(self.tree.topLevelItemCount())
            for j in range(self.tree.topLevelItem(i).childCount())
        ]

    def item_for(self, label: str) -> QTreeWidgetItem:
        return next(i for i in self.items() if i.text(0) == label)

    def filter(self, text: str) -> None:
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            shown = 0
            for j in range(group.childCount()):
                item = group.child(j)
                entry: PaletteEntry = item.data(0, ENTRY_ROLE)
                haystack = f"{entry.label} {entry.type} {entry.category} {entry.help}".lower()
                match = all(w in haystack for w in words)
                item.setHidden(not match)
                shown += match
            group.setHidden(shown == 0)

    def _activate(self, item: QTreeWidgetItem) -> None:
        entry = item.data(0, ENTRY_ROLE)
        if entry is not None:
            self.entry_activated.emit(entry.type, dict(entry.params))
