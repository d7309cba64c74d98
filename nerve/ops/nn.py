"""Neural-network ops (keras.ops.nn): the convolution family lives in :mod:`convolution`."""

from .convolution import conv, conv_transpose, depthwise_conv, separable_conv

__all__ = ["conv", "conv_transpose", "depthwise_conv", "separable_conv"]
