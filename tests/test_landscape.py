"""The loss landscape (engine.landscape): the slice, its centre and the path drawn on it."""
import numpy as np
import pytest

from engine import PROJECTS
from engine.landscape import LandscapeCancelled, fixed_subsample, loss_landscape
from engine.project import load_project


def trained(name: str, epochs: int, every_batch: bool = False):
    """A trainer after ``epochs`` epochs, and its parameters before and after each epoch (or batch)."""
    trainer = load_project(PROJECTS / name).trainer()
    path = [trainer.model.copy_parameters()]
    for _ in range(epochs * (trainer.batches_per_epoch if every_batch else 1)):
        if every_batch:
            trainer.step_batch()
        else:
            trainer.run(1)
        path.append(trainer.model.copy_parameters())
    return trainer, path


def current_loss(trainer, x, targets) -> float:
    trainer.model.forward(x)
    return trainer.model.loss(targets)


def test_two_parameters_are_the_axes_and_the_path_passes_exactly_through_the_snapshots():
    trainer, path = trained("04-momentum.ncproj", 30)
    x, t = trainer.x_train, trainer.t_train
    before = trainer.model.copy_parameters()
    land = loss_landscape(trainer.model, x, t, path)
    assert land.method == "parameters" and land.directions is None
    assert [a.label for a in land.axes] == ["line.weight[0, 0]", "line.bias[0]"]
    assert land.loss.shape == (41, 41)
    for point, snapshot in zip(land.trajectory, path):
        assert point[0] == snapshot["line.weight"][0, 0] and point[1] == snapshot["line.bias"][0]
    # The centre is the current parameters, and its loss the current loss.
    w, b = before["line.weight"][0, 0], before["line.bias"][0]
    assert land.center == (w, b) and land.axes[0].values[20] == w and land.axes[1].values[20] == b
    assert land.center_loss == land.loss[20, 20] == current_loss(trainer, x, t)
    # Every grid value is the model's loss there; the whole path fits in the picture.
    trainer.model.parameters["line.weight"][0, 0] = land.axes[0].values[3]
    trainer.model.parameters["line.bias"][0] = land.axes[1].values[37]
    assert land.loss[37, 3] == pytest.approx(current_loss(trainer, x, t), rel=1e-12)
    for k, axis in enumerate(land.axes):
        assert axis.values[0] < land.trajectory[:, k].min() and land.trajectory[:, k].max() < axis.values[-1]
    # And the model is left as it was.
    trainer.model.load_parameters(before)
    land = loss_landscape(trainer.model, x, t, path)
    assert all(np.array_equal(trainer.model.parameters[k], v) for k, v in before.items())


def test_one_parameter_is_a_curve_the_worked_examples_parabola():
    trainer, path = trained("00-worked-example.ncproj", 5)
    land = loss_landscape(trainer.model, trainer.x_train, trainer.t_train, path, resolution=81)
    assert land.method == "parameters" and land.loss.shape == (81,) and len(land.axes) == 1
    w = land.axes[0].values
    assert land.loss == pytest.approx(0.5 * (2 * w - 6) ** 2, rel=1e-12, abs=1e-12)  # L = ½(2w − 6)²
    assert land.trajectory[:, 0].tolist() == [p["neuron.weight"][0, 0] for p in path]
    assert land.trajectory[0, 0] == 5.0 and w[0] < 3.0 < w[-1]  # the start and the minimum are in view


def test_many_parameters_pca_directions_hold_the_path_and_the_centre_is_the_current_loss():
    trainer, path = trained("xor.ncproj", 6)
    x, t = trainer.x_train, trainer.t_train
    land = loss_landscape(trainer.model, x, t, path, resolution=21)
    assert land.method == "pca" and land.loss.shape == (21, 21)
    assert land.center == (0.0, 0.0) and land.center_loss == land.loss[10, 10] == current_loss(trainer, x, t)
    assert 0.5 < sum(land.explained) <= 1.0 + 1e-12
    d1, d2 = ([np.concatenate([d[k].ravel() for k in trainer.model.parameters]) for d in land.directions])
    assert np.dot(d1, d1) == pytest.approx(1) and np.dot(d1, d2) == pytest.approx(0, abs=1e-12)
    # The last snapshot is the current point: it projects onto the centre.
    assert land.trajectory[-1] == pytest.approx([0.0, 0.0], abs=1e-9)


def test_a_path_in_a_plane_is_reproduced_exactly_by_its_projection():
    trainer, _ = trained("xor.ncproj", 1)
    center = trainer.model.copy_parameters()
    rng = np.random.default_rng(0)
    u, v = ({k: rng.normal(size=p.shape) for k, p in center.items()} for _ in range(2))
    steps = [(1.0, 0.5), (0.5, -0.2), (0.2, 0.1), (0.0, 0.0)]
    path = [{k: center[k] + a * u[k] + b * v[k] for k in center} for a, b in steps]
    land = loss_landscape(trainer.model, trainer.x_train, trainer.t_train, path, "pca", resolution=5)
    assert sum(land.explained) == pytest.approx(1.0)
    for point, snapshot in zip(land.trajectory, path):
        for k in center:
            rebuilt = center[k] + point[0] * land.directions[0][k] + point[1] * land.directions[1][k]
            assert rebuilt == pytest.approx(snapshot[k], abs=1e-5)  # float32 parameters


def test_random_directions_are_filter_normalized():
    trainer, _ = trained("08-digits.ncproj", 1)
    x, t = fixed_subsample(trainer.x_train, trainer.t_train, 100)
    assert len(x) == 100 and all(len(v) == 100 for v in t.values())
    land = loss_landscape(trainer.model, x, t, method="random", resolution=3, seed=4)
    assert land.method == "random" and land.samples == 100
    assert land.center_loss == current_loss(trainer, x, t)
    for direction in land.directions:
        for name, d in direction.items():
            p = trainer.model.parameters[name]
            if p.ndim == 1:
                assert not d.any()  # biases stay put (Li et al.)
            else:  # every unit's incoming weights: as long as that unit's weights
                assert np.linalg.norm(d, axis=0) == pytest.approx(np.linalg.norm(p.astype(np.float64), axis=0))
    again = loss_landscape(trainer.model, x, t, method="random", resolution=3, seed=4)
    assert np.array_equal(again.loss, land.loss)  # seeded


def test_auto_without_a_two_dimensional_path_takes_random_directions_and_cancel_restores():
    trainer, path = trained("xor.ncproj", 1)
    land = loss_landscape(trainer.model, trainer.x_train, trainer.t_train, path[-1:], resolution=3)
    assert land.method == "random"
    before = trainer.model.copy_parameters()
    with pytest.raises(LandscapeCancelled):
        loss_landscape(trainer.model, trainer.x_train, trainer.t_train, method="random", cancelled=lambda: True)
    assert all(np.array_equal(trainer.model.parameters[k], v) for k, v in before.items())
    with pytest.raises(ValueError, match="one or two parameters"):
        loss_landscape(trainer.model, trainer.x_train, trainer.t_train, method="parameters")


def loss_at(trainer, land, i, j, x, t):
    """The model's own loss at grid point (i, j) of a landscape along directions."""
    center = {k: v.astype(np.float64) for k, v in trainer.model.parameters.items()}
    saved = trainer.model.copy_parameters()
    for k in center:
        trainer.model.parameters[k][...] = (center[k] + land.axes[0].values[i] * land.directions[0][k]
                                            + land.axes[1].values[j] * land.directions[1][k])
    value = current_loss(trainer, x, t)
    trainer.model.load_parameters(saved)
    return value


@pytest.mark.parametrize("first_layer", ["Dense", "Maxout"])
def test_every_grid_value_is_the_models_loss_there(first_layer):
    """The data layer's product is skipped when its output is affine in its parameters (Dense),
    and the values still agree with a full forward pass; a Maxout layer (not affine) runs in full."""
    project = load_project(PROJECTS / "08-digits.ncproj")
    if first_layer == "Maxout":
        project.graph.remove_node("h")
        project.graph.add_node("Maxout", {"units": 32, "pieces": 2}, node_id="h")
        project.graph.connect("flat", "h")
        project.graph.connect("h", "relu")
    trainer = project.trainer()
    trainer.run(1)
    x, t = fixed_subsample(trainer.x_train, trainer.t_train, 200)
    land = loss_landscape(trainer.model, x, t, method="random", resolution=5, seed=1)
    assert land.center_loss == current_loss(trainer, x, t)
    for i, j in ((0, 0), (4, 1), (3, 4)):
        # float32: the same up to rounding (a Maxout taken for affine would be far off)
        assert land.loss[j, i] == pytest.approx(loss_at(trainer, land, i, j, x, t), rel=1e-4)


def test_an_image_network_combines_its_convolution_on_the_reshaped_input():
    """Regression: the first layer's shortcut fed it the flat rows, which a convolution cannot take."""
    trainer, _ = trained("12-digits-cnn.ncproj", 0)
    x, t = fixed_subsample(trainer.x_train, trainer.t_train, 16)
    land = loss_landscape(trainer.model, x, t, method="random", resolution=3, seed=1)
    assert land.center_loss == pytest.approx(current_loss(trainer, x, t), rel=1e-6)
    corner = {k: trainer.model.parameters[k] - land.directions[0][k] - land.directions[1][k]
              for k in trainer.model.parameters}
    trainer.model.load_parameters(corner)
    assert land.loss[0, 0] == pytest.approx(current_loss(trainer, x, t), rel=1e-4)


def test_the_child_process_computes_what_the_engine_computes_and_can_be_cancelled():
    from engine.landscape import LandscapeCancelled as Cancelled
    from engine.landscape_process import LandscapeError, LandscapeProcess, LandscapeRequest, compute

    trainer, path = trained("xor.ncproj", 3)
    x, t = fixed_subsample(trainer.x_train, trainer.t_train, 64)
    request = LandscapeRequest(trainer.model.clone(), x, t, path, "pca", 9)
    here, _ = compute(request)
    process = LandscapeProcess()
    try:
        progress = []
        land, path_loss, seconds = process.compute(request, lambda done, rows: progress.append((done, rows)))
        assert np.array_equal(land.loss, here.loss) and np.array_equal(land.trajectory, here.trajectory)
        assert path_loss is None and seconds > 0 and progress[0] == (0, 9) and progress[-1] == (8, 9)
        with pytest.raises(LandscapeError, match="one or two parameters"):
            process.compute(LandscapeRequest(request.model, x, t, path, "parameters", 3), lambda *_: None)
        big = LandscapeRequest(request.model, trainer.x_train, trainer.t_train, path, "random", 401)
        with pytest.raises(Cancelled):
            process.compute(big, lambda done, rows: done == 2 and process.cancel())
        process.cancel()  # a cancel with nothing computing is passed over: the next request runs
        assert process.compute(request, lambda *_: None)[0].loss.shape == (9, 9)
    finally:
        process.close()


def test_a_curves_request_brings_the_loss_at_each_snapshot():
    from engine.landscape_process import LandscapeRequest, compute

    trainer, path = trained("01-one-weight.ncproj", 3)
    land, path_loss = compute(LandscapeRequest(trainer.model, trainer.x_train, trainer.t_train, path, "auto", 21,
                                               path_loss=True))
    weights = np.array([p["w.weight"][0, 0] for p in path], dtype=np.float64)
    x, y = np.array([1.0, 2, 3, 4]), np.array([2.0, 4, 6, 8])
    assert path_loss == pytest.approx(0.5 * ((weights[:, None] * x - y) ** 2).mean(axis=1), rel=1e-5)
    assert trainer.model.parameters["w.weight"][0, 0] == path[-1]["w.weight"][0, 0]  # put back as it was
