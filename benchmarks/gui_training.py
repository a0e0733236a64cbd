"""Training in the editor vs. headless: does the GUI stay responsive, and what does watching cost?

Trains the digits example with every view open (offscreen), while a 2 ms QTimer records the
gaps of the GUI event loop; then trains the same project headless with ``trainer.run``.
Prints the longest and the 99th-percentile stall and both throughputs, and what the canvas's neuron pictures
cost the GUI thread (for one- and two-feature projects; ``--no-pictures`` turns them off to compare).

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python benchmarks/gui_training.py [--epochs N] [--project P] [--no-pictures]

Aims (issues 4 and 10): stalls ≤ 50 ms; training in the editor ≤ 15% slower than headless. It also prints
the share of a core the window's process used while training ran (the views take at most GUI_SHARE of it).
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

from engine import PROJECTS  # noqa: E402
from engine.graph import Graph  # noqa: E402
from engine.project import Project, load_project, save_project  # noqa: E402

TICK_MS = 2


def digits_project() -> Project:
    """The digits example, or (if it is missing) a 64-32-10 network on the bundled digits."""
    path = PROJECTS / "08-digits.ncproj"
    if path.exists():
        return load_project(path)
    graph = Graph()
    graph.add_node("Input", {"size": 64}, (0, 0), "pixels")
    graph.add_node("Dense", {"units": 32, "init": "he_uniform"}, (220, 0), "h")
    graph.add_node("Activation", {"function": "relu"}, (440, 0), "relu")
    graph.add_node("Dense", {"units": 10}, (660, 0), "out")
    graph.add_node("Activation", {"function": "softmax"}, (880, 0), "probs")
    graph.add_node("Loss", {"function": "categorical_cross_entropy"}, (1100, 0), "loss")
    for a, b in (("pixels", "h"), ("h", "relu"), ("relu", "out"), ("out", "probs"), ("probs", "loss")):
        graph.connect(a, b, graph.nodes[b].input_ports[0])
    project = Project(name="Digits", graph=graph, dataset={"source": "builtin", "name": "digits"})
    project.training = {**project.training, "optimizer": {"name": "adam", "learning_rate": 0.003}}
    return project


def float_tabbed_views(window, also=()) -> None:
    """No tabs: the views tabbed behind Loss and Output (and the window's docks named in ``also``) float
    beside the window, so every one of them draws."""
    docks = [window.training.docks[t] for t in ("Weights", "Activations", "Gradients", "Neurons")]
    for i, dock in enumerate(docks + [window.docks[name] for name in also]):
        dock.setFloating(True)
        dock.setGeometry(40 + 420 * (i % 2), 60 + 340 * (i // 2), 560, 360)
        dock.show()


def headless(project: Project, epochs: int) -> tuple[float, float]:
    trainer = project.trainer()
    n = len(trainer.x_train)
    start = time.perf_counter()
    outcome = trainer.run(epochs=epochs)
    elapsed = time.perf_counter() - start
    return outcome.epochs * n / elapsed, elapsed


def in_editor(project_path: Path, epochs: int, every_view: bool = True, pictures: bool = True):
    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from editor import style
    from editor.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    style.apply_theme(app, dark=False)
    folder = Path(tempfile.mkdtemp())
    window = MainWindow(QSettings(str(folder / "settings.ini"), QSettings.IniFormat), recovery_dir=folder / "rec")
    window.resize(1600, 1000)
    window.show()
    window.open_path(project_path)
    training = window.training
    if every_view:
        float_tabbed_views(window)
    for _ in range(20):
        app.processEvents()
    while window.document.loading is not None or training.session.trainer is None:  # the data, read in a child
        app.processEvents()
        time.sleep(0.005)
    window.scene.select_nodes(["h"])
    visible = [name for name, view in training.views.items() if view.isVisible() and not view.visibleRegion().isEmpty()]
    if training.pictures_action.isChecked() != pictures:
        training.pictures_action.trigger()
    painting: list[float] = []  # seconds the GUI thread spent on each refresh of the neuron pictures
    refresh = training.pictures.refresh

    def timed_refresh(*args, **kwargs):
        start = time.perf_counter()
        refresh(*args, **kwargs)
        painting.append(time.perf_counter() - start)

    training.pictures.refresh = timed_refresh
    session = training.session
    session.apply_training({**session.settings, "epochs": epochs})
    n = len(session.info.x_train)

    gaps: list[float] = []
    ends: list[float] = []  # when each gap ended
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        ends.append(now)
        last[0] = now

    timer = QTimer(interval=TICK_MS)
    timer.setTimerType(Qt.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start()
    # One step first: it starts the training process, as the first click of a session does.
    training.panel.step_batch_button.click()
    while session.running:
        app.processEvents()
        time.sleep(0.001)
    for _ in range(50):
        app.processEvents()
        time.sleep(0.002)
    gaps.clear()
    ends.clear()
    painting.clear()
    loop = QEventLoop()
    session.state_changed.connect(lambda: None if session.running else loop.quit())
    start, cpu = time.perf_counter(), time.process_time()
    training.panel.train_button.click()
    last[0] = time.perf_counter()
    if session.running:
        loop.exec()  # the window's own event loop, as a person's session runs it
    elapsed = time.perf_counter() - start
    gui_cpu = (time.process_time() - cpu) / elapsed
    timer.stop()
    epochs_done = session.epoch
    frames = {name: view.dirty for name, view in training.views.items()}
    settle = time.perf_counter() + 2.0  # the views redraw in turns after a run: the screenshot shows them all
    while any(view.dirty for view in training.views.values()) and time.perf_counter() < settle:
        app.processEvents()
        time.sleep(0.005)
    window.grab().save(str(folder / "digits_training.png"))
    window.document.undo_stack.setClean()
    window.close()
    return {
        "samples_per_s": epochs_done * n / elapsed, "elapsed": elapsed, "epochs": epochs_done,
        "gaps_ms": np.array(gaps) * 1000, "visible": visible, "shot": folder / "digits_training.png",
        "accuracy": session.history.get("val_accuracy", [float("nan")])[-1], "pending": frames,
        "pictures_ms": np.array(painting) * 1000,
        "longest_at": (ends[int(np.argmax(gaps))] - start if gaps else 0.0, elapsed), "gui_cpu": gui_cpu, "child_samples_per_s": session.samples_per_second,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--project", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each (the machine's load varies)")
    parser.add_argument("--no-pictures", action="store_true", help="View → Neuron Pictures off")
    args = parser.parse_args()
    project = load_project(args.project) if args.project else digits_project()
    project.training.pop("pace", None)  # as fast as possible: the aims are about what watching costs
    folder = Path(tempfile.mkdtemp())
    path = folder / "digits.ncproj"
    project.reset_state()
    save_project(project, path)

    print(f"project: {project.name}, {args.epochs} epochs, batch size {project.training['batch_size']}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    rows = []
    for run in range(1, args.repeat + 1):
        gui = in_editor(path, args.epochs, pictures=not args.no_pictures)
        base, base_elapsed = headless(load_project(path), args.epochs)
        gaps = gui["gaps_ms"]
        slower = (1 - gui["samples_per_s"] / base) * 100
        rows.append((gaps.max(), np.percentile(gaps, 99), slower))
        if run == 1:
            print(f"views drawing: {', '.join(gui['visible'])}; screenshot: {gui['shot']}")
        print(f"run {run}: GUI event loop ({len(gaps)} ticks of a {TICK_MS} ms timer): longest stall "
              f"{gaps.max():.1f} ms, 99th percentile {np.percentile(gaps, 99):.1f} ms, median {np.median(gaps):.1f} ms; "
              f"headless {base:,.0f} samples/s, editor {gui['samples_per_s']:,.0f} samples/s ({slower:+.1f}%); "
              f"val accuracy {gui['accuracy']:.4f}; the window's process used {gui['gui_cpu']:.0%} of a core")
        at, of = gui["longest_at"]
        print(f"       the longest stall ended {at:.2f} s after Train was clicked (the run took {of:.2f} s)")
        child = gui["child_samples_per_s"]
        print(f"       the training process itself: {child:,.0f} samples/s ({(1 - child / base) * 100:+.1f}% against "
              f"headless: frames, detail and contention); the rest is starting and ending the run")
        drawn = gui["pictures_ms"]
        if len(drawn):
            print(f"       neuron pictures: {len(drawn)} refreshes, {drawn.sum():.0f} ms on the GUI thread in all, "
                  f"longest {drawn.max():.1f} ms")
    worst, p99, slower = (np.median([r[i] for r in rows]) for i in range(3))
    print(f"median of {len(rows)} runs: longest stall {worst:.1f} ms, 99th percentile {p99:.1f} ms (aim ≤ 50), "
          f"training {slower:+.1f}% slower than headless (aim ≤ 15%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
