"""Project files (``*.ncproj``, UTF-8 JSON): read, check, write atomically.

The format is a public contract, documented in docs/project-format.md. Every error
names the file and the key path; a file of a newer version says so.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
import os
import re
import secrets
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .datasets import Dataset, load_dataset
from .datasets.files import Reading, read_regular_file
from .errors import GraphError, NeuroCanvasError, ParamError, ProjectError
from .graph import Graph
from .runs import Runs
from .runs_file import runs_from_json, runs_to_json
from .trainer import Trainer
from .training_settings import parse_training

FORMAT = "neurocanvas-project"
VERSION = 2  # 2 added training.pace and state.runs; version 1 files open unchanged
SUFFIX = ".ncproj"
TOP_KEYS = ("format", "version", "name", "description", "goal", "graph", "dataset", "training", "state")
DTYPES = ("float32", "float64")
DEFAULT_DATASET = {"source": "generated", "name": "xor", "samples": 400, "noise": 0.1, "seed": 1}
# What a project file may hold, so that whatever loads also saves and other JSON readers agree:
MAX_FILE_BYTES = 256 * 2**20  # a trained digits project is about 100 kB
PROJECT_FILES = Reading(ProjectError, "projects", "project files")
MAX_DEPTH = 32  # levels of objects and lists; a project needs about 6
MAX_INTEGER = 2**53  # beyond it, JSON readers that hold numbers as doubles round integers
MAX_DIMENSIONS = 32  # of a saved parameter array
# A save's temporary file (".NAME.xxxxxxxx.tmp") older than this was left by a save that was interrupted.
STALE_TEMPORARY_SECONDS = 3600


@dataclass
class Project:
    name: str = "Untitled"
    description: str = ""
    graph: Graph = field(default_factory=Graph)
    dataset: dict = field(default_factory=lambda: dict(DEFAULT_DATASET))
    training: dict = field(default_factory=lambda: parse_training({}))
    epoch: int = 0
    parameters: dict[str, np.ndarray] = field(default_factory=dict)
    history: dict[str, list[float]] = field(default_factory=dict)
    # What an example promises, e.g. {"metric": "val_accuracy", "at_least": 0.95, "epochs": 300}.
    goal: dict | None = None
    path: Path | None = None
    runs: Runs = field(default_factory=Runs)  # state.runs (engine.runs_file)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def load_data(self) -> Dataset:
        return load_dataset(self.dataset, self.base_dir, dtype=self.training["dtype"])

    def trainer(self, dataset: Dataset | None = None, strict: bool = True) -> Trainer:
        """A trainer that starts from this project's state (parameters, history, epoch)."""
        return Trainer(
            self.graph, dataset if dataset is not None else self.load_data(), self.training,
            self.parameters, self.history, self.epoch, strict,
        )

    def absorb(self, trainer: Trainer) -> None:
        """Take the trainer's parameters, history and epoch as this project's state."""
        state = trainer.state()
        self.epoch, self.parameters, self.history = state["epoch"], state["parameters"], {
            k: list(v) for k, v in state["history"].items()
        }

    def reset_state(self) -> None:
        self.epoch, self.parameters, self.history = 0, {}, {}


def new_project() -> Project:
    return Project()


# ---- writing ------------------------------------------------------------------------------
def encode_array(array: np.ndarray) -> dict:
    dtype = "float64" if array.dtype == np.float64 else "float32"
    data = np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()
    return {"dtype": dtype, "shape": list(array.shape), "data": base64.b64encode(data).decode("ascii")}


def project_to_dict(project: Project) -> dict:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "name": project.name,
        "description": project.description,
        "graph": project.graph.to_dict(),
        "dataset": project.dataset,
        "training": project.training,
        "state": {
            "epoch": project.epoch,
            "parameters": {k: encode_array(v) for k, v in project.parameters.items()},
            "history": project.history,
        },
    }
    if project.runs:
        data["state"]["runs"] = runs_to_json(project.runs)
    if project.goal is not None:
        data["goal"] = project.goal
    return data


def to_json(value: object, indent: str = "") -> str:
    """JSON that stays readable in a diff: objects and lists nest by line, but a list of
    numbers, or an object small enough (a node, an edge), stays on one line."""
    flat = json.dumps(value, ensure_ascii=False, allow_nan=False)
    if not isinstance(value, (dict, list)) or len(flat) + len(indent) <= 130 or (
        isinstance(value, list) and not any(isinstance(v, (dict, list)) for v in value)
    ):
        return flat
    inner = indent + "  "
    if isinstance(value, list):
        items = [inner + to_json(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {to_json(v, inner)}" for k, v in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + indent + "}"


def project_text(project: Project) -> str:
    """The file's text; ProjectError names the key of a value a project file cannot hold."""
    data = project_to_dict(project)
    check_json(data)
    return to_json(data) + "\n"


def save_project(project: Project, path: str | os.PathLike) -> None:
    """Write atomically: a temporary file in the same folder, then a rename over the target.

    A file that is replaced keeps its permissions; a new one gets the usual ones (umask).
    Temporary files that interrupted saves of this project left behind are removed.
    ``project.path`` is left as it is: an autosave elsewhere must not move the project.
    """
    path = Path(path)
    data = project_text(project).encode("utf-8")
    tmp, fd = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    remove_stale_temporaries(path)


def _create_temporary(path: Path) -> tuple[Path, int]:
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        if mode is not None and hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        return tmp, fd


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove ``.NAME.xxxxxxxx.tmp`` files of ``path`` older than an hour (a save takes seconds,
    so a younger one may be another save under way); returns what was removed."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}\.tmp")
    removed = []
    try:
        candidates = [p for p in path.parent.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return removed
    for candidate in candidates:
        try:
            info = candidate.lstat()
            if stat.S_ISREG(info.st_mode) and time.time() - info.st_mtime > STALE_TEMPORARY_SECONDS:
                candidate.unlink()
                removed.append(candidate)
        except OSError:
            continue
    return removed


# ---- reading ------------------------------------------------------------------------------
def load_project(path: str | os.PathLike) -> Project:
    path = Path(path)
    try:
        text = read_regular_file(path, MAX_FILE_BYTES, PROJECT_FILES).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProjectError(f"{path}: not UTF-8 text (byte {e.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ProjectError(f"{path}: not valid JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None
    except RecursionError:
        raise ProjectError(f"{path}: nested too deeply (a project file has at most {MAX_DEPTH} levels)") from None
    except ValueError:  # an integer of thousands of digits
        raise ProjectError(f"{path}: holds a number too long to read") from None
    try:
        project = project_from_dict(data)
    except NeuroCanvasError as e:
        raise ProjectError(*(f"{path.name}: {m}" for m in e.messages)) from None
    project.path = path
    return project


def check_json(value: object, where: str = "") -> None:
    """Refuse what a project file cannot hold, naming its key path: NaN or infinity, integers beyond
    ±2^53, text that is not Unicode (a lone surrogate), nesting deeper than MAX_DEPTH, other types."""
    pending = [(value, where, 0)]
    while pending:
        value, where, depth = pending.pop()
        if isinstance(value, (dict, list)):
            if depth == MAX_DEPTH:
                raise ProjectError(f"{where or 'the file'}: nested more than {MAX_DEPTH} levels deep")
            if isinstance(value, dict):
                for key in value:
                    if not isinstance(key, str):
                        raise ProjectError(f"{where or 'the file'}: key {key!r} is not text")
                    _check_text(key, f"{where}.{ascii(key)}" if where else ascii(key))
                children = [(v, f"{where}.{k}" if where else k) for k, v in value.items()]
            else:
                children = [(v, f"{where}[{i}]") for i, v in enumerate(value)]
            pending.extend((v, w, depth + 1) for v, w in reversed(children))
        elif isinstance(value, str):
            _check_text(value, where)
        elif isinstance(value, bool) or value is None:
            continue
        elif isinstance(value, int):
            if abs(value) > MAX_INTEGER:
                digits = math.floor(value.bit_length() * math.log10(2)) + 1
                shown = str(value) if digits <= 30 else f"an integer of about {digits} digits"
                raise ProjectError(f"{where}: {shown} is out of range (a project file's integers lie within ±2^53)")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise ProjectError(f"{where}: {json.dumps(value)} is not a finite number")
        else:
            raise ProjectError(f"{where}: a {type(value).__name__} cannot be written to a project file")


def _check_text(text: str, where: str) -> None:
    if not text.isascii():
        surrogate = re.search("[\ud800-\udfff]", text)
        if surrogate:
            raise ProjectError(f"{where}: holds a lone surrogate (U+{ord(surrogate.group()):04X}), "
                               "which is not Unicode text")


def project_from_dict(data: object) -> Project:
    """A Project from the file's JSON object; ProjectError names the key path."""
    check_json(data)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProjectError(f'format: not a NeuroCanvas project (expected "format": "{FORMAT}")')
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectError(f"version: must be a positive integer, got {version!r}")
    if version > VERSION:
        raise ProjectError(
            f"version: the file is format version {version}, written by a newer NeuroCanvas; "
            f"this one reads up to version {VERSION} — update NeuroCanvas to open it"
        )
    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        raise ProjectError(f"{unknown[0]}: unknown key (known: {', '.join(TOP_KEYS)})")
    errors: list[str] = []

    def checked(read, *args):
        try:
            return read(*args)
        except (ProjectError, GraphError, ParamError) as e:
            errors.extend(e.messages)
            return None

    for key in ("graph", "dataset"):
        if key not in data:
            errors.append(f"{key}: missing")
    name = checked(_text, data, "name", "Untitled")
    description = checked(_text, data, "description", "")
    graph = checked(Graph.from_dict, data["graph"]) if "graph" in data else None
    training = checked(parse_training, data.get("training"))
    if "dataset" in data and not isinstance(data["dataset"], dict):
        errors.append("dataset: must be an object")
    state = checked(_state, data.get("state", {}))
    runs = checked(runs_from_json, data["state"].get("runs")) if isinstance(data.get("state"), dict) else None
    goal = checked(_goal, data.get("goal"))
    if errors:
        raise ProjectError(*errors)
    return Project(name, description, graph, data["dataset"], training, *state, goal, runs=runs or Runs())


def _text(data: dict, key: str, default: str) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ProjectError(f"{key}: must be text, got {value!r}")
    return value


def _goal(goal: object) -> dict | None:
    if goal is None:
        return None
    if not isinstance(goal, dict) or not isinstance(goal.get("metric"), str):
        raise ProjectError('goal: must be an object like {"metric": "val_accuracy", "at_least": 0.95, "epochs": 300}')
    for key, value in goal.items():
        if key not in ("metric", "at_least", "at_most", "epochs"):
            raise ProjectError(f"goal.{key}: unknown key (known: metric, at_least, at_most, epochs)")
        if key != "metric" and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise ProjectError(f"goal.{key}: must be a number, got {value!r}")
    return goal


def _state(state: object) -> tuple[int, dict, dict]:
    if not isinstance(state, dict):
        raise ProjectError("state: must be an object")
    unknown = [k for k in state if k not in ("epoch", "parameters", "history", "runs")]
    if unknown:
        raise ProjectError(f"state.{unknown[0]}: unknown key (known: epoch, parameters, history, runs)")
    epoch = state.get("epoch", 0)
    if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
        raise ProjectError(f"state.epoch: must be a whole number ≥ 0, got {epoch!r}")
    raw = state.get("parameters", {})
    if not isinstance(raw, dict):
        raise ProjectError("state.parameters: must be an object")
    parameters = {name: decode_array(value, f"state.parameters.{name}") for name, value in raw.items()}
    history = state.get("history", {})
    if not isinstance(history, dict):
        raise ProjectError("state.history: must be an object of lists")
    for key, values in history.items():
        if not isinstance(values, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values
        ):
            raise ProjectError(f"state.history.{key}: must be a list of finite numbers")
    return epoch, parameters, {k: [float(v) for v in vs] for k, vs in history.items()}


def decode_array(value: object, where: str) -> np.ndarray:
    if not isinstance(value, dict) or set(value) != {"dtype", "shape", "data"}:
        raise ProjectError(f'{where}: must be {{"dtype": ..., "shape": [...], "data": "<base64>"}}')
    if value["dtype"] not in DTYPES:
        raise ProjectError(f"{where}.dtype: must be one of {', '.join(DTYPES)}, got {value['dtype']!r}")
    shape = value["shape"]
    if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise ProjectError(f"{where}.shape: must be a list of whole numbers, got {_abridged(shape)}")
    if len(shape) > MAX_DIMENSIONS:
        raise ProjectError(f"{where}.shape: has {len(shape)} dimensions, at most {MAX_DIMENSIONS} are allowed")
    try:
        raw = base64.b64decode(value["data"], validate=True)
    except (binascii.Error, TypeError, ValueError):
        raise ProjectError(f"{where}.data: not valid base64") from None
    dtype = np.dtype(value["dtype"]).newbyteorder("<")
    expected = math.prod(shape) * dtype.itemsize
    if len(raw) != expected:
        raise ProjectError(f"{where}.data: holds {len(raw)} bytes, shape {shape} of {value['dtype']} needs {expected}")
    array = np.frombuffer(raw, dtype=dtype).reshape(shape).astype(value["dtype"])
    if not np.isfinite(array).all():
        raise ProjectError(f"{where}.data: holds values that are not finite")
    return array


def _abridged(value: object, limit: int = 60) -> str:
    text = repr(value) if not isinstance(value, (list, dict)) or len(value) <= 16 else f"{type(value).__name__} of {len(value)}"
    return text if len(text) <= limit else text[:limit - 1] + "…"
