"""The real main window for editor tests, with settings and recovery files in a temporary folder."""
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from editor import style
from editor.main_window import MainWindow


def open_window(qtbot, tmp_path) -> MainWindow:
    style.apply_theme(QApplication.instance(), dark=False)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    window = MainWindow(settings, recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    return window
