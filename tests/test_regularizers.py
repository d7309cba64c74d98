"""nerve.regularizers: penalties, gradients, names, serialization and Layer.losses."""

import numpy as np
import pytest

import nerve
from nerve import regularizers as R
from nerve.testing import gradcheck


def test_penalties_match_numpy(rng):
    w = rng.standard_normal((4, 3)).astype("float32")
    t = nerve.Tensor(w)
    np.testing.assert_allclose(R.L1(0.1)(t).numpy(), 0.1 * np.abs(w).sum(), rtol=1e-6)
    np.testing.assert_allclose(R.L2(0.2)(t).numpy(), 0.2 * np.square(w).sum(), rtol=1e-6)
    both = R.L1L2(l1=0.1, l2=0.2)(t)
    np.testing.assert_allclose(both.numpy(), 0.1 * np.abs(w).sum() + 0.2 * np.square(w).sum(), rtol=1e-6)
    assert both.shape == () and both.dtype == np.float32
    assert float(R.L1L2()(t).numpy()) == 0.0


def test_defaults_as_keras():
    assert R.L1().get_config() == {"l1": 0.01}
    assert R.L2().get_config() == {"l2": 0.01}
    assert R.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}


def test_penalties_are_differentiable(rng):
    w = rng.standard_normal((3, 4)) + 0.1        # away from |w|'s kink at 0
    assert gradcheck(lambda x: R.L1L2(0.3, 0.7)(x), w)
    assert gradcheck(lambda x: R.L1(0.5)(x), w)
    assert gradcheck(lambda x: R.OrthogonalRegularizer(0.1, "columns")(x), w)


def test_orthogonal_regularizer_is_zero_for_orthogonal_rows():
    q = nerve.Tensor(np.eye(3, 5, dtype="float32"))
    assert float(R.OrthogonalRegularizer(1.0)(q).numpy()) == pytest.approx(0.0, abs=1e-6)
    ones = nerve.Tensor(np.ones((3, 5), "float32"))
    assert float(R.OrthogonalRegularizer(1.0)(ones).numpy()) == pytest.approx(1.0, rel=1e-5)
    with pytest.raises(ValueError, match="mode"):
        R.OrthogonalRegularizer(mode="diagonal")


def test_get_names_and_round_trip():
    assert isinstance(R.get("l1"), R.L1) and isinstance(R.get("L2"), R.L2)
    assert isinstance(R.get("l1_l2"), R.L1L2)
    assert R.l1 is R.L1 and R.l2 is R.L2
    assert R.get(None) is None
    for reg in (R.L1(0.3), R.L2(0.4), R.L1L2(0.1, 0.2), R.OrthogonalRegularizer(0.5, "columns")):
        config = R.serialize(reg)
        assert config["class_name"] == type(reg).__name__
        assert R.deserialize(config) == reg and R.get(config) == reg
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: 'l3'"):
        R.get("l3")
    with pytest.raises(ValueError, match="non-negative"):
        R.L2(-1.0)


def test_layer_losses_collect_weight_and_activity_penalties(rng):
    layer = nerve.layers.Dense(3, kernel_regularizer="l2", bias_regularizer=R.L1(0.5),
                               activity_regularizer=R.L2(0.1), bias_initializer="ones")
    x = rng.standard_normal((2, 4)).astype("float32")
    y = layer(x)
    losses = layer.losses
    assert len(losses) == 3
    kernel = layer.kernel.numpy()
    activity, kernel_penalty, bias_penalty = losses        # the call's losses, then the weights'
    np.testing.assert_allclose(activity.numpy(), 0.1 * (y.numpy() ** 2).sum(), rtol=1e-5)
    np.testing.assert_allclose(kernel_penalty.numpy(), 0.01 * (kernel ** 2).sum(), rtol=1e-5)
    np.testing.assert_allclose(bias_penalty.numpy(), 0.5 * 3.0, rtol=1e-6)
    total = kernel_penalty + bias_penalty
    grads = nerve.grad(total, [layer.kernel, layer.bias])
    np.testing.assert_allclose(grads[0].numpy(), 0.02 * kernel, rtol=1e-5)
    np.testing.assert_allclose(grads[1].numpy(), 0.5 * np.ones(3), rtol=1e-6)
    config = layer.get_config()
    assert config["kernel_regularizer"]["class_name"] == "L2"
    assert config["activity_regularizer"]["config"] == {"l2": 0.1}
    again = nerve.layers.Dense.from_config(config)
    assert again.activity_regularizer == layer.activity_regularizer


def test_frozen_layer_weights_are_not_penalized():
    layer = nerve.layers.Dense(2, kernel_regularizer="l1")
    layer.build((None, 3))
    assert len(layer.losses) == 1
    layer.trainable = False
    assert layer.losses == []
