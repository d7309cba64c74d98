"""Layers that rearrange elements: Flatten, Reshape, Permute, RepeatVector.

(Padding, cropping and upsampling of spatial axes are in :mod:`spatial`.)
"""

import math

from .. import ops
from .layer import InputSpec, Layer
from .layer_utils import describe, positive_int, standardize_data_format, to_channels_last


def compute_reshape_output_shape(input_shape, target_shape, owner):
    """``target_shape`` with its one −1 resolved from ``input_shape`` (both without the batch axis).

    Unknown (None) input sizes leave the −1 unknown. Raises ValueError when the sizes disagree.
    """
    if target_shape.count(-1) > 1:
        raise ValueError(f"{owner}: `target_shape` may hold at most one -1, received {target_shape}")
    if None in input_shape:
        return tuple(None if n == -1 else n for n in target_shape)
    size = math.prod(input_shape)
    known = math.prod(n for n in target_shape if n != -1)
    if -1 not in target_shape:
        if size != known:
            raise ValueError(f"{owner}: cannot reshape inputs of shape (batch, *{tuple(input_shape)}) "
                             f"({size} values per sample) into target_shape {target_shape} ({known} values)")
        return tuple(target_shape)
    if known == 0 or size % known:
        raise ValueError(f"{owner}: cannot reshape inputs of shape (batch, *{tuple(input_shape)}) "
                         f"({size} values per sample) into target_shape {target_shape}")
    return tuple(size // known if n == -1 else n for n in target_shape)


class Flatten(Layer):
    """Flattens every axis but the batch axis: (batch, d1, d2, ...) -> (batch, d1·d2·...).

    Args:
        data_format: "channels_last" (default) or "channels_first" (moved to channels last
            first, so flattened features have Keras's order).
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, describe(self))
        self.input_spec = InputSpec(min_ndim=1, description="(batch, ...)")

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = to_channels_last(inputs)
        return ops.reshape(inputs, (inputs.shape[0], math.prod(inputs.shape[1:])))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        flat = None if None in rest else math.prod(rest)
        return (input_shape[0], flat)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes every sample to ``target_shape`` (the batch axis is kept).

    Args:
        target_shape: the new shape without the batch axis; one entry may be −1 (inferred).
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        for n in self.target_shape:
            if isinstance(n, bool) or not isinstance(n, int) or (n < 1 and n != -1):
                raise ValueError(f"{describe(self)}: `target_shape` must hold positive ints and at most "
                                 f"one -1, received {target_shape!r}")

    def call(self, inputs):
        shape = compute_reshape_output_shape(inputs.shape[1:], self.target_shape, describe(self))
        return ops.reshape(inputs, (inputs.shape[0],) + shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + compute_reshape_output_shape(input_shape[1:], self.target_shape,
                                                                describe(self))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


class Permute(Layer):
    """Permutes the non-batch axes: ``dims`` counts them from 1 (Keras's convention).

    Args:
        dims: a permutation of 1..rank−1, e.g. (2, 1) swaps the two axes of (batch, a, b).
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"{describe(self)}: `dims` must be a permutation of 1..{len(self.dims)} "
                             f"(axis 0 is the batch), received {dims!r}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1, description="(batch, *axes to permute)")

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Repeats each input vector n times: (batch, features) -> (batch, n, features).

    Args:
        n: number of repetitions.
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = positive_int(n, "n", describe(self))
        self.input_spec = InputSpec(ndim=2, description="(batch, features)")

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
