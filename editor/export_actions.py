"""File → Export Model: the network as an ONNX model or a PyTorch folder, by the engine's exporters.

Before exporting, the training session commits (a run pauses, commits and goes on) so the
project holds the parameters the user sees. The session commits even an untrained network's
seeded initial parameters, so "trained" here means what the session says (epochs, batches or a
history): an untrained project is exported as the engine exports a project without parameters —
ONNX refuses with the engine's message, the PyTorch folder gets the seeded initial parameters.
"""
from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.errors import DatasetError, NeuroCanvasError
from engine.export import export_onnx, export_torch, not_trained_message
from engine.export.onnx_export import MISSING as ONNX_MISSING
from engine.project import Project

STATUS_TIMEOUT_MS = 8000
TORCH_FILES = ("model.py", "train.py", "parameters.npz", "data.npz", "README.md")
EDITOR_HINT = "In the editor: press Train (Space), then export again."


class ExportActions(QObject):
    """The two export actions of the File menu, for the window (and the tests) to reach."""

    def __init__(self, window, menu) -> None:
        super().__init__(window)
        self.window = window
        self.last_message = ""  # the last refusal shown, for tests and for the status bar
        self.onnx_action = QAction("&ONNX Model…", window)
        self.onnx_action.setStatusTip("The trained network as an ONNX model (input: raw features)")
        self.onnx_action.triggered.connect(lambda: self.export_onnx())
        self.torch_action = QAction("&PyTorch Folder…", window)
        self.torch_action.setStatusTip("A PyTorch module, its parameters, the data and a training script")
        self.torch_action.triggered.connect(lambda: self.export_torch())
        menu.addActions([self.onnx_action, self.torch_action])

    # ---- the project as it stands ------------------------------------------------------------------
    def _session(self):
        training = getattr(self.window, "training", None)
        return getattr(training, "session", None)

    def current_project(self) -> tuple[Project, bool]:
        """(the project with the current parameters, whether it is trained).

        An untrained project comes back as a copy without parameters, so the engine's rule for
        untrained projects applies (the session commits the seeded initial ones too)."""
        session = self._session()
        if session is not None:
            session.commit()
        project = self.window.document.project
        trained = bool(session.trained) if session is not None else bool(project.parameters)
        trained = trained or project.epoch > 0 or bool(project.history.get("loss"))
        if not trained or not project.parameters:
            return dataclasses.replace(project, parameters={}), False
        return project, True

    def _dataset(self):
        """The data in use; none (still loading, not read, refused) is refused here: the engine would read
        the file again on the GUI thread, and one outside the project's folder without asking."""
        document = self.window.document
        if document.dataset is None:
            raise DatasetError(f"no data to export with: {document.loading_text() or 'the project has no data'}")
        return document.dataset

    def _suggested(self, suffix: str) -> str:
        doc = self.window.document
        stem = doc.path.stem if doc.path else doc.project.name
        folder = self.window._last_folder() if hasattr(self.window, "_last_folder") else str(Path.home())
        return str(Path(folder) / f"{stem}{suffix}")

    def _refuse(self, title: str, text: str, detail: str = "") -> None:
        self.last_message = text
        self.window.statusBar().showMessage(f"⚠ {text}", STATUS_TIMEOUT_MS)
        box_text = f"{text}\n\n{detail}" if detail else text
        QMessageBox.warning(self.window, title, box_text)

    # ---- ONNX ------------------------------------------------------------------------------------------
    def export_onnx(self, path: str | Path | None = None) -> Path | None:
        """Ask for a file (unless ``path``) and write the ONNX model; None when refused or cancelled."""
        title = "Cannot Export ONNX Model"
        if importlib.util.find_spec("onnx") is None:
            self._refuse(title, ONNX_MISSING)
            return None
        project, trained = self.current_project()
        if not trained:
            self._refuse(title, not_trained_message(project), EDITOR_HINT)
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self.window, "Export ONNX Model", self._suggested(".onnx"), "ONNX models (*.onnx)"
            )
            if not path:
                return None
            if Path(path).suffix.lower() != ".onnx":
                path = f"{path}.onnx"
        try:
            written = export_onnx(project, path, dataset=self._dataset())
        except (NeuroCanvasError, OSError, ValueError) as e:
            self._refuse(title, str(e))
            return None
        self.last_message = ""
        self.window.statusBar().showMessage(
            f"Exported the ONNX model (epoch {project.epoch}) to {written}", STATUS_TIMEOUT_MS
        )
        return written

    # ---- PyTorch -----------------------------------------------------------------------------------
    def export_torch(self, folder: str | Path | None = None, force: bool | None = None) -> Path | None:
        """Ask for a new folder (unless ``folder``) and write the PyTorch files into it.

        A folder that is not empty is overwritten only after the user agrees (or with ``force``)."""
        title = "Cannot Export PyTorch Folder"
        project, trained = self.current_project()
        if folder is None:
            folder, _ = QFileDialog.getSaveFileName(
                self.window, "Export PyTorch Folder (a new folder)", self._suggested("-pytorch"), "Folders (*)"
            )
            if not folder:
                return None
        folder = Path(folder)
        if force is None:
            force = False
            if folder.is_dir() and any(folder.iterdir()):
                answer = QMessageBox.question(
                    self.window, "Folder Not Empty",
                    f"{folder} is not empty. Overwrite {', '.join(TORCH_FILES)} in it?",
                    QMessageBox.Yes | QMessageBox.Cancel, QMessageBox.Cancel,
                )
                if answer != QMessageBox.Yes:
                    return None
                force = True
        try:
            written = export_torch(project, folder, dataset=self._dataset(), force=force)
        except (NeuroCanvasError, OSError, ValueError) as e:
            self._refuse(title, str(e))
            return None
        self.last_message = ""
        what = f"epoch {project.epoch}" if trained else "untrained: the seeded initial parameters"
        self.window.statusBar().showMessage(f"Exported the PyTorch folder ({what}) to {written}", STATUS_TIMEOUT_MS)
        return written


def install_export(window, menu) -> ExportActions:
    """Put ONNX Model… and PyTorch Folder… into ``menu`` (File → Export Model)."""
    return ExportActions(window, menu)
