"""Undoable edits of the project's training settings and, by hand, of its trained state (saved with the project)."""
from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand

TRAINING_SETTING_ID = 4  # editor/commands.py uses 1 and 2


class TrainingSettingCommand(QUndoCommand):
    """One training setting (``key`` like "batch_size" or "optimizer.learning_rate"); a scrubbed
    spin box merges into one undo step. ``apply(training)`` hands the whole dict to the session."""

    def __init__(self, old: dict, new: dict, key: str, label: str, apply, mergeable: bool = True) -> None:
        super().__init__(f"Set {label}")
        self.old, self.new, self.key, self.apply = copy.deepcopy(old), copy.deepcopy(new), key, apply
        self.mergeable = mergeable

    def redo(self) -> None:
        self.apply(copy.deepcopy(self.new))

    def undo(self) -> None:
        self.apply(copy.deepcopy(self.old))

    def id(self) -> int:
        return TRAINING_SETTING_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, TrainingSettingCommand) or other.key != self.key or not (self.mergeable and other.mergeable):
            return False
        self.new = other.new
        self.setObsolete(self.new == self.old)
        return True


class TrainedStateCommand(QUndoCommand):
    """Parameters and optimizer state set by hand — the Math view's Step: one update on one sample.
    ``before`` and ``after`` are (parameters, optimizer state) pairs; ``restore(parameters, state)``
    is the session's, and copies what it is given."""

    def __init__(self, text: str, before: tuple[dict, dict], after: tuple[dict, dict], restore) -> None:
        super().__init__(text)
        self.before, self.after, self.restore = before, after, restore

    def redo(self) -> None:
        self.restore(*self.after)

    def undo(self) -> None:
        self.restore(*self.before)
