"""Smoke test of an installed NeuroCanvas (the wheel, as pip, pipx or an index installs it).

Run it with the installed environment's Python from outside the checkout, so that nothing can be
read from the repository: it opens an example headless in the editor, trains a lesson on a bundled
dataset with the ``neurocanvas`` command and renders it.
"""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import engine

here = Path.cwd()
assert "site-packages" in engine.__file__, f"engine comes from {engine.__file__}, not the installed wheel"
assert (engine.PROJECTS / "xor.ncproj").is_file(), engine.PROJECTS
assert (engine.RESOURCES / "datasets" / "iris.csv").is_file(), engine.RESOURCES
command = Path(sys.executable).with_name("neurocanvas")

with tempfile.TemporaryDirectory() as tmp:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": tmp,
           "XDG_CONFIG_HOME": f"{tmp}/config", "XDG_DATA_HOME": f"{tmp}/data"}

    def run(*args: object) -> str:
        result = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, timeout=300)
        assert result.returncode == 0, f"{args}: {result.stderr}"
        return result.stdout

    lesson = engine.PROJECTS / "07-iris.ncproj"
    opened = run(sys.executable, "-c", (
        "from editor.app import create_application; from editor.main_window import MainWindow; "
        f"app = create_application(); w = MainWindow(); w.open_example(__import__('pathlib').Path({str(lesson)!r})); "
        "d = w.document; print(d.project.name, d.dataset.n_samples, len(d.problems))"))
    assert opened.split() == ["Iris", "150", "0"], opened
    print(run(command, "info", lesson).splitlines()[0])
    print(run(command, "info", engine.PROJECTS / "14-digits-csv.ncproj").splitlines()[0])  # its CSV beside it
    trained = Path(tmp) / "iris.ncproj"
    print(run(command, "train", lesson, "--epochs", "20", "--quiet", "--output", trained).splitlines()[-1])
    print(run(command, "render", trained, "--output", Path(tmp) / "iris.png").strip())
    assert (Path(tmp) / "iris.png").stat().st_size > 1000
print("installed wheel: ok")
