"""The colours the Predict dock's painted views share, read from the theme as they paint."""
from __future__ import annotations

from PySide6.QtGui import QColor

from .. import style
from ..training import colors


def muted() -> QColor:
    return QColor(style.theme().muted_text)


def text() -> QColor:
    return QColor(style.theme().text)


def track() -> QColor:
    """The empty part of a bar."""
    return QColor(colors.centre()) if not style.theme().dark else QColor("#353a46")
