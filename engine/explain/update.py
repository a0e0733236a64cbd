"""The optimizer's rule for one parameter, with its numbers.

The numbers come from the optimizer itself: a copy of it (with its state) takes the step on a
copy of the parameter, and the lines write out what it did — the velocity, Adam's moments and
their bias corrections — so the shown new value is exactly the one a real step produces.
"""
from __future__ import annotations

import copy

import numpy as np

from ..optimizers import Optimizer
from .notation import Line, Num, Part, Var, equation, product_parts, superscript

LABELS = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad"}


def describe(optimizer: Optimizer) -> str:
    """"SGD, η = 0.1, momentum 0.9": the optimizer and the settings that shape its rule."""
    h = optimizer.hyper
    parts = [LABELS.get(optimizer.name, optimizer.name), f"η = {Num(h['learning_rate']).text()}"]
    if h.get("momentum"):
        parts.append(f"momentum μ = {Num(h['momentum']).text()}" + (" (Nesterov)" if h.get("nesterov") else ""))
    if "beta1" in h:
        parts.append(f"β₁ = {Num(h['beta1']).text()}, β₂ = {Num(h['beta2']).text()}, ε = {Num(h['eps']).text()}")
    if h.get("weight_decay"):
        parts.append(f"weight decay λ = {Num(h['weight_decay']).text()}")
    return ", ".join(parts)


def trial_step(optimizer: Optimizer, name: str, param: np.ndarray, grad: np.ndarray) -> tuple[np.ndarray, dict]:
    """(the parameter after one step, the state after it) — the optimizer itself is not changed."""
    trial = copy.deepcopy(optimizer)
    after = param.copy()
    trial.step({name: after}, {name: grad})
    return after, trial.state[name]


def explain_update(optimizer: Optimizer, name: str, index: tuple[int, ...], symbol: Var,
                   param: np.ndarray, grad: np.ndarray) -> tuple[list[Line], float]:
    """The lines of one update of ``param[index]`` and its new value."""
    after, state = trial_step(optimizer, name, param, grad)
    before = optimizer.state.get(name, {})
    h = optimizer.hyper
    w, g = float(param[index]), float(grad[index])
    new = float(after[index])
    t = state["step"]
    old = {k: float(v[index]) for k, v in before.items() if k != "step"}
    now = {k: float(v[index]) for k, v in state.items() if k != "step"}
    W, G, eta = Num(w), Num(g), Num(h["learning_rate"])
    wv, gv = symbol, Var("g")
    lines = [equation("g", gv, ["∂L/∂", wv], G)]
    if h.get("weight_decay") and not optimizer.DECOUPLED_WEIGHT_DECAY:
        g = g + h["weight_decay"] * w
        G = Num(g)
        lines.append(equation("g_decay", gv, [gv, " + λ·", wv], [Num(float(grad[index])), " + ", *product_parts(Num(h["weight_decay"]), W)], G,
                              note="L2 weight decay adds λ·w to the gradient"))
    rules = {"sgd": _sgd, "adam": _adam, "adamw": _adam, "rmsprop": _rmsprop, "adagrad": _adagrad}
    if optimizer.name in rules:
        steps, rule, numbers = rules[optimizer.name](optimizer, W, G, eta, wv, gv, old, now, t)
        lines += steps
        lines.append(equation("w_new", [wv, " ← ", *rule], numbers, Num(new)))
    else:
        lines.append(equation("w_new", [wv, " ← "], Num(new)))
    lines.append(equation("step", ["Δ", wv], [Num(new), " − ", Num(w, paren=True)], Num(new - w)))
    return lines, new


# Each rule returns (lines before the update, the update's formula, its numbers).

def _sgd(optimizer, W, G, eta, wv, gv, old, now, t):
    h = optimizer.hyper
    mu = h["momentum"]
    if not mu:
        return [], [wv, " − η·", gv], [W, " − ", *product_parts(eta, G)]
    v = Var("v")
    lines = []
    if "momentum_buffer" not in old:
        lines.append(equation("v", [v, " ← ", gv], Num(now["momentum_buffer"]),
                              note="the first step starts the velocity at the gradient (as PyTorch)"))
    else:
        damp = 1 - h["dampening"]
        lines.append(equation("v", [v, " ← μ·", v, " + (1 − d)·", gv],
                              [*product_parts(Num(mu), Num(old["momentum_buffer"])), " + ", *product_parts(Num(damp), G)],
                              Num(now["momentum_buffer"]), note="the velocity remembers a share μ of the last steps"))
    velocity = Num(now["momentum_buffer"])
    if h["nesterov"]:
        direction: list[Part] = ["(", gv, " + μ·", v, ")"]
        numbers: list[Part] = [W, " − ", eta, "·(", G, " + ", *product_parts(Num(mu), velocity), ")"]
    else:
        direction, numbers = [v], [W, " − ", *product_parts(eta, velocity)]
    return lines, [wv, " − η·", *direction], numbers


def _adam(optimizer, W, G, eta, wv, gv, old, now, t):
    h = optimizer.hyper
    b1, b2 = h["beta1"], h["beta2"]
    m, v, m_hat_v, v_hat_v = Var("m"), Var("v"), Var("m̂"), Var("v̂")
    m_hat, v_hat = now["exp_avg"] / (1 - b1 ** t), now["exp_avg_sq"] / (1 - b2 ** t)
    lines = []
    if h["weight_decay"] and optimizer.DECOUPLED_WEIGHT_DECAY:
        lines.append(equation("decay", [wv, " ← ", wv, "·(1 − η·λ)"],
                              [*product_parts(W), "·(1 − ", *product_parts(eta, Num(h["weight_decay"])), ")"],
                              Num(W.value * (1 - h["learning_rate"] * h["weight_decay"])),
                              note="AdamW shrinks the weight itself (decoupled weight decay)"))
    first = "exp_avg" not in old
    lines += [
        equation("m", [m, " ← β₁·", m, " + (1 − β₁)·", gv],
                 [*product_parts(Num(b1), Num(old.get("exp_avg", 0.0))), " + ", *product_parts(Num(1 - b1), G)],
                 Num(now["exp_avg"]), note="the running mean of the gradient" + ("; it starts at 0" if first else "")),
        equation("v", [v, " ← β₂·", v, " + (1 − β₂)·", gv, "²"],
                 [*product_parts(Num(b2), Num(old.get("exp_avg_sq", 0.0))), " + ", *product_parts(Num(1 - b2), G), "²"],
                 Num(now["exp_avg_sq"]), note="the running mean of its square"),
        equation("m_hat", [m_hat_v, " = ", m, " / (1 − β₁", superscript(t), ")"],
                 [Num(now["exp_avg"]), " / (1 − ", Num(b1), superscript(t), ")"], Num(m_hat),
                 note=f"bias correction: step t = {t}"),
        equation("v_hat", [v_hat_v, " = ", v, " / (1 − β₂", superscript(t), ")"],
                 [Num(now["exp_avg_sq"]), " / (1 − ", Num(b2), superscript(t), ")"], Num(v_hat)),
    ]
    if h["amsgrad"]:
        v_hat = now["max_exp_avg_sq"] / (1 - b2 ** t)
        lines.append(equation("v_max", [v_hat_v, " = max over the steps of ", v, " / (1 − β₂", superscript(t), ")"],
                              Num(v_hat), note="AMSGrad uses the largest v so far"))
    w = W.value if not (h["weight_decay"] and optimizer.DECOUPLED_WEIGHT_DECAY) else lines[0].value
    return lines, [wv, " − η·", m_hat_v, " / (√", v_hat_v, " + ε)"], \
        [Num(w), " − ", *product_parts(eta, Num(m_hat)), " / (√", Num(v_hat), " + ", Num(h["eps"]), ")"]


def _rmsprop(optimizer, W, G, eta, wv, gv, old, now, t):
    h = optimizer.hyper
    a = h["alpha"]
    s = Var("s")
    lines = [equation("s", [s, " ← α·", s, " + (1 − α)·", gv, "²"],
                      [*product_parts(Num(a), Num(old.get("square_avg", 0.0))), " + ", *product_parts(Num(1 - a), G), "²"],
                      Num(now["square_avg"]), note="the running mean of the squared gradient")]
    denominator = "√(s − ḡ²) + ε" if h["centered"] else "√s + ε"
    if h["centered"]:
        lines.append(equation("g_avg", "ḡ ← α·ḡ + (1 − α)·g", Num(now["grad_avg"])))
    if h["momentum"]:
        lines.append(equation("b", f"b ← μ·b + g / ({denominator})", Num(now["momentum_buffer"])))
        return lines, [wv, " − η·b"], [W, " − ", *product_parts(eta, Num(now["momentum_buffer"]))]
    return lines, [wv, f" − η·g / ({denominator})"], \
        [W, " − ", eta, "·", G, " / (√", Num(now["square_avg"]), " + ", Num(h["eps"]), ")"]


def _adagrad(optimizer, W, G, eta, wv, gv, old, now, t):
    h = optimizer.hyper
    s = Var("s")
    rate = h["learning_rate"] / (1 + (t - 1) * h["lr_decay"])
    lines = [equation("s", [s, " ← ", s, " + ", gv, "²"], [Num(old.get("sum", h["initial_accumulator_value"])), " + ", G, "²"],
                      Num(now["sum"]), note="the sum of every squared gradient so far")]
    if h["lr_decay"]:
        lines.append(equation("eta_t", "ηₜ = η / (1 + (t − 1)·decay)", Num(rate)))
    return lines, [wv, " − ηₜ·g / (√s + ε)"], [W, " − ", Num(rate), "·", G, " / (√", Num(now["sum"]), " + ", Num(h["eps"]), ")"]
