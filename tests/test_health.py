"""Gradient health (engine.health): the per-layer figures and the warnings training gives."""
import subprocess
import sys

import numpy as np

from engine import PROJECTS, ROOT
from engine.health import HealthMonitor, layer_health, measure
from engine.project import load_project

TOWERS = PROJECTS / "10-vanishing-gradients.ncproj"


def test_lesson_10_warns_of_the_sigmoid_tower_only():
    trainer = load_project(TOWERS).trainer()
    outcome = trainer.run(10)
    assert len(outcome.warnings) == 1, outcome.warnings
    warning = outcome.warnings[0]
    assert warning.startswith("vanishing gradients in sig1, sig2: for 3 epochs their gradient has been under "
                              "1/1000 of sig_out's")
    assert "ReLU activations, He initialization or a BatchNorm before each activation keep them alive" in warning
    assert "relu" not in warning.split(" — ")[0].split(":")[0]
    # It is said once, not every epoch.
    assert trainer.run(5).warnings == []


def test_the_relu_tower_alone_trains_without_a_warning():
    project = load_project(TOWERS)
    for node in [n for n in project.graph.nodes if n.startswith("sig")]:
        project.graph.remove_node(node)
    trainer = project.trainer()
    outcome = trainer.run(project.goal["epochs"])
    assert outcome.warnings == []
    health = layer_health(trainer.model, *measure(trainer.model, trainer.probe))
    assert health["relu1"].reference == "relu_out" and health["relu1"].relative > 1e-2


def test_main_train_prints_the_warning():
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", str(TOWERS), "--epochs", "4", "-q"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "warning: vanishing gradients in sig1, sig2:" in result.stdout


def test_layer_health_figures():
    trainer = load_project(TOWERS).trainer()
    trainer.run(1)
    norms, activations = measure(trainer.model, trainer.probe)
    health = layer_health(trainer.model, norms, activations)
    sig1 = health["sig1"]
    expected = np.sqrt(norms["sig1.weight"] ** 2 + norms["sig1.bias"] ** 2)
    assert sig1.gradient_norm == expected and sig1.reference == "sig_out"
    assert sig1.relative == expected / health["sig_out"].gradient_norm
    assert health["sig_out"].relative == 1.0 and health["relu_out"].reference == "relu_out"
    assert health["relu1_act"].dead is not None and health["sig1_act"].saturated is not None
    assert health["sig_prob"].saturated is None  # the output's probability may well be confident
    assert health["sig1_act"].gradient_norm is None and health["relu1"].dead is None


def test_many_dead_relus_are_named():
    project = load_project(PROJECTS / "xor.ncproj")
    trainer = project.trainer()
    bias = trainer.model.parameters["h.bias"]
    bias[:3] = -100.0  # three of four hidden units never fire
    health = layer_health(trainer.model, {}, measure(trainer.model, trainer.probe)[1])
    assert health["act"].dead is None  # tanh, not ReLU
    project.graph.set_param("act", "function", "relu")
    trainer = project.trainer()
    trainer.model.parameters["h.bias"][:3] = -100.0
    outcome = trainer.run(3)
    assert len(outcome.warnings) == 1 and outcome.warnings[0].startswith(
        "dead ReLUs in act: for 3 epochs many units have output 0 for every probe sample (act 75%)")


def test_saturated_sigmoid_units_are_counted():
    trainer = load_project(TOWERS).trainer()
    trainer.model.parameters["sig1.weight"][...] = 0.0
    trainer.model.parameters["sig1.bias"][:4] = 50.0  # half of sig1's units pinned at 1
    monitor = HealthMonitor(trainer.model)
    norms, activations = measure(trainer.model, trainer.probe)
    assert layer_health(trainer.model, norms, activations, monitor.references)["sig1_act"].saturated == 0.5
