"""The real main window for editor tests, with settings and recovery files in a temporary folder."""
import shutil
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from editor import style
from editor.main_window import MainWindow


def open_window(qtbot, tmp_path, project: Path | None = None) -> MainWindow:
    """The window, on a copy of ``project`` if given (tests save over what they open, never the original)."""
    style.apply_theme(QApplication.instance(), dark=False)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    window = MainWindow(settings, recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    if project is not None:
        copy = tmp_path / project.name
        shutil.copy(project, copy)
        assert window.open_path(copy)
    return window
