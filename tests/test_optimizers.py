"""Optimizers: hand-written reference formulas, PyTorch (when installed), API and state."""
import numpy as np
import pytest

from engine.errors import ParamError
from engine.optimizers import OPTIMIZERS, make_optimizer, optimizer_to_dict

# Every optimizer with the settings that change its rule. Shared by the hand and torch comparisons.
CASES = [
    ("sgd", {"learning_rate": 0.1}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.5, "nesterov": True, "weight_decay": 0.1}),
    ("sgd", {"learning_rate": 0.1, "weight_decay": 0.2}),
    ("rmsprop", {}),
    ("rmsprop", {"learning_rate": 0.05, "alpha": 0.9, "momentum": 0.8}),
    ("rmsprop", {"learning_rate": 0.05, "centered": True}),
    ("rmsprop", {"learning_rate": 0.05, "alpha": 0.8, "centered": True, "momentum": 0.5,
                 "weight_decay": 0.1, "eps": 1e-3}),
    ("adam", {}),
    ("adam", {"learning_rate": 0.1, "beta1": 0.5, "beta2": 0.9, "eps": 1e-2}),
    ("adam", {"learning_rate": 0.1, "weight_decay": 0.1}),
    ("adam", {"learning_rate": 0.1, "amsgrad": True}),
    ("adam", {"learning_rate": 0.1, "amsgrad": True, "weight_decay": 0.05, "beta2": 0.9}),
    ("adamw", {}),
    ("adamw", {"learning_rate": 0.1, "weight_decay": 0.5}),
    ("adamw", {"learning_rate": 0.1, "amsgrad": True, "beta2": 0.9}),
    ("adagrad", {}),
    ("adagrad", {"learning_rate": 0.1, "lr_decay": 0.5}),
    ("adagrad", {"learning_rate": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.5,
                 "eps": 1e-3}),
]
CASE_IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in hyper.items()) or 'defaults'}" for name, hyper in CASES]

P0 = np.array([1.0, -2.0, 0.5, 3.0, 0.0])
# Magnitudes change from step to step so that AMSGrad's maximum and the running averages matter.
GRADS = [
    np.array([0.5, -1.0, 2.0, 0.0, -0.3]),
    np.array([-0.2, -0.5, 0.1, 1.5, 0.7]),
    np.array([0.05, 0.8, -0.4, -0.1, 0.0]),
]


# --- independent references, textbook formulas written out step by step --------------------------

def ref_sgd(p, grads, learning_rate=0.01, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    buf = None
    for g in grads:
        g = g + weight_decay * p
        if momentum != 0:
            if buf is None:
                buf = g.copy()                       # first step: no dampening
            else:
                buf = momentum * buf + (1 - dampening) * g
            d = g + momentum * buf if nesterov else buf
        else:
            d = g
        p = p - learning_rate * d
    return p


def ref_rmsprop(p, grads, learning_rate=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                centered=False):
    v = np.zeros_like(p)
    g_mean = np.zeros_like(p)
    buf = np.zeros_like(p)
    for g in grads:
        g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            g_mean = alpha * g_mean + (1 - alpha) * g
            denom = np.sqrt(v - g_mean ** 2) + eps
        else:
            denom = np.sqrt(v) + eps
        if momentum > 0:
            buf = momentum * buf + g / denom
            p = p - learning_rate * buf
        else:
            p = p - learning_rate * g / denom
    return p


def ref_adam(p, grads, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0,
             amsgrad=False, decoupled=False):
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    v_max = np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            p = p * (1 - learning_rate * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = np.maximum(v_max, v)
        m_hat = m / (1 - beta1 ** t)
        v_hat = (v_max if amsgrad else v) / (1 - beta2 ** t)
        p = p - learning_rate * m_hat / (np.sqrt(v_hat) + eps)
    return p


def ref_adamw(p, grads, weight_decay=0.01, **hyper):
    return ref_adam(p, grads, weight_decay=weight_decay, decoupled=True, **hyper)


def ref_adagrad(p, grads, learning_rate=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                eps=1e-10):
    total = np.full_like(p, initial_accumulator_value)
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * p
        clr = learning_rate / (1 + (t - 1) * lr_decay)
        total = total + g * g
        p = p - clr * g / (np.sqrt(total) + eps)
    return p


REFERENCES = {"sgd": ref_sgd, "rmsprop": ref_rmsprop, "adam": ref_adam, "adamw": ref_adamw,
              "adagrad": ref_adagrad}


def run(name, hyper, params, grads_per_step, dtype=np.float64):
    opt = make_optimizer({"name": name, **hyper})
    params = {k: v.astype(dtype) for k, v in params.items()}
    for grads in grads_per_step:
        opt.step(params, {k: v.astype(dtype) for k, v in grads.items()})
    return opt, params


@pytest.mark.parametrize(("name", "hyper"), CASES, ids=CASE_IDS)
def test_three_steps_match_hand_formulas(name, hyper):
    _, params = run(name, hyper, {"w": P0}, [{"w": g} for g in GRADS])
    expected = REFERENCES[name](P0.copy(), GRADS, **hyper)
    np.testing.assert_allclose(params["w"], expected, rtol=1e-12, atol=1e-14)
    assert not np.allclose(params["w"], P0)


def test_hand_references_pin_known_numbers():
    # Guards the references themselves with numbers worked out on paper.
    g = np.array([2.0])
    assert ref_sgd(np.array([1.0]), [g, g], learning_rate=0.1, momentum=0.5)[0] == pytest.approx(1 - 0.2 - 0.3)
    # Adam's first step moves every coordinate by lr * g / (|g| + eps) ≈ lr.
    assert ref_adam(np.array([1.0]), [g], learning_rate=0.1)[0] == pytest.approx(0.9)
    assert ref_adagrad(np.array([1.0]), [g], learning_rate=0.1)[0] == pytest.approx(0.9)


# --- PyTorch ------------------------------------------------------------------------------------

TORCH_NAMES = {"learning_rate": "lr"}


def torch_optimizer(torch, name, hyper, tensors):
    kwargs = {TORCH_NAMES.get(k, k): v for k, v in hyper.items() if k not in ("beta1", "beta2")}
    if name in ("adam", "adamw"):
        kwargs["betas"] = (hyper.get("beta1", 0.9), hyper.get("beta2", 0.999))
    cls = {"sgd": torch.optim.SGD, "rmsprop": torch.optim.RMSprop, "adam": torch.optim.Adam,
           "adamw": torch.optim.AdamW, "adagrad": torch.optim.Adagrad}[name]
    if name == "sgd":
        kwargs.setdefault("lr", 0.01)   # torch has no default learning rate for SGD
    return cls(tensors, foreach=False, **kwargs)


@pytest.mark.parametrize(("name", "hyper"), CASES, ids=CASE_IDS)
def test_five_steps_match_torch(name, hyper):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    start = {"dense.weight": rng.normal(size=(3, 4)), "dense.bias": rng.normal(size=4)}
    steps = [{k: rng.normal(size=v.shape) * scale for k, v in start.items()}
             for scale in (1.0, 0.3, 2.0, 0.05, 1.0)]

    opt, params = run(name, hyper, start, steps)

    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in start.items()}
    topt = torch_optimizer(torch, name, hyper, list(tensors.values()))
    for grads in steps:
        for k, t in tensors.items():
            t.grad = torch.tensor(grads[k], dtype=torch.float64)
        topt.step()

    state = opt.state_dict()
    for k, t in tensors.items():
        np.testing.assert_allclose(params[k], t.detach().numpy(), rtol=1e-12, atol=1e-12)
        tstate = topt.state[t]
        assert state["step"][k] == 5
        if "step" in tstate:
            assert float(tstate["step"]) == 5
        torch_buffers = {b: v for b, v in tstate.items() if b != "step" and v is not None}
        assert set(state["buffers"][k]) == set(torch_buffers)
        for b, v in torch_buffers.items():
            np.testing.assert_allclose(state["buffers"][k][b], v.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_defaults_match_torch(name):
    torch = pytest.importorskip("torch")
    hyper = OPTIMIZERS[name]().hyper
    tensor = torch.zeros(1, requires_grad=True)
    defaults = torch_optimizer(torch, name, {}, [tensor]).defaults
    for key, value in hyper.items():
        if key in ("beta1", "beta2"):
            assert defaults["betas"][key == "beta2"] == value
        else:
            assert defaults[TORCH_NAMES.get(key, key)] == value, key


# --- API --------------------------------------------------------------------------------------

def test_defaults():
    assert OPTIMIZERS["sgd"]().hyper == {"learning_rate": 0.01, "momentum": 0.0, "dampening": 0.0,
                                         "nesterov": False, "weight_decay": 0.0}
    assert OPTIMIZERS["rmsprop"]().hyper == {"learning_rate": 0.01, "alpha": 0.99, "eps": 1e-8,
                                             "weight_decay": 0.0, "momentum": 0.0, "centered": False}
    adam = {"learning_rate": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "amsgrad": False}
    assert OPTIMIZERS["adam"]().hyper == {**adam, "weight_decay": 0.0}
    assert OPTIMIZERS["adamw"]().hyper == {**adam, "weight_decay": 0.01}
    assert OPTIMIZERS["adagrad"]().hyper == {"learning_rate": 0.01, "lr_decay": 0.0, "weight_decay": 0.0,
                                             "initial_accumulator_value": 0.0, "eps": 1e-10}
    assert list(OPTIMIZERS) == ["sgd", "rmsprop", "adam", "adamw", "adagrad"]


def test_specs_declare_help_and_a_positive_learning_rate():
    for cls in OPTIMIZERS.values():
        assert cls.SPECS["learning_rate"].minimum > 0
        assert all(spec.help and spec.label for spec in cls.SPECS.values())
        assert set(cls().hyper) == set(cls.SPECS)


def test_make_optimizer_and_to_dict_round_trip():
    opt = make_optimizer({"name": "adam", "learning_rate": 0.01})
    assert opt.name == "adam" and opt.hyper["learning_rate"] == 0.01 and opt.hyper["beta2"] == 0.999
    spec = optimizer_to_dict(opt)
    assert spec["name"] == "adam" and spec["learning_rate"] == 0.01
    again = make_optimizer(spec)
    assert type(again) is type(opt) and again.hyper == opt.hyper
    assert make_optimizer({"name": "sgd", "learning_rate": 1}).hyper["learning_rate"] == 1.0


def test_unknown_name():
    with pytest.raises(ParamError) as err:
        make_optimizer({"name": "foo"})
    assert str(err.value) == ("training.optimizer.name: must be one of sgd, rmsprop, adam, adamw, adagrad, "
                              "got 'foo'")
    with pytest.raises(ParamError, match=r"^training\.optimizer\.name: "):
        make_optimizer({"learning_rate": 0.1})
    with pytest.raises(ParamError, match=r"^training\.optimizer: must be an object"):
        make_optimizer("adam")


@pytest.mark.parametrize(("spec", "key"), [
    ({"name": "adam", "learning_rate": -1}, "learning_rate"),
    ({"name": "adam", "learning_rate": 0}, "learning_rate"),
    ({"name": "adam", "learning_rate": "fast"}, "learning_rate"),
    ({"name": "adam", "learning_rate": float("nan")}, "learning_rate"),
    ({"name": "adam", "beta1": 1.0}, "beta1"),
    ({"name": "adam", "amsgrad": "yes"}, "amsgrad"),
    ({"name": "adam", "momentum": 0.9}, "momentum"),          # unknown for adam
    ({"name": "sgd", "momentum": -0.1}, "momentum"),
    ({"name": "rmsprop", "alpha": 2}, "alpha"),
    ({"name": "adagrad", "eps": -1e-10}, "eps"),
    ({"name": "adamw", "weight_decay": -0.01}, "weight_decay"),
])
def test_bad_values_name_the_key(spec, key):
    with pytest.raises(ParamError, match=rf"^training\.optimizer\.{key}: "):
        make_optimizer(spec)


@pytest.mark.parametrize("hyper", [{"nesterov": True}, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}])
def test_nesterov_needs_momentum_and_no_dampening(hyper):
    with pytest.raises(ParamError, match=r"^training\.optimizer\.nesterov: .*momentum > 0 and dampening 0"):
        make_optimizer({"name": "sgd", **hyper})
    opt = make_optimizer({"name": "sgd", "momentum": 0.9, "nesterov": True})
    with pytest.raises(ParamError, match="nesterov"):
        opt.set(momentum=0.0)


def test_set_changes_learning_rate_from_next_step():
    opt = make_optimizer({"name": "sgd", "learning_rate": 0.1})
    p = {"w": np.array([1.0, 2.0])}
    g = {"w": np.array([1.0, -1.0])}
    opt.step(p, g)
    opt.set(learning_rate=0.5)
    opt.step(p, g)
    np.testing.assert_allclose(p["w"], [1.0 - 0.1 - 0.5, 2.0 + 0.1 + 0.5])
    assert opt.hyper["learning_rate"] == 0.5


def test_set_keeps_adam_state():
    # Changing the learning rate mid-training must not restart the moments or the bias correction.
    a = make_optimizer({"name": "adam", "learning_rate": 0.1})
    b = make_optimizer({"name": "adam", "learning_rate": 0.1})
    pa, pb = {"w": P0.copy()}, {"w": P0.copy()}
    for g in GRADS[:2]:
        a.step(pa, {"w": g})
        b.step(pb, {"w": g})
    a.set(learning_rate=0.1)
    a.step(pa, {"w": GRADS[2]})
    b.step(pb, {"w": GRADS[2]})
    np.testing.assert_array_equal(pa["w"], pb["w"])


def test_set_refuses_bad_values_and_changes_nothing():
    opt = make_optimizer({"name": "rmsprop", "learning_rate": 0.1})
    before = dict(opt.hyper)
    with pytest.raises(ParamError, match=r"^training\.optimizer\.learning_rate: "):
        opt.set(learning_rate=0, momentum=0.5)
    with pytest.raises(ParamError, match=r"^training\.optimizer\.beta1: unknown parameter"):
        opt.set(beta1=0.5)
    assert opt.hyper == before


@pytest.mark.parametrize(("name", "hyper"), CASES, ids=CASE_IDS)
def test_state_dict_round_trip_continues_identically(name, hyper):
    rng = np.random.default_rng(3)
    start = {"a": rng.normal(size=(2, 3)), "b": rng.normal(size=3)}
    steps = [{k: rng.normal(size=v.shape) for k, v in start.items()} for _ in range(5)]
    first, params = run(name, hyper, start, steps[:2])

    saved = first.state_dict()
    assert set(saved) == {"step", "buffers"} and saved["step"] == {"a": 2, "b": 2}
    second = make_optimizer({"name": name, **hyper})
    second.load_state_dict(saved)
    for buffers in saved["buffers"].values():   # the loaded state is a copy
        for array in buffers.values():
            array += 100.0

    p1 = {k: v.copy() for k, v in params.items()}
    p2 = {k: v.copy() for k, v in params.items()}
    for grads in steps[2:]:
        first.step(p1, grads)
        second.step(p2, grads)
    for k in start:
        np.testing.assert_array_equal(p1[k], p2[k])


def test_state_dict_is_a_copy():
    opt, params = run("adam", {}, {"w": P0}, [{"w": GRADS[0]}])
    saved = opt.state_dict()
    saved["buffers"]["w"]["exp_avg"][:] = 99.0
    assert not np.any(opt.state["w"]["exp_avg"] == 99.0)


def test_reset_forgets_state():
    opt, params = run("sgd", {"momentum": 0.9, "learning_rate": 0.1}, {"w": P0}, [{"w": GRADS[0]}])
    opt.reset()
    assert opt.state_dict() == {"step": {}, "buffers": {}}
    p = {"w": P0.copy()}
    opt.step(p, {"w": GRADS[1]})
    np.testing.assert_allclose(p["w"], P0 - 0.1 * GRADS[1])


def test_load_state_dict_refuses_garbage():
    with pytest.raises(ParamError):
        make_optimizer({"name": "adam"}).load_state_dict({"buffers": {}})


@pytest.mark.parametrize(("name", "hyper"), CASES, ids=CASE_IDS)
def test_float32_stays_float32(name, hyper):
    params32 = {"w": P0.astype(np.float32)}
    w = params32["w"]
    opt = make_optimizer({"name": name, **hyper})
    for g in GRADS:
        opt.step(params32, {"w": g.astype(np.float32)})
    assert params32["w"] is w and w.dtype == np.float32
    for buffer in opt.state["w"].values():
        if isinstance(buffer, np.ndarray):
            assert buffer.dtype == np.float32
    expected = REFERENCES[name](P0.copy(), GRADS, **hyper)
    np.testing.assert_allclose(w, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("name", "hyper"), CASES, ids=CASE_IDS)
def test_updates_in_place_and_leaves_grads_alone(name, hyper):
    params = {"w": P0.copy(), "frozen": P0.copy()}
    w = params["w"]
    grads = {"w": GRADS[0].copy()}                      # "frozen" has no gradient: left alone
    make_optimizer({"name": name, **hyper}).step(params, grads)
    assert params["w"] is w and not np.array_equal(w, P0)
    np.testing.assert_array_equal(grads["w"], GRADS[0])
    np.testing.assert_array_equal(params["frozen"], P0)
