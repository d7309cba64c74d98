"""Rescaling: y = x * scale + offset, e.g. pixel values from [0, 255] to [0, 1] or [-1, 1]."""

from ... import backend, ops
from ...tensor import Tensor
from ..layer import Layer


class Rescaling(Layer):
    """Rescale the input: y = x * scale + offset (integer inputs become floats).

    Args:
        scale: a number, or one per channel (list or array broadcast against the last axis).
        offset: the same for the offset (0.0 by default).

    Example:
        >>> Rescaling(1 / 255)(images)          # [0, 255] -> [0, 1]  # doctest: +SKIP
        >>> Rescaling(1 / 127.5, offset=-1)     # [0, 255] -> [-1, 1]  # doctest: +SKIP
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs):
        if not backend.is_float_dtype(inputs.dtype):
            inputs = inputs.astype(self.dtype)
        xp = backend.array_module(inputs.data)
        scale = Tensor.wrap(xp.asarray(self.scale, dtype=inputs.dtype))
        offset = Tensor.wrap(xp.asarray(self.offset, dtype=inputs.dtype))
        return ops.add(ops.multiply(inputs, scale), offset)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        def plain(value):
            return value.tolist() if hasattr(value, "tolist") else value
        return {**super().get_config(), "scale": plain(self.scale), "offset": plain(self.offset)}
