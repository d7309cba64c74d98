"""SimpleRNNCell and SimpleRNN: the fully connected (Elman) recurrence, as Keras's."""

from ... import activations, ops
from ...ops.recurrent import simple_rnn_sequence
from .base_cell import BaseRecurrentCell
from .rnn import FusedRNN


class SimpleRNNCell(BaseRecurrentCell):
    """One step of a fully connected RNN:

        h_t = activation(x_t·W + b + h_{t−1}·U)

    Args:
        units: size of the output and of the state.
        activation: default "tanh".
        use_bias, kernel_initializer ("glorot_uniform"), recurrent_initializer ("orthogonal"),
        bias_initializer ("zeros"), *_regularizer, *_constraint: as Keras.
        dropout, recurrent_dropout: fractions of the inputs / of the state dropped in training
            (one mask per sequence).
        seed: for the dropout masks.

    Shape:
        inputs (batch, features), states [(batch, units)] -> (batch, units), [(batch, units)].
        Weights: kernel (features, units), recurrent_kernel (units, units), bias (units,).
    """

    gates = 1
    default_name = "simple_rnn_cell"

    def call(self, inputs, states, training=None):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        dropout_mask = self.get_dropout_mask(inputs) if training else None
        recurrent_mask = self.get_recurrent_dropout_mask(h_prev) if training else None
        x = inputs * dropout_mask if dropout_mask is not None else inputs
        h = ops.matmul(x, self.kernel)
        if self.bias is not None:
            h = h + self.bias
        if recurrent_mask is not None:
            h_prev = h_prev * recurrent_mask
        output = self.activation(h + ops.matmul(h_prev, self.recurrent_kernel))
        return output, [output]

    def _uses_default_activations(self):
        return self.activation is activations.tanh


class SimpleRNN(FusedRNN):
    """Fully connected RNN over a sequence: ``RNN(SimpleRNNCell(units, ...))`` with the cell's
    arguments on the layer (Keras's SimpleRNN). With tanh and no recurrent dropout the whole
    sequence runs as one fused op (nerve.ops.recurrent.simple_rnn_sequence).

    Example:
        >>> SimpleRNN(4)(np.zeros((32, 10, 8), "float32")).shape
        (32, 4)

    Shape:
        (batch, steps, features) -> (batch, units); (batch, steps, units) with return_sequences.
        Weights: [kernel (features, units), recurrent_kernel (units, units), bias (units,)].
    """

    cell_class = SimpleRNNCell

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        super().__init__(
            units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
            stateful=stateful, unroll=unroll, **kwargs)

    def _run_fused(self, xw, states, mask):
        return simple_rnn_sequence(xw, states[0], self.cell.recurrent_kernel, mask=mask,
                                   go_backwards=self.go_backwards, zero_output_for_mask=self.zero_output_for_mask)
