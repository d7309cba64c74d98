"""Regularization layers: Dropout family and noise layers, training vs inference, seeding."""

import numpy as np
import pytest

import nerve
from nerve import layers as L


def test_dropout_training_vs_inference(check):
    x = np.ones((200, 50), "float32")
    layer = L.Dropout(0.3)
    np.testing.assert_array_equal(layer(x).numpy(), x)                  # default: inference
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    y = layer(x, training=True).numpy()
    kept = y != 0
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.7)}
    assert kept.mean() == pytest.approx(0.7, abs=0.02)
    assert y.mean() == pytest.approx(1.0, abs=0.03)                   # inverted dropout keeps the mean
    assert check.shapes(lambda: L.Dropout(0.5), (2, 3)).shape == (2, 3)


def test_dropout_gradient_uses_the_same_mask():
    layer = L.Dropout(0.5)
    x = nerve.Tensor(np.ones((4, 6), "float32"), requires_grad=True)
    y = layer(x, training=True)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.numpy())


def test_dropout_seeding_and_noise_shape():
    x = np.ones((3, 5, 8), "float32")
    a, b = L.Dropout(0.5, seed=1), L.Dropout(0.5, seed=1)
    first = a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())             # same seed, same masks
    assert not np.array_equal(first, a(x, training=True).numpy())                 # a new mask every call
    nerve.utils.set_random_seed(5)
    c = L.Dropout(0.5)(x, training=True).numpy()
    nerve.utils.set_random_seed(5)
    np.testing.assert_array_equal(L.Dropout(0.5)(x, training=True).numpy(), c)   # the global seed reproduces
    shared = L.Dropout(0.5, noise_shape=(None, 1, 8))(x, training=True).numpy()
    assert (shared == shared[:, :1, :]).all()                                     # same features at every step


def test_dropout_inside_training_context_of_parent():
    class Block(L.Layer):
        def __init__(self):
            super().__init__()
            self.drop = L.Dropout(0.9, seed=0)

        def call(self, inputs):
            return self.drop(inputs)

    x = np.ones((4, 10), "float32")
    block = Block()
    assert (block(x, training=True).numpy() == 0).mean() > 0.5      # training reaches the nested layer
    np.testing.assert_array_equal(block(x).numpy(), x)


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((4, 5, 5, 16), "float32")
    y = L.SpatialDropout2D(0.5, seed=0)(x, training=True).numpy()
    assert (y == y[:, :1, :1, :]).all()
    y1 = L.SpatialDropout1D(0.5, seed=0)(np.ones((4, 6, 8), "float32"), training=True).numpy()
    assert (y1 == y1[:, :1, :]).all()
    yf = L.SpatialDropout2D(0.5, data_format="channels_first", seed=0)(np.ones((2, 8, 3, 3), "float32"),
                                                                     training=True).numpy()
    assert (yf == yf[:, :, :1, :1]).all()
    with pytest.raises(ValueError, match=r"SpatialDropout2D .*rank 4"):
        L.SpatialDropout2D(0.5)(np.ones((2, 3, 4), "float32"), training=True)


def test_gaussian_noise_and_dropout_statistics():
    x = np.ones((400, 100), "float32")
    noise = L.GaussianNoise(0.5, seed=0)
    np.testing.assert_array_equal(noise(x).numpy(), x)
    y = noise(x, training=True).numpy()
    assert y.dtype == np.float32
    assert (y - 1).std() == pytest.approx(0.5, rel=0.02)
    g = L.GaussianDropout(0.2, seed=0)(x, training=True).numpy()
    assert g.mean() == pytest.approx(1.0, abs=0.01)
    assert g.std() == pytest.approx(np.sqrt(0.2 / 0.8), rel=0.02)
    np.testing.assert_array_equal(L.GaussianDropout(0.2)(x).numpy(), x)


def test_activity_regularization_layer():
    layer = L.ActivityRegularization(l1=0.1, l2=0.5)
    x = np.array([[1.0, -2.0]], "float32")
    np.testing.assert_array_equal(layer(x).numpy(), x)
    (penalty,) = layer.losses
    assert float(penalty.numpy()) == pytest.approx(0.1 * 3 + 0.5 * 5)
    assert layer.get_config()["l2"] == 0.5 and "activity_regularizer" not in layer.get_config()


@pytest.mark.parametrize("layer", [
    L.Dropout(0.25, noise_shape=(None, 1), seed=3), L.SpatialDropout2D(0.1, seed=1), L.GaussianNoise(0.3),
    L.GaussianDropout(0.4, seed=2), L.ActivityRegularization(0.01, 0.02), L.SpatialDropout1D(0.2),
], ids=lambda layer: type(layer).__name__)
def test_config_round_trip(check, layer):
    check.config_round_trip(layer)


def test_rate_validation():
    with pytest.raises(ValueError, match=r"Dropout '.*': `rate` must be a number in \[0, 1\), received 1.5"):
        L.Dropout(1.5)
    with pytest.raises(ValueError, match="rate"):
        L.GaussianDropout(-0.1)
    with pytest.raises(ValueError, match="stddev"):
        L.GaussianNoise(-1)
