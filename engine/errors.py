"""Typed errors the engine raises; every message names what is at fault."""


class NeuroCanvasError(Exception):
    """Base of every error the engine reports to a user.

    It may carry several messages (a file with many problems): ``messages`` lists them all,
    ``str()`` gives the first and how many more there are, for a one-line report.
    """

    def __init__(self, message: str, *more: str) -> None:
        super().__init__(message)
        self.messages = [message, *more]

    def __str__(self) -> str:
        first = self.messages[0]
        extra = len(self.messages) - 1
        return f"{first} (and {extra} more problem{'s' if extra > 1 else ''})" if extra else first


class GraphError(NeuroCanvasError):
    """An edit the graph refuses (unknown node, port already wired, cycle...)."""


class ParamError(NeuroCanvasError):
    """A parameter value outside its declared type, range or choices."""


class DatasetError(NeuroCanvasError):
    """A dataset that cannot be loaded: names the file, row and column."""


class ProjectError(NeuroCanvasError):
    """A project file that cannot be read: names the key path."""


class TrainingError(NeuroCanvasError):
    """Training cannot start (invalid graph, data that does not fit)."""
