"""Any view as a figure: ``render --view`` draws each view of each trained example without a display, and every
view exports its plots to PNG and SVG from its context menu."""
from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QFileDialog

from editor import style
from editor.figures import VIEWS, render_view
from engine import PROJECTS, ROOT
from engine.project import load_project, save_project

from tests.editor_helpers import open_window

EXAMPLES = sorted(PROJECTS.glob("*.ncproj"))
EPOCHS = 3


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Every example after a few epochs, saved: name -> path."""
    folder = tmp_path_factory.mktemp("trained")
    for data in PROJECTS.glob("*.csv"):  # an example's own data file, beside it (lesson 14's digits.csv)
        shutil.copy(data, folder)
    out = {}
    for path in EXAMPLES:
        project = load_project(path)
        trainer = project.trainer()
        trainer.run(epochs=EPOCHS)
        project.absorb(trainer)
        out[path.stem] = folder / path.name
        save_project(project, out[path.stem])
    return out


def not_blank(path) -> bool:
    """More than a background: many colours, and a real share of pixels unlike the corner's."""
    image = QImage(str(path)).convertToFormat(QImage.Format_RGB32)
    if image.isNull():
        return False
    pixels = np.frombuffer(image.constBits(), dtype=np.uint32).reshape(image.height(), -1)[:, : image.width()]
    return len(np.unique(pixels)) > 16 and np.mean(pixels != pixels[0, 0]) > 0.002


@pytest.mark.parametrize("example", [p.stem for p in EXAMPLES])
def test_every_view_of_every_trained_example_renders_a_figure(qtbot, tmp_path, trained, example):
    style.apply_theme(QApplication.instance(), dark=False)
    project = load_project(trained[example])
    features = project.load_data().n_features
    for name in VIEWS:
        out = tmp_path / f"{example}-{name}.png"
        if name == "neurons" and features > 2:  # maps over the input need one or two features: said, not drawn
            with pytest.raises(ValueError, match=f"one or two input features; this one has {features}"):
                render_view(project, name, out, size=(640, 400))
            assert not out.exists()
            continue
        size = render_view(project, name, out, size=(640, 400))
        assert not_blank(out), (example, name)
        assert (size.width(), size.height()) == (QImage(str(out)).width(), QImage(str(out)).height())


def test_render_view_on_the_command_line_writes_png_and_svg(tmp_path, trained):
    for suffix in ("png", "svg"):
        out = tmp_path / f"neurons.{suffix}"
        result = subprocess.run([sys.executable, str(ROOT / "main.py"), "render", str(trained["05-moons"]),
                                 "--view", "neurons", "--output", str(out), "--size", "700x450", "--dark"],
                                capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(f"wrote {out}")
        if suffix == "png":
            assert not_blank(out)
        else:
            assert QSvgRenderer(str(out)).isValid() and "<image" in out.read_text(encoding="utf-8")


def test_render_view_refuses_in_one_line(tmp_path):
    untrained = PROJECTS / "xor.ncproj"
    cases = [
        (["--view", "loss", "--output", tmp_path / "a.png"], "nothing to draw yet"),  # no history yet
        (["--view", "loss", "--output", tmp_path / "a.txt"], "choose a .png or .svg"),
        (["--view", "bias", "--output", tmp_path / "a.png"], "invalid choice"),
        (["--view", "loss", "--size", "big", "--output", tmp_path / "a.png"], "WIDTHxHEIGHT"),
    ]
    for args, said in cases:
        result = subprocess.run([sys.executable, str(ROOT / "main.py"), "render", str(untrained), *map(str, args)],
                                capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert result.returncode == 2, (args, result.stdout)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and said in lines[0] and "Traceback" not in result.stderr, (args, result.stderr)


def test_a_view_exports_from_its_context_menu(qtbot, tmp_path, answers, monkeypatch, trained):
    window = open_window(qtbot, tmp_path, trained["xor"])
    try:
        qtbot.waitUntil(lambda: window.training.session.trainer is not None, timeout=5_000)
        view = window.training.views["Output"]
        view.dirty = True
        qtbot.waitUntil(lambda: not view.dirty, timeout=5_000)
        for suffix in ("png", "svg"):
            target = tmp_path / f"out.{suffix}"
            monkeypatch.setattr(QFileDialog, "getSaveFileName",
                                staticmethod(lambda *a, t=target, **k: (str(t.with_suffix("")), "")))
            view.export_dialog(suffix)
            assert target.exists()  # the suffix is added when the name lacks it
        assert not_blank(tmp_path / "out.png")
        assert QSvgRenderer(str(tmp_path / "out.svg")).isValid()
        assert not answers["critical"]
    finally:
        window.training.session.shutdown()
