"""Attention: Luong's dot-product attention layer (Keras's ``keras.layers.Attention``)."""

from ... import ops
from ..layer import Layer
from ..layer_utils import describe, rate_in_unit_interval
from ..regularization import Dropout
from .masks import causal_mask, check_mask, combine_masks, mask_as_bias, masked_softmax


class Attention(Layer):
    """Dot-product (Luong-style) attention over ``[query, value]`` or ``[query, value, key]``.

        dot:     scores = scale · Q Kᵀ                          (scale a learned scalar if use_scale, else 1)
        concat:  scores = c · Σ_d tanh(scale · (Q[:, i] + K[:, j]))  (c a learned scalar)
        A = softmax(scores − 10⁹·(1 − mask)),   output = dropout(A) V,   zeroed where the query mask is False

    (Masked scores are lowered by 10⁹ and no more, as in Keras's Attention: a query whose every
    key is masked gets the softmax of its lowered scores, not zeros as in MultiHeadAttention.)

    Args:
        use_scale: learn the scalar ``scale`` (initialized to 1).
        score_mode: "dot" or "concat".
        dropout: dropout rate on the attention weights (training only).
        seed: of the dropout.

    Call args:
        inputs: [query (B, Tq, dim), value (B, Tv, dim)] or [query, value, key (B, Tv, dim)].
        mask: [query_mask (B, Tq), value_mask (B, Tv)] (either may be None); filled in from the
            inputs' Keras masks.
        return_attention_scores: also return A (B, Tq, Tv) (after dropout, as Keras).
        use_causal_mask: query i attends keys j ≤ i only.

    Weights: ``scale`` () if use_scale, then ``concat_score_weight`` () in concat mode (Keras's order).

    Shape:
        output (B, Tq, dim of value).
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{describe(self)}: `score_mode` must be 'dot' or 'concat', received {score_mode!r}")
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = rate_in_unit_interval(dropout, "dropout", describe(self), closed_right=False)
        self.seed = seed
        self._dropout_layer = Dropout(self.dropout, seed=seed)
        self.scale = self.concat_score_weight = None

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(shape=(), initializer="ones", name="concat_score_weight")
        self.built = True

    def call(self, inputs, mask=None, training=None, return_attention_scores=False, use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        owner = describe(self)
        if q.ndim != 3 or v.ndim != 3 or k.ndim != 3 or q.shape[0] != v.shape[0] or k.shape[:2] != v.shape[:2]:
            raise ValueError(f"{owner}: expected query (B, Tq, dim), value (B, Tv, dim) and key (B, Tv, dim), "
                             f"received shapes {q.shape}, {v.shape}, {k.shape}")
        batch, tq, tv = q.shape[0], q.shape[1], v.shape[1]
        q_mask, v_mask = (list(mask) + [None, None])[:2] if mask is not None else (None, None)
        q_mask = check_mask(owner, "query mask", q_mask, (batch, tq), lambda m: m[:, :, None])
        v_mask = check_mask(owner, "value mask", v_mask, (batch, tv), lambda m: m[:, None, :])
        scores_mask = combine_masks([v_mask, causal_mask(tq, tv)[None] if use_causal_mask else None])
        rate = self.dropout if training else 0.0
        if self.score_mode == "dot" and not return_attention_scores:   # one fused op
            query = q * self.scale if self.scale is not None else q
            rng = self._dropout_layer._rng() if rate else None
            result = ops.scaled_dot_product_attention(query, k, v, bias=mask_as_bias(scores_mask, q.dtype),
                                                      scale=1.0, dropout_rate=rate, seed=rng)
            weights = None
        else:
            weights = masked_softmax(self._scores(q, k), scores_mask, zero_masked=False)
            if rate:
                weights = self._dropout_layer(weights, training=training)
            result = ops.matmul(weights, v)
        if q_mask is not None:
            result = result * ops.cast(q_mask, result.dtype)
        return (result, weights) if return_attention_scores else result

    def _scores(self, q, k):
        if self.score_mode == "dot":
            scores = ops.matmul(q, ops.swapaxes(k, -1, -2))
            return scores * self.scale if self.scale is not None else scores
        pairs = ops.expand_dims(q, -2) + ops.expand_dims(k, -3)          # (B, Tq, Tv, dim)
        if self.scale is not None:
            pairs = pairs * self.scale
        return self.concat_score_weight * ops.sum(ops.tanh(pairs), axis=-1)

    def compute_mask(self, inputs, mask=None):
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def _validate_inputs(self, inputs, mask=None):
        if not isinstance(inputs, (list, tuple)) or not 2 <= len(inputs) <= 3:
            raise ValueError(f"{describe(self)}: must be called on a list [query, value] or [query, value, key], "
                             f"received {type(inputs).__name__}"
                             + (f" of length {len(inputs)}" if isinstance(inputs, (list, tuple)) else ""))
        if mask is not None and (not isinstance(mask, (list, tuple)) or not 2 <= len(mask) <= 3):
            raise ValueError(f"{describe(self)}: `mask` must be a list [query_mask, value_mask], received "
                             f"{type(mask).__name__}" + (f" of length {len(mask)}" if isinstance(mask, (list, tuple)) else ""))

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale, "score_mode": self.score_mode,
                "dropout": self.dropout, "seed": self.seed}
