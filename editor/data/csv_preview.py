"""A quick look at a CSV file: the first rows only, so a large file never blocks the editor.

The engine's ``load_csv`` reads (and checks) the whole file when the user applies; this reads
at most ``PREVIEW_BYTES`` and ``PREVIEW_ROWS`` to fill the preview table and the column lists.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from engine.datasets import MAX_COLUMNS, MISSING_MARKERS

PREVIEW_ROWS = 200
PREVIEW_BYTES = 4 * 1024 * 1024
MAX_AUTO_CLASSES = 20


class PreviewError(Exception):
    """The file cannot even be previewed; the message names the file (and line)."""


@dataclass
class CsvPreview:
    path: Path
    names: list[str]
    rows: list[list[str]]
    has_header: bool
    delimiter: str
    truncated: bool  # more rows follow in the file
    size: int = 0
    numeric: list[bool] = field(default_factory=list)  # per column, in the previewed rows

    def column(self, j: int) -> list[str]:
        return [row[j] for row in self.rows if j < len(row)]

    def guess_task(self, j: int) -> tuple[str, list[str]]:
        """(task, classes seen) for column ``j`` as the target, judged from the previewed rows."""
        cells = [c for c in self.column(j) if not _missing(c)]
        values = [_number(c) for c in cells]
        if None in values:
            return "classification", sorted(set(cells))
        distinct = sorted(set(values))
        if len(distinct) <= MAX_AUTO_CLASSES and len(distinct) < max(len(values), 1) / 2 \
                and all(v.is_integer() for v in distinct):
            return "classification", [str(int(v)) for v in distinct]
        return "regression", []


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING_MARKERS


def _is_text(cell: str) -> bool:
    return not _missing(cell) and _number(cell) is None


def read_preview(path: str | Path) -> CsvPreview:
    path = Path(path)
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            raw = f.read(PREVIEW_BYTES)
    except FileNotFoundError:
        raise PreviewError(f"{path}: file not found") from None
    except OSError as e:
        raise PreviewError(f"{path}: cannot be read ({e.strerror or e})") from None
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
    try:
        delimiter = csv.Sniffer().sniff(text[:64 * 1024], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if len(row) > 1 or (row and row[0].strip()):
                rows.append([c.strip() for c in row])
                if len(rows) == 1 and len(row) > MAX_COLUMNS:
                    raise PreviewError(f"{path.name}, line 1: {len(row)} columns; "
                                       f"NeuroCanvas reads at most {MAX_COLUMNS}")
                if len(rows) > PREVIEW_ROWS:
                    break
    except csv.Error as e:
        raise PreviewError(f"{path.name}, line {reader.line_num}: {e}") from None
    if not rows:
        raise PreviewError(f"{path.name}: the file is empty")
    truncated = len(rows) > PREVIEW_ROWS or partial
    first, below = rows[0], rows[1:21]
    has_header = all(_is_text(c) for c in first) or any(
        _is_text(c) and all(j < len(r) and not _is_text(r[j]) for r in below) for j, c in enumerate(first))
    width = len(first)
    if has_header:
        names = [c or f"column_{j + 1}" for j, c in enumerate(first)]
        data = rows[1:PREVIEW_ROWS + 1]
    else:
        names = [f"column_{j + 1}" for j in range(width)]
        data = rows[:PREVIEW_ROWS]
    numeric = [all(_number(r[j]) is not None or _missing(r[j]) for r in data if j < len(r)) for j in range(width)]
    return CsvPreview(path, names, data, has_header, delimiter, truncated, size, numeric)
