"""The training loop the editor and the command line share.

Epochs of seeded mini-batches, a seeded validation split, per-epoch metrics, early
stopping, a stop request honoured between batches, and a clear report (not NaN)
when the loss stops being finite. Same project and seed, same numbers, bit for bit.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Callable

import numpy as np

from .data_split import split_dataset
from .errors import TrainingError
from .graph import Graph
from .health import HealthMonitor, measure
from .metrics import RunningMetrics, evaluate_metrics
from .model import Model
from .optimizers import make_optimizer, optimizer_to_dict
from .training_settings import copy_settings, parse_training
from .training_state import Divergence, Outcome, Snapshot, TrainerState

PROBE_SIZE = 64
# A loss this many times above the run's first one (or 1, if larger) has diverged even
# while it is still finite: a saturated sigmoid can grow its logits for ever without overflow.
EXPLOSION_FACTOR = 1e6
RISE_FACTOR = 2.0  # an epoch's loss this many times the untrained one: training is making things worse


class Trainer:
    def __init__(
        self,
        graph: Graph,
        dataset,
        training: dict | None = None,
        parameters: dict[str, np.ndarray] | None = None,
        history: dict[str, list] | None = None,
        epoch: int = 0,
        strict: bool = True,
        model: Model | None = None,
    ) -> None:
        """``strict``: saved ``parameters`` must fit the graph exactly; otherwise the ones
        that fit are kept and the rest initialized (``kept``/``initialized`` say which).
        ``model``: the graph already compiled with these settings' dtype and seed (it is trained in place)."""
        self.settings = parse_training(training)
        self.dtype = np.dtype(self.settings["dtype"])
        self.dataset = dataset
        self.model = model if model is not None else Model(graph, self.dtype, self.settings["seed"], dataset)
        self.kept, self.initialized = self.model.load_parameters(parameters or {}, strict=strict and bool(parameters))
        self.optimizer = make_optimizer(self.settings["optimizer"])
        self.epoch = epoch
        self.history: dict[str, list] = {k: list(v) for k, v in (history or {}).items()}
        self.batch_losses: list[float] = []
        self.stop_requested = False
        self.detail_requested = False  # the next batch's snapshot carries parameters, activations and gradient norms
        self.norms_requested = False  # the next batch's snapshot carries the gradient norms (cheap: a float each)
        self.warnings: list[str] = []  # advice found while training, oldest first
        self.health = HealthMonitor(self.model)  # vanishing gradients, dead ReLUs
        self._untrained_loss: float | None = None  # the first batch's loss, if this trainer started at epoch 0
        self._run_start = len(self.history.get("loss", []))  # this run's first epoch in the history (see start_new_run)
        self._warned_rate: float | None = None  # the learning rate the last rising-loss warning named
        self._pending_optimizer: dict | None = None
        self._split()
        self._check_batch_statistics()
        self._in_epoch = False
        self._order: np.ndarray | None = None  # this epoch's visiting order (None: as stored)
        self._x_buffer = np.empty((0, 0), self.dtype)  # the shuffled batch, gathered in place
        self._batch_size, self._batches_per_epoch = self.batch_size, self.batches_per_epoch
        self.batch = 0
        self._running = RunningMetrics(self.model, self.dataset.task)
        self._backup = self.model.copy_parameters()
        self._best: tuple[float, dict] | None = None
        self._best_epoch = 0
        self._waited = 0
        self._explodes_above = math.inf

    # ---- data ------------------------------------------------------------------------
    def _split(self) -> None:
        ds = self.dataset
        self.x_train, self.y_train, self.x_val, self.y_val = split_dataset(
            ds, self.settings["validation_split"], self.settings["seed"], self.dtype)
        self.t_train = self.model.encode_targets(self.y_train, ds.task)
        self.t_val = self.model.encode_targets(self.y_val, ds.task)
        probe_from = self.x_val if len(self.x_val) else self.x_train
        self.probe = probe_from[:PROBE_SIZE]

    def _check_batch_statistics(self) -> None:
        """A layer that normalizes with batch statistics cannot train on one value per channel:
        refuse a batch size that would give it one, naming the node and the way out."""
        model, n, size = self.model, len(self.x_train), self.batch_size
        for node_id, kind in model.kinds.items():
            if not kind.batch_statistics or len(model.shapes[model.sources[node_id][0]]) > 1:
                continue  # an image has height × width values per channel even in a batch of one
            if size == 1 or n % size == 1:
                what = "a batch size of 1" if size == 1 else f"{n} training rows in batches of {size} (the last has 1)"
                raise TrainingError(f"{node_id}: batch normalization needs at least 2 samples per batch, but "
                                    f"{what}: choose another batch size")

    @property
    def batch_size(self) -> int:
        return min(self.settings["batch_size"], len(self.x_train))

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(len(self.x_train) / self.batch_size)

    @property
    def batches_this_epoch(self) -> int:
        """The batches of the epoch under way (a new batch size counts from the next epoch)."""
        return self._batches_per_epoch if self._in_epoch else self.batches_per_epoch

    @property
    def position(self) -> float:
        """Where training is, in epochs: completed epochs plus the share of the current one."""
        return self.epoch + self.batch / self.batches_this_epoch

    def _shuffled_order(self) -> np.ndarray | None:
        if not self.settings["shuffle"]:
            return None
        # Seeded by (seed, epoch): a run resumed from a saved epoch shuffles as an unbroken one.
        return np.random.default_rng([self.settings["seed"], self.epoch]).permutation(len(self.x_train))

    def _start_epoch(self) -> None:
        self._order = self._shuffled_order()
        self._batch_size, self._batches_per_epoch = self.batch_size, self.batches_per_epoch
        if self._x_buffer.shape != (self._batch_size, self.x_train.shape[1]):
            self._x_buffer = np.empty((self._batch_size, self.x_train.shape[1]), self.dtype)
        self._in_epoch = True
        self.batch = 0
        self._running = RunningMetrics(self.model, self.dataset.task)
        self._backup = self.model.copy_parameters()

    # ---- settings during training -----------------------------------------------------
    def set_optimizer(self, spec: dict) -> None:
        """A new optimizer setting, applied from the next batch (validated now)."""
        checked = optimizer_to_dict(make_optimizer(spec))
        self._pending_optimizer = checked
        self.settings["optimizer"] = checked

    def _apply_pending(self) -> None:
        spec, self._pending_optimizer = self._pending_optimizer, None
        if spec is None:
            return
        if spec["name"] == self.optimizer.name:
            self.optimizer.set(**{k: v for k, v in spec.items() if k != "name"})
        else:
            self.optimizer = make_optimizer(spec)

    # ---- the loop ---------------------------------------------------------------------
    def step_batch(self) -> Snapshot | Divergence:
        """One update on the next mini-batch; the epoch ends (metrics recorded) after its last."""
        if self._pending_optimizer is not None:
            self._apply_pending()
        if not self._in_epoch or self.batch >= self._batches_per_epoch:
            self._start_epoch()
        model = self.model
        xb, yb, tb = self._next_batch()
        out = model.forward(xb, training=True)
        loss = model.loss(tb)
        if not loss <= self._explodes_above:  # also catches NaN
            return self._diverged(loss)
        if self._explodes_above == math.inf:
            self._explodes_above = max(loss, 1.0) * EXPLOSION_FACTOR
        if self._untrained_loss is None and self.epoch == 0 and self.batch == 0:
            self._untrained_loss = loss
        model.backward()
        settings = self.settings
        if settings["l1"] or settings["l2"]:
            model.penalty(settings["l1"], settings["l2"])
        want_detail, want_norms = self.detail_requested, self.detail_requested or self.norms_requested
        norms = {k: float(np.linalg.norm(g)) for k, g in model.gradients.items()} if want_norms else None
        self.optimizer.step(model.parameters, model.gradients)
        self.batch += 1
        self._running.add(loss, out, yb)
        self.batch_losses.append(loss)
        snapshot = Snapshot(self.epoch, self.batch, self._batches_per_epoch, loss, len(xb), gradient_norms=norms)
        self.norms_requested = False
        if want_detail:
            self.detail_requested = False
            snapshot.parameters = model.copy_parameters()
            model.forward(self.probe)
            snapshot.activations = {k: v.copy() for k, v in model.values.items()}
        if self.batch == self._batches_per_epoch:
            self._end_epoch()
            snapshot.epoch, snapshot.batch = self.epoch, 0
        return snapshot

    def _next_batch(self) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """The samples, labels and encoded targets of the next batch, in this epoch's order.

        A shuffled batch is gathered row by row into a reused buffer, just before it is used:
        no copy of the whole shuffled set, and the rows are still in cache for the first layer.
        """
        start = self.batch * self._batch_size
        stop = min(start + self._batch_size, len(self.x_train))
        if self._order is None:
            return self.x_train[start:stop], self.y_train[start:stop], {k: t[start:stop] for k, t in self.t_train.items()}
        rows = self._order[start:stop]
        xb = np.take(self.x_train, rows, axis=0, out=self._x_buffer[: len(rows)], mode="clip")  # clip: unbuffered
        return xb, self.y_train[rows], {k: t[rows] for k, t in self.t_train.items()}

    def _end_epoch(self) -> None:
        self.epoch += 1
        self._in_epoch = False
        self.batch = 0
        metrics = self._running.result()
        if len(self.x_val):
            metrics.update(self.evaluate(self.x_val, self.y_val, self.t_val, prefix="val_"))
        for key, value in metrics.items():
            self.history.setdefault(key, []).append(value)
        self._check_rising_loss()
        if self._warned_rate != self.optimizer.hyper["learning_rate"]:  # else the rate explains it: no other advice
            self.warnings += self.health.observe(*measure(self.model, self.probe))

    def _check_rising_loss(self) -> None:
        """Warn (once per learning rate) when training has made the loss clearly worse than untrained.

        A learning rate that is too high does not always end in NaN: with Adam, or with a clipped
        cross-entropy, the loss can jump in the first epoch and stay high and finite. Divergence
        catches the explosion; this catches the rest, without stopping the run.
        """
        # Only this run's epochs: a history carried over from other data or another graph is no yardstick.
        losses = self.history.get("loss", [])[self._run_start:]
        if not losses:
            return
        start, where = ((self._untrained_loss, "before training") if self._untrained_loss is not None
                        else (losses[0], f"in epoch {self._run_start + 1}"))
        rate = self.optimizer.hyper["learning_rate"]
        if rate == self._warned_rate or not losses[-1] > RISE_FACTOR * start:
            return
        self._warned_rate = rate
        self.warnings.append(
            f"the training loss is {losses[-1]:.3g} in epoch {self._run_start + len(losses)}, up from {start:.3g} {where}: "
            f"the learning rate {rate:g} is probably too high — try {rate / 10:g}"
        )

    def run(
        self,
        epochs: int | None = None,
        on_batch: Callable[[Snapshot], None] | None = None,
        on_epoch: Callable[[int, dict], None] | None = None,
    ) -> Outcome:
        """Train until ``epochs`` more epochs (default: the settings' total) are done,
        a stop is requested, early stopping triggers, or the loss diverges."""
        target = self.epoch + epochs if epochs is not None else self.settings["epochs"]
        self.stop_requested = False
        start_epoch, known_warnings = self.epoch, len(self.warnings)

        def outcome(reason: str, divergence: Divergence | None = None, notes: tuple = ()) -> Outcome:
            return Outcome(reason, self.epoch - start_epoch, divergence, list(notes), self.warnings[known_warnings:])

        while self.epoch < target:
            if self.stop_requested:
                return outcome("stopped")
            result = self.step_batch()
            if isinstance(result, Divergence):
                return outcome("diverged", result)
            # Early stopping's bookkeeping comes before the callbacks: a state captured in one
            # (a run's frame) then holds this epoch's best, and training on from it stops alike.
            stop_early = result.batch == 0 and self._early_stop()
            if on_batch is not None:
                on_batch(result)
            if result.batch == 0 and on_epoch is not None:
                on_epoch(self.epoch, self.last_metrics())
            if stop_early:
                return outcome("early_stopped", notes=(
                    f"no improvement for {self.settings['patience']} epochs: "
                    f"restored the best parameters (epoch {self._best_epoch})",
                ))
        return outcome("completed")

    def _early_stop(self) -> bool:
        patience = self.settings["patience"]
        if not patience:
            return False
        key = "val_loss" if "val_loss" in self.history else "loss"
        value = self.history[key][-1]
        if self._best is None or value < self._best[0] - self.settings["min_delta"]:
            self._best = (value, self.model.copy_parameters())
            self._best_epoch = self.epoch
            self._waited = 0
            return False
        self._waited += 1
        if self._waited < patience:
            return False
        self.model.load_parameters(self._best[1])
        return True

    # ---- metrics ----------------------------------------------------------------------
    def evaluate(self, x, y, targets, prefix: str = "") -> dict[str, float]:
        """Metrics of the model as it is now, in evaluation mode (dropout off)."""
        return evaluate_metrics(self.model, self.dataset.task, x, y, targets, prefix)

    def classes(self, out: np.ndarray) -> np.ndarray:
        """Predicted class indices from the output node's values."""
        return self.model.classes(out)

    def last_metrics(self) -> dict[str, float]:
        return {k: v[-1] for k, v in self.history.items() if v}

    def gradient_norms_now(self, rows: int = 1024) -> dict[str, float]:
        """The norm of each parameter's gradient at the parameters as they are, over the first ``rows``
        training samples in evaluation mode, on a copy of the model: nothing is stepped (a figure of a saved
        project's gradients, which the project file does not keep over time)."""
        model = self.model.clone()
        model.forward(self.x_train[:rows])
        model.loss({k: t[:rows] for k, t in self.t_train.items()})
        model.backward()
        return {name: float(np.linalg.norm(g)) for name, g in model.gradients.items()}

    # ---- divergence -------------------------------------------------------------------
    def _diverged(self, loss: float) -> Divergence:
        losses = self.model.loss_values
        node = self.model.first_non_finite() or max(losses, key=lambda k: math.inf if math.isnan(losses[k]) else losses[k])
        if math.isnan(loss):
            what = "became not a number (NaN)"
        elif math.isinf(loss):
            what = "became infinite"
        else:
            what = f"exploded to {loss:.3g}"
        where = f"at epoch {self.epoch + 1}, batch {self.batch + 1}"
        if self.model.parameters_finite():
            kept = "kept the last finite parameters"
        else:
            self.model.load_parameters(self._backup)
            kept = f"restored the parameters from the start of epoch {self.epoch + 1}"
        lr = self.optimizer.hyper["learning_rate"]
        cause = f"the learning rate {lr:g} is probably too high — try {lr / 10:g}"
        message = f"the loss {what} {where} in node '{node}'; {cause}. Training stopped and {kept}."
        self._in_epoch = False
        return Divergence(self.epoch, self.batch, node, message)

    # ---- state for the project file ----------------------------------------------------
    def state(self) -> dict:
        return {"epoch": self.epoch, "parameters": self.model.copy_parameters(), "history": self.history}

    # ---- runs: a fresh start, and capture and restore for rewinding ----------------------------
    def start_new_run(self) -> None:
        """Begin a new experiment from the parameters as they are: epoch 0, no history, a fresh
        optimizer state, no early-stopping best, and the rising-loss yardstick taken anew."""
        self.epoch, self.batch, self._in_epoch = 0, 0, False
        self.history = {}
        self.batch_losses = []
        self.optimizer = make_optimizer(self.settings["optimizer"])
        self._pending_optimizer = None
        self._run_start = 0
        self._untrained_loss = self._warned_rate = None
        self._best, self._best_epoch, self._waited = None, 0, 0
        self._explodes_above = math.inf

    def _generators(self) -> dict[str, np.random.Generator]:
        """The random generators the layers draw from while training (dropout masks), by node id."""
        return {node_id: layer.rng for node_id, layer in self.model.layers.items()
                if isinstance(getattr(layer, "rng", None), np.random.Generator)}

    def capture(self) -> TrainerState:
        """This moment's complete training state (between batches); see ``restore``."""
        in_epoch = None
        if self._in_epoch:
            running = {k: copy.deepcopy(v) for k, v in vars(self._running).items() if k != "model"}
            in_epoch = {"batch_size": self._batch_size, "batches_per_epoch": self._batches_per_epoch,
                        "running": running, "epoch_start_parameters": {k: v.copy() for k, v in self._backup.items()}}
        best = None
        if self._best is not None or self._waited:
            value, parameters = self._best if self._best is not None else (None, None)
            best = (value, None if parameters is None else {k: v.copy() for k, v in parameters.items()},
                    self._best_epoch, self._waited)
        return TrainerState(
            epoch=self.epoch, batch=self.batch, in_epoch=self._in_epoch,
            settings=copy_settings(self.settings), parameters=self.model.copy_parameters(),
            optimizer=optimizer_to_dict(self.optimizer), optimizer_state=self.optimizer.state_dict(),
            pending_optimizer=dict(self._pending_optimizer) if self._pending_optimizer else None,
            generators={k: g.bit_generator.state for k, g in self._generators().items()},
            history_lengths={k: len(v) for k, v in self.history.items()}, run_start=self._run_start,
            untrained_loss=self._untrained_loss, explodes_above=self._explodes_above,
            early_stopping=best, in_epoch_state=in_epoch,
        )

    def restore(self, state: TrainerState, history: dict[str, list] | None = None) -> None:
        """Return to a captured moment: training on gives bit for bit what it gave then.

        The trainer must be built from the same graph and dataset as the one captured, with the
        state's seed, split and dtype (they make the batches). ``history`` is the run's history
        to cut back to the captured length (default: this trainer's own).
        """
        for key in ("seed", "validation_split", "dtype"):
            if self.settings[key] != state.settings[key]:
                raise TrainingError(f"cannot rewind: training.{key} is {self.settings[key]!r} now, "
                                    f"{state.settings[key]!r} then")
        now = {k: v.shape for k, v in self.model.parameters.items()}
        then = {k: v.shape for k, v in state.parameters.items()}
        if now != then:
            name = sorted((set(now) ^ set(then)) or {k for k in now if now[k] != then[k]})[0]
            raise TrainingError(f"cannot rewind: parameter {name} does not fit the graph as it was then")
        source = self.history if history is None else history
        short = [k for k, n in state.history_lengths.items() if len(source.get(k, [])) < n]
        if short:
            raise TrainingError(f"cannot rewind: the history of {short[0]} is shorter than it was then")
        self.settings = copy_settings(state.settings)
        self.model.load_parameters(state.parameters)
        self.optimizer = make_optimizer(state.optimizer)
        self.optimizer.load_state_dict(state.optimizer_state)
        self._pending_optimizer = dict(state.pending_optimizer) if state.pending_optimizer else None
        generators = self._generators()
        for node_id, bit_state in state.generators.items():
            generators[node_id].bit_generator.state = bit_state
        self.history = {k: list(source[k][:n]) for k, n in state.history_lengths.items()}
        self.epoch, self.batch, self._in_epoch = state.epoch, state.batch, state.in_epoch
        self._run_start, self._untrained_loss = state.run_start, state.untrained_loss
        self._explodes_above = state.explodes_above
        self._warned_rate = None
        self._best, self._best_epoch, self._waited = None, 0, 0
        if state.early_stopping is not None:
            value, parameters, self._best_epoch, self._waited = state.early_stopping
            if parameters is not None:
                self._best = (value, {k: v.copy() for k, v in parameters.items()})
        if state.in_epoch:
            extra = state.in_epoch_state
            self._batch_size, self._batches_per_epoch = extra["batch_size"], extra["batches_per_epoch"]
            self._order = self._shuffled_order()
            self._x_buffer = np.empty((self._batch_size, self.x_train.shape[1]), self.dtype)
            self._running = RunningMetrics(self.model, self.dataset.task)
            for key, value in extra["running"].items():
                setattr(self._running, key, copy.deepcopy(value))
            self._backup = {k: v.copy() for k, v in extra["epoch_start_parameters"].items()}
