"""The node canvas: a QGraphicsScene that draws an engine Graph, and the view that shows it."""
from .scene import GraphScene
from .view import GraphView

__all__ = ["GraphScene", "GraphView"]
