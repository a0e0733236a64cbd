"""Start the editor: ``run(path)`` is what ``python main.py [PROJECT]`` calls."""
from __future__ import annotations

import ctypes.util
import os
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
    """Offer back what a crashed editor left, else open ``path`` (or with None the bundled XOR
    example); run until the window closes. Without a display, say so instead of aborting in Qt."""
    problem = display_problem()
    if problem:
        print(f"neurocanvas: {problem}", file=sys.stderr)
        return 2
    app = create_application()
    window = MainWindow()
    window.show()
    if not window.offer_recovery():  # before anything is opened: opening clears the autosave
        if path is not None:
            window.open_path(path)
        elif FIRST_EXAMPLE.exists():
            window.open_example(FIRST_EXAMPLE)
    return app.exec()


def display_problem(env=os.environ, platform: str = sys.platform, find_library=ctypes.util.find_library) -> str | None:
    """Why Qt could not open a window here (it would abort the process), or None.

    Only Linux's X11 needs checking: no DISPLAY, or no libxcb-cursor (Qt ≥ 6.5 needs it and
    fresh desktops often lack it). A platform chosen in QT_QPA_PLATFORM, or Wayland, is left to Qt."""
    chosen = env.get("QT_QPA_PLATFORM", "")
    if not platform.startswith("linux") or (chosen and not chosen.startswith("xcb")):
        return None
    if not chosen and env.get("WAYLAND_DISPLAY"):
        return None
    if not env.get("DISPLAY"):
        return ("no display to open the editor on (DISPLAY is not set); the headless commands need none: "
                "python main.py train|validate|info|predict|export|render PROJECT")
    if find_library("xcb-cursor") is None:
        return ("the editor needs the system library libxcb-cursor0 (Qt's X11 support): install it "
                "(Debian/Ubuntu: sudo apt install libxcb-cursor0; Fedora: sudo dnf install xcb-util-cursor)")
    return None
