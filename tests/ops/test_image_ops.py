"""nerve.ops.image.resize: values against a plain NumPy reference (tests/numpy_reference.py) and
PyTorch's interpolate, gradients by float64 central differences and against PyTorch, Keras's
crop/pad-to-aspect-ratio arithmetic, dtypes and argument errors."""

import numpy as np
import pytest

import numpy_reference as ref
from nerve import Tensor
from nerve.ops import image
from nerve.testing import gradcheck

R = np.random.default_rng(3)


def _torch_resize(torch, x, size, **kwargs):
    """PyTorch reference on a channels_last array: returns (output as NHWC numpy, input tensor, output tensor)."""
    xt = torch.tensor(np.moveaxis(x, -1, 1), requires_grad=True)
    yt = torch.nn.functional.interpolate(xt, size=size, **kwargs)
    return np.moveaxis(yt.detach().numpy(), 1, -1), xt, yt


def _check_against_torch(torch, shape, size, interpolation, antialias=False, **torch_kwargs):
    x = R.standard_normal(shape).astype(np.float32)
    xn = Tensor(x, requires_grad=True)
    y = image.resize(xn, size, interpolation=interpolation, antialias=antialias)
    if antialias:
        torch_kwargs["antialias"] = True
    expected, xt, yt = _torch_resize(torch, x, size, **torch_kwargs)
    assert y.dtype == np.float32 and y.shape == expected.shape
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-5)
    gy = R.standard_normal(expected.shape).astype(np.float32)
    y.backward(gy)
    yt.backward(torch.tensor(np.moveaxis(gy, -1, 1)))
    np.testing.assert_allclose(xn.grad.numpy(), np.moveaxis(xt.grad.numpy(), 1, -1), rtol=1e-5, atol=1e-5)


SIZES = [((2, 5, 7, 3), (10, 14)), ((1, 6, 6, 2), (4, 9)), ((2, 9, 4, 1), (3, 2)), ((1, 7, 5, 2), (11, 5)),
         ((3, 4, 4, 2), (1, 1))]


@pytest.mark.parametrize("interpolation,antialias", [("bilinear", False), ("bilinear", True), ("nearest", False)])
@pytest.mark.parametrize("shape,size", SIZES)
def test_matches_numpy_reference(shape, size, interpolation, antialias):
    x = R.standard_normal(shape)
    want = ref.resize(x, size, interpolation, antialias)
    got = image.resize(x, size, interpolation=interpolation, antialias=antialias)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)
    got32 = image.resize(x.astype(np.float32), size, interpolation=interpolation, antialias=antialias)
    assert got32.dtype == np.float32
    np.testing.assert_allclose(got32.numpy(), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape,size", SIZES)
def test_bilinear_matches_torch_half_pixel(torch, shape, size):
    _check_against_torch(torch, shape, size, "bilinear", mode="bilinear", align_corners=False)


@pytest.mark.parametrize("shape,size", SIZES)
def test_bilinear_antialias_matches_torch(torch, shape, size):
    _check_against_torch(torch, shape, size, "bilinear", antialias=True, mode="bilinear", align_corners=False)


@pytest.mark.parametrize("shape,size", SIZES)
def test_nearest_matches_torch_nearest_exact(torch, shape, size):
    _check_against_torch(torch, shape, size, "nearest", mode="nearest-exact")


@pytest.mark.parametrize("shape,size", [((2, 3, 4, 2), (6, 12)), ((1, 5, 2, 3), (15, 4))])
def test_nearest_equals_torch_nearest_on_integer_upsampling(torch, shape, size):
    _check_against_torch(torch, shape, size, "nearest", mode="nearest")


def test_nearest_uses_half_pixel_centers_as_keras_tf():
    x = np.arange(6, dtype=np.float32).reshape(1, 6, 1)          # one image: 1 row of 6 pixels
    y = image.resize(x, (1, 3), interpolation="nearest").numpy()
    np.testing.assert_array_equal(y[0, :, 0], [1.0, 3.0, 5.0])    # floor((i + .5)·2), not floor(i·2)


@pytest.mark.parametrize("interpolation,antialias", [("bilinear", False), ("bilinear", True), ("nearest", False)])
@pytest.mark.parametrize("shape,size", [((1, 3, 4, 2), (5, 3)), ((2, 5, 3, 1), (2, 6)), ((4, 3, 1), (7, 2))])
def test_gradcheck(interpolation, antialias, shape, size):
    assert gradcheck(lambda t: image.resize(t, size, interpolation=interpolation, antialias=antialias),
                     R.standard_normal(shape))


def test_single_image_same_as_batch_of_one():
    x = R.standard_normal((5, 6, 3)).astype(np.float32)
    single = image.resize(x, (8, 4)).numpy()
    batch = image.resize(x[None], (8, 4)).numpy()
    assert single.shape == (8, 4, 3)
    np.testing.assert_array_equal(single, batch[0])


def test_same_size_is_identity_and_dtypes():
    x = R.standard_normal((2, 4, 5, 3)).astype(np.float32)
    np.testing.assert_array_equal(image.resize(x, (4, 5)).numpy(), x)
    assert image.resize(x.astype(np.float64), (3, 3)).dtype == np.float64
    xi = R.integers(0, 255, (1, 4, 4, 3)).astype(np.uint8)
    assert image.resize(xi, (8, 8)).dtype == np.float32
    near = image.resize(xi, (8, 8), interpolation="nearest")
    assert near.dtype == np.uint8
    np.testing.assert_array_equal(near.numpy(), xi.repeat(2, axis=1).repeat(2, axis=2))


def test_crop_to_aspect_ratio_as_keras():
    x = R.standard_normal((1, 4, 8, 2)).astype(np.float32)
    y = image.resize(x, (2, 2), crop_to_aspect_ratio=True)
    # Keras: crop_width = int(4·2/2) = 4, centered: columns 2..5
    np.testing.assert_allclose(y.numpy(), image.resize(x[:, :, 2:6], (2, 2)).numpy())
    assert gradcheck(lambda t: image.resize(t, (3, 2), crop_to_aspect_ratio=True), R.standard_normal((1, 3, 5, 1)))


def test_pad_to_aspect_ratio_as_keras():
    x = R.standard_normal((4, 2, 1)).astype(np.float32)
    y = image.resize(x, (4, 4), interpolation="nearest", pad_to_aspect_ratio=True, fill_value=-1.0)
    expected = np.full((4, 4, 1), -1.0, np.float32)
    expected[:, 1:3] = x
    np.testing.assert_array_equal(y.numpy(), expected)


@pytest.mark.parametrize("kwargs,message", [
    (dict(size=(2, 2), interpolation="bicubic"), "does not implement"),
    (dict(size=(2, 2), interpolation="cubic"), "unknown"),
    (dict(size=(2,)), "size"),
    (dict(size=(0, 2)), "size"),
    (dict(size=(2.5, 2)), "size"),
    (dict(size=(2, 2), data_format="channels_first"), "channels_last"),
    (dict(size=(2, 2), fill_mode="reflect"), "fill_mode"),
    (dict(size=(2, 2), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "only one"),
])
def test_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        image.resize(np.zeros((1, 4, 4, 1), np.float32), **kwargs)
    with pytest.raises(ValueError, match="rank 3"):
        image.resize(np.zeros((4, 4), np.float32), (2, 2))
