"""The registry of node kinds. A kind is one file in this package and one ``register`` call below;
validation, the model, the exports, the views, the palette and the inspector ask it."""
from __future__ import annotations

from dataclasses import dataclass

from . import activations, losses
from .activations import Activation
from .base import (Layer, LoweringContext, NodeType, Parameter, Shape, ShapeError, TorchLowering, format_shape,
                   is_image)
from .convolution import Conv2D
from .dense import Dense
from .dropout import Dropout
from .input import Input
from .losses import Loss
from .maxout import Maxout
from .merge import Add, Concat
from .normalization import BatchNorm, LayerNorm
from .pooling import AvgPool2D, MaxPool2D
from .reshaping import Flatten, Reshape

NODE_TYPES: dict[str, NodeType] = {}
# Palette groups, in the palette's order.
CATEGORIES = ("data", "layers", "activations", "convolution", "normalization", "shape", "merge", "losses")


def register(kind: NodeType) -> NodeType:
    if kind.category not in CATEGORIES:
        raise ValueError(f"{kind.name}: unknown category {kind.category!r}")
    NODE_TYPES[kind.name] = kind
    return kind


for _kind in (Input(), Dense(), Dropout(), Maxout(), Activation(), Conv2D(), MaxPool2D(), AvgPool2D(), BatchNorm(),
              LayerNorm(), Flatten(), Reshape(), Add(), Concat(), Loss()):
    register(_kind)


def node_type(name: str) -> NodeType:
    return NODE_TYPES[name]


@dataclass(frozen=True)
class PaletteEntry:
    """One thing a person can drag onto the canvas: a kind with some params preset."""

    label: str
    category: str
    type: str
    params: dict
    help: str
    formula: str = ""


def palette_entries() -> list[PaletteEntry]:
    """Every kind, with each activation function and each loss function as its own entry."""
    entries = []
    for kind in NODE_TYPES.values():
        if kind.functions:
            entries += [
                PaletteEntry(f.label, kind.category, kind.name, {"function": key}, f.help, f.formula)
                for key, f in kind.functions.items()
            ]
        else:
            entries.append(PaletteEntry(kind.name, kind.category, kind.name, {}, kind.help))
    return entries


__all__ = [
    "CATEGORIES", "NODE_TYPES", "Layer", "activations", "losses", "LoweringContext", "NodeType", "PaletteEntry", "Parameter", "Shape",
    "ShapeError", "TorchLowering", "format_shape", "is_image", "node_type", "palette_entries", "register",
]
