"""View menu entries that bring a dock to the front, with a shortcut (keyboard access to the docks)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QWidget


def add_view_action(window, dock: QDockWidget, text: str, shortcut: str, focus: QWidget, tip: str,
                    separator: bool = False) -> QAction:
    """An entry of the window's View menu that shows and raises ``dock`` and focuses ``focus``."""
    action = QAction(text, window)
    action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip)

    def bring() -> None:
        dock.show()
        dock.raise_()
        focus.setFocus(Qt.ShortcutFocusReason)

    action.triggered.connect(bring)
    window.addAction(action)
    menu = next((a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "View"), None)
    if menu is not None:
        if separator:
            menu.addSeparator()
        menu.addAction(action)
    return action
