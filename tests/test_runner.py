"""Runs in a child process: the same numbers as in-process, commands honoured, reports bounded."""
import pickle
import threading

import numpy as np
import pytest

from engine.datasets import generate
from engine.runner import Reporter, TrainingProcess
from engine.trainer import Trainer
from tests.helpers import chain

SETTINGS = {"optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 16, "epochs": 30}


def make_trainer(epochs=30):
    graph = chain(("Dense", {"units": 6}), ("Activation", {"function": "prelu"}), ("Dense", {"units": 1}),
                  ("Activation", {"function": "sigmoid"}), ("Loss", {"function": "binary_cross_entropy"}), input_size=2)
    return Trainer(graph, generate("moons", 200, 0.1, 2), {**SETTINGS, "epochs": epochs})


@pytest.fixture(scope="module")
def process():
    p = TrainingProcess()
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
