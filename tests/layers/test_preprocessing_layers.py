"""Preprocessing layers: Rescaling, Normalization (adapt), Resizing, CenterCrop."""

import numpy as np
import pytest

import nerve
import numpy_reference as ref
from nerve import layers
from nerve.testing import gradcheck


def test_rescaling_values_dtype_and_per_channel(rng):
    x = rng.integers(0, 256, (2, 3, 3, 3)).astype("uint8")
    out = layers.Rescaling(1 / 127.5, offset=-1)(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), x / 127.5 - 1, atol=1e-6)
    per_channel = layers.Rescaling([1.0, 2.0, 3.0])(x.astype("float32")).numpy()
    np.testing.assert_allclose(per_channel, x * np.array([1, 2, 3]), atol=1e-4)
    # always on, also at inference
    np.testing.assert_allclose(layers.Rescaling(0.5)(x, training=False).numpy(), x * 0.5)


def test_rescaling_is_differentiable():
    gradcheck(lambda t: layers.Rescaling(0.3, offset=2.0, dtype="float64")(t), np.random.rand(2, 3))


def test_normalization_adapt_standardizes_per_channel(rng):
    data = (rng.standard_normal((50, 4, 4, 3)) * [1, 5, 10] + [0, 3, -7]).astype("float32")
    layer = layers.Normalization()
    layer.adapt(data)
    np.testing.assert_allclose(layer.mean.numpy(), data.mean(axis=(0, 1, 2)), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(layer.variance.numpy(), data.var(axis=(0, 1, 2)), rtol=1e-4)
    out = layer(data).numpy()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)
    assert [w.shape for w in layer.get_weights()] == [(3,), (3,)]
    assert layer.trainable_weights == []


def test_normalization_adapt_on_batches_equals_whole(rng):
    data = rng.standard_normal((40, 5)).astype("float32")
    whole, batched = layers.Normalization(), layers.Normalization()
    whole.adapt(data)
    batched.adapt([data[:13], data[13:]])
    np.testing.assert_allclose(whole.get_weights()[0], batched.get_weights()[0], rtol=1e-5)
    np.testing.assert_allclose(whole.get_weights()[1], batched.get_weights()[1], rtol=1e-5)


def test_normalization_axis_none_and_given_statistics():
    data = np.arange(12, dtype="float32").reshape(3, 4)
    layer = layers.Normalization(axis=None)
    layer.adapt(data)
    assert layer.mean.shape == ()
    np.testing.assert_allclose(layer(data).numpy(), (data - data.mean()) / data.std(), rtol=1e-5)
    fixed = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 16.0])
    np.testing.assert_allclose(fixed(np.array([[3.0, 6.0]], "float32")).numpy(), [[1.0, 1.0]])
    inverse = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 16.0], invert=True)
    np.testing.assert_allclose(inverse(np.array([[1.0, 1.0]], "float32")).numpy(), [[3.0, 6.0]])


def test_normalization_errors():
    with pytest.raises(ValueError, match="both"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="adapt"):
        layers.Normalization(mean=0.0, variance=1.0).adapt(np.zeros((2, 3), "float32"))


def test_normalization_gradient():
    layer = layers.Normalization(mean=[1.0, -2.0, 0.5], variance=[2.0, 0.5, 3.0], dtype="float64")
    gradcheck(lambda t: layer(t), np.random.rand(2, 3))


@pytest.mark.parametrize("size", [(5, 7), (13, 4), (9, 9)])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_resizing_matches_numpy_reference(rng, size, interpolation):
    x = rng.random((2, 9, 6, 3)).astype("float32")
    ours = layers.Resizing(*size, interpolation=interpolation)(x).numpy()
    np.testing.assert_allclose(ours, ref.resize(x, size, interpolation), atol=1e-6)


@pytest.mark.parametrize("size", [(5, 7), (13, 4), (9, 9)])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_resizing_matches_torch(torch, rng, size, interpolation):
    x = rng.random((2, 9, 6, 3)).astype("float32")
    ours = layers.Resizing(*size, interpolation=interpolation)(x).numpy()
    mode = "bilinear" if interpolation == "bilinear" else "nearest-exact"
    kwargs = {"align_corners": False} if interpolation == "bilinear" else {}
    ref = torch.nn.functional.interpolate(torch.tensor(x).permute(0, 3, 1, 2), size=size, mode=mode, **kwargs)
    np.testing.assert_allclose(ours, ref.permute(0, 2, 3, 1).numpy(), atol=1e-5)


def test_resizing_gradient():
    gradcheck(lambda t: layers.Resizing(5, 3, dtype="float64")(t), np.random.rand(1, 3, 4, 2))


def test_resizing_aspect_ratio_options():
    x = np.ones((1, 4, 8, 1), "float32")
    cropped = layers.Resizing(4, 4, crop_to_aspect_ratio=True)(x).numpy()
    np.testing.assert_allclose(cropped, 1.0)
    padded = layers.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=0.0)(x).numpy()
    assert padded.shape == (1, 8, 8, 1)
    np.testing.assert_allclose(padded[0, :2], 0.0)     # bands added above and below
    np.testing.assert_allclose(padded[0, 3:5], 1.0)


def test_center_crop_and_small_inputs(rng):
    x = rng.random((2, 9, 10, 1)).astype("float32")
    np.testing.assert_array_equal(layers.CenterCrop(5, 4)(x).numpy(), x[:, 2:7, 3:7])
    assert layers.CenterCrop(12, 12)(x).shape == (2, 12, 12, 1)
    assert layers.CenterCrop(5, 4)(x[0]).shape == (5, 4, 1)
    gradcheck(lambda t: layers.CenterCrop(2, 3, dtype="float64")(t), rng.random((1, 4, 5, 1)))


def test_symbolic_shapes():
    inputs = nerve.layers.Input((28, 30, 3))
    assert layers.Resizing(14, 15)(inputs).shape == (None, 14, 15, 3)
    assert layers.CenterCrop(20, 20)(inputs).shape == (None, 20, 20, 3)
    assert layers.RandomCrop(24, 24)(inputs).shape == (None, 24, 24, 3)
    assert layers.RandomRotation(0.1)(inputs).shape == (None, 28, 30, 3)
    assert layers.Rescaling(1 / 255)(inputs).shape == (None, 28, 30, 3)


def test_configs_round_trip():
    for layer in [layers.Resizing(3, 4, interpolation="nearest", crop_to_aspect_ratio=True),
                  layers.CenterCrop(2, 2), layers.Rescaling(0.5, 1.0), layers.RandomCrop(3, 3, seed=1),
                  layers.Normalization(axis=(1, 2), mean=0.5, variance=2.0), layers.RandomBrightness(0.1),
                  layers.RandomContrast((0.1, 0.4), value_range=(0, 1)), layers.RandomFlip("vertical")]:
        config = layer.get_config()
        clone = type(layer).from_config({**config, "name": config["name"] + "_clone"})
        assert {**clone.get_config(), "name": config["name"]} == config


def test_saved_model_keeps_preprocessing_layers(tmp_path, rng):
    x = (rng.random((8, 6, 6, 3)) * 255).astype("float32")
    norm = layers.Normalization()
    model = nerve.Sequential([nerve.Input((6, 6, 3)), layers.Rescaling(1 / 255), norm,
                              layers.RandomFlip("horizontal", seed=2), layers.RandomZoom(0.2),
                              layers.Resizing(4, 4), layers.CenterCrop(3, 3), layers.Flatten(), layers.Dense(2)])
    norm.adapt(x / 255)
    path = tmp_path / "pre.nerve"
    model.save(path)
    loaded = nerve.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    restored = [layer for layer in loaded.layers if type(layer).__name__ == "Normalization"][0]
    np.testing.assert_allclose(restored.mean.numpy(), norm.mean.numpy())
