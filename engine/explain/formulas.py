"""Each activation's and each loss's formula with one unit's numbers filled in.

The values themselves are always the engine's (the model's forward output, the activation's own
backward, the loss's own gradient); these functions only write them out. A function or loss
without a written-out rule here still gets a correct line: its formula and its value.
"""
from __future__ import annotations

import numpy as np

from ..nodes import activations, losses
from .notation import Line, Num, Part, Var, equation, product_parts, superscript

# ---- activations ------------------------------------------------------------------------


def derivative(function: str, z: np.ndarray, a: np.ndarray, alpha) -> np.ndarray:
    """f′(z) for every unit of an element-wise activation, by the activation's own backward."""
    return activations.FUNCTIONS[function].backward(z, a, np.ones_like(z), alpha)


def activation_forward(function: str, z: float, a: float, alpha, sub: str, slope: float | None = None,
                       predicts: str | None = None) -> Line:
    """``aₖ = f(zₖ) = … = value`` for an element-wise activation (PReLU takes its ``slope``);
    ``predicts``: the subscript of ŷ when this is the network's prediction (``ŷ = aₖ = …``)."""
    zv, Z, A = Var("z", sub), Num(z), Num(a)
    av = _left(Var("a", sub), predicts)
    neg = Num(-z)
    positive = z > 0
    if function == "sigmoid":
        return equation("a", av, ["σ(", zv, ")"], ["1 / (1 + exp(−", zv, "))"], ["1 / (1 + exp(", neg, "))"], A)
    if function == "tanh":
        return equation("a", av, ["tanh(", zv, ")"], ["tanh(", Z, ")"], A)
    if function == "relu":
        return equation("a", av, ["max(0, ", zv, ")"], ["max(0, ", Z, ")"], A)
    if function == "identity":
        return equation("a", av, zv, A, note="the identity passes z through unchanged")
    if function == "step":
        return equation("a", av, ["step(", zv, ")"], ["step(", Z, ")"], A, note="1 if z > 0, else 0")
    if function == "softplus":
        return equation("a", av, ["ln(1 + exp(", zv, "))"], ["ln(1 + exp(", Z, "))"], A)
    if function == "swish":
        return equation("a", av, [zv, "·σ(", zv, ")"], product_parts(Z, Num(_sigmoid(z))), A)
    if function in ("leaky_relu", "prelu"):
        s = Var("α" if function == "leaky_relu" else "s", sub if function == "prelu" else "")
        rate = alpha if function == "leaky_relu" else slope
        rule = [zv, " if ", zv, " > 0 else ", s, "·", zv]
        if positive:
            return equation("a", av, rule, Z, A)
        return equation("a", av, rule, product_parts(s, zv), product_parts(Num(rate), Z), A)
    if function in ("elu", "selu"):
        lam = "λ·" if function == "selu" else ""
        factor = activations.SELU_SCALE if function == "selu" else 1.0
        al = activations.SELU_ALPHA if function == "selu" else alpha
        rule = [lam, "(", zv, " if ", zv, " > 0 else α·(exp(", zv, ") − 1))"]
        if positive:
            return equation("a", av, rule, product_parts(Num(factor), Z) if factor != 1 else Z, A)
        return equation("a", av, rule, [*product_parts(Num(factor * al)), "·(exp(", Z, ") − 1)"], A)
    formula = activations.FUNCTIONS[function].formula.split(" = ", 1)[-1]
    return equation("a", av, ["f(", zv, ")"], ["f(", Z, ")"], A, note=f"f(z) = {formula}")


def activation_slope(function: str, z: float, a: float, alpha, fprime: float, sub: str,
                     slope: float | None = None) -> Line:
    """``f′(zₖ) = … = value``: the activation's slope at this unit, written out."""
    zv, av, Z, A, F = Var("z", sub), Var("a", sub), Num(z), Num(a), Num(fprime)
    name = "σ′" if function == "sigmoid" else f"{function}′" if function in ("tanh", "relu") else "f′"
    left = [name, "(", zv, ")"]
    positive = z > 0
    side = "z > 0" if positive else "z ≤ 0"
    if function == "sigmoid":
        return equation("f'", left, [av, "·(1 − ", av, ")"], [*product_parts(A), "·(1 − ", A, ")"], F)
    if function == "tanh":
        return equation("f'", left, ["1 − ", av, superscript(2)], ["1 − ", Num(a, paren=True), superscript(2)], F)
    if function in ("relu", "step", "identity"):
        rule = {"relu": "1 if z > 0 else 0", "step": "0 (flat everywhere)", "identity": "1"}[function]
        return equation("f'", left, F, note=f"f′ = {rule}" + (f"; here {side}" if function == "relu" else ""))
    if function in ("leaky_relu", "prelu", "elu", "selu"):
        rule = {"leaky_relu": "1 if z > 0 else α", "prelu": "1 if z > 0 else s (the learned slope)",
                "elu": "1 if z > 0 else a + α", "selu": "λ if z > 0 else a + λ·α"}[function]
        return equation("f'", left, F, note=f"f′ = {rule}; here {side}")
    if function == "softplus":
        return equation("f'", left, ["σ(", zv, ")"], ["σ(", Z, ")"], F)
    if function == "swish":
        s = Num(_sigmoid(z))
        return equation("f'", left, ["σ(", zv, ") + ", av, "·(1 − σ(", zv, "))"],
                        [s, " + ", *product_parts(A), "·(1 − ", s, ")"], F)
    return equation("f'", left, F, note="the slope of f at z, computed by the activation's own backward")


def softmax_forward(z: np.ndarray, a: np.ndarray, k: int, predicts: str | None = None) -> Line:
    """``aₖ = exp(zₖ) / Σⱼ exp(zⱼ)`` with the row's scores (all of them for a short row)."""
    av, zv = _left(Var("a", str(k)), predicts), Var("z", str(k))
    exps = np.exp(z - z.max())
    total = exps.sum()
    if len(z) <= 4:
        terms: list[Part] = []
        for j, zj in enumerate(z):
            terms += ([" + "] if j else []) + ["exp(", Num(zj), ")"]
        denominator = ["(", *terms, ")"]
    else:
        denominator = [f"(Σ of {len(z)} terms)"]
    return equation("a", av, ["exp(", zv, ") / Σⱼ exp(zⱼ)"], ["exp(", Num(z[k]), ") / ", *denominator], Num(a[k]),
                    note=f"the largest score is subtracted first, which changes nothing: "
                         f"{Num(exps[k]).text()} / {Num(total).text()}")


# ---- losses -----------------------------------------------------------------------------


# Each loss per output unit j: (its written rule, its term with numbers) — L averages or sums them.
_TERMS = {
    "quadratic": ("(ŷⱼ − yⱼ)²", lambda P, T: ["(", P, " − ", T, ")²"]),
    "mse": ("(ŷⱼ − yⱼ)²", lambda P, T: ["(", P, " − ", T, ")²"]),
    "mae": ("|ŷⱼ − yⱼ|", lambda P, T: ["|", P, " − ", T, "|"]),
    "hinge": ("max(0, 1 − yⱼ·ŷⱼ)", lambda P, T: ["max(0, 1 − ", *product_parts(T, P), ")"]),
    "perceptron": ("max(0, −yⱼ·ŷⱼ)", lambda P, T: ["max(0, −", *product_parts(T, P), ")"]),
    "binary_cross_entropy": ("yⱼ·ln ŷⱼ + (1 − yⱼ)·ln(1 − ŷⱼ)",
                             lambda P, T: [*product_parts(T), "·ln ", P, " + ", Num(1 - T.value), "·ln ", Num(1 - P.value)]),
}
_SHOWN_TERMS = 4


def loss_value(function: str, p: np.ndarray, t: np.ndarray, value: float, delta: float) -> Line:
    """``L = formula = numbers = value`` for one sample: ``p`` the prediction ŷ, ``t`` the target
    as the loss encodes it (both 1-D over the output's units), ``value`` the engine's loss."""
    m = len(p)
    L, yh, y = "L", Var("ŷ"), Var("y")
    V = Num(value)
    if m == 1:
        P, T = Num(p[0]), Num(t[0])
        if function == "quadratic":
            return equation("L", L, ["½·(", yh, " − ", y, ")²"], ["½·(", P, " − ", T, ")²"], V)
        if function == "mse":
            return equation("L", L, ["(", yh, " − ", y, ")²"], ["(", P, " − ", T, ")²"], V)
        if function == "mae":
            return equation("L", L, ["|", yh, " − ", y, "|"], ["|", P, " − ", T, "|"], V)
        if function == "huber":
            r = abs(p[0] - t[0])
            if r <= delta:
                return equation("L", L, ["½·r²"], ["½·", Num(r), "²"], V, note=f"r = |ŷ − y| = {Num(r).text()} ≤ δ = {Num(delta).text()}")
            return equation("L", L, ["δ·(r − ½δ)"], [Num(delta), "·(", Num(r), " − ½·", Num(delta), ")"], V,
                            note=f"r = |ŷ − y| = {Num(r).text()} > δ = {Num(delta).text()}")
        if function == "binary_cross_entropy":
            return equation("L", L, ["−(", y, "·ln ", yh, " + (1 − ", y, ")·ln(1 − ", yh, "))"],
                            ["−(", *_TERMS[function][1](P, T), ")"], V)
        if function == "hinge":
            return equation("L", L, ["max(0, 1 − ", y, "·", yh, ")"], _TERMS[function][1](P, T), V)
        if function == "perceptron":
            return equation("L", L, ["max(0, −", y, "·", yh, ")"], _TERMS[function][1](P, T), V)
    if function in ("categorical_cross_entropy", "kl_divergence") and _one_hot(t):
        c = int(np.argmax(t))
        rule = ["−Σⱼ ", Var("y", "j"), "·ln ", Var("ŷ", "j")] if function == "categorical_cross_entropy" else \
            ["Σⱼ ", Var("y", "j"), "·(ln ", Var("y", "j"), " − ln ", Var("ŷ", "j"), ")"]
        return equation("L", L, rule, ["−ln ", Var("ŷ", str(c))], ["−ln ", Num(p[c])], V,
                        note=f"y is one-hot: only the true class {c} counts")
    if function in _TERMS:
        rule, term = _TERMS[function]
        scale = "½·" if function == "quadratic" else f"−(1/{m})·" if function == "binary_cross_entropy" else f"(1/{m})·"
        sides: list = [[f"{scale}Σⱼ {rule}" if function != "binary_cross_entropy" else f"{scale}Σⱼ ({rule})"]]
        if m <= _SHOWN_TERMS:
            terms: list[Part] = []
            for j in range(m):
                terms += ([" + "] if j else []) + ["(" if function == "binary_cross_entropy" else ""] + \
                    term(Num(p[j]), Num(t[j])) + [")" if function == "binary_cross_entropy" else ""]
            sides.append([scale, "(", *terms, ")"])
        return equation("L", L, *sides, V, note=f"over the {m} outputs")
    formula = losses.FUNCTIONS[function].formula.split(" = ", 1)[-1]
    return equation("L", L, [formula], V, note=f"over the {m} outputs")


def loss_slope(function: str, p: np.ndarray, t: np.ndarray, k: int, grad: float, delta: float) -> Line:
    """``∂L/∂ŷₖ = … = value``: ``grad`` is the loss's own gradient for unit ``k`` (on ŷ, unfused)."""
    m = len(p)
    sub = "" if m == 1 else str(k)
    yh, y, G = Var("ŷ", sub), Var("y", sub), Num(grad)
    P, T = Num(p[k]), Num(t[k])
    left = ["∂L/∂", yh]
    per = f"/{m}" if m > 1 else ""
    if function == "quadratic":
        return equation("dL/dy", left, [yh, " − ", y], [P, " − ", T], G)
    if function == "mse":
        return equation("dL/dy", left, ["2·(", yh, " − ", y, f"){per}"], ["2·(", P, " − ", T, f"){per}"], G)
    if function == "binary_cross_entropy":
        return equation("dL/dy", left, ["(", yh, " − ", y, ") / (", yh, "·(1 − ", yh, "))", per],
                        ["(", P, " − ", T, ") / (", *product_parts(P), "·", Num(1 - p[k]), ")", per], G)
    if function in ("categorical_cross_entropy", "kl_divergence"):
        return equation("dL/dy", left, ["−", y, " / ", yh], ["−", T, " / ", P], G)
    rules = {"mae": "sign(ŷ − y)", "huber": "clip(ŷ − y, −δ, δ)", "hinge": "(−y if y·ŷ < 1 else 0)",
             "perceptron": "(−y if y·ŷ ≤ 0 else 0)"}
    return equation("dL/dy", left, G, note=f"∂L/∂ŷ = {rules[function]}{per}" if function in rules else "")


def fused_slope(activation: str, function: str, p: np.ndarray, t: np.ndarray, k: int, grad: float,
                dl_dp: float) -> Line:
    """``δₖ = ∂L/∂zₖ`` where the loss works on the logits z of the activation before it (fused):
    ``grad`` is the engine's, ``dl_dp`` the loss's slope on the probability ŷₖ."""
    m = len(p)
    sub = str(k)
    per = f"/{m}" if m > 1 and activation == "sigmoid" else ""
    zv, yh, y = Var("z", sub), Var("ŷ", sub), Var("y", sub)
    sides: list = [[Var("δ", sub), " = ∂L/∂", zv]]
    if activation == "sigmoid":
        sides += [["∂L/∂", yh, "·σ′(", zv, ")"], product_parts(Num(dl_dp), Num(p[k] * (1 - p[k])))]
    note = (f"fused: the loss applies the {activation} to the logits itself, which stays exact where "
            f"ŷ is close to 0 or 1; the slope simplifies to ŷ − y")
    return equation("dL/dz", *sides, [yh, " − ", y, per], [Num(p[k]), " − ", Num(t[k]), per], Num(grad), note=note)


def _left(symbol: Var, predicts: str | None) -> list[Part]:
    """``symbol``, or ``ŷ = symbol`` where it is the network's prediction."""
    return [symbol] if predicts is None else [Var("ŷ", predicts), " = ", symbol]


def _sigmoid(z: float) -> float:
    return float(0.5 * np.tanh(0.5 * z) + 0.5)


def _one_hot(t: np.ndarray) -> bool:
    return bool(np.count_nonzero(t) == 1 and t.max() == 1)
