"""Taking a trained network out of NeuroCanvas: ONNX and PyTorch export, and predictions.

- ``export_onnx(project, path)``: the network as an ONNX model (needs the ``onnx`` package).
- ``export_torch(project, folder)``: a PyTorch module, its parameters, its data and a training script.
- ``Predictor(project)`` / ``predict_rows(project, x_raw)``: predictions for rows of raw features.

Like the rest of the engine, nothing here imports Qt; ``onnx`` is imported only when exporting to
ONNX, and the PyTorch export writes text and numpy archives without importing torch.
"""
from .common import ExportError, Network, compile_project, not_trained_message
from .onnx_export import build_onnx_model, export_onnx
from .predict import Predictor, predict_csv, predict_rows, read_features_csv, write_predictions_csv
from .torch_export import export_torch, from_torch_state, import_parameters, to_torch_state

__all__ = [
    "ExportError", "Network", "Predictor", "build_onnx_model", "compile_project", "export_onnx",
    "export_torch", "from_torch_state", "import_parameters", "not_trained_message", "predict_csv", "predict_rows",
    "read_features_csv", "to_torch_state", "write_predictions_csv",
]
