"""Colours, fonts and the light and dark palettes; the canvas and panels read them from here."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget


@dataclass(frozen=True)
class Theme:
    name: str
    background: QColor
    grid: QColor
    node_body: QColor
    node_border: QColor
    text: QColor
    muted_text: QColor
    wire: QColor
    wire_label: QColor
    selection: QColor
    accept: QColor
    error: QColor
    warning: QColor
    categories: dict[str, QColor]
    dark: bool


LIGHT = Theme(
    name="light",
    background=QColor("#f6f7f9"),
    grid=QColor("#c9ced6"),
    node_body=QColor("#ffffff"),
    node_border=QColor("#d5d9e0"),
    text=QColor("#1f2430"),
    muted_text=QColor("#6b7280"),
    wire=QColor("#8a93a3"),
    wire_label=QColor("#eef0f4"),
    selection=QColor("#2f7cf6"),
    accept=QColor("#16a34a"),
    error=QColor("#dc2626"),
    warning=QColor("#d97706"),
    categories={
        "data": QColor("#3b82f6"),
        "layers": QColor("#7c5cdb"),
        "activations": QColor("#e0862f"),
        "merge": QColor("#0f9f8f"),
        "losses": QColor("#d9475a"),
    },
    dark=False,
)

DARK = Theme(
    name="dark",
    background=QColor("#1c1f26"),
    grid=QColor("#363b47"),
    node_body=QColor("#2a2e38"),
    node_border=QColor("#3d4250"),
    text=QColor("#e6e8ee"),
    muted_text=QColor("#9aa1b0"),
    wire=QColor("#7d8597"),
    wire_label=QColor("#343946"),
    selection=QColor("#5b9bff"),
    accept=QColor("#34d399"),
    error=QColor("#f87171"),
    warning=QColor("#fbbf24"),
    categories={
        "data": QColor("#4f8ff7"),
        "layers": QColor("#8b6ee8"),
        "activations": QColor("#e8953f"),
        "merge": QColor("#22b3a2"),
        "losses": QColor("#e35d6e"),
    },
    dark=True,
)

_current = LIGHT


def theme() -> Theme:
    return _current


def category_colour(category: str) -> QColor:
    return _current.categories.get(category, _current.muted_text)


def system_prefers_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, dark: bool) -> Theme:
    """Make ``dark`` or light the theme of the canvas and of every widget (Fusion palette)."""
    global _current
    _current = DARK if dark else LIGHT
    app.setStyle("Fusion")
    app.setPalette(_widget_palette(_current))
    return _current


def _widget_palette(t: Theme) -> QPalette:
    if not t.dark:
        return QApplication.style().standardPalette()
    p = QPalette()
    base, window, text = QColor("#23262e"), QColor("#2b2f38"), t.text
    for role, colour in (
        (QPalette.Window, window), (QPalette.WindowText, text), (QPalette.Base, base),
        (QPalette.AlternateBase, window), (QPalette.ToolTipBase, window), (QPalette.ToolTipText, text),
        (QPalette.Text, text), (QPalette.Button, window), (QPalette.ButtonText, text),
        (QPalette.Highlight, t.selection), (QPalette.HighlightedText, QColor("#ffffff")),
        (QPalette.PlaceholderText, t.muted_text), (QPalette.Link, t.selection),
    ):
        p.setColor(role, colour)
    for role in (QPalette.Text, QPalette.WindowText, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, t.muted_text)
    return p


def font(point_delta: float = 0, bold: bool = False) -> QFont:
    f = QFont(QApplication.font())
    f.setPointSizeF(max(6.0, f.pointSizeF() + point_delta))
    f.setBold(bold)
    return f


MATH_FAMILIES = ("STIX Two Math", "Cambria Math", "Latin Modern Math", "DejaVu Serif", "Cambria", "Times New Roman")


def math_family() -> str:
    """A serif face for formulas, with the subscripts and operators the Math view writes (∂, ₀, ᵢ, √)."""
    available = set(QFontDatabase.families())
    return next((f for f in MATH_FAMILIES if f in available), "serif")


def muted_label(text: str = "", wrap: bool = False) -> QLabel:
    """A quiet label in the theme's muted colour; ``colour_muted_labels`` colours it again after a switch."""
    label = QLabel(text, wordWrap=wrap)
    label.setProperty("muted", True)
    label.setStyleSheet(f"color: {theme().muted_text.name()};")
    return label


def colour_muted_labels(widget: QWidget) -> None:
    """The muted labels in ``widget`` in the current theme's colour (a style sheet pins the colour it names)."""
    colour = theme().muted_text.name()
    for label in widget.findChildren(QLabel):
        if label.property("muted"):
            label.setStyleSheet(f"color: {colour};")
