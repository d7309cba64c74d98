"""ops.scaled_dot_product_attention / dot_product_attention: gradients, NumPy, PyTorch, masks, errors."""

import numpy as np
import pytest

from nerve import ops
from nerve.testing import gradcheck


def reference(q, k, v, allowed=None, bias=None, scale=None):
    """softmax(scale·QKᵀ + bias, masked to −1e9) V in float64 NumPy."""
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    s = scale * q @ np.swapaxes(k, -1, -2) + (0 if bias is None else bias)
    if allowed is not None:
        s = np.where(allowed, s, -1e9)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    if allowed is not None:
        p = p * allowed
    return p @ v, p


@pytest.fixture
def qkv(rng):
    return (rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((2, 3, 6, 4)))


def test_gradients_with_mask_and_bias(qkv, rng):
    allowed = rng.random((2, 1, 4, 6)) > 0.3
    bias = rng.standard_normal((1, 3, 4, 6))
    assert gradcheck(lambda q, k, v, b: ops.scaled_dot_product_attention(q, k, v, mask=allowed, bias=b), *qkv, bias)


def test_gradients_causal_with_dropout(qkv):
    q, k, v = qkv
    fn = lambda q, k, v: ops.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_rate=0.3, seed=3)  # noqa: E731
    assert gradcheck(fn, q, k[:, :, :4], v[:, :, :4])


def test_forward_matches_numpy(qkv, rng):
    allowed = rng.random((2, 3, 4, 6)) > 0.3
    out, weights = ops.scaled_dot_product_attention(*qkv, mask=allowed, scale=0.7, return_weights=True)
    want, p = reference(*qkv, allowed, scale=0.7)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(weights.numpy(), p, rtol=1e-12, atol=1e-12)


def test_causal_is_top_left_lower_triangle(qkv):
    q, k, v = qkv
    out = ops.scaled_dot_product_attention(q, k[:, :, :4], v[:, :, :4], is_causal=True).numpy()
    want, _ = reference(q, k[:, :, :4], v[:, :, :4], np.tril(np.ones((4, 4), bool)))
    np.testing.assert_allclose(out, want, atol=1e-12)


def test_matches_torch(qkv, rng, torch):
    allowed = rng.random((2, 3, 4, 6)) > 0.3
    allowed[..., 0] = True                    # torch gives NaN for a row with no key at all
    q, k, v = (torch.tensor(a) for a in qkv)
    want = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=torch.tensor(allowed))
    np.testing.assert_allclose(ops.scaled_dot_product_attention(*qkv, mask=allowed).numpy(), want.numpy(), atol=1e-12)
    want = torch.nn.functional.scaled_dot_product_attention(q[..., :4, :], k[..., :4, :], v[..., :4, :], is_causal=True)
    got = ops.scaled_dot_product_attention(qkv[0], qkv[1][..., :4, :], qkv[2][..., :4, :], is_causal=True)
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-12)


def test_keras_layout_wrapper(qkv):
    q, k, v = (np.swapaxes(a, 1, 2).astype("float32") for a in qkv)      # (B, T, N, H)
    out = ops.dot_product_attention(q, k, v, is_causal=False).numpy()
    want, _ = reference(*qkv)
    np.testing.assert_allclose(out, np.swapaxes(want, 1, 2), atol=1e-5)
    assert out.dtype == np.float32


def test_row_with_every_key_masked_gets_zero_weights_not_nan(qkv):
    """Keras's masked Softmax: such a row attends nothing (PyTorch gives NaN)."""
    allowed = np.ones((4, 6), bool)
    allowed[1] = False
    out, weights = ops.scaled_dot_product_attention(*qkv, mask=allowed, return_weights=True)
    assert (weights.numpy()[..., 1, :] == 0).all() and (out.numpy()[..., 1, :] == 0).all()
    assert gradcheck(lambda q, k, v: ops.scaled_dot_product_attention(q, k, v, mask=allowed), *qkv)


def test_wrong_mask_shape_names_both_shapes(qkv):
    with pytest.raises(ValueError, match=r"`mask` of shape \(5, 6\).*\(2, 3, 4, 6\)"):
        ops.scaled_dot_product_attention(*qkv, mask=np.ones((5, 6), bool))
    with pytest.raises(ValueError, match="query .* key .* value"):
        ops.scaled_dot_product_attention(qkv[0], qkv[1][..., :3], qkv[2])
