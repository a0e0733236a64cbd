"""The registry of node types; the editor's palette and inspector read it."""
from __future__ import annotations

from dataclasses import dataclass

from . import activations, losses
from .activations import Activation
from .base import Layer, NodeType, ShapeError
from .layers import Add, Concat, Dense, Dropout, Input, Maxout
from .losses import Loss

NODE_TYPES: dict[str, NodeType] = {
    t.name: t for t in (Input(), Dense(), Dropout(), Maxout(), Activation(), Add(), Concat(), Loss())
}
CATEGORIES = ("data", "layers", "activations", "merge", "losses")


def node_type(name: str) -> NodeType:
    return NODE_TYPES[name]


@dataclass(frozen=True)
class PaletteEntry:
    """One thing a person can drag onto the canvas: a type with some params preset."""

    label: str
    category: str
    type: str
    params: dict
    help: str
    formula: str = ""


def palette_entries() -> list[PaletteEntry]:
    """Every node type, with each activation and each loss as its own entry."""
    entries = []
    for t in NODE_TYPES.values():
        if t.name == "Activation":
            entries += [
                PaletteEntry(f.label, t.category, t.name, {"function": key}, f.help, f.formula)
                for key, f in activations.FUNCTIONS.items()
            ]
        elif t.name == "Loss":
            entries += [
                PaletteEntry(f.label, t.category, t.name, {"function": key}, f.help, f.formula)
                for key, f in losses.FUNCTIONS.items()
            ]
        else:
            entries.append(PaletteEntry(t.name, t.category, t.name, {}, t.help))
    return entries


__all__ = [
    "CATEGORIES", "NODE_TYPES", "Layer", "NodeType", "PaletteEntry", "ShapeError",
    "node_type", "palette_entries",
]
