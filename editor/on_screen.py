"""Whether a widget is really in view: a dock tabbed behind another keeps isVisible() but is moved
out of sight, so what draws only for the eye asks this instead."""
from __future__ import annotations

from PySide6.QtWidgets import QWidget


def on_screen(widget: QWidget) -> bool:
    return widget.isVisible() and not widget.visibleRegion().isEmpty()
