"""One node and one unit explained: its forward lines, its backward lines and the chain rule
from the loss down to one of its weights — all from one recorded ``Pass``."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import formulas
from .notation import Line, Num, Part, Var, equation, line, product_parts, subscript, text_line
from .passes import ACTIVATION, ADD, CONCAT, INPUT, LINEAR, LOSS, PASS_THROUGH, Pass

SHOW_ALL_TERMS = 8  # a weighted sum with more inputs shows only its largest terms
LARGEST_TERMS = 5


@dataclass
class Factor:
    """One factor of the chain rule: ``symbol`` (e.g. ∂act₂/∂h₂, and as ``html``) is ``meaning``
    (tanh′(z₂), the slope of «act») = ``value``."""

    symbol: str
    html: str
    meaning: str
    value: float
    parts: list[Part] = field(repr=False, compare=False, default_factory=list)

    def to_dict(self) -> dict:
        return {"symbol": self.symbol, "html": self.html, "meaning": self.meaning, "value": self.value}


@dataclass
class Chain:
    """∂L/∂w for one weight as a product of local derivatives, from the loss down to the weight.

    Where the path fans out (a layer of several units after this one, or a node feeding several
    others) the chain stops at the gradient that arrives there, which sums every path."""

    parameter: str  # e.g. "h.weight"
    index: tuple[int, ...]
    factors: list[Factor]
    value: float  # the product: equals the engine's gradient for that weight
    lines: list[Line]

    def to_dict(self) -> dict:
        return {"parameter": self.parameter, "index": list(self.index), "value": self.value,
                "factors": [f.to_dict() for f in self.factors], "lines": [x.to_dict() for x in self.lines]}


@dataclass
class NodeLines:
    kind: str
    forward: list[Line] = field(default_factory=list)
    backward: list[Line] = field(default_factory=list)
    chain: Chain | None = None
    # The parameters this unit owns, for the update: (parameter name, index, symbol).
    parameters: list[tuple[str, tuple[int, ...], Var]] = field(default_factory=list)
    source: int | None = None  # the input whose weight the chain and the update follow


def explain_node(p: Pass, node: str, unit: int, source: int | None) -> NodeLines:
    kind = p.kind(node)
    if kind == LINEAR:
        return _linear(p, node, unit, source)
    if kind == ACTIVATION:
        out = NodeLines(kind)
        _activation(p, node, unit, out, selected=True)
        return out
    if kind == LOSS:
        return _loss(p, node, unit)
    return _other(p, node, unit, kind)


def _sole_consumer(p: Pass, node: str) -> str | None:
    consumers = p.consumers[node]
    return consumers[0] if len(consumers) == 1 else None


def _origin(p: Pass, node: str) -> str:
    """Where the gradient arriving at ``node`` comes from, in words."""
    consumers = p.consumers[node]
    if not consumers:
        return "nothing uses this node's output"
    if len(consumers) > 1:
        return f"the sum of what comes back from {', '.join(f'«{c}»' for c in consumers)}"
    c = consumers[0]
    if c in p.model.loss_ids:
        return f"the slope of the loss «{c}»"
    if p.kind(c) == LINEAR:
        units = len(p.values[c])
        return f"w·δ of «{c}»" if units == 1 else f"Σⱼ wⱼ·δⱼ over the {units} units of «{c}» it feeds"
    return f"what comes back from «{c}»"


# ---- linear layers: z = Σ xᵢ·wᵢ + b --------------------------------------------------------------

def _weighted_sum(x: np.ndarray, w: np.ndarray, b: float | None, z: float, col: str, predicts: str | None) -> Line:
    zv: list[Part] = [Var("z", col)] if predicts is None else [Var("ŷ", predicts), " = ", Var("z", col)]
    n = len(x)
    terms = x * w
    if n <= SHOW_ALL_TERMS:
        symbolic: list[Part] = []
        numbers: list[Part] = []
        for i in range(n):
            symbolic += ([" + "] if i else []) + [Var("x", str(i)), "·", Var("w", f"{i},{col}")]
            numbers += ([" + "] if i else []) + product_parts(Num(x[i]), Num(w[i]))
        note = ""
    else:
        symbolic = ["Σᵢ ", Var("x", "i"), "·", Var("w", f"i,{col}")]
        top = np.argsort(-np.abs(terms), kind="stable")[:LARGEST_TERMS]
        numbers = []
        for j, i in enumerate(top):
            numbers += ([" + "] if j else []) + product_parts(Num(x[i]), Num(w[i]))
        rest = float(terms.sum() - terms[top].sum())
        numbers += [f" + ({n - len(top)} more terms = ", Num(rest), ")"]
        note = f"the {len(top)} largest of {n} terms xᵢ·wᵢ: i = {', '.join(map(str, top))}"
    if b is not None:
        symbolic += [" + ", Var("b", col)]
        numbers += [" + ", Num(b, paren=True)]
    return equation("z", zv, symbolic, numbers, Num(z), note=note)


def _linear(p: Pass, node: str, unit: int, source: int | None) -> NodeLines:
    layer = p.model.layers[node]
    x = p.inputs(node)[0]
    weight, bias = layer.params["weight"], layer.params.get("bias")
    pieces = p.pieces(node)
    columns = [unit * pieces + q for q in range(pieces)]
    z_all = x @ weight + (bias if bias is not None else 0.0)
    winner = columns[int(np.argmax(z_all[columns]))]
    out = NodeLines(LINEAR)
    col = str(winner)
    for c in columns:
        z = p.values[node][unit] if pieces == 1 else z_all[c]
        predicts = _predicts(p, node, unit) if pieces == 1 else None
        out.forward.append(_weighted_sum(x, weight[:, c], None if bias is None else bias[c], z, str(c), predicts))
    if pieces > 1:
        zs = [Var("z", str(c)) for c in columns]
        out.forward.append(equation(
            "a", Var("a", str(unit)), ["max(", *_joined(zs), ")"], ["max(", *_joined([Num(z_all[c]) for c in columns]), ")"],
            Num(p.values[node][unit]),
            note=f"column {winner} (piece {winner - columns[0]}) is the largest: only it gets a gradient"))
    i = int(np.argmax(np.abs(x * weight[:, winner]))) if source is None else source
    if not 0 <= i < len(x):
        raise IndexError(f"input {i}: «{node}» has {'only input 0' if len(x) == 1 else f'inputs 0 … {len(x) - 1}'}")
    out.source = i
    out.parameters.append((f"{node}.weight", (i, winner), Var("w", f"{i},{col}")))
    if bias is not None:
        out.parameters.append((f"{node}.bias", (winner,), Var("b", col)))

    activation = _sole_consumer(p, node)
    follows = activation if activation and p.kind(activation) == ACTIVATION else None
    if follows:
        _activation(p, follows, unit, out, selected=False)
    if node not in p.output_gradients:
        out.backward.append(text_line("none", "this node reaches no loss, so it is not trained"))
        return out
    delta = p.output_gradients[node][unit]
    if not follows:
        consumer = _sole_consumer(p, node)
        if consumer in p.model.loss_ids:
            out.backward.append(_loss_slope(p, consumer, unit))
        out.backward.append(equation("dL/dz", [Var("δ", col), " = ∂L/∂", Var("z", col)], Num(delta),
                                     note="z is the prediction ŷ itself" if consumer in p.model.loss_ids
                                     else f"from {_origin(p, node)}"))
    if pieces > 1:
        out.backward.append(text_line("maxout", f"only the winning column {winner} gets δ; the other pieces get 0"))
    grad_w = p.gradients[f"{node}.weight"][i, winner]
    penalty = grad_w - x[i] * delta if p.penalized else 0.0
    parts = product_parts(Var("x", str(i)), Var("δ", col))
    numbers = product_parts(Num(x[i]), Num(delta))
    if penalty:
        parts, numbers = parts + [" + penalty"], numbers + [" + ", Num(penalty, paren=True)]
    out.backward.append(equation("dL/dw", ["∂L/∂", Var("w", f"{i},{col}")], parts, numbers, Num(grad_w),
                                 note="with the L1/L2 penalty on the weights" if penalty else ""))
    if bias is not None:
        out.backward.append(equation("dL/db", ["∂L/∂", Var("b", col)], Var("δ", col),
                                     Num(p.gradients[f"{node}.bias"][winner])))
    out.backward.append(_flows_back(p, node, z_all, i, winner))
    out.chain = _chain(p, node, unit, i, winner, x[i])
    return out


def _predicts(p: Pass, node: str, unit: int) -> str | None:
    """The subscript of ŷ if ``node`` is what a loss compares with the target (else None)."""
    consumer = _sole_consumer(p, node)
    if consumer not in p.model.loss_ids:
        return None
    return "" if len(p.values[node]) == 1 else str(unit)


def _joined(parts: list[Part]) -> list[Part]:
    joined: list[Part] = []
    for i, part in enumerate(parts):
        joined += ([", "] if i else []) + [part]
    return joined


def _column_deltas(p: Pass, node: str, z_all: np.ndarray) -> np.ndarray:
    """δ for every column of the weight: the output's gradient, at the winning piece of each unit."""
    g = p.output_gradients[node]
    pieces = p.pieces(node)
    if pieces == 1:
        return g
    deltas = np.zeros_like(z_all)
    winners = z_all.reshape(len(g), pieces).argmax(axis=1)
    deltas[np.arange(len(g)) * pieces + winners] = g
    return deltas


def _flows_back(p: Pass, node: str, z_all: np.ndarray, i: int, c: int) -> Line:
    source = p.model.sources[node][0]
    if p.kind(source) == INPUT:
        return line("dL/dx", [Var("x", str(i)), f" is data (from «{source}»): nothing before it learns, so δ stops here"])
    weight = p.model.layers[node].params["weight"]
    deltas = _column_deltas(p, node, z_all)
    share = weight[i, c] * deltas[c]
    total = float(weight[i] @ deltas)
    numbers = product_parts(Num(weight[i, c]), Num(deltas[c]))
    if len(deltas) > 1:
        numbers += [f" + ({len(deltas) - 1} more = ", Num(total - share), ")"]
    note = f"δ flows back to «{source}» through the weights"
    if len(p.consumers[source]) > 1:
        note += f"; «{source}» also gets gradient from its other consumers: {Num(p.output_gradients[source][i]).text()} in all"
    return equation("dL/dx", ["∂L/∂", Var("x", str(i))], ["Σⱼ ", Var("w", f"{i},j"), "·", Var("δ", "j")], numbers,
                    Num(total), note=note)


# ---- activations: a = f(z) -----------------------------------------------------------------------

def _elementwise(p: Pass, node: str) -> bool:
    return p.model.layers[node].function != "softmax"


def _activation(p: Pass, node: str, k: int, out: NodeLines, selected: bool) -> None:
    layer = p.model.layers[node]
    function = "prelu" if "slope" in layer.params else layer.function
    z, a = p.inputs(node)[0], p.values[node]
    slope = layer.params["slope"] if function == "prelu" else None
    sub = str(k)
    predicts = _predicts(p, node, k)
    if function == "softmax":
        out.forward.append(formulas.softmax_forward(z, a, k, predicts))
    else:
        out.forward.append(formulas.activation_forward(
            function, z[k], a[k], layer.alpha, sub, None if slope is None else slope[k], predicts))
    if node not in p.output_gradients:
        if selected:
            out.backward.append(text_line("none", "this node reaches no loss, so nothing flows back through it"))
        return
    da = p.output_gradients[node]
    consumer = _sole_consumer(p, node)
    fused = p.fused_loss(node)
    if consumer in p.model.loss_ids:
        out.backward.append(_loss_slope(p, consumer, k, symbol=Var("a", sub)))
    else:
        out.backward.append(equation("dL/da", ["∂L/∂", Var("a", sub)], Num(da[k]), note=f"from {_origin(p, node)}"))
    if fused:
        out.backward.append(formulas.fused_slope(function, p.model.layers[fused].function, a, p.targets[fused], k,
                                                 p.logit_gradients[node][k], da[k]))
    elif function == "softmax":
        s = float(a @ da)
        dz = a[k] * (da[k] - s)
        out.backward.append(equation(
            "dL/dz", [Var("δ", sub), " = ∂L/∂", Var("z", sub)], [Var("a", sub), "·(∂L/∂", Var("a", sub), " − Σⱼ aⱼ·∂L/∂aⱼ)"],
            [*product_parts(Num(a[k])), "·(", Num(da[k]), " − ", Num(s, paren=True), ")"], Num(dz),
            note="softmax mixes the whole row: each score's slope depends on every output"))
    else:
        fprime = float(np.where(z[k] > 0, 1.0, slope[k])) if function == "prelu" else \
            float(formulas.derivative(function, z, a, layer.alpha)[k])
        out.backward.append(formulas.activation_slope(function, z[k], a[k], layer.alpha, fprime, sub,
                                                      None if slope is None else slope[k]))
        out.backward.append(equation("dL/dz", [Var("δ", sub), " = ∂L/∂", Var("z", sub)],
                                     ["∂L/∂", Var("a", sub), "·f′(", Var("z", sub), ")"],
                                     product_parts(Num(da[k]), Num(fprime)), Num(da[k] * fprime)))
    if function == "prelu" and selected:
        grad = p.gradients[f"{node}.slope"][k]
        out.backward.append(equation("dL/ds", ["∂L/∂", Var("s", sub)], Num(grad),
                                     note="zₖ·∂L/∂aₖ where zₖ ≤ 0, else 0"))
        out.parameters.append((f"{node}.slope", (k,), Var("s", sub)))


# ---- losses, merges and the rest -----------------------------------------------------------------

def loss_line(p: Pass, loss_id: str) -> Line:
    layer = p.model.layers[loss_id]
    prediction = p.values[p.model.sources[loss_id][0]]
    result = formulas.loss_value(layer.function, prediction, p.targets[loss_id], p.losses[loss_id], layer.delta)
    notes = [result.note] if result.note else []
    if p.fused_loss(p.model.sources[loss_id][0]) == loss_id:
        notes.append(f"computed from the logits of «{p.model.loss_inputs[loss_id]}» in one stable step — the same number")
    if layer.weight != 1.0:
        notes.append(f"counts ×{Num(layer.weight).text()} in the total")
    result.note = "; ".join(notes)
    return result


def _loss_slope(p: Pass, loss_id: str, k: int, symbol: Var | None = None) -> Line:
    layer = p.model.layers[loss_id]
    prediction = p.values[p.model.sources[loss_id][0]]
    result = formulas.loss_slope(layer.function, prediction, p.targets[loss_id], k,
                                 p.output_gradients[p.model.sources[loss_id][0]][k], layer.delta)
    if symbol is not None:
        result.note = ((result.note + "; ") if result.note else "") + f"{symbol.text()} is the prediction ŷ"
    return result


def _loss(p: Pass, node: str, k: int) -> NodeLines:
    out = NodeLines(LOSS, forward=[loss_line(p, node)])
    source = p.model.sources[node][0]
    out.backward.append(_loss_slope(p, node, k))
    if p.fused_loss(source) == node:
        function = p.model.layers[source].function
        out.backward.append(formulas.fused_slope(function, p.model.layers[node].function, p.values[source],
                                                 p.targets[node], k, p.logit_gradients[source][k],
                                                 p.output_gradients[source][k]))
    return out


def _other(p: Pass, node: str, k: int, kind: str) -> NodeLines:
    out = NodeLines(kind)
    me = Var(node, str(k))
    sources = p.model.sources[node]
    g = p.output_gradients.get(node)
    if kind == INPUT:
        out.forward.append(equation("x", me, Num(p.values[node][k]), note="the sample's feature as the network sees it"))
        return out
    if kind == ADD:
        out.forward.append(equation("out", me, _sum_parts([Var(s, str(k)) for s in sources]),
                                    _sum_parts([Num(p.values[s][k]) for s in sources]), Num(p.values[node][k])))
        if g is not None:
            sides = [["∂L/∂", Var(s, str(k))] for s in sources]
            out.backward.append(equation("dL/din", *sides, ["∂L/∂", me], Num(g[k]),
                                         note="Add passes its gradient unchanged to every input"))
        return out
    if kind == CONCAT:
        offset = 0
        for s in sources:
            width = len(p.values[s])
            if k < offset + width:
                inner = Var(s, str(k - offset))
                out.forward.append(equation("out", me, inner, Num(p.values[node][k]),
                                            note=f"Concat: unit {k} is unit {k - offset} of «{s}»"))
                if g is not None:
                    out.backward.append(equation("dL/din", ["∂L/∂", inner], ["∂L/∂", me], Num(g[k]),
                                                 note=f"goes back to «{s}» only"))
                return out
            offset += width
    if kind == PASS_THROUGH:
        inner = Var(sources[0], str(k))
        out.forward.append(equation("out", me, inner, Num(p.values[node][k]),
                                    note="passes the value through unchanged here (dropout is off when explaining)"))
    else:
        out.forward.append(equation("out", me, Num(p.values[node][k])))
    if g is not None:
        out.backward.append(equation("dL/dout", ["∂L/∂", me], Num(g[k]), note=f"from {_origin(p, node)}"))
    return out


def _sum_parts(parts: list[Part]) -> list[Part]:
    joined: list[Part] = []
    for i, part in enumerate(parts):
        joined += ([" + "] if i else []) + [Num(part.value, paren=True) if isinstance(part, Num) and i else part]
    return joined


# ---- the chain rule from the loss down to one weight ---------------------------------------------

def _chain(p: Pass, node: str, unit: int, i: int, column: int, x_i: float) -> Chain | None:
    """The chain for weight (i, column) of ``node``, whose output unit ``unit`` it feeds (for Maxout,
    ``column`` is the unit's winning piece, so ∂unit/∂w is xᵢ there too)."""
    if node not in p.output_gradients:
        return None
    w = Var("w", f"{i},{column}")
    factors = [_factor(Var(node, str(unit)), w, f"x{subscript(i)}", x_i)]
    current, u = node, unit
    while True:
        consumer = _sole_consumer(p, current)
        here = Var(current, str(u))
        kind = p.kind(consumer) if consumer else None
        if consumer and kind == ACTIVATION and not p.fused_loss(consumer) and _elementwise(p, consumer):
            layer = p.model.layers[consumer]
            z, a = p.values[current], p.values[consumer]
            if "slope" in layer.params:
                fprime = 1.0 if z[u] > 0 else float(layer.params["slope"][u])
            else:
                fprime = float(formulas.derivative(layer.function, z, a, layer.alpha)[u])
            factors.append(_factor(Var(consumer, str(u)), here, f"f′(z{subscript(u)}), the slope of «{consumer}»", fprime))
            current = consumer
            continue
        if consumer and kind == LINEAR and len(p.values[consumer]) == 1:
            layer = p.model.layers[consumer]
            z_all = p.values[current] @ layer.params["weight"] + _bias(p, consumer, slice(None))
            c = int(np.argmax(z_all))
            factors.append(_factor(Var(consumer, "0"), here, f"w{subscript(f'{u},{c}')} of «{consumer}»",
                                   layer.params["weight"][u, c]))
            current, u = consumer, 0
            continue
        if consumer and kind in (ADD, PASS_THROUGH, CONCAT):
            offset = 0
            if kind == CONCAT:
                for s in p.model.sources[consumer]:
                    if s == current:
                        break
                    offset += len(p.values[s])
            factors.append(_factor(Var(consumer, str(u + offset)), here, f"«{consumer}» passes it on unchanged", 1.0))
            current, u = consumer, u + offset
            continue
        break
    # What arrives at ``current`` sums every path beyond it; for the logits of a fused
    # activation it is the loss's slope on the logits.
    if consumer in p.model.loss_ids:
        meaning = "the loss's slope ∂L/∂ŷ"
    elif consumer and p.fused_loss(consumer):
        meaning = f"ŷ − y: the loss works on the logits, before «{consumer}»"
    else:
        meaning = _origin(p, current)
    factors.append(_factor("L", Var(current, str(u)), meaning, p.output_gradients[current][u]))
    factors.reverse()
    value = float(np.prod([f.value for f in factors]))
    symbols: list[Part] = ["∂L/∂", w, " = "]
    for k, f in enumerate(factors):
        symbols += ([" · "] if k else []) + f.parts
    lines = [line("chain", symbols)]
    lines += [equation("factor", f.parts, Num(f.value), note=f.meaning) for f in factors]
    lines.append(equation("chain_value", ["∂L/∂", w], product_parts(*[Num(f.value) for f in factors]), Num(value)))
    return Chain(f"{node}.weight", (i, column), factors, value, lines)


def _factor(top: Var | str, bottom: Var, meaning: str, value: float) -> Factor:
    parts: list[Part] = ["∂", top, "/∂", bottom]
    shown = line("factor", parts)
    return Factor(shown.text, shown.html, meaning, float(value), parts)


def _bias(p: Pass, node: str, column) -> np.ndarray | float:
    bias = p.model.layers[node].params.get("bias")
    return 0.0 if bias is None else bias[column]

