"""TimeDistributed: applies a layer to every step of a sequence."""

from ... import ops
from ..layer import Layer
from ..layer_utils import describe
from ..masking import check_mask


class TimeDistributed(Layer):
    """Applies ``layer`` to every step: ``output[:, t] = layer(inputs[:, t])``, with one set of weights.

    The steps are folded into the batch, so the layer runs once on (batch·steps, ...) and the result
    is unfolded: the same numbers as Keras's step-by-step loop for every layer that treats samples
    independently (Dense, Conv2D, ...). A layer that mixes the samples of a batch (BatchNormalization
    in training) sees batch·steps samples at once instead of batch at a time.

    Args:
        layer: the layer to apply.

    Shape:
        (batch, steps, ...) -> (batch, steps, ...layer's output shape without its batch axis).
    """

    supports_masking = True

    def __init__(self, layer, **kwargs):
        from .. import deserialize
        if isinstance(layer, dict):
            layer = deserialize(layer)
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"{describe(self)}: `layer` must be a Layer, received {layer!r}")
        self.layer = layer

    def _step_shape(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 3:
            raise ValueError(
                f"{describe(self)}: expected inputs of rank >= 3 (batch, steps, ...), received shape "
                f"{None if input_shape is None else tuple(input_shape)}"
            )
        return (input_shape[0],) + tuple(input_shape[2:])

    def build(self, input_shape):
        self.layer._maybe_build(self._step_shape(input_shape))
        self.built = True

    def call(self, inputs, training=None, mask=None):
        self._step_shape(inputs.shape)
        batch, steps = inputs.shape[0], inputs.shape[1]
        kwargs = {"training": training} if self.layer._call_takes_training else {}
        if mask is not None and "mask" in self.layer._call_mask_args:
            kwargs["mask"] = ops.reshape(check_mask(self, mask, inputs), (batch * steps,))
        folded = ops.reshape(inputs, (batch * steps,) + tuple(inputs.shape[2:]))
        outputs = self.layer(folded, **kwargs)
        return ops.reshape(outputs, (batch, steps) + tuple(outputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape(self._step_shape(input_shape))
        return (input_shape[0], input_shape[1]) + tuple(inner[1:])

    def get_config(self):
        from .. import serialize
        return {**super().get_config(), "layer": serialize(self.layer)}
