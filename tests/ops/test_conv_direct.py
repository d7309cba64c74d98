"""The direct convolution (numba, ops/conv_direct_numba.py) gives the values and gradients of the
NumPy reference path (im2col + GEMM, ``NERVE_NUMBA=0``) wherever conv_kernels routes to it."""


import numpy as np
import pytest

import nerve
from nerve import Tensor, ops
from nerve.ops import conv_kernels, cpu_products, cpu_threads
from nerve.ops.conv_utils import Window

pytest.importorskip("numba", reason="numba is not installed: only the NumPy path exists")

R = np.random.default_rng(11)


@pytest.fixture(autouse=True)
def direct_on_any_cpu(monkeypatch):
    """The sums are the same on every CPU; conv_kernels uses them only where AVX-512 makes them pay."""
    from nerve.ops import conv_direct_numba
    monkeypatch.setattr(conv_direct_numba, "PAYS", True)

# (op, input shape, kernel shape, strides, padding): shapes the direct path takes
CASES = [
    ("conv", (2, 12, 9, 1), (5, 5, 1, 6), (1, 1), "same"),          # LeNet-5's first layer: 6 of 16 lanes
    ("conv", (2, 8, 8, 16), (3, 3, 16, 100), (1, 1), "same"),       # 100 filters = 64 + 36 (last vector 4 lanes)
    ("conv", (2, 9, 7, 3), (3, 3, 3, 16), (1, 1), "same"),          # few input channels
    ("conv", (2, 8, 9, 16), (3, 3, 16, 32), (2, 2), "same"),        # stride 2, odd width
    ("conv", (2, 10, 11, 5), (5, 3, 5, 48), (1, 2), "valid"),       # 3 vectors of filters, mixed strides
    ("conv", (2, 5, 30, 16), (3, 3, 16, 16), (1, 1), "same"),       # 30 = 24 + 4 + 1 + 1 pixel blocks
    ("conv", (1, 6, 6, 32), (3, 3, 32, 80), (1, 1), "same"),        # 80 filters = 64 + 16
    ("conv", (2, 5, 5, 16), (2, 2, 16, 64), (1, 1), "valid"),       # even kernel
    ("conv", (2, 6, 7, 24), (1, 1, 24, 40), (1, 1), "valid"),       # pointwise: a product
    ("conv_transpose", (2, 5, 4, 16), (3, 3, 16, 16), (1, 1), "same"),
]


def run(op, x, w, strides, padding):
    """Output and both gradients of Σ op(x, w)·g, as NumPy arrays."""
    x, w = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    y = getattr(ops, op)(x, w, strides, padding)
    g = np.random.default_rng(0).standard_normal(y.shape).astype(y.dtype)
    gx, gw = nerve.grad((y * Tensor(g)).sum(), [x, w])
    return [a.numpy() for a in (y, gx, gw)]


@pytest.mark.parametrize("op,x_shape,w_shape,strides,padding", CASES)
def test_direct_matches_numpy_path(monkeypatch, op, x_shape, w_shape, strides, padding):
    x = R.standard_normal(x_shape).astype(np.float32)
    w = R.standard_normal(w_shape).astype(np.float32)
    monkeypatch.setenv("NERVE_NUMBA", "1")
    direct = run(op, x, w, strides, padding)
    monkeypatch.setenv("NERVE_NUMBA", "0")
    reference = run(op, x, w, strides, padding)
    for a, b in zip(direct, reference):
        scale = np.abs(b).max()
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize("op,x_shape,w_shape,strides,padding", CASES)
def test_cases_take_the_direct_path(monkeypatch, op, x_shape, w_shape, strides, padding):
    monkeypatch.setenv("NERVE_NUMBA", "1")
    filters = w_shape[-1] if op == "conv" else w_shape[-2]
    window = Window.of_conv(x_shape[1:-1], w_shape[:2], strides, (1, 1), padding)
    assert conv_kernels._direct_kernels(np.zeros(1, np.float32), window, filters) is not None


@pytest.mark.parametrize("dtype,filters,dilation,width", [(np.float64, 16, 1, 8), (np.float32, 3, 1, 8),
                                                          (np.float32, 16, 2, 8), (np.float32, 16, 1, 3)])
def test_other_convolutions_keep_the_gemm_path(monkeypatch, dtype, filters, dilation, width):
    monkeypatch.setenv("NERVE_NUMBA", "1")
    window = Window.of_conv((8, width), (3, 3), (1, 1), (dilation,) * 2, "same")
    assert conv_kernels._direct_kernels(np.zeros(1, dtype), window, filters) is None


def test_weight_gradient_reuses_the_padded_input(monkeypatch):
    monkeypatch.setenv("NERVE_NUMBA", "1")
    x = R.standard_normal((2, 6, 6, 4)).astype(np.float32)
    w2 = R.standard_normal((36, 16)).astype(np.float32)
    window = Window.of_conv((6, 6), (3, 3), (1, 1), (1, 1), "same")
    y, kept = conv_kernels.forward(x, w2, window, keep_cols=True)
    assert kept.shape == (2, 8, 8, 4)
    gy = R.standard_normal(y.shape).astype(np.float32)
    np.testing.assert_allclose(conv_kernels.weight_grad(x, gy, window, kept),
                               conv_kernels.weight_grad(x, gy, window), rtol=1e-6)


@pytest.mark.parametrize("m,k,n", [(37, 5, 100), (4, 64, 4), (130, 33, 17)])
def test_matmul_is_the_product(monkeypatch, m, k, n):
    monkeypatch.setenv("NERVE_NUMBA", "1")
    a = R.standard_normal((m, k)).astype(np.float32)
    b = R.standard_normal((n, k)).astype(np.float32).T          # a transposed view, as W₂ᵀ
    np.testing.assert_allclose(cpu_products.matmul(a, b), a.astype(np.float64) @ b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("x_shape", [(37, 64), (2, 9, 64), (3, 64)])
def test_affine_and_matmul_on_the_direct_path_equal_the_numpy_path(monkeypatch, x_shape):
    """Dense's fused affine map and ops.matmul of two matrices, values and all gradients, through
    cpu_products (the direct kernel, 2 threads) and through NumPy's matmul (NERVE_NUMBA=0)."""
    x = R.standard_normal(x_shape).astype(np.float32)
    w = R.standard_normal((64, 20)).astype(np.float32)
    b = R.standard_normal(20).astype(np.float32)
    monkeypatch.setattr(cpu_threads, "PIECE_MACS", 1)
    monkeypatch.setenv("OMP_NUM_THREADS", "2")

    def run_both():
        ts = [Tensor(v, requires_grad=True) for v in (x, w, b)]
        y = ops.affine(*ts)
        (y * y).sum().backward()
        out = [y.numpy()] + [t.grad.numpy() for t in ts]
        if len(x_shape) == 2:
            a, k = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
            z = ops.matmul(a, k)
            (z * z).sum().backward()
            out += [z.numpy(), a.grad.numpy(), k.grad.numpy()]
        return out

    from nerve.ops import conv_direct_numba
    calls = []
    product = conv_direct_numba.matmul
    monkeypatch.setattr(conv_direct_numba, "matmul", lambda *args: calls.append(1) or product(*args))
    monkeypatch.setenv("NERVE_NUMBA", "1")
    direct = run_both()
    assert len(calls) >= 3 * (1 if len(x_shape) == 3 else 2)    # forward, dX, dW: ranges of rows
    calls.clear()
    monkeypatch.setenv("NERVE_NUMBA", "0")
    numpy_path = run_both()
    assert not calls
    for got, want in zip(direct, numpy_path):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


# (op, input shape, kernel shape, strides, padding): a direct forward, weight gradient and unit-stride
# input gradient; a stride-2 one (its input gradient: the 1x1 product, then col2im); LeNet-5's first
@pytest.mark.parametrize("op,x_shape,w_shape,strides,padding", [
    ("conv", (5, 8, 8, 16), (3, 3, 16, 32), (1, 1), "same"),
    ("conv", (5, 8, 9, 16), (3, 3, 16, 32), (2, 2), "same"),
    ("conv", (3, 12, 9, 1), (5, 5, 1, 6), (1, 1), "same"),
])
def test_threads_split_the_batch(monkeypatch, op, x_shape, w_shape, strides, padding):
    """Two threads give the one-thread values: the same sums for the output and the input gradient,
    the weight gradient's as partial sums over ranges of the batch (equal to float32 rounding)."""
    x = R.standard_normal(x_shape).astype(np.float32)
    w = R.standard_normal(w_shape).astype(np.float32)
    monkeypatch.setenv("NERVE_NUMBA", "1")
    monkeypatch.setattr(cpu_threads, "PIECE_MACS", 1)
    threads = []

    def threads_for(*args):                         # the real choice, recorded
        threads.append(choose(*args))
        return threads[-1]

    monkeypatch.setattr(cpu_threads, "threads_for", threads_for)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    one = run(op, x, w, strides, padding)
    assert set(threads) == {1}
    threads.clear()
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    two = run(op, x, w, strides, padding)
    assert max(threads) == 2                     # (a product inside a piece runs whole: 1)
    np.testing.assert_array_equal(two[0], one[0])
    np.testing.assert_array_equal(two[1], one[1])
    np.testing.assert_allclose(two[2], one[2], rtol=1e-5, atol=1e-5 * np.abs(one[2]).max())


choose = cpu_threads.threads_for
