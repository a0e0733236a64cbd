"""The Math and Landscape views on the digits example: how long a page takes, how long a landscape
takes in the window, and how long the GUI's event loop stalls meanwhile.

Opens the editor offscreen on the digits lesson, trains a few epochs (each pause is a snapshot of
the path), then
- the Math view: times the engine's ``explain`` and ``load`` and the view's whole ``refresh``
  (explaining, laying out the page and setting it), over several nodes;
- the Landscape view: times its computation in the worker thread (coarse grid, then the finest
  that fits the budget) while a 2 ms QTimer records the gaps of the GUI event loop.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python benchmarks/math_views.py [--epochs N] [--repeat K]

Aims (issue 11): no stall of the event loop over 50 ms; a 41×41 digits landscape in ~2 s.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NEUROCANVAS_PACE", "off")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine import PROJECTS  # noqa: E402

TICK_MS = 2


def pump(app, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)


def ms(values) -> str:
    return f"median {statistics.median(values) * 1e3:.1f} ms, max {max(values) * 1e3:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from editor.main_window import MainWindow
    app = QApplication([])
    folder = Path(tempfile.mkdtemp())
    window = MainWindow(QSettings(str(folder / "settings.ini"), QSettings.IniFormat), recovery_dir=folder / "recovery")
    window.resize(1400, 900)
    window.show()
    window.open_path(PROJECTS / "08-digits.ncproj")
    session = window.training.session
    pump(app, 0.3)
    for _ in range(args.epochs):
        session.step_epoch()
        while session.running:
            pump(app, 0.01)
    print(f"digits, {args.epochs} epochs; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")

    window.docks["math"].raise_()
    pump(app, 0.3)
    view = window.math
    explainer = view.explainer
    sample = explainer.sample(0)
    explain, load, refresh = [], [], []
    parameters, state = session.current_parameters(), session.optimizer_state()
    for _ in range(args.repeat):
        for node in ("h", "relu", "out", "loss"):
            start = time.perf_counter()
            explainer.explain(sample, node)
            explain.append(time.perf_counter() - start)
            start = time.perf_counter()
            explainer.load(parameters, state)
            load.append(time.perf_counter() - start)
            view.node.setCurrentText(node)  # the view's own refresh: explain, lay out, show
            view._moment = None  # and load the session's state again, as after a training pause
            view._markup = ""
            start = time.perf_counter()
            view.refresh()
            refresh.append(time.perf_counter() - start)
            pump(app, 0.02)
    print(f"Math view: explain {ms(explain)}; load a moment {ms(load)}; whole page (load, explain, "
          f"lay out, show) {ms(refresh)}")

    window.docks["landscape"].raise_()
    pump(app, 0.3)
    land = window.landscape
    while land.computing:
        pump(app, 0.01)
    seconds, stalls, grids, p99 = [], [], [], []
    ticks: list[float] = []
    timer = QTimer(interval=TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    pump(app, 3.0)  # the baseline: the same loop with nothing computing (a busy machine stalls it too)
    idle = np.diff(ticks)
    print(f"idle event loop (baseline, 3 s): longest stall {idle.max() * 1e3:.0f} ms, "
          f"99th percentile {np.percentile(idle, 99) * 1e3:.0f} ms")
    for _ in range(args.repeat):
        pump(app, 0.1)
        ticks.clear()
        start = time.perf_counter()
        land.recompute()
        while land.computing:
            app.processEvents()
            time.sleep(0.0005)
        seconds.append(time.perf_counter() - start)
        pump(app, 0.1)  # the picture's first paint counts too
        gaps = np.diff(ticks)
        stalls.append(float(gaps.max()))
        p99.append(float(np.percentile(gaps, 99)))
        grids.append(land.result.resolution)
    timer.stop()
    print(f"Landscape view: {', '.join(f'{g}×{g}' for g in grids)} grids (coarse 11×11 first) in "
          f"{', '.join(f'{s:.2f}' for s in seconds)} s; per computation the longest GUI stall "
          f"{', '.join(f'{s * 1e3:.0f}' for s in stalls)} ms, 99th percentile "
          f"{', '.join(f'{s * 1e3:.0f}' for s in p99)} ms")
    window.training.shutdown()
    land.shutdown()


if __name__ == "__main__":
    main()
