"""Normalization layers: BatchNormalization (training vs inference, moving statistics, freezing),
LayerNormalization, GroupNormalization, InstanceNormalization; PyTorch agreement and gradients."""

import numpy as np
import pytest

import nerve
import numpy_reference as ref
from nerve import layers as L

CLOSE = dict(rtol=1e-5, atol=1e-5)      # float32 layers against the float64 reference


def to_torch_layout(torch, x):
    return torch.from_numpy(x).permute(0, x.ndim - 1, *range(1, x.ndim - 1))


def from_torch_layout(t):
    return t.permute(0, *range(2, t.ndim), 1).detach().numpy()


# ---- BatchNormalization -------------------------------------------------------------------

def test_batch_norm_weights_order_and_shapes(check):
    layer = L.BatchNormalization()
    layer(check.data((4, 3, 3, 5)))
    assert [w.path.split("/")[-1] for w in layer.weights] == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name for w in layer.trainable_weights] == ["gamma", "beta"]
    check.weights_round_trip(layer, [(5,)] * 4)
    bare = L.BatchNormalization(center=False, scale=False)
    bare.build((None, 4))
    assert [w.path.split("/")[-1] for w in bare.weights] == ["moving_mean", "moving_variance"]


def test_batch_norm_training_matches_numpy_reference(check):
    x = check.data((6, 4, 5, 3)) * 2 + 1
    layer = L.BatchNormalization(momentum=0.9, epsilon=1e-5, beta_initializer="random_normal",
                                 gamma_initializer="random_uniform")
    y = layer(x, training=True).numpy()
    np.testing.assert_allclose(y, ref.normalize(x, (0, 1, 2), layer.gamma.numpy(), layer.beta.numpy(), 1e-5), **CLOSE)
    moving_mean, moving_var = 0.1 * x.mean(axis=(0, 1, 2)), 0.9 + 0.1 * x.var(axis=(0, 1, 2))
    np.testing.assert_allclose(layer.moving_mean.numpy(), moving_mean, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), moving_var, rtol=1e-5)
    inference = (x - moving_mean) / np.sqrt(moving_var + 1e-5) * layer.gamma.numpy() + layer.beta.numpy()
    np.testing.assert_allclose(layer(x, training=False).numpy(), inference, **CLOSE)


def test_batch_norm_training_matches_torch_and_updates_moving_stats(check, torch):
    x = check.data((6, 4, 5, 3)) * 2 + 1
    layer = L.BatchNormalization(momentum=0.9, epsilon=1e-5, beta_initializer="random_normal",
                                 gamma_initializer="random_uniform")
    layer.build(x.shape)
    gamma, beta = layer.gamma.numpy(), layer.beta.numpy()
    bn = torch.nn.BatchNorm2d(3, eps=1e-5, momentum=0.1)
    with torch.no_grad():
        bn.weight.copy_(torch.from_numpy(gamma))
        bn.bias.copy_(torch.from_numpy(beta))
    xn = nerve.Tensor(x, requires_grad=True)
    y = layer(xn, training=True)
    xt = to_torch_layout(torch, x).requires_grad_()
    yt = bn(xt)
    np.testing.assert_allclose(y.numpy(), from_torch_layout(yt), rtol=1e-4, atol=1e-5)
    # Keras: moving = moving·m + batch·(1 − m), with the biased batch variance
    mean, var = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.9 * 0 + 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 * 1 + 0.1 * var, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), bn.running_mean.numpy(), rtol=1e-5)
    # gradients agree with PyTorch's
    g = check.data(x.shape)
    gx, gg, gb = nerve.grad((y * nerve.Tensor(g)).sum(), [xn, layer.gamma, layer.beta])
    (yt * to_torch_layout(torch, g)).sum().backward()
    np.testing.assert_allclose(gx.numpy(), from_torch_layout(xt.grad), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gg.numpy(), bn.weight.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(gb.numpy(), bn.bias.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_batch_norm_inference_uses_moving_stats_and_records_no_update(check):
    layer = L.BatchNormalization(axis=1, epsilon=1e-3)
    x = check.data((5, 3, 4))
    layer.build(x.shape)
    layer.set_weights([np.array([1.0, 2.0, 0.5], "float32"), np.array([0.0, 1.0, -1.0], "float32"),
                       np.array([0.5, -0.5, 0.0], "float32"), np.array([4.0, 1.0, 0.25], "float32")])
    before = [w.copy() for w in layer.get_weights()]
    for training in (None, False):
        y = layer(x, training=training).numpy()
        shape = (1, 3, 1)
        g, b, m, v = [w.reshape(shape) for w in before]
        np.testing.assert_allclose(y, g * (x - m) / np.sqrt(v + 1e-3) + b, rtol=1e-5, atol=1e-6)
    for got, want in zip(layer.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_batch_norm_repeated_training_converges_to_data_stats(check):
    x = check.data((64, 2)) * 3 + 2
    layer = L.BatchNormalization(momentum=0.5)
    for _ in range(30):
        layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.numpy(), x.mean(axis=0), rtol=1e-4)
    np.testing.assert_allclose(layer.moving_variance.numpy(), x.var(axis=0), rtol=1e-4)
    assert layer.moving_mean.grad is None and not layer.moving_mean.requires_grad


def test_frozen_batch_norm_runs_in_inference_mode(check):
    x = check.data((8, 3))
    layer = L.BatchNormalization()
    layer(x, training=True)
    layer.trainable = False
    stats = [w.copy() for w in layer.get_weights()]
    y = layer(x, training=True).numpy()
    np.testing.assert_allclose(y, layer(x, training=False).numpy())
    for got, want in zip(layer.get_weights(), stats):
        np.testing.assert_array_equal(got, want)
    assert layer.trainable_weights == []


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradients(check, training):
    check.gradients(lambda: L.BatchNormalization(beta_initializer="random_normal",
                                                 gamma_initializer="random_normal"), (4, 2, 3), training=training)


def test_batch_norm_config_and_errors(check):
    layer = L.BatchNormalization(axis=1, momentum=0.9, center=False, gamma_regularizer="l2")
    config = check.config_round_trip(layer).get_config()
    assert config["momentum"] == 0.9 and config["axis"] == 1
    layer(check.data((2, 3, 4)))
    with pytest.raises(ValueError, match=r"BatchNormalization '.*': expected axis 1 of the input to have size 3, "
                                         r"received shape \(2, 5, 4\)"):
        layer(check.data((2, 5, 4)))
    with pytest.raises(ValueError, match="rank 3"):
        layer(check.data((2, 3)))
    assert check.shapes(lambda: L.BatchNormalization(), (3, 4, 2)).shape == (3, 4, 2)


# ---- Layer, Group, Instance normalization ---------------------------------------------------

def test_layer_norm_matches_numpy_reference(check):
    x = check.data((2, 3, 6))
    layer = L.LayerNormalization(epsilon=1e-5, beta_initializer="random_normal", gamma_initializer="random_normal")
    y = layer(x).numpy()
    np.testing.assert_allclose(y, ref.normalize(x, (2,), layer.gamma.numpy(), layer.beta.numpy(), 1e-5), **CLOSE)
    both = L.LayerNormalization(axis=[1, 2], epsilon=1e-5, beta_initializer="random_normal")
    y2 = both(x).numpy()
    np.testing.assert_allclose(y2, ref.normalize(x, (1, 2), both.gamma.numpy(), both.beta.numpy(), 1e-5), **CLOSE)


def test_layer_norm_matches_torch(check, torch):
    x = check.data((2, 3, 6))
    layer = L.LayerNormalization(epsilon=1e-5, beta_initializer="random_normal", gamma_initializer="random_normal")
    y = layer(x).numpy()
    ln = torch.nn.LayerNorm(6, eps=1e-5)
    with torch.no_grad():
        ln.weight.copy_(torch.from_numpy(layer.gamma.numpy()))
        ln.bias.copy_(torch.from_numpy(layer.beta.numpy()))
    np.testing.assert_allclose(y, ln(torch.from_numpy(x)).detach().numpy(), rtol=1e-4, atol=1e-5)
    check.weights_round_trip(layer, [(6,), (6,)])

    both = L.LayerNormalization(axis=[1, 2], epsilon=1e-5)
    y2 = both(x).numpy()
    assert [w.shape for w in both.weights] == [(3, 6), (3, 6)]
    np.testing.assert_allclose(y2, torch.nn.functional.layer_norm(torch.from_numpy(x), (3, 6), eps=1e-5).numpy(),
                               rtol=1e-4, atol=1e-5)


def test_layer_norm_rms_scaling(check):
    x = check.data((3, 5))
    layer = L.LayerNormalization(rms_scaling=True, epsilon=1e-6)
    y = layer(x).numpy()
    assert [w.path.split("/")[-1] for w in layer.weights] == ["gamma"]
    np.testing.assert_allclose(y, x / np.sqrt((x ** 2).mean(axis=-1, keepdims=True) + 1e-6), rtol=1e-5)
    check.config_round_trip(layer)


def test_group_norm_matches_numpy_reference(check):
    x = check.data((2, 3, 4, 6))
    layer = L.GroupNormalization(groups=3, epsilon=1e-5, beta_initializer="random_normal",
                                 gamma_initializer="random_normal")
    y = layer(x).numpy()
    np.testing.assert_allclose(y, ref.group_norm(x, 3, layer.gamma.numpy(), layer.beta.numpy(), 1e-5), **CLOSE)
    first = L.GroupNormalization(groups=2, axis=1, epsilon=1e-5)
    xf = check.data((2, 4, 3, 3))
    expected = np.moveaxis(ref.group_norm(np.moveaxis(xf, 1, -1), 2, epsilon=1e-5), -1, 1)
    np.testing.assert_allclose(first(xf).numpy(), expected, **CLOSE)


def test_group_norm_matches_torch(check, torch):
    x = check.data((2, 3, 4, 6))
    layer = L.GroupNormalization(groups=3, epsilon=1e-5, beta_initializer="random_normal",
                                 gamma_initializer="random_normal")
    y = layer(x).numpy()
    gn = torch.nn.GroupNorm(3, 6, eps=1e-5)
    with torch.no_grad():
        gn.weight.copy_(torch.from_numpy(layer.gamma.numpy()))
        gn.bias.copy_(torch.from_numpy(layer.beta.numpy()))
    np.testing.assert_allclose(y, from_torch_layout(gn(to_torch_layout(torch, x))), rtol=1e-4, atol=1e-5)
    check.weights_round_trip(layer, [(6,), (6,)])
    first = L.GroupNormalization(groups=2, axis=1, epsilon=1e-5)
    xf = check.data((2, 4, 3, 3))
    expected = torch.nn.functional.group_norm(torch.from_numpy(xf), 2, eps=1e-5).numpy()
    np.testing.assert_allclose(first(xf).numpy(), expected, rtol=1e-4, atol=1e-5)


def test_instance_norm_matches_numpy_reference(check):
    x = check.data((2, 5, 4, 3))
    layer = L.InstanceNormalization(epsilon=1e-5, beta_initializer="random_normal", gamma_initializer="random_normal")
    y = layer(x).numpy()
    np.testing.assert_allclose(y, ref.normalize(x, (1, 2), layer.gamma.numpy(), layer.beta.numpy(), 1e-5), **CLOSE)


def test_instance_norm_matches_torch_and_group_norm(check, torch):
    x = check.data((2, 5, 4, 3))
    layer = L.InstanceNormalization(epsilon=1e-5, beta_initializer="random_normal")
    y = layer(x).numpy()
    inorm = torch.nn.InstanceNorm2d(3, eps=1e-5, affine=True)
    with torch.no_grad():
        inorm.bias.copy_(torch.from_numpy(layer.beta.numpy()))
    np.testing.assert_allclose(y, from_torch_layout(inorm(to_torch_layout(torch, x))), rtol=1e-4, atol=1e-5)
    group = L.GroupNormalization(groups=-1, epsilon=1e-5)
    group.build(x.shape)
    group.set_weights(layer.get_weights())
    np.testing.assert_allclose(group(x).numpy(), y, rtol=1e-5, atol=1e-6)
    config = check.config_round_trip(layer).get_config()
    assert "groups" not in config


@pytest.mark.parametrize("make, shape", [
    (lambda: L.LayerNormalization(beta_initializer="random_normal", gamma_initializer="random_normal"), (2, 3, 4)),
    (lambda: L.LayerNormalization(axis=[1, 2], gamma_initializer="random_normal"), (2, 2, 3)),
    (lambda: L.LayerNormalization(rms_scaling=True, gamma_initializer="random_normal"), (2, 4)),
    (lambda: L.GroupNormalization(groups=2, gamma_initializer="random_normal"), (2, 3, 4)),
    (lambda: L.GroupNormalization(groups=2, axis=1, beta_initializer="random_normal"), (2, 4, 3)),
    (lambda: L.InstanceNormalization(gamma_initializer="random_normal"), (2, 3, 2)),
], ids=["layer", "layer_2axes", "rms", "group", "group_axis1", "instance"])
def test_gradients(check, make, shape):
    check.gradients(make, shape)


def test_group_norm_errors(check):
    with pytest.raises(ValueError, match=r"GroupNormalization '.*': 6 channels .* cannot be split into groups=4"):
        L.GroupNormalization(groups=4)(check.data((2, 3, 6)))
    with pytest.raises(ValueError, match="groups"):
        L.GroupNormalization(groups=0)
    assert L.GroupNormalization().get_config()["groups"] == 32
