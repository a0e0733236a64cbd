"""The child processes' pipes: a child never waits for a busy editor, and one BLAS thread leaves a core to it."""
from __future__ import annotations

import os
import pickle
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from engine import PROJECTS
from engine.child_process import ChildPipes
from engine.landscape_process import LandscapeRequest, serve
from engine.project import load_project
from engine.runner import TrainingProcess


def test_sending_does_not_wait_for_the_reader():
    """A pipe holds 64 KB: written from the working thread, a frame waited whenever the editor was painting."""
    commands_r, commands_w = os.pipe()
    reports_r, reports_w = os.pipe()
    with open(commands_r, "rb") as commands, open(reports_w, "wb") as reports, open(reports_r, "rb") as reader:
        pipes = ChildPipes(commands, reports)
        start = time.perf_counter()
        for k in range(8):
            pipes.send(("progress", k, np.zeros(2**17)))  # 1 MB each, nobody reading yet
        assert time.perf_counter() - start < 2.0
        received = [pickle.load(reader) for _ in range(8)]
        assert [m[1] for m in received] == list(range(8))
        os.close(commands_w)
        assert pipes.inbox.get(timeout=5) == ("quit",)
        pipes.close()


def drain(reader) -> None:
    """Read what a child sends, as the editor does, until the pipe closes."""
    try:
        while True:
            pickle.load(reader)
    except (EOFError, OSError, ValueError):
        return


def test_a_landscape_child_quits_when_the_editor_closes_in_the_middle_of_one():
    """Closing the pipe while a landscape computes used to loop for ever on the quit it put back."""
    project = load_project(PROJECTS / "xor.ncproj")
    trainer = project.trainer()
    commands_r, commands_w = os.pipe()
    reports_r, reports_w = os.pipe()
    commands, reports, reader = open(commands_r, "rb"), open(reports_w, "wb"), open(reports_r, "rb")
    drained = threading.Thread(target=drain, args=(reader,), daemon=True)
    drained.start()
    pipes = ChildPipes(commands, reports)
    served = threading.Thread(target=serve, args=(pipes,), daemon=True)
    served.start()
    request = LandscapeRequest(trainer.model, trainer.x_train, trainer.t_train, [], "random", 400)
    with open(commands_w, "wb") as sending:
        pickle.dump(("compute", request), sending)
    served.join(timeout=20)
    assert not served.is_alive()
    pipes.close()
    reports.close()  # the reader sees the end: no file is closed under a thread that reads it
    drained.join(timeout=5)
    reader.close()
    commands.close()


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads the child's environment from /proc")
def test_the_training_child_uses_one_blas_thread(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    process = TrainingProcess()
    process._ensure_started()
    try:
        proc = Path(f"/proc/{process._process.pid}")
        deadline = time.monotonic() + 10
        while b"engine.runner" not in proc.joinpath("cmdline").read_bytes() and time.monotonic() < deadline:
            time.sleep(0.01)  # forked but not yet exec'd: /proc still shows the parent's environment
        environ = proc.joinpath("environ").read_bytes().split(b"\0")
        assert b"OPENBLAS_NUM_THREADS=1" in environ
    finally:
        process.close()


def test_a_trainers_data_crosses_to_the_training_child_once():
    """An MNIST trainer pickled to 382 MB, sent to the child and back at every Train or Step: the data now
    stays in the child, and the trainer that comes back holds the very arrays it went with."""
    process = TrainingProcess()
    try:
        trainer = load_project(PROJECTS / "xor.ncproj").trainer()
        first = process.perform(trainer, "batch", lambda p: None).trainer
        assert first.x_train is trainer.x_train and first.dataset is trainer.dataset
        second = process.perform(first, "batch", lambda p: None).trainer
        assert second.x_train is trainer.x_train and second.batch == 2
        other = load_project(PROJECTS / "08-digits.ncproj").trainer()  # other data: shared in its turn
        result = process.perform(other, "batch", lambda p: None)
        assert result.reason == "completed" and result.trainer.x_train is other.x_train
        process.close()  # a new child gets the data again
        again = process.perform(second, "batch", lambda p: None)
        assert again.reason == "completed" and again.trainer.x_train is trainer.x_train and again.trainer.batch == 3
    finally:
        process.close()


def test_shared_data_is_pickled_into_the_pipe_not_into_memory_first():
    """380 MB of MNIST arrays were pickled into bytes, and copied again, under the interpreter lock
    before the pipe took them: the window froze 0.3 s at the first Step. Streamed, nothing that size
    is allocated on the way."""
    import tracemalloc

    process = TrainingProcess()
    try:
        trainer = load_project(PROJECTS / "xor.ncproj").trainer()
        process.perform(trainer, "batch", lambda p: None)  # the child started, its imports done
        big = np.ones((2_000, 2_500), np.float32)  # 20 MB
        tracemalloc.start()
        process._share({"big": big})
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < big.nbytes / 4, peak / 2**20
        result = process.perform(trainer, "batch", lambda p: None)  # the child took it, and trains on
        assert result.reason == "completed" and result.trainer.x_train is trainer.x_train
    finally:
        process.close()
