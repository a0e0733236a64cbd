"""A project's runs in its file: ``state.runs`` (format version 2), read, checked and written.

Each run is saved with its id, name, parent and branch epoch, settings, dataset summary, graph,
parameter layout, history and events; its parameters only when the person chose to keep them.
Timelines are not saved. Every refusal names the key path (``state.runs[2].history.loss: ...``).
"""
from __future__ import annotations

import math

from .errors import GraphError, ParamError, ProjectError
from .graph import Graph
from .runs import Run, RunEvent, Runs, Setup, structure
from .training_settings import parse_training

RUN_KEYS = ("id", "name", "named", "parent", "branch_epoch", "reasons", "settings", "dataset", "layout", "graph",
            "epoch", "start", "history", "events", "shown", "keep", "current", "parameters")


def runs_to_json(runs: Runs) -> list[dict]:
    from .project import encode_array  # project imports this module

    items = []
    for run in runs:
        item = {
            "id": run.id, "name": run.name, "parent": run.parent, "branch_epoch": run.branch_epoch,
            "reasons": run.reasons, "settings": run.setup.settings, "dataset": run.setup.dataset,
            "layout": run.setup.layout, "graph": run.setup.graph, "epoch": run.epoch, "start": run.start_position,
            "history": run.history,
            "events": [{"epoch": e.epoch, "text": e.text, "changes": e.changes} for e in run.events],
        }
        for key, value, default in (("named", run.named, False), ("shown", run.shown, True), ("keep", run.keep, False),
                                    ("current", run.id == runs.current_id, False)):
            if value != default:
                item[key] = value
        if run.kept_parameters is not None and run.id != runs.current_id:  # the current run's are state.parameters
            item["parameters"] = {k: encode_array(v) for k, v in run.kept_parameters.items()}
        items.append(item)
    return items


def runs_from_json(data: object, where: str = "state.runs") -> Runs:
    """``state.runs`` as Runs (absent: none); ProjectError names each wrong key path."""
    if data is None:
        return Runs()
    if not isinstance(data, list):
        raise ProjectError(f"{where}: must be a list of runs")
    runs, errors, current = [], [], None
    for i, raw in enumerate(data):
        try:
            run, is_current = _run(raw, f"{where}[{i}]")
        except (ProjectError, GraphError, ParamError) as e:
            errors.extend(e.messages)
            continue
        if any(r.id == run.id for r in runs):
            errors.append(f"{where}[{i}].id: {run.id} is the id of another run")
        if is_current:
            if current is not None:
                errors.append(f"{where}[{i}].current: only one run can be current")
            current = run.id
        runs.append(run)
    if errors:
        raise ProjectError(*errors)
    return Runs(runs, current)


def _run(raw: object, where: str) -> tuple[Run, bool]:
    if not isinstance(raw, dict):
        raise ProjectError(f"{where}: must be an object")
    unknown = [k for k in raw if k not in RUN_KEYS]
    if unknown:
        raise ProjectError(f"{where}.{unknown[0]}: unknown key (known: {', '.join(RUN_KEYS)})")
    for key in ("id", "settings", "dataset", "layout", "graph"):
        if key not in raw:
            raise ProjectError(f"{where}.{key}: missing")
    run_id = _whole(raw["id"], f"{where}.id", minimum=1)
    setup = Setup(
        parse_training(raw["settings"], f"{where}.settings"),
        _dataset(raw["dataset"], f"{where}.dataset"),
        _layout(raw["layout"], f"{where}.layout"),
        structure(Graph.from_dict(raw["graph"], f"{where}.graph").to_dict()),
    )
    run = Run(run_id, _text(raw.get("name", f"Run {run_id}"), f"{where}.name"), setup,
              parent=None if raw.get("parent") is None else _whole(raw["parent"], f"{where}.parent", minimum=1),
              branch_epoch=None if raw.get("branch_epoch") is None else _number(raw["branch_epoch"], f"{where}.branch_epoch"),
              reasons=_texts(raw.get("reasons", []), f"{where}.reasons"),
              history=_history(raw.get("history", {}), f"{where}.history"),
              events=_events(raw.get("events", []), f"{where}.events"),
              epoch=_whole(raw.get("epoch", 0), f"{where}.epoch"),
              named=_flag(raw, "named", False, where), shown=_flag(raw, "shown", True, where),
              keep=_flag(raw, "keep", False, where))
    run.position = float(run.epoch)
    run.start_position = _number(raw.get("start", 0), f"{where}.start")
    if "parameters" in raw:
        from .project import decode_array  # project imports this module

        parameters = raw["parameters"]
        if not isinstance(parameters, dict):
            raise ProjectError(f"{where}.parameters: must be an object")
        run.kept_parameters = {k: decode_array(v, f"{where}.parameters.{k}") for k, v in parameters.items()}
        run.keep = True
    return run, _flag(raw, "current", False, where)


def _whole(value: object, where: str, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ProjectError(f"{where}: must be a whole number ≥ {minimum}, got {value!r}")
    return value


def _number(value: object, where: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
        raise ProjectError(f"{where}: must be a number ≥ 0, got {value!r}")
    return float(value)


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ProjectError(f"{where}: must be text, got {value!r}")
    return value


def _texts(value: object, where: str) -> list[str]:
    if not isinstance(value, list):
        raise ProjectError(f"{where}: must be a list of texts")
    return [_text(v, f"{where}[{i}]") for i, v in enumerate(value)]


def _flag(raw: dict, key: str, default: bool, where: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ProjectError(f"{where}.{key}: must be true or false, got {value!r}")
    return value


def _dataset(value: object, where: str) -> dict:
    if not isinstance(value, dict) or not isinstance(value.get("spec"), dict):
        raise ProjectError(f'{where}: must be an object with "spec" (the dataset object) and the data\'s summary')
    if not isinstance(value.get("fingerprint", ""), str):
        raise ProjectError(f"{where}.fingerprint: must be text")
    return dict(value)


def _layout(value: object, where: str) -> dict[str, list[int]]:
    if not isinstance(value, dict):
        raise ProjectError(f"{where}: must be an object of parameter names and shapes")
    for name, shape in value.items():
        if not isinstance(shape, list) or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            raise ProjectError(f"{where}.{name}: must be a shape, a list of whole numbers, got {shape!r}")
    return {k: list(v) for k, v in value.items()}


def _history(value: object, where: str) -> dict[str, list[float]]:
    if not isinstance(value, dict):
        raise ProjectError(f"{where}: must be an object of lists")
    for key, values in value.items():
        if not isinstance(values, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values
        ):
            raise ProjectError(f"{where}.{key}: must be a list of finite numbers")
    return {k: [float(v) for v in vs] for k, vs in value.items()}


def _events(value: object, where: str) -> list[RunEvent]:
    if not isinstance(value, list):
        raise ProjectError(f"{where}: must be a list")
    events = []
    for i, raw in enumerate(value):
        here = f"{where}[{i}]"
        if not isinstance(raw, dict) or set(raw) - {"epoch", "text", "changes"}:
            raise ProjectError(f'{here}: must be {{"epoch": number, "text": "...", "changes": {{...}}}}')
        changes = raw.get("changes", {})
        if not isinstance(changes, dict) or not all(isinstance(v, list) and len(v) == 2 for v in changes.values()):
            raise ProjectError(f"{here}.changes: must be an object of [old, new] pairs")
        events.append(RunEvent(_number(raw.get("epoch"), f"{here}.epoch"), _text(raw.get("text", ""), f"{here}.text"),
                               changes))
    return events
