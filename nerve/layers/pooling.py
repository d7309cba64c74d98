"""Pooling layers: Max/AveragePooling 1-D, 2-D, 3-D and their global forms.

Shape (per spatial axis, see ``nerve.ops.conv_utils``):
    valid: N_out = floor((N_in − K)/S) + 1;   same: N_out = ceil(N_in/S)
Global pooling reduces every spatial axis: (batch, *spatial, C) -> (batch, C), or
(batch, 1, ..., 1, C) with ``keepdims``.
"""

from .. import ops
from ..ops import conv_utils
from .layer import InputSpec, Layer
from .layer_utils import (
    describe, shape_to_channels_first, shape_to_channels_last, spatial_description, standardize_data_format,
    to_channels_first, to_channels_last,
)


class BasePooling(Layer):
    """Max or average over windows of ``pool_size`` moved by ``strides``.

    Args:
        pool_size: int or ``pool_dimensions`` ints.
        strides: int, ints or None (= pool_size).
        pool_dimensions: number of spatial axes (1, 2 or 3).
        pool_mode: "max" or "average".
        padding: "valid" or "same" (average pooling then divides by the valid elements only).
        data_format: "channels_last" (default) or "channels_first".
    """

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        owner = describe(self)
        self.pool_size = conv_utils.normalize_tuple(pool_size, pool_dimensions, "pool_size", owner)
        strides = pool_size if strides is None else strides
        self.strides = conv_utils.normalize_tuple(strides, pool_dimensions, "strides", owner)
        self.pool_dimensions = pool_dimensions
        self.pool_mode = pool_mode
        self.padding = conv_utils.normalize_padding(padding, owner)
        self.data_format = standardize_data_format(data_format, owner)
        self._channels_first = self.data_format == "channels_first"
        self._op = ops.max_pool if pool_mode == "max" else ops.average_pool
        self.input_spec = InputSpec(ndim=pool_dimensions + 2,
                                    description=spatial_description(pool_dimensions, self.data_format))

    def build(self, input_shape):
        self.compute_output_shape(input_shape)        # raises when the window does not fit
        self.built = True

    def call(self, inputs):
        if self._channels_first:
            inputs = to_channels_last(inputs)
        outputs = self._op(inputs, self.pool_size, self.strides, self.padding)
        return to_channels_first(outputs) if self._channels_first else outputs

    def compute_output_shape(self, input_shape):
        shape = shape_to_channels_last(tuple(input_shape)) if self._channels_first else tuple(input_shape)
        output = conv_utils.conv_output_shape(shape, self.pool_size, self.strides, self.padding)
        conv_utils.check_window_fits(describe(self), "pool_size", self.pool_size, input_shape, output[1:-1],
                                     self.padding)
        return shape_to_channels_first(output) if self._channels_first else output

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "padding": self.padding,
                "strides": self.strides, "data_format": self.data_format}


class MaxPooling1D(BasePooling):
    """Max over windows of ``pool_size`` steps: (batch, steps, channels) -> (batch, steps', channels)."""

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, 1, "max", padding, data_format, **kwargs)


class MaxPooling2D(BasePooling):
    """Max over (ph, pw) windows: (batch, h, w, channels) -> (batch, h', w', channels).

    Example:
        >>> MaxPooling2D()(nerve.ops.ones((1, 28, 28, 3))).shape
        (1, 14, 14, 3)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, 2, "max", padding, data_format, **kwargs)


class MaxPooling3D(BasePooling):
    """Max over (pd, ph, pw) windows of (batch, d, h, w, channels)."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, 3, "max", padding, data_format, **kwargs)


class AveragePooling1D(BasePooling):
    """Mean over windows of ``pool_size`` steps."""

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, 1, "average", padding, data_format, **kwargs)


class AveragePooling2D(BasePooling):
    """Mean over (ph, pw) windows: (batch, h, w, channels) -> (batch, h', w', channels)."""

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, 2, "average", padding, data_format, **kwargs)


class AveragePooling3D(BasePooling):
    """Mean over (pd, ph, pw) windows of (batch, d, h, w, channels)."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, 3, "average", padding, data_format, **kwargs)


class BaseGlobalPooling(Layer):
    """Reduces every spatial axis with ``ops.mean`` or ``ops.max``.

    Args:
        pool_dimensions: number of spatial axes (1, 2 or 3).
        data_format: "channels_last" (default) or "channels_first".
        keepdims: keep the spatial axes as size 1.
    """

    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format, describe(self))
        self.keepdims = keepdims
        self.pool_dimensions = pool_dimensions
        first = 2 if self.data_format == "channels_first" else 1
        self._axes = tuple(range(first, first + pool_dimensions))
        self.input_spec = InputSpec(ndim=pool_dimensions + 2,
                                    description=spatial_description(pool_dimensions, self.data_format))

    def call(self, inputs):
        return self._reduce(inputs, axis=self._axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return tuple(1 if i in self._axes else n for i, n in enumerate(input_shape))
        return tuple(n for i, n in enumerate(input_shape) if i not in self._axes)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class _GlobalAverage(BaseGlobalPooling):
    _reduce = staticmethod(ops.mean)


class _GlobalMax(BaseGlobalPooling):
    _reduce = staticmethod(ops.max)


class GlobalAveragePooling1D(_GlobalAverage):
    """Mean over the steps: (batch, steps, channels) -> (batch, channels).

    With a mask (batch, steps) (from Masking or Embedding(mask_zero=True), or passed in) only the
    kept steps are averaged, as Keras: Σ_t m_t·x_t / Σ_t m_t. The output carries no mask.
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        from .masking import check_mask
        steps = self._axes[0]
        kept = ops.cast(check_mask(self, mask, inputs, steps_axis=steps), inputs.dtype)
        kept = ops.expand_dims(kept, 2 if steps == 1 else 1)
        total = ops.sum(ops.where(kept, inputs, 0.0), axis=steps, keepdims=self.keepdims)
        return total / ops.sum(kept, axis=steps, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(_GlobalAverage):
    """Mean over height and width: (batch, h, w, channels) -> (batch, channels)."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format, keepdims, **kwargs)


class GlobalAveragePooling3D(_GlobalAverage):
    """Mean over depth, height and width."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format, keepdims, **kwargs)


class GlobalMaxPooling1D(_GlobalMax):
    """Max over the steps: (batch, steps, channels) -> (batch, channels)."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)


class GlobalMaxPooling2D(_GlobalMax):
    """Max over height and width: (batch, h, w, channels) -> (batch, channels)."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(2, data_format, keepdims, **kwargs)


class GlobalMaxPooling3D(_GlobalMax):
    """Max over depth, height and width."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format, keepdims, **kwargs)
