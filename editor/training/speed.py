"""The speed control: as fast as possible, so many epochs a second, or batch by batch — the project's
``training.pace``, which the training process keeps (the window is never starved to slow it)."""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from engine.pace import CHOICES, Pace, parse_pace

FASTEST = "As fast as possible"


def pace_label(pace: Pace) -> str:
    if pace.batch_by_batch:
        return f"Batch by batch · {pace.per_second:g} a second"
    return f"{pace.per_second:g} epoch{'s' if pace.per_second != 1 else ''} a second"


class SpeedBox(QComboBox):
    """Chooses ``training.pace``; ``on_choose(setting or None)`` gets the person's choice."""

    def __init__(self, on_choose) -> None:
        super().__init__()
        self.setToolTip("How fast training goes, so you can follow it: the run waits between steps "
                        "(batch by batch draws every update). Saved with the project.")
        self.addItem(FASTEST, None)
        for unit, rate in CHOICES:
            pace = Pace(unit, float(rate))
            self.addItem(pace_label(pace), pace.to_setting())
        self.activated.connect(lambda i: on_choose(self.itemData(i)))

    def show_pace(self, setting: dict | None) -> None:
        """Show the project's pace (one a file chose that is not among the choices gets its own entry)."""
        index = self.findData(setting)
        if index < 0:
            self.addItem(pace_label(parse_pace(setting)), setting)
            index = self.count() - 1
        self.blockSignals(True)
        self.setCurrentIndex(index)
        self.blockSignals(False)
