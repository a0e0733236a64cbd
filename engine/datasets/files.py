"""Reading a data file as an untrusted path must be read.

A project file may name any path: a FIFO (which blocks a reader for ever), a device such as
/dev/zero (which never ends), a folder, or a file outside the project's folder. Only regular
files are read, and only up to ``MAX_FILE_BYTES``; everything else is one clear line.
"""
from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import DatasetError, NeuroCanvasError

MAX_FILE_BYTES = 1 << 30  # 1 GiB: MNIST as CSV is 110-160 MB
_READ_BLOCK = 1 << 20


def shown_path(path: str | os.PathLike) -> str:
    """A path as a message names it: as it is, or escaped when it holds line breaks or the like."""
    text = str(path)
    return text if text.isprintable() else json.dumps(text)


def _size_text(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


@dataclass(frozen=True)
class Reading:
    """What is read, for the refusals: the error they raise and how they name the files."""

    error: type[NeuroCanvasError] = DatasetError
    noun: str = "data"  # "NeuroCanvas reads data from regular files only"
    files: str = "data files"  # "NeuroCanvas reads data files of up to 1 GB"


DATA = Reading()


def _refusal(path: Path, mode: int, reading: Reading) -> NeuroCanvasError | None:
    if stat.S_ISDIR(mode):
        return reading.error(f"{shown_path(path)}: is a folder, not a file")
    if not stat.S_ISREG(mode):
        kind = ("a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        return reading.error(f"{shown_path(path)}: is {kind}; NeuroCanvas reads {reading.noun} from regular files only")
    return None


def _open_regular(path: Path, reading: Reading) -> tuple[int, int]:
    """An open descriptor of the regular file ``path`` and its size, or the reading's error."""
    try:
        refusal = _refusal(path, os.stat(path).st_mode, reading)  # stat never blocks, unlike open on a FIFO
        if refusal:
            raise refusal
        # O_NONBLOCK: should the path be swapped for a FIFO since the stat, open still returns.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise reading.error(f"{shown_path(path)}: file not found") from None
    except IsADirectoryError:
        raise reading.error(f"{shown_path(path)}: is a folder, not a file") from None
    except OSError as exc:
        raise reading.error(f"{shown_path(path)}: cannot be read ({exc.strerror or exc})") from None
    info = os.fstat(fd)
    refusal = _refusal(path, info.st_mode, reading)
    if refusal:
        os.close(fd)
        raise refusal
    return fd, info.st_size


def _too_large(path: Path, size: str, limit: int, reading: Reading) -> NeuroCanvasError:
    return reading.error(f"{shown_path(path)}: {size}; NeuroCanvas reads {reading.files} of up to {_size_text(limit)}")


def read_regular_file(path: str | os.PathLike, limit: int | None = None, reading: Reading = DATA) -> bytes:
    """The bytes of the regular file ``path``; the reading's error (a DatasetError for data) for
    anything else or anything larger than ``limit`` (default ``MAX_FILE_BYTES``)."""
    path = Path(path)
    limit = MAX_FILE_BYTES if limit is None else limit
    fd, size = _open_regular(path, reading)
    if size > limit:
        os.close(fd)
        raise _too_large(path, _size_text(size), limit, reading)
    with os.fdopen(fd, "rb") as f:
        try:
            # A file may hold more than its size says (/proc) or grow while read: count as it comes.
            blocks = [f.read(size)] if size else []
            total = len(blocks[0]) if blocks else 0
            while block := f.read(_READ_BLOCK):
                total += len(block)
                if total > limit:
                    raise _too_large(path, f"more than {_size_text(limit)}", limit, reading)
                blocks.append(block)
        except OSError as exc:
            raise reading.error(f"{shown_path(path)}: cannot be read ({exc.strerror or exc})") from None
    return blocks[0] if len(blocks) == 1 else b"".join(blocks)


def read_file_head(path: str | os.PathLike, limit: int) -> tuple[bytes, int]:
    """The first ``limit`` bytes of the regular file ``path`` and its size (a preview's read)."""
    path = Path(path)
    fd, size = _open_regular(path, DATA)
    with os.fdopen(fd, "rb") as f:
        try:
            return f.read(limit), size
        except OSError as exc:
            raise DatasetError(f"{shown_path(path)}: cannot be read ({exc.strerror or exc})") from None


def is_within(path: str | os.PathLike, folder: str | os.PathLike) -> bool:
    """Whether ``path``, links followed, lies in ``folder`` or below it."""
    real, root = os.path.realpath(path), os.path.realpath(folder)
    try:
        return os.path.commonpath([real, root]) == root
    except ValueError:  # another drive on Windows
        return False
