"""Undo commands: every user edit, each calling only the engine graph's method and its inverse.

A command is applied once before it is pushed (``apply`` raises the engine's GraphError
when the edit is refused, so nothing refused reaches the stack); the stack's first
``redo`` then has nothing left to do.
"""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from engine.graph import Edge, Graph

SET_PARAM_ID = 1
PROJECT_INFO_ID = 2
_UNSET = object()


class GraphCommand(QUndoCommand):
    def __init__(self, graph: Graph, text: str) -> None:
        super().__init__(text)
        self.graph = graph
        self._applied = False

    def apply(self) -> None:
        self.do()
        self._applied = True

    def redo(self) -> None:
        if self._applied:
            self._applied = False
        else:
            self.do()

    def undo(self) -> None:
        self.undo_it()

    def do(self) -> None:
        raise NotImplementedError

    def undo_it(self) -> None:
        raise NotImplementedError


class AddNodeCommand(GraphCommand):
    def __init__(self, graph, type_name: str, params: dict, position, node_id: str | None = None) -> None:
        super().__init__(graph, f"Add {type_name}")
        self.type_name, self.params, self.position = type_name, dict(params), position
        self.node_id = node_id
        self.index: int | None = None

    def do(self):
        node = self.graph.add_node(self.type_name, self.params, self.position, self.node_id, self.index)
        self.node_id = node.id
        self.index = list(self.graph.nodes).index(node.id)

    def undo_it(self):
        self.graph.remove_node(self.node_id)


class RemoveNodeCommand(GraphCommand):
    def __init__(self, graph, node_id: str) -> None:
        super().__init__(graph, f"Delete {node_id}")
        self.node_id = node_id
        self.removed = None

    def do(self):
        self.removed = self.graph.remove_node(self.node_id)

    def undo_it(self):
        self.graph.restore_node(*self.removed)


class ConnectCommand(GraphCommand):
    def __init__(self, graph, src: str, dst: str, dst_port: str) -> None:
        super().__init__(graph, f"Connect {src} → {dst}")
        self.src, self.dst, self.dst_port = src, dst, dst_port
        self.index: int | None = None

    def do(self):
        edge = self.graph.connect(self.src, self.dst, self.dst_port, index=self.index)
        self.index = self.graph.edges.index(edge)

    def undo_it(self):
        self.graph.disconnect(Edge(self.src, self.dst, self.dst_port))


class DisconnectCommand(GraphCommand):
    def __init__(self, graph, edge: Edge) -> None:
        super().__init__(graph, f"Disconnect {edge}")
        self.edge = edge
        self.index = 0

    def do(self):
        self.index = self.graph.disconnect(self.edge)

    def undo_it(self):
        self.graph.connect(self.edge.src, self.edge.dst, self.edge.dst_port, index=self.index, strict=False)


class MoveCommand(GraphCommand):
    """Moves any number of nodes at once: one drag, or an Arrange."""

    def __init__(self, graph, moves: dict[str, tuple[tuple[float, float], tuple[float, float]]], text="Move") -> None:
        super().__init__(graph, text)
        self.moves = moves  # node id -> (old position, new position)

    def do(self):
        for node_id, (_, new) in self.moves.items():
            self.graph.move(node_id, new)

    def undo_it(self):
        for node_id, (old, _) in self.moves.items():
            self.graph.move(node_id, old)


class SetParamCommand(GraphCommand):
    """One param change; consecutive changes of the same param (a scrubbed spin box) merge."""

    def __init__(self, graph, node_id: str, name: str, value) -> None:
        super().__init__(graph, f"Set {node_id}.{name}")
        self.node_id, self.name, self.value = node_id, name, value
        self.old = _UNSET

    def do(self):
        old = self.graph.set_param(self.node_id, self.name, self.value)
        if self.old is _UNSET:
            self.old = old

    def undo_it(self):
        self.graph.set_param(self.node_id, self.name, self.old)

    def id(self) -> int:
        return SET_PARAM_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetParamCommand) or (other.node_id, other.name) != (self.node_id, self.name):
            return False
        self.value = other.value
        self.setObsolete(self.value == self.old)
        return True


class RenameCommand(GraphCommand):
    def __init__(self, graph, old_id: str, new_id: str) -> None:
        super().__init__(graph, f"Rename {old_id} to {new_id}")
        self.old_id, self.new_id = old_id, new_id

    def do(self):
        self.graph.rename(self.old_id, self.new_id)

    def undo_it(self):
        self.graph.rename(self.new_id, self.old_id)


class ProjectInfoCommand(QUndoCommand):
    """The project's name or description (not part of the graph); ``on_change`` refreshes views."""

    def __init__(self, project, field_name: str, value: str, on_change) -> None:
        super().__init__(f"Set project {field_name}")
        self.project, self.field_name, self.value = project, field_name, value
        self.old = getattr(project, field_name)
        self.on_change = on_change

    def redo(self):
        setattr(self.project, self.field_name, self.value)
        self.on_change()

    def undo(self):
        setattr(self.project, self.field_name, self.old)
        self.on_change()

    def id(self) -> int:
        return PROJECT_INFO_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Typing a description is one undo step, not one per key."""
        if not isinstance(other, ProjectInfoCommand) or other.field_name != self.field_name:
            return False
        self.value = other.value
        return True
