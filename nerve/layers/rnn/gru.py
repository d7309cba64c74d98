"""GRUCell and GRU (Cho et al., 2014), as Keras's: gates z (update), r (reset), h (candidate)."""

from ... import activations, ops
from ...ops.recurrent import gru_sequence
from .base_cell import BaseRecurrentCell, gatewise_product
from .rnn import FusedRNN


class GRUCell(BaseRecurrentCell):
    """One GRU step (Keras's ``reset_after=True`` by default, which is also PyTorch's GRU):

        reset_after:  a = h_{t−1}·U + b_rec;  z = σ(x·W_z + b_z + a_z);  r = σ(x·W_r + b_r + a_r)
                      ĥ = tanh(x·W_h + b_h + r ⊙ a_h)
        reset before: z = σ(x·W_z + h·U_z + b_z);  r = σ(x·W_r + h·U_r + b_r)
                      ĥ = tanh(x·W_h + (r ⊙ h)·U_h + b_h)
        h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ

    Args:
        units: size of h.
        activation: "tanh"; recurrent_activation: "sigmoid".
        reset_after: apply the reset gate after the recurrent product (True, Keras's default, whose
            bias is (2, 3·units): input bias, recurrent bias) or before it (bias (3·units,)).
        other arguments: as LSTMCell.

    Shape:
        inputs (batch, features), states [h] (batch, units) -> h, [h].
        Weights: kernel (features, 3·units), recurrent_kernel (units, 3·units), bias.
    """

    gates = 3
    default_name = "gru_cell"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 reset_after=True, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def call(self, inputs, states, training=None):
        h_prev = states[0] if isinstance(states, (list, tuple)) else states
        n = self.units
        dropout_mask = self.get_dropout_mask(inputs) if training else None
        recurrent_mask = self.get_recurrent_dropout_mask(h_prev) if training else None
        xw = gatewise_product(inputs, dropout_mask, self.kernel, 3)
        if self.bias is not None:
            xw = xw + (self.bias[0] if self.reset_after else self.bias)
        x_z, x_r, x_h = ops.split(xw, 3, axis=-1)
        if isinstance(recurrent_mask, list):            # one mask per gate (Keras's implementation 1)
            h_z, h_r, h_h = [h_prev * m for m in recurrent_mask]
        else:
            h_z = h_r = h_h = h_prev if recurrent_mask is None else h_prev * recurrent_mask
        if self.reset_after:
            inner = gatewise_product(h_prev, recurrent_mask, self.recurrent_kernel, 3)
            if self.bias is not None:
                inner = inner + self.bias[1]
            a_z, a_r, a_h = ops.split(inner, 3, axis=-1)
            z = self.recurrent_activation(x_z + a_z)
            r = self.recurrent_activation(x_r + a_r)
            recurrent_h = r * a_h
        else:
            if not isinstance(recurrent_mask, list):    # z and r in one product
                a_z, a_r = ops.split(ops.matmul(h_z, self.recurrent_kernel[:, :2 * n]), 2, axis=-1)
            else:
                a_z = ops.matmul(h_z, self.recurrent_kernel[:, :n])
                a_r = ops.matmul(h_r, self.recurrent_kernel[:, n:2 * n])
            z = self.recurrent_activation(x_z + a_z)
            r = self.recurrent_activation(x_r + a_r)
            recurrent_h = ops.matmul(r * h_h, self.recurrent_kernel[:, 2 * n:])
        candidate = self.activation(x_h + recurrent_h)
        h = z * h_prev + (1 - z) * candidate
        return h, [h]

    def get_config(self):
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}


class GRU(FusedRNN):
    """Gated recurrent unit over a sequence: ``RNN(GRUCell(units, ...))`` with the cell's arguments on
    the layer (Keras's GRU). With tanh/sigmoid and no recurrent dropout the whole sequence runs as one
    fused op (nerve.ops.recurrent.gru_sequence).

    PyTorch's ``torch.nn.GRU`` is ``reset_after=True`` with its gates in the order r, z, n:
    weight_ih = [W_r, W_z, W_h]ᵀ, bias_ih = bias[0] reordered, bias_hh = bias[1] reordered.

    Shape:
        (batch, steps, features) -> (batch, units); (batch, steps, units) with return_sequences.
        Weights: [kernel (features, 3·units), recurrent_kernel (units, 3·units), bias (2, 3·units) with
        reset_after else (3·units,)].
    """

    cell_class = GRUCell

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 **kwargs):
        super().__init__(
            units, activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful, unroll=unroll,
            reset_after=reset_after, **kwargs)

    def _input_bias(self):
        return self.cell.bias[0] if self.reset_after else self.cell.bias

    def _run_fused(self, xw, states, mask):
        cell = self.cell
        recurrent_bias = cell.bias[1] if (cell.use_bias and cell.reset_after) else None
        return gru_sequence(xw, states[0], cell.recurrent_kernel, recurrent_bias, reset_after=cell.reset_after,
                            mask=mask, go_backwards=self.go_backwards, zero_output_for_mask=self.zero_output_for_mask)
