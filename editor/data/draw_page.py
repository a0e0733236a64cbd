"""The Dataset dock's drawing page: points of a few classes clicked onto a plane, saved inline."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QPushButton, QSpinBox, QToolButton, QWidget

from ..glyphs import swatch
from ..training import colors
from .page_layout import error_label, muted, split_page
from .plots import DrawingPlane

MAX_DRAW_CLASSES = 6


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
        self.hint = muted("Click to add a point of the chosen class; right-click or Shift+click "
                           "removes the nearest. Saved in the project file.")
        self.message = error_label()
        self.copy_button = QPushButton("Start From the Data in Use")
        self.copy_button.setToolTip("Copy the current two-feature data's points to draw on")
        split_page(self, [pens, self.hint, self.message, self.copy_button], self.plane)
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

