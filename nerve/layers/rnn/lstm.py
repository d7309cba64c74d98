"""LSTMCell and LSTM (Hochreiter & Schmidhuber, 1997), as Keras's: gates i, f, c, o side by side."""

from ... import activations, initializers, ops
from ...ops.recurrent import lstm_sequence
from .base_cell import BaseRecurrentCell, gatewise_product
from .rnn import FusedRNN


class LSTMCell(BaseRecurrentCell):
    """One LSTM step; all four gates from one product with each kernel:

        z = x_t·W + h_{t−1}·U + b = [z_i, z_f, z_c, z_o]
        i, f, o = σ(z_i), σ(z_f), σ(z_o);   c_t = f ⊙ c_{t−1} + i ⊙ tanh(z_c);   h_t = o ⊙ tanh(c_t)

    (σ is ``recurrent_activation``, tanh is ``activation``.)

    Args:
        units: size of h and c.
        activation: "tanh"; recurrent_activation: "sigmoid".
        unit_forget_bias: start the forget gate's bias at 1 (Jozefowicz et al., 2015), default True.
        use_bias, kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), *_regularizer, *_constraint, dropout, recurrent_dropout, seed:
            as Keras.

    Shape:
        inputs (batch, features), states [h, c] each (batch, units) -> h, [h, c].
        Weights: kernel (features, 4·units), recurrent_kernel (units, 4·units), bias (4·units,).
    """

    gates = 4
    default_name = "lstm_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [self.units, self.units]

    def _bias_initial_value(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units, base = self.units, self.bias_initializer
        ones = initializers.get("ones")

        def forget_bias_one(shape, dtype=None):
            return ops.concatenate([ops.convert_to_tensor(base((units,), dtype=dtype)),
                                    ops.convert_to_tensor(ones((units,), dtype=dtype)),
                                    ops.convert_to_tensor(base((2 * units,), dtype=dtype))]).data
        return forget_bias_one

    def call(self, inputs, states, training=None):
        h_prev, c_prev = states[0], states[1]
        dropout_mask = self.get_dropout_mask(inputs) if training else None
        recurrent_mask = self.get_recurrent_dropout_mask(h_prev) if training else None
        z = gatewise_product(inputs, dropout_mask, self.kernel, 4) + \
            gatewise_product(h_prev, recurrent_mask, self.recurrent_kernel, 4)
        if self.bias is not None:
            z = z + self.bias
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=-1)
        i, f, o = self.recurrent_activation(z_i), self.recurrent_activation(z_f), self.recurrent_activation(z_o)
        c = f * c_prev + i * self.activation(z_c)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class LSTM(FusedRNN):
    """Long short-term memory over a sequence: ``RNN(LSTMCell(units, ...))`` with the cell's arguments
    on the layer (Keras's LSTM). With tanh/sigmoid and no recurrent dropout the whole sequence runs as
    one fused op (nerve.ops.recurrent.lstm_sequence); otherwise the cell runs step by step.

    Example:
        >>> out, h, c = LSTM(4, return_sequences=True, return_state=True)(np.zeros((32, 10, 8), "float32"))
        >>> out.shape, h.shape, c.shape
        ((32, 10, 4), (32, 4), (32, 4))

    Shape:
        (batch, steps, features) -> (batch, units); (batch, steps, units) with return_sequences;
        states [h, c]. Weights: [kernel (features, 4·units), recurrent_kernel (units, 4·units),
        bias (4·units,)], gates i, f, c, o (PyTorch's order too: weight_ih = kernelᵀ).
    """

    cell_class = LSTMCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False, **kwargs):
        super().__init__(
            units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, unroll=unroll, **kwargs)

    def _run_fused(self, xw, states, mask):
        return lstm_sequence(xw, states[0], states[1], self.cell.recurrent_kernel, mask=mask,
                             go_backwards=self.go_backwards, zero_output_for_mask=self.zero_output_for_mask)
