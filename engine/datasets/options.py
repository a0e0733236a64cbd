"""Checking a dataset's options: one checker per kind of value, shared by every source.

Each checker takes the key path (``dataset.samples``) and the value as the JSON file gave it,
and returns the value to use or raises a DatasetError that names the key and shows the value.
"""
from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

from ..errors import DatasetError

Check = Callable[[str, object], object]
REQUIRED = object()
_SHOWN_CHARS = 60


def show(value: object) -> str:
    """A value as the user wrote it in the JSON file, on one line and cut when long."""
    try:
        text = json.dumps(value)
    except RecursionError:
        text = "a value nested too deep to show"
    except ValueError:  # Python refuses to write an integer of more than 4300 digits
        text = "an integer too long to show"
    except TypeError:  # not from a JSON file: a Path given to load_csv, say
        text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


def key_path(prefix: str, key: object) -> str:
    """``prefix + key`` for a key the file gave, on one line."""
    text = str(key)
    return prefix + (text if text.isprintable() else json.dumps(text))


def is_integer(value: object) -> bool:
    return not isinstance(value, bool) and (
        isinstance(value, int) or (isinstance(value, float) and value.is_integer()))


def is_finite_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer beyond any float
        return False


def integer(minimum: int, maximum: int | None = None) -> Check:
    wording = {0: "a non-negative integer", 1: "a positive integer"}.get(
        minimum, f"an integer of at least {minimum}")

    def check(key: str, value: object) -> int:
        if not is_integer(value) or value < minimum:
            raise DatasetError(f"{key}: must be {wording}, got {show(value)}")
        if maximum is not None and value > maximum:
            raise DatasetError(f"{key}: must be at most {maximum}, got {show(value)}")
        return int(value)
    return check


def non_negative_number(maximum: float) -> Check:
    def check(key: str, value: object) -> float:
        if not is_finite_number(value) or value < 0:
            raise DatasetError(f"{key}: must be a non-negative number, got {show(value)}")
        if value > maximum:
            raise DatasetError(f"{key}: must be at most {maximum:g}, got {show(value)}")
        return float(value)
    return check


def boolean(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise DatasetError(f"{key}: must be true or false, got {show(value)}")
    return value


def choice(choices: tuple) -> Check:
    listed = ", ".join(c if isinstance(c, str) else show(c) for c in choices)

    def check(key: str, value: object) -> object:
        # The type test keeps 1 from passing for True.
        if not isinstance(value, (str, bool)) or value not in choices:
            raise DatasetError(f"{key}: must be one of {listed}, got {show(value)}")
        return value
    return check


def file_path(key: str, value: object) -> Path:
    if not isinstance(value, (str, Path)) or not str(value) or "\0" in str(value):
        raise DatasetError(f"{key}: must be a file path, got {show(value)}")
    return Path(value)


def column_ref(key: str, value: object) -> str | int:
    if isinstance(value, str) or (is_integer(value) and value >= 0):
        return value if isinstance(value, str) else int(value)
    raise DatasetError(f"{key}: must be a column name or a 0-based column index, got {show(value)}")


def column_refs(key: str, value: object) -> list[str | int]:
    if not isinstance(value, list) or not value:
        raise DatasetError(f"{key}: must be a non-empty list of columns, got {show(value)}")
    return [column_ref(f"{key}[{i}]", item) for i, item in enumerate(value)]


def names(key: str, value: object) -> list[str]:
    if not isinstance(value, list):
        raise DatasetError(f"{key}: must be a list of names, got {show(value)}")
    seen: dict[str, int] = {}
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise DatasetError(f"{key}[{i}]: must be a string, got {show(item)}")
        if item in seen:
            raise DatasetError(f"{key}[{i}]: {show(item)} is also {key}[{seen[item]}]; names must differ")
        seen[item] = i
    return list(value)


def as_given(key: str, value: object) -> object:
    return value


def checked(options: dict[str, tuple[Check, object]], given: dict, prefix: str) -> dict:
    """``given`` validated against ``options``, defaults filled in; errors name ``prefix + key``."""
    for key in given:
        if key not in options:
            raise DatasetError(f"{key_path(prefix, key)}: unknown key; the keys are {', '.join(options)}")
    result = {}
    for key, (check, default) in options.items():
        if key in given:
            result[key] = check(prefix + key, given[key])
        elif default is REQUIRED:
            raise DatasetError(f"{prefix}{key}: is required")
        else:
            result[key] = default
    return result
