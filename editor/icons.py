"""Icons drawn from the SVG files in resources/icons/ in a colour of the theme, instead of Unicode symbols a
font may lack (DejaVu has no "⏸"). The files are black shapes; the colour is painted over them."""
from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from engine import RESOURCES

ICONS = RESOURCES / "icons"
SIZES = (16, 32)  # the normal and the high-DPI pixmap


def icon(name: str, colour: QColor) -> QIcon:
    """``resources/icons/<name>.svg`` in ``colour``."""
    return _icon(name, colour.name(QColor.HexArgb))


@cache
def _icon(name: str, colour: str) -> QIcon:
    path = ICONS / f"{name}.svg"
    renderer = QSvgRenderer(str(path))
    if not renderer.isValid():
        raise FileNotFoundError(f"{path}: not a readable SVG icon")
    result = QIcon()
    for size in SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.setCompositionMode(QPainter.CompositionMode_SourceIn)  # keep the shape, take the colour
        painter.fillRect(pixmap.rect(), QColor(colour))
        painter.end()
        result.addPixmap(pixmap)
    return result
