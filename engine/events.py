"""A tiny observer: views subscribe to model changes without the model knowing them."""
from collections.abc import Callable


class Event:
    """A list of callbacks called in subscription order by ``emit``."""

    def __init__(self) -> None:
        self._subscribers: list[Callable] = []

    def sub(self, callback: Callable) -> None:
        self._subscribers.append(callback)

    def unsub(self, callback: Callable) -> None:
        self._subscribers.remove(callback)

    def emit(self, *args) -> None:
        for callback in list(self._subscribers):
            callback(*args)
