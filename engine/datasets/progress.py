"""How far a long load has come, and how a front end stops it.

A loader takes ``progress``: a callable given the share done so far (0 to 1), now and then — at
least once per chunk of rows. To stop the load, the callable raises ``Cancelled``; the loader lets
it through and leaves nothing half-made behind (the caller gets no dataset).
"""
from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float], None]


class Cancelled(Exception):
    """A load stopped on request (raised by its progress callback). Not an error of the data."""


def part(progress: Progress | None, start: float, end: float) -> Progress | None:
    """``progress`` for one part of the work: that part's share f reported as start + f · (end − start)."""
    if progress is None:
        return None
    return lambda done: progress(start + min(max(done, 0.0), 1.0) * (end - start))
