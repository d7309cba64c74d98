"""Activation layers (ReLU, LeakyReLU, PReLU, ELU, Softmax, Maxout) and nerve.activations."""

import numpy as np
import pytest

import nerve
import numpy_reference as ref
from nerve import activations as A
from nerve import layers as L


@pytest.mark.parametrize("kwargs", [
    {}, {"max_value": 6.0}, {"max_value": 2.5}, {"negative_slope": 0.1}, {"threshold": 0.5},
    {"negative_slope": 0.2, "max_value": 1.0, "threshold": -0.3},
])
def test_relu_options_match_keras_formula(check, kwargs):
    x = np.linspace(-3, 8, 23).astype("float32")
    y = L.ReLU(**kwargs)(x).numpy()
    slope, top, thr = kwargs.get("negative_slope", 0.0), kwargs.get("max_value"), kwargs.get("threshold", 0.0)
    expected = np.where(x > thr, x, slope * (x - thr)) if thr else np.where(x > 0, x, slope * x)
    if top is not None:
        expected = np.minimum(expected, top)
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(A.relu(x, **kwargs).numpy(), expected, rtol=1e-6, atol=1e-6)


def test_relu_validation_and_config(check):
    with pytest.raises(ValueError, match="max_value"):
        L.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="negative_slope"):
        L.ReLU(negative_slope=-0.5)
    check.config_round_trip(L.ReLU(6.0, 0.1, 0.2))


def test_leaky_relu_keras3_default_and_alpha_alias(check):
    x = np.array([-2.0, 3.0], "float32")
    np.testing.assert_allclose(L.LeakyReLU()(x).numpy(), [-0.6, 3.0], rtol=1e-6)
    np.testing.assert_allclose(L.LeakyReLU(alpha=0.1)(x).numpy(), [-0.2, 3.0], rtol=1e-6)
    assert L.LeakyReLU(0.2).get_config()["negative_slope"] == 0.2
    check.config_round_trip(L.LeakyReLU(0.05))
    check.gradients(lambda: L.LeakyReLU(0.1), (3, 4))


def test_prelu_matches_numpy_with_per_channel_and_shared_alpha(check):
    x = check.data((2, 3, 4, 5))
    layer = L.PReLU(shared_axes=[1, 2])
    layer.build(x.shape)
    alpha = check.data((1, 1, 5))
    layer.set_weights([alpha])
    np.testing.assert_allclose(layer(x).numpy(), np.where(x > 0, x, alpha * x), rtol=1e-6)
    full = L.PReLU()
    full.build(x.shape)
    alpha = check.data((3, 4, 5))
    full.set_weights([alpha])
    np.testing.assert_allclose(full(x).numpy(), np.where(x > 0, x, alpha * x), rtol=1e-6)


def test_prelu_weights_shared_axes_gradients_and_torch(check, torch):
    layer = L.PReLU(shared_axes=[1, 2], alpha_initializer=nerve.initializers.Constant(0.25))
    x = check.data((2, 3, 4, 5))
    y = layer(x)
    check.weights_round_trip(layer, [(1, 1, 5)])
    assert L.PReLU()(L.Input((3, 4))).shape == (None, 3, 4)
    layer.set_weights([np.full((1, 1, 5), 0.25, "float32")])
    expected = torch.nn.functional.prelu(torch.from_numpy(x).permute(0, 3, 1, 2), torch.full((5,), 0.25))
    np.testing.assert_allclose(layer(x).numpy(), expected.permute(0, 2, 3, 1).numpy(), rtol=1e-6)
    assert y.shape == x.shape
    check.gradients(lambda: L.PReLU(alpha_initializer=nerve.initializers.Constant(0.3)), (2, 3))
    check.config_round_trip(layer)


def test_elu_softmax_maxout_values(check):
    x = check.data((2, 3, 4))
    np.testing.assert_allclose(L.ELU(0.5)(x).numpy(), np.where(x > 0, x, 0.5 * np.expm1(x)), rtol=1e-5, atol=1e-7)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    np.testing.assert_allclose(L.Softmax(axis=1)(x).numpy(), e / e.sum(axis=1, keepdims=True), rtol=1e-5)
    both = L.Softmax(axis=[1, 2])(x).numpy()
    np.testing.assert_allclose(both.sum(axis=(1, 2)), np.ones(2), rtol=1e-5)
    out = L.Maxout(2)(x).numpy()
    np.testing.assert_array_equal(out, x.reshape(2, 3, 2, 2).max(axis=-1))
    check.shapes(lambda: L.Maxout(2), (2, 3, 4))
    with pytest.raises(ValueError, match=r"Maxout '.*': axis -1 of size 5.*num_units=2"):
        L.Maxout(2)(check.data((2, 5)))


def test_softmax_mask_zeroes_masked_entries():
    x = np.zeros((1, 4), "float32")
    mask = np.array([[True, True, False, True]])
    y = L.Softmax()(x, mask=mask).numpy()
    np.testing.assert_allclose(y, [[1 / 3, 1 / 3, 0, 1 / 3]], atol=1e-6)


@pytest.mark.parametrize("make", [lambda: L.ELU(), lambda: L.Softmax(), lambda: L.ReLU(max_value=1.5, threshold=0.2)],
                         ids=["elu", "softmax", "relu"])
def test_activation_layer_gradients(check, make):
    check.gradients(make, (3, 5))


def test_activations_get_and_serialize():
    assert A.get(None) is A.linear and A.get("linear") is A.linear
    assert A.get("relu") is A.relu and A.get("swish") is A.silu
    assert A.get("hard_swish") is A.hard_silu
    assert A.get(np.tanh) is np.tanh
    assert A.serialize(A.relu) == "relu" and A.serialize(A.swish) == "silu"
    assert A.deserialize("gelu") is A.gelu
    assert A.get({"module": "keras.activations", "class_name": "function", "config": "tanh",
                  "registered_name": None}) is A.tanh
    layer_act = L.LeakyReLU(0.1)
    config = A.serialize(layer_act)
    assert config["class_name"] == "LeakyReLU"
    assert isinstance(A.deserialize(config), L.LeakyReLU)
    with pytest.raises(ValueError, match="unknown activation 'sigmod'"):
        A.get("sigmod")
    with pytest.raises(ValueError, match="could not interpret"):
        A.get(42)


@pytest.mark.parametrize("name", sorted(A.ALL_OBJECTS))
def test_every_named_activation_runs_in_float32_and_is_differentiable(name):
    fn = A.get(name)
    x = np.linspace(-2.3, 2.1, 12).astype("float32").reshape(3, 4)
    y = fn(nerve.Tensor(x))
    assert y.shape == (3, 4) and y.dtype == np.float32
    assert nerve.testing.gradcheck(fn, x.astype("float64") + 0.013)


@pytest.mark.parametrize("name", sorted(set(A.ALL_OBJECTS) - {"softmax", "log_softmax"}))
def test_named_activation_matches_numpy_reference(name):
    x = np.concatenate([np.linspace(-6, 6, 25), [-30.0, -1e-3, 1e-3, 30.0]])
    want = ref.activation(name, x, ref.NAMED_ACTIVATIONS)
    np.testing.assert_allclose(A.get(name)(nerve.Tensor(x)).numpy(), want, rtol=1e-12, atol=1e-14)
    y32 = A.get(name)(nerve.Tensor(x.astype("float32")))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32.numpy(), want, rtol=1e-5, atol=1e-6)


def test_activation_reference_values(torch):
    x = np.linspace(-3, 3, 13).astype("float32")
    t = torch.from_numpy(x)
    pairs = {
        "gelu": torch.nn.functional.gelu(t), "selu": torch.selu(t), "softplus": torch.nn.functional.softplus(t),
        "silu": torch.nn.functional.silu(t), "mish": torch.nn.functional.mish(t),
        "hard_sigmoid": torch.nn.functional.hardsigmoid(t), "hard_silu": torch.nn.functional.hardswish(t),
        "celu": torch.celu(t), "log_sigmoid": torch.nn.functional.logsigmoid(t), "tanh_shrink": t - torch.tanh(t),
        "relu6": torch.nn.functional.relu6(t), "hard_tanh": torch.nn.functional.hardtanh(t),
    }
    for name, expected in pairs.items():
        np.testing.assert_allclose(A.get(name)(x).numpy(), expected.numpy(), rtol=1e-5, atol=1e-6, err_msg=name)
