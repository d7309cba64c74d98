"""RNN: runs a cell over the steps of a sequence, as Keras's ``keras.layers.RNN``.

    for t in steps (last to first with go_backwards):
        output_t, states = cell(x[:, t], states)

Masked steps (``mask[b, t]`` False, from ``Masking``/``Embedding(mask_zero=True)`` or passed in)
are skipped as in Keras: the states carry over unchanged and the output repeats the previous one
(zeros with ``zero_output_for_mask``, which Bidirectional sets when it returns sequences).

SimpleRNN, LSTM and GRU are RNNs over their cells. With their default activations and no
recurrent dropout they run the whole sequence as one fused op (nerve/ops/recurrent.py: the
input projection of every step as one GEMM, one GEMM per step, backpropagation through time by
hand); any other configuration, and ``RNN(cell)`` over any cell, runs the cell step by step as a
graph of ops. Both give the same numbers (tests/layers/test_layers_recurrent*.py). The cell loop
is the slower path (0.36x PyTorch against the fused op's 0.64x on benchmarks/lstm.py), and on long
sequences its backward grows with steps²: each step's slice x[:, t] sends back a gradient the size
of the whole input (GetItem's backward), summed over the steps.
"""

from ... import backend, ops
from ...tensor import Tensor, Variable, as_tensor
from ..layer import InputSpec, Layer
from ..layer_utils import describe
from ..masking import check_mask


class RNN(Layer):
    """Base class for recurrent layers: a cell run over the steps of (batch, steps, features).

    Args:
        cell: a layer with ``call(inputs, states)`` returning ``(output, new_states)`` and a
            ``state_size`` (int or list of ints).
        return_sequences: return every step's output (batch, steps, units), not only the last.
        return_state: also return the final states (after the output).
        go_backwards: process the steps last to first (and return the outputs in that order).
        stateful: the final states of a batch are the initial states of the next (same batch size;
            ``reset_state()`` zeroes them).
        unroll: accepted for Keras compatibility (nerve's loop is the same either way).
        zero_output_for_mask: masked steps output zeros instead of repeating the last output.

    Call arguments:
        sequences: (batch, steps, features).
        initial_state: list of the cell's initial states, each (batch, size); zeros by default.
        mask: (batch, steps) booleans, True where the step is data. Taken from the input when it
            carries one and is the call's only tensor argument (Keras's rule: with initial_state
            tensors too, pass ``mask=`` yourself).
        training: whether dropout is active.

    Shape:
        (batch, steps, features) -> (batch, units), or (batch, steps, units) with return_sequences;
        with return_state, ``[output, state_1, ...]``.
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, dict):
            from .. import deserialize
            cell = deserialize(cell)
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            raise ValueError(
                f"{describe(self)}: a list of cells (Keras's StackedRNNCells) is not supported by nerve; "
                f"stack RNN layers instead (each but the last with return_sequences=True), received {cell!r}"
            )
        if not callable(getattr(cell, "call", None)) or getattr(cell, "state_size", None) is None:
            raise ValueError(
                f"{describe(self)}: `cell` must have a `call(inputs, states)` method and a `state_size` "
                f"attribute, received {cell!r}"
            )
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        size = cell.state_size
        self.state_size = list(size) if isinstance(size, (list, tuple)) else [size]
        self.states = None
        self.input_spec = InputSpec(ndim=3, description="(batch, steps, features)")

    # ---- building -------------------------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build((sequences_shape[0],) + tuple(sequences_shape[2:]))
            self.cell.built = True
        self.built = True

    def get_initial_state(self, batch_size):
        make = getattr(self.cell, "get_initial_state", None)
        if make is not None:
            states = make(batch_size=batch_size)
            return list(states) if isinstance(states, (list, tuple)) else [states]
        return [Tensor.wrap(backend.xp.zeros((batch_size, n), dtype=self.dtype)) for n in self.state_size]

    def reset_state(self):
        """Zero the states a stateful layer carries between batches."""
        if self.states is not None:
            for state in self.states:
                state.assign(backend.xp.zeros(state.shape, dtype=state.dtype))

    reset_states = reset_state

    # ---- the call ---------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        mask = check_mask(self, mask, sequences)
        states = self._initial_states(sequences, initial_state)
        fused = self._fused_sequence(sequences, states, mask, training)
        if fused is None:
            outputs, last_output, states = self._loop(sequences, states, mask, training)
        else:
            outputs, last_output, states = fused
        if isinstance(self.cell, Layer) and hasattr(self.cell, "reset_dropout_masks"):
            self.cell.reset_dropout_masks()
        if self.stateful:
            for variable, state in zip(self.states, states):
                variable.assign(state.data)
        output = outputs if self.return_sequences else last_output
        return [output] + list(states) if self.return_state else output

    def _initial_states(self, sequences, initial_state):
        batch = sequences.shape[0]
        if initial_state is None:
            if self.stateful:
                return list(self._stateful_variables(batch))
            return self.get_initial_state(batch)
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        expected = [(batch, n) for n in self.state_size]
        states = [as_tensor(s) for s in states]
        if [tuple(s.shape) for s in states] != expected:
            raise ValueError(
                f"{describe(self)}: expected initial_state as {len(expected)} tensor(s) of shapes {expected} "
                f"for inputs of shape {tuple(sequences.shape)}, received shapes {[tuple(s.shape) for s in states]}"
            )
        return [s if s.dtype == self.dtype else s.astype(self.dtype) for s in states]

    def _stateful_variables(self, batch):
        if self.states is None:
            self.states = [Variable(state.data, trainable=False, name="rnn_state")
                           for state in self.get_initial_state(batch)]
        elif self.states[0].shape[0] != batch:
            raise ValueError(
                f"{describe(self)}: a stateful RNN keeps the batch size of its first batch; expected batches "
                f"of {self.states[0].shape[0]} sequences, received {batch}"
            )
        return [Tensor.wrap(v.data.copy()) for v in self.states]

    def _fused_sequence(self, sequences, states, mask, training):
        """``(outputs, last_output, states)`` from a whole-sequence op, or None to run the cell loop.
        SimpleRNN, LSTM and GRU override it."""
        return None

    def _loop(self, sequences, states, mask, training):
        """The cell, step by step, as a graph of ops (Keras's ``backend.rnn``)."""
        steps = sequences.shape[1]
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        call_kwargs = {"training": training} if getattr(self.cell, "_call_takes_training", False) else {}
        outputs, previous = [], None
        for t in order:
            output, new_states = self.cell(sequences[:, t], list(states), **call_kwargs)
            new_states = list(new_states) if isinstance(new_states, (list, tuple)) else [new_states]
            if mask is not None:
                kept = mask[:, t:t + 1]
                if previous is None or self.zero_output_for_mask:
                    output = ops.where(kept, output, 0.0)
                else:
                    output = ops.where(kept, output, previous)
                new_states = [ops.where(kept, new, old) for new, old in zip(new_states, states)]
            outputs.append(output)
            previous, states = output, new_states
        sequence = ops.stack(outputs, axis=1) if self.return_sequences else None
        return sequence, outputs[-1], states

    # ---- shapes, masks, config --------------------------------------------------------------
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        units = getattr(self.cell, "output_size", None) or self.state_size[0]
        output = (batch, steps, units) if self.return_sequences else (batch, units)
        if self.return_state:
            return [output] + [(batch, n) for n in self.state_size]
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(self.state_size)
        return output_mask

    def get_config(self):
        from .. import serialize
        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialize(self.cell),
        }


class FusedRNN(RNN):
    """The shared part of SimpleRNN, LSTM and GRU: a layer over its own cell type, whose config is
    the cell's arguments plus the RNN's (as Keras's), and which runs the fused op when it can."""

    cell_class = None

    def __init__(self, units, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, activity_regularizer=None, trainable=True, name=None,
                 dtype=None, **cell_kwargs):
        layer_kwargs = {k: cell_kwargs.pop(k) for k in ("input_shape", "input_dim") if k in cell_kwargs}
        cell_kwargs.pop("implementation", None)
        cell_kwargs.pop("use_cudnn", None)
        cell = self.cell_class(units, dtype=dtype, trainable=trainable, name=self.cell_class.default_name,
                               **cell_kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         zero_output_for_mask=zero_output_for_mask, activity_regularizer=activity_regularizer,
                         trainable=trainable, name=name, dtype=dtype, **layer_kwargs)

    _cell_arguments = frozenset((
        "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias", "reset_after",
        "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
        "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
        "bias_constraint", "dropout", "recurrent_dropout", "seed"))

    def __getattr__(self, name):
        # lstm.units, lstm.dropout...: the cell's arguments, readable on the layer as in Keras
        cell = self.__dict__.get("cell")
        if name in FusedRNN._cell_arguments and cell is not None and hasattr(cell, name):
            return getattr(cell, name)
        raise AttributeError(f"{type(self).__name__} object has no attribute {name!r}")

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        return {**config, **cell_config}

    def _fused_sequence(self, sequences, states, mask, training):
        cell = self.cell
        if not cell._uses_default_activations() or (training and 0 < cell.recurrent_dropout < 1):
            return None
        x = sequences
        if x.dtype != cell.kernel.dtype:
            x = ops.cast(x, cell.kernel.dtype)
        if training and 0 < cell.dropout < 1:
            dropout_mask = cell.get_dropout_mask(x[:, 0])
            x = x * ops.expand_dims(dropout_mask, 1)       # the same mask at every step (Keras)
        batch, steps, features = x.shape
        # time-major: transposing x is cheaper than transposing xw (gates·units wide), and makes every
        # step's slice of xw, and of its gradient, contiguous
        x = ops.reshape(ops.transpose(x, (1, 0, 2)), (steps * batch, features))
        xw = ops.affine(x, cell.kernel, self._input_bias() if cell.use_bias else None)   # all steps: one GEMM
        packed = self._run_fused(ops.reshape(xw, (steps, batch, xw.shape[-1])), states,
                                 None if mask is None else mask.data)
        outputs = ops.transpose(packed[:steps], (1, 0, 2)) if self.return_sequences else None
        final_states = [packed[steps + i] for i in range(len(self.state_size))]
        last = packed[steps - 1] if self.zero_output_for_mask and not self.return_sequences else final_states[0]
        return outputs, last, final_states

    def _input_bias(self):
        return self.cell.bias

    def _run_fused(self, xw, states, mask):
        raise NotImplementedError
