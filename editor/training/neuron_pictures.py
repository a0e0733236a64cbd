"""Neuron pictures on the canvas: under every node that outputs units, each unit's output over the input
plane (two input features) or along the input range (one), from the session's latest detail snapshot.

Drawn at a modest rate (``PICTURE_MS``) and only when the snapshot changed: the model runs over the plane
once per snapshot (``ViewHub.plane``, shared with the Output and Neurons views), and each picture is a small
RGB image made in one vectorized step per node.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtGui import QImage

from .. import style
from ..canvas.unit_strip import UnitPictures, shown_units
from . import colors
from .units import curves, plane_images, plane_maps, unit_levels, unit_nodes
from .views.base import GRID

PICTURE_MS = 250
PLANE_STEP = 3  # every third grid point: 24 × 24 pixels, as many as a picture has on screen at 100 %
CURVE_POINTS = 48
GUI_SHARE = 0.05  # at most this share of the GUI thread goes to making pictures (its repaint costs about as much)


def _qimage(rgb: np.ndarray) -> QImage:
    height, width, _ = rgb.shape
    return QImage(rgb.data, width, height, 3 * width, QImage.Format_RGB888).copy()  # owns its pixels


class NeuronPainter:
    """Gives each node item of the scene its pictures (or none) from the hub's model runs."""

    def __init__(self, scene, session, hub) -> None:
        self.scene, self.session, self.hub = scene, session, hub
        self.enabled = True
        self._version = None
        self._not_before = 0.0  # perf_counter time: a refresh that cost much waits in proportion

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self.refresh(force=True)

    def available(self) -> bool:
        """Pictures need a model with one or two input features."""
        info = self.session.info
        return info is not None and info.n_features in (1, 2)

    def refresh(self, force: bool = False) -> None:
        """New pictures when the snapshot (or the model, the theme, the switch) changed — not sooner than the last
        ones' cost allows (``GUI_SHARE``) unless ``force`` — and the chosen unit marked."""
        s = self.session
        version = (s.detail_version, id(s.info), len(self.scene.node_items), self.enabled, style.theme().name)
        if force or (version != self._version and time.perf_counter() >= self._not_before):
            self._version = version
            start = time.perf_counter()
            pictures = self._pictures() if self.enabled and self.available() else {}
            for node_id, item in self.scene.node_items.items():
                item.set_unit_pictures(pictures.get(node_id))
            self._not_before = start + (time.perf_counter() - start) / GUI_SHARE
        selected = self.hub.selected_unit
        for node_id, item in self.scene.node_items.items():
            if item.unit_strip is not None:
                item.unit_strip.set_selected_unit(selected[1] if selected and selected[0] == node_id else None)

    def _pictures(self) -> dict[str, UnitPictures]:
        info = self.session.info
        two = info.n_features == 2
        run = self.hub.plane() if two else self.hub.line()
        if run is None:
            return {}
        values, extent = run
        lut = colors.diverging().getLookupTable(nPts=256, alpha=False) if two else None
        aspect = extent.height() / extent.width() if two and extent.width() else 0.7
        out = {}
        for node_id in unit_nodes(info):
            v = values.get(node_id)
            if v is None:
                continue
            total = v.shape[1]
            shown = v[:, : shown_units(total)]
            levels = unit_levels(info.functions.get(node_id), v)
            if two:
                images = plane_images(plane_maps(shown, GRID, PLANE_STEP), levels, lut)
                out[node_id] = UnitPictures(total, images=tuple(_qimage(rgb) for rgb in images), aspect=aspect)
            else:
                step = max(1, len(shown) // CURVE_POINTS)
                lo, hi = levels
                zero = -lo / (hi - lo) if lo <= 0 <= hi else None
                out[node_id] = UnitPictures(total, curves=curves(shown[::step], levels), zero=zero, aspect=0.7)
        return out
