"""The convolution ops give the same values and gradients whichever internal path runs:
batch chunked or whole, im2col kept or rebuilt, col2im compiled (numba) or NumPy."""

import numpy as np
import pytest

import nerve
from nerve import Tensor, ops
from nerve.ops import conv_kernels

R = np.random.default_rng(7)

# (op, input shape, kernel shape, strides, padding, dilation)
CASES = [
    ("conv", (5, 9, 8, 3), (3, 3, 3, 4), (1, 1), "same", (1, 1)),
    ("conv", (4, 10, 9, 1), (5, 4, 1, 3), (2, 1), "same", (1, 1)),      # one channel: transposed im2col
    ("conv", (3, 11, 10, 2), (3, 2, 2, 3), (3, 2), "valid", (1, 2)),
    ("conv", (3, 12, 9, 2), (3, 3, 2, 2), (1, 1), "same", (2, 2)),
    ("conv", (3, 7, 6, 4), (1, 1, 4, 2), (2, 2), "valid", (1, 1)),
    ("conv", (3, 13, 5), (4, 5, 3), (2,), "same", (1,)),
    ("conv_transpose", (4, 5, 4, 3), (3, 3, 2, 3), (2, 2), "same", (1, 1)),
    ("conv_transpose", (3, 4, 5, 2), (4, 3, 1, 2), (2, 3), "valid", (1, 1)),
    ("depthwise_conv", (3, 8, 7, 2), (3, 3, 2, 2), (1, 2), "same", (1, 1)),
]


def run(op, x, w, strides, padding, dilation):
    """Output and both gradients of Σ op(x, w)·g, as NumPy arrays."""
    x, w = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    y = getattr(ops, op)(x, w, strides, padding, dilation_rate=dilation)
    g = np.random.default_rng(0).standard_normal(y.shape).astype(y.dtype)
    gx, gw = nerve.grad((y * Tensor(g)).sum(), [x, w])
    return [a.numpy() for a in (y, gx, gw)]


def case_arrays(x_shape, w_shape, dtype=np.float32):
    return R.standard_normal(x_shape).astype(dtype), R.standard_normal(w_shape).astype(dtype)


@pytest.mark.parametrize("op,x_shape,w_shape,strides,padding,dilation", CASES)
def test_chunked_batch_matches_whole_batch(monkeypatch, op, x_shape, w_shape, strides, padding, dilation):
    x, w = case_arrays(x_shape, w_shape)
    whole = run(op, x, w, strides, padding, dilation)          # tiny shapes: one chunk, im2col kept
    monkeypatch.setattr(conv_kernels, "CHUNK_BYTES", 1)         # one example per chunk
    monkeypatch.setattr(conv_kernels, "KEEP_BYTES", 0)          # the weight gradient rebuilds im2col
    chunked = run(op, x, w, strides, padding, dilation)
    for a, b in zip(whole, chunked):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("op,x_shape,w_shape,strides,padding,dilation", [c for c in CASES if len(c[3]) == 2])
def test_numba_col2im_matches_numpy(monkeypatch, dtype, op, x_shape, w_shape, strides, padding, dilation):
    pytest.importorskip("numba", reason="numba is not installed: only the NumPy path exists")
    x, w = case_arrays(x_shape, w_shape, dtype)
    monkeypatch.setenv("NERVE_NUMBA", "1")
    compiled = run(op, x, w, strides, padding, dilation)
    monkeypatch.setenv("NERVE_NUMBA", "0")
    reference = run(op, x, w, strides, padding, dilation)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in zip(compiled, reference):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_batch_of_zero_examples():
    x, w = Tensor(np.zeros((0, 6, 6, 2), np.float32), requires_grad=True), Tensor(
        R.standard_normal((3, 3, 2, 4)).astype(np.float32), requires_grad=True)
    y = ops.conv(x, w, padding="same")
    assert y.shape == (0, 6, 6, 4)
    gx, gw = nerve.grad(y.sum(), [x, w])
    assert gx.shape == x.shape and not gw.numpy().any()


@pytest.mark.parametrize("op,x_shape,w_shape,strides,padding,dilation", CASES[:2] + CASES[6:8])
def test_strided_views_in_and_out(op, x_shape, w_shape, strides, padding, dilation):
    """A non-contiguous input (every other row of a taller array) and a non-contiguous upstream
    gradient (a transposed output) give what their contiguous copies give."""
    x, w = case_arrays(x_shape, w_shape)
    tall = np.repeat(x, 2, axis=1)
    view = Tensor(tall, requires_grad=True)
    xs, wt = ops.getitem(view, (slice(None), slice(None, None, 2))), Tensor(w, requires_grad=True)
    assert not xs.data.flags.c_contiguous
    y = getattr(ops, op)(xs, wt, strides, padding, dilation_rate=dilation)
    g_view, gw = nerve.grad(ops.swapaxes(y, 1, 2).sum(), [view, wt])   # dY: a transposed view of ones
    xc, wc = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    yc = getattr(ops, op)(xc, wc, strides, padding, dilation_rate=dilation)
    gx_ref, gw_ref = nerve.grad(yc.sum(), [xc, wc])
    np.testing.assert_allclose(y.numpy(), yc.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(g_view.numpy()[:, ::2], gx_ref.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gw.numpy(), gw_ref.numpy(), rtol=1e-4, atol=1e-4)


# unit strides, C ≥ F: input shape, kernel shape, padding, dilation
GATHER_CASES = [
    ((2, 7, 6, 16), (3, 3, 16, 8), "same", (1, 1)),
    ((2, 8, 7, 16), (4, 2, 16, 16), "same", (1, 1)),      # even kernel: the extra padding after
    ((2, 9, 8, 17), (3, 3, 17, 5), "valid", (2, 1)),
    ((2, 9, 16), (5, 16, 3), "same", (2,)),
    ((1, 5, 6, 4, 16), (3, 2, 3, 16, 16), "valid", (1, 1, 1)),
]


@pytest.mark.parametrize("x_shape,w_shape,padding,dilation", GATHER_CASES)
def test_input_grad_as_convolution_matches_col2im(x_shape, w_shape, padding, dilation):
    """dX gathered by a full convolution with the flipped kernel = dX scattered by col2im."""
    x, w = case_arrays(x_shape, w_shape, np.float64)
    ndim = len(dilation)
    window = conv_kernels.Window.of_conv(x.shape[1:-1], w.shape[:ndim], (1,) * ndim, dilation, padding)
    gy = R.standard_normal((x.shape[0], *window.out, w.shape[-1]))
    w2 = w.reshape(-1, w.shape[-1])
    gathered = conv_kernels.input_grad_as_conv(gy, w2, window, x.shape[-1])
    scattered = np.empty_like(x)
    conv_kernels.col2im(gy.reshape(-1, w.shape[-1]) @ w2.T, window, scattered)
    np.testing.assert_allclose(gathered, scattered, rtol=1e-12, atol=1e-12)


def test_input_grad_takes_the_gathered_path_for_wide_unit_stride_layers(monkeypatch):
    calls = []
    original = conv_kernels.input_grad_as_conv
    monkeypatch.setattr(conv_kernels, "input_grad_as_conv", lambda *a: calls.append(1) or original(*a))
    x, w = case_arrays((2, 6, 6, 16), (3, 3, 16, 16))
    run("conv", x, w, (1, 1), "same", (1, 1))
    run("conv", x, w, (2, 2), "same", (1, 1))                  # strided: col2im
    assert calls == [1]
