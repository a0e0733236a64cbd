"""NeuroCanvas engine: everything that is not a screen.

Graph model, node types, validation, the NumPy model, optimizers, the trainer,
datasets, project files and the command line. Never imports Qt or the editor.
"""
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _data_folder(name: str) -> Path:
    """An installed wheel holds the folder as package data inside ``engine`` (setup.py maps it
    there); a source checkout, editable install included, holds it at the top level."""
    packaged = files(__name__) / name
    return Path(str(packaged)) if packaged.is_dir() else ROOT / name


RESOURCES = _data_folder("resources")
PROJECTS = _data_folder("projects")
