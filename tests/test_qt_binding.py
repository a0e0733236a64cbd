"""Regression: PySide6 6.12.0 under Python 3.11 dropped a reference to None/True/False on
every call and aborted the interpreter ("deallocating None"); pyproject keeps it out."""
import sys

from PySide6.QtWidgets import QWidget


def test_qt_calls_keep_the_reference_counts_of_none_and_bools(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    before = [sys.getrefcount(v) for v in (None, True, False)]
    for _ in range(2000):
        widget.setVisible(False)  # returns None
        widget.isVisible()  # returns a bool
    after = [sys.getrefcount(v) for v in (None, True, False)]
    assert all(a >= b - 50 for a, b in zip(after, before)), (before, after)
