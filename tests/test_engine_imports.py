"""The house rule: the engine knows no screen."""
import subprocess
import sys

from engine import ROOT

CHECK = """
import importlib, pkgutil, sys
for blocked in ("PySide6", "pyqtgraph", "editor"):
    sys.modules[blocked] = None  # any import of these now raises ImportError
import engine
names = [m.name for m in pkgutil.walk_packages(engine.__path__, "engine.")]
for name in names:
    importlib.import_module(name)
print(len(names))
"""


def test_every_engine_module_imports_without_qt_pyqtgraph_or_editor():
    result = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 10
