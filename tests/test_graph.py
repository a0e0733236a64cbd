"""The Qt-free graph model: edits, events, refusals and the project-format round trip."""
import pytest

from engine.errors import GraphError
from engine.graph import Edge, Graph
from tests.helpers import chain


def test_edits_emit_events_in_order():
    graph = Graph()
    seen = []
    for name in ("node_added", "node_removed", "edge_added", "edge_removed", "param_changed", "node_moved", "node_renamed"):
        getattr(graph.events, name).sub(lambda *args, name=name: seen.append(name))
    graph.add_node("Input", {"size": 2}, node_id="x")
    graph.add_node("Dense", node_id="h")
    edge = graph.connect("x", "h")
    graph.set_param("h", "units", 8)
    graph.move("h", (10, 20))
    graph.rename("h", "hidden")
    graph.disconnect(Edge("x", "hidden"))
    graph.remove_node("x")
    assert seen == ["node_added", "node_added", "edge_added", "param_changed", "node_moved", "node_renamed",
                    "edge_removed", "node_removed"]
    assert edge == Edge("x", "h")


def test_remove_and_restore_is_exact():
    graph = chain(("Dense", {"units": 4}), ("Activation", {"function": "relu"}), ("Loss", {}))
    before = graph.to_dict()
    undo = graph.remove_node("n1")
    assert "n1" not in graph.nodes and all("n1" not in (e.src, e.dst) for e in graph.edges)
    graph.restore_node(*undo)
    assert graph.to_dict() == before


def test_rename_rewires_and_refuses_bad_ids():
    graph = chain(("Dense", {"units": 4}), ("Loss", {}))
    graph.rename("n0", "hidden")
    assert [e.src for e in graph.edges] == ["x", "hidden"]
    with pytest.raises(GraphError, match="not a valid node id"):
        graph.rename("hidden", "has space")
    with pytest.raises(GraphError, match="already a node"):
        graph.rename("hidden", "x")


@pytest.mark.parametrize("src,dst,port,reason", [
    ("n0", "x", "in", "is an input and takes no wire"),
    ("n1", "n0", "in", "is a loss and has no output"),
    ("x", "n0", "in", "already wired from 'x'"),
    ("n0", "n0", "in", "cannot feed itself"),
    ("x", "n0", "in2", "has no port 'in2'"),
    ("x", "nope", "in", "there is no node 'nope'"),
])
def test_connection_refusals_say_why(src, dst, port, reason):
    graph = chain(("Dense", {"units": 4}), ("Loss", {}))
    assert reason in graph.connection_problem(src, dst, port)
    with pytest.raises(GraphError, match=reason.replace("(", r"\(")):
        graph.connect(src, dst, port)


def test_cycle_refused_with_the_path():
    graph = chain(("Dense", {"units": 4}), ("Dense", {"units": 4}), ("Add", {}))
    assert graph.connection_problem("n2", "n2", "in2") == "'n2' cannot feed itself"
    assert graph.connection_problem("n2", "n0") == "n0:in is already wired from 'x'; disconnect it first"
    graph.disconnect(Edge("x", "n0"))
    assert graph.connection_problem("n2", "n0") == "that wire would make a cycle: n0 → n1 → n2 → n0"
    with pytest.raises(GraphError, match="cycle"):
        graph.connect("n2", "n0")
    graph.connect("n2", "n0", strict=False)  # a file may hold one; validation reports it


def test_param_checks_and_orphaned_ports():
    graph = chain(("Concat", {"inputs": 3}))
    graph.connect("x", "n0", "in3")
    with pytest.raises(GraphError, match="n0.inputs: must be at least 2, got -4"):
        graph.set_param("n0", "inputs", -4)
    with pytest.raises(GraphError, match="port in3 is wired from 'x'"):
        graph.set_param("n0", "inputs", 2)
    with pytest.raises(GraphError, match="no parameter 'units'"):
        graph.set_param("n0", "units", 2)
    assert graph.set_param("n0", "inputs", 4) == 3


def test_unknown_type_names_the_node():
    with pytest.raises(GraphError, match=r"graph.nodes\[1\].type: node 'h' has unknown type 'Dnse'"):
        Graph.from_dict({"nodes": [{"id": "x", "type": "Input"}, {"id": "h", "type": "Dnse"}], "edges": []})


def test_round_trip_with_named_ports():
    data = {
        "nodes": [
            {"id": "x", "type": "Input", "position": [0.0, 0.0], "params": {"size": 2}},
            {"id": "cat", "type": "Concat", "position": [100.0, 5.5], "params": {"inputs": 2}},
        ],
        "edges": [{"from": "x", "to": "cat:in2"}, {"from": "x", "to": "cat:in1"}],
    }
    assert Graph.from_dict(data).to_dict() == data


@pytest.mark.parametrize("data,message", [
    ({"nodes": [{"id": "x", "type": "Input", "params": {"size": -4}}], "edges": []},
     r"graph.nodes\[0\].params.size: must be a positive integer, got -4"),
    ({"nodes": [{"id": "x", "type": "Input", "position": [1]}], "edges": []}, r"graph.nodes\[0\].position"),
    ({"nodes": [{"id": "a", "type": "Add"}, {"id": "x", "type": "Input"}], "edges": [{"from": "x", "to": "a"}]},
     r"graph.edges\[0\].to: 'a' has ports in1, in2; name one"),
    ({"nodes": [], "edges": [{"from": "x", "to": "y"}]}, r"graph.edges\[0\].from: there is no node 'x'"),
    ({"nodes": [{"id": "x", "type": "Input", "colour": 1}], "edges": []}, r"graph.nodes\[0\].colour: unknown key"),
    ({"nodes": [{"id": "x", "type": "Input"}, {"id": "x", "type": "Input"}]}, r"graph.nodes\[1\].id: 'x' is used"),
])
def test_bad_graph_dicts_name_the_key(data, message):
    with pytest.raises(GraphError, match=message):
        Graph.from_dict(data)
