"""The project as a PyTorch folder: a readable module, its parameters, its data and a training script.

``export_torch(project, folder)`` writes:

- ``model.py``: ``Net``, an ``nn.Module`` that mirrors the graph node by node (each node kind says how it
  lowers: ``NodeType.torch`` in engine/nodes/), in the engine's topological order, attributes named after
  the node ids, with ``load_parameters`` / ``save_parameters`` for ``.npz`` archives (no pickle);
- ``parameters.npz``: the project's parameters and buffers under the module's ``state_dict`` names
  (``nn.Linear`` keeps its weight as (out, in), the transpose of the engine's W);
- ``data.npz``: the training and validation rows exactly as the engine splits them (features as
  the network sees them, standardized if the dataset is; targets as class indices or values);
- ``train.py``: the same losses, optimizer, hyperparameters, batch size, epochs, penalties and early
  stopping; runs as is, and with DistributedDataParallel under ``torchrun``;
- ``README.md``: what is where and how to run it.

Whatever comes from the project file — its name, feature and class names — enters the generated code
as data (``repr`` literals), never as source. Nothing here imports torch.
"""
from __future__ import annotations

import io
import keyword
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..datasets import read_regular_file
from ..nodes import TorchLowering
from ..project import Project
from .common import ExportError, Network, compile_project
from .torch_model import model_source
from .torch_train import train_source

FILES = ("model.py", "train.py", "parameters.npz", "data.npz", "README.md")


# Public attributes of torch.nn.Module: a submodule may not take one of these names.
_MODULE_ATTRIBUTES = frozenset("""
    T_destination add_module apply bfloat16 buffers call_super_init children compile cpu cuda double
    dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half
    ipu load_state_dict modules mtia named_buffers named_children named_modules named_parameters parameters
    register_backward_hook register_buffer register_forward_hook register_forward_pre_hook
    register_full_backward_hook register_full_backward_pre_hook register_load_state_dict_post_hook
    register_load_state_dict_pre_hook register_module register_parameter register_state_dict_post_hook
    register_state_dict_pre_hook requires_grad_ set_extra_state set_submodule share_memory state_dict to
    to_empty train training type xpu zero_grad
""".split())
# Names the generated code uses itself.
_RESERVED = frozenset({"self", "torch", "nn", "F", "np", "for_loss", "super", "Net", "rows", "Step", "Maxout"})


def python_names(ids: list[str]) -> dict[str, str]:
    """A valid, unique Python identifier for each node id (``my-layer`` → ``my_layer``)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for node_id in ids:
        name = re.sub(r"\W", "_", node_id)
        if name.startswith("_"):
            name = "node" + name
        if keyword.iskeyword(name) or name in _MODULE_ATTRIBUTES or name in _RESERVED:
            name += "_"
        base, k = name, 1
        while name in taken:
            k += 1
            name = f"{base}_{k}"
        taken.add(name)
        names[node_id] = name
    return names




@dataclass
class Plan:
    """Everything the templates need, worked out once from the network: each node's name in the code
    and its kind's lowering."""

    network: Network
    var: dict[str, str]
    argument: str  # the forward method's argument: rows of features
    lowering: dict[str, TorchLowering]  # every node the module computes (its inputs included)
    loss_ids: list[str]
    loss_inputs: list[str]  # the node each loss reads (the logits where the loss is fused)
    for_loss: bool  # the losses read something other than the prediction
    loss_nodes: list[str]  # nodes computed for the losses, in order
    rest: list[str]  # nodes computed only for the prediction, after those

    @classmethod
    def of(cls, network: Network) -> Plan:
        model = network.model
        var = python_names(list(model.kinds))
        images = any(len(model.shapes[i]) > 1 for i in model.input_ids)
        argument = "rows" if images else var[model.input_ids[0]]
        lowering = {}
        for input_id in model.input_ids:  # every Input node receives the same rows
            lowering[input_id] = _lower(network, input_id, var, [argument])
            if lowering[input_id].expression == argument:
                var[input_id] = argument
        loss_inputs = [model.loss_inputs[loss_id] for loss_id in model.loss_ids]
        for_loss = loss_inputs != [model.output_id]
        loss_nodes = network.needed(loss_inputs)
        rest = [n for n in network.needed([model.output_id]) if n not in loss_nodes]
        for node_id in loss_nodes + rest:
            lowering[node_id] = _lower(network, node_id, var, [var[s] for s in model.sources[node_id]])
        return cls(network, var, argument, lowering, list(model.loss_ids), loss_inputs, for_loss, loss_nodes, rest)

    @property
    def nodes(self) -> list[str]:
        return self.loss_nodes + self.rest

    @property
    def statements(self) -> dict[str, str]:
        """Node -> the line that computes it in forward (an Input that is its argument needs none)."""
        return {n: f"{self.var[n]} = {low.expression}" for n, low in self.lowering.items()
                if low.expression != self.var[n]}

    @property
    def helpers(self) -> dict[str, str]:
        """The helper classes the module needs, by name, once each."""
        return {name: source for low in self.lowering.values() for name, source in low.helpers}

    @property
    def state_names(self) -> list[tuple[str, str, bool]]:
        """(engine name, torch state_dict name, transposed) for every parameter and buffer the module holds."""
        return [(f"{node_id}.{local}", f"{self.var[node_id]}.{key}", transposed)
                for node_id, low in self.lowering.items() for local, key, transposed in low.state]

    def fused(self, loss_id: str) -> str | None:
        """The activation a loss computes itself from the logits (softmax or sigmoid), or None."""
        model = self.network.model
        source = model.sources[loss_id][0]
        read = model.loss_inputs[loss_id]
        return model.kinds[source].activation(model.params[source]) if read != source else None


def _lower(network: Network, node_id: str, var: dict[str, str], inputs: list[str]) -> TorchLowering:
    try:
        return network.model.kinds[node_id].torch(network.context(node_id, var[node_id], inputs))
    except NotImplementedError as e:
        raise ExportError(f"node '{node_id}': {e}") from None


# ---- parameters ---------------------------------------------------------------------------------
def parameter_names(network: Network) -> list[tuple[str, str, bool]]:
    """(engine name, torch state_dict name, transposed) for every parameter and buffer the module holds."""
    return Plan.of(network).state_names


def to_torch_state(network: Network, parameters: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """The engine's parameters and buffers (default: the network's) under the module's state_dict names."""
    parameters = parameters if parameters is not None else network.model.arrays
    return {
        torch_name: np.ascontiguousarray(parameters[name].T if transposed else parameters[name])
        for name, torch_name, transposed in parameter_names(network)
    }


def from_torch_state(network: Network, state: dict) -> dict[str, np.ndarray]:
    """A module's state (numpy arrays or tensors, e.g. a ``trained_parameters.npz``) back under
    the engine's parameter names, ready for ``Model.load_parameters`` or a project's state."""
    parameters = {}
    for name, torch_name, transposed in parameter_names(network):
        value = state[torch_name]
        value = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
        parameters[name] = np.ascontiguousarray(value.T if transposed else value)
    return parameters


def import_parameters(project: Project, path: str | os.PathLike, dataset=None) -> dict[str, np.ndarray]:
    """The parameters in ``path`` — a ``trained_parameters.npz`` the exported train.py wrote (trained on
    a GPU, or under torchrun) — under the engine's names, checked against the project's graph: a missing
    array, one of another shape and a file that is not such an archive are refused in one line."""
    path = Path(path)
    network = compile_project(project, dataset, require_trained=False)
    try:
        with np.load(io.BytesIO(read_regular_file(path)), allow_pickle=False) as archive:
            state = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError) as e:
        raise ExportError(f"{path.name}: not a parameters archive (.npz of arrays): {type(e).__name__}") from None
    names = parameter_names(network)
    missing = [torch_name for _, torch_name, _ in names if torch_name not in state]
    if missing:
        raise ExportError(f"{path.name}: no array {missing[0]!r} for the graph's {_engine(names, missing[0])} "
                          f"({len(missing)} missing in all): was it trained from this project's export?")
    parameters = from_torch_state(network, state)
    for name, array in network.model.arrays.items():
        got = parameters[name]
        if got.shape != array.shape:
            raise ExportError(f"{path.name}: {name} has shape {list(got.shape)} but the graph needs {list(array.shape)}")
        if not np.isfinite(got).all():
            raise ExportError(f"{path.name}: {name} holds values that are not finite")
        parameters[name] = got.astype(array.dtype)
    return parameters


def _engine(names: list[tuple[str, str, bool]], torch_name: str) -> str:
    return next(engine for engine, key, _ in names if key == torch_name)


def readme_source(plan: Plan, notes: list[str]) -> str:
    network = plan.network
    project, ds, settings = network.project, network.dataset, network.settings
    x_train, _, x_val, _ = network.split()
    renamed = [(n, plan.var[n]) for n in plan.nodes if plan.var[n] != n]
    lines = [
        f"# {project.name} in PyTorch",
        "",
        f"Exported from NeuroCanvas after {project.epoch} epochs"
        + ("" if project.parameters else " (not trained: the parameters are NeuroCanvas's seeded initial values)")
        + ".",
        "",
        "| file | what it holds |",
        "| --- | --- |",
        "| `model.py` | `Net`, the network as an `nn.Module` (one attribute per node, named after the node), "
        "`prepare(rows)` for raw features, `load_parameters` / `save_parameters` |",
        "| `parameters.npz` | the parameters under `Net().state_dict()` names, as numpy arrays (no pickle); "
        "an `nn.Linear` weight is (out, in), the transpose of NeuroCanvas's W |",
        f"| `data.npz` | the {len(x_train)} training rows (`x_train`, `y_train`) and "
        f"{len(x_val)} validation rows (`x_val`, `y_val`) exactly as NeuroCanvas split them"
        + (", features already standardized (`mean`, `std`)" if network.standardized else "")
        + ("; `y` holds class indices" if ds.task == "classification" else "; `y` holds the target values")
        + " |",
        "| `train.py` | training with the same loss, optimizer, batch size, epochs and penalties |",
        "",
        "## Use the trained network",
        "",
        "```python",
        "from model import Net, load_parameters, prepare",
        "",
        "model = load_parameters(Net()).eval()",
        "prediction = model(prepare(rows))  # rows of raw features: " + ", ".join(ds.feature_names[:8])
        + (", …" if len(ds.feature_names) > 8 else ""),
        "```",
        "",
        "## Train",
        "",
        "```sh",
        "python train.py                               # one process, from parameters.npz",
        "python train.py --epochs 10 --float64 --no-shuffle",
        "torchrun --nproc_per_node 4 train.py          # DistributedDataParallel on 4 processes",
        "```",
        "",
        f"Run as one process, `train.py` visits the rows in NeuroCanvas's order (seed {settings['seed']}), so "
        "its numbers match NeuroCanvas's up to floating-point rounding. Under `torchrun` each process "
        "takes its share of every epoch's rows (`DistributedSampler`, seeded) and a batch of "
        "`BATCH_SIZE // processes` rows, so an update still averages over `BATCH_SIZE` rows; the "
        "processes use `gloo` on CPU and `nccl` on GPUs. The trained parameters go to "
        "`trained_parameters.npz`.",
        "",
    ]
    if len(plan.loss_ids) > 1:
        lines += [f"The graph has {len(plan.loss_ids)} losses; `Net()(x)` gives the first one's input, "
                  f"node '{network.output_id}', and `train.py` minimizes their weighted sum.", ""]
    if renamed:
        lines += ["Node ids that are not Python names were renamed: "
                  + ", ".join(f"`{a}` → `{b}`" for a, b in renamed) + ".", ""]
    if notes:
        lines += ["Differences from NeuroCanvas:", ""] + [f"- {note}" for note in notes] + [""]
    return "\n".join(lines)


def _notes(plan: Plan) -> list[str]:
    notes = list(dict.fromkeys(low.note for low in plan.lowering.values() if low.note))
    model = plan.network.model
    if any(model.layers[l].function in ("binary_cross_entropy", "categorical_cross_entropy", "kl_divergence")
           and not plan.fused(l) for l in plan.loss_ids):
        notes.append("Probabilities are clipped to [1e-7, 1] before the logarithm as in NeuroCanvas, "
                     "but PyTorch passes no gradient through a clipped value where NeuroCanvas does.")
    return notes


# ---- writing -------------------------------------------------------------------------------------
def export_torch(project: Project, folder: str | os.PathLike, dataset=None, force: bool = False) -> Path:
    """Write the PyTorch folder (see the module's docstring); returns its path.

    An untrained project is exported with its seeded initial parameters. A folder that exists and
    is not empty is refused unless ``force`` (then the five files are overwritten).
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder}: is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise ExportError(f"{folder}: the folder is not empty; choose a new one or add --force to overwrite")
    network = compile_project(project, dataset, require_trained=False)
    plan = Plan.of(network)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.py").write_text(model_source(plan), encoding="utf-8")
    (folder / "train.py").write_text(train_source(plan), encoding="utf-8")
    (folder / "README.md").write_text(readme_source(plan, _notes(plan)), encoding="utf-8")
    np.savez(folder / "parameters.npz", **to_torch_state(network))
    np.savez(folder / "data.npz", **export_data(network))
    return folder


def export_data(network: Network) -> dict[str, np.ndarray]:
    """The engine's training and validation rows (float64, as stored in the dataset) and names."""
    x_train, y_train, x_val, y_val = network.split()
    ds = network.dataset
    data = {
        "x_train": x_train, "y_train": y_train, "x_val": x_val, "y_val": y_val,
        "feature_names": np.array(ds.feature_names, dtype=str),
    }
    if ds.task == "classification":
        data["class_names"] = np.array(ds.class_names, dtype=str)
    else:
        data["target_names"] = np.array(ds.target_names, dtype=str)
    if network.standardized:
        data["mean"], data["std"] = ds.mean, ds.std
    return data