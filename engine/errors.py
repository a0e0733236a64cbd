"""Typed errors the engine raises; every message names what is at fault."""


class NeuroCanvasError(Exception):
    """Base of every error the engine reports to a user."""


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
