"""The command line through a real subprocess: output, files written and exit codes."""
import json
import subprocess
import sys

import pytest

from engine import PROJECTS, ROOT
from engine.project import load_project

XOR = PROJECTS / "xor.ncproj"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=120)


def test_train_writes_output_and_leaves_input_untouched(tmp_path):
    before = XOR.read_bytes()
    out = tmp_path / "trained.ncproj"
    result = run("train", XOR, "--epochs", "20", "--output", out)
    assert result.returncode == 0, result.stderr
    assert "trained 20 epochs" in result.stdout and f"wrote {out}" in result.stdout
    assert "val_accuracy" in result.stdout and "samples/s" in result.stdout
    assert "epoch 20" in result.stderr  # the progress bar
    assert XOR.read_bytes() == before
    trained = load_project(out)
    assert trained.epoch == 20 and len(trained.history["loss"]) == 20 and trained.parameters
    again = run("train", out, "--epochs", "5", "--quiet", "--in-place")
    assert again.returncode == 0 and again.stderr == ""
    assert load_project(out).epoch == 25


def test_train_without_output_says_nothing_was_written():
    result = run("train", XOR, "--epochs", "2", "-q")
    assert result.returncode == 0 and "nothing was written" in result.stdout


def test_train_reports_divergence_with_exit_1(tmp_path):
    data = json.loads(XOR.read_text(encoding="utf-8"))
    data["training"]["optimizer"] = {"name": "sgd", "learning_rate": 1e6}
    path = tmp_path / "hot.ncproj"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run("train", path, "-q", "--output", tmp_path / "out.ncproj")
    assert result.returncode == 1
    assert "learning rate 1e+06 is probably too high" in result.stdout
    assert load_project(tmp_path / "out.ncproj").parameters  # the last finite parameters are kept


def test_train_warns_when_the_loss_rises_but_stays_finite(tmp_path):
    data = json.loads(XOR.read_text(encoding="utf-8"))
    data["training"]["optimizer"] = {"name": "adam", "learning_rate": 100}
    data["training"]["epochs"] = 3
    path = tmp_path / "warm.ncproj"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run("train", path, "-q", "--output", tmp_path / "out.ncproj")
    assert result.returncode == 0
    assert "warning: the training loss is" in result.stdout
    assert "the learning rate 100 is probably too high — try 10" in result.stdout


def test_validate_and_info():
    result = run("validate", XOR)
    assert result.returncode == 0 and "no problems" in result.stdout
    info = run("info", XOR)
    assert info.returncode == 0
    assert "Dense · 4" in info.stdout and "parameters: 17" in info.stdout and "400 samples" in info.stdout


def test_validate_exits_1_on_errors(tmp_path):
    data = json.loads(XOR.read_text(encoding="utf-8"))
    data["graph"]["edges"] = data["graph"]["edges"][1:]
    path = tmp_path / "cut.ncproj"
    path.write_text(json.dumps(data), encoding="utf-8")
    result = run("validate", path)
    assert result.returncode == 1
    assert "error: h:in: its input is not wired" in result.stdout


@pytest.mark.parametrize("args,message", [
    (("train", "missing.ncproj"), "missing.ncproj: no such file"),
    (("train",), "the following arguments are required: project"),
    (("train", XOR, "--epochs", "0"), "--epochs must be at least 1"),
    (("validate", XOR, "--bogus"), "unrecognized arguments: --bogus"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


def test_broken_project_is_one_line(tmp_path):
    path = tmp_path / "bad.ncproj"
    path.write_text('{"format": "neurocanvas-project", "version": 9}', encoding="utf-8")
    result = run("info", path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "newer NeuroCanvas" in result.stderr


def test_headless_commands_never_import_qt():
    code = (
        "import sys, runpy; sys.argv = ['main.py', 'info', %r]; "
        "import main; main.main(sys.argv[1:]); "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'editor')]; "
        "print('QT', bad)" % str(XOR)
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "QT []" in result.stdout
