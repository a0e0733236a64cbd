"""Parameters trained elsewhere (the exported train.py, on a GPU or under torchrun) come back into
the project, checked against its graph (issue 12)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import PROJECTS
from engine.export import ExportError, Predictor, export_torch, import_parameters
from engine.project import load_project
from tests.test_export_common import raw_features


def test_parameters_trained_by_the_exported_script_come_back_and_predict_as_the_exported_model(tmp_path):
    torch = pytest.importorskip("torch")
    project = load_project(PROJECTS / "07-iris.ncproj")
    folder = export_torch(project, tmp_path / "out")
    trained = tmp_path / "trained_parameters.npz"
    done = subprocess.run([sys.executable, "train.py", "--epochs", "3", "--quiet", "--output", str(trained)],
                          cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    parameters = import_parameters(project, trained)
    moved = max(float(np.abs(parameters[k] - v).max()) for k, v in project.parameters.items()) \
        if project.parameters else 1.0
    assert moved > 1e-4, "training elsewhere changed them"
    project.parameters = parameters

    sys.path.insert(0, str(folder))
    try:
        import importlib.util
        spec = importlib.util.spec_from_file_location("iris_model", folder / "model.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(folder))
    net = module.load_parameters(module.Net(), trained).eval()
    x = raw_features(project)
    with torch.no_grad():
        expected = net(module.prepare(x)).numpy()
    np.testing.assert_allclose(Predictor(project).outputs(x), expected, rtol=1e-5, atol=1e-6)


def test_an_archive_for_another_graph_is_refused_naming_the_array(tmp_path):
    project = load_project(PROJECTS / "xor.ncproj")
    path = tmp_path / "other.npz"
    np.savez(path, **{"h.weight": np.zeros((5, 2)), "h.bias": np.zeros(5), "out.weight": np.zeros((1, 5)),
                      "out.bias": np.zeros(1)})
    with pytest.raises(ExportError, match=r"other.npz: h.weight has shape \[2, 5\] but the graph needs \[2, 4\]"):
        import_parameters(project, path)
    np.savez(path, something=np.zeros(3))
    with pytest.raises(ExportError, match=r"other.npz: no array 'h.weight' for the graph's h.weight \(4 missing"):
        import_parameters(project, path)
    path.write_bytes(b"not an archive")
    with pytest.raises(ExportError, match="other.npz: not a parameters archive"):
        import_parameters(project, path)


def test_the_command_line_writes_the_project_with_the_imported_parameters(tmp_path):
    import subprocess as sp
    project = load_project(PROJECTS / "xor.ncproj")
    from engine.export import compile_project
    from engine.export.torch_export import to_torch_state
    network = compile_project(project, require_trained=False)
    state = {k: v + 0.5 for k, v in to_torch_state(network).items()}
    np.savez(tmp_path / "trained_parameters.npz", **state)
    out = tmp_path / "imported.ncproj"
    done = sp.run([sys.executable, "main.py", "import", str(PROJECTS / "xor.ncproj"), "--parameters",
                   str(tmp_path / "trained_parameters.npz"), "--output", str(out)],
                  capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    np.testing.assert_array_equal(load_project(out).parameters["h.weight"], state["h.weight"].T.astype(np.float32))
