"""Arrange: layers left to right, and long chains wrapped into bands that stay readable."""
from __future__ import annotations

from PySide6.QtCore import QPointF

from editor.canvas.edge_item import BACK_TURN, WireItem
from editor.layout import READABLE_SCALE, layered_positions
from engine import PROJECTS
from tests.editor_helpers import open_window
from tests.helpers import chain

DEFAULT_VIEW = (870, 511)  # the canvas of a 1400×900 window on first start


def ten_node_chain():
    return chain(*[("Dense", {"units": 4}), ("Activation", {"function": "tanh"})] * 4,
                 ("Loss", {"function": "mse"}), input_size=2)


def test_without_a_view_every_layer_is_a_column_of_one_row():
    positions = layered_positions(ten_node_chain())
    assert len({y for _, y in positions.values()}) == 1
    assert len({x for x, _ in positions.values()}) == 10


def test_a_long_chain_wraps_into_bands_read_left_to_right_then_down():
    graph = ten_node_chain()
    positions = layered_positions(graph, DEFAULT_VIEW)
    rows = sorted({y for _, y in positions.values()})
    assert len(rows) == 2
    order = ["x"] + [f"n{i}" for i in range(9)]
    reading = sorted(order, key=lambda n: (positions[n][1], positions[n][0]))
    assert reading == order
    assert [positions[n][1] for n in order] == [rows[0]] * 5 + [rows[1]] * 5


def test_a_chain_that_is_readable_in_one_row_stays_in_one_row():
    graph = chain(("Dense", {"units": 4}), ("Activation", {"function": "tanh"}), ("Dense", {"units": 1}),
                  ("Activation", {"function": "sigmoid"}), ("Loss", {"function": "binary_cross_entropy"}))
    assert len({y for _, y in layered_positions(graph, DEFAULT_VIEW).values()}) == 1


def test_a_wire_back_to_the_left_runs_between_the_bands():
    wire = WireItem()
    start, end = QPointF(900, 30), QPointF(0, 180)  # out of a band's last node, into the next band's first
    wire.set_ends(start, end)
    points = [wire._path.pointAtPercent(i / 200) for i in range(201)]
    between = [p for p in points if end.x() + BACK_TURN < p.x() < start.x() - BACK_TURN]
    assert len(between) > 100
    assert all(abs(p.y() - 105) < 1 for p in between)  # across the gap between the bands, not through the nodes
    assert all(start.y() - 1 <= p.y() <= end.y() + 1 for p in points)
    assert (points[0], points[-1]) == (start, end)


def test_arrange_in_the_editor_shows_a_long_chain_readably(qtbot, tmp_path, answers):
    window = open_window(qtbot, tmp_path)
    window.open_example(PROJECTS / "06-spiral.ncproj")
    window.document.move({n: (p, (230.0 * i, 0.0)) for i, (n, p) in
                          enumerate((n, node.position) for n, node in window.document.graph.nodes.items())})
    window.fit_action.trigger()
    assert window.view.transform().m11() < READABLE_SCALE  # one row of ten is too small to read
    window.arrange_action.trigger()
    assert window.view.transform().m11() >= READABLE_SCALE
    window.document.undo_stack.undo()  # one undo step puts the row back
    assert len({node.position[1] for node in window.document.graph.nodes.values()}) == 1
    window.close()
