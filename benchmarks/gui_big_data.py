"""MNIST at real size in the editor: does the window stay responsive while it loads and trains?

Writes (itself, like data_scale.py) a 60,000 x 785 MNIST-shaped CSV (~164 MB) and a 784-256-256-10
project beside it, then, in an offscreen window with every dock open and every training view
drawing side by side, while a 2 ms QTimer records the gaps of the GUI event loop:

  open    the project is opened and its file loads (in a child process): the longest stall and the
          99th percentile, and the load's wall time. Aim (issue 12): no stall over 100 ms while the file
          loads and as its data arrives. The click on Open itself (the project's graph, docks and pages
          laid out anew, before the first tick) is reported apart: it is the same for a small file.
  train   one epoch of training in the editor: the longest stall, the p99 (aim <= 50 ms) and the
          samples/s next to the same epoch headless (``Trainer.run(1)`` in this process).

With ``--docked`` the window keeps its first-start layout (docks tabbed, the views behind tabs mostly
idle) instead: what a user sees first, where the click on Open lays out one window instead of ten.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python benchmarks/gui_big_data.py [--rows N] [--keep DIR] [--shots DIR] [--docked]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from benchmarks.data_scale import write_csv, write_project  # noqa: E402
from benchmarks.gui_training import float_tabbed_views  # noqa: E402
from engine.project import load_project  # noqa: E402

TICK_MS = 2
AIM_LOAD_STALL_MS = 100
AIM_TRAIN_P99_MS = 50
OPEN_CLICK_S = 0.3  # the click on Open: the project's graph, docks and pages laid out anew


class Gaps:
    def __init__(self, app) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.app = app
        self.gaps: list[float] = []
        self.ends: list[float] = []  # when each gap ended
        self.last = time.perf_counter()
        self.timer = QTimer(interval=TICK_MS)
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self.last)
        self.ends.append(now)
        self.last = now

    def start(self) -> None:
        self.gaps.clear()
        self.ends.clear()
        self.last = time.perf_counter()
        self.timer.start()

    def run_until(self, done) -> float:
        """Spin the event loop (sleeping between events, as a real one does) until ``done()``; seconds."""
        started = time.perf_counter()
        while not done():
            self.app.processEvents()
            time.sleep(0.0005)
        return time.perf_counter() - started

    def figures(self) -> str:
        ms = np.array(self.gaps) * 1000
        return (f"longest stall {ms.max():.0f} ms, 99th percentile {np.percentile(ms, 99):.1f} ms, "
                f"median {np.median(ms):.1f} ms ({len(ms)} ticks)")


def every_dock_open(window) -> None:
    """No tabs: the training views, the Dataset dock and Predict all in view."""
    float_tabbed_views(window, also=("dataset", "predict"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--keep", type=Path, help="a folder to write (and reuse) the CSV and project in")
    parser.add_argument("--shots", type=Path, help="save screenshots of the window here")
    parser.add_argument("--docked", action="store_true", help="the first-start layout, not every dock floating")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="neurocanvas-gui-big-data-"))
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, project_path = folder / f"mnist-{args.rows}.csv", folder / f"mnist-{args.rows}.ncproj"
    if not csv_path.exists():
        write_csv(csv_path, args.rows)
    write_project(project_path, csv_path.name)
    print(f"MNIST-shaped CSV: {args.rows:,} x 785, {csv_path.stat().st_size / 2**20:.0f} MB; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from editor import style
    from editor.main_window import MainWindow
    from editor.on_screen import on_screen

    app = QApplication.instance() or QApplication([])
    style.apply_theme(app, dark=False)
    scratch = Path(tempfile.mkdtemp())
    window = MainWindow(QSettings(str(scratch / "settings.ini"), QSettings.IniFormat), recovery_dir=scratch / "rec")
    window.resize(1600, 1000)
    window.show()
    if not args.docked:
        every_dock_open(window)
    for _ in range(20):
        app.processEvents()
    visible = [name for name, view in window.training.views.items() if on_screen(view)]
    print(f"views drawing: {', '.join(visible)}; the Dataset dock on its Rows page"
          f"{'' if on_screen(window.dataset_panel) else ' (behind a tab)'}")
    window.dataset_panel.tabs.setCurrentWidget(window.dataset_panel.rows)

    gaps = Gaps(app)
    gaps.start()
    shot = [False]

    arrived = [None]

    def loaded() -> bool:
        job = window.document.loading
        if arrived[0] is None and window.document.dataset is not None:
            arrived[0] = time.perf_counter() - started
        if args.shots and not shot[0] and job is not None and job.fraction > 0.4:
            args.shots.mkdir(parents=True, exist_ok=True)
            window.grab().save(str(args.shots / "loading.png"))
            shot[0] = True
            gaps.last = time.perf_counter()  # rendering the screenshot is the benchmark's stall, not the window's
        return job is None and window.training.session.trainer is not None

    started = time.perf_counter()
    window.open_path(project_path)
    gaps.run_until(loaded)
    seconds = time.perf_counter() - started
    settle = time.perf_counter()
    gaps.run_until(lambda: time.perf_counter() - settle > 1.0)  # what the data's arrival sets off
    print(f"open + load ({seconds:.1f} s): {gaps.figures()}")
    click = [gap for gap, end in zip(gaps.gaps, gaps.ends) if end - gap < started + OPEN_CLICK_S]
    loading = [(gap, end - gap - started) for gap, end in zip(gaps.gaps, gaps.ends) if end - gap >= started + OPEN_CLICK_S]
    longest, when = max(loading)
    print(f"  the click on Open (its first {OPEN_CLICK_S * 1000:.0f} ms): longest stall {max(click) * 1000:.0f} ms; "
          f"while the file loads and its data arrives: longest stall {longest * 1000:.0f} ms   "
          f"aim <= {AIM_LOAD_STALL_MS} ms: {'met' if longest * 1000 <= AIM_LOAD_STALL_MS else 'NOT met'}")
    print(f"    (it began {when:.2f} s after the click; the data arrived after {arrived[0]:.2f} s)")

    session = window.training.session
    n = len(session.info.x_train)
    window.training.panel.step_batch_button.click()  # starts the training process, as a first click does
    gaps.run_until(lambda: not session.running)
    gaps.start()
    started = time.perf_counter()
    window.training.panel.train_button.click()
    gaps.run_until(lambda: not session.running)
    elapsed = time.perf_counter() - started
    gaps.timer.stop()
    rate = n / elapsed
    p99 = np.percentile(np.array(gaps.gaps) * 1000, 99)
    print(f"train 1 epoch in the editor ({elapsed:.1f} s, {rate:,.0f} samples/s): {gaps.figures()}   "
          f"aim p99 <= {AIM_TRAIN_P99_MS} ms: {'met' if p99 <= AIM_TRAIN_P99_MS else 'NOT met'}")
    if args.shots:
        settle = time.perf_counter()
        gaps.run_until(lambda: time.perf_counter() - settle > 1.0)  # the views draw the run's end in turns
        window.grab().save(str(args.shots / "trained.png"))
    window.document.undo_stack.setClean()
    window.close()

    trainer = load_project(project_path).trainer()
    started = time.perf_counter()
    trainer.run(1)
    headless = len(trainer.x_train) / (time.perf_counter() - started)
    print(f"headless 1 epoch: {headless:,.0f} samples/s; the editor trains at {rate / headless:.2f}x of that")
    return 0


if __name__ == "__main__":
    sys.exit(main())
