"""The open project: its undo stack, file path and modified state, and every edit as a command.

orange-canvas-core's document layer: the window and the canvas ask the document for an
edit; the document turns it into a QUndoCommand that calls the engine graph.

After each change of the graph's structure (not a move) the document validates it once
(debounced) and, when it has no errors, compiles it once: ``analysis`` (problems, shapes, order)
and ``model`` (the compiled network with the seeded initial parameters) are shared by the canvas,
the training session, the views and the Predict panel, which clone the model instead of compiling
their own.

The project's data may take a while to read (a CSV file of 60,000 rows): such a load runs off the GUI
thread (``data.loading``) while the graph is shown and edited at once; ``loading`` is the load under
way, ``loading_changed`` follows it, and the graph is validated against the data when it arrives.
A file outside the project's folder is read only when ``confirm_read`` (set by the window) agrees.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from engine.datasets import file_outside_project, load_dataset
from engine.errors import GraphError, NeuroCanvasError
from engine.graph import Edge, Graph
from engine.model import Model
from engine.project import Project, load_project, new_project, project_to_dict, save_project
from engine.validation import Analysis

from . import commands, layout
from .data.commands import use_dataset
from .data.loading import DataLoader, LoadJob, loads_in_background
from .data.specs import rebased

VALIDATION_DELAY_MS = 150
INSERT_RISE = 110.0  # a node a fix inserts on a wire goes this far above it, clear of the nodes in the row


class Document(QObject):
    project_replaced = Signal()  # a new or opened project: views rebuild from document.graph
    modified_changed = Signal(bool)
    info_changed = Signal()  # the project's name or description
    graph_changed = Signal()  # after every edit of the graph
    dataset_changed = Signal()  # project.dataset or the loaded data changed (an edit, its undo, a load's end)
    loading_changed = Signal()  # a load began, went on or ended (``loading``)
    switch_refused = Signal(object, object)  # a switch's spec and the DatasetError that refused it
    refused = Signal(str)  # an edit the engine refused, with its reason
    validated = Signal(object)  # the new Analysis (problems, shapes, order)
    compiled = Signal()  # a new ``model`` (or None): the structure, the dataset, the seed or the dtype changed
    about_to_save = Signal()  # connected slots put state held elsewhere (training) into the project

    def __init__(self, project=None, parent=None, background_loading: bool = False) -> None:
        """``background_loading``: big files load off the GUI thread (the window); without it every load
        is done at once (headless uses: rendering a view, tests of the document alone)."""
        super().__init__(parent)
        self.background_loading = background_loading
        self.loader = DataLoader(self)
        self.loader.progressed.connect(self.loading_changed)
        self.loader.finished.connect(self._loaded)
        # Asked before reading a data file outside the project's folder (the path); False: open without data.
        self.confirm_read: Callable[[Path], bool] | None = None
        self._trusted: set[Path] = set()  # files outside the folder the person agreed to read
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._history_move: str | None = None  # "undo" or "redo" since the last compile
        self._validation_timer = QTimer(self, singleShot=True, interval=VALIDATION_DELAY_MS)
        self._validation_timer.timeout.connect(self.validate_now)
        self.project = None
        self.dataset = None
        self.analysis = Analysis()
        self.model: Model | None = None  # the compiled graph, fresh seeded parameters: clone it, never train it
        self.compile_error = ""  # why there is no model although the graph has no errors
        self.dataset_error = ""  # why the project's dataset did not load
        self.last_refusal = ""
        self.replace(project if project is not None else new_project())

    # ---- the project -------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        return self.project.graph

    @property
    def path(self) -> Path | None:
        return self.project.path

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def problems(self) -> list:
        return self.analysis.problems

    def replace(self, project: Project, trusted: bool = False) -> None:
        """Show ``project`` with a fresh, clean undo stack; its data loads (off the GUI thread if big).
        ``trusted``: its data file needs no consent even outside its folder (a bundled example)."""
        if self.project is not None:
            self._subscribe(self.graph, False)
        self.loader.cancel()
        self.undo_stack.clear()
        self.project = project
        self._trusted = set()
        self._subscribe(self.graph, True)
        self.dataset, self.dataset_error = None, ""
        if self._may_read(project.dataset, trusted):
            self._fetch(project.dataset)
        self._analyze()
        self.loading_changed.emit()  # the old project's load (if any) is gone; the new one's may have begun
        self.project_replaced.emit()  # the session and the views take the new project and its model
        self.modified_changed.emit(False)
        self.validated.emit(self.analysis)

    def new(self) -> None:
        self.replace(new_project())

    def open(self, path: str | Path) -> None:
        """Open a project file; raises ProjectError (naming file and key) and keeps the current one."""
        self.replace(load_project(path))

    def save(self, path: str | Path | None = None) -> None:
        target = Path(path) if path else self.path
        if target is None:
            raise ValueError("the project has no file yet: save it as a new file")
        self.flush()  # an edit still waiting for validation: the session rebuilds, and what is saved fits the graph
        self.about_to_save.emit()
        spec = self.project.dataset  # a csv path is stored relative to the project file
        self.project.dataset = rebased(spec, self.project.base_dir, target.parent)
        try:
            save_project(self.project, target)
        except BaseException:
            self.project.dataset = spec
            raise
        self.project.path = target
        self.undo_stack.setClean()

    def to_dict(self) -> dict:
        return project_to_dict(self.project)

    # ---- the data -----------------------------------------------------------------
    @property
    def loading(self) -> LoadJob | None:
        """The load under way (the project's data, or data to switch to), or None."""
        return self.loader.job

    def _may_read(self, spec: dict, trusted: bool = False) -> bool:
        """Whether the data file of ``spec`` may be read: inside the project's folder, agreed to before,
        or agreed to now (``confirm_read``). If not, ``dataset_error`` says so."""
        outside = file_outside_project(spec, self.project.base_dir)
        if outside is None or trusted or outside in self._trusted:
            return True
        if self.confirm_read is not None and not self.confirm_read(outside):
            self.dataset_error = (f"{outside.name} was not read: it lies outside the project's folder "
                                  f"({outside}); choose data in the Dataset dock, or reopen the project to read it")
            return False
        self._trusted.add(outside)
        return True

    def _fetch(self, spec: dict) -> None:
        """Load the project's data ``spec``: now, or (a big file) off the GUI thread — then the data is
        None until ``_loaded``, and ``loading`` says how far it is."""
        if self.background_loading and loads_in_background(spec, self.project.base_dir):
            self._start(LoadJob(spec, "project"))
            return
        try:
            self.dataset = self.project.load_data()
        except (NeuroCanvasError, OSError) as e:
            self.dataset_error = str(e)

    def _start(self, job: LoadJob) -> None:
        training = self.project.training
        self.loader.start(job, self.project.base_dir, training["dtype"],
                          (training["validation_split"], training["seed"]))

    def _loaded(self, job: LoadJob, dataset, error) -> None:
        if job.purpose == "switch":
            if dataset is None:
                self.loading_changed.emit()
                self.switch_refused.emit(job.spec, error)
                return
            self.loading_changed.emit()
            use_dataset(self, job.spec, dataset, job.text)
            return
        self.dataset, self.dataset_error = dataset, str(error) if error is not None else ""
        self.loading_changed.emit()
        self.dataset_changed.emit()
        self.validate_now()

    def cancel_loading(self) -> None:
        """Stop the load under way: the project's own data (the project stays open without data, and
        says so), or data to switch to (the data in use stays)."""
        job = self.loader.cancel()
        if job is None:
            return
        if job.purpose == "project":
            self.dataset_error = (f"Loading {job.name} was cancelled: the project is open without data; choose "
                                  "data in the Dataset dock, or reopen the project to load it")
        self.loading_changed.emit()
        if job.purpose == "project":
            self.dataset_changed.emit()
            self.validate_now()

    def switch_dataset(self, spec: dict, text: str) -> None:
        """Use the data ``spec`` describes, as one undo step (``use_dataset``) once it is read: at once, or
        (a big file) when the worker has read it. Refused: ``switch_refused`` with the engine's error.
        The person chose this file: it needs no consent later (undo, redo)."""
        outside = file_outside_project(spec, self.project.base_dir)
        if outside is not None:
            self._trusted.add(outside)
        if self.background_loading and loads_in_background(spec, self.project.base_dir):
            self._start(LoadJob(spec, "switch", text))
            return
        try:
            dataset = load_dataset(spec, self.project.base_dir, self.project.training["dtype"])
        except (NeuroCanvasError, OSError) as e:
            self.switch_refused.emit(spec, e)
            return
        use_dataset(self, spec, dataset, text)

    def set_dataset(self, spec: dict, dataset=None) -> None:
        """Use the dataset ``spec`` (``dataset``: already loaded from it, or None to load it); re-validate.

        Called by the dataset panel's undo command; not an undo step by itself. A big file that is not
        kept loads off the GUI thread, and the graph is validated again when it arrives."""
        self.loader.cancel()  # this choice is newer than any data still being read
        self.project.dataset = spec
        self.dataset, self.dataset_error = dataset, ""
        if dataset is None and self._may_read(spec):
            self._fetch(spec)
        self.loading_changed.emit()
        self.dataset_changed.emit()
        self.validate_now()

    def shutdown(self) -> None:
        """Stop any load and its child process (at most one chunk of rows away): closing."""
        self.cancel_loading()
        self.loader.close()

    def loading_text(self) -> str:
        """What the views show instead of data: "Loading digits.csv… 43%", or why there is no data."""
        job = self.loading
        if job is not None and job.purpose == "project":
            return job.status()
        return self.dataset_error

    # ---- validation and compilation ---------------------------------------------------
    def _clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    def _subscribe(self, graph: Graph, on: bool) -> None:
        events = graph.events
        structural = (events.node_added, events.node_removed, events.edge_added, events.edge_removed,
                      events.param_changed, events.node_renamed)
        for event in structural:
            (event.sub if on else event.unsub)(self._structure_changed)
        (events.changed.sub if on else events.changed.unsub)(self.graph_changed.emit)

    def _structure_changed(self, *_) -> None:
        self._validation_timer.start()

    def validate_now(self) -> None:
        """Validate the graph against the dataset and compile it, once (the debounced edits' end)."""
        self._analyze()
        self.validated.emit(self.analysis)
        self.compiled.emit()

    def flush(self) -> None:
        """Validate and compile now if an edit is waiting for it (its debounce has not run out)."""
        if self._validation_timer.isActive():
            self.validate_now()

    def recompile(self) -> None:
        """Compile again with the training settings' dtype and seed, which set the initial parameters."""
        self._compile()
        self.compiled.emit()

    def _analyze(self) -> None:
        self._validation_timer.stop()
        self.analysis = Analysis.of(self.graph, self.dataset)
        self._compile()

    def _compile(self) -> None:
        self.model, self.compile_error = None, ""
        if not self.analysis.errors and self.dataset is not None:
            training = self.project.training
            try:
                self.model = Model(self.graph, training["dtype"], training["seed"], self.dataset, self.analysis)
            except (NeuroCanvasError, ValueError) as e:
                self.compile_error = str(e)

    # ---- edits -------------------------------------------------------------------
    def push(self, command: commands.GraphCommand) -> bool:
        """Apply ``command`` and put it on the undo stack, or emit ``refused`` with the engine's reason."""
        try:
            command.apply()
        except GraphError as e:
            self._refuse(str(e))
            return False
        self._history_move = None
        self.undo_stack.push(command)
        return True

    def undo(self) -> None:
        """Undo (Ctrl+Z): the training session goes back to the run an undone edit had ended."""
        self._history_move = "undo"
        self.undo_stack.undo()

    def redo(self) -> None:
        self._history_move = "redo"
        self.undo_stack.redo()

    def take_history_move(self) -> str | None:
        """"undo" or "redo" when the latest change came from the undo stack; asked once per compile."""
        move, self._history_move = self._history_move, None
        return move

    def _refuse(self, reason: str) -> None:
        self.last_refusal = reason
        self.refused.emit(reason)

    def add_node(self, type_name: str, params: dict, position: tuple[float, float]) -> str | None:
        command = commands.AddNodeCommand(self.graph, type_name, params, position)
        return command.node_id if self.push(command) else None

    def connect(self, src: str, dst: str, dst_port: str) -> bool:
        return self.push(commands.ConnectCommand(self.graph, src, dst, dst_port))

    def disconnect(self, edges: list[Edge]) -> None:
        self.delete([], edges)

    def delete(self, node_ids: list[str], edges: list[Edge]) -> None:
        """Remove nodes (with their wires) and wires as one undo step."""
        doomed = set(node_ids)
        loose = [e for e in edges if e.src not in doomed and e.dst not in doomed]
        if not doomed and not loose:
            return
        count = len(doomed) + len(loose)
        self.undo_stack.beginMacro(f"Delete {count} item{'s' if count > 1 else ''}")
        for edge in loose:
            self.push(commands.DisconnectCommand(self.graph, edge))
        for node_id in node_ids:
            self.push(commands.RemoveNodeCommand(self.graph, node_id))
        self.undo_stack.endMacro()

    def move(self, moves: dict[str, tuple[tuple[float, float], tuple[float, float]]], text: str = "Move") -> None:
        moves = {k: (old, new) for k, (old, new) in moves.items() if old != new}
        if moves:
            self.push(commands.MoveCommand(self.graph, moves, text))

    def set_param(self, node_id: str, name: str, value) -> bool:
        if self.graph.node(node_id).params.get(name) == value:
            return True
        return self.push(commands.SetParamCommand(self.graph, node_id, name, value))

    def apply_fix(self, fix) -> bool:
        """A problem's one-click fix (engine.validation.Fix) as one undo step: a param set, or a node of the
        fix's type inserted on the wire into ``fix.node``'s port (placed between the two, a row above)."""
        if fix.node not in self.graph.nodes:
            self._refuse(f"Cannot {fix.label}: there is no node {fix.node} any more")
            return False
        self.undo_stack.beginMacro(f"Fix: {fix.label}")
        try:
            if not fix.insert:
                return self.set_param(fix.node, fix.param, fix.value)
            edge = self.graph.edge_into_port(fix.node, fix.port)
            if edge is None:
                self._refuse(f"Cannot {fix.label}: nothing is wired into {fix.node}:{fix.port}")
                return False
            (x0, y0), (x1, y1) = self.graph.nodes[edge.src].position, self.graph.nodes[fix.node].position
            position = ((x0 + x1) / 2, min(y0, y1) - INSERT_RISE)
            command = commands.AddNodeCommand(self.graph, fix.insert, dict(fix.params), position)
            ok = self.push(command)
            ok = ok and self.push(commands.DisconnectCommand(self.graph, edge))
            new_id = command.node_id
            ok = ok and self.push(commands.ConnectCommand(self.graph, edge.src, new_id,
                                                          self.graph.nodes[new_id].input_ports[0]))
            return ok and self.push(commands.ConnectCommand(self.graph, new_id, fix.node, fix.port))
        finally:
            self.undo_stack.endMacro()

    def rename(self, old_id: str, new_id: str) -> bool:
        if old_id == new_id:
            return True
        return self.push(commands.RenameCommand(self.graph, old_id, new_id))

    def arrange(self, view: tuple[float, float] | None = None) -> bool:
        """Lay the graph out in layers; with the ``view`` size, long graphs wrap into bands."""
        positions = layout.layered_positions(self.graph, view)
        if positions is None:
            self._refuse("Arrange needs a graph without cycles: remove the wire that closes the loop first")
            return False
        self.move({k: (self.graph.nodes[k].position, p) for k, p in positions.items()}, "Arrange")
        return True

    def set_project_info(self, field_name: str, value: str) -> None:
        if getattr(self.project, field_name) != value:
            self.undo_stack.push(commands.ProjectInfoCommand(self.project, field_name, value, self.info_changed.emit))

    # ---- copy and paste ------------------------------------------------------------
    def copy_text(self, node_ids: list[str]) -> str:
        """The nodes and the wires between them, as project-format graph JSON."""
        return json.dumps(self.graph.to_dict(node_ids), indent=2, ensure_ascii=False)

    def paste(self, text: str, offset: tuple[float, float]) -> list[str]:
        """Add the nodes of graph JSON (or of a whole project's JSON) with fresh ids, moved by ``offset``.

        Returns the new ids; emits ``refused`` (and adds nothing) when the text is not a graph.
        """
        try:
            data = json.loads(text)
            if isinstance(data, dict) and "graph" in data:
                data = data["graph"]
            pasted = Graph.from_dict(data, "clipboard")
        except (ValueError, RecursionError, GraphError) as e:  # ValueError: bad JSON, or a number of 4300+ digits
            self._refuse(f"Nothing to paste: the clipboard holds no NeuroCanvas graph ({e})")
            return []
        if not pasted.nodes:
            return []
        new_ids: dict[str, str] = {}
        self.undo_stack.beginMacro(f"Paste {len(pasted.nodes)} node{'s' if len(pasted.nodes) > 1 else ''}")
        for node in pasted.nodes.values():
            position = (node.position[0] + offset[0], node.position[1] + offset[1])
            command = commands.AddNodeCommand(
                self.graph, node.type, node.params, position, self.graph.unique_id(node.id)
            )
            self.push(command)
            new_ids[node.id] = command.node_id
        for edge in pasted.edges:
            self.push(commands.ConnectCommand(self.graph, new_ids[edge.src], new_ids[edge.dst], edge.dst_port))
        self.undo_stack.endMacro()
        return list(new_ids.values())
