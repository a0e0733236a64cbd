"""Show the math: one sample through the network with its real numbers (issue 11).

``Explainer`` (explainer.py) is the entry point: ``Explainer.for_project(project)``, then
``explain(sample, node, unit)`` for the lines of one unit's forward, backward and update, and
``step(...)`` to take that update for real. ``notation`` renders numbers and formulas,
``formulas`` writes out each activation and loss, ``update`` each optimizer's rule, ``passes``
records one sample's forward and backward, ``command`` is ``python main.py explain``.
"""
from .explainer import ExplainError, Explainer, Explanation, Sample, StepResult
from .node import Chain, Factor
from .notation import Line, number

__all__ = ["Chain", "ExplainError", "Explainer", "Explanation", "Factor", "Line", "Sample", "StepResult", "number"]
