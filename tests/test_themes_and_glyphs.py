"""Every widget follows a runtime theme switch, no button or label needs a glyph its font lacks, and the empty
canvas's hint stays centred and whole after File → New."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QAbstractButton, QLabel

from editor.data.plots import ScatterPreview
from editor.training import colors
from engine import PROJECTS

from tests.editor_helpers import open_window


@pytest.fixture
def window(qtbot, tmp_path, answers):
    w = open_window(qtbot, tmp_path, PROJECTS / "xor.ncproj")
    yield w
    w.training.session.shutdown()


def missing_glyphs(window) -> list[tuple[str, str]]:
    """(text, character) for every visible button and label whose font cannot draw a character of its text."""
    out = []
    for widget in window.findChildren(QAbstractButton) + window.findChildren(QLabel):
        if not widget.isVisible() or widget.inherits("QLabel") and widget.textFormat() != 0 and "<" in widget.text():
            continue  # rich text: its HTML entities and tags are not glyphs
        metrics = QFontMetrics(widget.font())
        out += [(widget.text(), c) for c in widget.text() if not c.isspace() and not metrics.inFontUcs4(ord(c))]
    return out


def test_the_train_and_pause_button_use_icons_the_font_cannot_lose(qtbot, window):
    s = window.training.session
    button = window.training.panel.train_button
    assert button.text() == "Train" and not button.icon().isNull()
    idle_icon = button.icon().cacheKey()
    s.apply_training({**s.settings, "epochs": 100_000})
    button.click()
    qtbot.waitUntil(lambda: s.running == "run" and s.epoch >= 1, timeout=10_000)
    assert button.text() == "Pause" and not button.icon().isNull() and button.icon().cacheKey() != idle_icon
    assert not missing_glyphs(window)
    button.click()
    qtbot.waitUntil(lambda: s.running is None, timeout=10_000)
    assert not missing_glyphs(window)


def test_the_dataset_preview_follows_a_runtime_theme_switch(qtbot, window):
    previews = window.dataset_panel.findChildren(ScatterPreview)
    assert previews
    light = QColor(colors.background())
    window.set_dark(True)
    dark = QColor(colors.background())
    try:
        qtbot.waitUntil(lambda: all(p.backgroundBrush().color() == dark for p in previews), timeout=2_000)
        for preview in previews:
            axis = preview.getPlotItem().getAxis("bottom")
            assert axis.textPen().color() == QColor(colors.foreground())
        assert dark != light
    finally:
        window.set_dark(False)


def test_the_icons_follow_a_runtime_theme_switch(qtbot, window):
    button = window.training.panel.train_button
    light = button.icon().pixmap(16, 16).toImage()
    window.set_dark(True)
    try:
        dark = button.icon().pixmap(16, 16).toImage()
        assert light != dark
        centre = dark.pixelColor(7, 8)
        assert centre.alpha() > 0 and centre.lightness() > 150  # light on the dark theme's buttons
    finally:
        window.set_dark(False)


def test_after_file_new_the_empty_canvas_hint_is_centred_and_whole(qtbot, window):
    window.new_action.trigger()
    hint = window.view.empty_hint
    qtbot.waitUntil(hint.isVisible, timeout=2_000)
    qtbot.wait(100)  # Fit scrolls the canvas after the project is replaced
    area = window.view.viewport().geometry()
    box = hint.geometry()
    assert area.contains(box)
    assert abs(box.center().x() - area.center().x()) <= 2 and abs(box.center().y() - area.center().y()) <= 2
    assert box.height() >= hint.heightForWidth(box.width())


def test_the_inspectors_and_the_dataset_docks_quiet_labels_follow_a_runtime_theme_switch(qtbot, window):
    """Their muted labels kept the light theme's grey on the dark theme: each dock had its own muted label."""
    from editor import style

    labels = [window.inspector.node_help, window.dataset_panel.csv.file_label]
    window.set_dark(True)
    try:
        dark = style.theme().muted_text.name()
        for label in labels:
            assert label.styleSheet() == f"color: {dark};", label.text()
    finally:
        window.set_dark(False)
    light = style.theme().muted_text.name()
    assert all(label.styleSheet() == f"color: {light};" for label in labels) and light != dark
