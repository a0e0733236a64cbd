"""The trained network as an ONNX model (needs the optional ``onnx`` package).

The model takes raw features — input ``input``, float32, shape (batch, features) with a
dynamic batch — and gives the output node's values as ``output``: probabilities after a
softmax or sigmoid, raw values otherwise, exactly what ``Model.predict`` gives. When the
dataset is standardized, the standardization (``(x − mean) / std``) is the model's first step.
The model's metadata (``metadata_props``) names the features, the classes or targets and says
what the output is. Loss nodes are left out; with several losses, the first loss's input is
the output.

Every node maps to standard operators of opset 17: Dense → Gemm (MatMul without a bias),
Maxout → Gemm, Reshape, ReduceMax; Dropout → Identity; Add → Add; Concat → Concat(axis 1);
activations → their operator, with GELU (tanh approximation), Swish and Mish composed from
primitives and the step function as Greater + Cast.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from ..nodes.activations import SELU_ALPHA, SELU_SCALE
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

    def constant(self, name: str, value: np.ndarray) -> str:
        array = np.asarray(value)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name=self.unique(name)))
        return self.initializers[-1].name

    def scalar(self, name: str, value: float) -> str:
        return self.constant(name, np.array(value, dtype=np.float32))

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


def _activation(b: _Builder, node_id: str, function: str, params: dict, z: str, network: Network) -> str:
    if function == "identity":
        return b.op("Identity", [z], node_id)
    if function == "step":
        positive = b.op("Greater", [z, b.scalar(f"{node_id}.zero", 0.0)], f"{node_id}.positive")
        return b.op("Cast", [positive], node_id, to=b.onnx.TensorProto.FLOAT)
    simple = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu", "softplus": "Softplus"}
    if function in simple:
        return b.op(simple[function], [z], node_id)
    if function == "leaky_relu":
        return b.op("LeakyRelu", [z], node_id, alpha=float(params["negative_slope"]))
    if function == "elu":
        return b.op("Elu", [z], node_id, alpha=float(params["alpha"]))
    if function == "selu":
        return b.op("Selu", [z], node_id, alpha=SELU_ALPHA, gamma=SELU_SCALE)
    if function == "softmax":
        return b.op("Softmax", [z], node_id, axis=1)
    if function == "prelu":
        slope = b.constant(f"{node_id}.slope", network.parameter(f"{node_id}.slope").astype(np.float32))
        return b.op("PRelu", [z, slope], node_id)
    if function == "swish":  # z·σ(z)
        return b.op("Mul", [z, b.op("Sigmoid", [z], f"{node_id}.sigmoid")], node_id)
    if function == "mish":  # z·tanh(softplus(z))
        soft = b.op("Softplus", [z], f"{node_id}.softplus")
        return b.op("Mul", [z, b.op("Tanh", [soft], f"{node_id}.tanh")], node_id)
    if function == "gelu":  # ½·z·(1 + tanh(√(2/π)·(z + 0.044715·z³)))
        cube = b.op("Pow", [z, b.scalar(f"{node_id}.three", 3.0)], f"{node_id}.cube")
        scaled = b.op("Mul", [cube, b.scalar(f"{node_id}.k", 0.044715)], f"{node_id}.scaled_cube")
        inner = b.op("Add", [z, scaled], f"{node_id}.inner")
        arg = b.op("Mul", [inner, b.scalar(f"{node_id}.c", math.sqrt(2.0 / math.pi))], f"{node_id}.arg")
        t = b.op("Tanh", [arg], f"{node_id}.tanh")
        one_plus = b.op("Add", [t, b.scalar(f"{node_id}.one", 1.0)], f"{node_id}.one_plus")
        half_z = b.op("Mul", [z, b.scalar(f"{node_id}.half", 0.5)], f"{node_id}.half_z")
        return b.op("Mul", [half_z, one_plus], node_id)
    raise ExportError(f"node '{node_id}': the activation '{function}' has no ONNX mapping")


def _dense(b: _Builder, node_id: str, x: str, network: Network, output: str) -> str:
    weight = b.constant(f"{node_id}.weight", network.parameter(f"{node_id}.weight").astype(np.float32))
    if f"{node_id}.bias" in network.model.parameters:
        bias = b.constant(f"{node_id}.bias", network.parameter(f"{node_id}.bias").astype(np.float32))
        return b.op("Gemm", [x, weight, bias], output)
    return b.op("MatMul", [x, weight], output)


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
    tensor = {node_id: features for node_id in network.model.input_ids}
    for node_id in network.prediction_nodes:
        node = network.node(node_id)
        sources = [tensor[s] for s in network.model.sources[node_id]]
        kind = node.type
        if kind == "Dense":
            tensor[node_id] = _dense(b, node_id, sources[0], network, node_id)
        elif kind == "Maxout":
            units, pieces = node.params["units"], node.params["pieces"]
            linear = _dense(b, node_id, sources[0], network, f"{node_id}.linear")
            shape = b.constant(f"{node_id}.shape", np.array([-1, units, pieces], dtype=np.int64))
            pieces_out = b.op("Reshape", [linear, shape], f"{node_id}.pieces")
            tensor[node_id] = b.op("ReduceMax", [pieces_out], node_id, axes=[2], keepdims=0)
        elif kind == "Dropout":
            tensor[node_id] = b.op("Identity", sources, node_id)
        elif kind == "Activation":
            tensor[node_id] = _activation(b, node_id, node.params["function"], node.params, sources[0], network)
        elif kind == "Add":
            total = sources[0]
            for k, source in enumerate(sources[1:], 2):  # in port order, as the engine adds
                total = b.op("Add", [total, source], node_id if k == len(sources) else f"{node_id}.sum{k}")
            tensor[node_id] = total
        elif kind == "Concat":
            tensor[node_id] = b.op("Concat", sources, node_id, axis=1)
        else:
            raise ExportError(f"node '{node_id}': the type {kind} has no ONNX mapping")
    b.nodes.append(helper.make_node("Identity", [tensor[network.output_id]], [OUTPUT], name=OUTPUT))

    width = network.width(network.output_id)
    graph = helper.make_graph(
        b.nodes, network.project.name or "network",
        [helper.make_tensor_value_info(INPUT, onnx.TensorProto.FLOAT, ["batch", network.n_features])],
        [helper.make_tensor_value_info(OUTPUT, onnx.TensorProto.FLOAT, ["batch", width])],
        b.initializers,
    )
    model = helper.make_model(
        graph, producer_name="NeuroCanvas", opset_imports=[helper.make_opsetid("", OPSET)],
        doc_string=_doc(network),
    )
    model.ir_version = min(model.ir_version, 8)  # opset 17 runs on runtimes from 2022 on
    helper.set_model_props(model, network.metadata())
    onnx.checker.check_model(model, full_check=True)
    return model


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
