"""``python main.py explain PROJECT``: one sample's forward pass, loss, gradients and update,
as text for people and handouts or as JSON with the same numbers for scripts."""
from __future__ import annotations

import json

import numpy as np

from ..project import load_project
from .explainer import Explainer, Explanation
from .notation import Line, number

SHOWN_VALUES = 8  # a node's values beyond these are summarized


def add_parser(commands) -> None:
    explain = commands.add_parser("explain", help="one sample through the network: forward, loss, gradients, update")
    explain.add_argument("project")
    explain.add_argument("--sample", type=int, default=0, metavar="I", help="the dataset's row I, counting from 0 (default 0)")
    explain.add_argument("--node", metavar="ID", help="the node to explain (default: the first with weights)")
    explain.add_argument("--unit", type=int, default=0, metavar="K", help="the node's unit K, counting from 0 (default 0)")
    explain.add_argument("--input", type=int, metavar="J",
                         help="follow the weight from input J (default: the input contributing most)")
    explain.add_argument("--format", choices=("text", "json"), default="text")


def run(args) -> int:
    project = load_project(args.project)
    explainer = Explainer.for_project(project)
    explanation = explainer.explain(explainer.sample(args.sample), args.node, args.unit, args.input)
    if args.format == "json":
        print(json.dumps({"project": project.name, **explanation.to_dict()}, ensure_ascii=False, indent=1))
    else:
        print(to_text(explanation, project.name))
    return 0


def to_text(e: Explanation, title: str) -> str:
    out = [f"{title} — {e.sample.description}"]
    out += [f"note: {note}" for note in e.notes]
    out.append("\nForward: every node's output")
    width = max(map(len, e.values)) + 2
    for node, values in e.values.items():
        out.append(f"  {node:<{width}}{_values(values)}")
    out.append("\nLoss")
    out += [_line(line, f"  {loss_id}: " if len(e.losses) > 1 else "  ") for loss_id, line in e.losses.items()]
    if len(e.losses) > 1:
        out.append(f"  total: L = {number(e.loss)}")
    out.append(f"\n«{e.node}», unit {e.unit} ({e.kind})")
    for title, lines in (("forward", e.forward), ("backward", e.backward)):
        if lines:
            out.append(f"  {title}")
            out += [_line(line, "    ") for line in lines]
    if e.chain:
        out.append(f"  the chain rule down to {e.chain.parameter}[{', '.join(map(str, e.chain.index))}]")
        out += [_line(line, "    ") for line in e.chain.lines]
    if e.update:
        out.append(f"\nUpdate: {e.optimizer}")
        out += [_line(line, "  ") for line in e.update]
    out.append("\nGradients ∂L/∂θ for a batch of this one sample")
    width = max(map(len, e.gradients), default=0) + 2
    for name, grad in e.gradients.items():
        out.append(f"  {name:<{width}}{_values(grad.ravel())}")
    return "\n".join(out)


def _line(line: Line, indent: str) -> str:
    return indent + line.text + (f"    ({line.note})" if line.note else "")


def _values(values: np.ndarray) -> str:
    shown = ", ".join(number(v) for v in values[:SHOWN_VALUES])
    more = f", … ({len(values)} values, norm {number(float(np.linalg.norm(values)))})" if len(values) > SHOWN_VALUES else ""
    return f"[{shown}{more}]"
