"""Installed like any Python application: the wheel carries the examples and the bundled datasets."""
import subprocess
import sys
import zipfile

from engine import PROJECTS, RESOURCES, ROOT


def test_a_checkout_reads_the_top_level_folders():
    assert PROJECTS == ROOT / "projects" and RESOURCES == ROOT / "resources"


def test_the_wheel_ships_examples_and_datasets_that_the_installed_engine_finds(tmp_path):
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
                            str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next((tmp_path / "dist").glob("neurocanvas-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    examples = {f"engine/projects/{p.name}" for p in [*PROJECTS.glob("*.ncproj"), *PROJECTS.glob("*.csv")]}
    datasets = {f"engine/resources/datasets/{p.name}" for p in (RESOURCES / "datasets").glob("*.csv")}
    assert examples and datasets and examples | datasets <= names
    # the wheel's files alone, first on the path (as in site-packages), run from elsewhere
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    code = ("import engine, main, sys; assert engine.__file__.startswith(sys.argv[1]), engine.__file__; "
            "sys.exit(main.main(['info', str(engine.PROJECTS / '07-iris.ncproj')]))")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "site")], capture_output=True, text=True,
                            cwd=tmp_path, env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "site/engine/projects/07-iris.ncproj" in result.stdout and "150 samples" in result.stdout
