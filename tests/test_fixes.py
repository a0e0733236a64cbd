"""Problems point at what to fix: a problem with an obvious fix offers it in the Problems panel, one click applies
it as one undo step (a param set, or a node inserted on a wire); File → Examples lists the lessons in order."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine import LESSONS, PROJECTS, examples
from engine.validation import Fix

from tests.editor_helpers import open_window

MOONS = {"source": "generated", "name": "moons", "samples": 120, "noise": 0.1, "seed": 1}


@pytest.fixture
def window(qtbot, tmp_path, answers):
    w = open_window(qtbot, tmp_path)
    w.new_action.trigger()
    w.document.set_dataset(MOONS)
    yield w
    w.training.session.shutdown()


def build(window, *chain) -> list[str]:
    """Nodes (type, params) wired in a row; returns their ids."""
    doc, ids = window.document, []
    for i, (kind, params) in enumerate(chain):
        ids.append(doc.add_node(kind, params, (230.0 * i, 0.0)))
        if i:
            assert doc.connect(ids[-2], ids[-1], doc.graph.nodes[ids[-1]].input_ports[0])
    doc.validate_now()
    return ids


def click_fix(qtbot, window, label_part: str) -> None:
    panel = window.problems
    item = next(i for i in panel.fix_items() if label_part in i.text())
    rect = panel.list.visualItemRect(item)
    QTest.mouseClick(panel.list.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    window.document.validate_now()


def test_a_first_network_with_default_units_gets_set_the_last_dense_to_one_unit(qtbot, window):
    ids = build(window, ("Input", {"size": 2}), ("Dense", {}), ("Activation", {"function": "relu"}), ("Dense", {}),
                ("Activation", {"function": "sigmoid"}), ("Loss", {"function": "binary_cross_entropy"}))
    last_dense = ids[3]
    problem = next(p for p in window.document.problems if p.fix is not None)
    assert problem.node == last_dense and problem.fix.value == 1
    assert window.scene.node_items[last_dense].problems  # the marker sits on the Dense that must change
    assert not window.scene.node_items[ids[-1]].problems
    depth = window.document.undo_stack.count()
    click_fix(qtbot, window, f"set {last_dense} to 1 unit")
    assert window.document.graph.nodes[last_dense].params["units"] == 1
    assert not window.document.analysis.errors
    assert window.document.undo_stack.count() == depth + 1
    assert window.document.undo_stack.undoText().startswith("Fix: set")
    window.document.undo_stack.undo()
    assert window.document.graph.nodes[last_dense].params["units"] == 4


def test_a_missing_sigmoid_is_inserted_before_the_loss_in_one_undo_step(qtbot, window):
    ids = build(window, ("Input", {"size": 2}), ("Dense", {"units": 1}), ("Loss", {"function": "binary_cross_entropy"}))
    dense, loss = ids[1], ids[2]
    fix = next(p.fix for p in window.document.problems if p.fix is not None)
    assert fix.insert == "Activation" and dict(fix.params) == {"function": "sigmoid"} and fix.node == loss
    nodes_before, edges_before = set(window.document.graph.nodes), list(window.document.graph.edges)
    click_fix(qtbot, window, f"insert a sigmoid before {loss}")
    graph = window.document.graph
    (new,) = set(graph.nodes) - nodes_before
    assert graph.nodes[new].kind.activation(graph.nodes[new].params) == "sigmoid"
    assert graph.edge_into_port(new, "in").src == dense and graph.edge_into_port(loss, "in").src == new
    assert not [p for p in window.document.problems if p.fix is not None]
    window.document.undo_stack.undo()  # one step takes the node and both wires away, and the old wire back
    assert set(graph.nodes) == nodes_before and graph.edges == edges_before


def test_a_fix_applies_once_however_the_click_arrives(qtbot, window):
    build(window, ("Input", {"size": 2}), ("Dense", {"units": 1}), ("Loss", {"function": "binary_cross_entropy"}))
    panel = window.problems
    (item,) = panel.fix_items()
    count = len(window.document.graph.nodes)
    panel.list.itemClicked.emit(item)
    panel.list.itemActivated.emit(item)  # a style that activates on a single click sends both
    assert len(window.document.graph.nodes) == count + 1


def test_a_fix_for_a_node_that_is_gone_is_refused_with_its_reason(window):
    assert not window.document.apply_fix(Fix("set ghost to 1 unit", "ghost", "units", 1))
    assert "no node ghost" in window.document.last_refusal


def test_file_examples_lists_the_lessons_in_teaching_order_with_their_titles(window):
    paths = examples()
    assert [p.stem for p in paths] == list(LESSONS)
    titles = [a.text().replace("&", "") for a in window.examples_menu.actions()]
    expected = [f"{i}. {json.loads(p.read_text(encoding='utf-8'))['name']}" for i, p in enumerate(paths, 1)]
    assert titles == expected
    assert titles[0] == "1. The worked example: one step by hand" and titles[5] == "6. XOR"
    assert set(PROJECTS.glob("*.ncproj")) == set(paths)
