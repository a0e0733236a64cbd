"""Colours of the training views: one diverging map (orange negative, blue positive, as on the
canvas wires), class colours, and the plot theme, for light and dark."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from .. import style

NEGATIVE = "#e8772e"  # orange: negative weights, class 0
POSITIVE = "#2f7bd8"  # blue: positive weights, class 1
CLASS_COLOURS = ["#e8772e", "#2f7bd8", "#2ca25f", "#d6456a", "#8e6bd1", "#c9a227", "#17a6b8", "#8c6d4f",
                 "#e377c2", "#7f7f7f"]


def centre() -> str:
    """The colour of zero: near the plot background, so small values recede."""
    return "#2e323c" if style.theme().dark else "#f4f4f2"


def diverging() -> pg.ColorMap:
    return pg.ColorMap([0.0, 0.5, 1.0], [QColor(NEGATIVE), QColor(centre()), QColor(POSITIVE)])


def sequential() -> pg.ColorMap:
    return pg.colormap.get("viridis")


def density() -> pg.ColorMap:
    """For histograms over time: background to the accent."""
    return pg.ColorMap([0.0, 0.35, 1.0], [QColor(centre()), QColor("#7fb0ea"), QColor("#173f7a" if not style.theme().dark else "#cfe3ff")])


def class_colour(k: int) -> QColor:
    return QColor(CLASS_COLOURS[k % len(CLASS_COLOURS)])


def class_rgb() -> np.ndarray:
    return np.array([[QColor(c).red(), QColor(c).green(), QColor(c).blue()] for c in CLASS_COLOURS], dtype=np.float32)


FAMILY_HUES = (0.6, 0.04, 0.33, 0.78, 0.13, 0.5)  # blue, red, green, purple, amber, teal
FAMILY_SPREAD = 0.07  # how far a family's hues reach either side of its own


def series(n: int) -> list[str]:
    """``n`` line colours with evenly spaced hues, dark enough on the light background, light enough on the dark."""
    lightness = 0.62 if style.theme().dark else 0.42
    return [QColor.fromHslF(i / max(n, 1), 0.7, lightness).name() for i in range(n)]


def families(groups: list[list[str]]) -> dict[str, str]:
    """A line colour for each name in ``groups``: one group gets distinct hues (``series``); several get a hue
    family each (blues, reds, greens, …), its members from light to dark, so groups compare at a glance."""
    if len(groups) <= 1:
        names = groups[0] if groups else []
        return dict(zip(names, series(len(names))))
    light, dark = (0.78, 0.45) if style.theme().dark else (0.62, 0.28)
    out = {}
    for g, names in enumerate(groups):
        base = FAMILY_HUES[g % len(FAMILY_HUES)]
        for i, name in enumerate(names):
            t = i / (len(names) - 1) if len(names) > 1 else 0.5
            hue = (base + (t - 0.5) * 2 * FAMILY_SPREAD) % 1.0
            out[name] = QColor.fromHslF(hue, 0.72, light + (dark - light) * t).name()
    return out


def branches(order: list[str], sources: dict[str, list[str]]) -> dict[str, int]:
    """Each node's branch of the graph: a node continues its source's branch when that source feeds it alone;
    a node with several sources (a merge), none, or a source that splits starts a branch of its own."""
    consumers: dict[str, int] = {}
    for node in order:
        for source in sources.get(node, ()):
            consumers[source] = consumers.get(source, 0) + 1
    branch: dict[str, int] = {}
    for node in order:
        before = sources.get(node, ())
        if len(before) == 1 and consumers[before[0]] == 1 and before[0] in branch:
            branch[node] = branch[before[0]]
        else:
            branch[node] = len(set(branch.values()))
    return branch


def selection() -> str:
    return style.theme().selection.name()


def background() -> str:
    return style.theme().node_body.name()


def foreground() -> str:
    return style.theme().muted_text.name()


def style_plot(plot: pg.PlotItem) -> None:
    """The theme's colours on a plot's axes and title. No axis scales its numbers by an SI prefix: epochs,
    weights and counts read as themselves ("epoch (x0.001)" from 100 to 300 reads as nonsense)."""
    fg = foreground()
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(fg))
        axis.setTextPen(pg.mkPen(fg))
        axis.enableAutoSIPrefix(False)
    plot.titleLabel.item.setDefaultTextColor(QColor(style.theme().text))
