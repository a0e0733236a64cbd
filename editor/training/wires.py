"""Wires on the canvas coloured by the sign and thickened by the size of the weights they carry.

A wire into a node with weights (Dense, Maxout, Conv2D) carries its whole weight array W: its colour
is the array's net sign (mean(W) / mean(|W|): blue positive, orange negative, grey when they balance)
and its width grows with the root mean square of W, relative to the largest layer.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor

from .. import style
from . import colors

MIN_WIDTH, MAX_WIDTH = 1.6, 7.0


def _mix(a: QColor, b: QColor, t: float) -> QColor:
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * t, a.greenF() + (b.greenF() - a.greenF()) * t,
        a.blueF() + (b.blueF() - a.blueF()) * t,
    )


def wire_styles(edges, parameters: dict[str, np.ndarray], weight_names: dict[str, str]) -> dict:
    """edge -> (colour, width) for the edges into a node with weights (``weight_names``: node -> the
    parameter shown as its weights); others are absent."""
    weights = {e: parameters.get(weight_names.get(e.dst, "")) for e in edges}
    weights = {e: w for e, w in weights.items() if w is not None and w.size and np.isfinite(w).all()}
    if not weights:
        return {}
    rms = {e: float(np.sqrt(np.mean(np.square(w, dtype=np.float64)))) for e, w in weights.items()}
    top = max(rms.values()) or 1.0
    neutral = style.theme().wire
    out = {}
    for edge, w in weights.items():
        mean_abs = float(np.abs(w).mean()) or 1.0
        sign = float(w.mean()) / mean_abs  # -1 .. 1
        target = QColor(colors.POSITIVE if sign >= 0 else colors.NEGATIVE)
        colour = _mix(neutral, target, min(1.0, 0.35 + 0.65 * abs(sign) ** 0.5))
        out[edge] = (colour, MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * rms[edge] / top)
    return out


class WirePainter:
    """Applies ``wire_styles`` to the scene's edge items from the session's latest parameters."""

    def __init__(self, scene, session) -> None:
        self.scene, self.session = scene, session
        self._version = None

    def refresh(self, force: bool = False) -> None:
        s = self.session
        detail = s.detail
        version = (s.detail_version, id(s.info), len(self.scene.edge_items))
        if version == self._version and not force:
            return
        self._version = version
        parameters = detail.parameters if detail is not None and detail.parameters and s.info is not None else {}
        styles = wire_styles(list(self.scene.edge_items), parameters, s.info.weights if s.info else {})
        for edge, item in self.scene.edge_items.items():
            if hasattr(item, "set_weight_style"):
                item.set_weight_style(*styles.get(edge, (None, None)))
