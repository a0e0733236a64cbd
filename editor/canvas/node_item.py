"""A node on the canvas: a rounded card with a category-coloured header and its ports as children.

The item only draws what the scene tells it (the engine node, the inferred widths, the
problems); moving it by mouse is the one thing it does on its own until the drag is
pushed as a move command.
"""
from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem

from engine.graph import Node
from engine.nodes import format_shape

from .. import style
from ..glyphs import draw_activation
from .unit_strip import UnitPictures, UnitStrip

WIDTH = 156.0  # the narrowest node; long titles ("Categorical cross-entropy") widen it up to MAX_WIDTH
MAX_WIDTH = 210.0
GLYPH_SIZE = QSizeF(34, 22)  # an Activation node's curve
HEADER = 28.0
PORT_SPACING = 24.0
MIN_BODY = 48.0
RADIUS = 9.0
READABLE_PT = 9.0  # node titles never look smaller than this on screen
COMPACT_BELOW = 0.75  # zoomed out further, a card shows only its title and id, in letters that stay readable


@cache
def _fonts() -> tuple[QFont, QFont, QFont]:
    return style.font(0, bold=True), style.font(-0.5), style.font(-1.5)


class PortItem(QGraphicsItem):
    """An input or output port; the scene starts and ends wires on it."""

    NORMAL, ACCEPT, DIM = range(3)
    DOT = 5.5
    GRAB = 11.0  # the hit area is larger than the dot so ports are easy to catch

    def __init__(self, node_item: NodeItem, name: str, is_output: bool) -> None:
        super().__init__(node_item)
        self.node_item, self.name, self.is_output = node_item, name, is_output
        self.state = self.NORMAL
        self.wired = False
        self.setAcceptHoverEvents(True)
        self._hovered = False
        self.setCursor(Qt.CrossCursor)

    @property
    def node_id(self) -> str:
        return self.node_item.node.id

    def boundingRect(self) -> QRectF:
        return QRectF(-self.GRAB, -self.GRAB, 2 * self.GRAB, 2 * self.GRAB)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(self.boundingRect())
        return path

    def set_state(self, state: int) -> None:
        if state != self.state:
            self.state = state
            self.setOpacity(0.25 if state == self.DIM else 1.0)
            self.update()

    def set_wired(self, wired: bool) -> None:
        if wired != self.wired:
            self.wired = wired
            self.update()

    def hoverEnterEvent(self, event):
        self._hovered = True
        self.update()

    def hoverLeaveEvent(self, event):
        self._hovered = False
        self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        t = style.theme()
        colour = t.accept if self.state == self.ACCEPT else style.category_colour(self.node_item.node.kind.category)
        r = self.DOT + (2.0 if self._hovered or self.state == self.ACCEPT else 0.0)
        painter.setPen(QPen(colour, 2.0))
        painter.setBrush(colour if self.wired or self.state == self.ACCEPT else t.node_body)
        painter.drawEllipse(QPointF(0, 0), r, r)


class NodeItem(QGraphicsItem):
    def __init__(self, node: Node) -> None:
        super().__init__()
        self.node = node
        self.ports: dict[tuple[str, bool], PortItem] = {}
        self.edges: set = set()  # EdgeItems attached to this node; they follow it when it moves
        self.output_shape: tuple[int, ...] | None = None
        self.parameter_count: int | None = None
        self.problems: list = []
        self._height = HEADER + MIN_BODY
        self._card_width = WIDTH
        self.unit_strip: UnitStrip | None = None  # neuron pictures under the card, while training shows them
        self.setFlags(
            QGraphicsItem.ItemIsMovable | QGraphicsItem.ItemIsSelectable | QGraphicsItem.ItemSendsGeometryChanges
        )
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.setZValue(1)
        self.rebuild()
        self.setPos(*node.position)

    # ---- what the scene tells it ------------------------------------------------------
    def rebuild(self) -> None:
        """Recreate the ports and the size after the node's params changed (e.g. Add's input count)."""
        inputs, outputs = self.node.input_ports, self.node.output_ports
        wanted = [(name, False) for name in inputs] + [(name, True) for name in outputs]
        if list(self.ports) != wanted:
            for port in self.ports.values():
                port.setParentItem(None)
                if port.scene():
                    port.scene().removeItem(port)
            self.ports = {key: PortItem(self, *key) for key in wanted}
        self.prepareGeometryChange()
        title_width = QFontMetricsF(_fonts()[0]).horizontalAdvance(self.node.kind.label(self.node.params))
        # A title too long for the narrow card gets the wide one: zoomed out, it still wraps onto two lines.
        self._card_width = WIDTH if title_width + 40 <= WIDTH else MAX_WIDTH
        body = max(MIN_BODY, PORT_SPACING * len(inputs) + 8)
        self._height = HEADER + body
        middle = HEADER + body / 2
        for i, name in enumerate(inputs):
            self.ports[(name, False)].setPos(0, middle + PORT_SPACING * (i - (len(inputs) - 1) / 2))
        for name in outputs:
            self.ports[(name, True)].setPos(self._card_width, middle)
        if self.unit_strip is not None:
            self.unit_strip.relayout()
        self.refresh()

    def refresh(self) -> None:
        self.setToolTip(self._tooltip())
        self.update()
        for edge in self.edges:
            edge.adjust()

    def set_analysis(self, output_shape: tuple | None, parameter_count: int | None, problems: list) -> None:
        if (output_shape, parameter_count, problems) != (self.output_shape, self.parameter_count, self.problems):
            self.output_shape, self.parameter_count, self.problems = output_shape, parameter_count, problems
            self.setToolTip(self._tooltip())
            self.update()

    def set_unit_pictures(self, pictures: UnitPictures | None) -> None:
        """Show ``pictures`` of the node's units under the card (None: none)."""
        if pictures is None and self.unit_strip is None:
            return
        if self.unit_strip is None:
            self.unit_strip = UnitStrip(self)
        self.unit_strip.set_pictures(pictures)
        self.unit_strip.setVisible(pictures is not None)

    def card_rect(self) -> QRectF:
        return QRectF(0, 0, self._card_width, self._height)

    def port(self, name: str, is_output: bool) -> PortItem | None:
        return self.ports.get((name, is_output))

    def input_ports(self) -> list[PortItem]:
        return [p for p in self.ports.values() if not p.is_output]

    def _tooltip(self) -> str:
        spec = self.node.kind
        lines = [f"<b>{self.node.id}</b> — {spec.label(self.node.params)}", spec.help]
        colours = {"error": style.theme().error.name(), "warning": style.theme().warning.name()}
        lines += [f"<span style='color:{colours[p.severity]}'>● {p.message}</span>" for p in self.problems]
        return "<br>".join(lines)

    # ---- drawing -------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(-3, -3, self._card_width + 6, self._height + 7)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, self._card_width, self._height), RADIUS, RADIUS)
        return path

    # ---- text that stays readable when zoomed out --------------------------------------------
    def title_font(self, scale: float) -> QFont:
        """The header's font at zoom ``scale``: READABLE_PT on screen, as far as the title still fits the header."""
        font = QFont(_fonts()[0])
        base = font.pointSizeF()
        width = QFontMetricsF(font).horizontalAdvance(self.node.kind.label(self.node.params))
        fits = 0.96 * base * (self._card_width - 34) / width if width else base  # a little room: no "…" by rounding
        font.setPointSizeF(max(base, min(READABLE_PT / max(scale, 1e-3), fits)))
        return font

    def compact_layout(self, scale: float) -> list[tuple[QFont, str, QRectF, int]]:
        """What a card shows zoomed out (below COMPACT_BELOW): its title, wrapped onto two lines if it must,
        and its id under it when there is room, each at READABLE_PT on screen: (font, text, rect, flags)."""
        size = READABLE_PT / max(scale, 1e-3)
        title = QFont(_fonts()[0])
        title.setPointSizeF(size)
        plain = QFont(_fonts()[1])
        plain.setPointSizeF(size)
        area = self.card_rect().adjusted(8, 4, -8, -4)
        flags = Qt.AlignHCenter | Qt.TextWordWrap
        label = self.node.kind.label(self.node.params)
        title_box = QFontMetricsF(title).boundingRect(QRectF(0, 0, area.width(), 1e4), flags, label)
        id_metrics = QFontMetricsF(plain)
        node_id = id_metrics.elidedText(self.node.id, Qt.ElideMiddle, area.width())
        total = title_box.height() + id_metrics.height()
        parts = [(title, label, title_box.height(), flags)]
        if total <= area.height():
            parts.append((plain, node_id, id_metrics.height(), Qt.AlignHCenter))
        top = area.center().y() - sum(p[2] for p in parts) / 2
        out = []
        for font, text, height, f in parts:
            out.append((font, text, QRectF(area.left(), top, area.width(), height), int(f)))
            top += height
        return out

    def _paint_compact(self, painter: QPainter, scale: float, selected: bool) -> None:
        t = style.theme()
        rect = self.card_rect()
        painter.setPen(Qt.NoPen)
        painter.setBrush(style.category_colour(self.node.kind.category))
        painter.drawRoundedRect(rect, RADIUS, RADIUS)
        painter.setPen(QColor("#ffffff"))
        for font, text, box, flags in self.compact_layout(scale):
            painter.setFont(font)
            painter.drawText(box, flags | Qt.AlignVCenter, text)
        severity = "error" if any(p.severity == "error" for p in self.problems) else ("warning" if self.problems else "")
        if selected or severity:
            colour = t.selection if selected else (t.error if severity == "error" else t.warning)
            pen = QPen(colour, 3.0 / max(scale, 1e-3))
            painter.setPen(pen)
            painter.setBrush(Qt.NoBrush)
            painter.drawRoundedRect(rect, RADIUS, RADIUS)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        scale = option.levelOfDetailFromTransform(painter.worldTransform())
        if scale < COMPACT_BELOW:
            self._paint_compact(painter, scale, bool(option.state & QStyle.State_Selected))
            return
        t = style.theme()
        _, body_font, small_font = _fonts()
        title_font = self.title_font(scale)
        rect = QRectF(0, 0, self._card_width, self._height)
        accent = style.category_colour(self.node.kind.category)

        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor(0, 0, 0, 60 if t.dark else 22))
        painter.drawRoundedRect(rect.translated(0, 2.5), RADIUS, RADIUS)
        painter.setBrush(t.node_body)
        painter.drawRoundedRect(rect, RADIUS, RADIUS)

        header = QPainterPath()
        header.addRoundedRect(QRectF(0, 0, self._card_width, HEADER + RADIUS), RADIUS, RADIUS)
        clip = QPainterPath()
        clip.addRect(QRectF(0, 0, self._card_width, HEADER))
        painter.setBrush(accent)
        painter.drawPath(header.intersected(clip))

        painter.setPen(QColor("#ffffff"))
        painter.setFont(title_font)
        label = QFontMetricsF(title_font).elidedText(self.node.kind.label(self.node.params), Qt.ElideRight, self._card_width - 34)
        painter.drawText(QRectF(11, 0, self._card_width - 22, HEADER), Qt.AlignVCenter | Qt.AlignLeft, label)
        if self.problems:
            self._draw_badge(painter, QPointF(self._card_width - 14, HEADER / 2))

        self._draw_body(painter, body_font, small_font, t)

        selected = bool(option.state & QStyle.State_Selected)
        severity = "error" if any(p.severity == "error" for p in self.problems) else ("warning" if self.problems else "")
        if selected:
            pen = QPen(t.selection, 2.4)
        elif severity:
            pen = QPen(t.error if severity == "error" else t.warning, 2.0)
        else:
            pen = QPen(t.node_border, 1.0)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        painter.drawRoundedRect(rect, RADIUS, RADIUS)

    def _draw_body(self, painter: QPainter, body_font: QFont, small_font: QFont, t: style.Theme) -> None:
        inputs = self.input_ports()
        left = 14 + (22 if len(inputs) > 1 else 0)
        shape_text = format_shape(self.output_shape) if self.output_shape is not None and self.node.output_ports else ""
        shape_width = QFontMetricsF(small_font).horizontalAdvance(shape_text) if shape_text else 0.0
        right = self._card_width - 14 - (shape_width + 8 if shape_text else 0)
        body = QRectF(left, HEADER + 6, right - left, self._height - HEADER - 12)
        if self.node.kind.activation(self.node.params):  # the function's shape, so a learner sees what it does
            glyph = QRectF(body.right() - GLYPH_SIZE.width(), body.center().y() - GLYPH_SIZE.height() / 2, GLYPH_SIZE.width(), GLYPH_SIZE.height())
            axes = QColor(t.muted_text)
            axes.setAlpha(110)
            draw_activation(painter, glyph, self.node.params, style.category_colour(self.node.kind.category), axes)
            body.setRight(glyph.left() - 6)
        painter.setFont(body_font)
        painter.setPen(t.text)
        node_id = QFontMetricsF(body_font).elidedText(self.node.id, Qt.ElideMiddle, body.width())
        has_count = bool(self.parameter_count)
        painter.drawText(body, (Qt.AlignTop if has_count else Qt.AlignVCenter) | Qt.AlignLeft, node_id)
        painter.setFont(small_font)
        painter.setPen(t.muted_text)
        if has_count:
            painter.drawText(body, Qt.AlignBottom | Qt.AlignLeft, f"{self.parameter_count:,} param{'s' if self.parameter_count != 1 else ''}")
        if len(inputs) > 1:
            for port in inputs:
                painter.drawText(QRectF(10, port.y() - 8, 30, 16), Qt.AlignVCenter | Qt.AlignLeft, port.name)
        if shape_text:
            for port in self.ports.values():
                if port.is_output:
                    box = QRectF(self._card_width - 12 - shape_width - 4, port.y() - 8, shape_width + 4, 16)
                    painter.drawText(box, Qt.AlignVCenter | Qt.AlignRight, shape_text)

    def _draw_badge(self, painter: QPainter, centre: QPointF) -> None:
        t = style.theme()
        error = any(p.severity == "error" for p in self.problems)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor("#ffffff"))
        painter.drawEllipse(centre, 7, 7)
        painter.setPen(QPen(t.error if error else t.warning))
        painter.setFont(_fonts()[0])
        painter.drawText(QRectF(centre.x() - 7, centre.y() - 7, 14, 14), Qt.AlignCenter, "!")

    # ---- movement ------------------------------------------------------------------------
    def itemChange(self, change, value):
        if change == QGraphicsItem.ItemPositionHasChanged:
            for edge in self.edges:
                edge.adjust()
        return super().itemChange(change, value)
