"""Dataset specs from a file, however odd, open in the Dataset dock without an exception."""
from __future__ import annotations

import json

import pytest

from engine import PROJECTS
from engine.datasets import MAX_NOISE, MAX_SEED

from tests.editor_helpers import open_window

XOR = PROJECTS / "xor.ncproj"


def project_with_dataset(tmp_path, **changes):
    data = json.loads(XOR.read_text(encoding="utf-8"))
    data["dataset"].update(changes)
    path = tmp_path / "odd.ncproj"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("changes, fragment", [
    ({"noise": 1e30}, f"dataset.noise: must be at most {MAX_NOISE:g}, got 1e+30"),  # overflowed the slider
    ({"seed": [1]}, "dataset.seed: must be a non-negative integer, got [1]"),  # TypeError in the spin box
    ({"seed": 2**40}, f"dataset.seed: must be at most {MAX_SEED}"),  # beyond a 32-bit spin box
    ({"samples": "many"}, "dataset.samples: must be a positive integer"),
])
def test_a_generated_spec_the_engine_refuses_opens_with_its_message(qtbot, tmp_path, answers, changes, fragment):
    window = open_window(qtbot, tmp_path)
    window.dataset_panel.show_page("generated")
    assert window.open_path(project_with_dataset(tmp_path, **changes))
    panel = window.dataset_panel
    assert window.document.dataset is None
    assert fragment in panel.message.text()
    assert not answers["critical"]
    window.document.undo_stack.resetClean()
    window.training.shutdown()


def test_the_largest_values_the_engine_accepts_fit_the_controls(qtbot, tmp_path, answers):
    window = open_window(qtbot, tmp_path)
    assert window.open_path(project_with_dataset(tmp_path, noise=MAX_NOISE, seed=MAX_SEED))
    page = window.dataset_panel.generated
    assert window.document.dataset is not None
    assert page.noise.value() == MAX_NOISE and page.seed.value() == MAX_SEED
    window.document.undo_stack.resetClean()
    window.training.shutdown()
