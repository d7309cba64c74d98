"""max_pool / average_pool / global pooling: values and max-pool tie gradients against the plain
NumPy loops of tests/numpy_reference.py and, on the same cases, against PyTorch; float64 gradient
checks, tie-breaking, dtypes and argument errors."""

import numpy as np
import pytest

import numpy_reference as ref
from nerve import Tensor, ops
from nerve.ops import conv_utils
from nerve.testing import gradcheck

R = np.random.default_rng(7)

# (input shape (channels_last), pool_size, strides, padding)
CASES = [
    ((2, 9, 3), 3, None, "valid"),               # 1-D, remainder cropped
    ((1, 10, 2), 2, 1, "same"),
    ((2, 7, 4), 2, 3, "valid"),                  # stride > pool: gaps
    ((2, 8, 6, 3), 2, None, "valid"),            # 2-D, windows tile the input
    ((1, 7, 5, 2), (3, 2), (2, 1), "same"),      # odd sizes, asymmetric "same" padding
    ((2, 9, 9, 1), 3, 2, "valid"),               # overlapping (ResNet stem)
    ((1, 6, 7, 2), 3, 3, "same"),
    ((2, 5, 6, 4), 1, 2, "valid"),
    ((1, 4, 6, 5, 2), 2, None, "valid"),         # 3-D
    ((2, 5, 4, 3, 1), (2, 3, 2), (1, 2, 2), "same"),
]


def _to_torch(torch, x, requires_grad=True):
    t = torch.tensor(np.moveaxis(x, -1, 1))
    return t.requires_grad_(requires_grad)


def _from_torch(t):
    return np.moveaxis(t.detach().numpy(), 1, -1)


def _torch_pool(torch, kind, xt, pool, strides, padding):
    """PyTorch reference, with Keras's (possibly asymmetric) "same" padding made explicit."""
    F = torch.nn.functional
    n = xt.ndim - 2
    spatial = xt.shape[2:]
    pads = conv_utils.padding_amounts(spatial, pool, strides, padding, (1,) * n)
    flat = [p for before_after in reversed(pads) for p in before_after]
    fn = {1: "pool1d", 2: "pool2d", 3: "pool3d"}[n]
    if kind == "max":
        return getattr(F, "max_" + fn)(F.pad(xt, flat, value=-float("inf")), pool, strides)
    padded = getattr(F, "avg_" + fn)(F.pad(xt, flat), pool, strides)
    ones = getattr(F, "avg_" + fn)(F.pad(torch.ones_like(xt), flat), pool, strides)
    return padded / ones          # Σ valid / number of valid elements


def _normalize(case):
    shape, pool, strides, padding = case
    n = len(shape) - 2
    pool = conv_utils.normalize_tuple(pool, n, "pool_size")
    strides = pool if strides is None else conv_utils.normalize_tuple(strides, n, "strides")
    return shape, pool, strides, padding


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("case", CASES)
def test_values_match_numpy_reference(kind, case):
    shape, pool, strides, padding = _normalize(case)
    x = R.standard_normal(shape)
    op = ops.max_pool if kind == "max" else ops.average_pool
    want = ref.pool(x, kind, pool, strides, padding)
    np.testing.assert_allclose(op(x, case[1], case[2], case[3]).numpy(), want, rtol=1e-12, atol=1e-12)
    y32 = op(x.astype(np.float32), case[1], case[2], case[3])
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32.numpy(), want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_max_pool_ties_send_gradient_to_first_maximum(case):
    shape, pool, strides, padding = _normalize(case)
    x = np.maximum(R.integers(-2, 3, shape), 0).astype(np.float32)    # many ties (ReLU zeros)
    xn = Tensor(x, requires_grad=True)
    y = ops.max_pool(xn, case[1], case[2], case[3])
    gy = R.standard_normal(y.shape).astype(np.float32)
    y.backward(gy)
    np.testing.assert_allclose(xn.grad.numpy(), ref.max_pool_gradient(x, gy, pool, strides, padding), rtol=1e-6)


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("case", CASES)
def test_values_and_gradients_match_torch(torch, kind, case):
    shape, pool, strides, padding = _normalize(case)
    x = R.standard_normal(shape).astype(np.float32)
    op = ops.max_pool if kind == "max" else ops.average_pool
    xn = Tensor(x, requires_grad=True)
    y = op(xn, case[1], case[2], case[3])
    xt = _to_torch(torch, x)
    yt = _torch_pool(torch, kind, xt, pool, strides, padding)
    expected = _from_torch(yt)
    assert y.dtype == np.float32
    assert y.shape == expected.shape == conv_utils.conv_output_shape(shape, pool, strides, padding)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6, atol=1e-6)
    gy = R.standard_normal(expected.shape).astype(np.float32)
    y.backward(gy)
    yt.backward(torch.tensor(np.moveaxis(gy, -1, 1)))
    np.testing.assert_allclose(xn.grad.numpy(), _from_torch(xt.grad), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", [CASES[1], CASES[3], CASES[5], CASES[9]])
def test_max_pool_ties_send_gradient_to_first_maximum_as_torch(torch, case):
    shape, pool, strides, padding = _normalize(case)
    x = np.maximum(R.integers(-2, 3, shape), 0).astype(np.float32)    # many ties (ReLU zeros)
    xn = Tensor(x, requires_grad=True)
    ops.max_pool(xn, pool, strides, padding).sum().backward()
    xt = _to_torch(torch, x)
    _torch_pool(torch, "max", xt, pool, strides, padding).sum().backward()
    np.testing.assert_array_equal(xn.grad.numpy(), _from_torch(xt.grad))


def test_max_pool_tie_convention_on_a_window():
    x = Tensor(np.array([[[[1.0], [3.0]], [[3.0], [0.0]]]]), requires_grad=True)   # one 2x2 window
    ops.max_pool(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, :, :, 0], [[0.0, 1.0], [0.0, 0.0]])


GRAD_CASES = [
    ((1, 5, 1), 2, 1, "valid"),
    ((2, 6, 2), 3, 2, "same"),
    ((1, 5, 5, 1), 2, 3, "valid"),         # stride > pool
    ((1, 5, 4, 2), 3, 2, "same"),
    ((2, 4, 4, 1), 2, None, "valid"),
    ((1, 3, 4, 3, 1), 2, 1, "same"),
    ((1, 4, 4, 2, 1), 2, None, "valid"),
]


@pytest.mark.parametrize("case", GRAD_CASES)
def test_max_pool_gradcheck(case):
    shape, pool, strides, padding = case
    n = int(np.prod(shape))
    x = (R.permutation(n).reshape(shape) / n).astype(np.float64)      # distinct values: no ties
    assert gradcheck(lambda t: ops.max_pool(t, pool, strides, padding), x)


@pytest.mark.parametrize("case", GRAD_CASES)
def test_average_pool_gradcheck(case):
    shape, pool, strides, padding = case
    assert gradcheck(lambda t: ops.average_pool(t, pool, strides, padding), R.standard_normal(shape))


def test_float64_stays_float64_and_int_inputs():
    x = R.standard_normal((1, 4, 4, 2))
    assert ops.max_pool(x, 2).dtype == np.float64
    assert ops.average_pool(x, 2, padding="same").dtype == np.float64
    xi = R.integers(0, 9, (1, 4, 4, 2))
    np.testing.assert_array_equal(
        ops.max_pool(xi, 2, padding="same").numpy(), xi.reshape(1, 2, 2, 2, 2, 2).max(axis=(2, 4))
    )
    assert ops.max_pool(xi, 2).dtype == np.int64
    assert ops.average_pool(xi, 2).dtype == np.float32


def test_same_average_counts_only_valid_elements():
    x = np.ones((1, 5, 1), dtype=np.float32)
    np.testing.assert_allclose(ops.average_pool(x, 3, 2, "same").numpy(), np.ones((1, 3, 1)))
    y = ops.average_pool(np.arange(4, dtype=np.float32).reshape(1, 4, 1), 3, 1, "same").numpy()
    np.testing.assert_allclose(y[0, :, 0], [0.5, 1.0, 2.0, 2.5])


def test_global_pools():
    x = R.standard_normal((2, 3, 4, 5)).astype(np.float32)
    np.testing.assert_allclose(ops.global_average_pool(x).numpy(), x.mean(axis=(1, 2)), rtol=1e-6)
    np.testing.assert_array_equal(ops.global_max_pool(x).numpy(), x.max(axis=(1, 2)))
    assert ops.global_max_pool(x, keepdims=True).shape == (2, 1, 1, 5)
    assert ops.global_average_pool(R.standard_normal((2, 7, 3)), keepdims=True).shape == (2, 1, 3)
    assert gradcheck(ops.global_average_pool, R.standard_normal((1, 3, 2, 2)))
    assert gradcheck(ops.global_max_pool, R.permutation(12).reshape(1, 2, 3, 2) / 12.0)


@pytest.mark.parametrize("call,message", [
    (lambda: ops.max_pool(np.zeros((4, 4), np.float32), 2), "rank 3, 4 or 5"),
    (lambda: ops.average_pool(np.zeros((1, 4, 4, 1), np.float32), 2, data_format="channels_first"),
     "channels_last"),
    (lambda: ops.max_pool(np.zeros((1, 2, 2, 1), np.float32), 3), r"max_pool: pool_size \(3, 3\) does not fit inputs of shape \(1, 2, 2, 1\)"),
    (lambda: ops.max_pool(np.zeros((1, 4, 4, 1), np.float32), 2, padding="full"), "padding"),
    (lambda: ops.max_pool(np.zeros((1, 4, 4, 1), np.float32), (2, 2, 2)), "pool_size"),
    (lambda: ops.average_pool(np.zeros((1, 4, 4, 1), np.float32), 2, strides=0), "strides"),
    (lambda: ops.global_max_pool(np.zeros((4, 4), np.float32)), "rank >= 3"),
])
def test_errors_name_the_op_and_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()
