"""A project file's ``dataset`` object: checked key by key, then loaded by its source."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import DatasetError
from . import builtin, csv_dataset, generated, inline
from .dataset import DEFAULT_DTYPE, Dataset, standardize_in_place
from .files import is_within
from .options import boolean, checked, choice, show
from .progress import Progress, part

SOURCES = ("generated", "builtin", "csv", "inline")
_OPTIONS = {"generated": generated.OPTIONS, "builtin": builtin.OPTIONS, "csv": csv_dataset.OPTIONS,
            "inline": inline.OPTIONS}
_COMMON_OPTIONS = {"standardize": (boolean, False)}


def checked_spec(spec: object) -> tuple[str, dict]:
    """The source and the checked options (defaults filled in) of a dataset object."""
    if not isinstance(spec, dict):
        raise DatasetError(f"dataset: must be an object, got {show(spec)}")
    if "source" not in spec:
        raise DatasetError(f"dataset.source: is required; one of {', '.join(SOURCES)}")
    source = choice(SOURCES)("dataset.source", spec["source"])
    given = {key: value for key, value in spec.items() if key != "source"}
    return source, checked({**_OPTIONS[source], **_COMMON_OPTIONS}, given, "dataset.")


def load_dataset(spec: dict, base_dir: Path | None = None, dtype=DEFAULT_DTYPE,
                 progress: Progress | None = None) -> Dataset:
    """The dataset a project's ``dataset`` object describes, its features in ``dtype``.

    A csv path is relative to ``base_dir`` (the project's folder). A file outside that folder is
    read, but no message quotes what it holds (see ``file_outside_project``). ``progress`` hears
    how far a file's reading is (standardizing is the last 5 %) and may stop it by raising
    ``Cancelled`` (see ``progress.py``); the other sources report only their end."""
    source, options = checked_spec(spec)
    wants_standardized = options.pop("standardize")
    if source == "generated":
        ds = generated.make_generated(**options, dtype=dtype)
    elif source == "builtin":
        ds = builtin.make_builtin(options["name"], dtype, part(progress, 0.0, 0.95))
    elif source == "inline":
        ds = inline.make_inline(options, dtype)
    else:
        path = _resolved(options.pop("path"), base_dir)
        quote = base_dir is None or is_within(path, base_dir)
        ds = csv_dataset.read_csv_dataset(path, **options, dtype=dtype, quote=quote,
                                          progress=part(progress, 0.0, 0.95))
    if wants_standardized:
        ds = standardize_in_place(ds)
    if progress is not None:
        progress(1.0)
    return ds


def spec_name(spec: object) -> str:
    """How messages name the data a spec reads: the file's name, or the bundled dataset's."""
    if isinstance(spec, dict) and isinstance(spec.get("path"), str):
        return Path(spec["path"]).name
    if isinstance(spec, dict) and isinstance(spec.get("name"), str):
        return spec["name"]
    return "the data"


def _resolved(path: Path, base_dir: Path | None) -> Path:
    return path if path.is_absolute() or base_dir is None else Path(base_dir) / path


def file_outside_project(spec: object, base_dir: Path) -> Path | None:
    """The file a dataset object reads when it lies outside the project's folder ``base_dir``
    (an absolute path, ``../`` climbing out, or a link leading out), else None.

    A project from elsewhere may point anywhere; the editor asks this before reading, to say
    where the data would come from. Bundled and generated data read no file of the user's."""
    if not isinstance(spec, dict) or spec.get("source") != "csv":
        return None
    path = spec.get("path")
    if not isinstance(path, str) or not path or "\0" in path:
        return None
    resolved = _resolved(Path(path), base_dir)
    return None if is_within(resolved, base_dir) else Path(os.path.realpath(resolved))
