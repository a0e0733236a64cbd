"""The timeline under the views: a slider over the current run's frames, in epochs.

Dragging it replays the run — every view, the canvas wires and the Predict dock draw the frame at
that epoch — Play replays it from the start, Live goes back to the present, and Rewind here
continues training from the shown epoch as a new run.
"""
from __future__ import annotations

import bisect

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QWidget

from .session import TrainingSession

REPLAY_MS = 80  # a frame every 80 ms when replaying: about 12 a second
FOLLOW_MS = 250  # while training, new frames move the bar at most 4 times a second


class TimelineBar(QWidget):
    def __init__(self, session: TrainingSession, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("timeline")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(6)
        icon = self.style().standardIcon
        self.play = QToolButton(icon=icon(QStyle.SP_MediaPlay), autoRaise=True)
        self.play.setToolTip("Replay the run from its first frame")
        self.play.clicked.connect(self.toggle_replay)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setToolTip("Drag to see the run at any epoch: the views, the wires and Predict follow")
        self.slider.valueChanged.connect(self._slid)
        self.label = QLabel()
        self.label.setMinimumWidth(150)
        self.live = QToolButton(text="Live", autoRaise=True)
        self.live.setToolTip("Show the present again")
        self.live.clicked.connect(lambda: self._show(None))
        self.rewind = QToolButton(text="Rewind here", autoRaise=True)
        self.rewind.setToolTip("Continue training from the shown epoch, as a new run (this one is kept)")
        self.rewind.clicked.connect(session.rewind)
        for widget in (self.play, self.slider, self.label, self.live, self.rewind):
            layout.addWidget(widget, 1 if widget is self.slider else 0)
        self._positions: list[float] = []
        self._replay = QTimer(self, interval=REPLAY_MS)
        self._replay.timeout.connect(self._next_frame)
        self._follow = QTimer(self, singleShot=True, interval=FOLLOW_MS)
        self._follow.timeout.connect(self.refresh)
        session.timeline_changed.connect(self._changed)
        session.state_changed.connect(self._changed)
        self.refresh()

    # ---- following the session -----------------------------------------------------------------
    def _changed(self) -> None:
        """At once when idle (a person drags or steps); coalesced while a run sends frames."""
        if not self.session.running:
            self.refresh()
        elif not self._follow.isActive():
            self._follow.start()

    def refresh(self) -> None:
        s = self.session
        self._positions = list(s.frame_positions)
        n = len(self._positions)
        self.slider.blockSignals(True)
        live = max(n - 1, 1) if n else 0  # one frame (a reopened run) stands at the live end, not at the start
        self.slider.setRange(0, live)
        self.slider.setValue(self._index(s.shown) if s.shown is not None else live)
        self.slider.blockSignals(False)
        self.slider.setEnabled(n > 1 and not s.running)
        self.play.setEnabled(n > 1 and not s.running)
        self.live.setEnabled(s.shown is not None)
        self.rewind.setEnabled(s.shown is not None and not s.running)
        if s.running:
            self._stop_replay()
        self.label.setText(self._text())

    def _text(self) -> str:
        s = self.session
        if not self._positions:
            return "No frames yet"
        last = self._positions[-1]
        if s.shown is None:
            return f"Epoch {_epochs(last)} (live)"
        return f"Epoch {_epochs(self._positions[self._index(s.shown)])} of {_epochs(last)}"

    def _index(self, position: float) -> int:
        return max(bisect.bisect_right(self._positions, position + 1e-9) - 1, 0)

    # ---- the person's moves --------------------------------------------------------------------------
    def _slid(self, index: int) -> None:
        if self._positions:
            self._show(self._positions[index])

    def _show(self, position: float | None) -> None:
        if position is None:
            self._stop_replay()
        self.session.show_position(position)

    def step(self, frames: int) -> None:
        """Show the frame ``frames`` before (negative) or after the shown one (Alt+← / Alt+→)."""
        if not self._positions or self.session.running:
            return
        here = self._index(self.session.shown) if self.session.shown is not None else len(self._positions) - 1
        self._show(self._positions[min(max(here + frames, 0), len(self._positions) - 1)])

    def toggle_replay(self) -> None:
        if self._replay.isActive():
            self._stop_replay()
            return
        if len(self._positions) < 2:
            return
        if self.session.shown is None or self._index(self.session.shown) >= len(self._positions) - 1:
            self._show(self._positions[0])
        self.play.setIcon(self.style().standardIcon(QStyle.SP_MediaPause))
        self._replay.start()

    def _next_frame(self) -> None:
        s = self.session
        index = self._index(s.shown) + 1 if s.shown is not None else len(self._positions)
        if index >= len(self._positions):
            self._stop_replay()
            self._show(None)
            return
        self._show(self._positions[index])

    def _stop_replay(self) -> None:
        self._replay.stop()
        self.play.setIcon(self.style().standardIcon(QStyle.SP_MediaPlay))


def _epochs(position: float) -> str:
    return f"{position:,.0f}" if float(position).is_integer() else f"{position:,.2f}"
