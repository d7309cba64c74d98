"""Pooling layers: shapes, values against the NumPy reference (tests/numpy_reference.py) and
PyTorch, global pooling, gradients, errors."""

import numpy as np
import pytest

import numpy_reference as ref
from nerve import layers as L


@pytest.mark.parametrize("make, shape, expected", [
    (lambda: L.MaxPooling2D(), (2, 7, 7, 3), (2, 3, 3, 3)),
    (lambda: L.MaxPooling2D(3, 2, padding="same"), (1, 7, 6, 2), (1, 4, 3, 2)),
    (lambda: L.AveragePooling2D((2, 3), strides=1), (2, 5, 5, 1), (2, 4, 3, 1)),
    (lambda: L.MaxPooling1D(3), (2, 10, 4), (2, 3, 4)),
    (lambda: L.AveragePooling1D(2, 1, "same"), (2, 5, 4), (2, 5, 4)),
    (lambda: L.MaxPooling3D(), (1, 4, 5, 4, 2), (1, 2, 2, 2, 2)),
    (lambda: L.AveragePooling3D((1, 2, 2), padding="same"), (1, 3, 5, 4, 2), (1, 3, 3, 2, 2)),
    (lambda: L.MaxPooling2D(data_format="channels_first"), (2, 3, 6, 4), (2, 3, 3, 2)),
    (lambda: L.GlobalAveragePooling2D(), (2, 5, 4, 3), (2, 3)),
    (lambda: L.GlobalMaxPooling2D(keepdims=True), (2, 5, 4, 3), (2, 1, 1, 3)),
    (lambda: L.GlobalAveragePooling1D(keepdims=True), (2, 5, 3), (2, 1, 3)),
    (lambda: L.GlobalMaxPooling1D(), (2, 5, 3), (2, 3)),
    (lambda: L.GlobalAveragePooling3D(), (1, 2, 3, 4, 5), (1, 5)),
    (lambda: L.GlobalMaxPooling2D(data_format="channels_first"), (2, 3, 4, 5), (2, 3)),
], ids=lambda v: str(v) if isinstance(v, tuple) else None)
def test_output_shapes_symbolic_and_eager(check, make, shape, expected):
    assert check.shapes(make, shape).shape == expected


@pytest.mark.parametrize("pool, strides, padding", [(2, None, "valid"), (3, 2, "valid"), ((2, 3), (1, 2), "valid"),
                                                   (3, 2, "same")])
def test_max_and_average_pooling_match_numpy_reference(check, pool, strides, padding):
    x = check.data((2, 7, 8, 3))
    pool2 = (pool, pool) if isinstance(pool, int) else pool
    strides2 = pool2 if strides is None else (strides, strides) if isinstance(strides, int) else strides
    for layer, kind in ((L.MaxPooling2D(pool, strides, padding), "max"),
                        (L.AveragePooling2D(pool, strides, padding), "average")):
        np.testing.assert_allclose(layer(x).numpy(), ref.pool(x, kind, pool2, strides2, padding), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("pool, strides", [(2, None), (3, 2), ((2, 3), (1, 2))])
def test_max_and_average_pooling_match_torch(check, torch, pool, strides):
    x = check.data((2, 7, 8, 3))
    xt = torch.from_numpy(x).permute(0, 3, 1, 2)
    for layer, fn in ((L.MaxPooling2D(pool, strides), torch.nn.functional.max_pool2d),
                      (L.AveragePooling2D(pool, strides), torch.nn.functional.avg_pool2d)):
        expected = fn(xt, pool, strides if strides is not None else pool).permute(0, 2, 3, 1).numpy()
        np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-6, atol=1e-6)


def test_pooling_1d_3d_and_channels_first_match_numpy(check):
    x = check.data((2, 6, 3))
    np.testing.assert_allclose(L.MaxPooling1D(2)(x).numpy(), x.reshape(2, 3, 2, 3).max(axis=2))
    v = check.data((1, 4, 4, 2, 3))
    np.testing.assert_allclose(L.AveragePooling3D(2)(v).numpy(), v.reshape(1, 2, 2, 2, 2, 1, 2, 3).mean(axis=(2, 4, 6)),
                               rtol=1e-6)
    f = check.data((2, 3, 4, 6))
    expected = f.reshape(2, 3, 2, 2, 3, 2).max(axis=(3, 5))
    np.testing.assert_allclose(L.MaxPooling2D(data_format="channels_first")(f).numpy(), expected)


def test_global_pooling_values(check):
    x = check.data((2, 4, 5, 3))
    np.testing.assert_allclose(L.GlobalAveragePooling2D()(x).numpy(), x.mean(axis=(1, 2)), rtol=1e-6)
    np.testing.assert_allclose(L.GlobalMaxPooling2D(keepdims=True)(x).numpy(), x.max(axis=(1, 2), keepdims=True))
    np.testing.assert_allclose(L.GlobalAveragePooling2D(data_format="channels_first")(x).numpy(),
                               x.mean(axis=(2, 3)), rtol=1e-6)


@pytest.mark.parametrize("make, shape", [
    (lambda: L.MaxPooling2D(2, 1), (1, 3, 3, 2)),
    (lambda: L.AveragePooling2D(2, padding="same"), (1, 3, 3, 2)),
    (lambda: L.AveragePooling1D(2, 1), (2, 4, 2)),
    (lambda: L.GlobalAveragePooling2D(), (2, 2, 3, 2)),
    (lambda: L.GlobalMaxPooling1D(), (2, 4, 3)),
], ids=["max2d", "avg2d_same", "avg1d", "gap2d", "gmp1d"])
def test_gradients(check, make, shape):
    check.gradients(make, shape)


def test_config_round_trip_and_defaults(check):
    layer = L.MaxPooling2D()
    config = layer.get_config()
    assert config["pool_size"] == (2, 2) and config["strides"] == (2, 2) and config["padding"] == "valid"
    for layer in (L.AveragePooling1D(3, 2, "same"), L.MaxPooling3D(), L.GlobalMaxPooling2D(keepdims=True),
                  L.GlobalAveragePooling1D(data_format="channels_first")):
        check.config_round_trip(layer)
    assert L.MaxPool2D is L.MaxPooling2D and L.GlobalAvgPool2D is L.GlobalAveragePooling2D


def test_errors(check):
    with pytest.raises(ValueError, match=r"MaxPooling2D '.*': expected input of rank 4 \(batch, height, width, "
                                         r"channels\), received shape \(2, 5, 3\)"):
        L.MaxPooling2D()(check.data((2, 5, 3)))
    with pytest.raises(ValueError, match=r"pool_size \(4, 4\) does not fit inputs of shape \(1, 3, 3, 1\)"):
        L.MaxPooling2D(4)(check.data((1, 3, 3, 1)))
    with pytest.raises(ValueError, match=r"GlobalAveragePooling1D .*rank 3"):
        L.GlobalAveragePooling1D()(check.data((2, 3, 4, 5)))
    with pytest.raises(ValueError, match="padding"):
        L.AveragePooling2D(padding="full")
