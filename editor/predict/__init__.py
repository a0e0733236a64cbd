"""The Predict dock: one row of features through the network (see ``panel.py``).

``fields`` (the feature fields and how a pasted row is read), ``row_line`` (a big input's one line),
``numbers`` (how values are written), ``predictor`` (the engine's predictor and the held-out rows),
``prediction_view`` and ``forward_view`` (the painted results), ``panel`` (the dock itself)."""
from .fields import FeatureField, parse_row
from .forward_view import ForwardView
from .numbers import field_text, format_number, percent
from .panel import PredictPanel, install_predict
from .prediction_view import PredictionView

__all__ = ["FeatureField", "ForwardView", "PredictPanel", "PredictionView", "field_text", "format_number",
           "install_predict", "parse_row", "percent"]
