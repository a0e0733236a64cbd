"""The Math view's page: an engine ``Explanation`` — and a Step's before and after — as rich text.

The formulas are the engine's own HTML (``Line.html``, in which every number carries its full
precision as a title that the view shows on hover), set in a serif face a little larger than
the words around them; notes and headings in the theme's muted colour. Nothing here computes:
it only lays out what the explanation holds.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

from engine.explain import Explanation, Line, StepResult
from engine.explain.notation import Num, equation

from . import style

KINDS = {
    "input": "the data", "linear": "a weighted sum", "activation": "an activation", "add": "an Add",
    "concat": "a Concat", "pass-through": "passes its input on", "loss": "the loss", "other": "",
}
EMPHASIZED = ("dL/dw", "w_new", "chain_value")  # the lines a learner looks for first


@dataclass(frozen=True)
class Look:
    """Colours and sizes of the page, from the current theme."""

    text: str
    muted: str
    good: str
    bad: str
    warning: str
    family: str  # the formulas' face
    size: float  # the formulas' size, points
    note_size: float

    @classmethod
    def current(cls) -> Look:
        t = style.theme()
        base = style.font().pointSizeF()
        return cls(t.text.name(), t.muted_text.name(), t.accept.name(), t.error.name(), t.warning.name(),
                   style.math_family(), base + 1.5, base - 0.5)


@dataclass
class Comparison:
    """What a Step changed, for the side-by-side table: rows of (label HTML, before, after)."""

    result: StepResult
    parameters: list[tuple[str, float, float]]


def page(e: Explanation, look: Look, *, update: bool = True, comparison: Comparison | None = None,
         source_label: str = "", moment: str = "") -> str:
    """The whole page for one explanation. ``update``: show the optimizer's step (while a run goes on
    its state lives in the training process, so the view leaves it out between frames);
    ``source_label``: where the sample comes from, when not the dataset's rows; ``moment``: which
    moment of the run the numbers are, when not the present."""
    parts = [_header(e, look, source_label, moment)]
    if comparison is not None:
        parts.append(_comparison(comparison, look))
    if e.kind != "loss":
        parts.append(_section("Forward", e.forward, look))
    parts.append(_section("Loss", _loss_lines(e), look))
    parts.append(_section("Backward", e.backward, look))
    if e.chain is not None:
        parts.append(_chain(e, look))
    if update:
        if e.update:
            parts.append(_update(e, look))
    else:
        parts.append(_heading("Update", look) + _note(
            "shown when training pauses (or at a frame of the timeline): while a run goes on, the optimizer's "
            "state lives in the training process", look))
    return f'<body style="color:{look.text};">{"".join(parts)}</body>'


def message_page(text: str, look: Look, error: bool = False) -> str:
    colour = look.bad if error else look.muted
    return f'<p style="color:{colour}; margin: 12px;">{html.escape(text)}</p>'


# ---- pieces -------------------------------------------------------------------------------------------

def _header(e: Explanation, look: Look, source_label: str, moment: str) -> str:
    kind = KINDS.get(e.kind, "")
    title = f"«{html.escape(e.node)}», unit {e.unit}" + (f" — {kind}" if kind else "")
    if moment:
        title += f' <span style="color:{look.warning};">· {html.escape(moment)}</span>'
    sample = html.escape(e.sample.description)
    if source_label:
        sample = f"{html.escape(source_label)} — {sample}"
    notes = "".join(_note(n, look, colour=look.warning) for n in e.notes)
    return (f'<p style="margin: 2px 0 0 0;"><b>{title}</b></p>'
            f'<p style="margin: 1px 0 0 0; color:{look.muted};">{sample}</p>{notes}')


def _heading(text: str, look: Look, detail: str = "") -> str:
    """A section's name in small capitals; ``detail`` after it as written (it may hold η or a node's id)."""
    detail = f" — {html.escape(detail)}" if detail else ""
    return (f'<p style="margin: 12px 0 2px 0; color:{look.muted}; font-size:{look.note_size}pt;">'
            f'<b>{html.escape(text.upper())}</b>{detail}</p>')


def _formula(line: Line, look: Look, indent: int = 12) -> str:
    body = f"<b>{line.html}</b>" if line.key in EMPHASIZED else line.html
    out = (f'<p style="margin: 5px 0 0 {indent}px; font-family:\'{look.family}\'; font-size:{look.size}pt;">'
           f'{body}</p>')
    return out + (_note(line.note, look, indent + 14) if line.note else "")


def _note(text: str, look: Look, indent: int = 12, colour: str | None = None) -> str:
    return (f'<p style="margin: 1px 0 0 {indent}px; color:{colour or look.muted}; font-size:{look.note_size}pt;">'
            f'{html.escape(text)}</p>')


def _section(title: str, lines: list[Line], look: Look) -> str:
    return _heading(title, look) + "".join(_formula(line, look) for line in lines) if lines else ""


def _loss_lines(e: Explanation) -> list[Line]:
    lines = list(e.losses.values())
    if len(lines) > 1:
        lines.append(equation("total", "L = Σ weight·loss", Num(e.loss)))
    return lines


def _chain(e: Explanation, look: Look) -> str:
    """The product on one line, each factor with its value and meaning, and the product's value."""
    chain = e.chain
    product, *factors, value = chain.lines
    index = ", ".join(map(str, chain.index))
    rows = "".join(
        f'<tr><td style="font-family:\'{look.family}\'; font-size:{look.size}pt; padding: 2px 14px 2px 0;">'
        f'{line.html}</td><td style="color:{look.muted}; font-size:{look.note_size}pt; padding: 2px 0;">'
        f'{html.escape(line.note)}</td></tr>' for line in factors)
    return (_heading("The chain rule", look, f"from the loss down to {chain.parameter}[{index}], one factor per step")
            + _formula(product, look)
            + f'<table style="margin: 4px 0 0 26px;" cellspacing="0">{rows}</table>'
            + _formula(value, look))


def _update(e: Explanation, look: Look) -> str:
    """Each parameter's rule (a group starts at its gradient line "g"), one after the other."""
    out = _heading("Update", look, e.optimizer)
    for k, line in enumerate(e.update):
        if line.key == "g" and k:
            out += '<p style="margin: 4px 0 0 0;"></p>'
        out += _formula(line, look)
    return out


def _comparison(c: Comparison, look: Look) -> str:
    """Before and after the step, side by side: the parameters, the node's value, the loss, ∂L/∂w."""
    before, after = c.result.before, c.result.after
    went_down = after.loss < before.loss
    summary = c.result.summary
    colour = look.good if went_down else look.bad if after.loss > before.loss else look.muted
    cells = ([(f"{label} = {_number(b)}", f"{label} = {_number(a)}") for label, b, a in c.parameters])
    pairs = [(before.forward[:1], after.forward[:1]) if before.kind != "loss" else ([], []),
             (list(before.losses.values()), list(after.losses.values())),
             ([_find(before, "dL/dw")], [_find(after, "dL/dw")])]
    for old, new in pairs:
        for x, y in zip(old, new):
            if x is not None and y is not None:
                cells.append((x.html, y.html))
    cell = (f'style="font-family:\'{look.family}\'; font-size:{look.size}pt; padding: 3px 18px 3px 0;" '
            'width="50%"')
    rows = "".join(f"<tr><td {cell}>{x}</td><td {cell}>{y}</td></tr>" for x, y in cells)
    head = (f'<tr><td style="color:{look.muted}; font-size:{look.note_size}pt;"><b>BEFORE THE STEP</b></td>'
            f'<td style="color:{look.muted}; font-size:{look.note_size}pt;"><b>AFTER THE STEP</b></td></tr>')
    return (f'<p style="margin: 10px 0 2px 0; color:{colour};"><b>{html.escape(summary[0].upper() + summary[1:])}.</b></p>'
            f'<table width="100%" cellspacing="0" style="margin: 2px 0 4px 12px;">{head}{rows}</table>')


def _find(e: Explanation, key: str) -> Line | None:
    try:
        return e.line(key, "backward")
    except KeyError:
        return None


def _number(value: float) -> str:
    return Num(value).html()
