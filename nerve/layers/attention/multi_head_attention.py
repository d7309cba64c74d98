"""MultiHeadAttention (Vaswani et al. 2017) with Keras 3's arguments, weights and masks."""

import math

from ... import constraints, initializers, ops, regularizers
from ..layer import Layer
from ..layer_utils import describe, positive_int, rate_in_unit_interval
from ..regularization import Dropout
from .masks import causal_mask, check_mask, combine_masks, masked_softmax


class MultiHeadAttention(Layer):
    """Multi-head attention: each of ``num_heads`` heads attends with its own projections.

        Qₕ = query·W_qₕ + b_qₕ,  Kₕ = key·W_kₕ + b_kₕ,  Vₕ = value·W_vₕ + b_vₕ
        Aₕ = softmax(Qₕ Kₕᵀ/√key_dim, masked),   Oₕ = dropout(Aₕ) Vₕ
        output = Σₕ Oₕ·W_oₕ + b_o

    Weights in Keras's order and shapes: query kernel (dim_q, N, key_dim) and bias (N, key_dim),
    key kernel (dim_k, N, key_dim) and bias, value kernel (dim_v, N, value_dim) and bias, output
    kernel (N, value_dim, out) and bias (out,) (``get_weights``/``set_weights`` exchange them
    with Keras). Each projection runs as one GEMM over the flattened heads, and the attention as
    ``ops.scaled_dot_product_attention`` (one fused op) unless the scores are asked for.

    Args:
        num_heads: number of heads N.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default key_dim).
        dropout: dropout rate on the attention weights (training only).
        use_bias: biases in the projections.
        output_shape: last dimension of the output (an int or a 1-tuple; default the query's).
        attention_axes: the sequence axis; nerve supports rank-3 inputs (batch, time, dim)
            only, so None or (1,).
        flash_attention: Keras's; None/False only.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: of the projections.
        seed: of the dropout.

    Call args:
        query (B, T, dim_q), value (B, S, dim_v), key (B, S, dim_k; default value).
        query_mask (B, T), value_mask (B, S), key_mask (B, S): boolean, True for real steps;
            filled in from the inputs' Keras masks (``Embedding(mask_zero=True)``, ``Masking``).
        attention_mask: boolean (B, T, S) (or broadcastable), True where query t may attend to key s.
        return_attention_scores: also return the weights (B, N, T, S).
        use_causal_mask: query t attends keys s ≤ t only.

    All masks are combined with a logical and, as Keras does: the query mask as (B, T, 1), the
    value and key masks as (B, 1, S), the causal mask as (1, T, S).

    Shape:
        output (B, T, out); scores (B, N, T, S).
    """

    supports_masking = True

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, seed=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = describe(self)
        self.num_heads = positive_int(num_heads, "num_heads", owner)
        self.key_dim = positive_int(key_dim, "key_dim", owner)
        self.value_dim = positive_int(value_dim, "value_dim", owner) if value_dim else self.key_dim
        self.dropout = rate_in_unit_interval(dropout, "dropout", owner, closed_right=False)
        self.use_bias = use_bias
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        if output_shape is not None and len(tuple(output_shape)) != 1:
            raise ValueError(f"{owner}: `output_shape` must be an int or a 1-tuple (the output's last "
                             f"dimension), received {output_shape!r}")
        self._output_shape = tuple(output_shape) if output_shape else None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        if attention_axes is not None and tuple(attention_axes) not in ((1,), (-2,)):
            raise ValueError(f"{owner}: nerve's MultiHeadAttention attends over the time axis of "
                             f"(batch, time, dim) inputs only: attention_axes None or (1,), received "
                             f"{attention_axes!r}")
        self.attention_axes = attention_axes
        if flash_attention:
            raise ValueError(f"{owner}: flash_attention=True is not available in nerve")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._dropout_layer = Dropout(self.dropout, seed=seed)
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self.key_dim))
        self._projections = None

    # ---- weights --------------------------------------------------------------------
    def build(self, query_shape, value_shape=None, key_shape=None):
        """Create the weights from the three inputs' shapes (a symbolic call sees only the query's:
        then the weights are created on the first call with data)."""
        if value_shape is None:
            self.built = True
            return
        key_shape = value_shape if key_shape is None else key_shape
        for name, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3 or shape[-1] is None:
                raise ValueError(f"{describe(self)}: expected {name} of shape (batch, time, features) with "
                                 f"features known, received shape {tuple(shape)}")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f"{describe(self)}: value and key must have the same time axis, received "
                             f"value_shape={tuple(value_shape)} and key_shape={tuple(key_shape)}")
        n, out = self.num_heads, (self._output_shape or (query_shape[-1],))[0]
        weights = []
        for name, dim, size in (("query", query_shape[-1], self.key_dim), ("key", key_shape[-1], self.key_dim),
                                ("value", value_shape[-1], self.value_dim)):
            weights.append(self._add(f"{name}/kernel", (dim, n, size), f"{name}/bias", (n, size)))
        weights.append(self._add("attention_output/kernel", (n, self.value_dim, out), "attention_output/bias",
                                 (out,)))
        self._projections = weights
        self.built = True

    def _add(self, kernel_name, kernel_shape, bias_name, bias_shape):
        kernel = self.add_weight(shape=kernel_shape, initializer=_fresh(self.kernel_initializer),
                                 regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                 name=kernel_name)
        bias = None
        if self.use_bias:
            bias = self.add_weight(shape=bias_shape, initializer=_fresh(self.bias_initializer),
                                   regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                   name=bias_name)
        return kernel, bias

    def _symbolic_call(self, args, kwargs):
        shapes = [getattr(t, "shape", None) for t in (args + (None, None))[:3]]
        value = kwargs.get("value")
        key = kwargs.get("key")
        value_shape = shapes[1] or getattr(value, "shape", None)
        key_shape = shapes[2] or getattr(key, "shape", None)
        if self._projections is None and value_shape is not None:
            self.build(shapes[0], value_shape, key_shape)
        return super()._symbolic_call(args, kwargs)

    # ---- the call -------------------------------------------------------------------
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False):
        key = value if key is None else key
        if self._projections is None:
            self.build(query.shape, value.shape, key.shape)
        batch, steps, sources = query.shape[0], query.shape[1], value.shape[1]
        owner = describe(self)
        masks = [check_mask(owner, "query_mask", query_mask, (batch, steps), lambda m: m[:, :, None]),
                 check_mask(owner, "value_mask", value_mask, (batch, sources), lambda m: m[:, None, :])]
        if key is not value:
            masks.append(check_mask(owner, "key_mask", key_mask, (batch, sources), lambda m: m[:, None, :]))
        if use_causal_mask:
            masks.append(causal_mask(steps, sources)[None])
        masks.append(check_mask(owner, "attention_mask", attention_mask, (batch, steps, sources)))
        # a head axis on every (B, T, S)-shaped mask: (B, 1, T, S), the same for every head
        mask = combine_masks([m[:, None] if m is not None and m.ndim == 3 else m for m in masks])
        (wq, bq), (wk, bk), (wv, bv), (wo, bo) = self._projections
        q = self._project(query, wq, bq)
        k = self._project(key, wk, bk)
        v = self._project(value, wv, bv)
        rate = self.dropout if training else 0.0
        if return_attention_scores:        # composed, so the returned scores carry gradients
            scores = ops.matmul(q * self._inverse_sqrt_key_dim, ops.swapaxes(k, -1, -2))
            scores = masked_softmax(scores, mask)
            weights = self._dropout_layer(scores, training=training) if rate else scores
            context = ops.matmul(weights, v)
        else:
            rng = self._dropout_layer._rng() if rate else None
            context = ops.scaled_dot_product_attention(q, k, v, mask=mask, scale=self._inverse_sqrt_key_dim,
                                                       dropout_rate=rate, seed=rng)
        context = ops.reshape(ops.transpose(context, (0, 2, 1, 3)), (batch, steps, -1))
        output = ops.matmul(context, ops.reshape(wo, (-1, wo.shape[-1])))
        if bo is not None:
            output = output + bo
        return (output, scores) if return_attention_scores else output

    def _project(self, x, kernel, bias):
        """(B, T, dim) -> (B, N, T, size): one GEMM with the kernel's heads flattened."""
        dim, n, size = kernel.shape
        y = ops.matmul(x, ops.reshape(kernel, (dim, n * size)))
        if bias is not None:
            y = y + ops.reshape(bias, (n * size,))
        return ops.transpose(ops.reshape(y, (x.shape[0], x.shape[1], n, size)), (0, 2, 1, 3))

    def compute_mask(self, inputs, mask=None):
        return mask                         # the query's mask, as Keras sets on the output

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        return tuple(query_shape[:-1]) + (self._output_shape or (query_shape[-1],))

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self.num_heads, "key_dim": self.key_dim, "value_dim": self.value_dim,
            "dropout": self.dropout, "use_bias": self.use_bias, "output_shape": self._output_shape,
            "attention_axes": self.attention_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }


def _fresh(initializer):
    """A new instance per weight, as Keras clones it (a seeded initializer would repeat itself)."""
    if initializer is None or not hasattr(initializer, "get_config"):
        return initializer
    return type(initializer).from_config(initializer.get_config())
