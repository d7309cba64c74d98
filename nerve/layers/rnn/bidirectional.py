"""Bidirectional: an RNN run forwards and a copy run backwards over the same sequence, merged."""

from ... import ops
from ..layer import Layer
from ..layer_utils import describe

MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Layer):
    """Runs ``layer`` over the sequence forwards and a copy of it backwards, and merges the two:

        y_fwd = layer(x);  y_bwd = reversed(backward_layer(x))     (backward_layer has go_backwards)
        output = concat(y_fwd, y_bwd) | y_fwd + y_bwd | y_fwd ⊙ y_bwd | (y_fwd + y_bwd)/2 | [y_fwd, y_bwd]

    As Keras, both directions are fresh layers made from ``layer``'s config (named ``forward_<name>``
    and ``backward_<name>``); with a mask and ``return_sequences`` each outputs zeros at masked steps.

    Args:
        layer: an RNN layer (SimpleRNN, LSTM, GRU, RNN).
        merge_mode: "concat" (default), "sum", "mul", "ave" or None (a list of both outputs).
        backward_layer: optional RNN for the backward direction (must have go_backwards=True and the
            same return_sequences/return_state/stateful as ``layer``).
        weights: optional initial weights, the forward layer's then the backward layer's.

    Call arguments:
        sequences, mask, training; initial_state: the forward layer's states then the backward's.

    Shape:
        (batch, steps, features) -> (batch, [steps,] 2·units) with concat, (batch, [steps,] units)
        otherwise; with return_state the states follow: forward ones, then backward ones.
    """

    supports_masking = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        from .. import deserialize, serialize
        if isinstance(layer, dict):
            layer = deserialize(layer)
        if isinstance(backward_layer, dict):
            backward_layer = deserialize(backward_layer)
        super().__init__(**kwargs)
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise ValueError(f"{describe(self)}: `layer` must be a recurrent layer (an RNN), received {layer!r}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"{describe(self)}: `merge_mode` must be one of {MERGE_MODES}, received {merge_mode!r}")
        config = serialize(layer)
        config["config"]["name"] = "forward_" + _strip(layer.name, "forward_")
        self.forward_layer = deserialize(config)
        if backward_layer is None:
            config = serialize(layer)
            config["config"]["go_backwards"] = not layer.go_backwards
            config["config"]["name"] = "backward_" + _strip(layer.name, "backward_")
            backward_layer = deserialize(config)
        self.backward_layer = backward_layer
        self._check_directions()
        for direction in (self.forward_layer, self.backward_layer):
            direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = layer.stateful
        self.input_spec = layer.input_spec
        self._initial_weights = list(weights) if weights else None

    def _check_directions(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                f"{describe(self)}: the forward and backward layers must have different `go_backwards`, "
                f"both have go_backwards={forward.go_backwards}"
            )
        for name in ("stateful", "return_sequences", "return_state"):
            if getattr(forward, name) != getattr(backward, name):
                raise ValueError(
                    f"{describe(self)}: the forward and backward layers must agree on `{name}`, received "
                    f"{getattr(forward, name)} (forward) and {getattr(backward, name)} (backward)"
                )

    def build(self, sequences_shape, initial_state_shape=None):
        self.forward_layer._maybe_build(sequences_shape)
        self.backward_layer._maybe_build(sequences_shape)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None
        self.built = True

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = list(initial_state[:half]), list(initial_state[half:])
        y = self.forward_layer(sequences, initial_state=forward_state, mask=mask, training=training)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, mask=mask, training=training)
        states = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = y_rev[:, ::-1]
        if self.merge_mode == "concat":
            output = ops.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if self.return_state:
            return (output if self.merge_mode is None else [output]) + states
        return output

    def reset_state(self):
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (None if shape[-1] is None else 2 * shape[-1],)
        outputs = [shape, shape] if self.merge_mode is None else [shape]
        if self.return_state:
            return outputs + states + states
        return outputs if self.merge_mode is None else shape

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            return masks + [None] * (2 * len(self.forward_layer.state_size))
        return masks if self.merge_mode is None else output_mask

    def get_config(self):
        from .. import serialize
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize(self.forward_layer), "backward_layer": serialize(self.backward_layer)}


def _strip(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name
