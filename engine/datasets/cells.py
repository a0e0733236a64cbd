"""The rules for the cells of a CSV file, shared by the loader and the editor's preview.

A cell is stripped; in a ``;``-separated file a decimal comma reads as a decimal point; the
markers in ``MISSING_MARKERS`` (any case) and the empty cell are missing values; a number is
what Python's ``float`` reads. Rows that are blank are skipped.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Iterable, Iterator

import numpy as np

from ..errors import DatasetError

MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "?"})  # compared in lower case
DELIMITERS = (",", ";", "\t")
HEADER_PROBE_ROWS = 20  # rows below the first that header detection looks at
AUTO_CLASSIFICATION_MAX_CLASSES = 20
_SNIFF_ROWS = 20
_SHOWN_CHARS = 40


def parse_number(cell: str) -> float | None:
    try:
        return float(cell)
    except (ValueError, TypeError):
        return None


def is_missing(cell: str) -> bool:
    return cell.lower() in MISSING_MARKERS


def missing_spellings() -> list[str]:
    """Every spelling of the missing markers in upper and lower case, for parsers that compare exactly."""
    spellings = set()
    for marker in MISSING_MARKERS:
        cases = [(ch.lower(), ch.upper()) for ch in marker]
        spellings.update("".join(chars) for chars in itertools.product(*cases))
    return sorted(spellings)


def clean_cell(cell: str, delimiter: str) -> str:
    """The cell stripped; in a ``;``-separated file "1,70" becomes "1.70"."""
    cell = cell.strip()
    # A semicolon separates the columns where the comma is the decimal point (most of Europe).
    if delimiter == ";" and cell.count(",") == 1 and "." not in cell:
        with_point = cell.replace(",", ".")
        if parse_number(with_point) is not None:
            return with_point
    return cell


def clean_cells(row: list[str], delimiter: str) -> list[str]:
    """The cells stripped; in a ``;``-separated file "1,70" becomes "1.70"."""
    return [clean_cell(cell, delimiter) for cell in row]


def csv_rows(text: str, delimiter: str, file: str) -> Iterator[tuple[list[str], int]]:
    """Each non-blank row's cleaned cells and the 1-based line it starts on, read lazily
    (the editor's preview stops after its first rows)."""
    return stream_rows(io.StringIO(text, newline=""), delimiter, file)


def stream_rows(lines: Iterable[str], delimiter: str, file: str) -> Iterator[tuple[list[str], int]]:
    """``csv_rows`` over any source of lines opened with ``newline=""`` (a text file, say)."""
    reader = csv.reader(lines, delimiter=delimiter)
    line = 1
    try:
        for row in reader:
            if len(row) > 1 or (row and row[0].strip()):
                yield clean_cells(row, delimiter), line
            line = reader.line_num + 1
    except csv.Error as exc:
        raise DatasetError(f"{file}, line {reader.line_num}: {exc}") from None


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first rows of ``text`` into equally many cells, more than one.

    Where several do, the one that makes more cells numbers wins, so that a short ``;`` file
    with decimal commas ("1,5;2") is not taken for a ``,`` file; a tie goes to ``,``."""
    candidates = {}
    for delimiter in DELIMITERS:
        try:
            rows = [cells for cells, _ in itertools.islice(csv_rows(text, delimiter, ""), _SNIFF_ROWS)]
        except DatasetError:  # e.g. a field over the csv module's size limit
            continue
        widths = {len(cells) for cells in rows}
        if len(widths) == 1 and widths != {1}:
            candidates[delimiter] = rows
    if len(candidates) < 2:  # counting numbers only settles a tie (785 columns of 20 rows are 15,700 cells)
        return next(iter(candidates), ",")
    best, best_numbers = ",", -1
    for delimiter, rows in candidates.items():
        numbers = sum(parse_number(cell) is not None for cells in rows for cell in cells)
        if numbers > best_numbers:
            best, best_numbers = delimiter, numbers
    return best


def looks_like_header(rows: list[list[str]]) -> bool:
    """True when the first row is all text, or has text where the rows below hold numbers."""
    first, below = rows[0], rows[1:1 + HEADER_PROBE_ROWS]

    def is_text(cell: str) -> bool:
        return not is_missing(cell) and parse_number(cell) is None

    # A data row has numeric features, so an all-text first row is a header even when the rows
    # below are broken (decimal commas, say); the error then points at a data line.
    if all(is_text(cell) for cell in first):
        return True
    return any(is_text(cell) and all(j < len(row) and not is_text(row[j]) for row in below)
               for j, cell in enumerate(first))


def guess_task(cells: list[str] | np.ndarray) -> str:
    """Classification for text labels or integers that look like classes; regression otherwise.

    Up to 20 distinct integers look like classes when they are fewer than half the rows, or just
    two values, or counted from 0 or 1, so that the 0/1 target of a small file is a class.
    ``cells`` is the column's text, or its values when every cell is a number (a float array)."""
    if isinstance(cells, np.ndarray) and cells.dtype.kind == "f":
        return _guess_from_values(np.unique(cells), len(cells))
    values = {parse_number(cell) for cell in set(cells)}
    if None in values:
        return "classification"
    return _guess_from_values(np.unique(np.array(list(values))), len(cells))


def _guess_from_values(distinct: np.ndarray, rows: int) -> str:
    n = len(distinct)
    if n > AUTO_CLASSIFICATION_MAX_CLASSES or not (np.isfinite(distinct).all() and (distinct % 1 == 0).all()):
        return "regression"
    counted = np.array_equal(distinct, np.arange(n)) or np.array_equal(distinct, np.arange(1, n + 1))
    return "classification" if n <= 2 or counted or n < rows / 2 else "regression"


def encode_classes(cells: list[str] | np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Class indices in sorted label order: numerically when every label is a number.

    ``cells`` is the column's text, or its values when every cell is a number (a float array)."""
    if isinstance(cells, np.ndarray) and cells.dtype.kind == "f":
        return _encode_values(cells)
    labels, indices = np.unique(np.asarray(cells, dtype=object), return_inverse=True)
    values = [parse_number(label) for label in labels]
    if None in values:
        return indices.astype(np.int64).reshape(-1), [str(label) for label in labels]
    # The same class may be spelled "1" and "1.0": merge by value, order by value.
    by_label, names = _encode_values(np.array(values))
    return by_label[indices], names


def _encode_values(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    classes, indices = np.unique(values, return_inverse=True)
    names = [str(int(v)) if v.is_integer() else repr(float(v)) for v in classes]
    return indices.astype(np.int64).reshape(-1), names


def shown(text: str) -> str:
    """A cell or a name as a message quotes it: on one line, in quotes, cut when long."""
    if len(text) > _SHOWN_CHARS:
        text = text[:_SHOWN_CHARS] + "…"
    quoted = json.dumps(text, ensure_ascii=False)
    try:
        quoted.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (from a JSON file, say) would fail to print
        quoted = json.dumps(text)
    return quoted
