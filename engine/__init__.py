"""NeuroCanvas engine: everything that is not a screen.

Graph model, node types, validation, the NumPy model, optimizers, the trainer,
datasets, project files and the command line. Never imports Qt or the editor.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
PROJECTS = ROOT / "projects"
# The bundled examples in teaching order (File → Examples, the README's table); a file not listed comes last.
LESSONS = ("01-one-weight", "02-perceptron", "03-logistic-regression", "xor", "05-circles", "05-moons", "06-spiral",
           "07-iris", "08-digits", "09-sine-regression", "10-vanishing-gradients", "11-branches")


def examples() -> list[Path]:
    """The example projects in projects/, in teaching order."""
    paths = sorted(PROJECTS.glob("*.ncproj"))
    return sorted(paths, key=lambda p: (LESSONS.index(p.stem) if p.stem in LESSONS else len(LESSONS), p.stem))
