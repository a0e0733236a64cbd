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

# The bundled examples in teaching order (File → Examples, the README's table); a file not listed comes last.
LESSONS = ("00-worked-example", "01-one-weight", "02-perceptron", "03-logistic-regression", "04-momentum", "xor",
           "05-circles", "05-moons", "06-spiral", "07-iris", "08-digits", "09-sine-regression", "10-vanishing-gradients",
           "11-branches", "12-digits-cnn", "13-batch-normalization",
           "14-digits-csv")


def examples() -> list[Path]:
    """The example projects in projects/, in teaching order."""
    paths = sorted(PROJECTS.glob("*.ncproj"))
    return sorted(paths, key=lambda p: (LESSONS.index(p.stem) if p.stem in LESSONS else len(LESSONS), p.stem))
