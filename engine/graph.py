"""The graph a person draws: nodes with ids, types, params and positions, and wired ports.

Qt-free. Views subscribe to the events; every edit goes through a method here so
that undo commands in the editor can call the method and its inverse.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import networkx as nx

from .errors import GraphError, ParamError
from .events import Event
from .nodes import NODE_TYPES, node_type
from .params import fill_params

ID_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
POSITION_LIMIT = 1e6  # canvas units either way; the editor's canvas spans ±20,000


@dataclass
class Node:
    id: str
    type: str
    params: dict
    position: tuple[float, float] = (0.0, 0.0)

    @property
    def kind(self):
        return node_type(self.type)

    @property
    def input_ports(self) -> tuple[str, ...]:
        return self.kind.input_ports(self.params)

    @property
    def output_ports(self) -> tuple[str, ...]:
        return self.kind.output_ports

    def to_dict(self) -> dict:
        """The project-format node; params that do not apply (ELU's alpha on a ReLU) are left out."""
        specs = self.kind.params
        return {
            "id": self.id,
            "type": self.type,
            "position": [self.position[0], self.position[1]],
            "params": {
                k: v for k, v in self.params.items()
                if specs[k].applies(self.params) and not (specs[k].omit_default and v == specs[k].default)
            },
        }


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    dst_port: str = "in"
    src_port: str = "out"

    def __str__(self) -> str:
        return f"{self.src} → {self.dst}:{self.dst_port}"


@dataclass
class GraphEvents:
    node_added: Event = field(default_factory=Event)  # (node)
    node_removed: Event = field(default_factory=Event)  # (node)
    edge_added: Event = field(default_factory=Event)  # (edge)
    edge_removed: Event = field(default_factory=Event)  # (edge)
    param_changed: Event = field(default_factory=Event)  # (node, name, value)
    node_moved: Event = field(default_factory=Event)  # (node)
    node_renamed: Event = field(default_factory=Event)  # (old_id, node)
    changed: Event = field(default_factory=Event)  # () after every edit


def check_id(node_id: object, where: str = "id") -> str:
    if not isinstance(node_id, str) or not ID_PATTERN.match(node_id):
        raise GraphError(
            f"{where}: {node_id!r} is not a valid node id "
            "(letters, digits, _ and -, starting with a letter or _)"
        )
    return node_id


class Graph:
    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.events = GraphEvents()

    # ---- queries -------------------------------------------------------------
    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphError(f"there is no node '{node_id}'") from None

    def edges_into(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.dst == node_id]

    def edges_from(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges if e.src == node_id]

    def edge_into_port(self, node_id: str, port: str) -> Edge | None:
        return next((e for e in self.edges if e.dst == node_id and e.dst_port == port), None)

    def unique_id(self, base: str) -> str:
        base = re.sub(r"[^A-Za-z0-9_\-]", "_", base.lower()) or "node"
        if not base[0].isalpha() and base[0] != "_":
            base = "n" + base
        if base not in self.nodes:
            return base
        n = 2
        while f"{base}_{n}" in self.nodes:
            n += 1
        return f"{base}_{n}"

    def to_networkx(self) -> nx.MultiDiGraph:
        g = nx.MultiDiGraph()
        for node in self.nodes.values():
            g.add_node(node.id, type=node.type)
        for edge in self.edges:
            g.add_edge(edge.src, edge.dst, port=edge.dst_port)
        return g

    def connection_problem(self, src: str, dst: str, dst_port: str = "in") -> str | None:
        """Why the editor must refuse a wire from ``src`` to ``dst:dst_port``, or None."""
        problem = self._port_problem(src, dst, dst_port)
        if problem:
            return problem
        if src == dst:
            return f"'{src}' cannot feed itself"
        taken = self.edge_into_port(dst, dst_port)
        if taken is not None:
            return f"{dst}:{dst_port} is already wired from '{taken.src}'; disconnect it first"
        g = self.to_networkx()
        if nx.has_path(g, dst, src):
            path = nx.shortest_path(g, dst, src)
            return "that wire would make a cycle: " + " → ".join([*path, dst])
        return None

    def _port_problem(self, src: str, dst: str, dst_port: str) -> str | None:
        if src not in self.nodes or dst not in self.nodes:
            return f"there is no node '{src if src not in self.nodes else dst}'"
        if not self.nodes[src].output_ports:
            return f"'{src}' is a loss and has no output to wire from"
        ports = self.nodes[dst].input_ports
        if dst_port not in ports:
            if not ports:
                return f"'{dst}' is an input and takes no wire"
            return f"'{dst}' has no port '{dst_port}' (its ports: {', '.join(ports)})"
        return None

    # ---- edits -------------------------------------------------------------------
    def add_node(
        self,
        type_name: str,
        params: dict | None = None,
        position: tuple[float, float] = (0.0, 0.0),
        node_id: str | None = None,
        index: int | None = None,
    ) -> Node:
        if type_name not in NODE_TYPES:
            raise GraphError(
                f"node '{node_id or '?'}': unknown type '{type_name}' "
                f"(known: {', '.join(NODE_TYPES)})"
            )
        node_id = check_id(node_id) if node_id is not None else self.unique_id(type_name)
        if node_id in self.nodes:
            raise GraphError(f"there is already a node '{node_id}'")
        try:
            filled = fill_params(node_type(type_name).params, params or {}, f"{node_id}.params")
        except ParamError as e:
            raise GraphError(str(e)) from None
        node = Node(node_id, type_name, filled, (float(position[0]), float(position[1])))
        items = list(self.nodes.items())
        items.insert(len(items) if index is None else index, (node_id, node))
        self.nodes = dict(items)
        self.events.node_added.emit(node)
        self.events.changed.emit()
        return node

    def remove_node(self, node_id: str) -> tuple[Node, int, list[tuple[int, Edge]]]:
        """Remove a node and its wires; returns what undo needs to put them back."""
        node = self.node(node_id)
        removed = [(i, e) for i, e in enumerate(self.edges) if node_id in (e.src, e.dst)]
        for i, edge in reversed(removed):
            del self.edges[i]
            self.events.edge_removed.emit(edge)
        index = list(self.nodes).index(node_id)
        del self.nodes[node_id]
        self.events.node_removed.emit(node)
        self.events.changed.emit()
        return node, index, removed

    def restore_node(self, node: Node, index: int, edges: list[tuple[int, Edge]]) -> None:
        """Undo of remove_node: the node at its old place, with its wires."""
        self.add_node(node.type, node.params, node.position, node.id, index)
        for i, edge in edges:
            self.connect(edge.src, edge.dst, edge.dst_port, index=i, strict=False)

    def connect(
        self, src: str, dst: str, dst_port: str = "in", index: int | None = None, strict: bool = True
    ) -> Edge:
        """Wire ``src`` to ``dst:dst_port``.

        ``strict`` (every edit) also refuses cycles and doubly-wired ports; loading a file
        is lenient there so that validation can report every such problem at once.
        """
        check = self.connection_problem if strict else self._port_problem
        problem = check(src, dst, dst_port)
        if problem:
            raise GraphError(problem)
        edge = Edge(src, dst, dst_port)
        self.edges.insert(len(self.edges) if index is None else index, edge)
        self.events.edge_added.emit(edge)
        self.events.changed.emit()
        return edge

    def disconnect(self, edge: Edge) -> int:
        try:
            index = self.edges.index(edge)
        except ValueError:
            raise GraphError(f"there is no wire {edge}") from None
        del self.edges[index]
        self.events.edge_removed.emit(edge)
        self.events.changed.emit()
        return index

    def set_param(self, node_id: str, name: str, value: object) -> object:
        """Set one param (validated); returns the old value."""
        node = self.node(node_id)
        spec = node.kind.params.get(name)
        if spec is None:
            raise GraphError(f"{node_id}: {node.type} has no parameter '{name}'")
        try:
            value = spec.coerce(f"{node_id}.{name}", value)
        except ParamError as e:
            raise GraphError(str(e)) from None
        new_params = {**node.params, name: value}
        kept_ports = set(node.kind.input_ports(new_params))
        orphaned = [e for e in self.edges_into(node_id) if e.dst_port not in kept_ports]
        if orphaned:
            raise GraphError(
                f"{node_id}.{name}: port {orphaned[0].dst_port} is wired from "
                f"'{orphaned[0].src}'; disconnect it first"
            )
        old = node.params[name]
        node.params = new_params
        self.events.param_changed.emit(node, name, value)
        self.events.changed.emit()
        return old

    def move(self, node_id: str, position: tuple[float, float]) -> tuple[float, float]:
        """Move a node; returns the old position."""
        node = self.node(node_id)
        old = node.position
        node.position = (float(position[0]), float(position[1]))
        self.events.node_moved.emit(node)
        self.events.changed.emit()
        return old

    def rename(self, old_id: str, new_id: str) -> None:
        node = self.node(old_id)
        check_id(new_id, f"{old_id}: new id")
        if new_id == old_id:
            return
        if new_id in self.nodes:
            raise GraphError(f"there is already a node '{new_id}'")
        node.id = new_id
        self.nodes = {(new_id if k == old_id else k): v for k, v in self.nodes.items()}
        self.edges = [
            Edge(
                new_id if e.src == old_id else e.src,
                new_id if e.dst == old_id else e.dst,
                e.dst_port,
            )
            for e in self.edges
        ]
        self.events.node_renamed.emit(old_id, node)
        self.events.changed.emit()

    # ---- the project file's "graph" object --------------------------------------
    def to_dict(self, node_ids: list[str] | None = None) -> dict:
        """The project-format dict; with ``node_ids``, only those nodes and the wires between them."""
        keep = set(self.nodes if node_ids is None else node_ids)
        return {
            "nodes": [n.to_dict() for n in self.nodes.values() if n.id in keep],
            "edges": [
                {"from": e.src, "to": self._port_ref(e)}
                for e in self.edges
                if e.src in keep and e.dst in keep
            ],
        }

    def _port_ref(self, edge: Edge) -> str:
        ports = self.nodes[edge.dst].input_ports
        return edge.dst if ports == (edge.dst_port,) else f"{edge.dst}:{edge.dst_port}"

    @classmethod
    def from_dict(cls, data: object, where: str = "graph") -> Graph:
        """Build a graph from the project-format dict; GraphError names the key path."""
        if not isinstance(data, dict):
            raise GraphError(f"{where}: must be an object with 'nodes' and 'edges'")
        unknown = sorted(set(data) - {"nodes", "edges"})
        if unknown:
            raise GraphError(f"{where}.{unknown[0]}: unknown key (known: nodes, edges)")
        nodes, edges = data.get("nodes", []), data.get("edges", [])
        if not isinstance(nodes, list):
            raise GraphError(f"{where}.nodes: must be a list")
        if not isinstance(edges, list):
            raise GraphError(f"{where}.edges: must be a list")
        graph = cls()
        errors: list[str] = []
        failed: set[str] = set()  # ids of nodes refused: their wires are not reported again
        for i, raw in enumerate(nodes):
            try:
                graph._load_node(raw, f"{where}.nodes[{i}]")
            except GraphError as e:
                errors.append(str(e))
                if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                    failed.add(raw["id"])
        for i, raw in enumerate(edges):
            ends = {str(raw.get(k, "")).partition(":")[0] for k in ("from", "to")} if isinstance(raw, dict) else set()
            if ends & failed:
                continue
            try:
                graph._load_edge(raw, f"{where}.edges[{i}]")
            except GraphError as e:
                errors.append(str(e))
        if errors:
            raise GraphError(*errors)
        return graph

    def _load_node(self, raw: object, where: str) -> None:
        if not isinstance(raw, dict):
            raise GraphError(f"{where}: must be an object")
        unknown = sorted(set(raw) - {"id", "type", "position", "params"})
        if unknown:
            raise GraphError(f"{where}.{unknown[0]}: unknown key (known: id, type, position, params)")
        for key in ("id", "type"):
            if key not in raw:
                raise GraphError(f"{where}.{key}: missing")
        node_id = check_id(raw["id"], f"{where}.id")
        if node_id in self.nodes:
            raise GraphError(f"{where}.id: '{node_id}' is used by another node")
        type_name = raw["type"]
        if not isinstance(type_name, str) or type_name not in NODE_TYPES:
            raise GraphError(
                f"{where}.type: node '{node_id}' has unknown type {type_name!r:.60} "
                f"(known: {', '.join(NODE_TYPES)})"
            )
        position = raw.get("position", [0, 0])
        if (
            not isinstance(position, list)
            or len(position) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position)
            or not all(abs(v) <= POSITION_LIMIT for v in position)  # False for NaN and infinity too
        ):
            raise GraphError(f"{where}.position: must be [x, y] numbers within ±{POSITION_LIMIT:,.0f}, "
                             f"got {position!r:.80}")
        try:
            params = fill_params(node_type(type_name).params, raw.get("params", {}), f"{where}.params")
        except ParamError as e:
            raise GraphError(str(e)) from None
        self.add_node(type_name, params, tuple(position), node_id)

    def _load_edge(self, raw: object, where: str) -> None:
        if not isinstance(raw, dict) or set(raw) != {"from", "to"}:
            raise GraphError(f'{where}: must be {{"from": "node", "to": "node" or "node:port"}}')
        src, dst = raw["from"], raw["to"]
        if not isinstance(src, str) or not isinstance(dst, str):
            raise GraphError(f"{where}: 'from' and 'to' must be text")
        src_id, _, src_port = src.partition(":")
        if src_id not in self.nodes:
            raise GraphError(f"{where}.from: there is no node '{src_id}'")
        if src_port and src_port not in self.nodes[src_id].output_ports:
            raise GraphError(f"{where}.from: '{src_id}' has no output port '{src_port}'")
        dst_id, _, dst_port = dst.partition(":")
        if dst_id not in self.nodes:
            raise GraphError(f"{where}.to: there is no node '{dst_id}'")
        ports = self.nodes[dst_id].input_ports
        if not dst_port:
            if len(ports) != 1:
                raise GraphError(
                    f"{where}.to: '{dst_id}' has ports {', '.join(ports) or 'none'}; "
                    f"name one, e.g. '{dst_id}:{ports[0] if ports else 'in'}'"
                )
            dst_port = ports[0]
        problem = self._port_problem(src_id, dst_id, dst_port)
        if problem:
            raise GraphError(f"{where}: {problem}")
        self.connect(src_id, dst_id, dst_port, strict=False)
