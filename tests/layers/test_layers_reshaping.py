"""Reshaping and spatial layers: Flatten, Reshape, Permute, RepeatVector, ZeroPadding, Cropping, UpSampling."""

import numpy as np
import pytest

import numpy_reference as ref
from nerve import layers as L


@pytest.mark.parametrize("make, shape, expected", [
    (lambda: L.Flatten(), (2, 3, 4), (2, 12)),
    (lambda: L.Flatten(), (1, 5), (1, 5)),
    (lambda: L.Flatten(), (3,), (3, 1)),
    (lambda: L.Reshape((2, -1)), (2, 3, 4), (2, 2, 6)),
    (lambda: L.Reshape((12,)), (2, 3, 4), (2, 12)),
    (lambda: L.Permute((2, 1)), (2, 3, 4), (2, 4, 3)),
    (lambda: L.Permute((3, 1, 2)), (1, 2, 3, 4), (1, 4, 2, 3)),
    (lambda: L.RepeatVector(3), (2, 4), (2, 3, 4)),
    (lambda: L.ZeroPadding2D(), (2, 3, 4, 2), (2, 5, 6, 2)),
    (lambda: L.ZeroPadding2D((1, 2)), (2, 3, 4, 2), (2, 5, 8, 2)),
    (lambda: L.ZeroPadding2D(((1, 0), (2, 3))), (2, 3, 4, 2), (2, 4, 9, 2)),
    (lambda: L.ZeroPadding1D((0, 2)), (2, 3, 2), (2, 5, 2)),
    (lambda: L.ZeroPadding3D(1), (1, 2, 2, 2, 1), (1, 4, 4, 4, 1)),
    (lambda: L.Cropping2D(((1, 0), (1, 2))), (2, 5, 6, 3), (2, 4, 3, 3)),
    (lambda: L.Cropping2D(1), (2, 5, 6, 3), (2, 3, 4, 3)),
    (lambda: L.Cropping1D((2, 1)), (2, 5, 3), (2, 2, 3)),
    (lambda: L.Cropping3D(), (1, 3, 4, 5, 2), (1, 1, 2, 3, 2)),
    (lambda: L.UpSampling2D(), (2, 3, 4, 2), (2, 6, 8, 2)),
    (lambda: L.UpSampling2D((2, 3), interpolation="bilinear"), (2, 3, 4, 2), (2, 6, 12, 2)),
    (lambda: L.UpSampling1D(3), (2, 3, 2), (2, 9, 2)),
    (lambda: L.UpSampling3D((1, 2, 3)), (1, 2, 2, 2, 1), (1, 2, 4, 6, 1)),
    (lambda: L.UpSampling2D(2, data_format="channels_first"), (2, 3, 4, 2), (2, 3, 8, 4)),
    (lambda: L.ZeroPadding2D(1, data_format="channels_first"), (2, 3, 4, 2), (2, 3, 6, 4)),
], ids=lambda v: str(v) if isinstance(v, tuple) else None)
def test_output_shapes_symbolic_and_eager(check, make, shape, expected):
    assert check.shapes(make, shape).shape == expected


def test_values(check):
    x = check.data((2, 3, 4))
    np.testing.assert_array_equal(L.Flatten()(x).numpy(), x.reshape(2, 12))
    np.testing.assert_array_equal(L.Permute((2, 1))(x).numpy(), x.transpose(0, 2, 1))
    np.testing.assert_array_equal(L.Reshape((4, 3))(x).numpy(), x.reshape(2, 4, 3))
    v = check.data((2, 4))
    np.testing.assert_array_equal(L.RepeatVector(3)(v).numpy(), np.repeat(v[:, None], 3, axis=1))
    img = check.data((2, 3, 4, 5))
    np.testing.assert_array_equal(L.Flatten(data_format="channels_first")(img).numpy(),
                                  img.transpose(0, 2, 3, 1).reshape(2, -1))
    np.testing.assert_array_equal(L.ZeroPadding2D(((1, 0), (2, 3)))(img).numpy(),
                                  np.pad(img, [(0, 0), (1, 0), (2, 3), (0, 0)]))
    np.testing.assert_array_equal(L.Cropping2D(((1, 0), (1, 2)))(img).numpy(), img[:, 1:, 1:2])
    np.testing.assert_array_equal(L.UpSampling2D((2, 3))(img).numpy(), img.repeat(2, axis=1).repeat(3, axis=2))
    np.testing.assert_array_equal(L.UpSampling1D(2)(x).numpy(), x.repeat(2, axis=1))


def test_bilinear_upsampling_matches_numpy_reference(check):
    x = check.data((2, 3, 4, 2))
    np.testing.assert_allclose(L.UpSampling2D((2, 3), interpolation="bilinear")(x).numpy(),
                               ref.resize(x, (6, 12)), rtol=1e-5, atol=1e-6)


def test_upsampling_matches_torch(check, torch):
    x = check.data((2, 3, 4, 2))
    xt = torch.from_numpy(x).permute(0, 3, 1, 2)
    nearest = torch.nn.functional.interpolate(xt, scale_factor=(2, 3), mode="nearest").permute(0, 2, 3, 1)
    np.testing.assert_array_equal(L.UpSampling2D((2, 3))(x).numpy(), nearest.numpy())
    bilinear = torch.nn.functional.interpolate(xt, scale_factor=2, mode="bilinear", align_corners=False)
    np.testing.assert_allclose(L.UpSampling2D(2, interpolation="bilinear")(x).numpy(),
                               bilinear.permute(0, 2, 3, 1).numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make, shape", [
    (lambda: L.Flatten(), (2, 2, 3)),
    (lambda: L.Reshape((-1,)), (2, 2, 3)),
    (lambda: L.Permute((2, 1)), (2, 2, 3)),
    (lambda: L.RepeatVector(2), (2, 3)),
    (lambda: L.ZeroPadding2D(((1, 0), (0, 2))), (1, 2, 2, 2)),
    (lambda: L.Cropping2D(((1, 0), (0, 1))), (1, 3, 3, 2)),
    (lambda: L.UpSampling2D((2, 3)), (1, 2, 2, 2)),
    (lambda: L.UpSampling2D(2, interpolation="bilinear"), (1, 2, 3, 1)),
    (lambda: L.UpSampling3D(), (1, 2, 1, 2, 1)),
], ids=["flatten", "reshape", "permute", "repeat", "pad", "crop", "up_nearest", "up_bilinear", "up3d"])
def test_gradients(check, make, shape):
    check.gradients(make, shape)


@pytest.mark.parametrize("layer", [
    L.Flatten(data_format="channels_first"), L.Reshape((2, -1)), L.Permute((2, 1)), L.RepeatVector(4),
    L.ZeroPadding2D(((1, 0), (2, 3))), L.ZeroPadding1D(2), L.Cropping2D(1), L.Cropping3D(),
    L.UpSampling2D((2, 3), interpolation="bilinear"), L.UpSampling1D(3), L.UpSampling3D(),
], ids=lambda layer: type(layer).__name__)
def test_config_round_trip(check, layer):
    check.config_round_trip(layer)


def test_errors(check):
    with pytest.raises(ValueError, match=r"Reshape '.*': cannot reshape inputs of shape \(batch, \*\(3, 4\)\).*"
                                         r"\(5, -1\)"):
        L.Reshape((5, -1))(check.data((2, 3, 4)))
    with pytest.raises(ValueError, match="at most one -1"):
        L.Reshape((-1, -1))(check.data((2, 3, 4)))
    with pytest.raises(ValueError, match=r"Permute .*permutation of 1..2"):
        L.Permute((0, 1))
    with pytest.raises(ValueError, match=r"Permute .*rank 3"):
        L.Permute((2, 1))(check.data((2, 3, 4, 5)))
    with pytest.raises(ValueError, match=r"RepeatVector .*rank 2 \(batch, features\)"):
        L.RepeatVector(2)(check.data((2, 3, 4)))
    with pytest.raises(ValueError, match=r"Cropping2D .*leaves nothing"):
        L.Cropping2D(((2, 1), (0, 0)))(check.data((1, 3, 3, 1)))
    with pytest.raises(ValueError, match="padding"):
        L.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match="interpolation"):
        L.UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match=r"ZeroPadding2D .*rank 4 \(batch, height, width, channels\)"):
        L.ZeroPadding2D()(check.data((2, 3, 4)))
