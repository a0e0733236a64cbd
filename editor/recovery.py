"""Autosave to a recovery file while there are unsaved changes, and recover it at the next start."""
from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer

from engine.project import Project, load_project, save_project

from .document import Document

AUTOSAVE_INTERVAL_MS = 60_000


def default_recovery_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.AppLocalDataLocation)) / "recovery"


class Recovery(QObject):
    """Every minute, if the document is modified, write it to ``directory``; cleared when saved or discarded."""

    def __init__(self, document: Document, directory: Path, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.file = directory / "recovery.ncproj"
        self.origin_file = directory / "recovery.json"  # where the recovered project was saved before
        self.timer = QTimer(self, interval=AUTOSAVE_INTERVAL_MS)
        self.timer.timeout.connect(self.autosave)
        self.timer.start()
        document.modified_changed.connect(lambda modified: None if modified else self.clear())

    def autosave(self) -> bool:
        if not self.document.modified:
            return False
        project = self.document.project
        self.file.parent.mkdir(parents=True, exist_ok=True)
        save_project(project, self.file)
        self.origin_file.write_text(json.dumps({"path": str(project.path) if project.path else None}))
        return True

    def clear(self) -> None:
        self.file.unlink(missing_ok=True)
        self.origin_file.unlink(missing_ok=True)

    def available(self) -> bool:
        return self.file.exists()

    def load(self) -> Project:
        """The recovered project, with the path it had; raises ProjectError if the file is damaged."""
        project = load_project(self.file)
        try:
            origin = json.loads(self.origin_file.read_text()).get("path")
        except (OSError, ValueError, AttributeError):
            origin = None
        project.path = Path(origin) if origin else None
        return project


