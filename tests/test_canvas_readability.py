"""The canvas stays readable: lesson 10's 31 nodes at Fit on a 1400×900 window have titles of at least 9 pt on
screen that fit their cards; zoomed in, the cards are drawn in full."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetricsF

from editor.canvas.node_item import COMPACT_BELOW, READABLE_PT
from engine import PROJECTS

from tests.editor_helpers import open_window

LESSON_10 = PROJECTS / "10-vanishing-gradients.ncproj"


@pytest.fixture
def window(qtbot, tmp_path, answers):
    w = open_window(qtbot, tmp_path, LESSON_10)
    qtbot.waitUntil(lambda: w.training.session.trainer is not None, timeout=5_000)
    yield w
    w.training.session.shutdown()


def test_lesson_ten_at_fit_shows_every_title_at_nine_points_within_its_card(qtbot, window):
    assert (window.width(), window.height()) == (1400, 900)
    window.training.pictures.refresh()  # the neuron pictures are part of what Fit shows
    window.fit_action.trigger()
    scale = window.view.transform().m11()
    assert scale >= 0.45  # the layout, not only the letters: the cards are big enough to hold them
    for node_id, item in window.scene.node_items.items():
        label = item.node.kind.label(item.node.params)
        if scale < COMPACT_BELOW:
            (font, text, box, flags), *rest = item.compact_layout(scale)
            assert text == label
            assert font.pointSizeF() * scale >= READABLE_PT - 1e-6, node_id
            wrapped = QFontMetricsF(font).boundingRect(QRectF(0, 0, box.width(), 1e4), flags, label)
            assert wrapped.width() <= box.width() + 0.5 and wrapped.height() <= box.height() + 0.5, node_id
            assert item.card_rect().contains(box), node_id
            if rest:
                assert rest[0][1] == node_id
        else:
            assert item.title_font(scale).pointSizeF() * scale >= READABLE_PT - 1e-6
    shown_ids = sum(1 for item in window.scene.node_items.values() if len(item.compact_layout(scale)) == 2)
    assert shown_ids >= 25  # all but the loss cards, whose two-line titles fill them, say which node they are


def test_the_compact_cards_are_what_is_drawn_at_fit(qtbot, window):
    window.fit_action.trigger()
    item = window.scene.node_items["sig3_act"]
    item.setCacheMode(item.CacheMode.NoCache)  # painted at every repaint, not from a cached picture
    calls = []
    original = item._paint_compact
    item._paint_compact = lambda *args: (calls.append(args), original(*args))
    window.view.viewport().repaint()
    assert calls
    window.view.reset_zoom()
    calls.clear()
    window.view.centerOn(item)
    window.view.viewport().repaint()
    assert not calls  # at 100 % the full card: body, port labels, parameter count


def test_a_long_title_gets_the_wide_card(window):
    loss = window.scene.node_items["sig_loss"]
    dense = window.scene.node_items["sig1"]
    assert loss.card_rect().width() > dense.card_rect().width()
