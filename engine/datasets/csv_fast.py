"""The fast reader of ``csv_file``: pandas' C parser, over pieces of the file in parallel.

Where every line is a row (no quotes from there on, see ``CsvFile.lines_are_rows_from``), the file
is cut at line ends into pieces of about ``PIECE_BYTES``, and threads parse them at once: pandas'
tokenizer and number conversion run outside the interpreter lock, so two cores read a 164 MB
MNIST CSV in ~60% of the time one takes. The pieces are handed on in the file's order, and only
``PARSERS`` are held at a time. A file whose quotes reach further than a piece is read by one
reader, chunk by chunk, as its quoted line breaks may fall anywhere.

A chunk is (rows, numbers, label column), as ``CsvFile._consume`` takes it: numbers is a (rows,
numeric) array when every column came out as numbers, else one array per column; a column of text
holds str (and NaN for a missing marker).
"""
from __future__ import annotations

import io
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .csv_values import MISSING_SPELLINGS, quietly

PIECE_BYTES = 16 << 20  # text per piece or chunk: pandas pays ~0.03 s a piece to set up and build its frame
PARSERS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def fast_chunks(csv, numeric: list[int], label: int | None, dtype) -> Iterator[tuple]:
    """The chunks of ``csv`` (a ``CsvFile``) for these columns, in the file's order; numbers
    come as ``dtype`` where a chunk's columns are all numbers."""
    used = [*numeric, *([label] if label is not None else [])]
    options = dict(
        sep=csv.delimiter, names=list(range(csv.width)), usecols=used, index_col=False, engine="c",
        encoding="utf-8", na_values=MISSING_SPELLINGS, keep_default_na=False, skip_blank_lines=True,
        decimal="," if csv.delimiter == ";" else ".",
        low_memory=False)  # our pieces are its chunks: pandas need not split and join each one again
    if csv.lines_are_rows_from - csv.start > PIECE_BYTES or PARSERS == 1:
        yield from _one_reader(csv, options, numeric, label, dtype)
        return
    with ThreadPoolExecutor(PARSERS, thread_name_prefix="csv") as pool:
        pending = deque()
        try:
            for start, end in _pieces(csv):
                header = 0 if start == 0 and csv.has_header else None
                text = memoryview(csv.raw)[start:end]
                pending.append(pool.submit(_parse, text, header, options, numeric, label, dtype))
                if len(pending) == PARSERS:
                    yield from _rows_in(pending.popleft().result())
            while pending:
                yield from _rows_in(pending.popleft().result())
        finally:
            for future in pending:
                future.cancel()


def _pieces(csv) -> Iterator[tuple[int, int]]:
    """Byte ranges of about ``PIECE_BYTES`` that end at line ends, the first from the file's start
    (its header and any quotes) and the rest where every line is a row."""
    raw, start = csv.raw, 0
    while start < len(raw):
        end = max(start + PIECE_BYTES, csv.lines_are_rows_from)
        if end < len(raw):
            end = raw.find(b"\n", end - 1) + 1 or len(raw)
        yield start, min(end, len(raw))
        start = end


def _parse(text: memoryview, header: int | None, options: dict, numeric: list[int], label: int | None,
           dtype) -> tuple:
    import pandas as pd

    stream = io.BufferedReader(_Span(text))
    return _chunk(quietly(pd.read_csv, stream, header=header, **options), numeric, label, dtype)


class _Span(io.RawIOBase):
    """A part of the file's bytes as a stream, without a copy of it (``io.BytesIO`` would copy)."""

    def __init__(self, view: memoryview) -> None:
        self.view, self.pos = view, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), len(self.view) - self.pos)
        buffer[:n] = self.view[self.pos:self.pos + n]
        self.pos += n
        return n


def _rows_in(chunk: tuple) -> Iterator[tuple]:
    if chunk[0]:  # (a piece of blank lines has no rows, and its empty columns no dtype)
        yield chunk


def _one_reader(csv, options: dict, numeric: list[int], label: int | None, dtype) -> Iterator[tuple]:
    import pandas as pd

    rows_per_chunk = max(16, int(PIECE_BYTES * max(csv.n_rows, 1) / len(csv.raw)))
    reader = quietly(pd.read_csv, io.BytesIO(csv.raw), header=0 if csv.has_header else None,
                     chunksize=rows_per_chunk, **options)
    with reader:
        while (chunk := quietly(next, reader, None)) is not None:
            yield _chunk(chunk, numeric, label, dtype)


def _chunk(frame, numeric: list[int], label: int | None, dtype) -> tuple:
    numbers = frame[numeric]
    if all(column_type.kind in "iuf" for column_type in numbers.dtypes):
        with np.errstate(over="ignore"):  # a value beyond dtype becomes inf, which the consumer refuses
            numbers = numbers.to_numpy(dtype)  # one (rows, columns) array: x takes it in one pass
    else:
        numbers = [numbers[j].to_numpy() for j in numeric]
    return len(frame), numbers, frame[label].to_numpy() if label is not None else None
