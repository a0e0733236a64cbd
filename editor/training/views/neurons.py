"""The Neurons view: every unit of the chosen node at once — a grid of small maps of each unit's output over
the input plane, the data points outlined on each, one shared colour scale with its bar, and the classes'
legend; for one input feature, each unit's output as a curve along the input range."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from .. import colors
from ..units import unit_levels, unit_nodes
from ...elided_label import ElidedLabel
from .base import GRID, View, class_legend, colour_bar, f32, point_outline
from .colour_bar import ColourBar

MAX_MAPS = 36  # a larger layer shows its first MAX_MAPS units (and says how many more it has)
MIN_MAP = 64  # pixels: a map narrower than this is not worth drawing
MAX_POINTS = 160  # data points drawn on each map


def round_step(span: float) -> float:
    """The largest of 1, 2 or 5 times a power of ten that is at most ``span``."""
    if not span > 0 or not math.isfinite(span):
        return 1.0
    power = 10.0 ** math.floor(math.log10(span))
    return max(m * power for m in (1, 2, 5) if m * power <= span * (1 + 1e-9))


class NeuronsView(View):
    title = "Neurons"

    def __init__(self, hub) -> None:
        super().__init__(hub)
        self.chooser = self.add_node_chooser()
        self.summary = ElidedLabel()
        self.header.addWidget(self.summary, 1)
        self.maps: list[pg.PlotItem] = []
        self.items: list = []  # per map: its ImageItem (plane) or PlotDataItem (curve)
        self.bar: ColourBar | None = None
        self.legend: pg.LegendItem | None = None
        self._built = None

    def apply_theme(self) -> None:
        super().apply_theme()
        self._built = None  # made again in the theme's colours

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._built is not None:  # another shape of the view may want another number of columns
            columns, aspect = self._grid
            if self._columns(len(self.maps), aspect if self._built[2] else 0.7, self._built[2]) != columns:
                self._built = None
                self.dirty = True

    def clear(self) -> None:
        self._built = None

    # ---- building the grid ----------------------------------------------------------------------------
    def _columns(self, count: int, plane_aspect: float, side_column: bool) -> int:
        """As many columns as make the maps largest in the view's current size (none narrower than MIN_MAP)."""
        # The stack's size, not the plots' widget's: that one has no size of its own until it is first shown.
        width = max(self.stack.width() - (120 if side_column else 40), MIN_MAP)
        height = max(self.stack.height() - (24 if side_column else 40), 80)

        def side(columns: int) -> float:  # a map's width; each row also has its title (about 18 px)
            rows = math.ceil(count / columns)
            return min(width / columns, (height / rows - 18) / plane_aspect)

        return max(range(1, min(count, width // MIN_MAP) + 1), key=side)

    def _build(self, node: str, count: int, two: bool, aspect: float) -> None:
        info = self.session.info
        self.graphics.clear()
        self.maps, self.items = [], []
        columns = self._columns(count, aspect if two else 0.7, side_column=two)
        rows = math.ceil(count / columns)
        names = info.feature_names
        x_name = names[0] if names else "x1"
        y_name = (names[1] if len(names) > 1 else "x2") if two else "output"
        if two:
            points = self._points()
        for k in range(count):
            row, col = divmod(k, columns)
            plot = self.add_plot(row, col)
            plot.setTitle(f"unit {k}", size="8pt")
            below_is_empty = (row + 1) * columns + col >= count
            # Maps of the plane get no axes, so that all have one size (the caption names the plane's axes);
            # curves share one output axis down the first column and the input's along the bottom.
            plot.showAxis("left", col == 0 and not two)
            plot.showAxis("bottom", below_is_empty and not two)
            if col == 0 and not two:
                plot.setLabel("left", y_name)
            if below_is_empty and not two:
                plot.setLabel("bottom", x_name)
            if self.maps and not two:
                plot.setXLink(self.maps[0])
                plot.setYLink(self.maps[0])
            if two:
                plot.setAspectLocked(True)
                item = pg.ImageItem(axisOrder="row-major")
                plot.addItem(item)
                scatter = pg.ScatterPlotItem(**points)
                plot.addItem(scatter)
            else:
                item = plot.plot(pen=pg.mkPen(colors.POSITIVE, width=2))
                zero = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(colors.foreground(), width=1, style=Qt.DotLine))
                plot.addItem(zero, ignoreBounds=True)
            self.maps.append(plot)
            self.items.append(item)
        grid = self.graphics.ci.layout
        for row in range(rows):  # every map the same share of the room
            grid.setRowStretchFactor(row, 1)
        for col in range(columns):
            grid.setColumnStretchFactor(col, 1)
        side = self.graphics.addLayout(row=0, col=columns, rowspan=rows)
        self.legend = None
        if two and info.task == "classification":
            self.legend = class_legend(info.class_names, info.n_classes)
            side.addItem(self.legend, row=0, col=0)
        self.bar = None
        if two:
            self.bar = colour_bar("unit output")
            self.bar.setImageItem(self.items)
            side.addItem(self.bar, row=1, col=0)
        if two:
            caption = pg.LabelItem(f"each map: the input plane, {x_name} across, {y_name} up, as in the Output view",
                                   size="8pt", color=colors.foreground())
            self.graphics.addItem(caption, row=rows, col=0, colspan=columns)
        self._built = (node, count, two, id(info))
        self._grid = (columns, aspect)
        self._y_step = None

    def _points(self) -> dict:
        """The training points, outlined so they show on any colour of the maps."""
        info = self.session.info
        x = info.x_train
        keep = np.linspace(0, len(x) - 1, min(len(x), MAX_POINTS)).astype(int) if len(x) else np.zeros(0, int)
        if info.task == "classification":
            brush = [pg.mkBrush(colors.class_colour(int(c))) for c in info.y_train[keep]]
        else:
            brush = pg.mkBrush(colors.foreground())
        return {"x": x[keep, 0], "y": x[keep, 1], "size": 5, "brush": brush, "pen": point_outline()}

    # ---- drawing -----------------------------------------------------------------------------------------
    def refresh(self) -> None:
        s, info = self.session, self.session.info
        if info is None:
            self.show_message(s.reason or "No model yet.")
            return
        if info.n_features not in (1, 2):
            self.show_message("Each neuron's output over the input needs a dataset with one or two input features; "
                              f"this one has {info.n_features}. The Activations view shows every unit on real samples.")
            return
        nodes = unit_nodes(info)
        if [self.chooser.itemText(i) for i in range(self.chooser.count())] != nodes:
            self.chooser.fill(nodes)
            if not self.chooser.follow(self.hub.selected) and info.weights:
                self.chooser.setCurrentText(next(iter(info.weights)))
        if s.detail is None or s.detail.parameters is None:
            self.show_message("Neurons appear after the first step.")
            return
        two = info.n_features == 2
        run = self.hub.plane() if two else self.hub.line()
        node = self.chooser.currentText()
        if run is None or node not in run[0]:
            return
        self.show_plots()
        values, extent = run
        v = values[node]
        total = v.shape[1]
        count = min(total, MAX_MAPS)
        aspect = extent.height() / extent.width() if two and extent.width() else 1.0
        if self._built != (node, count, two, id(info)):
            self._build(node, count, two, aspect)
        levels = unit_levels(info.functions.get(node), v)
        if two:
            for k, image in enumerate(self.items):
                image.setImage(f32(v[:, k].reshape(GRID, GRID)), levels=levels, autoLevels=False)
                image.setRect(extent)
            self.bar.setLevels(levels)
            for plot in self.maps:  # every time: a map first laid out small keeps no stray range (a no-op if kept)
                plot.setRange(extent, padding=0)
        else:
            xs = np.linspace(extent[0], extent[1], len(v))
            for k, curve in enumerate(self.items):
                curve.setData(xs, v[:, k])
            self.maps[0].setYRange(*levels, padding=0.05)
            step = round_step((levels[1] - levels[0]) / 2 * 1.05)  # the padded half range
            if step != self._y_step:  # three numbers on a small map's axis, not five that overlap
                self._y_step = step
                for plot in self.maps:
                    plot.getAxis("left").setTickSpacing(step, step)
        self._mark_selected(node)
        more = f" · the first {count} shown" if total > count else ""
        self.summary.setText(f"{node}: {total} unit{'s' if total != 1 else ''}{more} · output from "
                             f"{np.nanmin(v):.3g} to {np.nanmax(v):.3g}")

    def _mark_selected(self, node: str) -> None:
        chosen = self.hub.selected_unit
        unit = chosen[1] if chosen and chosen[0] == node else None
        for k, plot in enumerate(self.maps):
            plot.getViewBox().setBorder(pg.mkPen(colors.selection(), width=3) if k == unit else None)
