"""Whether a widget is really in view: a dock tabbed behind another keeps isVisible() but is moved
out of sight, so what draws only for the eye asks this instead."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget


def on_screen(widget: QWidget) -> bool:
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


class CatchesUpWhenShown:
    """For a dock's widget (mixed in before QWidget) that does its work only in view: ``_dirty`` says something
    changed while it was out of sight, and ``_refresh_if_shown`` catches up when its tab comes to the front
    (MainWindow.add_dock connects the dock's visibilityChanged to ``visibility_changed``) or it is shown."""

    _dirty = True

    def shown(self) -> bool:
        return on_screen(self)

    def visibility_changed(self, visible: bool) -> None:
        if visible and self._dirty:
            QTimer.singleShot(0, self._refresh_if_shown)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.visibility_changed(True)

    def _refresh_if_shown(self) -> None:
        raise NotImplementedError
