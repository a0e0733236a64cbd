"""Train an example in the editor, offscreen, and save the window as a PNG (the README's picture).

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python docs/make_screenshot.py [--example 05-moons] [--out docs/screenshot.png]

Uses a throwaway settings file, so neither your saved layout nor your theme changes the picture.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings, QTimer  # noqa: E402

from editor import style  # noqa: E402
from editor.app import create_application  # noqa: E402
from editor.main_window import MainWindow  # noqa: E402
from engine import PROJECTS  # noqa: E402

SETTLE_MS = 800  # let the views draw the final state before the grab
TIMEOUT_MS = 300_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default="05-moons", help="a project in projects/, without .ncproj")
    parser.add_argument("--out", default=str(Path(__file__).with_name("screenshot.png")))
    parser.add_argument("--size", default="1600x1000", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--dark", action="store_true")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.lower().split("x"))

    app = create_application()
    style.apply_theme(app, args.dark)
    scratch = Path(tempfile.mkdtemp(prefix="neurocanvas-shot-"))
    window = MainWindow(QSettings(str(scratch / "settings.ini"), QSettings.IniFormat), scratch / "recovery")
    window.resize(width, height)
    window.show()
    window.open_example(PROJECTS / f"{args.example}.ncproj")
    session = window.training.session

    def grab() -> None:
        window.grab().save(args.out)
        print(f"{args.out}: {args.example} after {session.epoch} epochs, {width}×{height}")
        window.training.shutdown()
        app.exit(0)

    def state_changed() -> None:
        if not session.running and session.position > 0:
            session.state_changed.disconnect(state_changed)
            QTimer.singleShot(SETTLE_MS, grab)

    session.state_changed.connect(state_changed)
    window.training.train_action.trigger()
    QTimer.singleShot(TIMEOUT_MS, lambda: (print("timed out", file=sys.stderr), app.exit(1)))
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
