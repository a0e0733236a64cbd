"""Runs in a child process: the same numbers as in-process, commands honoured, reports bounded."""
import pickle
import threading
import time

import numpy as np
import pytest

from engine import PROJECTS
from engine.cli import main as cli_main
from engine.datasets import generate
from engine.errors import ParamError
from engine.frames import PlaneGrid, ViewRequest, frame_bytes, take_frame
from engine.project import load_project, save_project
from engine.runner import Reporter, TrainingProcess, epochs_left
from engine.trainer import Trainer
from tests.helpers import chain

SETTINGS = {"optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 16, "epochs": 30}


def make_graph():
    return chain(("Dense", {"units": 6}), ("Activation", {"function": "prelu"}), ("Dense", {"units": 1}),
                 ("Activation", {"function": "sigmoid"}), ("Loss", {"function": "binary_cross_entropy"}), input_size=2)


def make_trainer(epochs=30):
    return Trainer(make_graph(), generate("moons", 200, 0.1, 2), {**SETTINGS, "epochs": epochs})


@pytest.fixture(autouse=True)
def paces_honoured(monkeypatch):
    monkeypatch.delenv("NEUROCANVAS_PACE", raising=False)  # conftest turns paces off for the editor's tests


@pytest.fixture(scope="module")
def process():
    p = TrainingProcess()
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("NEUROCANVAS_PACE", raising=False)
        p.perform(make_trainer(epochs=1), "batch", lambda report: None)  # the child starts with paces honoured
    yield p
    p.close()


def test_a_trainer_survives_pickling_with_every_layer_kind():
    trainer = make_trainer()
    trainer.run(2)
    copy = pickle.loads(pickle.dumps(trainer))
    trainer.run(3)
    copy.run(3)
    for name, value in trainer.model.parameters.items():
        assert copy.model.parameters[name].tobytes() == value.tobytes()


def test_a_run_in_the_child_equals_one_in_process(process):
    here, there = make_trainer(), make_trainer()
    here.run()
    reports = []
    result = process.perform(there, "run", reports.append)
    assert result.reason == "completed" and result.trainer is not there
    trained = result.trainer
    assert trained.epoch == 30 and trained.history == here.history
    for name, value in here.model.parameters.items():
        assert trained.model.parameters[name].tobytes() == value.tobytes()
    assert reports and sum(len(r.batch_loss) for r in reports) == 30 * here.batches_per_epoch
    assert sum(len(r.history.get("loss", [])) for r in reports) == 30


def test_stop_and_a_new_learning_rate_reach_the_running_copy(process):
    trainer = make_trainer(epochs=10**6)
    first = threading.Event()

    def on_progress(report):
        if not first.is_set():
            first.set()
            process.set_optimizer({"name": "adam", "learning_rate": 0.002})
            process.update_settings({"l2": 0.001})
            threading.Timer(0.2, process.stop).start()

    result = process.perform(trainer, "run", on_progress)
    assert result.reason == "stopped" and 0 < result.trainer.epoch < 10**6
    assert result.trainer.optimizer.hyper["learning_rate"] == 0.002
    assert result.trainer.settings["l2"] == 0.001


def test_divergence_comes_back_with_its_message(process):
    trainer = make_trainer()
    trainer.set_optimizer({"name": "sgd", "learning_rate": 1e6})
    result = process.perform(trainer, "run", lambda report: None)
    assert result.reason == "diverged" and "learning rate 1e+06" in result.message
    assert result.trainer.model.parameters_finite()


def test_reports_are_bounded_however_fast_the_batches_go():
    trainer = make_trainer(epochs=200)
    reports = []
    result = Reporter(trainer, reports.append).perform("run")
    batches = 200 * trainer.batches_per_epoch
    assert result.reason == "completed"
    assert len(reports) < batches / 10
    assert any(r.detail is not None and r.detail.gradient_norms for r in reports)
    assert np.isclose(sum(len(r.batch_loss) for r in reports), batches)


# ---- pace, frames, events, and training past the total ------------------------------------------------
def paced_trainer(pace, epochs=10):
    trainer = make_trainer(epochs=epochs)
    trainer.settings["pace"] = pace
    return trainer


def test_a_paced_run_takes_about_as_long_as_its_pace_says():
    """A loose bound, not a timing test: 6 epochs at 15 a second, and 10 batches at 30 a second."""
    for pace, mode, seconds in (({"epochs_per_second": 15}, "run", 6 / 15), ({"batches_per_second": 30}, "epoch", 10 / 30)):
        trainer = paced_trainer(pace, epochs=6)
        assert trainer.batches_per_epoch == 10
        start = time.perf_counter()
        result = Reporter(trainer, lambda report: None).perform(mode)
        took = time.perf_counter() - start
        assert result.reason == "completed"
        assert 0.9 * seconds <= took < seconds + 2.0, (pace, took)


def test_batch_by_batch_reports_every_batch_with_its_frame():
    trainer = paced_trainer({"batches_per_second": 60})
    reports = []
    Reporter(trainer, reports.append).perform("epoch")
    with_batches = [r for r in reports if r.batch_loss]
    assert len(with_batches) == trainer.batches_per_epoch == 10
    for i, report in enumerate(with_batches):
        assert len(report.batch_loss) == 1 and len(report.frames) == 1
        frame = report.frames[0]
        assert frame.position == pytest.approx((i + 1) / 10) and frame.gradient_norms and frame.state is not None
        assert report.pace == {"batches_per_second": 60}


def test_a_frame_every_epoch_and_one_where_the_run_stopped():
    trainer = make_trainer(epochs=5)
    stop_at = 2 * trainer.batches_per_epoch + 3
    reports = []

    def commands():
        return [("stop",)] if trainer.epoch * trainer.batches_per_epoch + trainer.batch >= stop_at else []

    result = Reporter(trainer, reports.append, commands).perform("run")
    frames = [f for r in reports for f in r.frames]
    assert result.reason == "stopped"
    assert [f.position for f in frames][:2] == [1.0, 2.0] and frames[-1].position == trainer.position
    for frame in frames:
        assert frame.state is not None and set(frame.parameters) == set(trainer.model.parameters)
        assert frame.activations["n0"].shape == (40, 6) and "n0.weight" in frame.weights
    assert all(f.gradient_norms for f in frames[:2])  # the epoch's last batch's


def test_training_past_the_total_is_explicit():
    """Before, Train after a finished run silently trained another full run ("Epoch 200 / 100")."""
    trainer = make_trainer(epochs=4)
    trainer.run()
    assert epochs_left(trainer) == 0
    reports = []
    result = Reporter(trainer, reports.append).perform("run")
    assert result.reason == "at_total" and "trained 4 of 4 epochs" in result.message and trainer.epoch == 4
    assert not any(r.batch_loss or r.frames for r in reports)
    reports.clear()
    result = Reporter(trainer, reports.append).perform("run", more_epochs=3)
    assert result.reason == "completed" and trainer.epoch == 7
    assert {r.target_epoch for r in reports} == {7}


def test_the_frames_carry_the_plane_the_views_asked_for():
    trainer = make_trainer(epochs=2)
    grid = PlaneGrid.around(trainer.x_train, size=12)
    reports = []
    Reporter(trainer, reports.append, views=ViewRequest(grid, ("n3", "no-such-node"))).perform("run")
    frame = reports[-1].frames[-1]
    assert set(frame.planes) == {"n3"} and frame.planes["n3"].shape == (144, 1)
    model = make_trainer().model
    model.load_parameters(frame.parameters)
    np.testing.assert_array_equal(frame.planes["n3"], model.predict(grid.points()))


def test_frames_crossing_the_pipe_are_bounded(monkeypatch):
    trainer = make_trainer(epochs=40)
    reports = []
    one = frame_bytes(take_frame(make_trainer()))
    monkeypatch.setattr("engine.runner.PIPE_BYTES_PER_SECOND", 3 * one)
    start = time.perf_counter()
    Reporter(trainer, reports.append).perform("run")
    elapsed = time.perf_counter() - start
    frames = [f for r in reports for f in r.frames]
    assert len(frames) < 40 and frames[-1].position == 40.0
    assert sum(map(frame_bytes, frames[:-1])) <= 3 * one * max(elapsed, 1.0)  # and the last, always


def test_the_command_line_ignores_the_pace(tmp_path):
    project = load_project(PROJECTS / "xor.ncproj")
    project.training.update(epochs=20, pace={"epochs_per_second": 0.01})  # paced, this would take half an hour
    save_project(project, tmp_path / "slow.ncproj")
    start = time.perf_counter()
    assert cli_main(["train", str(tmp_path / "slow.ncproj"), "-q", "--in-place"]) == 0
    assert time.perf_counter() - start < 60
    assert load_project(tmp_path / "slow.ncproj").epoch == 20


def test_a_stop_is_answered_at_once_while_waiting_for_a_slow_pace(process):
    trainer = paced_trainer({"epochs_per_second": 0.2})  # 5 s an epoch
    start = []

    def on_progress(report):
        if not start:
            start.append(time.perf_counter())
            process.stop()

    result = process.perform(trainer, "run", on_progress)
    assert result.reason == "stopped" and time.perf_counter() - start[0] < 1.5
    assert result.trainer.epoch == 0 and 0 < result.trainer.batch < 10


def test_a_new_pace_applies_at_once_and_is_an_event_of_the_run(process):
    trainer = paced_trainer({"epochs_per_second": 1}, epochs=4)  # 4 s at this pace
    reports = []

    def on_progress(report):
        if not reports:
            process.set_pace(None)
        reports.append(report)

    start = time.perf_counter()
    result = process.perform(trainer, "run", on_progress)
    assert result.reason == "completed" and time.perf_counter() - start < 2.5
    assert "pace" not in result.trainer.settings
    (event,) = [e for r in reports for e in r.events]
    assert event.text == "pace 1 epoch/s → as fast as possible" and 0 < event.epoch < 1
    assert event.changes == {"pace": [{"epochs_per_second": 1}, None]}
    with pytest.raises(ParamError, match="training.pace.epochs_per_second"):
        process.set_pace({"epochs_per_second": -1})


def test_setting_changes_come_back_as_events_where_they_took_effect(process):
    trainer = make_trainer(epochs=10**6)
    reports = []

    def on_progress(report):
        if not reports:
            process.set_optimizer({"name": "adam", "learning_rate": 0.002})
            process.update_settings({"l2": 0.001})
            threading.Timer(0.2, process.stop).start()
        reports.append(report)

    result = process.perform(trainer, "run", on_progress)
    texts = [e.text for r in reports for e in r.events]
    assert texts == ["lr 0.01 → 0.002", "L2 0 → 0.001"]
    assert result.trainer.optimizer.hyper["learning_rate"] == 0.002


def test_views_can_be_asked_for_during_a_run(process):
    trainer = make_trainer(epochs=10**6)
    grid = PlaneGrid.around(trainer.x_train, size=8)
    reports = []

    def on_progress(report):
        if not reports:
            process.set_views(ViewRequest(grid, ("n3",)))
            threading.Timer(0.3, process.stop).start()
        reports.append(report)

    try:
        process.perform(trainer, "run", on_progress)
    finally:
        process.set_views(None)
    frames = [f for r in reports for f in r.frames]
    assert frames[0].planes is None and frames[-1].planes["n3"].shape == (64, 1)


def test_paces_can_be_turned_off_for_tests_and_benchmarks(monkeypatch):
    monkeypatch.setenv("NEUROCANVAS_PACE", "off")
    trainer = paced_trainer({"epochs_per_second": 0.01}, epochs=3)  # 5 minutes, paced
    start = time.perf_counter()
    assert Reporter(trainer, lambda report: None).perform("run").reason == "completed"
    assert time.perf_counter() - start < 30
