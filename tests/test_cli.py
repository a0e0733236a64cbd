"""The command line through a real subprocess: output, files written and exit codes."""
import json
import os
import signal
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
    (("train", "missing.ncproj"), "missing.ncproj: file not found"),
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


# ---- never a traceback, never "internal error", never lost work ---------------------------------------
def one_line_error(result, *fragments):
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("neurocanvas: "), result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


def write_project(tmp_path, name, change, text=None):
    data = json.loads(XOR.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / name
    path.write_text(text or json.dumps(data, allow_nan=True), encoding="utf-8", errors="surrogatepass")
    return path


@pytest.mark.parametrize("change,fragment", [
    (lambda d: d["graph"]["nodes"][0].update(type={"a": 1}), "unknown type {'a': 1}"),
    (lambda d: d["graph"]["nodes"][0].update(position=[10**400, 0]), "position[0]: an integer of about 401 digits"),
    (lambda d: d["training"].update(validation_split=10**400), "training.validation_split"),
    (lambda d: d.update(dataset={"source": "inline", "x": [[0, 0], [1, 1]], "y": [0, 2**63]}), "dataset.y[1]"),
    (lambda d: d.update(state={"parameters": {"h.weight": {"dtype": "float32", "shape": [2**63, 0], "data": ""}}}),
     "shape[0]: 9223372036854775808 is out of range"),
    (lambda d: d.update(state={"parameters": {"h.weight": {"dtype": "float32", "shape": [2] * 100_000, "data": ""}}}),
     "has 100000 dimensions"),
])
def test_files_that_once_raised_are_one_line(tmp_path, change, fragment):
    one_line_error(run("info", write_project(tmp_path, "odd.ncproj", change)), fragment)


def test_json_nested_1000_deep_is_one_line(tmp_path):
    path = tmp_path / "deep.ncproj"
    path.write_text('{"format": "neurocanvas-project", "version": 1, "graph": ' + "[" * 1000 + "]" * 1000 + "}")
    one_line_error(run("validate", path), "nested too deeply")


@pytest.mark.parametrize("change,fragment", [
    (lambda d: d["graph"]["nodes"][1].update(position=[float("inf"), 0]), "Infinity is not a finite number"),
    (lambda d: d.update(name="\ud800"), "name: holds a lone surrogate"),
])
def test_train_refuses_what_it_could_not_save_before_training(tmp_path, change, fragment):
    result = run("train", write_project(tmp_path, "odd.ncproj", change), "-q", "-o", tmp_path / "out.ncproj")
    one_line_error(result, fragment)
    assert "trained" not in result.stdout and not (tmp_path / "out.ncproj").exists()


def test_an_unknown_command_lists_the_commands_and_starts_no_editor():
    line = one_line_error(run("explian", "x.ncproj"), "unknown command 'explian'")
    assert "train, validate, info, predict, export, explain, import, render" in line
    one_line_error(run("tran", XOR), "did you mean 'train'?")
    one_line_error(run(XOR, XOR), "one project at a time")


def test_without_a_display_the_editor_says_so_instead_of_aborting_in_qt():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), str(XOR)], capture_output=True, text=True,
                            timeout=120, env={**env, "HOME": "/nonexistent"}) if sys.platform.startswith("linux") else None
    if result is None:
        pytest.skip("X11 only")
    one_line_error(result, "no display", "DISPLAY is not set")


def test_the_missing_xcb_cursor_library_is_named_with_the_package_to_install():
    from editor.app import display_problem

    x11 = {"DISPLAY": ":0"}
    assert display_problem(x11, "linux", lambda name: None).startswith("the editor needs the system library libxcb-cursor0")
    assert display_problem(x11, "linux", lambda name: f"lib{name}.so.0") is None
    assert display_problem({**x11, "QT_QPA_PLATFORM": "offscreen"}, "linux", lambda name: None) is None
    assert display_problem({}, "darwin", lambda name: None) is None


def test_export_onnx_to_a_folder_is_refused_in_one_line(tmp_path):
    one_line_error(run("export", XOR, "--onnx", "/"), "/: is a folder; give a file name")


def test_train_refuses_an_output_it_could_not_write_before_training(tmp_path):
    result = run("train", XOR, "-q", "--output", tmp_path / "missing" / "out.ncproj")
    one_line_error(result, "the folder", "does not exist")
    assert "trained" not in result.stdout
    one_line_error(run("train", XOR, "-q", "--output", tmp_path), "is a folder")


def test_train_keeps_the_result_when_the_output_cannot_be_written_after_training(tmp_path):
    folder, work = tmp_path / "results", tmp_path / "work"
    folder.mkdir(), work.mkdir()
    process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "train", str(XOR), "--epochs", "1000000",
                                "--output", str(folder / "out.ncproj")],
                               cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr.read(1)  # the progress bar: training has begun
    folder.rmdir()  # the output's folder goes away while it trains
    process.send_signal(signal.SIGINT)  # Ctrl+C: stop after this batch and write
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 2 and "Traceback" not in stderr
    assert "out.ncproj: cannot be written" in stderr.splitlines()[-1]
    kept = list(work.glob("out-trained-*.ncproj"))
    assert len(kept) == 1 and str(kept[0]) in stderr
    assert load_project(kept[0]).epoch > 0


def test_train_in_place_keeps_the_files_permissions(tmp_path):
    path = tmp_path / "mine.ncproj"
    path.write_bytes(XOR.read_bytes())
    os.chmod(path, 0o644)
    assert run("train", path, "--epochs", "2", "-q", "--in-place").returncode == 0
    assert os.stat(path).st_mode & 0o777 == 0o644 and load_project(path).epoch == 2


def test_train_on_a_graph_with_errors_is_one_line_with_the_count(tmp_path):
    path = write_project(tmp_path, "cut.ncproj", lambda d: d["graph"].update(edges=d["graph"]["edges"][1:3]))
    d = json.loads(path.read_text(encoding="utf-8"))
    d["graph"]["nodes"].append({"id": "loss2", "type": "Loss", "position": [0, 300], "params": {}})
    path.write_text(json.dumps(d), encoding="utf-8")
    one_line_error(run("train", path, "-q"), "cannot train, the graph has errors: loss:in: its input is not wired",
                   "(and 1 more problem)")


@pytest.mark.parametrize("scale,fragment", [
    ("inf", "--scale must be a number above 0, got inf"),
    ("nan", "--scale must be a number above 0"),
    ("0", "--scale must be a number above 0"),
    ("1e6", "more than one image holds"),
])
def test_render_scales_that_cannot_be_drawn_are_one_line(tmp_path, scale, fragment):
    one_line_error(run("render", XOR, "--output", tmp_path / "x.png", "--scale", scale), fragment)


def test_predict_on_a_one_class_dataset_is_one_line(tmp_path):
    (tmp_path / "one.csv").write_text("a,b,target\n1,2,x\n3,4,x\n5,6,x\n", encoding="utf-8")

    def one_class(data):
        data["dataset"] = {"source": "csv", "path": "one.csv", "target": "target"}
        data["training"].update(validation_split=0, epochs=5)

    path = write_project(tmp_path, "one.ncproj", one_class)
    assert run("train", path, "-q", "--in-place").returncode == 0
    one_line_error(run("predict", path, "--input", tmp_path / "one.csv"), "the dataset has only one class (x)")
