"""A quick look at a CSV file: the first rows only, so a large file never blocks the editor.

The engine's ``load_csv`` reads (and checks) the whole file when the user applies; this reads
at most ``PREVIEW_BYTES`` and ``PREVIEW_ROWS`` to fill the preview table and the column lists —
fewer rows of a wide file, at most ``PREVIEW_CELLS`` cells (each is parsed in Python on the GUI
thread: 200 rows of an MNIST CSV's 785 columns took a second).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy.ma  # noqa: F401 - numpy's unique() imports it on its first call (20-40 ms): at start-up, not mid-preview

from engine.datasets import (MAX_COLUMNS, MISSING_MARKERS, DatasetError, csv_rows, encode_classes, guess_task,
                             looks_like_header, parse_number, read_file_head, sniff_delimiter)
from engine.datasets.cells import HEADER_PROBE_ROWS

PREVIEW_ROWS = 200
PREVIEW_CELLS = 20_000
PREVIEW_BYTES = 4 * 1024 * 1024


class PreviewError(Exception):
    """The file cannot even be previewed; the message names the file (and line)."""


@dataclass
class CsvPreview:
    path: Path
    names: list[str]
    rows: list[list[str]]
    lines: list[int]  # the line of the file each row starts on
    has_header: bool
    delimiter: str
    truncated: bool  # more rows follow in the file
    size: int = 0
    numeric: list[bool] = field(default_factory=list)  # per column, in the previewed rows: every cell a number or missing
    has_numbers: list[bool] = field(default_factory=list)  # per column: some cell a number (offered as a feature)

    def column(self, j: int) -> list[str]:
        return [row[j] for row in self.rows if j < len(row)]

    def guess_task(self, j: int) -> tuple[str, list[str]]:
        """(task, classes seen) for column ``j`` as the target, judged from the previewed rows."""
        cells = [c for c in self.column(j) if not _missing(c)]
        if guess_task(cells) == "regression":
            return "regression", []
        return "classification", encode_classes(cells)[1]


def _missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING_MARKERS


def read_preview(path: str | Path) -> CsvPreview:
    path = Path(path)
    try:
        raw, size = read_file_head(path, PREVIEW_BYTES)  # a FIFO or a device is refused, never waited on
    except DatasetError as e:
        raise PreviewError(str(e)) from None
    text = raw.decode("utf-8-sig", errors="replace")
    partial = size > len(raw)
    if partial:  # drop the last, cut line
        cut = text.rfind("\n")
        text = text[:cut + 1] if cut >= 0 else text
    if not text.strip():
        if partial:
            raise PreviewError(f"{path.name}, line 1: the first line is longer than "
                               f"{PREVIEW_BYTES // (1024 * 1024)} MB; too many columns for NeuroCanvas")
        raise PreviewError(f"{path.name}: the file is empty")
    delimiter = sniff_delimiter(text)
    rows: list[list[str]] = []
    lines: list[int] = []
    shown_rows = PREVIEW_ROWS
    try:
        for cells, line in csv_rows(text, delimiter, path.name):
            rows.append(cells)
            lines.append(line)
            if len(rows) == 1 and len(cells) > MAX_COLUMNS:
                raise PreviewError(f"{path.name}, line 1: {len(cells)} columns; "
                                   f"NeuroCanvas reads at most {MAX_COLUMNS}")
            if len(rows) == 1:
                shown_rows = max(min(PREVIEW_ROWS, PREVIEW_CELLS // max(len(cells), 1)), HEADER_PROBE_ROWS)
            if len(rows) > shown_rows:
                break
    except DatasetError as e:
        raise PreviewError(str(e)) from None
    if not rows:
        raise PreviewError(f"{path.name}: the file is empty")
    truncated = len(rows) > shown_rows or partial
    has_header = looks_like_header(rows)
    width = len(rows[0])
    if has_header:
        names = [c or f"column_{j + 1}" for j, c in enumerate(rows[0])]
        data, lines = rows[1:shown_rows + 1], lines[1:shown_rows + 1]
    else:
        names = [f"column_{j + 1}" for j in range(width)]
        data, lines = rows[:shown_rows], lines[:shown_rows]
    number = [[parse_number(c) is not None for c in r[:width]] for r in data]  # each cell parsed once
    numeric = [all(n[j] or _missing(r[j]) for n, r in zip(number, data) if j < len(n)) for j in range(width)]
    has_numbers = [any(n[j] for n in number if j < len(n)) for j in range(width)]
    return CsvPreview(path, names, data, lines, has_header, delimiter, truncated, size, numeric, has_numbers)
