"""The trained network as an ONNX model (needs the optional ``onnx`` package).

The model takes raw features — input ``input``, float32, shape (batch, features) with a
dynamic batch — and gives the output node's values as ``output``: probabilities after a
softmax or sigmoid, raw values otherwise, exactly what ``Model.predict`` gives. When the
dataset is standardized, the standardization (``(x − mean) / std``) is the model's first step.
The model's metadata (``metadata_props``) names the features, the classes or targets and says
what the output is. Loss nodes are left out; with several losses, the first loss's input is
the output.

Every node kind lowers itself to standard operators of opset 17 (``NodeType.onnx`` in
engine/nodes/): Dense → Gemm (MatMul without a bias), Conv2D → Conv, BatchNorm → BatchNormalization
with the running statistics, and so on.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..project import Project
from .common import ExportError, Network, compile_project

OPSET = 17
INPUT, OUTPUT = "input", "output"
MISSING = "ONNX export needs the onnx package: pip install -e '.[export]'"


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ExportError(MISSING) from None
    return onnx


class _Builder:
    """Collects nodes and initializers; every tensor is named after the graph node it comes from."""

    def __init__(self, onnx) -> None:
        self.onnx = onnx
        self.helper = onnx.helper
        self.nodes: list = []
        self.initializers: list = []
        self.names: set[str] = set()

    def constant(self, name: str, value, dtype: str = "float32") -> str:
        array = np.asarray(value, dtype=dtype)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name=self.unique(name)))
        return self.initializers[-1].name

    def scalar(self, name: str, value: float) -> str:
        return self.constant(name, value)

    def op(self, op_type: str, inputs: list[str], output: str, **attributes) -> str:
        output = self.unique(output)
        self.nodes.append(self.helper.make_node(op_type, inputs, [output], name=output, **attributes))
        return output

    def unique(self, name: str) -> str:
        base, k = name, 1
        while name in self.names:
            k += 1
            name = f"{base}_{k}"
        self.names.add(name)
        return name


def build_onnx_model(network: Network):
    """The network as an ``onnx.ModelProto`` (checked with ``onnx.checker``)."""
    onnx = _onnx()
    helper = onnx.helper
    b = _Builder(onnx)
    b.names.update((INPUT, OUTPUT))
    ds = network.dataset
    features = INPUT
    if network.standardized:
        mean = b.constant("standardize.mean", ds.mean.astype(np.float32))
        std = b.constant("standardize.std", ds.std.astype(np.float32))
        centred = b.op("Sub", [INPUT, mean], "standardize.centred")
        features = b.op("Div", [centred, std], "standardized_input")
    model = network.model
    tensor = {}
    for node_id in model.input_ids + network.prediction_nodes:
        sources = [tensor[s] for s in model.sources[node_id]] or [features]
        try:
            tensor[node_id] = model.kinds[node_id].onnx(b, network.context(node_id, node_id, sources))
        except NotImplementedError as e:
            raise ExportError(f"node '{node_id}': {e}") from None
    b.nodes.append(helper.make_node("Identity", [tensor[network.output_id]], [OUTPUT], name=OUTPUT))

    width = network.width(network.output_id)
    graph = helper.make_graph(
        b.nodes, network.project.name or "network",
        [helper.make_tensor_value_info(INPUT, onnx.TensorProto.FLOAT, ["batch", network.n_features])],
        [helper.make_tensor_value_info(OUTPUT, onnx.TensorProto.FLOAT, ["batch", width])],
        b.initializers,
    )
    proto = helper.make_model(
        graph, producer_name="NeuroCanvas", opset_imports=[helper.make_opsetid("", OPSET)],
        doc_string=_doc(network),
    )
    proto.ir_version = min(proto.ir_version, 8)  # opset 17 runs on runtimes from 2022 on
    helper.set_model_props(proto, network.metadata())
    onnx.checker.check_model(proto, full_check=True)
    return proto


def _doc(network: Network) -> str:
    ds = network.dataset
    what = {
        "probabilities": f"class probabilities ({', '.join(ds.class_names)})",
        "scores": f"class scores ({', '.join(ds.class_names)}), not probabilities",
        "values": f"predicted {', '.join(ds.target_names)}",
    }[network.output_kind]
    scaled = " (standardized inside the model)" if network.standardized else ""
    return (f"{network.project.name}, exported from NeuroCanvas after {network.project.epoch} epochs. "
            f"input: raw features {', '.join(ds.feature_names)}{scaled}; output: {what}.")


def export_onnx(project: Project, path: str | os.PathLike, dataset=None) -> Path:
    """Write the trained project's network to ``path`` as an ONNX model; returns the path."""
    onnx = _onnx()
    model = build_onnx_model(compile_project(project, dataset, require_trained=True))
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    onnx.save_model(model, str(tmp))
    os.replace(tmp, path)
    return path
