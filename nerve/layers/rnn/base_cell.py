"""What every recurrent cell shares: its weights' arguments, dropout masks, initial state, config.

A cell computes one step, ``output, new_states = cell(x_t, states)``; the RNN layer runs it over
the steps (nerve/layers/rnn/rnn.py). Its weights are Keras's: ``kernel`` (input_dim, gates·units),
``recurrent_kernel`` (units, gates·units), ``bias``, the gates side by side in Keras's order.

Dropout as Keras: one mask per sequence (drawn at the first step, reused at every step), on the
inputs (``dropout``) and on the recurrent state (``recurrent_dropout``), in training only. With
recurrent dropout a gated cell draws one mask per gate for each (Keras's "implementation 1", which
recurrent dropout forces): ``get_*_dropout_mask`` then return a list.
"""

from ... import activations, backend, constraints, initializers, ops, regularizers
from ...tensor import Tensor
from ..layer import Layer
from ..layer_utils import describe, positive_int, rate_in_unit_interval


class BaseRecurrentCell(Layer):
    """The common part of SimpleRNNCell, LSTMCell and GRUCell (``gates`` blocks of ``units``)."""

    gates = 1

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.units = positive_int(units, "units", describe(self))
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = rate_in_unit_interval(dropout, "dropout", describe(self))
        self.recurrent_dropout = rate_in_unit_interval(recurrent_dropout, "recurrent_dropout", describe(self))
        self.seed = seed
        self._generator = None if seed is None else backend.xp.random.default_rng(seed)
        self.kernel = self.recurrent_kernel = self.bias = None
        self.state_size = units
        self.output_size = units
        self.reset_dropout_masks()

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"{describe(self)}: the last axis of the input must be known, received {input_shape}")
        width = self.gates * self.units
        self.kernel = self.add_weight(shape=(input_dim, width), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, width), initializer=_c_order(self.recurrent_initializer),
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint, name="recurrent_kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=self._bias_shape(), initializer=self._bias_initial_value(),
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self.built = True

    def _bias_shape(self):
        return (self.gates * self.units,)

    def _bias_initial_value(self):
        return self.bias_initializer

    # ---- dropout: one mask per sequence ------------------------------------------------------
    def reset_dropout_masks(self):
        """Forget the masks of the last sequence (the RNN layer calls this after each sequence)."""
        self._dropout_mask = self._recurrent_dropout_mask = None

    def get_dropout_mask(self, step_input):
        if self._dropout_mask is None and 0 < self.dropout < 1:
            self._dropout_mask = self._draw_masks(step_input, self.dropout)
        return self._dropout_mask

    def get_recurrent_dropout_mask(self, state):
        if self._recurrent_dropout_mask is None and 0 < self.recurrent_dropout < 1:
            self._recurrent_dropout_mask = self._draw_masks(state, self.recurrent_dropout)
        return self._recurrent_dropout_mask

    @property
    def masks_per_gate(self):
        """Whether each gate gets its own dropout masks (Keras: when there is recurrent dropout)."""
        return self.gates > 1 and 0 < self.recurrent_dropout < 1

    def _draw_masks(self, like, rate):
        if self.masks_per_gate:
            return [self._draw(like.shape, like.dtype, rate) for _ in range(self.gates)]
        return self._draw(like.shape, like.dtype, rate)

    def _draw(self, shape, dtype, rate):
        """keep / (1 − rate), keep ~ Bernoulli(1 − rate): Keras's dropout of a tensor of ones."""
        rng = backend.rng() if self._generator is None else self._generator
        keep = rng.random(shape, dtype="float32") >= rate
        return Tensor.wrap((keep / (1.0 - rate)).astype(dtype))

    # ---- states and config ---------------------------------------------------------------------
    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [Tensor.wrap(backend.xp.zeros((batch_size, n), dtype=self.dtype)) for n in sizes]

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }

    def _uses_default_activations(self):
        return self.activation is activations.tanh and getattr(
            self, "recurrent_activation", activations.sigmoid) is activations.sigmoid


def _c_order(initializer):
    """The initializer's values in C order: "orthogonal" gives a transposed (Fortran-order) array,
    which the .nerve writer (tensor_file) currently stores with the wrong checksum."""
    def initialize(shape, dtype=None):
        value = initializer(shape, dtype=dtype)
        return backend.xp.ascontiguousarray(value.data if isinstance(value, Tensor) else value)
    return initialize


def gatewise_product(x, masks, kernel, gates):
    """x·W with dropout: ``masks`` None (no dropout), one mask for every gate, or a list of one mask
    per gate (Keras's "implementation 1": [(x ⊙ m_g)·W_g for each gate g], side by side)."""
    if masks is None:
        return ops.matmul(x, kernel)
    if not isinstance(masks, list):
        return ops.matmul(x * masks, kernel)
    blocks = ops.split(kernel, gates, axis=1)
    return ops.concatenate([ops.matmul(x * m, w) for m, w in zip(masks, blocks)], axis=-1)
