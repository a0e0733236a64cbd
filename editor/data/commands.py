"""The one undoable dataset edit, and how a new dataset becomes one undo step.

``SetDatasetCommand`` replaces ``project.dataset`` through ``Document.set_dataset`` (which
re-validates). ``use_dataset`` wraps it in a macro with a ``set_param`` on every Input node
whose size no longer fits, so undo restores the data and the graph together.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QUndoCommand

from . import specs

SET_DATASET_ID = 5  # editor/commands.py uses 1 and 2, editor/training 4
KEEP_LOADED_VALUES = 2_000_000  # datasets larger than this are reloaded on undo instead of kept


class SetDatasetCommand(QUndoCommand):
    """Sets the project's dataset spec; ``merge_key`` (any hashable, or None) lets a slider drag merge."""

    def __init__(self, document, spec: dict, dataset=None, text: str = "Change dataset", merge_key=None) -> None:
        super().__init__(text)
        self.document = document
        base = document.project.base_dir
        self.old = (document.project.dataset, base, self._kept(document.dataset))
        self.new = (spec, base, self._kept(dataset))
        self.arrived = dataset  # the data just read: the first redo uses it whatever its size (a later one reloads)
        self.merge_key = merge_key

    @staticmethod
    def _kept(dataset):
        return dataset if dataset is not None and dataset.x.size <= KEEP_LOADED_VALUES else None

    def _set(self, state) -> None:
        spec, base, dataset = state
        here = self.document.project.base_dir
        if Path(base).absolute() != Path(here).absolute():  # saved elsewhere since: rebase a csv path
            spec = specs.rebased(spec, base, self.document.path.parent if self.document.path else None)
        self.document.set_dataset(spec, dataset)

    def redo(self) -> None:
        spec, base, kept = self.new
        arrived, self.arrived = self.arrived, None
        self._set((spec, base, kept if arrived is None else arrived))

    def undo(self) -> None:
        self._set(self.old)

    def id(self) -> int:
        return SET_DATASET_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetDatasetCommand) or other.merge_key != self.merge_key:
            return False
        self.new = other.new
        self.arrived = None
        self.setObsolete(self.new[0] == self.old[0])
        return True


def input_nodes_to_resize(graph, n_features: int) -> list[str]:
    return [n.id for n in graph.nodes.values() if n.kind.role == "input" and n.kind.features(n.params) != n_features]


def use_dataset(document, spec: dict, dataset, text: str, merge_key=None) -> None:
    """Make ``spec`` (already loaded as ``dataset``) the project's data as one undo step.

    The Input nodes follow the number of features in the same step; a slider drag that keeps
    the feature count merges into the previous step (``merge_key``).
    """
    if spec == document.project.dataset:
        return
    stack = document.undo_stack
    resize = input_nodes_to_resize(document.graph, dataset.n_features) if dataset is not None else []
    command = SetDatasetCommand(document, spec, dataset, text, None if resize else merge_key)
    if not resize:
        stack.push(command)
        return
    stack.beginMacro(text)
    stack.push(command)
    for node_id in resize:
        if document.graph.node(node_id).params["shape"]:  # an image shape that no longer fits: a vector
            document.set_param(node_id, "shape", [])
        document.set_param(node_id, "size", dataset.n_features)
    stack.endMacro()
    document.validate_now()
