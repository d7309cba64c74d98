"""Transposed convolution layers: BaseConvTranspose and Conv1DTranspose/2D/3D.

Each concrete layer is its Keras signature over ``BaseConvTranspose``, which adds its kernel and
its op (``ops.conv_transpose``) to what every convolution family shares (``BaseWindowConv`` in
:mod:`convolutional`).

Shape (channels_last, per spatial axis as ``nerve.ops.conv_utils``, K_eff = d·(K − 1) + 1):
    valid: N_in·S + max(K_eff − S, 0);  same: N_in·S;
    with output_padding p: (N_in − 1)·S + K_eff − 2·⌊K_eff/2⌋·[same] + p
"""

from .. import constraints, initializers, ops, regularizers
from ..ops import conv_utils
from .convolutional import BaseWindowConv
from .layer_utils import describe, positive_int


class BaseConvTranspose(BaseWindowConv):
    """Transposed convolution (the gradient of a convolution with respect to its input).

    Args:
        rank, filters, kernel_size, strides, padding, data_format, dilation_rate: as BaseConv.
        output_padding: None, an int or ``rank`` ints, each < its stride: extra size after.
        activation, use_bias, kernel_*/bias_*, activity_regularizer: as BaseConv.

    Weights:
        kernel (*kernel_size, filters, in_channels) (Keras's layout: out before in), bias (filters,).
    """

    strided_dilation = True

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(rank, kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias,
                         bias_initializer, bias_regularizer, bias_constraint, activity_regularizer, **kwargs)
        owner = describe(self)
        self.filters = positive_int(filters, "filters", owner)
        output_padding = conv_utils.normalize_output_padding(output_padding, rank, owner)
        if output_padding is not None and any(p >= s for p, s in zip(output_padding, self.strides)):
            raise ValueError(f"{owner}: each output_padding must be smaller than its stride, received "
                             f"output_padding={output_padding} with strides={self.strides}")
        self.output_padding = output_padding
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.kernel = None

    def _build_kernels(self, in_channels):
        self.kernel = self.add_weight(shape=self.kernel_size + (self.filters, in_channels),
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")

    def _output_channels(self, in_channels):
        return self.filters

    def _output_spatial(self, sizes):
        pads = self.output_padding or (None,) * self.rank
        return [conv_utils.deconv_output_length(n, k, s, self.padding, p, d)
                for n, k, s, p, d in zip(sizes, self.kernel_size, self.strides, pads, self.dilation_rate)]

    def _convolve(self, inputs):
        return ops.conv_transpose(inputs, self.kernel, self.strides, self.padding, self.output_padding,
                                  dilation_rate=self.dilation_rate)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "output_padding": self.output_padding,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        }


class Conv1DTranspose(BaseConvTranspose):
    """1-D transposed convolution: (batch, steps, channels) -> (batch, new_steps, filters)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv2DTranspose(BaseConvTranspose):
    """2-D transposed convolution ("deconvolution"), e.g. the upsampling half of an FCN or a GAN generator.

    (batch, h, w, channels) -> (batch, h', w', filters); kernel (kh, kw, filters, in_channels).

    Example:
        >>> Conv2DTranspose(4, 3, strides=2, padding="same")(nerve.ops.ones((1, 7, 7, 8))).shape
        (1, 14, 14, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(2, filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs)


class Conv3DTranspose(BaseConvTranspose):
    """3-D transposed convolution: (batch, d, h, w, channels) -> (batch, d', h', w', filters)."""

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(3, filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
                         activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint, **kwargs)
