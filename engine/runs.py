"""Runs: each experiment of a project as one value.

A ``Run`` holds what makes one experiment — its settings, the data's summary, the graph and its
parameter layout, the history, the events it went through and a timeline of frames — so the views
can draw any run at any epoch, and replay, rewind and comparison are the same code as watching.

The rule for what a change does (``classify``): another dataset, a graph edit that initializes
parameters (or changes a loss), another seed or validation split start a new run, as do Reset and
Rewind (``Runs.reset``, ``Runs.rewind``). Every other change of the settings — the optimizer and
its settings, L1/L2, batch size, shuffling, precision, early stopping, the pace — and a graph edit
that keeps every parameter is an event of the run, drawn on its curves ("lr 0.03 → 0.3" at
epoch 41). A change to a run that has not trained yet becomes part of that run.
"""
from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from .errors import TrainingError
from .frames import CURRENT_RUN_BYTES, OLDER_RUN_BYTES, OLDER_RUNS_KEPT, Timeline, take_frame
from .pace import pace_text
from .trainer import Trainer
from .training_state import Snapshot

NEW_RUN_SETTINGS = ("seed", "validation_split")  # other initial parameters or other held-out data
QUIET_SETTINGS = ("epochs",)  # a new target: the run takes it silently
UNNAMED_SETTINGS = ("pace", "epochs")  # never part of a run's name: they do not change its numbers
LABELS = {"learning_rate": "lr", "l1": "L1", "l2": "L2", "batch_size": "batch", "validation_split": "validation",
          "min_delta": "min delta", "dtype": "precision", "weight_decay": "weight decay"}
MAX_KEPT_BYTES = 8 * 2**20  # parameters kept with runs, in all
LOWER_IS_BETTER = ("loss", "mae")


# ---- what a run is made of, and the rule -----------------------------------------------------------
@dataclass
class Setup:
    """What a run is made of: settings, data, graph. ``Setup.of`` reads it off a trainer."""

    settings: dict  # the training settings (engine.training_settings.parse_training), "pace" among them when set
    dataset: dict  # {"spec": the project's dataset object, "summary", "samples", "features", "task", "classes", "fingerprint"}
    layout: dict[str, list[int]]  # parameter name -> shape
    graph: dict  # the graph's nodes and edges, without positions

    @classmethod
    def of(cls, trainer: Trainer, dataset_spec: dict, graph) -> Setup:
        data = trainer.dataset
        return cls(
            copy.deepcopy(trainer.settings),
            {"spec": copy.deepcopy(dataset_spec), "summary": data.summary(), "samples": int(data.n_samples),
             "features": int(data.n_features), "task": data.task, "classes": int(data.n_classes),
             "fingerprint": data.fingerprint()},
            {name: list(p.shape) for name, p in trainer.model.parameters.items()},
            structure(graph.to_dict()),
        )


def structure(graph: dict) -> dict:
    return {"nodes": [{k: v for k, v in n.items() if k != "position"} for n in graph.get("nodes", [])],
            "edges": list(graph.get("edges", []))}


@dataclass(frozen=True)
class Difference:
    key: str  # "optimizer.learning_rate", "batch_size", "dataset.noise", "graph.h.units", ...
    label: str  # "lr"
    old: str
    new: str
    starts_run: bool

    def __str__(self) -> str:  # as an event
        return f"{self.label} {self.old} → {self.new}".strip() if self.old and self.new else self.short

    @property
    def short(self) -> str:  # as part of a name
        return f"{self.label} {self.new}".strip()


@dataclass
class Change:
    differences: list[Difference]

    @property
    def new_run(self) -> bool:
        return any(d.starts_run for d in self.differences)

    @property
    def reasons(self) -> list[str]:
        return [d.short for d in self.differences if d.starts_run]

    @property
    def text(self) -> str:
        return ", ".join(str(d) for d in self.differences)


def _value_text(key: str, value: object) -> str:
    if key == "pace":
        return pace_text(value)
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


def setting_differences(before: dict, after: dict) -> list[Difference]:
    """The training settings that differ, the optimizer's hyperparameters one by one."""
    found = []
    for key in sorted(set(before) | set(after), key=lambda k: (k != "optimizer", k)):
        old, new = before.get(key), after.get(key)
        if old == new or key in QUIET_SETTINGS:
            continue
        if key == "optimizer":
            if old["name"] != new["name"]:
                found.append(Difference("optimizer.name", "", old["name"], new["name"], False))
            for name in (k for k in new if k != "name" and k in old and old[k] != new[k]):
                found.append(Difference(f"optimizer.{name}", LABELS.get(name, name.replace("_", " ")),
                                        _value_text(name, old[name]), _value_text(name, new[name]), False))
            continue
        found.append(Difference(key, LABELS.get(key, key.replace("_", " ")), _value_text(key, old),
                                _value_text(key, new), key in NEW_RUN_SETTINGS))
    return found


def _dataset_differences(before: dict, after: dict) -> list[Difference]:
    old, new = before["spec"], after["spec"]
    what = ("source", "name", "path")
    if any(old.get(k) != new.get(k) for k in what):
        name = lambda spec: str(spec.get("name") or spec.get("path") or spec.get("source"))
        return [Difference("dataset", "data", name(old), name(new), True)]
    found = [Difference(f"dataset.{k}", k.replace("_", " "), _value_text(k, old.get(k)), _value_text(k, new.get(k)), True)
             for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    if not found and before["fingerprint"] != after["fingerprint"]:
        found.append(Difference("dataset", "data", "", "changed", True))
    return found


def _graph_differences(before: Setup, after: Setup, initialized) -> list[Difference]:
    old = {n["id"]: n for n in before.graph["nodes"]}
    new = {n["id"]: n for n in after.graph["nodes"]}
    found = []
    for node_id in sorted(set(old) | set(new)):
        a, b = old.get(node_id), new.get(node_id)
        if a is None:
            found.append(Difference(f"graph.{node_id}", f"+{node_id}", "", b["type"], False))
        elif b is None:
            found.append(Difference(f"graph.{node_id}", f"−{node_id}", "", a["type"], False))
        elif a["type"] != b["type"]:
            found.append(Difference(f"graph.{node_id}", node_id, a["type"], b["type"], False))
        else:
            for name in sorted(set(a["params"]) | set(b["params"])):
                x, y = a["params"].get(name), b["params"].get(name)
                if x != y:
                    found.append(Difference(f"graph.{node_id}.{name}", f"{node_id} {name}",
                                            _value_text(name, x), _value_text(name, y), False))
    if not found and before.graph["edges"] != after.graph["edges"]:
        found.append(Difference("graph.edges", "wiring", "", "changed", False))
    losses = {n["id"] for n in before.graph["nodes"] + after.graph["nodes"] if n["type"] == "Loss"}
    new_parameters = bool(initialized) or before.layout != after.layout
    return [Difference(d.key, d.label, d.old, d.new, new_parameters or d.key.split(".")[1] in losses) for d in found]


def classify(before: Setup, after: Setup, initialized=()) -> Change:
    """The rule: what changed from ``before`` to ``after``, and whether it starts a new run.

    ``initialized``: the parameters the new setup's trainer had to initialize (Trainer.initialized).
    """
    return Change(_dataset_differences(before.dataset, after.dataset)
                  + _graph_differences(before, after, initialized)
                  + setting_differences(before.settings, after.settings))


# ---- events ------------------------------------------------------------------------------------------
@dataclass
class RunEvent:
    """A change the run went through, from ``epoch`` (a position in epochs) on."""

    epoch: float
    text: str  # "lr 0.03 → 0.3"
    changes: dict = field(default_factory=dict)  # setting key -> [old, new] (the optimizer as a whole object)


def settings_event(before: dict, after: dict, epoch: float) -> RunEvent | None:
    """The event of a change of the training settings (None if nothing that counts changed)."""
    differences = setting_differences(before, after)
    if not differences:
        return None
    return RunEvent(epoch, ", ".join(str(d) for d in differences), _changes(before, after))


def _changes(before: dict, after: dict) -> dict:
    return {k: [copy.deepcopy(before.get(k)), copy.deepcopy(after.get(k))]
            for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k) and k not in QUIET_SETTINGS}


def _apply(settings: dict, changes: dict) -> None:
    for key, (_, new) in changes.items():
        if new is None:
            settings.pop(key, None)
        else:
            settings[key] = copy.deepcopy(new)


# ---- a run ----------------------------------------------------------------------------------------------
@dataclass
class Run:
    id: int
    name: str
    setup: Setup  # as the run began
    parent: int | None = None  # the run that was current when this one began
    branch_epoch: float | None = None  # the parent's position this run's parameters came from (None: fresh ones)
    reasons: list[str] = field(default_factory=list)  # why it began: "data circles", "rewind", "reset", ...
    history: dict[str, list[float]] = field(default_factory=dict)  # per-epoch metrics, as the trainer's history
    events: list[RunEvent] = field(default_factory=list)
    epoch: int = 0  # completed epochs
    position: float = 0.0  # where training is, in epochs
    start_position: float = 0.0
    named: bool = False  # renamed by the person: the name no longer follows the differences
    shown: bool = True  # drawn in comparisons
    keep: bool = False  # its parameters are saved with the project
    kept_parameters: dict[str, np.ndarray] | None = None
    timeline: Timeline = field(default_factory=Timeline)
    now: Setup | None = None  # the setup as it is now (events applied)
    base: Setup | None = None  # the parent's setup when this run began (what its name compares with)

    def __post_init__(self) -> None:
        if self.now is None:
            self.now = copy.deepcopy(self.setup)

    @property
    def settings(self) -> dict:
        return self.setup.settings

    @property
    def layout(self) -> dict[str, list[int]]:
        return self.setup.layout

    @property
    def label(self) -> str:
        """A short name for messages: "Run 3", or the name the person gave it."""
        return self.name if self.named else f"Run {self.id}"

    @property
    def trained(self) -> bool:
        return self.position > self.start_position

    @property
    def first_epoch(self) -> int:
        """The epoch of the history's first values (1 unless the history was cut)."""
        return self.epoch - len(self.history.get("loss", [])) + 1

    @property
    def parameters(self) -> dict[str, np.ndarray] | None:
        """Its parameters as it left them: kept, or its timeline's last frame."""
        if self.kept_parameters is not None:
            return self.kept_parameters
        last = self.timeline.last
        return last.parameters if last is not None else None

    def last_metrics(self) -> dict[str, float]:
        return {k: v[-1] for k, v in self.history.items() if v}

    def best_metrics(self) -> dict[str, tuple[float, int]]:
        """Each metric's best value and the epoch it came in (lowest loss or mae, highest accuracy or R²)."""
        best = {}
        for key, values in self.history.items():
            if values:
                pick = np.argmin if key.endswith(LOWER_IS_BETTER) else np.argmax
                i = int(pick(values))
                best[key] = (values[i], self.first_epoch + i)
        return best

    # ---- following training -------------------------------------------------------------------------
    def add_frame(self, frame: Snapshot) -> None:
        self.timeline.add(frame)
        self.position = max(self.position, frame.position)
        self.epoch = max(self.epoch, frame.epoch)

    def add_event(self, event: RunEvent) -> None:
        self.events.append(event)
        _apply(self.now.settings, event.changes)

    def take(self, progress) -> None:
        """One ``engine.runner.Progress`` report of this run: new metrics, frames and events."""
        for key, tail in progress.history.items():
            self.history.setdefault(key, []).extend(tail)
        for frame in progress.frames:
            self.add_frame(frame)
        for event in progress.events:
            self.add_event(event)
        self.epoch = progress.epoch
        if progress.batches_per_epoch:
            self.position = max(self.position, progress.epoch + progress.batch / progress.batches_per_epoch)

    def follow(self, trainer: Trainer) -> None:
        """The trainer as a run left it (the history exactly, a last frame if the timeline lacks it)."""
        self.history = {k: list(v) for k, v in trainer.history.items()}
        self.epoch = trainer.epoch
        if self.timeline.last is None or self.timeline.last.position != trainer.position:
            self.add_frame(take_frame(trainer))

    def _start(self, trainer: Trainer, first_frame: Snapshot | None = None, start: float | None = None) -> None:
        """Begin (again) where ``trainer`` is: its history, and a timeline whose first frame is now."""
        self.history = {k: list(v) for k, v in trainer.history.items()}
        self.epoch = trainer.epoch
        self.position = trainer.position
        self.start_position = self.position if start is None else start
        self.timeline = Timeline(self.timeline.budget)
        self.add_frame(first_frame if first_frame is not None else take_frame(trainer))


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.2g} MB"


# ---- the runs of a project ------------------------------------------------------------------------------
class Runs:
    """The project's runs, oldest first, and which one is current (the trainer's)."""

    def __init__(self, runs: list[Run] | None = None, current: int | None = None) -> None:
        self._runs: list[Run] = list(runs or [])
        self.current_id = current if current is not None else (self._runs[-1].id if self._runs else None)
        self._next_id = max((r.id for r in self._runs), default=0) + 1

    def __len__(self) -> int:
        return len(self._runs)

    def __iter__(self) -> Iterator[Run]:
        return iter(list(self._runs))

    def get(self, run_id: int) -> Run:
        for run in self._runs:
            if run.id == run_id:
                return run
        raise TrainingError(f"there is no run {run_id}")

    @property
    def current(self) -> Run | None:
        return self.get(self.current_id) if self.current_id is not None else None

    # ---- what starts runs ---------------------------------------------------------------------------------
    def open(self, trainer: Trainer, setup: Setup) -> Run:
        """A project was opened (or its first trainer built): its current run follows this trainer.
        A file without runs gets its first run from its state."""
        run = self.current
        change = classify(run.setup, setup) if run is not None else None
        if run is None or change.new_run:  # a file without runs, or its state is not its current run's
            return self._begin(trainer, setup, parent=run, branch_epoch=None, reasons=change.reasons if change else [],
                               start=max(trainer.epoch - len(trainer.history.get("loss", [])), 0))
        run.now = setup
        run._start(trainer, start=min(run.start_position, trainer.position))
        return run

    def update(self, trainer: Trainer, setup: Setup) -> Change:
        """After any change while no run is training (a new trainer, or new settings in it):
        a new run, an event of the current one, or — before it has trained — part of it."""
        run = self.current
        if run is None:
            self.open(trainer, setup)
            return Change([])
        change = classify(run.now, setup, trainer.initialized)
        if change.new_run and run.trained:
            trainer.start_new_run()
            self._begin(trainer, setup, parent=run, branch_epoch=run.position, reasons=change.reasons)
            return change
        if run.trained or not change.differences:
            if change.differences:
                run.events.append(RunEvent(trainer.position, change.text, _changes(run.now.settings, setup.settings)))
            run.now = setup
            return change
        # Nothing trained yet: the change becomes part of this run.
        if change.new_run:
            trainer.start_new_run()
            run.reasons += [r for r in change.reasons if r not in run.reasons]
        run.setup, run.now = setup, copy.deepcopy(setup)
        run._start(trainer)
        self._rename(run)
        return change

    def reset(self, trainer: Trainer, setup: Setup) -> Run:
        """Reset: the trainer holds fresh parameters; a new run (unless the current one never trained)."""
        trainer.start_new_run()
        run = self.current
        if run is not None and not run.trained and run.branch_epoch is None:
            run.setup, run.now = setup, copy.deepcopy(setup)
            run._start(trainer)
            return run
        return self._begin(trainer, setup, parent=run, reasons=["reset"])

    def branch(self, trainer: Trainer, setup: Setup, source: Run) -> Run:
        """A new run from ``source``'s parameters (those that fit, already in ``trainer``), for a graph,
        data or settings that are no longer ``source``'s own."""
        trainer.start_new_run()
        return self._begin(trainer, setup, parent=self.current, reasons=[f"from {source.label}"])

    def rewind(self, run_id: int, position: float, graph, dataset) -> tuple[Trainer, Run]:
        """A new run, branched from run ``run_id`` at its frame at (or just before) ``position``:
        a trainer in exactly the state it had there. ``graph`` and ``dataset`` must be the run's."""
        run = self.get(run_id)
        frame = run.timeline.at(position)
        if frame is None or frame.state is None:
            raise TrainingError(f"cannot rewind: {run.label} keeps no frames (it was saved, or deleted its timeline)")
        trainer = self._trainer_at(run, frame, graph, dataset)
        setup = Setup(copy.deepcopy(trainer.settings), run.now.dataset, run.layout, run.now.graph)
        new = self._begin(trainer, setup, parent=run, branch_epoch=frame.position,
                          reasons=[f"from {run.label} at epoch {frame.position:g}"], first_frame=frame)
        return trainer, new

    def reopen(self, run_id: int, graph, dataset) -> Trainer:
        """Make an earlier run current again as it was left (its last frame), e.g. to undo the
        edit that started a later one. ``graph`` and ``dataset`` must be the run's."""
        run = self.get(run_id)
        if run.timeline.last is None or run.timeline.last.state is None:
            raise TrainingError(f"cannot go back to {run.label}: it keeps no frames")
        trainer = self._trainer_at(run, run.timeline.last, graph, dataset)
        self._make_current(run)
        return trainer

    def _trainer_at(self, run: Run, frame: Snapshot, graph, dataset) -> Trainer:
        if dataset.fingerprint() != run.now.dataset["fingerprint"]:
            raise TrainingError(f"cannot rewind: the data is not {run.label}'s ({run.now.dataset['summary']})")
        trainer = Trainer(graph, dataset, frame.state.settings)
        trainer.restore(frame.state, run.history)
        return trainer

    def _begin(self, trainer: Trainer, setup: Setup, parent: Run | None = None, branch_epoch: float | None = None,
               reasons: list[str] | None = None, first_frame: Snapshot | None = None, start: float | None = None) -> Run:
        run = Run(self._next_id, "", copy.deepcopy(setup), parent.id if parent else None, branch_epoch, list(reasons or []),
                  base=copy.deepcopy(parent.now) if parent else None)
        self._next_id += 1
        run._start(trainer, first_frame, start)
        self._rename(run)
        self._runs.append(run)
        self._make_current(run)
        return run

    def _make_current(self, run: Run) -> None:
        self.current_id = run.id
        run.timeline.limit(CURRENT_RUN_BYTES)
        older = [r for r in reversed(self._runs) if r is not run]
        for i, other in enumerate(older):
            other.timeline.limit(OLDER_RUN_BYTES if i < OLDER_RUNS_KEPT else 0)
            if other.keep and other.kept_parameters is None and other.parameters is not None:
                other.kept_parameters = other.parameters

    @staticmethod
    def _rename(run: Run) -> None:
        if run.named or (run.base is None and run.parent is not None):  # renamed, or read from a file: as it is
            return
        parts = [r for r in run.reasons if r.startswith(("from ", "reset"))]
        if run.base is not None:
            parts += [d.short for d in classify(run.base, run.setup).differences
                      if d.key.split(".")[0] not in UNNAMED_SETTINGS and d.short not in parts]
        run.name = f"Run {run.id}" + (" — " + ", ".join(parts) if parts else "")

    # ---- the Runs panel's actions -----------------------------------------------------------------------------
    def rename(self, run_id: int, name: str) -> None:
        run = self.get(run_id)
        run.name, run.named = name.strip() or run.name, bool(name.strip())

    def delete(self, run_id: int) -> None:
        """Forget a run (not the current one). Runs branched from it keep their history."""
        if run_id == self.current_id:
            raise TrainingError("the current run cannot be deleted: start another one first")
        self._runs.remove(self.get(run_id))

    def show(self, run_id: int, shown: bool) -> None:
        self.get(run_id).shown = shown

    def set_keep(self, run_id: int, keep: bool) -> None:
        """Keep (or stop keeping) a run's last parameters in the project file, within MAX_KEPT_BYTES in all."""
        run = self.get(run_id)
        if not keep:
            run.keep, run.kept_parameters = False, None
            return
        parameters = run.parameters
        if parameters is None:
            raise TrainingError(f"{run.label} has no parameters to keep")
        size = sum(p.nbytes for p in parameters.values())
        others = sum(sum(p.nbytes for p in r.kept_parameters.values()) for r in self._runs
                     if r.keep and r is not run and r.kept_parameters is not None)
        if size + others > MAX_KEPT_BYTES:
            raise TrainingError(f"keeping {run.label}'s parameters ({_megabytes(size)}) would pass the "
                                f"{_megabytes(MAX_KEPT_BYTES)} kept with a project; stop keeping another run's first")
        run.keep = True
        if run.id != self.current_id:
            run.kept_parameters = {k: v.copy() for k, v in parameters.items()}
