"""Dataset specs (a project's ``dataset`` object) as the editor handles them. Qt-free.

A csv spec's ``path`` is relative to the project file. Until the project has a file it is
absolute; saving (and Save As to another folder) rebases it onto the new folder.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path


def csv_path(spec: dict, base_dir: Path) -> Path | None:
    """The absolute file a csv spec points to (None for other sources)."""
    if not isinstance(spec, dict) or spec.get("source") != "csv" or not isinstance(spec.get("path"), str):
        return None
    path = Path(spec["path"])
    return path if path.is_absolute() else Path(base_dir) / path


def stored_path(path: Path, project_dir: Path | None) -> str:
    """How a project in ``project_dir`` (None: not saved yet) stores ``path``: relative, with '/'."""
    path = Path(path).absolute()
    if project_dir is None:
        return str(path)
    try:
        return Path(os.path.relpath(path, Path(project_dir).absolute())).as_posix()
    except ValueError:  # another drive on Windows
        return str(path)


def rebased(spec: dict, from_dir: Path, to_dir: Path | None) -> dict:
    """``spec`` with a csv path written relative to ``to_dir`` instead of ``from_dir``; others as they are."""
    path = csv_path(spec, from_dir)
    if path is None:
        return spec
    if to_dir is not None and not Path(spec["path"]).is_absolute() and \
            Path(from_dir).absolute() == Path(to_dir).absolute():
        return spec
    result = copy.deepcopy(spec)
    result["path"] = stored_path(path, to_dir)
    return result
