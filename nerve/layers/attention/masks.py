"""Boolean attention masks (True where a query may attend to a key): checks, causal, combining,
and the masked softmax the attention layers share (Keras's −10⁹ on masked scores)."""

from ... import backend, ops
from ...tensor import Tensor, as_tensor

MASKED_SCORE = -1e9


def causal_mask(query_steps, key_steps):
    """(Tq, Tk) lower-triangular: query i attends keys j ≤ i (Keras's, top-left aligned)."""
    return backend.xp.tri(query_steps, key_steps, dtype=bool)


def check_mask(owner, name, mask, expected, expand=None):
    """``mask`` as a raw bool array after checking that it broadcasts to ``expected`` (its last two
    axes exactly, leading axes 1 or equal); ``expand`` then reshapes it for the scores.

    Raises ValueError naming the layer, the mask, the shape received and the one expected.
    """
    if mask is None:
        return None
    array = as_tensor(mask).data
    shape, expected = tuple(array.shape), tuple(expected)
    if len(expected) < 3:          # a per-step mask: exactly (batch, steps)
        ok = shape == expected
    else:                          # (batch, T, S): T, S exact; batch (and a head axis) may broadcast
        ok = (2 <= len(shape) <= 4 and shape[-2:] == expected[-2:]
              and (len(shape) == 2 or shape[0] in (1, expected[0])))
    if not ok:
        hint = " ((T, S), (batch or 1, T, S) or (batch or 1, heads or 1, T, S))" if len(expected) >= 3 else ""
        raise ValueError(f"{owner}: `{name}` of shape {shape} does not fit the inputs: expected shape "
                         f"{expected}{hint}")
    array = array.astype(bool, copy=False)
    return expand(array) if expand is not None else array


def combine_masks(masks):
    """The logical and of the masks that are not None (broadcast), or None."""
    result = None
    for mask in masks:
        if mask is not None:
            result = mask if result is None else (result & mask)
    return result


def masked_softmax(scores, mask, zero_masked=True):
    """softmax(scores − 10⁹·(1 − mask)) over the last axis, then × mask when ``zero_masked``.

    With ``zero_masked`` it is Keras's Softmax(mask=...) (MultiHeadAttention): a row with every
    key masked gets zero weights. Without, Keras's Attention layer: that row keeps the softmax of
    its lowered scores.
    """
    if mask is None:
        return ops.softmax(scores, axis=-1)
    xp = backend.array_module(scores.data)
    bias = xp.where(mask, 0, MASKED_SCORE).astype(scores.dtype)
    weights = ops.softmax(scores + Tensor.wrap(bias), axis=-1)
    return weights * Tensor.wrap(mask.astype(scores.dtype)) if zero_masked else weights


def mask_as_bias(mask, dtype):
    """The additive form of a boolean mask: 0 where allowed, −10⁹ where not (Keras's Attention layer)."""
    if mask is None:
        return None
    return backend.xp.where(mask, 0, MASKED_SCORE).astype(dtype)
