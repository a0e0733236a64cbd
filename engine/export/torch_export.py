"""The project as a PyTorch folder: a readable module, its parameters, its data and a training script.

``export_torch(project, folder)`` writes:

- ``model.py``: ``Net``, an ``nn.Module`` that mirrors the graph node by node (the same layers,
  activations and merges, in the engine's topological order, attributes named after the node ids),
  with ``load_parameters`` / ``save_parameters`` for ``.npz`` archives (plain numpy, no pickle);
- ``parameters.npz``: the project's parameters under the module's ``state_dict`` names
  (``nn.Linear`` keeps its weight as (out, in), the transpose of the engine's W);
- ``data.npz``: the training and validation rows exactly as the engine splits them (features as
  the network sees them, standardized if the dataset is; targets as class indices or values);
- ``train.py``: the same losses, optimizer, hyperparameters, batch size, epochs, penalties and early
  stopping; runs as is, and with DistributedDataParallel under ``torchrun``;
- ``README.md``: what is where and how to run it.

Nothing here imports torch: the folder is plain text and numpy archives.
"""
from __future__ import annotations

import keyword
import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..nodes import losses as loss_functions
from ..project import Project
from .common import ExportError, Network, compile_project

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
_RESERVED = frozenset({"self", "torch", "nn", "F", "np", "for_loss", "super", "Net", "Step", "Maxout"})

_ACTIVATIONS = {  # function -> (constructor, what the readme and comments call it)
    "identity": "nn.Identity()",
    "step": "Step()",
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "relu": "nn.ReLU()",
    "leaky_relu": "nn.LeakyReLU(negative_slope={negative_slope!r})",
    "elu": "nn.ELU(alpha={alpha!r})",
    "selu": "nn.SELU()",
    "gelu": 'nn.GELU(approximate="tanh")',
    "swish": "nn.SiLU()",
    "mish": "nn.Mish()",
    "softplus": "nn.Softplus()",
    "softmax": "nn.Softmax(dim=1)",
    "prelu": "nn.PReLU({width}, init=0.25)",
}

_OPTIMIZERS = {  # engine name -> (torch class, [(torch argument, engine setting or a formatter)])
    "sgd": ("SGD", ["lr", "momentum", "dampening", "nesterov", "weight_decay"]),
    "rmsprop": ("RMSprop", ["lr", "alpha", "eps", "weight_decay", "momentum", "centered"]),
    "adam": ("Adam", ["lr", "betas", "eps", "weight_decay", "amsgrad"]),
    "adamw": ("AdamW", ["lr", "betas", "eps", "weight_decay", "amsgrad"]),
    "adagrad": ("Adagrad", ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"]),
}


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
class _Plan:
    """Everything the templates need, worked out once from the network."""

    network: Network
    var: dict[str, str]
    argument: str
    loss_ids: list[str]
    loss_inputs: list[str]  # the node each loss reads (the logits where the loss is fused)
    for_loss: bool  # the losses read something other than the prediction
    loss_nodes: list[str]  # nodes computed for the losses, in order
    rest: list[str]  # nodes computed only for the prediction, after those

    @classmethod
    def of(cls, network: Network) -> _Plan:
        model = network.model
        var = python_names(list(model.types))
        argument = var[model.input_ids[0]]
        for input_id in model.input_ids:  # every Input node receives the same rows
            var[input_id] = argument
        loss_inputs = [model.loss_inputs[loss_id] for loss_id in model.loss_ids]
        for_loss = loss_inputs != [model.output_id]
        loss_nodes = network.needed(loss_inputs)
        rest = [n for n in network.needed([model.output_id]) if n not in loss_nodes]
        return cls(network, var, argument, list(model.loss_ids), loss_inputs, for_loss, loss_nodes, rest)

    def node(self, node_id: str):
        return self.network.node(node_id)

    @property
    def nodes(self) -> list[str]:
        return self.loss_nodes + self.rest

    def uses(self, node_type: str, function: str | None = None) -> bool:
        return any(
            self.node(n).type == node_type and (function is None or self.node(n).params.get("function") == function)
            for n in self.nodes
        )

    def fused(self, loss_id: str) -> str | None:
        """The activation a loss computes itself (softmax or sigmoid), or None."""
        source = self.network.model.sources[loss_id][0]
        read = self.network.model.loss_inputs[loss_id]
        return self.node(source).params["function"] if read != source else None


# ---- parameters ---------------------------------------------------------------------------------
def parameter_names(network: Network, var: dict[str, str] | None = None) -> list[tuple[str, str, bool]]:
    """(engine name, torch state_dict name, transposed) for every parameter the module holds."""
    var = var or _Plan.of(network).var
    pairs = []
    for node_id in _Plan.of(network).nodes:
        node = network.node(node_id)
        name = var[node_id]
        if node.type in ("Dense", "Maxout"):
            inner = f"{name}.linear" if node.type == "Maxout" else name
            pairs.append((f"{node_id}.weight", f"{inner}.weight", True))
            if node.params["bias"]:
                pairs.append((f"{node_id}.bias", f"{inner}.bias", False))
        elif node.type == "Activation" and node.params["function"] == "prelu":
            pairs.append((f"{node_id}.slope", f"{name}.weight", False))
    return pairs


def to_torch_state(network: Network, parameters: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """The engine's parameters (default: the network's) under the module's state_dict names."""
    parameters = parameters if parameters is not None else network.model.parameters
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


# ---- model.py -----------------------------------------------------------------------------------
def _layer(plan: _Plan, node_id: str) -> str | None:
    """The constructor of a node's submodule, or None for a merge (computed inline)."""
    node = plan.node(node_id)
    widths = [plan.network.width(s) for s in plan.network.model.sources[node_id]]
    p = node.params
    if node.type == "Dense":
        return f"nn.Linear({widths[0]}, {p['units']}{'' if p['bias'] else ', bias=False'})"
    if node.type == "Maxout":
        return f"Maxout({widths[0]}, {p['units']}, pieces={p['pieces']}{'' if p['bias'] else ', bias=False'})"
    if node.type == "Dropout":
        return f"nn.Dropout(p={p['rate']!r})"
    if node.type == "Activation":
        return _ACTIVATIONS[p["function"]].format(width=widths[0], **p)
    if node.type in ("Add", "Concat"):
        return None
    raise ExportError(f"node '{node_id}': the type {node.type} has no PyTorch mapping")


def _compute(plan: _Plan, node_id: str) -> str:
    node = plan.node(node_id)
    sources = [plan.var[s] for s in plan.network.model.sources[node_id]]
    name = plan.var[node_id]
    if node.type == "Add":
        return f"{name} = {' + '.join(sources)}"
    if node.type == "Concat":
        return f"{name} = torch.cat([{', '.join(sources)}], dim=1)"
    return f"{name} = self.{name}({sources[0]})"


def _describe(plan: _Plan, node_id: str) -> str:
    node = plan.node(node_id)
    fed = ", ".join(plan.network.model.sources[node_id]) or "the data"
    label = node.spec.label(node.params).replace(" · ", " ")
    return f"{node_id:<12} {label:<22} ← {fed}"


def _constants(network: Network) -> list[str]:
    ds = network.dataset
    lines = [f"FEATURE_NAMES = {ds.feature_names!r}"]
    if ds.task == "classification":
        lines.append(f"CLASS_NAMES = {ds.class_names!r}")
    else:
        lines.append(f"TARGET_NAMES = {ds.target_names!r}")
    if network.standardized:
        lines += [
            "# The network was trained on standardized features: (raw − MEAN) / STD, per feature.",
            f"MEAN = {[float(v) for v in ds.mean]!r}",
            f"STD = {[float(v) for v in ds.std]!r}",
        ]
    else:
        lines.append("MEAN, STD = None, None  # the network takes the raw features")
    return lines


def model_source(plan: _Plan) -> str:
    network = plan.network
    project = network.project
    ds = network.dataset
    output = network.output_id
    if network.output_kind == "values":
        what = f"the predicted {', '.join(ds.target_names)}"
    elif network.output_kind == "scores":
        what = "class scores (not probabilities)"
    elif network.width(output) > 1:
        what = f"the probability of each class ({', '.join(ds.class_names)})"
    else:
        what = f"the probability of class {ds.class_names[-1]}"
    table = "\n".join("    " + _describe(plan, n) for n in network.model.input_ids + plan.nodes)
    head = f'''\
        """{project.name}: a PyTorch module exported from NeuroCanvas ({
            f"after {project.epoch} epochs" if project.parameters else "untrained: seeded initial parameters"}).

        The network, node by node in the order NeuroCanvas computes it (node ← its inputs):

        {{table}}

        Input: rows of {network.n_features} features ({", ".join(ds.feature_names)}){
            ", standardized (see prepare)" if network.standardized else ""}.
        Output: node '{output}', {what}.

            model = load_parameters(Net())      # the parameters trained in NeuroCanvas
            model.eval()
            prediction = model(prepare(rows))    # rows of raw features
        """
        from __future__ import annotations

        from pathlib import Path

        import numpy as np
        import torch
        from torch import nn

        HERE = Path(__file__).resolve().parent
        '''
    parts = [textwrap.dedent(head).replace("{table}", table), "\n".join(_constants(network)) + "\n"]
    if plan.uses("Activation", "step"):
        parts.append(textwrap.dedent('''

            class Step(nn.Module):
                """1 where the input is positive, else 0 (its gradient is zero)."""

                def forward(self, z):
                    # + 0 · z: the layers before still get a (zero) gradient, as in NeuroCanvas
                    return (z > 0).to(z.dtype) + 0 * z
            '''))
    if plan.uses("Maxout"):
        parts.append(textwrap.dedent('''

            class Maxout(nn.Module):
                """Each unit is the largest of `pieces` linear functions of the input."""

                def __init__(self, in_features, units, pieces, bias=True):
                    super().__init__()
                    self.units, self.pieces = units, pieces
                    self.linear = nn.Linear(in_features, units * pieces, bias=bias)

                def forward(self, x):
                    return self.linear(x).view(-1, self.units, self.pieces).max(dim=2).values
            '''))
    init = [f"        self.{plan.var[n]} = {_layer(plan, n)}" for n in plan.nodes if _layer(plan, n) is not None]
    out_var = plan.var[output]
    doc = f'        """The prediction ({out_var}) for a batch of rows {plan.argument}.'
    if plan.for_loss:
        read = ", ".join(plan.var[n] for n in plan.loss_inputs)
        fused = [plan.fused(l) for l in plan.loss_ids if plan.fused(l)]
        why = (f"the logits before the {' and '.join(sorted(set(fused)))}: the loss applies it itself, "
               "in a numerically stable form" if fused else "the nodes the losses read")
        text = f"With for_loss=True, what train.py's loss reads instead: {read} ({why})."
        doc += "\n\n" + textwrap.fill(text, 96, initial_indent=" " * 8, subsequent_indent=" " * 8) + '\n        """'
        signature = f"    def forward(self, {plan.argument}, for_loss=False):"
    else:
        doc += '"""'
        signature = f"    def forward(self, {plan.argument}):"
    body = [f"        {_compute(plan, n)}" for n in plan.loss_nodes]
    if plan.for_loss:
        returned = [plan.var[n] for n in plan.loss_inputs]
        body.append("        if for_loss:")
        body.append(f"            return {', '.join(returned)}")
    body += [f"        {_compute(plan, n)}" for n in plan.rest]
    body.append(f"        return {out_var}")
    net = [
        "",
        "",
        "class Net(nn.Module):",
        f'    """{project.name} as designed in NeuroCanvas."""',
        "",
        "    def __init__(self):",
        "        super().__init__()",
        *init,
        "",
        signature,
        doc,
        *body,
    ]
    parts.append("\n".join(net) + "\n")
    parts.append(textwrap.dedent('''

        def prepare(rows):
            """Rows of raw features (in FEATURE_NAMES order) as the tensor the network takes."""
            x = torch.as_tensor(np.asarray(rows, dtype=np.float64))
            if MEAN is not None:
                x = (x - torch.tensor(MEAN, dtype=x.dtype)) / torch.tensor(STD, dtype=x.dtype)
            return x.to(torch.get_default_dtype())


        def load_parameters(model, path=HERE / "parameters.npz"):
            """Copy parameters from a numpy .npz archive (no pickle involved) into ``model``."""
            with np.load(path, allow_pickle=False) as saved:
                state = {name: torch.from_numpy(saved[name]) for name in saved.files}
            model.load_state_dict(state)
            return model


        def save_parameters(model, path):
            """Write ``model``'s parameters as a numpy .npz archive, one array per state_dict name."""
            np.savez(path, **{name: value.detach().cpu().numpy() for name, value in model.state_dict().items()})
        '''))
    return "".join(parts)


# ---- train.py -------------------------------------------------------------------------------------
def _optimizer_call(spec: dict) -> tuple[str, str]:
    cls, arguments = _OPTIMIZERS[spec["name"]]
    values = []
    for arg in arguments:
        if arg == "lr":
            values.append(f"lr={spec['learning_rate']!r}")
        elif arg == "betas":
            values.append(f"betas=({spec['beta1']!r}, {spec['beta2']!r})")
        else:
            values.append(f"{arg}={spec[arg]!r}")
    return cls, ", ".join(values)


def _target_expression(plan: _Plan, loss_id: str) -> tuple[str, str]:
    """(expression of ``y`` and ``dtype``, description) for the targets a loss compares with."""
    network = plan.network
    ds = network.dataset
    function = network.model.layers[loss_id].function
    if ds.task != "classification":
        return "y.to(dtype)", "the target values"
    if plan.fused(loss_id) == "softmax":
        return "y", "class indices"
    width = network.width(network.model.sources[loss_id][0])
    if width == 1:
        expression, what = "(y == 1).to(dtype).unsqueeze(1)", "1 for class 1, else 0"
    else:
        expression, what = f"F.one_hot(y, {width}).to(dtype)", "one-hot rows"
    if loss_functions.FUNCTIONS[function].targets == "sign":
        return f"{expression} * 2 - 1", what.replace("1 for", "+1 for").replace("else 0", "else −1") + (
            " of ±1" if width > 1 else "")
    return expression, what


def _loss_expression(plan: _Plan, loss_id: str, p: str, t: str) -> tuple[str, str]:
    layer = plan.network.model.layers[loss_id]
    function, fused = layer.function, plan.fused(loss_id)
    label = loss_functions.FUNCTIONS[function].label.lower()
    if fused == "softmax":
        return f"F.cross_entropy({p}, {t})", f"{label} on the logits (softmax included)"
    if fused == "sigmoid":
        return f"F.binary_cross_entropy_with_logits({p}, {t})", f"{label} on the logits (sigmoid included)"
    expression = {
        "mse": f"F.mse_loss({p}, {t})",
        "mae": f"F.l1_loss({p}, {t})",
        "huber": f"F.huber_loss({p}, {t}, delta={layer.delta!r})",
        "quadratic": f"0.5 * (({p} - {t}) ** 2).sum() / len({p})",
        "binary_cross_entropy": f"binary_cross_entropy({p}, {t})",
        "categorical_cross_entropy": f"-({t} * torch.log({p}.clamp(EPS, 1))).sum() / len({p})",
        "kl_divergence": f'F.kl_div(torch.log({p}.clamp(EPS, 1)), {t}, reduction="batchmean")',
        "hinge": f"F.relu(1 - {t} * {p}).mean()",
        "perceptron": f"(-{t} * {p}).clamp(min=0).mean()",
    }[function]
    return expression, label


def train_source(plan: _Plan) -> str:
    network = plan.network
    project, settings, ds = network.project, network.trainer.settings, network.dataset
    cls, arguments = _optimizer_call(settings["optimizer"])
    single = len(plan.loss_ids) == 1
    targets, losses, described = [], [], []
    for k, loss_id in enumerate(plan.loss_ids):
        expression, what = _target_expression(plan, loss_id)
        targets.append((expression, what))
        p, t = ("outputs", "targets") if single else (f"outputs[{k}]", f"targets[{k}]")
        loss, label = _loss_expression(plan, loss_id, p, t)
        weight = network.model.layers[loss_id].weight
        losses.append(loss if weight == 1.0 else f"{weight!r} * {loss}")
        described.append((f"{label} of {plan.loss_inputs[k]}" if single else f"{loss_id}, {label} of {plan.loss_inputs[k]}")
                         + ("" if weight == 1.0 else f", weight {weight:g}"))
    if single:
        target_doc = targets[0][1]
        target_body = f"    return {targets[0][0]}"
        loss_body = f"    return {losses[0]}"
    else:
        target_doc = "one per loss: " + "; ".join(what for _, what in targets)
        target_body = "    return (\n" + "".join(f"        {e},\n" for e, _ in targets) + "    )"
        loss_body = "    return (\n        " + "\n        + ".join(losses) + "\n    )"
    loss_doc = "; ".join(described)
    uses_bce = any(network.model.layers[l].function == "binary_cross_entropy" and not plan.fused(l)
                   for l in plan.loss_ids)
    output_width = network.width(network.output_id)
    if ds.task == "classification":
        classes = ("prediction.argmax(dim=1)" if output_width > 1
                   else f"(prediction[:, 0] > {network.threshold!r}).long()")
        metrics = textwrap.dedent(f'''\
            def metrics(prediction, y):
                """Accuracy, as NeuroCanvas measures it."""
                classes = {classes}
                return {{"accuracy": (classes == y).double().mean().item()}}
            ''')
    else:
        metrics = textwrap.dedent('''\
            def metrics(prediction, y):
                """R² (averaged over the targets) and the mean absolute error, as NeuroCanvas measures them."""
                y = y.to(prediction.dtype)
                residual = ((y - prediction) ** 2).sum(dim=0)
                total = ((y - y.mean(dim=0)) ** 2).sum(dim=0)
                r2 = 1 - residual / torch.where(total > 0, total, torch.ones_like(total))
                return {"r2": r2.mean().item(), "mae": (y - prediction).abs().mean().item()}
            ''')
    call_for_loss = "model(x, for_loss=True)" if plan.for_loss else "model(x)"
    batch_for_loss = "model(xb, for_loss=True)" if plan.for_loss else "model(xb)"
    header = f'''\
        """Train {project.name} in PyTorch with the settings it had in NeuroCanvas.

            python train.py                                # one process
            torchrun --nproc_per_node 4 train.py           # DistributedDataParallel, 4 processes
            python train.py --epochs 1 --no-shuffle --float64

        It starts from the parameters exported with the project (parameters.npz) and trains on the
        rows NeuroCanvas trained on (data.npz: its training and validation split{
            ", standardized" if network.standardized else ""}); the trained
        parameters are written to trained_parameters.npz (load_parameters(Net(), path) reads them).
        Run by itself, it visits the rows in NeuroCanvas's order, so it repeats its numbers.

        Loss: {loss_doc}.
        Optimizer: torch.optim.{cls}, batch size {settings["batch_size"]}, {settings["epochs"]} epochs.
        """
        from __future__ import annotations

        import argparse
        import copy
        import os
        from pathlib import Path

        import numpy as np
        import torch
        import torch.distributed as dist
        import torch.nn.functional as F
        from torch.nn.parallel import DistributedDataParallel
        from torch.utils.data.distributed import DistributedSampler

        from model import Net, load_parameters, save_parameters

        HERE = Path(__file__).resolve().parent
        EPOCHS = {settings["epochs"]}
        BATCH_SIZE = {settings["batch_size"]}  # in all: each of N distributed processes takes BATCH_SIZE // N
        SEED = {settings["seed"]}
        FIRST_EPOCH = {project.epoch}  # epochs trained in NeuroCanvas before the export (seeds the shuffling)
        L1 = {settings["l1"]!r}  # penalty L1·Σ|w| on the weights of the linear layers (not biases)
        L2 = {settings["l2"]!r}  # penalty L2·Σw²
        PATIENCE = {settings["patience"]}  # early stopping: epochs without improvement (0 = off)
        MIN_DELTA = {settings["min_delta"]!r}
        EPS = 1e-7  # as NeuroCanvas: keeps log() finite for probabilities of 0 or 1


        def make_optimizer(parameters):
            return torch.optim.{cls}(parameters, {arguments})


        def encode_targets(y, dtype):
            """The targets as the loss compares them: {target_doc}."""
        {{target_body}}


        def compute_loss(outputs, targets):
            """{loss_doc}."""
        {{loss_body}}


        def penalty(model):
            """L1·Σ|w| + L2·Σw² over the weights of the linear layers, as NeuroCanvas adds them."""
            if not (L1 or L2):
                return 0.0
            weights = [m.weight for m in model.modules() if isinstance(m, torch.nn.Linear)]
            return sum(L1 * w.abs().sum() + L2 * (w * w).sum() for w in weights)

        '''
    text = textwrap.dedent(header).replace("{target_body}", target_body).replace("{loss_body}", loss_body)
    if uses_bce:
        text += textwrap.dedent('''

            def binary_cross_entropy(p, t):
                """As NeuroCanvas: probabilities clipped to [EPS, 1 − EPS] before the logarithm."""
                p = p.clamp(EPS, 1 - EPS)
                return -(t * torch.log(p) + (1 - t) * torch.log1p(-p)).mean()

            ''')
    text += "\n" + metrics
    text += textwrap.dedent(f'''

        @torch.no_grad()
        def evaluate(model, x, y, targets, prefix=""):
            """The loss and the metrics over all of x, in evaluation mode (dropout off)."""
            was_training = model.training
            model.eval()
            results = {{prefix + "loss": compute_loss({call_for_loss}, targets).item()}} if prefix else {{}}
            results.update({{prefix + k: v for k, v in metrics(model(x), y).items()}})
            model.train(was_training)
            return results


        def epoch_order(n, epoch, shuffle, sampler):
            """The rows this process visits in an epoch, in order."""
            if sampler is not None:  # distributed: this process's share, reshuffled every epoch
                sampler.set_epoch(epoch)
                return torch.tensor(list(sampler))
            if not shuffle:
                return torch.arange(n)
            # NeuroCanvas's order: a permutation seeded by the seed and the epoch.
            return torch.from_numpy(np.random.default_rng([SEED, FIRST_EPOCH + epoch]).permutation(n))


        def load_data(path, dtype, device):
            with np.load(path, allow_pickle=False) as data:
                arrays = {{k: torch.from_numpy(data[k]) for k in ("x_train", "y_train", "x_val", "y_val")}}
            arrays = {{k: v.to(dtype) if v.is_floating_point() else v for k, v in arrays.items()}}
            return {{k: v.to(device) for k, v in arrays.items()}}


        def train(model, data, epochs=EPOCHS, shuffle=True, rank=0, world_size=1, quiet=False):
            """Train ``model`` (a Net) on ``data`` (see load_data); returns the history of metrics.

            With world_size > 1 the process group must be initialized: the model is wrapped in
            DistributedDataParallel and every process takes its share of each epoch's rows.
            """
            dtype = data["x_train"].dtype
            x, y = data["x_train"], data["y_train"]
            t = encode_targets(y, dtype)
            t_val = encode_targets(data["y_val"], dtype) if len(data["x_val"]) else None
            net = model
            sampler = None
            batch_size = min(BATCH_SIZE, len(x))
            if world_size > 1:
                model = DistributedDataParallel(model)
                # The sampler only needs the row count; it splits the rows among the processes.
                sampler = DistributedSampler(range(len(x)), num_replicas=world_size, rank=rank,
                                             shuffle=shuffle, seed=SEED)
                batch_size = max(1, batch_size // world_size)
            optimizer = make_optimizer(model.parameters())
            history, best, waited = {{}}, None, 0
            model.train()
            for epoch in range(epochs):
                order = epoch_order(len(x), epoch, shuffle, sampler)
                total = torch.zeros(2, dtype=torch.float64, device=x.device)  # loss sum, rows
                for start in range(0, len(order), batch_size):
                    rows = order[start:start + batch_size]
                    xb, tb = x[rows], select(t, rows)
                    loss = compute_loss({batch_for_loss}, tb)
                    optimizer.zero_grad()
                    (loss + penalty(net)).backward()
                    optimizer.step()
                    total += torch.tensor([loss.item() * len(rows), len(rows)], dtype=torch.float64, device=x.device)
                if world_size > 1:
                    dist.all_reduce(total)
                results = {{"loss": (total[0] / total[1]).item(), **evaluate(net, x, y, t)}}
                if t_val is not None:
                    results.update(evaluate(net, data["x_val"], data["y_val"], t_val, prefix="val_"))
                for key, value in results.items():
                    history.setdefault(key, []).append(value)
                if rank == 0 and not quiet:
                    shown = "  ".join(f"{{k}} {{v:.4g}}" for k, v in results.items())
                    print(f"epoch {{FIRST_EPOCH + epoch + 1}}  {{shown}}", flush=True)
                if PATIENCE:
                    value = results.get("val_loss", results["loss"])
                    if best is None or value < best[0] - MIN_DELTA:
                        best, waited = (value, copy.deepcopy(net.state_dict())), 0
                    else:
                        waited += 1
                        if waited >= PATIENCE:
                            net.load_state_dict(best[1])
                            if rank == 0 and not quiet:
                                print(f"no improvement for {{PATIENCE}} epochs: restored the best parameters")
                            break
            return history


        def select(targets, rows):
            return tuple(t[rows] for t in targets) if isinstance(targets, tuple) else targets[rows]


        def main(argv=None):
            parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
            parser.add_argument("--epochs", type=int, default=EPOCHS)
            parser.add_argument("--no-shuffle", action="store_true", help="visit the rows in their stored order")
            parser.add_argument("--float64", action="store_true", help="compute in double precision")
            parser.add_argument("--from-scratch", action="store_true",
                                help="start from PyTorch's initial parameters, not parameters.npz")
            parser.add_argument("--data", type=Path, default=HERE / "data.npz")
            parser.add_argument("--parameters", type=Path, default=HERE / "parameters.npz")
            parser.add_argument("--output", type=Path, default=Path("trained_parameters.npz"))
            parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
            parser.add_argument("--quiet", action="store_true")
            args = parser.parse_args(argv)

            distributed = "WORLD_SIZE" in os.environ  # launched by torchrun
            device = torch.device(args.device)
            if distributed:
                dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
                if device.type == "cuda":
                    device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
                    torch.cuda.set_device(device)
            rank = dist.get_rank() if distributed else 0
            world_size = dist.get_world_size() if distributed else 1

            torch.manual_seed(SEED)  # the initial parameters with --from-scratch, and dropout
            dtype = torch.float64 if args.float64 else torch.float32
            model = Net() if args.from_scratch else load_parameters(Net(), args.parameters)
            model = model.to(device=device, dtype=dtype)
            data = load_data(args.data, dtype, device)
            train(model, data, args.epochs, shuffle=not args.no_shuffle, rank=rank,
                  world_size=world_size, quiet=args.quiet)
            if rank == 0:
                save_parameters(model, args.output)
                if not args.quiet:
                    print(f"wrote {{args.output}}")
            if distributed:
                dist.destroy_process_group()


        if __name__ == "__main__":
            main()
        ''')
    return text


# ---- README.md -----------------------------------------------------------------------------------
def readme_source(plan: _Plan, notes: list[str]) -> str:
    network = plan.network
    project, ds, settings = network.project, network.dataset, network.trainer.settings
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
        f"| `data.npz` | the {len(network.trainer.x_train)} training rows (`x_train`, `y_train`) and "
        f"{len(network.trainer.x_val)} validation rows (`x_val`, `y_val`) exactly as NeuroCanvas split them"
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


def _notes(plan: _Plan) -> list[str]:
    notes = []
    if plan.uses("Dropout"):
        notes.append("Dropout draws its masks from PyTorch's random generator, so runs with dropout "
                     "differ from NeuroCanvas's in the dropped values.")
    if any(plan.network.model.layers[l].function in ("binary_cross_entropy", "categorical_cross_entropy",
                                                     "kl_divergence") and not plan.fused(l)
           for l in plan.loss_ids):
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
    plan = _Plan.of(network)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.py").write_text(model_source(plan), encoding="utf-8")
    (folder / "train.py").write_text(train_source(plan), encoding="utf-8")
    (folder / "README.md").write_text(readme_source(plan, _notes(plan)), encoding="utf-8")
    np.savez(folder / "parameters.npz", **to_torch_state(network))
    np.savez(folder / "data.npz", **export_data(network))
    return folder


def export_data(network: Network) -> dict[str, np.ndarray]:
    """The engine's training and validation rows (float64, as stored in the dataset) and names."""
    # The same split as the network's trainer, but computed in float64 so no value is rounded.
    split = compile_project(network.project, network.dataset, require_trained=False,
                            training={"dtype": "float64"}).trainer
    ds = network.dataset
    data = {
        "x_train": split.x_train, "y_train": split.y_train, "x_val": split.x_val, "y_val": split.y_val,
        "feature_names": np.array(ds.feature_names, dtype=str),
    }
    if ds.task == "classification":
        data["class_names"] = np.array(ds.class_names, dtype=str)
    else:
        data["target_names"] = np.array(ds.target_names, dtype=str)
    if network.standardized:
        data["mean"], data["std"] = ds.mean, ds.std
    return data
