"""Convolution layers: Conv1D/2D/3D over BaseConv, over BaseWindowConv (every family's base).

A convolution layer is ``activation(op(inputs, kernels) + bias)``. ``BaseWindowConv`` holds
what every family shares (kernel_size, strides, padding, data_format, dilation_rate,
the bias and the activation); a family (``BaseConv`` here, ``BaseConvTranspose`` in
:mod:`conv_transpose`, the depthwise and separable ones in :mod:`depthwise`) adds its
kernels and names its op:

    _build_kernels(in_channels)   create the kernel weights
    _convolve(inputs)             the op on channels_last inputs
    _output_channels(in_channels) channels of the result
    _output_spatial(sizes)        spatial sizes of the result (conv_utils arithmetic)

With ``data_format="channels_first"`` the layer moves the channels last around the op
(nerve's ops are channels_last).

Shape (channels_last; N_out per spatial axis as ``nerve.ops.conv_utils``):
    valid: N_out = floor((N_in − d·(K − 1) − 1)/S) + 1;   same: N_out = ceil(N_in/S)
"""

from .. import activations, constraints, initializers, ops, regularizers
from ..ops import conv_utils
from .layer import InputSpec, Layer
from .layer_utils import (
    describe, positive_int, shape_to_channels_first, shape_to_channels_last, spatial_description,
    standardize_data_format, to_channels_first, to_channels_last,
)


class BaseWindowConv(Layer):
    """Shared arguments and the call path of the convolution families (see the module docstring)."""

    paddings = ("valid", "same")
    strided_dilation = False      # whether strides > 1 may go with dilation_rate > 1

    def __init__(self, rank, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation=None, use_bias=True, bias_initializer="zeros", bias_regularizer=None,
                 bias_constraint=None, activity_regularizer=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        owner = describe(self)
        self.rank = rank
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = conv_utils.normalize_tuple(strides, rank, "strides", owner)
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, rank, "dilation_rate", owner)
        padding = padding.lower() if isinstance(padding, str) else padding
        if padding not in self.paddings:
            raise ValueError(f"{owner}: `padding` must be one of {self.paddings}, received {padding!r}")
        self.padding = padding
        if not self.strided_dilation and max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{owner}: strides > 1 together with dilation_rate > 1 is not supported "
                             f"(received strides={self.strides}, dilation_rate={self.dilation_rate})")
        self.data_format = standardize_data_format(data_format, owner)
        self._channels_first = self.data_format == "channels_first"
        self.activation = activations.get(activation)
        self._linear = self.activation is activations.linear
        self.use_bias = use_bias
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.bias = None
        self._description = spatial_description(rank, self.data_format)
        self.input_spec = InputSpec(ndim=rank + 2, description=self._description)

    # ---- family hooks -----------------------------------------------------------------
    def _build_kernels(self, in_channels):
        raise NotImplementedError

    def _convolve(self, inputs):
        raise NotImplementedError

    def _output_channels(self, in_channels):
        raise NotImplementedError

    def _output_spatial(self, sizes):
        return [conv_utils.output_length(n, k, s, self.padding, d)
                for n, k, s, d in zip(sizes, self.kernel_size, self.strides, self.dilation_rate)]

    # ---- Layer contract ---------------------------------------------------------------
    def build(self, input_shape):
        shape = self._channels_last_shape(input_shape)
        channels = shape[-1]
        if channels is None:
            raise ValueError(f"{describe(self)}: the channel axis of the input must be known, received shape "
                             f"{tuple(input_shape)} {self._description}")
        self.compute_output_shape(input_shape)       # raises when the window does not fit
        self._build_kernels(channels)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self._output_channels(channels),), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        channel_axis = 1 if self._channels_first else -1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={channel_axis: channels},
                                    description=self._description)
        self.built = True

    def call(self, inputs):
        if self._channels_first:
            inputs = to_channels_last(inputs)
        outputs = self._convolve(inputs)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        if not self._linear:
            outputs = self.activation(outputs)
        return to_channels_first(outputs) if self._channels_first else outputs

    def _channels_last_shape(self, input_shape):
        return shape_to_channels_last(tuple(input_shape)) if self._channels_first else tuple(input_shape)

    def compute_output_shape(self, input_shape):
        shape = self._channels_last_shape(input_shape)
        spatial = self._output_spatial(shape[1:-1])
        conv_utils.check_window_fits(describe(self), "kernel_size", self.kernel_size, input_shape, spatial,
                                     self.padding, self.dilation_rate)
        channels = None if shape[-1] is None else self._output_channels(shape[-1])
        output = (shape[0], *spatial, channels)
        return shape_to_channels_first(output) if self._channels_first else output

    def get_config(self):
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class BaseConv(BaseWindowConv):
    """N-D convolution layer: ``activation(conv(inputs, kernel) + bias)``.

    Args:
        rank: number of spatial axes (1, 2 or 3).
        filters: number of output channels.
        kernel_size: int or ``rank`` ints.
        strides: int or ``rank`` ints (default 1).
        padding: "valid" or "same" (Conv1D also "causal").
        data_format: "channels_last" (default) or "channels_first".
        dilation_rate: int or ``rank`` ints (default 1).
        groups: split the channels into this many independent convolutions (default 1).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as Dense.

    Weights:
        kernel (*kernel_size, in_channels // groups, filters), bias (filters,).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, bias_constraint, activity_regularizer, **kwargs)
        owner = describe(self)
        self.filters = positive_int(filters, "filters", owner)
        self.groups = positive_int(groups, "groups", owner)
        if self.filters % self.groups:
            raise ValueError(f"{owner}: `filters` ({filters}) must be a multiple of `groups` ({groups})")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.kernel = None

    def _build_kernels(self, in_channels):
        if in_channels % self.groups:
            raise ValueError(f"{describe(self)}: the input's {in_channels} channels must be a multiple of "
                             f"groups={self.groups}")
        self.kernel = self.add_weight(shape=self.kernel_size + (in_channels // self.groups, self.filters),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")

    def _output_channels(self, in_channels):
        return self.filters

    def _convolve(self, inputs, padding=None):
        padding = padding or self.padding
        if self.groups == 1:
            return ops.conv(inputs, self.kernel, self.strides, padding, dilation_rate=self.dilation_rate)
        parts = zip(ops.split(inputs, self.groups, axis=-1), ops.split(self.kernel, self.groups, axis=-1))
        return ops.concatenate([ops.conv(x, k, self.strides, padding, dilation_rate=self.dilation_rate)
                                for x, k in parts], axis=-1)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "groups": self.groups,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        }


class Conv1D(BaseConv):
    """1-D convolution (temporal): (batch, steps, channels) -> (batch, new_steps, filters).

    ``padding="causal"`` pads d·(K − 1) zeros on the left only, so output t sees inputs <= t
    (WaveNet); the output then has ceil(steps/S) steps. Other arguments: see ``BaseConv``.
    Kernel (kernel_size, in_channels // groups, filters).
    """

    paddings = ("valid", "same", "causal")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)

    def _convolve(self, inputs, padding=None):
        if self.padding != "causal":
            return super()._convolve(inputs)
        left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
        return super()._convolve(ops.pad(inputs, [(0, 0), (left, 0), (0, 0)]), "valid")

    def _output_spatial(self, sizes):
        padding = "same" if self.padding == "causal" else self.padding
        return [conv_utils.output_length(sizes[0], self.kernel_size[0], self.strides[0], padding,
                                         self.dilation_rate[0])]


class Conv2D(BaseConv):
    """2-D convolution: (batch, height, width, channels) -> (batch, new_height, new_width, filters).

    Kernel (kh, kw, in_channels // groups, filters), bias (filters,). Arguments: see ``BaseConv``.

    Example:
        >>> Conv2D(8, 3, padding="same")(nerve.ops.ones((2, 28, 28, 1))).shape
        (2, 28, 28, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv3D(BaseConv):
    """3-D convolution: (batch, depth, height, width, channels) -> (batch, d', h', w', filters).

    Kernel (kd, kh, kw, in_channels // groups, filters). Arguments: see ``BaseConv``.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate, groups, activation,
                         use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
