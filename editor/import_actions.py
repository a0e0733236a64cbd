"""File → Import Trained Parameters…: a network trained elsewhere comes back into the editor.

The file is the ``trained_parameters.npz`` the exported ``train.py`` writes (trained on a GPU, or
under torchrun on several machines). The engine reads it and checks it against the graph
(``engine.export.import_parameters``, the same as ``python main.py import``); the training session
takes the parameters as one undoable step, and every view then shows the imported network. A file
that does not fit is refused in one line naming the array and the shapes, and changes nothing.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.errors import NeuroCanvasError
from engine.export import import_parameters

STATUS_TIMEOUT_MS = 8000
TITLE = "Cannot Import Parameters"


class ImportActions(QObject):
    """The File menu's Import Trained Parameters… action, for the window (and the tests) to reach."""

    def __init__(self, window, menu, after: QAction) -> None:
        super().__init__(window)
        self.window = window
        self.last_message = ""  # the last refusal shown
        self.message_box: QMessageBox | None = None
        self.action = QAction("&Import Trained Parameters…", window)
        self.action.setStatusTip("Parameters trained elsewhere: the trained_parameters.npz an exported "
                                 "train.py writes")
        self.action.triggered.connect(lambda: self.import_file())
        actions = menu.actions()
        following = actions.index(after) + 1
        menu.insertAction(actions[following] if following < len(actions) else None, self.action)

    def _folder(self) -> str:
        window = self.window
        return window._last_folder() if hasattr(window, "_last_folder") else str(Path.home())

    def import_file(self, path: str | Path | None = None) -> bool:
        """Ask for an .npz (unless ``path``) and use its parameters as one undo step; False if refused."""
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Import Trained Parameters", self._folder(),
                                                  "Parameter archives (*.npz);;All files (*)")
            if not path:
                return False
        path = Path(path)
        document = self.window.document
        session = self.window.training.session
        if document.loading is not None and document.loading.purpose == "project":
            return self._refuse(f"{path.name}: the project's data is still loading; import once it has loaded")
        document.flush()
        try:
            parameters = import_parameters(document.project, path, document.dataset)
        except (NeuroCanvasError, OSError, ValueError) as e:
            return self._refuse(str(e))
        if not session.import_parameters(parameters, f"Import parameters from {path.name}", path.name):
            return self._refuse(f"{path.name}: {session.reason or 'the network cannot be built now'}")
        self.last_message = ""
        self.window.statusBar().showMessage(f"Imported {len(parameters)} arrays from {path}", STATUS_TIMEOUT_MS)
        return True

    def _refuse(self, text: str) -> bool:
        """One line, in the status bar and a message box that does not block (the window stays usable)."""
        self.last_message = text
        self.window.statusBar().showMessage(f"⚠ {text}", STATUS_TIMEOUT_MS)
        if self.message_box is not None:
            self.message_box.close()
        self.message_box = QMessageBox(QMessageBox.Warning, TITLE, text, QMessageBox.Ok, self.window)
        self.message_box.open()
        return False


def install_import(window, menu, after: QAction) -> ImportActions:
    """Put Import Trained Parameters… into ``menu`` (the File menu), right after the action ``after``."""
    return ImportActions(window, menu, after)
