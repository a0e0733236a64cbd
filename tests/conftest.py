"""Shared test setup: Qt runs offscreen, and editor tests never touch the user's settings or files."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NEUROCANVAS_PACE", "off")  # the examples' paces would make every run ~20 s (tests/test_runner.py turns it on)

import pytest  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402


@pytest.fixture
def answers(monkeypatch):
    """Scripted answers for the message boxes (the prompts, not the engine); records what was asked."""
    record = {"question": [], "critical": [], "reply": QMessageBox.Discard}

    def question(parent, title, text, *args, **kwargs):
        record["question"].append(text)
        return record["reply"]

    def critical(parent, title, text, *args, **kwargs):
        record["critical"].append(text)
        return QMessageBox.Ok

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(critical))
    return record


BIG_CSV_ROWS = 20_000


@pytest.fixture(scope="session")
def big_csv(tmp_path_factory):
    """An MNIST-shaped CSV of BIG_CSV_ROWS rows (a label and 784 pixels, ~54 MB), written once for the run."""
    from benchmarks.data_scale import write_csv

    path = tmp_path_factory.mktemp("mnist") / "mnist.csv"
    write_csv(path, BIG_CSV_ROWS)
    return path
