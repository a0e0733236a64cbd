"""One compiled network per document state: an edit validates once and compiles once, and the
training session, the views and the Predict panel share what the document compiled."""
from __future__ import annotations

import pytest

from engine import PROJECTS
from engine.model import Model
from engine.validation import Analysis
from tests.editor_helpers import open_window


@pytest.fixture
def counts(monkeypatch):
    seen = {"validate": 0, "compile": 0}
    analyse, compile_ = Analysis.of.__func__, Model.__init__

    def counted_analysis(cls, *args, **kwargs):
        seen["validate"] += 1
        return analyse(cls, *args, **kwargs)

    def counted_compile(self, *args, **kwargs):
        seen["compile"] += 1
        compile_(self, *args, **kwargs)

    monkeypatch.setattr(Analysis, "of", classmethod(counted_analysis))
    monkeypatch.setattr(Model, "__init__", counted_compile)
    return seen


def test_one_units_edit_validates_once_and_compiles_once(qtbot, tmp_path, answers, counts):
    window = open_window(qtbot, tmp_path, PROJECTS / "xor.ncproj")
    window.docks["predict"].show()
    window.docks["predict"].raise_()
    document, session = window.document, window.training.session
    qtbot.waitUntil(lambda: session.trainer is not None, timeout=5000)
    counts.update(validate=0, compile=0)
    assert document.set_param("h", "units", 5)
    qtbot.waitUntil(lambda: session.trainer is not None and session.trainer.model.shapes["h"] == (5,), timeout=5000)
    qtbot.wait(400)  # every view and the Predict panel have caught up
    assert counts == {"validate": 1, "compile": 1}
    assert session.trainer.model is not document.model, "the session trains a clone, never the document's model"


def test_moving_a_node_neither_validates_nor_compiles(qtbot, tmp_path, answers, counts):
    window = open_window(qtbot, tmp_path, PROJECTS / "xor.ncproj")
    qtbot.waitUntil(lambda: window.training.session.trainer is not None, timeout=5000)
    counts.update(validate=0, compile=0)
    window.document.move({"h": ((220.0, 0.0), (260.0, 40.0))})
    qtbot.wait(400)
    assert counts == {"validate": 0, "compile": 0}
