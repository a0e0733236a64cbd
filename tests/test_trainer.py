"""The shared training loop: determinism, batching, metrics, stopping and divergence."""
import pickle
import re

import numpy as np
import pytest

from engine.datasets import generate, load_dataset
from engine.errors import ParamError, TrainingError
from engine.trainer import Trainer
from engine.training_settings import parse_training
from tests.helpers import chain


def xor_graph(hidden: int = 8):
    return chain(("Dense", {"units": hidden}), ("Activation", {"function": "tanh"}), ("Dense", {"units": 1}),
                 ("Activation", {"function": "sigmoid"}), ("Loss", {"function": "binary_cross_entropy"}), input_size=2)


def settings(**overrides):
    return {"optimizer": {"name": "adam", "learning_rate": 0.03}, "batch_size": 16, "epochs": 30, **overrides}


@pytest.fixture(scope="module")
def xor():
    return generate("xor", 200, 0.05, 1)


def test_learns_xor(xor):
    trainer = Trainer(xor_graph(), xor, settings(epochs=100, optimizer={"name": "adam", "learning_rate": 0.01}))
    outcome = trainer.run()
    assert outcome.reason == "completed" and trainer.epoch == 100
    assert trainer.last_metrics()["val_accuracy"] >= 0.95
    assert set(trainer.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 100 for v in trainer.history.values())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_same_seed_same_numbers_bit_for_bit(xor, dtype):
    runs = []
    for _ in range(2):
        trainer = Trainer(xor_graph(), xor, settings(epochs=5, dtype=dtype))
        trainer.run()
        runs.append(trainer.state())
    assert runs[0]["history"] == runs[1]["history"]
    for name, value in runs[0]["parameters"].items():
        assert value.dtype == np.dtype(dtype)
        assert value.tobytes() == runs[1]["parameters"][name].tobytes()


def test_different_seed_different_numbers(xor):
    a, b = Trainer(xor_graph(), xor, settings(seed=1)), Trainer(xor_graph(), xor, settings(seed=2))
    assert not np.array_equal(a.model.parameters["n0.weight"], b.model.parameters["n0.weight"])


def test_resuming_from_saved_state_equals_an_unbroken_run(xor):
    first = Trainer(xor_graph(), xor, settings(optimizer={"name": "sgd", "learning_rate": 0.1}))
    unbroken_sgd = Trainer(xor_graph(), xor, settings(optimizer={"name": "sgd", "learning_rate": 0.1}))
    unbroken_sgd.run(6)
    first.run(3)
    state = first.state()
    resumed = Trainer(xor_graph(), xor, settings(optimizer={"name": "sgd", "learning_rate": 0.1}),
                      state["parameters"], state["history"], state["epoch"])
    resumed.run(3)
    # plain SGD keeps no state, so resuming from the parameters gives the very same numbers
    for name, value in unbroken_sgd.model.parameters.items():
        np.testing.assert_array_equal(value, resumed.model.parameters[name])
    assert resumed.history == unbroken_sgd.history


@pytest.mark.parametrize("batch_size,batches", [(1, 160), (16, 10), (50, 4), (10_000, 1)])
def test_batch_size_from_stochastic_to_full_batch(xor, batch_size, batches):
    trainer = Trainer(xor_graph(), xor, settings(batch_size=batch_size))
    assert trainer.batches_per_epoch == batches
    for _ in range(batches - 1):
        snapshot = trainer.step_batch()
        assert snapshot.epoch == 0
    assert trainer.step_batch().epoch == 1 and trainer.epoch == 1


def test_validation_split_is_seeded_and_disjoint(xor):
    a = Trainer(xor_graph(), xor, settings(validation_split=0.25, seed=3))
    b = Trainer(xor_graph(), xor, settings(validation_split=0.25, seed=3))
    assert len(a.x_val) == 50 and len(a.x_train) == 150
    np.testing.assert_array_equal(a.x_val, b.x_val)
    rows = {tuple(r) for r in a.x_train}
    assert not rows & {tuple(r) for r in a.x_val}


def test_stop_request_is_honoured_between_batches(xor):
    trainer = Trainer(xor_graph(), xor, settings())
    seen = []

    def on_batch(snapshot):
        seen.append(snapshot.batch)
        if len(seen) == 3:
            trainer.stop_requested = True

    outcome = trainer.run(on_batch=on_batch)
    assert outcome.reason == "stopped" and len(seen) == 3 and trainer.batch == 3
    trainer.run(1)  # continues mid-epoch
    assert trainer.epoch == 1


def test_learning_rate_change_applies_from_next_batch(xor):
    trainer = Trainer(xor_graph(), xor, settings())
    trainer.step_batch()
    trainer.set_optimizer({"name": "adam", "learning_rate": 0.5})
    assert trainer.optimizer.hyper["learning_rate"] == 0.03
    trainer.step_batch()
    assert trainer.optimizer.hyper["learning_rate"] == 0.5
    with pytest.raises(ParamError, match="training.optimizer.learning_rate"):
        trainer.set_optimizer({"name": "adam", "learning_rate": -1})


def test_detail_snapshot_on_request(xor):
    trainer = Trainer(xor_graph(), xor, settings())
    assert trainer.step_batch().parameters is None
    trainer.detail_requested = True
    snapshot = trainer.step_batch()
    assert set(snapshot.gradient_norms) == set(trainer.model.parameters)
    assert snapshot.activations["n0"].shape == (40, 8)  # the probe batch: the validation rows
    assert trainer.detail_requested is False


def test_early_stopping_restores_the_best(xor):
    trainer = Trainer(xor_graph(), xor, settings(epochs=500, patience=3, min_delta=10.0))
    outcome = trainer.run()
    assert outcome.reason == "early_stopped" and trainer.epoch == 4
    assert "restored the best parameters (epoch 1)" in outcome.notes[0]


def test_divergence_keeps_finite_parameters_and_says_why(xor):
    trainer = Trainer(xor_graph(), xor, settings(optimizer={"name": "sgd", "learning_rate": 1e6}))
    outcome = trainer.run()
    assert outcome.reason == "diverged"
    assert trainer.model.parameters_finite()
    assert "learning rate 1e+06 is probably too high — try 100000" in outcome.divergence.message
    assert outcome.divergence.node in trainer.model.layers


def test_nan_names_the_first_node():
    ds = generate("sine", 100, 0.0, 0)
    graph = chain(("Dense", {"units": 4}), ("Activation", {"function": "relu"}), ("Dense", {"units": 1}), ("Loss", {}), input_size=1)
    trainer = Trainer(graph, ds, settings())
    trainer.run(1)
    trainer.step_batch()
    trainer.model.parameters["n2.weight"][0, 0] = np.nan
    outcome = trainer.run()
    assert outcome.divergence.node == "n2" and "not a number (NaN)" in outcome.divergence.message
    assert "at epoch 2, batch 2" in outcome.divergence.message
    assert "restored the parameters from the start of epoch 2" in outcome.divergence.message
    assert trainer.model.parameters_finite()


def test_regression_metrics():
    ds = generate("sine", 300, 0.05, 0)
    graph = chain(("Dense", {"units": 16}), ("Activation", {"function": "tanh"}), ("Dense", {"units": 1}), ("Loss", {}), input_size=1)
    trainer = Trainer(graph, ds, settings(epochs=200, batch_size=32))
    trainer.run()
    metrics = trainer.last_metrics()
    assert set(metrics) == {"loss", "r2", "mae", "val_loss", "val_r2", "val_mae"}
    assert metrics["val_r2"] > 0.95 and metrics["val_mae"] < 0.15


def test_l2_penalty_shrinks_weights(xor):
    plain, penalized = Trainer(xor_graph(), xor, settings()), Trainer(xor_graph(), xor, settings(l2=0.05))
    plain.run(), penalized.run()
    norm = lambda t: float(np.abs(t.model.parameters["n2.weight"]).sum())  # noqa: E731
    assert norm(penalized) < norm(plain)


def test_invalid_graph_cannot_train(xor):
    graph = chain(("Dense", {"units": 3}), ("Loss", {}), input_size=2)
    with pytest.raises(TrainingError, match="2 classes"):
        Trainer(graph, xor, settings())


def test_saved_parameters_must_fit(xor):
    with pytest.raises(TrainingError, match=r"state.parameters.n0.weight: the graph needs shape \[2, 8\]"):
        Trainer(xor_graph(), xor, settings(), {"n0.weight": np.zeros((3, 8))})
    trainer = Trainer(xor_graph(), xor, settings(), {"n0.weight": np.ones((2, 8)), "n0.bias": np.ones(3)}, strict=False)
    assert trainer.kept == ["n0.weight"] and "n0.bias" in trainer.initialized
    assert (trainer.model.parameters["n0.weight"] == 1).all()


@pytest.mark.parametrize("training,message", [
    ({"batch_size": 0}, "training.batch_size: must be a positive integer, got 0"),
    ({"epochs": "ten"}, "training.epochs: must be an integer"),
    ({"dtype": "float16"}, "training.dtype: must be one of float32, float64"),
    ({"optimizer": {"name": "adamax"}}, "training.optimizer.name: must be one of"),
    ({"momentum": 0.9}, "training.momentum: unknown parameter"),
])
def test_bad_training_settings_name_the_key(training, message):
    with pytest.raises(ParamError, match=message):
        parse_training(training)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_running_training_metrics_match_an_evaluation_when_nothing_moves(xor, task):
    """Training-set metrics are accumulated over the epoch's batches; with a learning rate
    too small to move anything they equal a separate evaluation pass."""
    if task == "classification":
        graph, ds = xor_graph(), xor
    else:
        ds = generate("plane", 150, 0.1, 0)
        graph = chain(("Dense", {"units": 4}), ("Activation", {"function": "tanh"}), ("Dense", {"units": 1}),
                      ("Loss", {}), input_size=2)
    trainer = Trainer(graph, ds, settings(optimizer={"name": "sgd", "learning_rate": 1e-8}, dtype="float64"))
    trainer.run(1)
    expected = trainer.evaluate(trainer.x_train, trainer.y_train, trainer.t_train)
    for key, value in expected.items():
        assert trainer.history[key][0] == pytest.approx(value, rel=1e-6, abs=1e-9), key


def test_a_shuffled_epoch_gathers_batch_by_batch_without_copying_the_training_set():
    digits = load_dataset({"source": "builtin", "name": "digits"})
    graph = chain(("Dense", {"units": 10}), ("Activation", {"function": "softmax"}),
                  ("Loss", {"function": "categorical_cross_entropy"}), input_size=64)
    trainer = Trainer(graph, digits, settings(batch_size=64))
    before = len(pickle.dumps(trainer))
    for _ in range(trainer.batches_per_epoch - 1):
        trainer.step_batch()
        # What the trainer pickles (to send to the training process) mid-epoch: the data once,
        # this epoch's order and one batch, not a second, shuffled copy of the training set.
        assert len(pickle.dumps(trainer)) - before < trainer.x_train.nbytes / 4
    unshuffled = Trainer(graph, digits, settings(batch_size=64, shuffle=False))
    assert unshuffled.run(epochs=1).reason == "completed"


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_a_learning_rate_far_too_high_is_explained_even_when_the_loss_stays_finite(xor, optimizer):
    trainer = Trainer(xor_graph(), xor, settings(epochs=5, optimizer={"name": optimizer, "learning_rate": 100.0}))
    outcome = trainer.run()
    assert outcome.reason == "completed"  # finite: divergence does not catch it
    assert len(outcome.warnings) == 1  # once per learning rate, not every epoch
    assert outcome.warnings[0].startswith("the training loss is ")
    assert "up from 0.69" in outcome.warnings[0] and "before training" in outcome.warnings[0]
    assert outcome.warnings[0].endswith("the learning rate 100 is probably too high — try 10")
    trainer.set_optimizer({"name": optimizer, "learning_rate": 50.0})
    assert len(trainer.run(epochs=1).warnings) == 1  # a new rate that is still too high is named again


def test_a_good_learning_rate_raises_no_warning(xor):
    trainer = Trainer(xor_graph(), xor, settings(epochs=40))
    assert trainer.run().warnings == [] and trainer.warnings == []



def test_the_split_and_the_shuffle_are_the_algorithm_docs_project_format_describes(xor):
    """docs/project-format.md lets another tool reproduce a run: this pins what it says."""
    trainer = Trainer(xor_graph(), xor, settings(validation_split=0.15, seed=7, batch_size=16))
    n = len(xor.x)
    order = np.random.default_rng(7).permutation(n)
    held = min(round(n * 0.15), n - 1)
    val, train = np.sort(order[:held]), np.sort(order[held:])
    np.testing.assert_array_equal(trainer.x_val, xor.x[val].astype(np.float32))
    np.testing.assert_array_equal(trainer.x_train, xor.x[train].astype(np.float32))
    for epoch in (0, 1):  # each epoch's order is seeded by (seed, epoch)
        trainer.epoch = epoch
        trainer._start_epoch()
        rows = np.random.default_rng([7, epoch]).permutation(len(train))
        xb, yb, _ = trainer._next_batch()
        np.testing.assert_array_equal(xb, trainer.x_train[rows[:16]])
        np.testing.assert_array_equal(yb, trainer.y_train[rows[:16]])


@pytest.mark.parametrize("batch_size, why", [(1, "a batch size of 1"), (53, "160 training rows in batches of 53 \\(the last has 1\\)")])
def test_batch_normalization_refuses_batches_of_one_sample_naming_the_node(xor, batch_size, why):
    graph = chain(("Dense", {"units": 4}), ("BatchNorm", {}), ("Dense", {"units": 1}),
                  ("Activation", {"function": "sigmoid"}), ("Loss", {"function": "binary_cross_entropy"}), input_size=2)
    with pytest.raises(TrainingError, match=f"n1: batch normalization needs at least 2 samples per batch, but .*{why}"):
        Trainer(graph, xor, settings(batch_size=batch_size, validation_split=0.2))


# ---- runs: pace setting, a run's own start, capture and restore ---------------------------------------
def dropout_graph():
    return chain(("Dense", {"units": 8}), ("Activation", {"function": "tanh"}), ("Dropout", {"rate": 0.3}),
                 ("Dense", {"units": 1}), ("Activation", {"function": "sigmoid"}),
                 ("Loss", {"function": "binary_cross_entropy"}), input_size=2)


def assert_same_parameters(a: dict, b: dict):
    assert a.keys() == b.keys()
    for name, value in a.items():
        assert value.tobytes() == b[name].tobytes(), name


@pytest.mark.parametrize("pace,stored", [
    ({"epochs_per_second": 5}, {"epochs_per_second": 5}),
    ({"batches_per_second": 2.5}, {"batches_per_second": 2.5}),
    (None, None),
])
def test_the_pace_is_a_training_setting_and_absent_means_as_fast_as_possible(pace, stored):
    settings_ = parse_training({} if pace is None else {"pace": pace})
    assert settings_.get("pace") == stored
    assert ("pace" in settings_) == (pace is not None)  # an absent pace stays absent in the file


@pytest.mark.parametrize("pace,message", [
    ({"epochs_per_second": 0}, "training.pace.epochs_per_second: must be a number from 0.01 to 1000, got 0"),
    ({"batches_per_second": 500}, "training.pace.batches_per_second: must be a number from 0.01 to 60"),
    ({"epochs": 5}, 'training.pace: must be {"epochs_per_second": N} or {"batches_per_second": N}'),
    ("fast", "training.pace: must be"),
])
def test_a_bad_pace_names_the_key(pace, message):
    with pytest.raises(ParamError, match=re.escape(message)):
        parse_training({"pace": pace})


def test_the_rising_loss_warning_compares_the_run_with_its_own_start(xor):
    """A history carried in from another dataset (a much lower loss) is no yardstick: before, the
    new data's first epochs were compared with it and the learning rate was blamed."""
    carried = {"loss": [0.02] * 5, "accuracy": [1.0] * 5, "val_loss": [0.02] * 5, "val_accuracy": [1.0] * 5}
    circles = generate("circles", 200, 0.1, 3)
    trainer = Trainer(xor_graph(), circles, settings(), history=carried, epoch=5)
    outcome = trainer.run(3)
    assert trainer.history["loss"][5] > 2 * 0.02  # the new data starts far above the carried history
    assert not outcome.warnings


def test_a_new_run_starts_at_epoch_0_from_the_parameters_it_has(xor):
    trainer = Trainer(xor_graph(), xor, settings())
    trainer.run(3)
    weights = trainer.model.copy_parameters()
    trainer.start_new_run()
    assert trainer.epoch == 0 and trainer.history == {} and trainer.optimizer.state == {}
    assert_same_parameters(trainer.model.parameters, weights)
    trainer.run(2)
    assert len(trainer.history["loss"]) == 2


def test_rewind_gives_exactly_that_epochs_parameters_and_the_same_training_from_there(xor):
    """With dropout (its random generator) and Adam (its moments): bit for bit."""
    original = Trainer(dropout_graph(), xor, settings(epochs=10))
    kept = {}
    original.run(on_epoch=lambda epoch, metrics: kept.setdefault(epoch, (original.capture(), original.model.copy_parameters())))
    state, parameters_then = kept[4]
    rewound = Trainer(dropout_graph(), xor, state.settings)
    rewound.restore(state, original.history)
    assert rewound.epoch == 4 and rewound.history == {k: v[:4] for k, v in original.history.items()}
    assert_same_parameters(rewound.model.parameters, parameters_then)
    rewound.run(6)
    assert rewound.history == original.history
    assert_same_parameters(rewound.model.parameters, original.model.parameters)


def test_a_state_captured_mid_epoch_and_after_a_learning_rate_change_restores_exactly(xor):
    original = Trainer(dropout_graph(), xor, settings(epochs=4, optimizer={"name": "sgd", "learning_rate": 0.1, "momentum": 0.9}))
    original.run(1)
    for _ in range(3):
        original.step_batch()
    original.set_optimizer({"name": "sgd", "learning_rate": 0.05, "momentum": 0.9})  # pending until the next batch
    state = pickle.loads(pickle.dumps(original.capture()))  # as it crosses the pipe
    original.run(2)
    rewound = Trainer(dropout_graph(), xor, settings(optimizer={"name": "sgd", "learning_rate": 0.1, "momentum": 0.9}))
    rewound.restore(state, original.history)
    assert rewound.batch == 3 and rewound.optimizer.hyper["learning_rate"] == 0.1
    rewound.run(2)
    assert rewound.optimizer.hyper["learning_rate"] == 0.05
    assert rewound.history == original.history
    assert_same_parameters(rewound.model.parameters, original.model.parameters)


def test_early_stopping_goes_on_alike_after_a_rewind(xor):
    train = dict(epochs=500, patience=4, min_delta=0.05)
    original = Trainer(xor_graph(), xor, settings(**train))
    states = []
    outcome = original.run(on_epoch=lambda epoch, metrics: states.append(original.capture()))
    assert outcome.reason == "early_stopped"
    rewound = Trainer(xor_graph(), xor, settings(**train))
    rewound.restore(states[len(states) // 2], original.history)
    again = rewound.run()
    assert again.reason == "early_stopped" and again.notes == outcome.notes and rewound.epoch == original.epoch
    assert_same_parameters(rewound.model.parameters, original.model.parameters)


def test_restore_refuses_a_trainer_that_does_not_fit(xor):
    original = Trainer(xor_graph(), xor, settings())
    original.run(1)
    state = original.capture()
    with pytest.raises(TrainingError, match="parameter n0.bias does not fit"):
        Trainer(xor_graph(hidden=5), xor, settings()).restore(state)
    with pytest.raises(TrainingError, match="training.seed is 3 now, 0 then"):
        Trainer(xor_graph(), xor, settings(seed=3)).restore(state)
