"""PyTorch export: the module's forward and one epoch of train.py equal the engine's."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

from engine.export import ExportError, Predictor, compile_project, export_torch, from_torch_state
from engine.project import load_project
from engine.trainer import Trainer
from tests.test_export_common import (
    ACTIVATIONS, EXAMPLES, activation_project, concat_prelu_project, make_project, raw_features, trained,
    with_parameters,
)

torch = pytest.importorskip("torch")


def import_model(folder: Path):
    """The exported model.py as a fresh module."""
    spec = importlib.util.spec_from_file_location(f"exported_model_{uuid.uuid4().hex}", folder / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def torch_vs_engine(project, folder: Path) -> float:
    export_torch(project, folder)
    module = import_model(folder)
    model = module.load_parameters(module.Net()).eval()
    x_raw = raw_features(project)
    with torch.no_grad():
        got = model(module.prepare(x_raw)).numpy()
    expected = Predictor(project).outputs(x_raw)
    assert got.dtype == np.float32 and got.shape == expected.shape
    return float(np.abs(got - expected).max())


def run_train_py(folder: Path, *args: str) -> dict[str, np.ndarray]:
    out = folder / "after.npz"
    result = subprocess.run([sys.executable, "train.py", "--quiet", "--output", str(out), *args],
                            cwd=folder, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    with np.load(out, allow_pickle=False) as saved:
        return {k: saved[k] for k in saved.files}


def one_epoch_difference(project, folder: Path, epochs: int = 1, shuffle: bool = False) -> float:
    """Train ``epochs`` in float64 with the engine and with the exported train.py, from the same
    parameters; the largest difference between the parameters they land on."""
    if not project.parameters:  # start both from the same stored values (float64 would initialize anew)
        with_parameters(project)
    export_torch(project, folder)
    args = ["--epochs", str(epochs), "--float64"] + ([] if shuffle else ["--no-shuffle"])
    state = run_train_py(folder, *args)
    engine = Trainer(project.graph, project.load_data(), {**project.training, "dtype": "float64", "shuffle": shuffle},
                     project.parameters, project.history, project.epoch)
    start = engine.model.copy_parameters()
    assert engine.run(epochs).reason == "completed"
    got = from_torch_state(compile_project(project, require_trained=False), state)
    arrays = engine.model.arrays  # parameters and buffers (running statistics)
    assert set(got) == set(arrays)
    moved = max(float(np.abs(arrays[k] - start[k]).max()) for k in start)
    assert moved > 1e-4  # the comparison means something: training changed the parameters
    return max(float(np.abs(got[k] - arrays[k]).max()) for k in got)


# ---- the module ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_projects_module_predicts_like_the_engine(path, tmp_path):
    assert torch_vs_engine(trained(load_project(path), epochs=3), tmp_path / "out") <= 1e-5


@pytest.mark.parametrize("function", ACTIVATIONS)
def test_every_activation_function_maps_to_torch(function, tmp_path):
    params = {"leaky_relu": {"negative_slope": 0.2}, "elu": {"alpha": 0.7}}.get(function)
    assert torch_vs_engine(activation_project(function, params), tmp_path / "out") <= 1e-5


def test_concat_add_maxout_prelu_and_renamed_ids(tmp_path):
    project = with_parameters(concat_prelu_project())
    assert torch_vs_engine(project, tmp_path / "out") <= 1e-5
    source = (tmp_path / "out" / "model.py").read_text()
    assert "self.a_act = nn.PReLU(5, init=0.25)" in source
    assert "cat = torch.cat([a_act, sum], dim=1)" in source and "sum = b_act + c" in source
    assert "Maxout(2, 3, pieces=2)" in source and "nn.Linear(2, 3, bias=False)" in source
    assert "`a-act` → `a_act`" in (tmp_path / "out" / "README.md").read_text()


def test_the_folder_holds_the_files_and_the_data_as_the_engine_split_it(tmp_path):
    project = trained(load_project(EXAMPLES[0]), epochs=1)
    folder = export_torch(project, tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "data.npz", "model.py", "parameters.npz", "train.py"]
    trainer = project.trainer()
    with np.load(folder / "data.npz", allow_pickle=False) as data:
        np.testing.assert_array_equal(data["x_train"].astype(trainer.dtype), trainer.x_train)
        np.testing.assert_array_equal(data["y_val"], trainer.y_val)
    for name in ("model.py", "train.py"):
        compile((folder / name).read_text(), name, "exec")
    with pytest.raises(ExportError, match="not empty"):
        export_torch(project, folder)
    export_torch(project, folder, force=True)


# ---- training ---------------------------------------------------------------------------------------
def test_one_epoch_with_sgd_momentum_lands_on_the_engines_parameters(tmp_path):
    project = trained(load_project(EXAMPLES[0]), epochs=2)
    project.training = {**project.training, "optimizer": {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9}}
    assert one_epoch_difference(project, tmp_path / "out") <= 1e-10


def test_one_epoch_with_adam_l1_l2_and_standardized_data(tmp_path):
    project = make_project(
        [("x", "Input", {"size": 4}), ("h", "Dense", {"units": 6}), ("a", "Activation", {"function": "elu", "alpha": 0.5}),
         ("out", "Dense", {"units": 3}), ("p", "Activation", {"function": "softmax"}),
         ("loss", "Loss", {"function": "categorical_cross_entropy"})],
        [("x", "h"), ("h", "a"), ("a", "out"), ("out", "p"), ("p", "loss")],
        {"source": "builtin", "name": "iris", "standardize": True},
        {"optimizer": {"name": "adam", "learning_rate": 0.01}, "batch_size": 16, "l1": 0.001, "l2": 0.01,
         "validation_split": 0.3, "seed": 5},
    )
    assert one_epoch_difference(project, tmp_path / "out") <= 1e-10


def test_one_epoch_of_concat_and_prelu_with_rmsprop(tmp_path):
    project = concat_prelu_project({"name": "rmsprop", "learning_rate": 0.01, "momentum": 0.5})
    assert one_epoch_difference(project, tmp_path / "out") <= 1e-10


@pytest.mark.parametrize("loss, width, task", [
    ("binary_cross_entropy", 1, "classification"), ("hinge", 1, "classification"),
    ("perceptron", 1, "classification"), ("mse", 1, "classification"), ("huber", 2, "regression"),
    ("quadratic", 2, "regression"), ("mae", 2, "regression"),
])
def test_one_epoch_per_loss_with_adamw_and_adagrad(loss, width, task, tmp_path):
    if task == "classification":
        dataset = {"source": "generated", "name": "moons", "samples": 90, "seed": 4}
        last = ("p", "Activation", {"function": "sigmoid"}) if loss == "binary_cross_entropy" else \
            ("p", "Activation", {"function": "identity"})
    else:
        rng = np.random.default_rng(1)
        x = rng.normal(size=(60, 2))
        dataset = {"source": "inline", "x": x.tolist(), "y": np.c_[x.sum(1), x[:, 0] * x[:, 1]].tolist()}
        last = ("p", "Activation", {"function": "identity"})
    # A second Activation after the sigmoid keeps the binary cross-entropy unfused (on probabilities).
    project = make_project(
        [("x", "Input", {"size": 2}), ("h", "Dense", {"units": 5}), ("a", "Activation", {"function": "tanh"}),
         ("out", "Dense", {"units": width}), last, ("q", "Activation", {"function": "identity"}),
         ("loss", "Loss", {"function": loss})],
        [("x", "h"), ("h", "a"), ("a", "out"), ("out", "p"), ("p", "q"), ("q", "loss")],
        dataset, {"optimizer": {"name": "adamw" if width == 1 else "adagrad", "learning_rate": 0.05},
                  "batch_size": 8},
    )
    assert one_epoch_difference(project, tmp_path / "out") <= 1e-10


def test_two_shuffled_epochs_visit_the_rows_in_the_engines_order(tmp_path):
    project = trained(load_project(EXAMPLES[0]), epochs=2)
    assert one_epoch_difference(project, tmp_path / "out", epochs=2, shuffle=True) <= 1e-10


def test_train_py_runs_under_torchrun_with_distributed_data_parallel(tmp_path):
    folder = export_torch(trained(load_project(EXAMPLES[0]), epochs=1), tmp_path / "out")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "train.py", "--epochs", "2", "--output", "ddp.npz"],
        cwd=folder, capture_output=True, text=True, timeout=300, env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "epoch 3" in result.stdout and result.stdout.count("epoch 3") == 1  # printed by rank 0 only
    with np.load(folder / "ddp.npz", allow_pickle=False) as saved:
        assert all(np.isfinite(saved[k]).all() for k in saved.files)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_one_epoch_of_every_example_project_lands_on_the_engines_parameters(path, tmp_path):
    project = trained(load_project(path), epochs=1)
    if any(node.type == "Dropout" for node in project.graph.nodes.values()):
        pytest.skip("dropout masks come from different random generators")
    assert one_epoch_difference(project, tmp_path / "out") <= 1e-10
