"""The scene: one NodeItem per engine node and one EdgeItem per wire, kept in step with graph events.

The scene never changes the graph. A finished wire drag, a finished node drag and a
refused wire become signals that the window turns into document edits.
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSceneMouseEvent

from engine.graph import Edge, Graph, Node

from .edge_item import EdgeItem, WireItem
from .node_item import NodeItem, PortItem


class GraphScene(QGraphicsScene):
    connection_requested = Signal(str, str, str)  # source id, target id, target port
    nodes_moved = Signal(dict)  # node id -> (old position, new position)
    wire_hint = Signal(str)  # why the wire under the cursor would be refused ("" when it would not)
    wire_refused = Signal(str)
    unit_clicked = Signal(str, int)  # node id, unit: a neuron picture under a node was clicked

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.graph: Graph | None = None
        self.node_items: dict[str, NodeItem] = {}
        self.edge_items: dict[Edge, EdgeItem] = {}
        self._drag_source: PortItem | None = None
        self._drag_wire: WireItem | None = None
        self._drag_problems: dict[PortItem, str | None] = {}
        self._handlers = {
            "node_added": self._add_node_item,
            "node_removed": self._remove_node_item,
            "edge_added": self._add_edge_item,
            "edge_removed": self._remove_edge_item,
            "param_changed": self._param_changed,
            "node_moved": self._node_moved,
            "node_renamed": self._node_renamed,
        }

    # ---- following the graph -------------------------------------------------------------
    def set_graph(self, graph: Graph) -> None:
        if self.graph is not None:
            for name, handler in self._handlers.items():
                getattr(self.graph.events, name).unsub(handler)
        # Forget the items before deleting them: clearing a selection emits selectionChanged, whose
        # slots ask for the selected nodes, and must not reach items already deleted.
        self.node_items.clear()
        self.edge_items.clear()
        self.clear()
        self.graph = graph
        for node in graph.nodes.values():
            self._add_node_item(node)
        for edge in graph.edges:
            self._add_edge_item(edge)
        for name, handler in self._handlers.items():
            getattr(graph.events, name).sub(handler)

    def _add_node_item(self, node: Node) -> None:
        item = NodeItem(node)
        self.node_items[node.id] = item
        self.addItem(item)

    def _remove_node_item(self, node: Node) -> None:
        self.removeItem(self.node_items.pop(node.id))

    def _add_edge_item(self, edge: Edge) -> None:
        item = EdgeItem(edge, self.node_items[edge.src], self.node_items[edge.dst])
        self.edge_items[edge] = item
        self.addItem(item)

    def _remove_edge_item(self, edge: Edge) -> None:
        item = self.edge_items.pop(edge)
        item.detach()
        self.removeItem(item)

    def _param_changed(self, node: Node, name: str, value) -> None:
        self.node_items[node.id].rebuild()

    def _node_moved(self, node: Node) -> None:
        self.node_items[node.id].setPos(*node.position)

    def _node_renamed(self, old_id: str, node: Node) -> None:
        self.node_items[node.id] = self.node_items.pop(old_id)
        renamed = {}
        for edge, item in self.edge_items.items():
            new_edge = Edge(
                node.id if edge.src == old_id else edge.src,
                node.id if edge.dst == old_id else edge.dst,
                edge.dst_port,
                edge.src_port,
            )
            item.edge = new_edge
            renamed[new_edge] = item
        self.edge_items = renamed
        self.node_items[node.id].refresh()

    def show_analysis(self, analysis) -> None:
        """Mark nodes with their problems, and show inferred shapes and parameter counts."""
        shapes = analysis.shapes
        by_node: dict[str, list] = {}
        for problem in analysis.problems:
            if problem.node in self.node_items:
                by_node.setdefault(problem.node, []).append(problem)
        for node_id, item in self.node_items.items():
            node = item.node
            sources = [self.graph.edge_into_port(node_id, port) for port in node.input_ports]
            in_shapes = [shapes.get(e.src) if e else None for e in sources]
            count = node.kind.parameter_count(node.params, in_shapes) if None not in in_shapes else None
            shape = shapes.get(node_id) if node.output_ports else None
            item.set_analysis(shape, count, by_node.get(node_id, []))
        for edge, item in self.edge_items.items():
            item.set_shape(shapes.get(edge.src))

    # ---- selection -----------------------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        return [i.node.id for i in self.node_items.values() if i.isSelected()]

    def selected_edges(self) -> list[Edge]:
        return [e for e, i in self.edge_items.items() if i.isSelected()]

    def select_nodes(self, node_ids) -> None:
        wanted = set(node_ids)
        self.blockSignals(True)
        self.clearSelection()
        for node_id in wanted:
            if node_id in self.node_items:
                self.node_items[node_id].setSelected(True)
        self.blockSignals(False)
        self.selectionChanged.emit()

    # ---- wiring and moving by mouse ------------------------------------------------------------
    def port_at(self, pos: QPointF, is_output: bool) -> PortItem | None:
        return next(
            (i for i in self.items(pos) if isinstance(i, PortItem) and i.is_output == is_output), None
        )

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        port = self.port_at(event.scenePos(), True) if event.button() == Qt.LeftButton else None
        if port is None:
            super().mousePressEvent(event)
            return
        self._start_wire(port)
        event.accept()

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag_wire is None:
            super().mouseMoveEvent(event)
            return
        target = self.port_at(event.scenePos(), False)
        problem = self._drag_problems.get(target) if target else None
        end = target.scenePos() if target is not None and not problem else event.scenePos()
        self._drag_wire.refused = bool(problem)
        self._drag_wire.set_ends(self._drag_source.scenePos(), end)
        self.wire_hint.emit(problem or "")

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._drag_wire is None:
            super().mouseReleaseEvent(event)
            self._emit_moves()
            return
        source, target = self._drag_source, self.port_at(event.scenePos(), False)
        problem = self._drag_problems.get(target) if target else None
        self._end_wire()
        if target is None:
            return
        if problem:
            self.wire_refused.emit(problem)
        else:
            self.connection_requested.emit(source.node_id, target.node_id, target.name)

    def _start_wire(self, source: PortItem) -> None:
        self._drag_source = source
        self._drag_wire = WireItem()
        self._drag_wire.set_ends(source.scenePos(), source.scenePos())
        self.addItem(self._drag_wire)
        for item in self.node_items.values():
            for port in item.input_ports():
                problem = self.graph.connection_problem(source.node_id, item.node.id, port.name)
                self._drag_problems[port] = problem
                port.set_state(PortItem.DIM if problem else PortItem.ACCEPT)

    def _end_wire(self) -> None:
        self.removeItem(self._drag_wire)
        for port in self._drag_problems:
            port.set_state(PortItem.NORMAL)
        self._drag_wire = self._drag_source = None
        self._drag_problems = {}
        self.wire_hint.emit("")

    def _emit_moves(self) -> None:
        moves = {}
        for item in self.node_items.values():
            new = (item.pos().x(), item.pos().y())
            if item.isSelected() and new != item.node.position:
                moves[item.node.id] = (item.node.position, new)
        if moves:
            self.nodes_moved.emit(moves)
