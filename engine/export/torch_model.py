"""model.py of the PyTorch export: ``Net`` mirrors the graph node by node, as each kind lowers itself.

Names from the project (its name, features, classes, targets) enter the code as ``repr`` literals only.
"""
from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from ..nodes import format_shape

if TYPE_CHECKING:
    from .common import Network
    from .torch_export import Plan


def _describe(plan: Plan, node_id: str) -> str:
    model = plan.network.model
    fed = ", ".join(model.sources[node_id]) or "the data"
    label = model.kinds[node_id].label(model.params[node_id]).replace(" · ", " ")
    return f"{node_id:<12} {label:<22} ← {fed:<14} out {format_shape(model.shapes[node_id])}"


def _constants(network: Network) -> list[str]:
    ds = network.dataset
    project = network.project
    lines = [f"PROJECT = {project.name!r}", f"FEATURE_NAMES = {list(ds.feature_names)!r}"]
    if ds.task == "classification":
        lines.append(f"CLASS_NAMES = {list(ds.class_names)!r}")
    else:
        lines.append(f"TARGET_NAMES = {list(ds.target_names)!r}")
    if network.standardized:
        lines += [
            "# The network was trained on standardized features: (raw − MEAN) / STD, per feature.",
            f"MEAN = {[float(v) for v in ds.mean]!r}",
            f"STD = {[float(v) for v in ds.std]!r}",
        ]
    else:
        lines.append("MEAN, STD = None, None  # the network takes the raw features")
    return lines


def _output_text(network: Network) -> str:
    if network.output_kind == "values":
        return "the predicted values, one per name in TARGET_NAMES"
    if network.output_kind == "scores":
        return "class scores (not probabilities), one per name in CLASS_NAMES"
    if network.width(network.output_id) > 1:
        return "the probability of each class in CLASS_NAMES"
    return "the probability of the last class in CLASS_NAMES"


def model_source(plan: Plan) -> str:
    network = plan.network
    project = network.project
    model = network.model
    output = network.output_id
    table = "\n".join("    " + _describe(plan, n) for n in model.input_ids + plan.nodes)
    trained = f"after {project.epoch} epochs" if project.parameters else "untrained: seeded initial parameters"
    image = [model.shapes[i] for i in model.input_ids if len(model.shapes[i]) > 1]
    taken = f", read as images of {format_shape(image[0])}" if image else ""
    head = f'''\
        """A PyTorch module exported from NeuroCanvas ({trained}); PROJECT below names its project.

        The network, node by node in the order NeuroCanvas computes it (node ← its inputs):

        {{table}}

        Input: rows of {network.n_features} features, in FEATURE_NAMES order{taken}{
            ", standardized (see prepare)" if network.standardized else ""}.
        Output: node '{output}', {_output_text(network)}.

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
    for source in plan.helpers.values():
        parts.append(source)
    init = [f"        self.{plan.var[n]} = {low.module}" for n, low in plan.lowering.items() if low.module]
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
    statements = plan.statements
    body = [f"        {statements[n]}" for n in model.input_ids + plan.loss_nodes if n in statements]
    if plan.for_loss:
        returned = [plan.var[n] for n in plan.loss_inputs]
        body.append("        if for_loss:")
        body.append(f"            return {', '.join(returned)}")
    body += [f"        {statements[n]}" for n in plan.rest if n in statements]
    body.append(f"        return {out_var}")
    net = [
        "",
        "",
        "class Net(nn.Module):",
        '    """The network of PROJECT as designed in NeuroCanvas."""',
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
            missing, unexpected = model.load_state_dict(state, strict=False)
            # NeuroCanvas keeps no batch counter for batch normalization; PyTorch uses it only without momentum.
            missing = [name for name in missing if not name.endswith("num_batches_tracked")]
            if missing or unexpected:
                raise KeyError(f"{path}: missing {missing}, unexpected {unexpected}")
            return model


        def save_parameters(model, path):
            """Write ``model``'s parameters as a numpy .npz archive, one array per state_dict name."""
            np.savez(path, **{name: value.detach().cpu().numpy() for name, value in model.state_dict().items()})
        '''))
    return "".join(parts)
