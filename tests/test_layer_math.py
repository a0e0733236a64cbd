"""The image and normalization layers' math: central-difference gradient checks (float64) and,
where torch is installed, agreement with PyTorch's forward, backward and running statistics."""
from __future__ import annotations

import numpy as np
import pytest

from engine.nodes.activations import ActivationLayer
from engine.nodes.convolution import Conv2DLayer, conv_output_size, same_padding
from engine.nodes.dense import DenseLayer
from engine.nodes.normalization import BatchNormLayer, LayerNormLayer
from engine.nodes.pooling import AvgPool2DLayer, MaxPool2DLayer

EPS = 1e-6


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def rng(seed=0):
    return np.random.default_rng(seed)


def conv(shape, stride=1, padding=(0, 0, 0, 0), bias=True, seed=1):
    r = rng(seed)
    return Conv2DLayer(r.normal(size=shape), r.normal(size=shape[0]) if bias else None, stride, padding)


def batch_norm(channels, seed=1):
    r = rng(seed)
    return BatchNormLayer(r.normal(1.0, 0.3, channels), r.normal(size=channels),
                          r.normal(size=channels), r.uniform(0.5, 2.0, channels), momentum=0.1, eps=1e-5)


def check_gradients(layer, x, training=True):
    """The input gradient and every parameter gradient against central differences of
    sum(output · r) for a fixed random r; also that neither the input nor the incoming
    gradient is changed in place (a gradient may be shared by several consumers)."""
    x = x.copy()
    r = rng(7).normal(size=layer.forward([x], training).shape)
    x_before, r_before = x.copy(), r.copy()
    layer.forward([x], training)
    (dx,) = layer.backward(r)
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(r, r_before)
    assert dx.shape == x.shape and dx.flags.c_contiguous

    def loss():
        return float((layer.forward([x], training) * r).sum())

    for name, array in [("input", x), *layer.params.items()]:
        analytic = dx if name == "input" else layer.grads[name]
        assert analytic.shape == array.shape, name
        numeric = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + EPS
            plus = loss()
            array[index] = saved - EPS
            minus = loss()
            array[index] = saved
            numeric[index] = (plus - minus) / (2 * EPS)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7, err_msg=name)


# ---- helpers -------------------------------------------------------------------------------

def test_same_padding_puts_an_even_kernels_extra_row_and_column_at_the_bottom_right():
    assert same_padding(3, 3) == (1, 1, 1, 1)
    assert same_padding(1, 5) == (0, 0, 2, 2)
    assert same_padding(4, 2) == (1, 2, 0, 1)


def test_conv_output_size():
    assert conv_output_size(8, 3, 1, 1, 1) == 8
    assert conv_output_size(9, 3, 2, 1, 1) == 5
    assert conv_output_size(9, 2, 2, 0, 0) == 4  # floor mode drops the last column
    assert conv_output_size(2, 5, 1, 0, 0) < 1  # the kernel does not fit


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_same_padding_matches_torch(torch):
    x = torch.randn(1, 1, 6, 7, dtype=torch.float64)
    for kh, kw in [(1, 1), (2, 3), (3, 4), (4, 4), (5, 2)]:
        theirs = torch.nn.Conv2d(1, 1, (kh, kw), padding="same", bias=False, dtype=torch.float64)
        ours = Conv2DLayer(theirs.weight.detach().numpy(), None, 1, same_padding(kh, kw))
        np.testing.assert_allclose(ours.forward([x.numpy()], False), theirs(x).detach().numpy(), atol=1e-12)


# ---- gradient checks -------------------------------------------------------------------------

CONV_CASES = {
    "same 3x3, several channels, non-square image": ((4, 3, 3, 3), 1, same_padding(3, 3), True, (2, 3, 7, 5)),
    "same even 4x2 kernel, bias off": ((3, 2, 4, 2), 1, same_padding(4, 2), False, (2, 2, 6, 5)),
    "stride 2, uneven padding, odd sizes": ((3, 2, 3, 3), 2, (1, 0, 2, 1), True, (2, 2, 9, 7)),
    "no padding, 1 channel": ((2, 1, 2, 3), 1, (0, 0, 0, 0), True, (3, 1, 5, 6)),
}


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_gradients(case):
    shape, stride, padding, bias, x_shape = CONV_CASES[case]
    check_gradients(conv(shape, stride, padding, bias), rng().normal(size=x_shape))


def test_conv_on_the_data_skips_the_input_gradient_but_not_the_parameters():
    layer = conv((2, 1, 3, 3), padding=(1, 1, 1, 1))
    x = rng().normal(size=(2, 1, 5, 5))
    layer.need_input_grad = False
    out = layer.forward([x], True)
    assert layer.backward(np.ones_like(out)) == [None]
    assert layer.grads["weight"].shape == (2, 1, 3, 3) and layer.grads["bias"].tolist() == [50.0, 50.0]


@pytest.mark.parametrize("kind", [MaxPool2DLayer, AvgPool2DLayer])
@pytest.mark.parametrize("pool, stride, x_shape", [
    (2, 2, (2, 3, 6, 4)), (2, 2, (2, 2, 7, 5)), (3, 2, (2, 2, 7, 9)), (2, 3, (1, 2, 8, 7)),
])
def test_pool_gradients(kind, pool, stride, x_shape):
    check_gradients(kind(pool, stride), rng().normal(size=x_shape))


@pytest.mark.parametrize("shape", [(6, 4), (3, 2, 5, 4)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradients(shape, training):
    check_gradients(batch_norm(shape[1]), rng().normal(2.0, 3.0, size=shape), training)


def test_layer_norm_gradients():
    r = rng(1)
    check_gradients(LayerNormLayer(r.normal(size=5), r.normal(size=5), 1e-5), rng().normal(1.0, 2.0, size=(4, 5)))


# ---- behaviour -----------------------------------------------------------------------------

def test_max_pool_gives_a_tied_windows_gradient_to_its_first_maximum():
    x = np.array([[[[0.0, 0.0, 1.0, 3.0],
                    [0.0, 0.0, 3.0, 2.0]]]])
    layer = MaxPool2DLayer(2, 2)
    assert layer.forward([x], True).tolist() == [[[[0.0, 3.0]]]]
    (dx,) = layer.backward(np.array([[[[5.0, 7.0]]]]))
    assert dx.tolist() == [[[[5.0, 0.0, 0.0, 7.0], [0.0, 0.0, 0.0, 0.0]]]]


def test_overlapping_max_pool_adds_the_gradients_of_windows_sharing_a_maximum():
    x = np.zeros((1, 1, 3, 5))
    x[0, 0, 1, 2] = 1.0  # the maximum of both 3x3 windows (stride 2)
    layer = MaxPool2DLayer(3, 2)
    layer.forward([x], True)
    (dx,) = layer.backward(np.array([[[[2.0, 3.0]]]]))
    assert dx[0, 0, 1, 2] == 5.0 and dx.sum() == 5.0


def test_batch_norm_refuses_to_train_on_one_value_per_channel():
    layer = batch_norm(3)
    with pytest.raises(ValueError, match="more than one value per channel"):
        layer.forward([np.ones((1, 3))], True)
    layer.forward([np.ones((1, 3))], False)  # evaluation uses the running statistics
    layer.forward([rng().normal(size=(1, 3, 2, 2))], True)  # four values per channel: fine


def test_batch_norm_updates_its_running_statistics_in_place():
    layer = batch_norm(2)
    mean, var = layer.buffers["running_mean"], layer.buffers["running_var"]
    expected_mean, expected_var = mean * 0.9, var * 0.9
    x = rng().normal(size=(4, 2, 3, 3))
    layer.forward([x], True)
    assert layer.buffers["running_mean"] is mean and layer.buffers["running_var"] is var
    np.testing.assert_allclose(mean, expected_mean + 0.1 * x.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(var, expected_var + 0.1 * x.var(axis=(0, 2, 3), ddof=1))
    before = mean.copy()
    layer.forward([x], False)
    np.testing.assert_array_equal(mean, before)


@pytest.mark.parametrize("make, x_shape", [
    (lambda r: Conv2DLayer(r.normal(size=(4, 2, 3, 3)), r.normal(size=4), 1, same_padding(3, 3)), (3, 2, 6, 5)),
    (lambda r: Conv2DLayer(r.normal(size=(4, 2, 2, 2)), None, 2, (0, 0, 0, 0)), (3, 2, 6, 5)),
    (lambda r: MaxPool2DLayer(2, 2), (3, 2, 6, 5)),
    (lambda r: AvgPool2DLayer(3, 2), (3, 2, 7, 5)),
    (lambda r: BatchNormLayer(r.normal(size=2), r.normal(size=2), np.zeros(2), np.ones(2), 0.1, 1e-5), (3, 2, 6, 5)),
    (lambda r: BatchNormLayer(r.normal(size=5), r.normal(size=5), np.zeros(5), np.ones(5), 0.1, 1e-5), (3, 5)),
    (lambda r: LayerNormLayer(r.normal(size=5), r.normal(size=5), 1e-5), (3, 5)),
])
def test_float32_stays_float32(make, x_shape):
    layer = make(rng())
    for name in layer.params:
        layer.params[name] = layer.params[name].astype(np.float32)
    for name in layer.buffers:
        layer.buffers[name] = layer.buffers[name].astype(np.float32)
    x = rng().normal(size=x_shape).astype(np.float32)
    for training in (True, False):
        out = layer.forward([x], training)
        (dx,) = layer.backward(np.ones_like(out))
        assert out.dtype == dx.dtype == np.float32 and out.flags.c_contiguous
        assert all(g.dtype == np.float32 for g in layer.grads.values())
        assert all(b.dtype == np.float32 for b in layer.buffers.values())


# ---- agreement with PyTorch ------------------------------------------------------------------

def _torch_pair(torch, x, grad_out, fn, params):
    """(output, input gradient, parameter gradients) of torch ``fn`` on float64 copies."""
    xt = torch.tensor(x, requires_grad=True)
    pt = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    out = fn(xt, pt)
    out.backward(torch.tensor(grad_out))
    return out.detach().numpy(), xt.grad.numpy(), {k: v.grad.numpy() for k, v in pt.items()}


def assert_matches_torch(torch, layer, x, fn, training=True):
    out = layer.forward([x], training)
    grad = rng(3).normal(size=out.shape)
    (dx,) = layer.backward(grad)
    t_out, t_dx, t_grads = _torch_pair(torch, x, grad, fn, layer.params)
    np.testing.assert_allclose(out, t_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, t_dx, rtol=1e-12, atol=1e-12)
    for name, g in t_grads.items():
        np.testing.assert_allclose(layer.grads[name], g, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_matches_torch(torch, case):
    shape, stride, padding, bias, x_shape = CONV_CASES[case]
    top, bottom, left, right = padding
    F = torch.nn.functional

    def fn(x, p):
        return F.conv2d(F.pad(x, (left, right, top, bottom)), p["weight"], p.get("bias"), stride=stride)

    assert_matches_torch(torch, conv(shape, stride, padding, bias), rng().normal(size=(4, *x_shape[1:])), fn)


@pytest.mark.parametrize("pool, stride", [(2, 2), (3, 2), (3, 1), (2, 3)])
def test_pools_match_torch_also_on_ties(torch, pool, stride):
    # ReLU outputs: many windows are all zero, others hold repeated maxima.
    x = np.maximum(rng().normal(size=(3, 2, 9, 8)), 0.0)
    x[0, 0, :4, :4] = 0.0
    x[1, 1, 2:6, 2:6] = 1.5
    F = torch.nn.functional
    assert_matches_torch(torch, MaxPool2DLayer(pool, stride), x, lambda x, p: F.max_pool2d(x, pool, stride))
    assert_matches_torch(torch, AvgPool2DLayer(pool, stride), x, lambda x, p: F.avg_pool2d(x, pool, stride))


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5, 6)])
def test_batch_norm_matches_torch_over_training_and_evaluation(torch, shape):
    channels = shape[1]
    ours = batch_norm(channels)
    mean, var = ours.buffers["running_mean"], ours.buffers["running_var"]
    their_mean, their_var = torch.tensor(mean), torch.tensor(var)
    r = rng(5)
    for step, training in enumerate([True, True, True, False, True, False]):
        x = r.normal(1.0 + step, 2.0, size=shape)
        assert_matches_torch(torch, ours, x, lambda x, p: torch.nn.functional.batch_norm(
            x, their_mean, their_var, p["weight"], p["bias"], training, 0.1, 1e-5), training)
        np.testing.assert_allclose(mean, their_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(var, their_var.numpy(), rtol=1e-12)
    assert not np.allclose(mean, batch_norm(channels).buffers["running_mean"])  # the steps moved it


def test_layer_norm_matches_torch(torch):
    r = rng(2)
    layer = LayerNormLayer(r.normal(size=6), r.normal(size=6), 1e-5)
    fn = lambda x, p: torch.nn.functional.layer_norm(x, (6,), p["weight"], p["bias"], 1e-5)  # noqa: E731
    assert_matches_torch(torch, layer, r.normal(3.0, 2.0, size=(5, 6)), fn)


def test_one_sgd_step_of_a_small_cnn_matches_torch(torch):
    """conv → ReLU → max-pool → flatten → linear → softmax cross-entropy, one SGD step by hand
    with these layers and the engine's Dense and Activation layers, against torch."""
    r = rng(4)
    x, y, lr = r.normal(size=(5, 2, 7, 6)), np.array([0, 2, 1, 2, 0]), 0.1
    net = torch.nn.Sequential(
        torch.nn.Conv2d(2, 3, 3, padding="same"), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(3 * 3 * 3, 3),
    ).double()
    conv_t, linear_t = net[0], net[4]
    conv_layer = Conv2DLayer(conv_t.weight.detach().numpy().copy(), conv_t.bias.detach().numpy().copy(), 1, same_padding(3, 3))
    conv_layer.need_input_grad = False
    relu = ActivationLayer({"function": "relu"}, 0, True, np.float64)
    pool = MaxPool2DLayer(2, 2)
    dense = DenseLayer(linear_t.weight.detach().numpy().T.copy(), linear_t.bias.detach().numpy().copy())

    pooled = pool.forward([relu.forward([conv_layer.forward([x], True)], True)], True)
    logits = dense.forward([pooled.reshape(len(x), -1)], True)
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(len(x)), y]).mean()
    grad = probs.copy()
    grad[np.arange(len(x)), y] -= 1.0
    (g,) = dense.backward(grad / len(x))
    (g,) = pool.backward(g.reshape(pooled.shape))
    (g,) = relu.backward(g)
    assert conv_layer.backward(g) == [None]
    for layer in (conv_layer, dense):
        for name, param in layer.params.items():
            param -= lr * layer.grads[name]

    t_loss = torch.nn.functional.cross_entropy(net(torch.tensor(x)), torch.tensor(y))
    t_loss.backward()
    with torch.no_grad():  # torch.optim.SGD's update; its first use costs seconds of imports
        for param in net.parameters():
            param -= lr * param.grad
    assert loss == pytest.approx(t_loss.item(), rel=1e-12)
    np.testing.assert_allclose(conv_layer.params["weight"], conv_t.weight.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(conv_layer.params["bias"], conv_t.bias.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dense.params["weight"], linear_t.weight.detach().numpy().T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dense.params["bias"], linear_t.bias.detach().numpy(), rtol=1e-12, atol=1e-14)
