"""A CSV file read for a dataset or for prediction: its layout first, then chosen columns as numbers.

``CsvFile(path, header)`` reads the file (a regular file, at most ``MAX_FILE_BYTES``), checks that it
is UTF-8, finds the delimiter and the header in its first lines and checks that every row has as
many cells as the first. ``read(numeric, label, missing, dtype)`` then gives the chosen columns.
With ``progress`` (see ``progress.py``) both report how far they are — the layout as the first
``LAYOUT_SHARE`` of the work, the rows as the rest, a call per block or chunk — and stop when it
raises ``Cancelled``.

Two readers apply the same cell rules (``cells.py``) and feed one consumer:

- the fast one (``csv_fast.py``), for files of ``FAST_PATH_BYTES`` or more: pandas' C parser reads
  pieces of the file in parallel threads; a column it parsed as numbers is taken as it is, and only
  a column holding text goes through the cell rules cell by cell (decimal commas mixed with points,
  "1_000", a missing marker with spaces around it);
- the careful one: Python's csv module and the cell rules for every cell. It reads small files
  (without importing pandas), and any file the fast reader cannot vouch for, e.g. where pandas
  counts other rows than the csv module (a line holding only a form feed).

The consumer writes each chunk straight into the result array of the training dtype and finds the
first problem in the order the messages give them: a missing value (by row), then a cell that is
not a number (by column, then row). The offending cell is then re-read with the careful reader to
name its line and show it. With ``quote=False`` (a file outside the project's folder) no message
shows anything the file holds: columns are named by number and cells are described.
"""
from __future__ import annotations

import codecs
import io
import math
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from .cells import HEADER_PROBE_ROWS, is_missing, looks_like_header, parse_number, shown, sniff_delimiter, stream_rows
from .csv_fast import fast_chunks
from .csv_values import Disagreement, cell_values, joined, labels_of, text_chunk
from .files import read_regular_file, shown_path
from .progress import Progress

MAX_COLUMNS = 10_000
FAST_PATH_BYTES = 2 << 20  # below this the careful reader is as quick as importing pandas
_BOM = b"\xef\xbb\xbf"
_HEAD_LINES = HEADER_PROBE_ROWS + 2  # the lines the delimiter and the header are judged from
_HEAD_MAX_BYTES = 16 << 20
_BLOCK_BYTES = 2 << 20  # the row-width check and the UTF-8 check go through the file in blocks
_CAREFUL_CHUNK_CELLS = 1 << 16  # cells the careful reader holds as text at once
_COMPACT_ROWS = 4096
_SHOWN_COLUMNS = 20
LAYOUT_SHARE = 0.2  # of a load's progress: reading the bytes, checking them and counting the rows


# Scans of the whole file go block by block: a bytes method holds the GIL for its whole length (0.3 s over
# 164 MB), and a front end that loads in a thread would stall that long.
def _count(raw: bytes, sub: bytes, start: int = 0, end: int | None = None) -> int:
    """``raw.count(sub, start, end)`` a block at a time (``sub`` of one or two bytes)."""
    end = len(raw) if end is None else end
    total = 0
    for pos in range(start, end, _BLOCK_BYTES):
        stop = min(pos + _BLOCK_BYTES + len(sub) - 1, end)  # a match across the block's end counts in this block
        total += raw.count(sub, pos, stop)
    return total


def _last(raw: bytes, sub: bytes) -> int:
    """``raw.rfind(sub)`` for one byte, a block at a time from the end."""
    for end in range(len(raw), 0, -_BLOCK_BYTES):
        found = raw.rfind(sub, max(end - _BLOCK_BYTES, 0), end)
        if found >= 0:
            return found
    return -1


class CellError(DatasetError):
    """A refusal at one cell of a CSV file, with the parts a front end needs to point at it.

    ``problem`` is the message without ``advice``; ``option`` is the csv option (key, value) that
    the advice asks for, if any, so that an editor can name its own control instead."""

    def __init__(self, problem: str, line: int, column: str, advice: str = "",
                 option: tuple[str, str] | None = None) -> None:
        super().__init__(f"{problem}; {advice}" if advice else problem)
        self.problem, self.line, self.column, self.option = problem, line, column, option


@dataclass
class Columns:
    x: np.ndarray  # (rows kept, numeric columns) in the dtype asked for
    # The label column, one per row kept: its values when pandas read it as numbers, else its text.
    labels: np.ndarray | list[str] | None
    kept: np.ndarray | None  # each row kept's index among the data rows; None when none was dropped
    label_values: np.ndarray | None = None  # (rows kept, 1) when the label column is numbers

    def data_row(self, i: int) -> int:
        return i if self.kept is None else int(self.kept[i])


class CsvFile:
    def __init__(self, path: str | Path, header: str | bool = "auto", quote: bool = True,
                 progress: Progress | None = None) -> None:
        self.path = Path(path)
        self.file = shown_path(self.path.name)
        self.quote = quote
        self.progress = progress or (lambda done: None)
        self.progress(0.0)
        self.raw = read_regular_file(self.path)
        self.progress(LAYOUT_SHARE * 0.3)
        self.start = len(_BOM) if self.raw.startswith(_BOM) else 0
        head = self._head()
        self.delimiter = sniff_delimiter(head)
        self._check_utf8()
        rows = [row for row in stream_rows(io.StringIO(head, newline=""), self.delimiter, self.file)]
        if not rows:
            raise DatasetError(f"{self.file}: the file is empty")
        first, first_line = rows[0]
        if len(first) > MAX_COLUMNS:
            raise DatasetError(f"{self.file}, line {first_line}: {len(first)} columns; "
                               f"NeuroCanvas reads at most {MAX_COLUMNS}")
        self.width = len(first)
        self.has_header = looks_like_header([cells for cells, _ in rows]) if header == "auto" else header
        self.n_rows = self._count_rows()
        self.progress(LAYOUT_SHARE)
        if not self.has_header:
            self.names = [f"column_{j + 1}" for j in range(self.width)]
            return
        if self.n_rows == 0:
            raise DatasetError(f"{self.file}: only a header (line {first_line}), no data rows")
        self.names = self._header_names(first, first_line)

    # ---- layout --------------------------------------------------------------------------------
    def _head(self) -> str:
        """The text of the first lines: enough rows to judge the delimiter and the header by."""
        end = self.start
        for _ in range(_HEAD_LINES):
            found = self.raw.find(b"\n", end, self.start + _HEAD_MAX_BYTES)
            if found < 0:
                end = min(len(self.raw), self.start + _HEAD_MAX_BYTES)
                break
            end = found + 1
        return self.raw[self.start:end].decode("utf-8", errors="surrogateescape")

    def _text(self, errors: str = "strict") -> io.TextIOWrapper:
        return io.TextIOWrapper(io.BytesIO(self.raw), encoding="utf-8-sig", errors=errors, newline="")

    def _rows(self, errors: str = "strict") -> Iterator[tuple[list[str], int]]:
        return stream_rows(self._text(errors), self.delimiter, self.file)

    def data_rows(self) -> Iterator[tuple[list[str], int]]:
        """Each data row's cleaned cells and its line, read carefully."""
        rows = self._rows()
        if self.has_header:
            next(rows, None)
        return rows

    def _check_utf8(self) -> None:
        if all(self.raw[k:k + _BLOCK_BYTES].isascii() for k in range(0, len(self.raw), _BLOCK_BYTES)):
            return
        decoder = codecs.getincrementaldecoder("utf-8")()
        view = memoryview(self.raw)
        try:
            for offset in range(0, len(view), _BLOCK_BYTES):
                decoder.decode(view[offset:offset + _BLOCK_BYTES], final=offset + _BLOCK_BYTES >= len(view))
        except UnicodeDecodeError:
            raise self._undecodable() from None

    def _undecodable(self) -> DatasetError:
        """The first cell holding bytes that are not UTF-8, named by line and column."""
        for cells, line in self._rows(errors="surrogateescape"):
            for j, cell in enumerate(cells):
                bad = next((ch for ch in cell if "\udc80" <= ch <= "\udcff"), None)
                if bad is not None:
                    byte = f"byte 0x{ord(bad) - 0xdc00:02x} is" if self.quote else "a byte that is"
                    return DatasetError(f"{self.file}, line {line}, column {j + 1}: {byte} not UTF-8; "
                                        "save the file as UTF-8")
        return DatasetError(f"{self.file}: not UTF-8; save the file as UTF-8")

    def _ragged(self, line: int, cells: int) -> DatasetError:
        reference = "the header" if self.has_header else "the first row"
        return DatasetError(f"{self.file}, line {line} has {cells} cells, {reference} has {self.width}")

    def _count_rows(self) -> int:
        """The number of data rows; an error at the first row that has not ``width`` cells.

        Up to the line of the last quote the csv module counts (a quoted field may hold line
        breaks); after it every line is a row, and NumPy counts delimiters per line. A header in
        quotes, as R writes it, leaves the whole body to NumPy."""
        raw, careful_end = self.raw, self.start
        last_quote = _last(raw, b'"')
        if last_quote >= 0:
            careful_end = raw.find(b"\n", last_quote) + 1 or len(raw)
            if _count(raw, b'"', 0, careful_end) % 2:  # a quote left open: the rest may be inside it
                careful_end = len(raw)
        lone_cr = _last(raw, b"\r") >= 0 and _count(raw, b"\r") != _count(raw, b"\r\n")  # (no CR: no counting)
        if self.width == 1 or lone_cr:  # lines that end in a lone CR
            careful_end = len(raw)
        count = 0
        if careful_end > self.start:
            text = raw[self.start:careful_end].decode("utf-8")
            for cells, line in stream_rows(io.StringIO(text, newline=""), self.delimiter, self.file):
                if len(cells) != self.width:
                    raise self._ragged(line, len(cells))
                count += 1
        self.lines_are_rows_from = careful_end  # (the fast reader cuts the file into pieces from here)
        if careful_end < len(raw):
            count += self._count_unquoted_rows(careful_end, raw.count(b"\n", self.start, careful_end))
        return count - (1 if self.has_header else 0)

    def _count_unquoted_rows(self, pos: int, lines_before: int) -> int:
        """``_count_rows`` from ``pos`` on, where there are no quotes and every line is a row:
        delimiters are counted per line with NumPy, and only a line with another count is looked
        at (blank, or a row of the wrong width)."""
        raw, data, delimiter = self.raw, np.frombuffer(self.raw, np.uint8), ord(self.delimiter)
        rows = 0
        while pos < len(raw):
            end = min(pos + _BLOCK_BYTES, len(raw))
            if end < len(raw):  # end the block at a line's end
                cut = raw.rfind(b"\n", pos, end)
                end = cut + 1 if cut >= 0 else (raw.find(b"\n", end) + 1 or len(raw))
            block = data[pos:end]
            starts = np.concatenate(([0], np.flatnonzero(block == ord("\n")) + 1))
            if starts[-1] == len(block):
                starts = starts[:-1]
            counts = np.add.reduceat((block == delimiter).view(np.uint8), starts, dtype=np.int32)
            bounds = np.append(starts, len(block))
            blank = 0
            for i in np.flatnonzero(counts != self.width - 1):
                if raw[pos + bounds[i]:pos + bounds[i + 1]].decode("utf-8").strip():
                    raise self._ragged(lines_before + int(i) + 1, int(counts[i]) + 1)
                blank += 1
            rows += len(starts) - blank
            lines_before += len(starts)
            pos = end
            self.progress(LAYOUT_SHARE * (0.3 + 0.7 * pos / len(raw)))
        return rows

    def _header_names(self, cells: list[str], line: int) -> list[str]:
        names = [cell or f"column_{j + 1}" for j, cell in enumerate(cells)]
        seen: dict[str, int] = {}
        for j, name in enumerate(names):
            if name in seen:
                what = f"the column name {shown(name)} appears twice" if self.quote else "two columns have the same name"
                raise DatasetError(f"{self.file}, line {line}: {what} (columns {seen[name] + 1} and {j + 1})")
            seen[name] = j
        return names

    # ---- columns -------------------------------------------------------------------------------
    def column_text(self, j: int) -> str:
        """Column ``j`` as a message names it: by name, or by number for a foreign file."""
        return f"column {shown(self.names[j])}" if self.quote else f"column {j + 1}"

    def column_index(self, ref: str | int, key: str) -> int:
        """The index of a column given by name or 0-based index; an error listing the columns if none.

        A name matches with the spaces around it ignored, as the file's cells are stripped."""
        if isinstance(ref, int):
            if ref < self.width:
                return ref
            problem = f"column index {ref} is out of range (0 to {self.width - 1})"
        else:
            index = {name: j for j, name in enumerate(self.names)}
            j = index.get(ref, index.get(ref.strip()))
            if j is not None:
                return j
            problem = f"there is no column {shown(ref)}"
        if self.quote:
            listed = [shown(name) for name in self.names[:_SHOWN_COLUMNS]]
            if self.width > _SHOWN_COLUMNS:
                listed.append(f"and {self.width - _SHOWN_COLUMNS} more")
            columns = f"the columns are {', '.join(listed)}"
        else:
            columns = f"the file has {self.width} column{'s' if self.width > 1 else ''}"
        raise DatasetError(f"{self.file}: {key}: {problem}; {columns}")

    def read(self, numeric: list[int], label: int | None = None, missing: str | None = "error",
             dtype=np.float32, numeric_label=None, label_role: str = "") -> Columns:
        """The ``numeric`` columns as numbers of ``dtype`` and the ``label`` column (``Columns``).

        ``missing``: "error" refuses a row with a missing value in these columns, "drop" leaves it
        out, None takes a missing value for a cell that is not a number. ``numeric_label(labels)``
        says whether the label column is numbers too (a regression target, named ``label_role``
        in messages); then they are in ``label_values``."""
        if len(self.raw) >= FAST_PATH_BYTES:
            try:
                with closing(fast_chunks(self, numeric, label, dtype)) as chunks:  # (its threads end here)
                    columns = self._consume(chunks, numeric, label, missing, dtype)
                return self._with_label_values(columns, label, dtype, numeric_label, label_role)
            except Disagreement:
                pass
        columns = self._consume(self._careful_chunks(numeric, label), numeric, label, missing, dtype)
        return self._with_label_values(columns, label, dtype, numeric_label, label_role)

    # A chunk is (rows, numbers, label column), as ``csv_fast`` describes it.
    def _careful_chunks(self, numeric: list[int], label: int | None) -> Iterator[tuple]:
        used = [*numeric, *([label] if label is not None else [])]
        rows_per_chunk = max(1, _CAREFUL_CHUNK_CELLS // len(used))
        batch: list[list[str]] = []
        for cells, line in self.data_rows():
            if len(cells) != self.width:
                raise self._ragged(line, len(cells))
            batch.append([cells[j] for j in used])
            if len(batch) == rows_per_chunk:
                yield text_chunk(batch, len(numeric), label is not None)
                batch = []
        if batch:
            yield text_chunk(batch, len(numeric), label is not None)

    def _consume(self, chunks: Iterator[tuple], numeric: list[int], label: int | None,
                 missing: str | None, dtype) -> Columns:
        n, width = self.n_rows, len(numeric)
        x = np.empty((n, width), dtype)
        label_parts: list[np.ndarray | list[str]] = []
        keep = np.ones(n, bool)
        first_bad = np.full(width, -1)
        first_gap: tuple[int, int] | None = None  # (row, column) of the first missing value
        row = 0
        for m, numbers, label_column in chunks:
            if row + m > n:
                raise Disagreement
            rows = x[row:row + m]
            bad = np.zeros((m, width), bool)
            with np.errstate(over="ignore", invalid="ignore"):  # a value beyond dtype becomes inf: bad
                if isinstance(numbers, np.ndarray):
                    rows[...] = numbers
                else:
                    for k, column in enumerate(numbers):
                        rows[:, k], bad[:, k] = cell_values(column, self.delimiter)
            gaps = np.zeros((m, width + (label is not None)), bool)
            if not np.isfinite(rows).all():
                gaps[:, :width] = np.isnan(rows)  # a missing value; a cell that is not a number is 0 here
                bad |= np.isinf(rows)
            if missing is None:
                bad |= gaps[:, :width]
                gaps[:, :width] = False
            if label is not None:
                part, gaps[:, width] = labels_of(label_column, self.delimiter)
                label_parts.append(part)
            row_gaps = gaps.any(axis=1)
            if row_gaps.any():
                if first_gap is None:
                    i = int(np.argmax(row_gaps))
                    first_gap = row + i, [*numeric, label][int(np.argmax(gaps[i]))]
                keep[row:row + m] = ~row_gaps
                bad &= ~row_gaps[:, None]
            for k in np.flatnonzero(bad.any(axis=0)):
                if first_bad[k] < 0:
                    first_bad[k] = row + int(np.argmax(bad[:, k]))
            row += m
            self.progress(LAYOUT_SHARE + (1 - LAYOUT_SHARE) * row / max(n, 1))
        if row != n:
            raise Disagreement
        # Raised only now that the rows are known to be the careful reader's, so that re-reading
        # a cell by its row finds the same cell.
        if first_gap is not None and missing == "error":
            raise self._missing_error(*first_gap)
        for k in np.flatnonzero(first_bad >= 0):
            raise self._number_error(int(first_bad[k]), numeric[int(k)], dtype, missing)
        labels = joined(label_parts) if label is not None else None
        if keep.all():
            return Columns(x, labels, None)
        kept = np.flatnonzero(keep)
        if not len(kept):
            raise DatasetError(f"{self.file}: every row misses a value in the columns used")
        for start in range(0, len(kept), _COMPACT_ROWS):  # in place: each row moves up or stays
            rows_here = kept[start:start + _COMPACT_ROWS]
            x[start:start + len(rows_here)] = x[rows_here]
        if isinstance(labels, np.ndarray):
            labels = labels[kept]
        elif labels is not None:
            labels = [labels[i] for i in kept]
        return Columns(x[:len(kept)], labels, kept)

    def _with_label_values(self, columns: Columns, label: int | None, dtype, numeric_label,
                           role: str) -> Columns:
        if label is None or numeric_label is None or not numeric_label(columns.labels):
            return columns
        if isinstance(columns.labels, np.ndarray):
            values, bad = columns.labels, np.zeros(len(columns.labels), bool)
        else:
            values, bad = cell_values(np.asarray(columns.labels, dtype=object), self.delimiter)
        with np.errstate(over="ignore"):
            columns.label_values = values.astype(dtype).reshape(-1, 1)
        bad |= ~np.isfinite(columns.label_values[:, 0])
        if bad.any():
            raise self._number_error(columns.data_row(int(np.argmax(bad))), label, dtype, "error", role)
        return columns

    # ---- errors at a cell ----------------------------------------------------------------------
    def _cell(self, row: int, j: int) -> tuple[str, int]:
        """The cleaned text of data row ``row`` in column ``j``, and its line, re-read carefully."""
        for i, (cells, line) in enumerate(self.data_rows()):
            if i == row:
                return cells[j], line
        raise Disagreement

    def _cell_error(self, line: int, j: int, message: str, advice: str = "",
                    option: tuple[str, str] | None = None) -> CellError:
        column = self.names[j] if self.quote else f"column {j + 1}"
        return CellError(f"{self.file}, line {line}, {self.column_text(j)}: {message}", line, column,
                         advice, option)

    def _found(self, text: str) -> str:
        if not text:
            return "an empty cell"
        return shown(text) if self.quote else "a missing-value marker"

    def _missing_error(self, row: int, j: int) -> CellError:
        text, line = self._cell(row, j)
        if not is_missing(text):
            raise Disagreement
        return self._cell_error(line, j, f"missing value ({self._found(text)})",
                                'set "missing": "drop" to drop such rows', ("missing", "drop"))

    def _number_error(self, row: int, j: int, dtype, missing: str | None, role: str = "") -> CellError:
        text, line = self._cell(row, j)
        cell = shown(text) if self.quote else "the cell"
        value = parse_number(text)
        if is_missing(text):
            if missing is not None:
                raise Disagreement
            return self._cell_error(line, j, f"{self._found(text)} is not a number{role}")
        if value is None:
            decimal_comma = parse_number(text.replace(",", ".")) is not None
            return self._cell_error(line, j, f"{cell} is not a number{role}",
                                    'write "." as the decimal point' if decimal_comma else "")
        if not math.isfinite(value):
            return self._cell_error(line, j, f"{cell} is not a finite number{role}")
        with np.errstate(over="ignore"):
            fits = np.isfinite(np.asarray(value, dtype=dtype))
        if not fits:
            return self._cell_error(line, j, f"{cell} is too large for {np.dtype(dtype).name}{role}")
        raise Disagreement
