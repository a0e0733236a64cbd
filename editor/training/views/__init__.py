"""The live views: Loss, Weights, Activations, Gradients, Output and Neurons, one per file.

Every plot item is created once (or when the model's kind changes) and updated with
``setData``/``setImage`` from the session's latest data by ``ViewHub``'s ~30 Hz timer,
and only while the view is visible. Images are float32, C-contiguous, with explicit levels.
"""
from .hub import ViewHub

__all__ = ["ViewHub"]
