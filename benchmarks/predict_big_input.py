"""The Predict dock on an MNIST-sized input (issue 12), offscreen: what the GUI thread spends on it.

Run from the repository root:

    PYTHONPATH=. python benchmarks/predict_big_input.py

Writes a 2,000-row CSV of 784 random pixels (0–255) behind a project whose Input is 1×28×28, opens it
in the main window with the Predict dock in front, then prints:

  rebuild   the data arrived: the dock builds its row editor and shows the first sample's forward pass
  refresh   one forward pass shown again (what training costs the GUI thread up to 4 times a second)
  widgets   how many line edits the dock holds
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QLineEdit  # noqa: E402

from engine import PROJECTS  # noqa: E402

SIDE, ROWS, REPEATS = 28, 2000, 20


def write_project(folder: Path) -> Path:
    """An image project like 14-digits-csv with a 1×28×28 Input over random 0–255 pixels."""
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (ROWS, SIDE * SIDE))
    labels = rng.integers(0, 10, ROWS)
    header = ",".join([f"p{k}" for k in range(SIDE * SIDE)] + ["label"])
    lines = [",".join(map(str, row)) + f",{label}" for row, label in zip(pixels, labels)]
    (folder / "m.csv").write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    project = json.loads((PROJECTS / "14-digits-csv.ncproj").read_text(encoding="utf-8"))
    project["graph"]["nodes"][0]["params"]["shape"] = [1, SIDE, SIDE]
    project["dataset"]["path"] = "m.csv"
    (folder / "m.ncproj").write_text(json.dumps(project), encoding="utf-8")
    return folder / "m.ncproj"


def main() -> None:
    from editor.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = write_project(folder)
        window = MainWindow(QSettings(str(folder / "s.ini"), QSettings.IniFormat), recovery_dir=folder / "recovery")
        window.resize(1400, 900)
        window.show()
        window.docks["predict"].show()
        window.docks["predict"].raise_()
        panel = window.predict
        panel.refresh = _timed(panel.refresh, rebuilds := [])  # the first refresh after the data is the rebuild
        window.open_path(path)
        deadline = time.monotonic() + 120
        while (panel.predictor is None or panel.last_row is None) and time.monotonic() < deadline:
            app.processEvents()
        rebuild = max(t for t, stale in rebuilds if stale)
        times = []
        for _ in range(REPEATS):
            panel._parameters_seen = None  # as after a training update: new parameters to load
            start = time.perf_counter()
            panel.refresh()
            app.processEvents()
            times.append(time.perf_counter() - start)
        edits = len(panel.findChildren(QLineEdit))
        print(f"predict  {SIDE}×{SIDE} input ({SIDE * SIDE} features): rebuild when the data arrives "
              f"{rebuild * 1000:.0f} ms; one refresh median {np.median(times) * 1000:.1f} ms "
              f"(max {max(times) * 1000:.1f} ms); line edits in the dock {edits}")
        window.training.session.shutdown()


def _timed(refresh, record: list):
    """``refresh`` that records (seconds, whether it rebuilt) into ``record``."""
    def timed() -> None:
        stale = refresh.__self__._stale
        start = time.perf_counter()
        refresh()
        record.append((time.perf_counter() - start, stale))
    return timed


if __name__ == "__main__":
    main()
