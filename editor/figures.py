"""Any live view as a figure: its plots to PNG or SVG, from the view's context menu or headless (``python main.py render PROJECT --view NAME --output FILE``) for a trained project."""
from __future__ import annotations

import math
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyqtgraph as pg

from PySide6.QtCore import QRectF, QSize, Qt, qInstallMessageHandler
from PySide6.QtGui import QColor, QImage, QPainter, QTransform
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QApplication

from . import style
from .training import colors

VIEWS = {"loss": "Loss", "weights": "Weights", "activations": "Activations", "gradients": "Gradients",
         "output": "Output", "neurons": "Neurons"}
FIGURE_FILTERS = "PNG image (*.png);;SVG drawing (*.svg)"
PNG_SCALE = 2  # pixels per screen pixel: sharp on slides and high-DPI screens
SVG_PIXELS = 256  # an image in an SVG is enlarged to at least this many pixels a side
DEFAULT_SIZE = (960, 600)


def export_view(view, path: str | Path) -> QSize:
    """Write the plots ``view`` shows (not its header's controls) to ``path``, .png or .svg; returns the size
    written (pixels, or the drawing's units for SVG). ValueError if the view has no plots to show yet.

    Qt draws the plots' scene itself: pyqtgraph 0.14's SVG exporter fails on the closed paths Qt 6.11 writes
    (pyqtgraph issue 3495), and one way for both formats keeps them alike."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise ValueError(f"{path.name}: choose a .png or .svg file name")
    if view.stack.currentWidget() is not view.graphics:
        said = " ".join(view.message.text().split())
        raise ValueError(f"the {view.title} view has nothing to draw yet: {said}")
    source = view.graphics.ci.sceneBoundingRect()
    size = QSize(math.ceil(source.width()), math.ceil(source.height()))
    if suffix == ".svg":
        device = QSvgGenerator()
        device.setFileName(str(path))
        device.setSize(size)
        device.setViewBox(QRectF(0, 0, size.width(), size.height()))
        device.setTitle(f"NeuroCanvas: {view.title}")
        # The screen's resolution, not the generator's 90 dpi: pyqtgraph draws its axes and colour bars in
        # device pixels, and at another resolution they come out shorter than the plots they belong to.
        device.setResolution(round(view.logicalDpiX()))
    else:
        size *= PNG_SCALE
        device = QImage(size, QImage.Format_ARGB32_Premultiplied)
    painter = QPainter(device)
    painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)  # images pixel for pixel
    target = QRectF(0, 0, size.width(), size.height())
    painter.fillRect(target, QColor(colors.background()))
    with _crisp_images(view.graphics.scene(), suffix == ".svg"):
        view.graphics.scene().render(painter, target, source)
    painter.end()
    if suffix == ".png" and not device.save(str(path)):
        raise OSError(f"{path}: cannot be written")
    return size


@contextmanager
def _crisp_images(scene, enlarge: bool):
    """SVG viewers smooth a small embedded image (a 2×8 weight matrix becomes a blur): while ``enlarge``, each
    image is drawn from a copy enlarged to at least SVG_PIXELS a side, pixel for pixel, in the same place."""
    changed = []
    if enlarge:
        for item in scene.items():
            image = getattr(item, "image", None)
            if not isinstance(item, pg.ImageItem) or image is None or min(image.shape[:2]) >= SVG_PIXELS:
                continue
            k = math.ceil(SVG_PIXELS / max(min(image.shape[:2]), 1))
            changed.append((item, image, QTransform(item.transform())))
            item.setImage(np.repeat(np.repeat(image, k, axis=0), k, axis=1), autoLevels=False)
            item.setTransform(QTransform.fromScale(1 / k, 1 / k) * changed[-1][2])
    try:
        yield
    finally:
        for item, image, transform in changed:
            item.setImage(image, autoLevels=False)
            item.setTransform(transform)


def render_view(project, name: str, path: str | Path, size: tuple[int, int] = DEFAULT_SIZE) -> QSize:
    """Draw the ``name`` view (a key of VIEWS) of ``project`` as it stands — its history and parameters — to
    ``path``, without a window on screen. ValueError naming what is wrong (a graph that cannot train, a view
    with nothing to show)."""
    from .document import Document
    from .training.session import TrainingSession
    from .training.views import ViewHub

    if name not in VIEWS:
        raise ValueError(f"--view {name}: choose one of {', '.join(VIEWS)}")
    document = Document(project)
    session = TrainingSession(document)
    try:
        if session.trainer is None:
            raise ValueError(f"{project.name}: {session.reason}")
        hub = ViewHub(session)
        hub.timer.stop()
        if name == "gradients" and not session.grad_records:  # the file keeps no norms over time: the ones now
            session.live.add_gradients(session.position, session.trainer.gradient_norms_now())
        view = hub.views[VIEWS[name]]
        view.resize(*size)
        view.setAttribute(Qt.WA_DontShowOnScreen)  # laid out and drawn as if shown, with no window anywhere
        view.show()
        app = QApplication.instance()
        app.processEvents()
        view.refresh()  # builds the plots for this model
        app.processEvents()  # lays them out at the view's size
        view.refresh()  # draws into the laid-out plots (the Neurons grid sizes its maps to the view)
        app.processEvents()
        written = export_view(view, path)
        view.close()
        return written
    finally:
        session.shutdown()


def _quiet_platform(kind, context, message: str) -> None:
    """Qt's own messages on stderr, but not the offscreen platform's note that it ignores window size hints."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def render_view_command(project_path: str, name: str, output: str, size: tuple[int, int], dark: bool) -> int:
    """``main.py render PROJECT --view NAME --output FILE``: the exit code; errors in one line on stderr."""
    from engine.errors import ProjectError
    from engine.project import load_project

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    qInstallMessageHandler(_quiet_platform)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    style.apply_theme(app, dark=dark)
    try:
        written = render_view(load_project(project_path), name, output, size)
    except (ProjectError, ValueError, OSError) as e:
        print(f"neurocanvas: {e}", file=sys.stderr)
        return 2
    print(f"wrote {output} ({written.width()}×{written.height()})")
    return 0
