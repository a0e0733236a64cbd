"""The view: wheel zoom about the cursor, panning, a dotted grid, and palette drops."""
from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsView, QLabel

from .. import style
from ..palette import PALETTE_MIME, decode_entry
from .edge_item import EdgeItem
from .node_item import NodeItem

GRID = 24.0
EMPTY_HINT = (
    "<p style='font-size: 13pt'>An empty canvas</p>"
    "<p>Drag an <b>Input</b> from the palette, then a <b>Dense</b> layer, an <b>Activation</b> and a <b>Loss</b>, "
    "and wire each output port to the next input port.</p>"
    "<p>Or open a ready-made lesson from File → Examples.</p>"
)
MIN_SCALE, MAX_SCALE = 0.15, 3.0


class GraphView(QGraphicsView):
    palette_dropped = Signal(str, dict, QPointF)  # node type, preset params, scene position
    context_menu_requested = Signal(object, QPointF, QPoint)  # node or edge item (or None), scene and screen positions
    space_tapped = Signal()  # Space pressed and released without panning (the window's Train/Pause)

    def __init__(self, scene, parent=None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.MinimalViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheBackground)
        self.setOptimizationFlag(QGraphicsView.DontSavePainterState)
        self.setAcceptDrops(True)
        self.setFrameShape(QGraphicsView.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setSceneRect(-20000, -20000, 40000, 40000)
        self._pan_from: QPointF | None = None
        self._space_held = False
        # A child of the view, not of its viewport: scrolling the canvas (Fit after File → New) moves the
        # viewport's children with the scene, which pushed the hint off centre and out of sight.
        self.empty_hint = QLabel(EMPTY_HINT, self, wordWrap=True, alignment=Qt.AlignCenter)
        self.empty_hint.setAttribute(Qt.WA_TransparentForMouseEvents)  # drops and clicks reach the canvas
        self.empty_hint.hide()
        self._space_panned = False

    # ---- zoom -----------------------------------------------------------------------------
    def zoom_by(self, factor: float, anchor_under_mouse: bool = True) -> None:
        scale = self.transform().m11()
        factor = max(MIN_SCALE / scale, min(MAX_SCALE / scale, factor))
        self.setTransformationAnchor(
            QGraphicsView.AnchorUnderMouse if anchor_under_mouse else QGraphicsView.AnchorViewCenter
        )
        self.scale(factor, factor)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)

    def zoom_in(self) -> None:
        self.zoom_by(1.25, anchor_under_mouse=False)

    def zoom_out(self) -> None:
        self.zoom_by(0.8, anchor_under_mouse=False)

    def reset_zoom(self) -> None:
        self.zoom_by(1.0 / self.transform().m11(), anchor_under_mouse=False)

    def fit_to_window(self) -> None:
        # Only the canvas: a node placed beyond it (or at infinity) must not zoom the view to nothing.
        rect = self.scene().itemsBoundingRect().intersected(self.sceneRect())
        if rect.isEmpty() or not all(map(math.isfinite, rect.getRect())):
            self.centerOn(0, 0)
            return
        self.fitInView(rect.adjusted(-60, -60, 60, 60), Qt.KeepAspectRatio)
        if self.transform().m11() < MIN_SCALE:
            self.zoom_by(1.0, anchor_under_mouse=False)  # clamps to the smallest zoom
            self.centerOn(rect.center())
        elif self.transform().m11() > 1.25:
            self.reset_zoom()
            self.zoom_by(1.25, anchor_under_mouse=False)
            self.centerOn(rect.center())

    def visible_centre(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y() or event.pixelDelta().y()
        if delta:
            self.zoom_by(math.pow(1.0015, delta))
        event.accept()

    # ---- pan with the middle button, or Space + left drag; a Space tap is Train/Pause -----------
    def event(self, event) -> bool:
        if event.type() == QEvent.ShortcutOverride and event.key() == Qt.Key_Space and not event.modifiers():
            event.accept()  # the view takes Space (for panning) before the window's shortcut
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self._space_panned = False
            self.viewport().setCursor(Qt.OpenHandCursor)
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self.viewport().unsetCursor()
            if not self._space_panned:
                self.space_tapped.emit()
            return
        super().keyReleaseEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MiddleButton or (event.button() == Qt.LeftButton and self._space_held):
            self._space_panned = self._space_held
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(Qt.OpenHandCursor if self._space_held else Qt.ArrowCursor)
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def contextMenuEvent(self, event) -> None:
        scene_pos = self.mapToScene(event.pos())
        item = next((i for i in self.scene().items(scene_pos) if isinstance(i, (NodeItem, EdgeItem))), None)
        self.context_menu_requested.emit(item, scene_pos, event.globalPos())

    # ---- palette drops ------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        event.setAccepted(event.mimeData().hasFormat(PALETTE_MIME))

    def dragMoveEvent(self, event) -> None:
        event.setAccepted(event.mimeData().hasFormat(PALETTE_MIME))

    def dropEvent(self, event) -> None:
        entry = decode_entry(event.mimeData())
        if entry is None:
            event.ignore()
            return
        type_name, params = entry
        self.palette_dropped.emit(type_name, params, self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()

    # ---- background -----------------------------------------------------------------------------
    def show_empty_hint(self, empty: bool) -> None:
        """Say how to begin while the graph has no nodes (in the theme's muted colour)."""
        if empty:  # called after every edit: restyle only what will show
            self.empty_hint.setStyleSheet(f"color: {style.theme().muted_text.name()};")
            self._place_empty_hint()
        self.empty_hint.setVisible(empty)

    def _place_empty_hint(self) -> None:
        area = self.viewport().geometry()
        width = min(440, area.width() - 40)
        height = self.empty_hint.heightForWidth(width)
        self.empty_hint.setGeometry(area.center().x() - width // 2, area.center().y() - height // 2, width, height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_empty_hint()

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        t = style.theme()
        painter.fillRect(rect, t.background)
        scale = self.transform().m11()
        if not (MIN_SCALE / 2 <= scale <= MAX_SCALE * 2 and all(map(math.isfinite, rect.getRect()))):
            return  # a transform or area no view of ours makes: no grid rather than an exception
        step = GRID
        while step * scale < 14:
            step *= 2
        pen = QPen(t.grid, 2.0 if scale > 0.6 else 1.5)
        pen.setCosmetic(True)
        painter.setPen(pen)
        left = math.floor(rect.left() / step) * step
        top = math.floor(rect.top() / step) * step
        xs = [left + i * step for i in range(int((rect.right() - left) / step) + 1)]
        ys = [top + i * step for i in range(int((rect.bottom() - top) / step) + 1)]
        painter.drawPoints([QPointF(x, y) for y in ys for x in xs])
