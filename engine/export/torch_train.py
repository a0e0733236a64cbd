"""train.py of the PyTorch export: the same losses, optimizer, batch size, epochs, penalties and early
stopping as in NeuroCanvas, runnable as one process or under torchrun."""
from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from ..nodes import losses as loss_functions

if TYPE_CHECKING:
    from .torch_export import Plan

_OPTIMIZERS = {  # engine name -> (torch class, [torch arguments])
    "sgd": ("SGD", ["lr", "momentum", "dampening", "nesterov", "weight_decay"]),
    "rmsprop": ("RMSprop", ["lr", "alpha", "eps", "weight_decay", "momentum", "centered"]),
    "adam": ("Adam", ["lr", "betas", "eps", "weight_decay", "amsgrad"]),
    "adamw": ("AdamW", ["lr", "betas", "eps", "weight_decay", "amsgrad"]),
    "adagrad": ("Adagrad", ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"]),
}


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


def _target_expression(plan: Plan, loss_id: str) -> tuple[str, str]:
    """(expression of ``y`` and ``dtype``, description) for the targets a loss compares with."""
    network = plan.network
    model = network.model
    function = model.layers[loss_id].function
    if network.dataset.task != "classification":
        return "y.to(dtype)", "the target values"
    if (plan.fused(loss_id), function) == ("softmax", "categorical_cross_entropy"):
        return "y", "class indices"
    width = network.width(model.sources[loss_id][0])
    if width == 1:
        expression, what = "(y == 1).to(dtype).unsqueeze(1)", "1 for class 1, else 0"
    else:
        expression, what = f"F.one_hot(y, {width}).to(dtype)", "one-hot rows"
    if loss_functions.FUNCTIONS[function].targets == "sign":
        return f"{expression} * 2 - 1", what.replace("1 for", "+1 for").replace("else 0", "else −1") + (
            " of ±1" if width > 1 else "")
    return expression, what


def _loss_expression(plan: Plan, loss_id: str, p: str, t: str) -> tuple[str, str]:
    layer = plan.network.model.layers[loss_id]
    function, fused = layer.function, plan.fused(loss_id)
    label = loss_functions.FUNCTIONS[function].label.lower()
    if fused:
        return loss_functions.FUSED[(fused, function)].torch.format(p=p, t=t), f"{label} on the logits ({fused} included)"
    return loss_functions.FUNCTIONS[function].torch.format(p=p, t=t, delta=layer.delta), label


def train_source(plan: Plan) -> str:
    network = plan.network
    project, settings, ds = network.project, network.settings, network.dataset
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
    roles = network.model.roles
    penalized = [key for name, key, _ in plan.state_names if roles[name].penalized]
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
        """Train the network of model.py's PROJECT in PyTorch with the settings it had in NeuroCanvas.

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
        L1 = {settings["l1"]!r}  # penalty L1·Σ|w| on the weights (not biases)
        L2 = {settings["l2"]!r}  # penalty L2·Σw²
        PENALIZED = {penalized!r}  # the weights the penalties apply to
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
            """L1·Σ|w| + L2·Σw² over the weights in PENALIZED, as NeuroCanvas adds them."""
            if not (L1 or L2):
                return 0.0
            parameters = dict(model.named_parameters())
            weights = [parameters[name] for name in PENALIZED]
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
            model = Net().to(device=device, dtype=dtype)  # in its precision first: float64 values load unrounded
            if not args.from_scratch:
                load_parameters(model, args.parameters)
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

