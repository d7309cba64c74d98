"""nerve.ops.dropout: statistics, reproducibility, identity cases, gradient, noise_shape, errors."""

import numpy as np
import pytest

import nerve
from nerve import Tensor, ops
from nerve.testing import gradcheck


@pytest.mark.parametrize("rate", [0.1, 0.5, 0.8])
def test_drops_the_rate_and_preserves_the_mean(rate):
    x = np.ones((400, 500), np.float32)
    y = ops.dropout(x, rate).numpy()
    assert y.dtype == np.float32 and y.shape == x.shape
    n = x.size
    tolerance = 5 * np.sqrt(rate * (1 - rate) / n)          # 5 standard deviations
    assert abs((y == 0).mean() - rate) < tolerance
    assert abs(y.mean() - 1.0) < tolerance / (1 - rate)
    np.testing.assert_allclose(np.unique(y), [0.0, np.float32(1 / (1 - rate))], rtol=1e-7)


def test_reproducible_with_set_random_seed():
    x = np.ones((50, 40), np.float32)
    nerve.utils.set_random_seed(123)
    a = ops.dropout(x, 0.5).numpy()
    b = ops.dropout(x, 0.5).numpy()
    nerve.utils.set_random_seed(123)
    np.testing.assert_array_equal(ops.dropout(x, 0.5).numpy(), a)
    assert not np.array_equal(a, b)          # the global generator moved on


def test_int_seed_is_a_local_generator():
    x = np.ones((30, 30), np.float32)
    a = ops.dropout(x, 0.3, seed=7).numpy()
    nerve.utils.set_random_seed(99)
    np.testing.assert_array_equal(ops.dropout(x, 0.3, seed=7).numpy(), a)
    assert not np.array_equal(ops.dropout(x, 0.3, seed=8).numpy(), a)
    g = np.random.default_rng(5)
    np.testing.assert_array_equal(ops.dropout(x, 0.3, seed=g).numpy(), ops.dropout(x, 0.3, seed=5).numpy())


def test_identity_when_not_training_or_rate_zero():
    x = Tensor(np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32))
    assert ops.dropout(x, 0.5, training=False) is x
    assert ops.dropout(x, 0.0) is x


def test_gradient_is_the_scaled_mask():
    x = Tensor(np.random.default_rng(0).uniform(1, 2, (20, 30)).astype(np.float32), requires_grad=True)
    y = ops.dropout(x, 0.25)
    y.backward(np.ones(y.shape, np.float32))
    mask = (y.numpy() != 0).astype(np.float32) / np.float32(0.75)
    np.testing.assert_array_equal(x.grad.numpy(), mask)
    assert x.grad.dtype == np.float32
    assert gradcheck(lambda t: ops.dropout(t, 0.4, seed=3), np.random.default_rng(1).standard_normal((3, 5)))


def test_float64_kept_and_int_cast():
    assert ops.dropout(np.ones((3, 3)), 0.5).dtype == np.float64
    assert ops.dropout(np.ones((3, 3), np.int64), 0.5).dtype == np.float32


def test_noise_shape_broadcasts_the_mask():
    x = np.ones((8, 50, 6), np.float32)
    y = ops.dropout(x, 0.5, noise_shape=(None, 1, 6)).numpy()
    assert (y == y[:, :1, :]).all()                          # one decision per (sample, channel)
    assert 0 < (y == 0).mean() < 1
    x = Tensor(np.ones((4, 3), np.float32), requires_grad=True)
    ops.dropout(x, 0.5, noise_shape=(4, 1)).sum().backward()
    assert (x.grad.numpy() == x.grad.numpy()[:, :1]).all()


@pytest.mark.parametrize("kwargs,error,message", [
    (dict(rate=1.0), ValueError, r"\[0, 1\)"),
    (dict(rate=-0.1), ValueError, "rate"),
    (dict(rate="0.5"), ValueError, "rate"),
    (dict(rate=0.5, noise_shape=(4, 2)), ValueError, "noise_shape"),
    (dict(rate=0.5, noise_shape=(4,)), ValueError, "noise_shape"),
    (dict(rate=0.5, seed="abc"), TypeError, "seed"),
])
def test_errors(kwargs, error, message):
    with pytest.raises(error, match=message):
        ops.dropout(np.ones((4, 3), np.float32), **kwargs)
