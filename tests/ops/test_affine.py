"""nerve.ops.affine, Dense's fused op: y = x @ W + b, against NumPy, and its gradient."""

import numpy as np
import pytest

from nerve import ops
from nerve.testing import gradcheck

R = np.random.default_rng(3)


@pytest.mark.parametrize("x_shape", [(4, 3), (2, 5, 3), (3,)])
def test_affine_matches_numpy_and_gradchecks(x_shape):
    x, w, b = R.standard_normal(x_shape), R.standard_normal((3, 2)), R.standard_normal(2)
    np.testing.assert_allclose(ops.affine(x, w, b).numpy(), x @ w + b, rtol=1e-12)
    assert gradcheck(ops.affine, x, w, b)


def test_affine_without_bias_is_matmul():
    x, w = R.standard_normal((4, 3)), R.standard_normal((3, 2))
    np.testing.assert_allclose(ops.affine(x, w).numpy(), x @ w, rtol=1e-12)
    assert gradcheck(ops.affine, x, w)


def test_affine_keeps_float32():
    x, w, b = (np.ones(s, "float32") for s in [(2, 3), (3, 4), (4,)])
    assert ops.affine(x, w, b).dtype == "float32"


@pytest.mark.parametrize("x_shape,w_shape,b_shape,match", [
    ((4, 3), (2, 2), (2,), r"x \(\.\.\., n\) and kernel \(n, m\).*\(4, 3\).*\(2, 2\)"),
    ((4, 3), (3,), (3,), "kernel of shape"),
    ((4, 3), (3, 2), (3,), r"bias of shape \(2,\).*received \(3,\)"),
])
def test_affine_rejects_mismatched_shapes(x_shape, w_shape, b_shape, match):
    with pytest.raises(ValueError, match=match):
        ops.affine(np.ones(x_shape), np.ones(w_shape), np.ones(b_shape))
