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
    with pytest.raises(ProjectError, match="file not found"):
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


# ---- whatever loads also saves; everything else is refused at load, in one line naming the key --------
def _deep(levels: int) -> list:
    value: list = []
    for _ in range(levels - 1):
        value = [value]
    return value


def _nodes(data, index, **changes):
    data["graph"]["nodes"][index].update(changes)
    return data


@pytest.mark.parametrize("mutate,message", [
    (lambda d: _nodes(d, 0, position=[float("inf"), 0]), "graph.nodes[0].position[0]: Infinity is not a finite number"),
    (lambda d: _nodes(d, 0, position=[0, float("nan")]), "graph.nodes[0].position[1]: NaN is not a finite number"),
    (lambda d: {**d, "training": {"optimizer": {"name": "sgd", "learning_rate": float("nan")}}},
     "training.optimizer.learning_rate: NaN is not a finite number"),
    (lambda d: _nodes(d, 0, position=[10**400, 0]), "graph.nodes[0].position[0]: an integer of about 401 digits is out of range"),
    (lambda d: _nodes(d, 0, position=[2e6, 0]), "graph.nodes[0].position: must be [x, y] numbers within ±1,000,000"),
    (lambda d: {**d, "training": {"validation_split": 10**400}}, "training.validation_split: an integer of about 401 digits"),
    (lambda d: _nodes(d, 5, params={"function": "mse", "weight": 10**400}), "graph.nodes[5].params.weight: an integer"),
    (lambda d: {**d, "dataset": {"source": "inline", "x": [[0], [1]], "y": [0, 2**63]}},
     "dataset.y[1]: 9223372036854775808 is out of range (a project file's integers lie within ±2^53)"),
    (lambda d: {**d, "name": "\ud800"}, "name: holds a lone surrogate (U+D800)"),
    (lambda d: {**d, "state": {"history": {"lo\udc00ss": [1.0]}}}, "state.history.'lo\\udc00ss': holds a lone surrogate"),
    (lambda d: {**d, "dataset": {"source": "inline", "x": _deep(500), "y": [0]}}, "nested more than 32 levels deep"),
    (lambda d: _nodes(d, 0, type={"name": "Input"}), "graph.nodes[0].type: node 'x' has unknown type {'name': 'Input'}"),
    (lambda d: {**d, "state": {"parameters": {"h.weight": {"dtype": "float32", "shape": [2**63, 0], "data": ""}}}},
     "state.parameters.h.weight.shape[0]: 9223372036854775808 is out of range"),
    (lambda d: {**d, "state": {"parameters": {"h.weight": {"dtype": "float32", "shape": [2] * 100_000, "data": ""}}}},
     "state.parameters.h.weight.shape: has 100000 dimensions, at most 32 are allowed"),
])
def test_what_cannot_be_saved_is_refused_at_load_naming_the_key(tmp_path, mutate, message):
    path = tmp_path / "odd.ncproj"
    path.write_text(json.dumps(mutate(minimal()), allow_nan=True), encoding="utf-8", errors="surrogatepass")
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert str(error.value).startswith("odd.ncproj: ") and message in str(error.value)
    assert "\n" not in str(error.value) and len(str(error.value)) < 300


@pytest.mark.parametrize("text,message", [
    ('{"format": "neurocanvas-project", "version": 1, "graph": ' + "[" * 1000 + "]" * 1000 + "}",
     "nested too deeply"),
    ('{"format": "neurocanvas-project", "version": 1, "epoch": ' + "9" * 5000 + "}", "holds a number too long to read"),
])
def test_json_the_parser_cannot_take_is_one_line(tmp_path, text, message):
    path = tmp_path / "odd.ncproj"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProjectError, match=message):
        load_project(path)


def test_a_pipe_or_a_device_is_refused_without_reading(tmp_path):
    fifo = tmp_path / "fifo.ncproj"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer for ever
    with pytest.raises(ProjectError, match="fifo.ncproj: is a pipe \\(FIFO\\); NeuroCanvas reads projects from regular files only"):
        load_project(fifo)
    with pytest.raises(ProjectError, match="/dev/zero: is a device; NeuroCanvas reads projects from regular files only"):
        load_project("/dev/zero")


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "huge.ncproj"
    with open(path, "wb") as f:
        f.truncate(257 * 2**20)  # sparse: no disk is used
    with pytest.raises(ProjectError, match="257 MB; NeuroCanvas reads project files of up to 256 MB"):
        load_project(path)


@pytest.mark.parametrize("spoil,message", [
    (lambda p: setattr(p, "history", {"loss": [0.5, float("nan")]}), r"state.history.loss\[1\]: NaN is not a finite"),
    (lambda p: setattr(p, "name", "x\udfff"), "name: holds a lone surrogate"),
    (lambda p: p.dataset.update(noise=np.float32(0.5)), "dataset.noise: a float32 cannot be written"),
])
def test_a_save_that_cannot_be_written_names_the_key_and_leaves_the_file(tmp_path, spoil, message):
    target = tmp_path / "p.ncproj"
    project = load_project(PROJECTS / "xor.ncproj")
    save_project(project, target)
    before = target.read_bytes()
    spoil(project)
    with pytest.raises(ProjectError, match=message):
        save_project(project, target)
    assert target.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["p.ncproj"]


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600])
def test_saving_over_a_file_keeps_its_permissions(tmp_path, mode):
    target = tmp_path / "p.ncproj"
    project = load_project(PROJECTS / "xor.ncproj")
    save_project(project, target)
    os.chmod(target, mode)
    save_project(project, target)
    assert os.stat(target).st_mode & 0o777 == mode


def test_a_new_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        save_project(load_project(PROJECTS / "xor.ncproj"), tmp_path / "new.ncproj")
    finally:
        os.umask(umask)
    assert os.stat(tmp_path / "new.ncproj").st_mode & 0o777 == 0o644


def test_saving_removes_only_this_projects_stale_temporary_files(tmp_path):
    stale = tmp_path / ".p.ncproj.k3x9_a0b.tmp"  # what an interrupted save left two hours ago
    fresh = tmp_path / ".p.ncproj.0a1b2c3d.tmp"  # a save under way in another process
    other = tmp_path / ".q.ncproj.k3x9_a0b.tmp"  # another project's
    unrelated = tmp_path / ".p.ncproj.notes.tmp"
    for path in (stale, fresh, other, unrelated):
        path.write_text("{")
    for path in (stale, other, unrelated):
        os.utime(path, (os.stat(path).st_atime, os.stat(path).st_mtime - 7200))
    save_project(load_project(PROJECTS / "xor.ncproj"), tmp_path / "p.ncproj")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["p.ncproj", fresh.name, other.name, unrelated.name])
