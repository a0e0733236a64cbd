"""The Math view's engine (engine.explain): real numbers for one sample, forward, backward, update."""
import json
import subprocess
import sys

import numpy as np
import pytest

from engine import PROJECTS, ROOT
from engine.datasets import Dataset
from engine.explain import ExplainError, Explainer
from engine.graph import Graph
from engine.model import Model
from engine.project import load_project

WORKED = PROJECTS / "00-worked-example.ncproj"


# ---- the worked example: w = 5, x = 2, y = 6, quadratic loss, SGD 0.1 ---------------------------

def test_worked_example_numbers_are_exact():
    explainer = Explainer.for_project(load_project(WORKED))
    e = explainer.explain(explainer.sample(0))
    assert e.node == "neuron" and e.kind == "linear"
    assert e.values["neuron"].tolist() == [10.0]
    assert e.loss == 8.0 and e.losses["loss"].value == 8.0
    assert e.line("dL/dw").value == 8.0 and e.gradients["neuron.weight"].tolist() == [[8.0]]
    assert e.new_values == {"neuron.weight[0, 0]": 4.2}
    assert e.line("z").text == "ŷ = z₀ = x₀·w₀,₀ = 2·5 = 10"
    assert e.losses["loss"].text == "L = ½·(ŷ − y)² = ½·(10 − 6)² = 8"
    assert e.line("dL/dy").text == "∂L/∂ŷ = ŷ − y = 10 − 6 = 4"
    assert e.line("dL/dw").text == "∂L/∂w₀,₀ = x₀·δ₀ = 2·4 = 8"
    assert e.line("w_new").text == "w₀,₀ ← w₀,₀ − η·g = 5 − 0.1·8 = 4.2"
    assert e.chain.value == 8.0 and e.line("chain_value").text.endswith("= 4·2 = 8")


def test_worked_example_two_steps():
    explainer = Explainer.for_project(load_project(WORKED))
    sample = explainer.sample(0)
    first = explainer.step(sample)
    assert first.parameters["neuron.weight"].tolist() == [[4.2]]
    assert first.summary == "the loss on this sample went from 8 to 2.88"
    second = first.after
    assert second.values["neuron"][0] == pytest.approx(8.4, abs=1e-14)
    assert second.loss == pytest.approx(2.88, abs=1e-14)
    assert second.line("z").text == "ŷ = z₀ = x₀·w₀,₀ = 2·4.2 = 8.4"
    assert second.line("dL/dw").text == "∂L/∂w₀,₀ = x₀·δ₀ = 2·2.4 = 4.8"
    assert second.line("w_new").text == "w₀,₀ ← w₀,₀ − η·g = 4.2 − 0.1·4.8 = 3.72"
    again = explainer.step(sample)
    assert again.before.loss == second.loss
    assert again.parameters["neuron.weight"][0, 0] == pytest.approx(3.72, abs=1e-14)


def run_cli(*args):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "explain", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def test_cli_text_and_json_show_the_worked_example():
    text = run_cli(WORKED)
    assert text.returncode == 0, text.stderr
    for expected in ("ŷ = z₀ = x₀·w₀,₀ = 2·5 = 10", "L = ½·(ŷ − y)² = ½·(10 − 6)² = 8", "∂L/∂w₀,₀ = x₀·δ₀ = 2·4 = 8",
                     "5 − 0.1·8 = 4.2", "neuron.weight  [8]"):
        assert expected in text.stdout
    result = run_cli(WORKED, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["values"]["neuron"] == [10.0] and data["loss"] == 8.0
    assert data["gradients"]["neuron.weight"] == [[8.0]]
    assert data["new_values"] == {"neuron.weight[0, 0]": 4.2}


def test_main_explain_runs_without_qt():
    code = ("import sys; sys.modules['PySide6'] = None; sys.modules['pyqtgraph'] = None; import main; "
            f"sys.exit(main.main(['explain', {str(WORKED)!r}, '--format', 'json']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["loss"] == 8.0


def test_cli_refuses_what_the_network_does_not_have():
    for args, message in ((("--node", "nope"), "node 'nope': no such node (nodes: x, neuron, loss)"),
                          (("--unit", "3"), "unit 3: «neuron» has only unit 0"),
                          (("--sample", "1"), "sample 1: the dataset has only row 0"),
                          (("--input", "2"), "input 2: «neuron» has only input 0")):
        result = run_cli(WORKED, *args)
        assert result.returncode == 2 and result.stderr.strip() == f"neurocanvas: {message}", result.stderr
        assert "Traceback" not in result.stderr


# ---- random small networks: the explained gradient is the engine's and the calculus' -------------

def dataset(task: str, classes: int, rng) -> Dataset:
    x = rng.normal(size=(6, 3))
    if task == "regression":
        return Dataset("random", task, x, rng.normal(size=(6, 2)), ["a", "b", "c"], [], ["y1", "y2"])
    y = np.arange(6) % classes
    return Dataset("random", task, x, y, ["a", "b", "c"], [f"k{i}" for i in range(classes)], ["class"])


def network(kind: int, rng) -> tuple[Graph, Dataset]:
    """A few shapes of small network, each with random activations, merges and losses."""
    g = Graph()
    g.add_node("Input", {"size": 3}, node_id="x")

    def add(type_name, params, *sources, node_id):
        g.add_node(type_name, params, node_id=node_id)
        for i, s in enumerate(sources):
            g.connect(s, node_id, "in" if len(sources) == 1 else f"in{i + 1}")
        return node_id

    functions = ["tanh", "sigmoid", "relu", "leaky_relu", "elu", "selu", "gelu", "swish", "mish", "softplus", "prelu"]
    act = lambda: {"function": functions[rng.integers(len(functions))]}  # noqa: E731
    h1 = add("Dense", {"units": 4}, "x", node_id="h1")
    a1 = add("Activation", act(), h1, node_id="a1")
    if kind == 0:  # a stack into a regression
        h2 = add("Dense", {"units": 3}, a1, node_id="h2")
        a2 = add("Activation", act(), h2, node_id="a2")
        out = add("Dense", {"units": 2}, a2, node_id="out")
        add("Loss", {"function": ["mse", "quadratic", "huber", "mae"][rng.integers(4)]}, out, node_id="loss")
        return g, dataset("regression", 0, rng)
    if kind == 1:  # two branches added, then a fused sigmoid + cross-entropy
        h2 = add("Dense", {"units": 4}, "x", node_id="h2")
        a2 = add("Activation", act(), h2, node_id="a2")
        s = add("Add", {}, a1, a2, node_id="sum")
        d = add("Dropout", {"rate": 0.3}, s, node_id="drop")
        out = add("Dense", {"units": 1}, d, node_id="out")
        p = add("Activation", {"function": "sigmoid"}, out, node_id="prob")
        add("Loss", {"function": "binary_cross_entropy"}, p, node_id="loss")
        return g, dataset("classification", 2, rng)
    if kind == 2:  # maxout and concat, then a fused softmax + cross-entropy
        m = add("Maxout", {"units": 3, "pieces": 2}, a1, node_id="mx")
        c = add("Concat", {}, "x", m, node_id="cat")
        out = add("Dense", {"units": 3}, c, node_id="out")
        p = add("Activation", {"function": "softmax"}, out, node_id="probs")
        add("Loss", {"function": "categorical_cross_entropy"}, p, node_id="loss")
        return g, dataset("classification", 3, rng)
    # two heads with their own losses, one softmax not fused (KL divergence)
    out = add("Dense", {"units": 3}, a1, node_id="out")
    p = add("Activation", {"function": "softmax"}, out, node_id="probs")
    add("Loss", {"function": "kl_divergence", "weight": 0.5}, p, node_id="kl")
    side = add("Dense", {"units": 3}, a1, node_id="side")
    add("Loss", {"function": "hinge"}, side, node_id="hinge")
    return g, dataset("classification", 3, rng)


def engine_gradients(graph, explainer, sample):
    """The engine's own gradients for a batch of this one sample, from a fresh float64 model."""
    model = Model(graph, np.float64, 0, explainer.dataset)
    model.load_parameters(explainer.model.parameters)
    x = np.array([sample.features])
    targets = model.encode_targets(np.asarray(sample.target)[None, ...], explainer.dataset.task)
    model.forward(x)
    model.loss(targets)
    model.backward()
    return model, x, targets


def central_difference(model, x, targets, name, index, h=1e-6):
    param = model.parameters[name]
    keep = param[index]
    values = []
    for delta in (h, -h):
        param[index] = keep + delta
        model.forward(x)
        values.append(model.loss(targets))
    param[index] = keep
    return (values[0] - values[1]) / (2 * h)


@pytest.mark.parametrize("seed", range(12))
def test_explained_weight_gradient_is_the_engines_and_a_central_difference(seed):
    rng = np.random.default_rng(seed)
    graph, data = network(seed % 4, rng)
    explainer = Explainer(graph, data, {"seed": seed, "dtype": "float64"})
    linear = [n for n, layer, _ in explainer.model.plan if "weight" in layer.params]
    for row in range(3):
        sample = explainer.sample(row)
        model, x, targets = engine_gradients(graph, explainer, sample)
        for node in linear:
            width = len(model.values[node][0])
            unit = int(rng.integers(width))
            e = explainer.explain(sample, node, unit)
            name, (i, c) = e.chain.parameter, e.chain.index
            engine = model.gradients[name][i, c]
            assert e.line("dL/dw").value == pytest.approx(engine, rel=1e-9, abs=1e-12)
            assert e.chain.value == pytest.approx(engine, rel=1e-9, abs=1e-12), [vars(f) for f in e.chain.factors]
            assert engine == pytest.approx(central_difference(model, x, targets, name, (i, c)), rel=1e-5, abs=1e-8)
            if f"{node}.bias" in model.gradients:
                assert e.line("dL/db").value == pytest.approx(model.gradients[f"{node}.bias"][c], rel=1e-9, abs=1e-12)
        for node in model.sources:  # every node and kind explains without error, in words
            e = explainer.explain(sample, node, 0)
            assert e.forward and all(line.text for line in e.forward + e.backward)


@pytest.mark.parametrize("activation, loss, classes", [("sigmoid", "binary_cross_entropy", 2),
                                                       ("softmax", "categorical_cross_entropy", 3)])
def test_a_fused_loss_is_explained_on_probabilities_and_logits(activation, loss, classes):
    rng = np.random.default_rng(1)
    g = Graph()
    g.add_node("Input", {"size": 3}, node_id="x")
    g.add_node("Dense", {"units": 1 if classes == 2 else classes}, node_id="out")
    g.add_node("Activation", {"function": activation}, node_id="p")
    g.add_node("Loss", {"function": loss}, node_id="loss")
    for a, b in (("x", "out"), ("out", "p"), ("p", "loss")):
        g.connect(a, b)
    explainer = Explainer(g, dataset("classification", classes, rng), {"dtype": "float64"})
    sample = explainer.sample(1)
    e = explainer.explain(sample, "out", 1 if classes > 2 else 0)
    k = e.unit
    y = np.eye(classes)[sample.target] if classes > 2 else np.array([float(sample.target)])
    p = e.values["p"]
    delta = e.line("dL/dz")
    assert delta.value == pytest.approx(p[k] - y[k])  # ∂L/∂z = ŷ − y, the engine's (fused) number
    assert "fused" in delta.note
    # ∂L/∂ŷ is the textbook one, on the probability (not what the fused layer passes through)
    assert e.output_gradients["p"][k] == pytest.approx(-y[k] / p[k] if classes > 2 else (p[0] - y[0]) / (p[0] * (1 - p[0])))
    assert "computed from the logits" in e.losses["loss"].note


# ---- the update: what is shown is what a step does -----------------------------------------------

@pytest.mark.parametrize("optimizer", [
    {"name": "adam", "learning_rate": 0.01},
    {"name": "adamw", "learning_rate": 0.01, "weight_decay": 0.1},
    {"name": "adam", "learning_rate": 0.01, "amsgrad": True},
    {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9},
    {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01},
    {"name": "rmsprop", "learning_rate": 0.01, "momentum": 0.5, "centered": True},
    {"name": "adagrad", "learning_rate": 0.1, "lr_decay": 0.01},
])
def test_shown_update_is_the_step_the_optimizer_takes(optimizer):
    rng = np.random.default_rng(3)
    graph, data = network(0, rng)
    explainer = Explainer(graph, data, {"optimizer": optimizer, "dtype": "float64", "l2": 0.01})
    sample = explainer.sample(2)
    for step in range(3):  # the first step, then with the optimizer's state
        result = explainer.step(sample, "h2", 1)
        shown = result.before
        for key, value in shown.new_values.items():
            name, index = key.split("[")
            index = tuple(int(i) for i in index.rstrip("]").split(", "))
            assert result.parameters[name][index] == value
        assert shown.line("w_new").value == result.parameters["h2.weight"][shown.source, 1]
        if optimizer["name"] == "adam" and not optimizer.get("amsgrad"):
            m_hat, v_hat = shown.line("m_hat").value, shown.line("v_hat").value
            assert shown.line("step").value == pytest.approx(-0.01 * m_hat / (np.sqrt(v_hat) + 1e-8), rel=1e-12)
        assert result.optimizer_state["step"]["h2.weight"] == step + 1


def test_optimizer_state_of_a_run_is_used():
    project = load_project(PROJECTS / "xor.ncproj")
    trainer = project.trainer()
    trainer.run(2)
    project.absorb(trainer)
    explainer = Explainer.for_project(project, optimizer_state=trainer.optimizer.state_dict())
    e = explainer.explain(explainer.sample(0), "out", 0, 1)
    t = trainer.optimizer.state["out.weight"]["step"] + 1
    assert f"step {t} of the run" in e.optimizer
    assert e.line("m_hat").note == f"bias correction: step t = {t}"
    old_m = float(trainer.optimizer.state["out.weight"]["exp_avg"][1, 0])
    assert e.line("m").numbers[1] == pytest.approx(old_m)


def test_loading_a_later_moment_explains_as_a_fresh_explainer_does():
    project = load_project(PROJECTS / "xor.ncproj")
    explainer = Explainer.for_project(project)
    trainer = project.trainer()
    trainer.run(2)
    state = trainer.optimizer.state_dict()
    fresh = Explainer(project.graph, explainer.dataset, project.training, trainer.model.copy_parameters(), state)
    explainer.load(trainer.model.copy_parameters(), state)
    loaded, expected = (x.explain(x.sample(3), "out", 0, 1) for x in (explainer, fresh))
    assert loaded.to_dict() == expected.to_dict() and not loaded.notes
    explainer.load()  # back to the start: initial values, the optimizer's first step
    again = explainer.explain(explainer.sample(3), "out", 0, 1)
    assert again.notes and "step" not in again.optimizer.split("—")[1]

def test_typed_values_are_standardized_like_the_dataset():
    project = load_project(PROJECTS / "08-digits.ncproj")
    explainer = Explainer.for_project(project)
    row = explainer.sample(7)
    typed = explainer.typed_sample(row.raw, row.target)
    assert typed.features == pytest.approx(row.features) and typed.index is None
    with pytest.raises(ExplainError, match="needs 64 feature values"):
        explainer.typed_sample([1.0, 2.0], 0)
    with pytest.raises(ExplainError, match="target 10: the dataset has classes 0 … 9"):
        explainer.typed_sample(row.raw, 10)


def test_untrained_project_starts_from_trainings_initial_values():
    project = load_project(PROJECTS / "xor.ncproj")
    explainer = Explainer.for_project(project)
    initial = project.trainer().model.parameters
    for name, value in explainer.model.parameters.items():
        assert np.array_equal(value, initial[name].astype(np.float64))
    e = explainer.explain(explainer.sample(0))
    assert e.notes == ["not trained yet: the parameters are the seeded initial values"]


def test_whole_pixels_read_whole_after_float32_standardization():
    """Regression: features held in float32 came back from standardization as −1.609×10⁻⁹, not 0."""
    explainer = Explainer.for_project(load_project(PROJECTS / "08-digits.ncproj"))
    assert explainer.dataset.x.dtype == np.float32
    sample = explainer.sample(0)
    assert sample.description.startswith("row 0: pixel_0_0 = 0, pixel_0_1 = 0, pixel_0_2 = 5, pixel_0_3 = 13,")
    assert sample.raw == [float(v) for v in np.round(sample.raw)]
