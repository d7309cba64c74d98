"""PositionEmbedding: a learned vector per position, as keras_hub.layers.PositionEmbedding."""

from ... import initializers, ops
from ..layer import Layer
from ..layer_utils import describe, positive_int


class PositionEmbedding(Layer):
    """A trainable embedding of positions 0 … sequence_length − 1 (GPT's ``wpe``).

        output[b, t, :] = embeddings[start_index + t, :]

    As keras_hub's ``PositionEmbedding`` (Keras has none in core): the output has the input's
    shape (the input only gives the sequence length and feature size) and is meant to be
    added to it: ``x = tokens + PositionEmbedding(64)(tokens)``.

    Args:
        sequence_length: the largest number of positions.
        initializer: of the embeddings (default "glorot_uniform", keras_hub's).

    Call args:
        inputs: (batch, time, features) (or (time, features)); time ≤ sequence_length − start_index.
        start_index: the position of the first step (decoding with a cache starts past 0).

    Shape:
        input (..., time, features) -> the same. Weight: embeddings (sequence_length, features).
    """

    def __init__(self, sequence_length, initializer="glorot_uniform", **kwargs):
        super().__init__(**kwargs)
        self.sequence_length = positive_int(sequence_length, "sequence_length", describe(self))
        self.initializer = initializers.get(initializer)
        self.position_embeddings = None

    def build(self, inputs_shape):
        features = inputs_shape[-1]
        if features is None or len(inputs_shape) < 2:
            raise ValueError(f"{describe(self)}: expected inputs (..., time, features) with features known, "
                             f"received shape {inputs_shape}")
        self.position_embeddings = self.add_weight(shape=(self.sequence_length, features),
                                                   initializer=self.initializer, name="embeddings")
        self.built = True

    def call(self, inputs, start_index=0):
        steps = inputs.shape[-2]
        if start_index < 0 or start_index + steps > self.sequence_length:
            raise ValueError(
                f"{describe(self)}: positions {start_index} to {start_index + steps - 1} requested (input "
                f"shape {tuple(inputs.shape)}, start_index {start_index}), but only "
                f"{self.sequence_length} positions exist (sequence_length)"
            )
        table = self.position_embeddings
        if start_index != 0 or steps != self.sequence_length:
            table = ops.getitem(table, slice(start_index, start_index + steps))
        return ops.broadcast_to(table, tuple(inputs.shape))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "sequence_length": self.sequence_length,
                "initializer": initializers.serialize(self.initializer)}
