"""Render a project's graph to PNG or SVG without a window: Export Diagram and ``main.py render``."""
from __future__ import annotations

import math
import os
import sys
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication, QGraphicsItem

from engine.validation import Analysis

from . import style
from .canvas import GraphScene

IMAGE_FILTERS = "PNG image (*.png);;SVG drawing (*.svg)"
MARGIN = 32.0
MAX_SIDE = 32_000  # pixels a side of a PNG (QPainter's raster coordinates stay exact below 2^15)
MAX_PIXELS = 2**27  # of a PNG: 512 MB of image in memory
MAX_SVG_SIDE = 2**24  # canvas units a side of an SVG


def render_project(project, path: str | Path, scale: float = 2.0) -> QSize:
    """Draw ``project``'s graph, with shapes and problems marked, to ``path`` (.png or .svg).

    PNGs are drawn at ``scale`` pixels per canvas unit (2 suits slides and high-DPI screens).
    Returns the size written: pixels for PNG, canvas units for SVG.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"{path.name}: choose a .png or .svg file name")
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f"the scale must be a number above 0, got {scale:g}")
    scene = GraphScene()
    scene.set_graph(project.graph)
    scene.show_analysis(Analysis.of(project.graph))
    for item in scene.items():
        item.setCacheMode(QGraphicsItem.NoCache)  # draw vectors, not cached pixmaps
    source = scene.itemsBoundingRect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
    if not (math.isfinite(source.width()) and math.isfinite(source.height())):
        raise ValueError(f"{path.name}: a node lies at infinity; move it back first")
    png = suffix == ".png"
    width, height = (source.width() * scale, source.height() * scale) if png else (source.width(), source.height())
    if max(width, height) > (MAX_SIDE if png else MAX_SVG_SIDE) or (png and width * height > MAX_PIXELS):
        raise ValueError(f"{path.name}: the drawing would be {width:,.0f} × {height:,.0f} "
                         f"{'pixels' if png else 'units'}, more than one image holds; "
                         f"{'lower the scale or ' if png else ''}bring the nodes closer together")
    if suffix == ".svg":
        size = QSize(math.ceil(source.width()), math.ceil(source.height()))
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(size)
        generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
        generator.setTitle(project.name)
        _paint(scene, generator, source, size)
        return size
    size = QSize(math.ceil(source.width() * scale), math.ceil(source.height() * scale))
    image = QImage(size, QImage.Format_ARGB32_Premultiplied)
    image.fill(style.theme().background)
    _paint(scene, image, source, size)
    if not image.save(str(path)):
        raise OSError(f"{path}: cannot be written")
    return size


def _paint(scene: GraphScene, device, source: QRectF, size: QSize) -> None:
    painter = QPainter(device)
    painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
    target = QRectF(0, 0, size.width(), size.height())
    painter.fillRect(target, style.theme().background)
    scene.render(painter, target, source, Qt.KeepAspectRatio)
    painter.end()


def render_command(project_path: str, output: str, scale: float = 2.0) -> int:
    """``main.py render PROJECT --output FILE``: returns the exit code, errors on stderr."""
    from engine.errors import ProjectError
    from engine.project import load_project

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    style.apply_theme(app, dark=False)
    try:
        size = render_project(load_project(project_path), output, scale)
    except (ProjectError, ValueError, OSError) as e:
        print(f"neurocanvas: {e}", file=sys.stderr)
        return 2
    print(f"wrote {output} ({size.width()}×{size.height()})")
    return 0
