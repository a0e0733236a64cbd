"""The image views at MNIST size, offscreen: the Dataset dock's Images grid and the Predict dock's pad.

Run from the repository root:

    PYTHONPATH=. python benchmarks/image_views.py

Generates a 60,000 × 784 dataset in memory (random pixels 0–255, ten labels) and a 2,000-row CSV
of the same shape behind a project whose Input is 1×28×28, then prints:

  grid     the Images tab showing 60,000 rows (first screen painted), scrolled to the end and
           painted, and narrowed to one label; with how many pictures were made
  pad      one drawing update on a 28×28 input: the drawing as the row (an array: no fields), the forward
           pass and the repaint (the pad hands a drawing on at most every 60 ms while drawing)
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
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine import PROJECTS  # noqa: E402
from engine.datasets import Dataset  # noqa: E402

ROWS, SIDE = 60_000, 28


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def grid(app) -> None:
    from editor.data.image_grid import ImageGrid
    from editor.document import Document
    from engine.project import load_project

    rng = np.random.default_rng(0)
    features = SIDE * SIDE
    big = Dataset("big", "classification", rng.integers(0, 256, (ROWS, features)).astype(np.float32),
                  rng.integers(0, 10, ROWS), [f"p{k}" for k in range(features)], [str(k) for k in range(10)], [])
    view = ImageGrid(Document(load_project(PROJECTS / "14-digits-csv.ncproj")))
    view.resize(900, 420)
    view.show()
    app.processEvents()
    start = time.perf_counter()
    view._fill_filter(big)
    view._show(big, (1, SIDE, SIDE))
    view.view.repaint()
    shown = time.perf_counter()
    bar = view.view.verticalScrollBar()
    bar.setValue(bar.maximum())
    view.view.repaint()
    scrolled = time.perf_counter()
    view.label_filter.setCurrentIndex(4)
    view.view.repaint()
    filtered = time.perf_counter()
    print(f"grid  {ROWS:,} × {SIDE}×{SIDE}: shown {_ms(shown - start)}, scrolled to the end {_ms(scrolled - shown)}, "
          f"one label {_ms(filtered - scrolled)}; pictures made {view.pictures.made}")


def pad(app, folder: Path) -> None:
    from editor.draw_pad import stamp
    from editor.main_window import MainWindow

    rng = np.random.default_rng(1)
    rows = rng.integers(0, 256, (2000, SIDE * SIDE))
    with open(folder / "m.csv", "w", encoding="utf-8") as f:
        f.write(",".join([f"p{k}" for k in range(SIDE * SIDE)] + ["label"]) + "\n")
        for row, label in zip(rows, rng.integers(0, 10, len(rows))):
            f.write(",".join(map(str, row)) + f",{label}\n")
    project = json.loads((PROJECTS / "14-digits-csv.ncproj").read_text(encoding="utf-8"))
    project["graph"]["nodes"][0]["params"]["shape"] = [1, SIDE, SIDE]
    project["dataset"]["path"] = "m.csv"
    (folder / "m.ncproj").write_text(json.dumps(project), encoding="utf-8")
    window = MainWindow(QSettings(str(folder / "s.ini"), QSettings.IniFormat), recovery_dir=folder / "recovery")
    window.resize(1400, 900)
    window.show()
    window.open_path(folder / "m.ncproj")
    deadline = time.monotonic() + 60
    while window.document.dataset is None and time.monotonic() < deadline:
        app.processEvents()
    window.docks["predict"].show()
    window.docks["predict"].raise_()
    for _ in range(30):
        app.processEvents()
    panel = window.predict
    panel.refresh()
    panel.drawing.toggle.click()
    app.processEvents()
    times = []
    for k in range(20):
        stamp(panel.drawing.pad.ink, (20 + 4 * k, 30), (60, 80 + k), 8)
        start = time.perf_counter()
        panel.drawing._emit()
        app.processEvents()
        times.append(time.perf_counter() - start)
    print(f"pad   {SIDE}×{SIDE} input: one drawing update median {_ms(float(np.median(times)))}, "
          f"max {_ms(max(times))} (handed on at most every 60 ms while drawing)")
    window.training.session.shutdown()


def main() -> None:
    app = QApplication.instance() or QApplication([])
    grid(app)
    with tempfile.TemporaryDirectory() as folder:
        pad(app, Path(folder))


if __name__ == "__main__":
    main()
