"""Autosave to a recovery file while there are unsaved changes, and offer it back at the next start.

Every running editor writes its own recovery file and holds a lock file beside it for as long as
it runs. At start, a recovery file whose lock nobody holds (its editor crashed or was killed) is
work to offer back; the recovery files of editors still running are left alone.
"""
from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer

from engine.errors import NeuroCanvasError
from engine.project import Project, load_project, save_project

from .document import Document

AUTOSAVE_INTERVAL_MS = 60_000


def default_recovery_dir() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.AppLocalDataLocation)) / "recovery"


def _lock(file: Path) -> QLockFile:
    lock = QLockFile(str(file.with_suffix(".lock")))
    lock.setStaleLockTime(0)  # stale only when its process is gone, however long an editor runs
    return lock


class Recovery(QObject):
    """Every minute, if the document is modified, write it to this editor's file in ``directory``;
    cleared when saved or discarded."""

    def __init__(self, document: Document, directory: Path, parent=None) -> None:
        super().__init__(parent)
        self.document = document
        self.directory = directory
        self.file = directory / f"{os.getpid()}-{secrets.token_hex(4)}.ncproj"
        self.origin_file = self.file.with_suffix(".json")  # where the project was saved before
        self.lock = _lock(self.file)
        self._locked_orphans: dict[Path, QLockFile] = {}
        self.timer = QTimer(self, interval=AUTOSAVE_INTERVAL_MS)
        self.timer.timeout.connect(self.autosave)
        self.timer.start()
        document.modified_changed.connect(lambda modified: None if modified else self.clear())

    def autosave(self) -> bool:
        """Write the recovery file if there are unsaved changes; True if written. Never raises: it
        runs from a timer, and a project that cannot be written says why when the person saves."""
        if not self.document.modified:
            return False
        project = self.document.project
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if not self.lock.isLocked():
                self.lock.tryLock(0)
            save_project(project, self.file)
            self.origin_file.write_text(json.dumps({"path": str(project.path) if project.path else None}))
        except (OSError, NeuroCanvasError):
            return False
        return True

    def clear(self) -> None:
        self.discard(self.file)
        self.lock.unlock()

    # ---- what earlier editors left ------------------------------------------------------------
    def orphan(self) -> Path | None:
        """The newest recovery file of an editor that is no longer running, or None.

        Its lock is taken, so that another editor starting now does not offer it too."""
        try:
            files = sorted(self.directory.glob("*.ncproj"), key=lambda p: p.stat().st_mtime, reverse=True)
            idle_locks = [p for p in self.directory.glob("*.lock") if not p.with_suffix(".ncproj").exists()]
        except OSError:
            return None
        for lock_file in idle_locks:  # of editors that ended before they had anything to save
            lock = _lock(lock_file)
            if lock.tryLock(0):
                lock.unlock()
        for file in files:
            if file == self.file:
                continue
            lock = self._locked_orphans.get(file) or _lock(file)
            if lock.isLocked() or lock.tryLock(0):
                self._locked_orphans[file] = lock
                return file
        return None

    def load(self, file: Path) -> Project:
        """The recovered project, with the path it had; raises ProjectError if the file is damaged."""
        project = load_project(file)
        try:
            origin = json.loads(file.with_suffix(".json").read_text()).get("path")
        except (OSError, ValueError, AttributeError):
            origin = None
        project.path = Path(origin) if origin else None
        return project

    def discard(self, file: Path) -> None:
        """Remove a recovery file and what belongs to it."""
        file.unlink(missing_ok=True)
        file.with_suffix(".json").unlink(missing_ok=True)
        lock = self._locked_orphans.pop(file, None)
        if lock is not None:
            lock.unlock()  # removes the lock file
