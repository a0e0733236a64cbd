"""Big data loads off the GUI thread: the window stays responsive, shows how far the load is, can
cancel it, turns a switch into one undo step, names a bad cell in one line, and asks before reading
a file outside the project's folder. Real window, real files (an MNIST-shaped CSV), offscreen."""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from benchmarks.data_scale import write_project
from engine import PROJECTS
from tests.conftest import BIG_CSV_ROWS as ROWS
from tests.editor_helpers import open_window

LOAD_TIMEOUT_MS = 120_000


@pytest.fixture
def big_project(big_csv, tmp_path) -> Path:
    """A 784-256-256-10 project beside a copy of the big CSV (in its own folder: no consent asked)."""
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(big_csv, folder / "mnist.csv")
    write_project(folder / "mnist.ncproj", "mnist.csv")
    return folder / "mnist.ncproj"


class Gaps:
    """The event loop's gaps, measured by a 5 ms timer: the longest says how long the GUI froze."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.last = time.perf_counter()
        self.timer = QTimer(interval=5)
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now


def wait_loaded(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.document.loading is None, timeout=LOAD_TIMEOUT_MS)


def test_a_big_csv_project_opens_at_once_and_loads_without_freezing_the_window(qtbot, tmp_path, big_project):
    window = open_window(qtbot, tmp_path)
    assert window.open_path(big_project)
    document = window.document
    # The graph is there at once; the data is on its way, and everything that needs it says so.
    assert "h1" in document.graph.nodes and window.scene.items()
    assert document.dataset is None and document.loading is not None
    assert window.loading_bar.isVisible()
    panel = window.training.panel
    assert not panel.train_button.isEnabled()
    assert "Loading mnist.csv…" in window.training.session.reason
    assert window.dataset_panel.summary.text().startswith("<b>In use:</b> Loading mnist.csv…")

    gaps = Gaps()
    fractions = []
    texts = set()

    def note() -> bool:
        job = document.loading
        if job is not None:
            fractions.append(job.fraction)
            texts.add(window.loading_bar.label.text())
        return job is None

    qtbot.waitUntil(note, timeout=LOAD_TIMEOUT_MS)
    gaps.timer.stop()
    # Loose: reading on the GUI thread froze it for the whole load (44 s for 60,000 rows); the aim of 100 ms
    # is benchmarks/gui_big_data.py's, on a machine this suite does not share.
    assert gaps.longest < 5.0, f"the event loop stalled {gaps.longest:.2f} s while the file loaded"
    assert fractions == sorted(fractions) and fractions[-1] > fractions[0], "progress goes up"
    assert len(texts) >= 3 and all(t.startswith("Loading mnist.csv… ") and t.endswith("%") for t in texts)
    assert document.dataset.x.shape == (ROWS, 784) and document.dataset_error == ""
    assert not window.loading_bar.isVisible()
    qtbot.waitUntil(lambda: window.training.session.trainer is not None, timeout=10_000)
    assert panel.train_button.isEnabled() and window.training.session.reason == ""
    # The Rows tab holds every row without a widget per cell.
    rows = window.dataset_panel.rows
    window.dataset_panel.tabs.setCurrentWidget(rows)
    window.docks["dataset"].raise_()
    qtbot.waitUntil(lambda: rows.model.rowCount() == ROWS, timeout=5_000)
    last = rows.model.index(ROWS - 1, 0)
    assert rows.model.data(last) == rows.model.data(last)  # formatted on request
    assert rows.model.headerData(784, Qt.Horizontal) == "→ label"
    window.document.undo_stack.setClean()


def test_data_arriving_for_the_project_just_opened_announces_no_graph_change(qtbot, tmp_path):
    """Every project whose data loads in the background said "The graph changed: no parameters fit any
    more" once its data arrived (the digits lesson among them): nothing had changed."""
    window = open_window(qtbot, tmp_path)
    notices = []
    window.training.session.notice.connect(notices.append)
    assert window.open_path(PROJECTS / "08-digits.ncproj")
    wait_loaded(qtbot, window)
    qtbot.waitUntil(lambda: window.training.session.trainer is not None)
    assert not [text for text in notices if "changed" in text]
    window.training.panel.step_batch_button.click()
    qtbot.waitUntil(lambda: window.training.session.running is None, timeout=30_000)
    assert not [text for text in notices if "changed" in text]
    window.document.undo_stack.setClean()  # (closing asks nothing)


def test_cancel_leaves_the_project_open_without_data(qtbot, tmp_path, big_project):
    window = open_window(qtbot, tmp_path)
    assert window.open_path(big_project)
    document = window.document
    qtbot.waitUntil(lambda: document.loading is not None and document.loading.fraction > 0, timeout=30_000)
    window.loading_bar.cancel_button.click()
    assert document.loading is None and document.dataset is None
    assert "Loading mnist.csv was cancelled" in document.dataset_error
    assert not window.loading_bar.isVisible()
    assert "h1" in document.graph.nodes
    assert not window.training.panel.train_button.isEnabled()
    assert "cancelled" in window.dataset_panel.message.text()
    document.loader.wait()  # the worker stops at its next block; what it read is dropped
    qtbot.wait(100)
    assert document.dataset is None


def switch_to_big_csv(window, path: Path) -> None:
    page = window.dataset_panel.csv
    assert page.open_file(path)
    assert window.dataset_panel.apply_csv()


def test_a_switch_loads_in_the_background_and_is_one_undo_step(qtbot, tmp_path, big_csv):
    window = open_window(qtbot, tmp_path, PROJECTS / "xor.ncproj")
    document = window.document
    old_spec, old_data = document.project.dataset, document.dataset
    assert old_data is not None and document.undo_stack.count() == 0
    switch_to_big_csv(window, big_csv)
    job = document.loading
    assert job is not None and job.purpose == "switch"
    assert document.dataset is old_data  # the data in use stays until the new one is in
    assert window.dataset_panel.csv.status.text().startswith("Loading mnist.csv…")
    wait_loaded(qtbot, window)
    assert document.dataset.x.shape == (ROWS, 784)
    assert document.undo_stack.count() == 1
    assert document.graph.nodes["x"].params["size"] == 784  # the Input follows in the same step
    document.undo()
    assert document.project.dataset == old_spec and document.graph.nodes["x"].params["size"] == 2
    document.redo()  # a big dataset is not kept: redo reads it again, off the GUI thread
    assert document.project.dataset["source"] == "csv"
    wait_loaded(qtbot, window)
    assert document.dataset.x.shape == (ROWS, 784) and document.undo_stack.count() == 1
    document.undo_stack.setClean()


def test_cancelling_a_switch_keeps_the_data_in_use(qtbot, tmp_path, big_csv):
    window = open_window(qtbot, tmp_path, PROJECTS / "xor.ncproj")
    document = window.document
    old_spec, old_data = document.project.dataset, document.dataset
    switch_to_big_csv(window, big_csv)
    assert document.loading is not None
    window.loading_bar.cancel_button.click()
    document.loader.wait()
    qtbot.wait(100)
    assert document.dataset is old_data and document.project.dataset == old_spec
    assert document.undo_stack.count() == 0 and document.dataset_error == ""
    assert window.dataset_panel.csv.apply_button.isEnabled()


def test_a_bad_cell_in_a_background_load_is_one_line_naming_file_line_and_column(qtbot, tmp_path, big_csv):
    folder = tmp_path / "project"
    folder.mkdir()
    lines = big_csv.read_bytes().split(b"\n")[:3001]
    cells = lines[2500].split(b",")
    cells[6] = b"twelve"  # pixel5 of data row 2499, line 2501 of the file
    lines[2500] = b",".join(cells)
    (folder / "bad.csv").write_bytes(b"\n".join(lines) + b"\n")
    write_project(folder / "bad.ncproj", "bad.csv")
    window = open_window(qtbot, tmp_path)
    assert window.open_path(folder / "bad.ncproj")
    assert window.document.loading is not None  # ~8 MB: read off the GUI thread
    wait_loaded(qtbot, window)
    error = window.document.dataset_error
    assert window.document.dataset is None
    assert "bad.csv" in error and "line 2501" in error and "pixel5" in error, error
    assert "\n" not in error and "Traceback" not in error
    message = window.dataset_panel.message.text()
    assert error in message and "Traceback" not in message
    assert not window.training.panel.train_button.isEnabled()


def outside_project(tmp_path: Path, csv: Path) -> Path:
    """A project whose data file lies in a sibling folder (../data/digits.csv)."""
    (tmp_path / "data").mkdir()
    shutil.copy(csv, tmp_path / "data" / "digits.csv")
    folder = tmp_path / "someone-elses"
    folder.mkdir()
    write_project(folder / "theirs.ncproj", "../data/digits.csv")
    return folder / "theirs.ncproj"


@pytest.fixture
def small_csv(tmp_path, big_csv) -> Path:
    path = tmp_path / "small.csv"
    path.write_bytes(b"\n".join(big_csv.read_bytes().split(b"\n")[:201]) + b"\n")
    return path


@pytest.mark.parametrize("answer", [QMessageBox.No, QMessageBox.Yes])
def test_a_data_file_outside_the_projects_folder_is_read_only_with_consent(qtbot, tmp_path, small_csv, monkeypatch,
                                                                          answer):
    project = outside_project(tmp_path, small_csv)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: asked.append(args[2]) or answer)
    window = open_window(qtbot, tmp_path)
    assert window.open_path(project)
    wait_loaded(qtbot, window)
    assert len(asked) == 1 and str(tmp_path / "data" / "digits.csv") in asked[0]
    document = window.document
    if answer == QMessageBox.No:
        assert document.dataset is None
        assert "digits.csv was not read: it lies outside the project's folder" in document.dataset_error
        assert "h1" in document.graph.nodes
    else:
        assert document.dataset.x.shape == (200, 784)
        document.undo_stack.setClean()


def test_a_bundled_example_never_asks(qtbot, tmp_path, small_csv, monkeypatch):
    project = outside_project(tmp_path, small_csv)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: asked.append(args[2]) or QMessageBox.No)
    window = open_window(qtbot, tmp_path)
    window.open_example(project)
    wait_loaded(qtbot, window)
    assert asked == [] and window.document.dataset.x.shape == (200, 784)
    spec = json.loads(json.dumps(window.document.project.dataset))
    assert Path(spec["path"]).is_absolute()  # the unsaved copy reads the example's own file
    window.document.undo_stack.setClean()


def test_closing_the_window_mid_load_is_clean(qtbot, tmp_path, big_project):
    window = open_window(qtbot, tmp_path)
    assert window.open_path(big_project)
    qtbot.waitUntil(lambda: window.document.loading is not None and window.document.loading.fraction > 0,
                    timeout=30_000)
    child = window.document.loader.process._process  # the load runs in a child process
    started = time.perf_counter()
    assert window.close()
    assert window.document.loading is None
    assert window.document.loader.pool.activeThreadCount() == 0  # the worker has let go
    assert child.poll() is not None  # and the child has ended
    assert time.perf_counter() - started < 10


def test_the_csv_page_previews_the_file_in_use_only_when_it_comes_into_view(qtbot, tmp_path, small_csv):
    """Previewing and listing 785 columns took ~0.7 s of the GUI thread when a project opened, even with the
    Dataset dock tabbed out of sight."""
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(small_csv, folder / "mnist.csv")
    write_project(folder / "mnist.ncproj", "mnist.csv")
    window = open_window(qtbot, tmp_path)
    window.docks["loss"].raise_()  # the Dataset dock is tabbed behind the Loss view
    assert window.open_path(folder / "mnist.ncproj")
    wait_loaded(qtbot, window)
    csv = window.dataset_panel.csv
    assert csv.preview_data is None and csv.feature_choices.rowCount() == 0
    window.docks["dataset"].raise_()
    window.dataset_panel.show_page("csv")
    assert csv.preview_data is None and "Reading the first rows" in csv.status.text()  # read off the GUI thread
    qtbot.waitUntil(lambda: csv.preview_data is not None)
    assert csv.feature_choices.rowCount() == 784 and csv.target.currentText() == "label"
    assert csv.apply_button.text() == "Apply Changes"
