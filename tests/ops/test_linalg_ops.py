"""keras.ops.linalg: norm, det, inv, solve, cholesky, qr, eigh, svd against NumPy, their
gradients by central differences, and PyTorch's gradients where it has them."""

import math

import numpy as np
import pytest

import nerve
from nerve import ops
from nerve.ops import linalg
from nerve.testing import gradcheck


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def _spd(rng, n, batch=()):
    a = rng.normal(size=(*batch, n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def test_ops_and_ops_linalg_name_the_same_functions():
    for name in ("norm", "det", "inv", "solve", "cholesky", "qr", "eigh", "svd"):
        assert getattr(ops, name) is getattr(ops.linalg, name) and callable(getattr(ops, name))


@pytest.mark.parametrize("ord_", [None, 0, 1, 2, 3, 0.5, math.inf, -math.inf])
def test_vector_norms_match_numpy_and_gradcheck(rng, ord_):
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(linalg.norm(x, ord=ord_, axis=1).numpy(), np.linalg.norm(x, ord=ord_, axis=1))
    np.testing.assert_allclose(linalg.norm(x, ord=ord_, axis=0, keepdims=True).numpy(),
                               np.linalg.norm(x, ord=ord_, axis=0, keepdims=True))
    if ord_ != 0:
        gradcheck(lambda t: linalg.norm(t, ord=ord_, axis=-1), x)


@pytest.mark.parametrize("ord_", [None, "fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf])
def test_matrix_norms_match_numpy_and_gradcheck(rng, ord_):
    x = rng.normal(size=(2, 3, 4))
    np.testing.assert_allclose(linalg.norm(x, ord=ord_, axis=(1, 2)).numpy(),
                               np.linalg.norm(x, ord=ord_, axis=(1, 2)), rtol=1e-6)
    np.testing.assert_allclose(linalg.norm(x, ord=ord_, axis=(2, 0), keepdims=True).numpy(),
                               np.linalg.norm(x, ord=ord_, axis=(2, 0), keepdims=True), rtol=1e-6)
    gradcheck(lambda t: linalg.norm(t, ord=ord_, axis=(-2, -1)), x)


def test_norm_defaults_dtype_and_the_gradient_at_zero(rng):
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    out = ops.norm(x)
    assert out.dtype == np.float32 and out.shape == ()
    np.testing.assert_allclose(float(out), np.linalg.norm(x.ravel()), rtol=1e-6)
    zero = nerve.Variable(np.zeros(3, "float32"))
    (g,) = nerve.grad(ops.norm(zero), [zero])
    np.testing.assert_array_equal(g.numpy(), np.zeros(3))       # the subgradient 0, not NaN
    with pytest.raises(ValueError, match="norm"):
        ops.norm(x, ord=1)                                      # an ord needs 1-D or 2-D, or an axis
    with pytest.raises(ValueError, match="ord"):
        ops.norm(x[0], ord="bad")


def test_det_inv_solve_match_numpy_and_gradcheck(rng):
    a = rng.normal(size=(2, 3, 3)) + 3 * np.eye(3)
    b = rng.normal(size=(2, 3, 2))
    v = rng.normal(size=(2, 3))
    np.testing.assert_allclose(linalg.det(a).numpy(), np.linalg.det(a))
    np.testing.assert_allclose(linalg.inv(a).numpy(), np.linalg.inv(a))
    np.testing.assert_allclose(linalg.solve(a, b).numpy(), np.linalg.solve(a, b))
    np.testing.assert_allclose(linalg.solve(a, v).numpy(), np.linalg.solve(a, v[..., None])[..., 0])
    gradcheck(linalg.det, a)
    gradcheck(linalg.inv, a)
    gradcheck(linalg.solve, a, b)
    gradcheck(linalg.solve, a, v)
    with pytest.raises(ValueError, match="square"):
        linalg.det(rng.normal(size=(2, 3)))
    with pytest.raises(ValueError, match="solve"):
        linalg.solve(a, rng.normal(size=(2, 4, 2)))


def test_cholesky_and_eigh(rng):
    a = _spd(rng, 4, batch=(2,))
    lower = linalg.cholesky(a).numpy()
    np.testing.assert_allclose(lower, np.linalg.cholesky(a))
    np.testing.assert_allclose(linalg.cholesky(a, upper=True).numpy(), np.swapaxes(lower, -1, -2))
    w, v = linalg.eigh(a)
    ref_w, ref_v = np.linalg.eigh(a)
    np.testing.assert_allclose(w.numpy(), ref_w)
    np.testing.assert_allclose(np.abs(v.numpy()), np.abs(ref_v), atol=1e-10)

    def spd(x):                                  # a symmetric positive-definite function of a free x
        return ops.matmul(x, ops.swapaxes(x, -1, -2)) + 4 * np.eye(4)

    x = rng.normal(size=(2, 4, 4))
    gradcheck(lambda t: linalg.cholesky(spd(t)), x)
    gradcheck(lambda t: linalg.eigh(spd(t))[0], x)
    # an eigenvector's sign is arbitrary: check a sign-free function of V (V diag(w) Vᵀ rebuilt)
    gradcheck(lambda t: ops.einsum("bij,bj,bkj->bik", linalg.eigh(spd(t))[1], linalg.eigh(spd(t))[0] ** 2,
                                   linalg.eigh(spd(t))[1]), x)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 5, 3)])
def test_qr(rng, shape):
    x = rng.normal(size=shape)
    q, r = linalg.qr(x)
    ref_q, ref_r = np.linalg.qr(x)
    np.testing.assert_allclose(q.numpy(), ref_q)
    np.testing.assert_allclose(r.numpy(), ref_r)
    gradcheck(lambda t: linalg.qr(t)[0], x)
    gradcheck(lambda t: linalg.qr(t)[1], x)
    q_full, _ = linalg.qr(x, mode="complete")
    assert q_full.shape == (*shape[:-2], shape[-2], shape[-2])


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3), (2, 4, 2)])
def test_svd(rng, shape):
    x = rng.normal(size=shape)
    u, s, vt = linalg.svd(x, full_matrices=False)
    ref_u, ref_s, ref_vt = np.linalg.svd(x, full_matrices=False)
    np.testing.assert_allclose(s.numpy(), ref_s)
    np.testing.assert_allclose(np.abs(u.numpy()), np.abs(ref_u), atol=1e-10)
    np.testing.assert_allclose(linalg.svd(x, compute_uv=False).numpy(), ref_s)
    assert linalg.svd(x)[0].shape == (*shape[:-2], shape[-2], shape[-2])      # full_matrices=True (Keras)
    gradcheck(lambda t: linalg.svd(t, compute_uv=False), x)
    # U and V are unique up to a sign per column: check sign-free products of them
    def u_part(t):
        u, s, _ = linalg.svd(t, full_matrices=False)
        return ops.matmul(u * (s * s)[..., None, :], ops.swapaxes(u, -1, -2))

    def v_part(t):
        _, s, vt = linalg.svd(t, full_matrices=False)
        return ops.matmul(ops.swapaxes(vt, -1, -2), vt * (s * s * s)[..., :, None])

    gradcheck(u_part, x)
    gradcheck(v_part, x)


def test_gradients_match_pytorch(rng):
    torch = pytest.importorskip("torch")
    a = _spd(rng, 3)
    cases = {
        "det": (linalg.det, torch.linalg.det),
        "inv": (linalg.inv, torch.linalg.inv),
        "cholesky": (linalg.cholesky, torch.linalg.cholesky),
        "eigvals": (lambda t: linalg.eigh(t)[0], lambda t: torch.linalg.eigh(t)[0]),
        "svdvals": (lambda t: linalg.svd(t, compute_uv=False), torch.linalg.svdvals),
        "nuc": (lambda t: linalg.norm(t, "nuc"), lambda t: torch.linalg.matrix_norm(t, "nuc")),
    }
    for name, (ours, theirs) in cases.items():
        x = nerve.Variable(a.copy())
        (g,) = nerve.grad(ops.sum(ours(x) * ours(x)), [x])
        t = torch.tensor(a, requires_grad=True)
        (theirs(t) * theirs(t)).sum().backward()
        np.testing.assert_allclose(g.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-9, err_msg=name)
