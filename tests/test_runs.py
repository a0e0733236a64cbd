"""Runs: the rule for what starts a run, runs followed through training, rewind, the timeline's
budget, and ``state.runs`` in the project file."""
import copy
import json

import numpy as np
import pytest

from engine import PROJECTS
from engine.datasets import generate
from engine.errors import ProjectError, TrainingError
from engine.frames import Timeline, frame_bytes
from engine.project import load_project, project_from_dict, project_to_dict, save_project
from engine.runner import Reporter, TrainingProcess
from engine.runs import Runs, Setup, classify
from engine.trainer import Trainer
from engine.training_state import Snapshot
from tests.helpers import chain

XOR_SPEC = {"source": "generated", "name": "xor", "samples": 200, "noise": 0.1, "seed": 1}
CIRCLES_SPEC = {"source": "generated", "name": "circles", "samples": 200, "noise": 0.1, "seed": 1}


def graph(hidden=6, dropout=0.0, loss="binary_cross_entropy"):
    nodes = [("Dense", {"units": hidden}), ("Activation", {"function": "tanh"})]
    if dropout:
        nodes.append(("Dropout", {"rate": dropout}))
    nodes += [("Dense", {"units": 1}), ("Activation", {"function": "sigmoid"}), ("Loss", {"function": loss})]
    return chain(*nodes, input_size=2)


def data(spec):
    return generate(spec["name"], spec["samples"], spec["noise"], spec["seed"])


def training(**overrides):
    return {"optimizer": {"name": "adam", "learning_rate": 0.03}, "batch_size": 16, "epochs": 8, **overrides}


def setup(trainer, spec, g):
    return Setup.of(trainer, spec, g)


def train(run, trainer, mode="run", more=None):
    """A run performed as in the editor's child process, its reports taken by the run."""
    reports = []
    result = Reporter(trainer, reports.append).perform(mode, more)
    for report in reports:
        run.take(report)
    run.follow(trainer)
    return result, reports


@pytest.fixture
def started():
    g, ds = graph(dropout=0.2), data(XOR_SPEC)
    trainer = Trainer(g, ds, training())
    runs = Runs()
    runs.open(trainer, setup(trainer, XOR_SPEC, g))
    return runs, trainer, g, ds


# ---- the rule ----------------------------------------------------------------------------------------
def _setups(before_training=None, after_training=None, before_graph=None, after_graph=None, spec=XOR_SPEC):
    g1, g2 = before_graph or graph(), after_graph or graph()
    ds = data(XOR_SPEC)
    t1 = Trainer(g1, ds, training(**(before_training or {})))
    t2 = Trainer(g2, data(spec), training(**(after_training or {})), t1.model.copy_parameters(), strict=False)
    return setup(t1, XOR_SPEC, g1), setup(t2, spec, g2), t2.initialized


@pytest.mark.parametrize("after,text", [
    ({"optimizer": {"name": "adam", "learning_rate": 0.3}}, "lr 0.03 → 0.3"),
    ({"optimizer": {"name": "sgd", "learning_rate": 0.03}}, "adam → sgd"),
    ({"l2": 0.001}, "L2 0 → 0.001"),
    ({"batch_size": 32}, "batch 16 → 32"),
    ({"pace": {"epochs_per_second": 5}}, "pace as fast as possible → 5 epochs/s"),
    ({"dtype": "float64"}, "precision float32 → float64"),
    ({"patience": 5}, "patience 0 → 5"),
])
def test_changes_a_run_survives_are_events(after, text):
    before, now, initialized = _setups(after_training=after)
    change = classify(before, now, initialized)
    assert not change.new_run and change.text == text


@pytest.mark.parametrize("after,reason", [({"seed": 3}, "seed 3"), ({"validation_split": 0.3}, "validation 0.3")])
def test_another_seed_or_split_starts_a_new_run(after, reason):
    before, now, initialized = _setups(after_training=after)
    change = classify(before, now, initialized)
    assert change.new_run and change.reasons == [reason]


def test_another_dataset_starts_a_new_run():
    before, now, initialized = _setups(spec=CIRCLES_SPEC)
    change = classify(before, now, initialized)
    assert change.new_run and change.reasons == ["data circles"]


def test_a_graph_edit_starts_a_new_run_when_it_initializes_parameters_or_changes_the_loss():
    before, now, initialized = _setups(after_graph=graph(hidden=5))
    change = classify(before, now, initialized)
    assert initialized and change.new_run and change.reasons == ["n0 units 5"]
    before, now, initialized = _setups(after_graph=graph(loss="mse"))
    assert classify(before, now, initialized).reasons == ["n4 function mse"]
    activation = graph()
    activation.set_param("n1", "function", "relu")
    before, now, initialized = _setups(after_graph=activation)
    change = classify(before, now, initialized)
    assert not initialized and not change.new_run and change.text == "n1 function tanh → relu"


def test_a_new_total_of_epochs_is_neither():
    before, now, initialized = _setups(after_training={"epochs": 300})
    assert classify(before, now, initialized).differences == []


# ---- runs followed through training ----------------------------------------------------------------------------
def test_a_run_follows_training_with_a_frame_per_epoch(started):
    runs, trainer, g, ds = started
    run = runs.current
    assert run.name == "Run 1" and not run.trained and len(run.timeline) == 1  # the untrained start
    train(run, trainer)
    assert run.trained and run.epoch == 8 and run.history == trainer.history
    assert run.timeline.positions == [float(e) for e in range(9)]
    frame = run.timeline.at(3.5)
    assert frame.epoch == 3 and frame.state is not None and frame.gradient_norms
    assert set(frame.weights) == {"n0.weight", "n3.weight"} and list(frame.weights["n0.weight"]) == sorted(frame.weights["n0.weight"])
    assert run.last_metrics()["loss"] == trainer.history["loss"][-1]
    best_loss, epoch = run.best_metrics()["loss"]
    assert best_loss == min(trainer.history["loss"]) and trainer.history["loss"][epoch - 1] == best_loss


def test_a_learning_rate_change_is_an_event_where_it_took_effect(started):
    runs, trainer, g, ds = started
    train(runs.current, trainer, "epoch")
    trainer.set_optimizer({"name": "adam", "learning_rate": 0.3})
    change = runs.update(trainer, setup(trainer, XOR_SPEC, g))
    assert not change.new_run and len(runs) == 1
    (event,) = runs.current.events
    assert event.epoch == 1.0 and event.text == "lr 0.03 → 0.3"
    assert event.changes["optimizer"][1]["learning_rate"] == 0.3
    assert runs.current.now.settings["optimizer"]["learning_rate"] == 0.3


def test_switching_the_dataset_starts_a_new_run_that_starts_at_its_own_epoch_0(started):
    runs, trainer, g, ds = started
    train(runs.current, trainer)
    circles = Trainer(g, data(CIRCLES_SPEC), trainer.settings, trainer.model.copy_parameters(), trainer.history,
                      trainer.epoch, strict=False)  # as the editor rebuilds it: everything that fits is kept
    change = runs.update(circles, setup(circles, CIRCLES_SPEC, g))
    run = runs.current
    assert change.new_run and run.id == 2 and run.name == "Run 2 — data circles"
    assert run.parent == 1 and run.branch_epoch == 8.0 and run.reasons == ["data circles"]
    assert circles.epoch == 0 and circles.history == {} and run.history == {}
    assert_same(circles.model.parameters, trainer.model.parameters)  # it starts from the parameters it had
    train(run, circles, "epoch")
    assert len(run.history["loss"]) == 1 and len(runs.get(1).history["loss"]) == 8


def test_a_change_before_any_training_becomes_part_of_the_run(started):
    runs, trainer, g, ds = started
    trainer.set_optimizer({"name": "adam", "learning_rate": 0.1})
    runs.update(trainer, setup(trainer, XOR_SPEC, g))
    wider = graph(hidden=9, dropout=0.2)
    rebuilt = Trainer(wider, ds, trainer.settings, trainer.model.copy_parameters(), strict=False)
    runs.update(rebuilt, setup(rebuilt, XOR_SPEC, wider))
    assert len(runs) == 1 and runs.current.events == []
    assert runs.current.settings["optimizer"]["learning_rate"] == 0.1 and runs.current.layout["n0.weight"] == [2, 9]


def test_reset_starts_a_run_from_fresh_parameters(started):
    runs, trainer, g, ds = started
    train(runs.current, trainer)
    fresh = Trainer(g, ds, trainer.settings)
    run = runs.reset(fresh, setup(fresh, XOR_SPEC, g))
    assert run.name == "Run 2 — reset" and run.branch_epoch is None and run.parent == 1


def test_names_say_what_differs_from_the_parent(started):
    runs, trainer, g, ds = started
    train(runs.current, trainer)
    fresh = Trainer(g, ds, training(optimizer={"name": "adam", "learning_rate": 0.3}, batch_size=32, seed=4))
    runs.update(fresh, setup(fresh, XOR_SPEC, g))
    assert runs.current.name == "Run 2 — lr 0.3, batch 32, seed 4"
    runs.rename(2, "wide steps")
    fresh.set_optimizer({"name": "adam", "learning_rate": 0.2})
    runs.update(fresh, setup(fresh, XOR_SPEC, g))  # absorbed (nothing trained yet): the given name stays
    assert runs.current.name == "wide steps" and runs.current.named


# ---- rewind and going back -------------------------------------------------------------------------------------
def assert_same(a, b):
    assert a.keys() == b.keys() and all(a[k].tobytes() == b[k].tobytes() for k in a)


def test_rewind_branches_a_new_run_that_trains_on_exactly_as_the_old_one(started):
    runs, trainer, g, ds = started
    original = runs.current
    train(original, trainer)
    parameters_at_3 = original.timeline.at(3).parameters
    rewound, branch = runs.rewind(1, 3, g, ds)
    assert runs.current is branch and branch.parent == 1 and branch.branch_epoch == 3.0
    assert branch.name == "Run 2 — from Run 1 at epoch 3" and not branch.trained
    assert rewound.epoch == 3 and branch.history == {k: v[:3] for k, v in original.history.items()}
    assert_same(rewound.model.parameters, parameters_at_3)
    train(branch, rewound)
    assert branch.history == original.history  # dropout and Adam: bit for bit
    assert_same(rewound.model.parameters, trainer.model.parameters)
    assert len(original.timeline) == 9  # the old run is kept


def test_reopen_makes_an_earlier_run_current_as_it_was_left(started):
    runs, trainer, g, ds = started
    train(runs.current, trainer)
    left = trainer.model.copy_parameters()
    fresh = Trainer(g, ds, trainer.settings)
    runs.reset(fresh, setup(fresh, XOR_SPEC, g))
    back = runs.reopen(1, g, ds)
    assert runs.current_id == 1 and back.epoch == 8 and back.history == trainer.history
    assert_same(back.model.parameters, left)


def test_rewind_refuses_other_data(started):
    runs, trainer, g, ds = started
    train(runs.current, trainer, "epoch")
    with pytest.raises(TrainingError, match="the data is not Run 1's"):
        runs.rewind(1, 0, g, data(CIRCLES_SPEC))


# ---- the timeline's budget ---------------------------------------------------------------------------------------
def frame_at(epoch, size=1000):
    return Snapshot(epoch, 0, 1, 0.0, parameters={"w": np.zeros(size // 4, np.float32)})


def test_beyond_its_budget_the_timeline_keeps_every_kth_and_the_first_and_last():
    one = frame_bytes(frame_at(0))
    timeline = Timeline(budget=20 * one)
    for epoch in range(101):
        timeline.add(frame_at(epoch))
        assert timeline.bytes <= 20 * one + one
    positions = timeline.positions
    assert positions[0] == 0 and positions[-1] == 100
    steps = set(np.diff(positions[:-1]))
    assert steps == {float(timeline.stride)} and timeline.stride == 8
    assert timeline.at(50.5).position == 48


def test_earlier_runs_keep_less(started):
    runs, trainer, g, ds = started
    train(runs.current, trainer)
    fresh = Trainer(g, ds, trainer.settings)
    runs.reset(fresh, setup(fresh, XOR_SPEC, g))
    assert runs.get(1).timeline.budget < runs.current.timeline.budget


# ---- state.runs in the project file -----------------------------------------------------------------------------
def xor_project_with_runs(count):
    project = load_project(PROJECTS / "xor.ncproj")
    del project.training["pace"]  # as fast as possible: this is a test
    project.dataset["samples"] = 40  # one batch an epoch; the histories are as long as ever (200 epochs)
    ds = project.load_data()
    trainer = project.trainer(ds)
    runs = project.runs
    runs.open(trainer, Setup.of(trainer, project.dataset, project.graph))
    for i in range(count - 1):
        trainer.run()
        runs.current.follow(trainer)
        runs.set_keep(runs.current_id, True)
        fresh = Trainer(project.graph, ds, {**project.training, "seed": i + 1})
        runs.update(fresh, Setup.of(fresh, project.dataset, project.graph))
        trainer = fresh
    train(runs.current, trainer, "epoch")
    trainer.set_optimizer({**trainer.settings["optimizer"], "learning_rate": 0.1})
    runs.update(trainer, Setup.of(trainer, project.dataset, project.graph))
    train(runs.current, trainer, "epoch")
    project.absorb(trainer)
    project.training = trainer.settings
    return project


def test_save_and_reopen_keeps_the_runs(tmp_path):
    project = xor_project_with_runs(3)
    runs = project.runs
    assert [(e.epoch, e.text) for e in runs.current.events] == [(1.0, "lr 0.03 → 0.1")]
    save_project(project, tmp_path / "runs.ncproj")
    again = load_project(tmp_path / "runs.ncproj")
    assert json.loads((tmp_path / "runs.ncproj").read_text())["version"] == 2
    assert [r.name for r in again.runs] == ["Run 1", "Run 2 — seed 1", "Run 3 — seed 2"]
    assert again.runs.current_id == 3 and again.history == project.history
    for before, after in zip(runs, again.runs):
        assert (after.parent, after.branch_epoch, after.history, after.settings, after.layout, after.epoch) == \
               (before.parent, before.branch_epoch, before.history, before.settings, before.layout, before.epoch)
        assert [(e.epoch, e.text) for e in after.events] == [(e.epoch, e.text) for e in before.events]
    assert_same(again.runs.get(1).parameters, runs.get(1).parameters)  # kept
    assert again.runs.get(3).kept_parameters is None  # the current run's are state.parameters
    assert project_to_dict(again) == project_to_dict(project)


def test_a_ten_run_xor_project_stays_under_a_megabyte(tmp_path):
    project = xor_project_with_runs(10)
    for run in project.runs:
        if run.id != project.runs.current_id:
            assert run.keep and len(run.history["loss"]) == 200
    save_project(project, tmp_path / "ten.ncproj")
    assert (tmp_path / "ten.ncproj").stat().st_size < 2**20


def test_a_file_without_runs_opens_and_its_history_becomes_the_first_run():
    project = load_project(PROJECTS / "xor.ncproj")
    trainer = project.trainer()
    trainer.run(5)
    project.absorb(trainer)
    reopened = project_from_dict(json.loads(json.dumps({**project_to_dict(project), "version": 1})))
    assert len(reopened.runs) == 0
    trainer = reopened.trainer()
    run = reopened.runs.open(trainer, Setup.of(trainer, reopened.dataset, reopened.graph))
    assert run.history == project.history and run.trained


def test_kept_parameters_are_bounded(started, monkeypatch):
    runs, trainer, g, ds = started
    train(runs.current, trainer, "epoch")
    size = sum(p.nbytes for p in trainer.model.parameters.values())
    monkeypatch.setattr("engine.runs.MAX_KEPT_BYTES", size + 10)
    runs.set_keep(1, True)
    fresh = Trainer(g, ds, trainer.settings)
    runs.reset(fresh, setup(fresh, XOR_SPEC, g))
    train(runs.current, fresh, "epoch")
    with pytest.raises(TrainingError, match="keeping Run 2's parameters .* would pass the"):
        runs.set_keep(2, True)
    runs.set_keep(1, False)
    runs.set_keep(2, True)


@pytest.fixture(scope="module")
def three_runs():
    return project_to_dict(xor_project_with_runs(3))


@pytest.mark.parametrize("edit,message", [
    (lambda r: r[1]["history"].update(loss=[0.5, "x"]), "state.runs[1].history.loss: must be a list of finite numbers"),
    (lambda r: r[0]["settings"].update(batch_size=0), "state.runs[0].settings.batch_size: must be a positive integer"),
    (lambda r: r[0]["layout"].update({"h.weight": [2, -4]}), "state.runs[0].layout.h.weight: must be a shape"),
    (lambda r: r[1].update(id=1), "state.runs[1].id: 1 is the id of another run"),
    (lambda r: r[0].update(current=True), "state.runs[2].current: only one run can be current"),
    (lambda r: r[2].update(colour="red"), "state.runs[2].colour: unknown key"),
    (lambda r: r[0]["graph"]["nodes"][1]["params"].update(units=-1), "state.runs[0].graph.nodes[1].params.units"),
    (lambda r: r[0]["events"].append({"epoch": -1, "text": "x"}), "state.runs[0].events[0].epoch: must be a number ≥ 0"),
])
def test_wrong_runs_are_refused_naming_the_key(three_runs, edit, message):
    data = copy.deepcopy(three_runs)
    edit(data["state"]["runs"])
    with pytest.raises(ProjectError, match=message.replace("[", r"\[").replace("]", r"\]")):
        project_from_dict(copy.deepcopy(data))


def test_a_file_whose_state_is_not_its_current_run_gets_a_new_run(tmp_path):
    project = xor_project_with_runs(2)
    project.dataset = dict(project.dataset, noise=0.3)  # another tool changed the data, not the runs
    trainer = project.trainer()
    run = project.runs.open(trainer, Setup.of(trainer, project.dataset, project.graph))
    assert run.id == 3 and run.parent == 2 and run.reasons == ["noise 0.3"] and run.history == trainer.history


def test_a_run_follows_the_training_process_and_rewinds_from_its_frames():
    """The editor's way: reports come from the child process; the frames carry what a rewind needs."""
    g, ds = graph(dropout=0.2), data(XOR_SPEC)
    trainer = Trainer(g, ds, training(epochs=6))
    runs = Runs()
    run = runs.open(trainer, setup(trainer, XOR_SPEC, g))
    process = TrainingProcess()
    try:
        result = process.perform(trainer, "run", run.take)
    finally:
        process.close()
    trained = result.trainer
    run.follow(trained)
    assert run.timeline.positions == [float(e) for e in range(7)] and run.history == trained.history
    rewound, _ = runs.rewind(run.id, 2, g, ds)
    rewound.run(4)
    assert rewound.history == trained.history
    assert_same(rewound.model.parameters, trained.model.parameters)
