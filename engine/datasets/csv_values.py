"""Cells of a CSV file turned into numbers and labels, a chunk of rows at a time, by the cell rules.

Both readers of ``csv_file`` hand their chunks to these functions: pandas' columns that came out as
numbers pass as they are; a column of text (the csv module's, or one pandas could not read as
numbers) goes cell by cell through ``cells.clean_cell``, ``is_missing`` and ``parse_number``.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .cells import clean_cell, is_missing, missing_spellings, parse_number


class Disagreement(Exception):
    """The fast reader saw other rows or cells than the careful one would: read the file carefully."""


MISSING_SPELLINGS = missing_spellings()  # for pandas, which compares exactly


def quietly(call, *args, **kwargs):
    """A pandas call without its warnings (mixed types in a column are expected: they go cell by
    cell); a file pandas cannot parse is left to the careful reader, which names the fault."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return call(*args, **kwargs)
        except (pd.errors.ParserError, ValueError) as exc:
            raise Disagreement from exc


def text_chunk(batch: list[list[str]], numeric: int, labelled: bool) -> tuple:
    columns = []
    for k in range(numeric + labelled):
        column = np.empty(len(batch), dtype=object)
        column[:] = [row[k] for row in batch]
        columns.append(column)
    return len(batch), columns[:numeric], columns[numeric] if labelled else None


def cell_values(column: np.ndarray, delimiter: str) -> tuple[np.ndarray, np.ndarray]:
    """A column's values as float64 (NaN where a value is missing) and where a cell is not a number."""
    if column.dtype.kind in "iuf":  # parsed by pandas; its NaN are the missing markers it was given
        return column.astype(np.float64), np.zeros(len(column), bool)
    values = np.zeros(len(column))
    bad = np.zeros(len(column), bool)
    for i, cell in enumerate(column):
        if not isinstance(cell, str):  # pandas' NaN for a missing marker, or True from a column of booleans
            if isinstance(cell, float) and math.isnan(cell):
                values[i] = math.nan
            else:
                bad[i] = True
            continue
        cell = clean_cell(cell, delimiter)
        if is_missing(cell):
            values[i] = math.nan
            continue
        value = parse_number(cell)
        if value is None or not math.isfinite(value):
            bad[i] = True
        else:
            values[i] = value
    return values, bad


def labels_of(column: np.ndarray, delimiter: str) -> tuple[np.ndarray | list[str], np.ndarray]:
    """A chunk of the label column and where a value is missing: values (float64) when pandas read
    it as numbers (a million labels take 8 MB, not 60 MB of str), else the cleaned text."""
    if column.dtype.kind in "iuf":
        values = column.astype(np.float64)
        return values, np.isnan(values)
    if column.dtype.kind == "b":  # pandas read "true"/"True" alike: the spelling of a class is lost
        raise Disagreement
    return texts(column, delimiter)


def joined(parts: list[np.ndarray | list[str]]) -> np.ndarray | list[str]:
    if all(isinstance(part, np.ndarray) for part in parts):
        return np.concatenate(parts) if parts else np.zeros(0)
    if any(isinstance(part, np.ndarray) for part in parts):
        raise Disagreement  # numbers in some chunks, text in others: the text of them all is needed
    return [text for part in parts for text in part]


def texts(column: np.ndarray, delimiter: str) -> tuple[list[str], np.ndarray]:
    """A column's cleaned text ("" for pandas' NaN) and where a value is missing."""
    texts = [clean_cell(cell, delimiter) if isinstance(cell, str) else "" for cell in column]
    return texts, np.fromiter((is_missing(text) for text in texts), bool, len(texts))
