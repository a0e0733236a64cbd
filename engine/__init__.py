"""NeuroCanvas engine: everything that is not a screen.

Graph model, node types, validation, the NumPy model, optimizers, the trainer,
datasets, project files and the command line. Never imports Qt or the editor.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
PROJECTS = ROOT / "projects"
