"""Start the editor: ``run(path)`` is what ``python main.py [PROJECT]`` calls."""
from __future__ import annotations

import sys

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from engine import PROJECTS

from . import style
from .main_window import MainWindow

ORGANIZATION = "NeuroCanvas"
APPLICATION = "NeuroCanvas"
FIRST_EXAMPLE = PROJECTS / "xor.ncproj"


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    dark = QSettings().value("darkTheme", style.system_prefers_dark(), type=bool)
    style.apply_theme(app, dark)
    return app


def run(path: str | None = None) -> int:
    """Open ``path``, or with None the bundled XOR example, and run until the window closes."""
    app = create_application()
    window = MainWindow()
    window.show()
    if path is not None:
        window.open_path(path)
    elif FIRST_EXAMPLE.exists():
        window.open_example(FIRST_EXAMPLE)
    window.offer_recovery()
    return app.exec()
