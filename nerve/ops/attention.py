"""Scaled dot-product attention, fused: scores, mask, softmax, dropout and the weighted sum in one op.

    S = s·Q Kᵀ + B,   S ← −10⁹ where the mask is False,   P = softmax(S),   O = (P ⊙ D) V

(s the scale, 1/√H by default; B an optional additive bias; D an optional inverted-dropout
mask on the probabilities, as Keras's MultiHeadAttention drops attention weights). Backward,
with G = dO and Pd = P ⊙ D:

    dV = Pdᵀ G,   dP = (G Vᵀ) ⊙ D,   dS = P ⊙ (dP − Σⱼ dP ⊙ P),   dQ = s·dS K,   dK = s·dSᵀ Q,   dB = dS

Written as a chain of small ops (matmul, multiply, where, softmax, dropout, matmul) the same
attention records six Functions and keeps six buffers; fused, it keeps P (and D) only. The
gain is measured in benchmarks/gpt.py (see benchmarks/RESULTS.md).

Masking is Keras's masked Softmax: −10⁹ on masked scores, and the weights of masked keys set to
0 after the softmax, so a query whose every key is masked gets zero weights (output 0), not NaN
(PyTorch). (Keras's ``Attention`` layer instead subtracts 10⁹ and no more: pass the mask as such
a ``bias`` to get its behaviour.)
"""

from .. import backend
from ..autodiff import Function
from ..tensor import Tensor, as_float_tensor, as_tensor

__all__ = ["dot_product_attention", "scaled_dot_product_attention"]

_MASKED = -1e9


class ScaledDotProductAttention(Function):
    """softmax(s·Q Kᵀ + B, masked) V over the last two axes of (..., Tq, H), (..., Tk, H), (..., Tk, Hv)."""

    def __init__(self, scale, blocked=None, dropout_mask=None):
        self.scale = scale
        self.blocked = blocked              # bool, broadcastable to (..., Tq, Tk): True = may not attend
        self.dropout_mask = dropout_mask    # 0 or 1/(1 − rate), shaped like P, or None

    def forward(self, q, k, v, bias=None):
        xp = backend.array_module(q)
        scores = q @ xp.swapaxes(k, -1, -2)
        scores *= scores.dtype.type(self.scale)
        if bias is not None:
            scores = scores + bias
        if self.blocked is not None:
            xp.copyto(scores, scores.dtype.type(_MASKED), where=self.blocked)
        scores -= scores.max(axis=-1, keepdims=True)
        xp.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        if self.blocked is not None:      # rows with no key left: 0, not uniform (exact 0 elsewhere already)
            xp.copyto(scores, scores.dtype.type(0), where=self.blocked)
        self.p = scores
        self.q, self.k, self.v = q, k, v
        self.has_bias = bias is not None
        weights = scores if self.dropout_mask is None else scores * self.dropout_mask
        self.weights = weights
        return weights @ v

    def backward(self, g):
        xp = backend.array_module(g)
        p, q, k, v = self.p, self.q, self.k, self.v
        needs = self.needs_grad
        gv = xp.swapaxes(self.weights, -1, -2) @ g if needs[2] else None
        if not (needs[0] or needs[1] or (self.has_bias and needs[3])):
            return (None, None, gv) + ((None,) if self.has_bias else ())
        gp = g @ xp.swapaxes(v, -1, -2)
        if self.dropout_mask is not None:
            gp *= self.dropout_mask
        gs = gp
        gs -= (gp * p).sum(axis=-1, keepdims=True)
        gs *= p
        gb = gs.copy() if self.has_bias and needs[3] else None
        gs *= gs.dtype.type(self.scale)
        gq = gs @ k if needs[0] else None
        gk = xp.swapaxes(gs, -1, -2) @ q if needs[1] else None
        return (gq, gk, gv) + ((gb,) if self.has_bias else ())


def scaled_dot_product_attention(query, key, value, mask=None, bias=None, scale=None, is_causal=False,
                                 dropout_rate=0.0, seed=None, return_weights=False):
    """Attention with heads before time, as PyTorch's ``F.scaled_dot_product_attention``:

        O = softmax(scale·Q Kᵀ + bias, where mask) V,   scale = 1/√H by default

    Args:
        query: (..., Tq, H); key: (..., Tk, H); value: (..., Tk, Hv); the leading axes
            (batch, heads) broadcast.
        mask: optional boolean, broadcastable to (..., Tq, Tk): True where a query may attend.
        bias: optional float tensor added to the scores (differentiable), same broadcasting.
        scale: the factor of the scores (default 1/√H).
        is_causal: query i attends keys j ≤ i only (top-left aligned, as Keras's causal mask).
        dropout_rate: drop attention weights with this probability (inverted dropout); 0 at inference.
        seed: the dropout generator (None: the global one).
        return_weights: also return the attention probabilities P (before dropout), detached.
    Returns:
        (..., Tq, Hv) tensor, or (output, P) with P of shape (..., Tq, Tk).
    """
    query, key, value = as_float_tensor(query), as_float_tensor(key), as_float_tensor(value)
    xp = backend.array_module(query.data)
    for name, t in (("query", query), ("key", key), ("value", value)):
        if t.ndim < 2:
            raise ValueError(f"scaled_dot_product_attention: {name} must have rank >= 2 (..., time, "
                             f"features), received shape {t.shape}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(
            f"scaled_dot_product_attention: query (..., Tq, H), key (..., Tk, H) and value (..., Tk, Hv) "
            f"disagree, received shapes {query.shape}, {key.shape}, {value.shape}"
        )
    tq, tk = query.shape[-2], key.shape[-2]
    if scale is None:
        scale = 1.0 / float(query.shape[-1]) ** 0.5
    blocked = None
    if mask is not None:
        allowed = as_tensor(mask).data.astype(bool)
        _check_broadcast("mask", allowed.shape, query.shape[:-2], tq, tk)
        blocked = ~allowed
    if is_causal:
        future = xp.triu(xp.ones((tq, tk), dtype=bool), k=1)
        blocked = future if blocked is None else (blocked | future)
    dropout_mask = None
    if dropout_rate:
        shape = query.shape[:-2] if len(query.shape) >= len(key.shape) else key.shape[:-2]
        rng = seed if seed is not None and not isinstance(seed, int) else (
            backend.rng() if seed is None else xp.random.default_rng(seed))
        keep = 1.0 - dropout_rate
        dropout_mask = (rng.random(tuple(shape) + (tq, tk)) < keep).astype(query.dtype)
        dropout_mask /= query.dtype.type(keep)
    op = ScaledDotProductAttention(scale, blocked, dropout_mask)
    if bias is not None:
        bias = as_float_tensor(bias)
        _check_broadcast("bias", bias.shape, query.shape[:-2], tq, tk)
        out = op(query, key, value, bias)
    else:
        out = op(query, key, value)
    if return_weights:
        return out, Tensor.wrap(op.p)
    return out


def _check_broadcast(name, shape, lead, tq, tk):
    xp_ok = len(shape) >= 2 and shape[-2] in (1, tq) and shape[-1] in (1, tk)
    if xp_ok:
        try:
            backend.xp.broadcast_shapes(tuple(shape[:-2]), tuple(lead))
        except ValueError:
            xp_ok = False
    if not xp_ok:
        raise ValueError(
            f"scaled_dot_product_attention: `{name}` of shape {tuple(shape)} does not broadcast to the "
            f"scores' shape {tuple(lead) + (tq, tk)} (..., query time, key time)"
        )


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """``keras.ops.dot_product_attention``: time before heads, (batch, T, heads, H).

        O = softmax(scale·Q Kᵀ + bias, where mask) V,   scale = 1/√H by default

    Args:
        query: (B, Tq, N, H); key: (B, Tk, N, H); value: (B, Tk, N, Hv).
        bias: optional (B, N, Tq, Tk)-broadcastable float tensor added to the scores.
        mask: optional (B, N, Tq, Tk)-broadcastable boolean, True where a query may attend.
        scale: factor of the scores (default 1/√H).
        is_causal: query i attends keys j ≤ i only.
        flash_attention, attn_logits_soft_cap: Keras's; only None/False (nerve has one CPU kernel).
    Returns:
        (B, Tq, N, Hv).
    """
    if flash_attention:
        raise ValueError("dot_product_attention: flash_attention=True is not available in nerve")
    if attn_logits_soft_cap is not None:
        raise ValueError("dot_product_attention: attn_logits_soft_cap is not supported by nerve")
    from .shape_ops import transpose
    query, key, value = as_float_tensor(query), as_float_tensor(key), as_float_tensor(value)
    for name, t in (("query", query), ("key", key), ("value", value)):
        if t.ndim != 4:
            raise ValueError(f"dot_product_attention: {name} must have rank 4 (batch, time, heads, "
                             f"features), received shape {t.shape}")
    heads_first = (0, 2, 1, 3)
    out = scaled_dot_product_attention(transpose(query, heads_first), transpose(key, heads_first),
                                       transpose(value, heads_first), mask=mask, bias=bias, scale=scale,
                                       is_causal=is_causal)
    return transpose(out, heads_first)
