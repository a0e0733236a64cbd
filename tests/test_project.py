"""Project files: the contract's keys, exact round trips, atomic saves and errors that name the key."""
import base64
import json
import os

import numpy as np
import pytest

from engine import PROJECTS
from engine.errors import ProjectError
from engine.project import load_project, project_from_dict, project_to_dict, save_project

EXAMPLES = sorted(PROJECTS.glob("*.ncproj"))


def test_there_are_examples():
    assert any(p.name == "xor.ncproj" for p in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_round_trips_exactly(path, tmp_path):
    first = load_project(path)
    save_project(first, tmp_path / "again.ncproj")
    second = load_project(tmp_path / "again.ncproj")
    assert project_to_dict(second) == project_to_dict(first)
    assert (tmp_path / "again.ncproj").read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_trained_state_round_trips_bit_for_bit(tmp_path):
    project = load_project(PROJECTS / "xor.ncproj")
    trainer = project.trainer()
    trainer.run(3)
    project.absorb(trainer)
    save_project(project, tmp_path / "trained.ncproj")
    reopened = load_project(tmp_path / "trained.ncproj")
    assert reopened.epoch == 3 and reopened.history == project.history
    for name, value in project.parameters.items():
        assert reopened.parameters[name].tobytes() == value.tobytes()
    # continues from exactly those values
    np.testing.assert_array_equal(reopened.trainer().model.parameters["h.weight"], project.parameters["h.weight"])


def test_same_project_same_seed_same_numbers():
    runs = []
    for _ in range(2):
        trainer = load_project(PROJECTS / "xor.ncproj").trainer()
        trainer.run(4)
        runs.append(trainer.model.parameters["out.weight"].tobytes())
    assert runs[0] == runs[1]


def test_parameters_are_little_endian_base64(tmp_path):
    project = load_project(PROJECTS / "xor.ncproj")
    project.parameters = {"h.weight": np.arange(8, dtype=np.float32).reshape(2, 4)}
    data = project_to_dict(project)["state"]["parameters"]["h.weight"]
    assert data["dtype"] == "float32" and data["shape"] == [2, 4]
    assert base64.b64decode(data["data"]) == np.arange(8, dtype="<f4").tobytes()


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, monkeypatch):
    project = load_project(PROJECTS / "xor.ncproj")
    target = tmp_path / "p.ncproj"
    save_project(project, target)
    before = target.read_bytes()

    def crash(*_):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    project.name = "Changed"
    with pytest.raises(OSError):
        save_project(project, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.ncproj"]


def minimal(**changes):
    data = json.loads((PROJECTS / "xor.ncproj").read_text(encoding="utf-8"))
    data.update(changes)
    return data


@pytest.mark.parametrize("change,message", [
    ({"format": "other"}, "format: not a NeuroCanvas project"),
    ({"version": 3}, "version: the file is format version 3, written by a newer NeuroCanvas"),
    ({"version": "1"}, "version: must be a positive integer"),
    ({"colour": "red"}, "colour: unknown key"),
    ({"graph": None}, "graph: must be an object"),
    ({"training": {"batch_size": -1}}, "training.batch_size: must be a positive integer, got -1"),
    ({"state": {"epoch": -1}}, r"state.epoch: must be a whole number"),
    ({"state": {"parameters": {"h.weight": {"dtype": "float32", "shape": [2, 4], "data": "!!"}}}},
     "state.parameters.h.weight.data: not valid base64"),
    ({"state": {"parameters": {"h.weight": {"dtype": "float32", "shape": [2, 5], "data": "AAAA"}}}},
     r"state.parameters.h.weight.data: holds 3 bytes, shape \[2, 5\] of float32 needs 40"),
    ({"state": {"history": {"loss": [1, "x"]}}}, "state.history.loss: must be a list of finite numbers"),
    ({"goal": {"metric": "val_accuracy", "at_least": "high"}}, "goal.at_least: must be a number"),
])
def test_bad_keys_are_named(change, message):
    with pytest.raises(ProjectError, match=message):
        project_from_dict(minimal(**change))


def test_bad_node_param_names_the_path(tmp_path):
    data = minimal()
    data["graph"]["nodes"][3]["params"]["units"] = -4
    path = tmp_path / "bad.ncproj"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert str(error.value) == "bad.ncproj: graph.nodes[3].params.units: must be a positive integer, got -4"


@pytest.mark.parametrize("content,message", [
    (b"{not json", "not valid JSON at line 1, column 2"),
    (b"\xff\xfe", "not UTF-8 text"),
    (b"[]", "format: not a NeuroCanvas project"),
])
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "broken.ncproj"
    path.write_bytes(content)
    with pytest.raises(ProjectError, match=message):
        load_project(path)


def test_missing_file():
    with pytest.raises(ProjectError, match="no such file"):
        load_project("/nonexistent/x.ncproj")


def test_csv_dataset_path_is_relative_to_the_project(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "points.csv").write_text("a,b,label\n0,0,no\n1,1,yes\n0,1,no\n1,0,yes\n", encoding="utf-8")
    data = minimal(dataset={"source": "csv", "path": "data/points.csv", "target": "label"})
    (tmp_path / "p.ncproj").write_text(json.dumps(data), encoding="utf-8")
    dataset = load_project(tmp_path / "p.ncproj").load_data()
    assert dataset.n_samples == 4 and dataset.class_names == ["no", "yes"]


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    data = minimal(training={"batch_size": 0})
    data["graph"]["nodes"][1]["params"]["units"] = -4
    data["graph"]["nodes"][2]["type"] = "Activaton"
    data["graph"]["edges"].append({"from": "x", "to": "nowhere"})
    path = tmp_path / "many.ncproj"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert error.value.messages == [
        "many.ncproj: graph.nodes[1].params.units: must be a positive integer, got -4",
        "many.ncproj: graph.nodes[2].type: node 'act' has unknown type 'Activaton' (known: Input, Dense, Dropout, "
        "Maxout, Activation, Conv2D, MaxPool2D, AvgPool2D, BatchNorm, LayerNorm, Flatten, Reshape, Add, Concat, Loss)",
        "many.ncproj: graph.edges[5].to: there is no node 'nowhere'",
        "many.ncproj: training.batch_size: must be a positive integer, got 0",
    ]
    assert str(error.value).endswith("(and 3 more problems)")
