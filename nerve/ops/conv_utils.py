"""Shape arithmetic shared by convolution, pooling, their layers and ``summary()``.

Output size of a sliding window (Keras/TensorFlow conventions):

    valid:  N_out = floor((N_in − d·(K − 1) − 1) / S) + 1
    same:   N_out = ceil(N_in / S), padded by P = max((N_out − 1)·S + d·(K − 1) + 1 − N_in, 0),
            P // 2 before and the rest after (the extra row/column goes bottom/right)

which is N_out = floor((N_in + 2P − K)/S) + 1 of the notes with an effective
kernel K_eff = d·(K − 1) + 1 for dilation d.
"""

import math


def normalize_tuple(value, n, name, op_name="conv"):
    """An int or a sequence of n ints, as a tuple of n positive ints."""
    if isinstance(value, int):
        result = (value,) * n
    else:
        result = tuple(value)
        if len(result) != n:
            raise ValueError(f"{op_name}: `{name}` must be an int or {n} ints, received {value!r}")
    for v in result:
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"{op_name}: `{name}` must hold positive ints, received {value!r}")
    return result


def normalize_padding(padding, op_name="conv"):
    padding = padding.lower() if isinstance(padding, str) else padding
    if padding not in ("valid", "same"):
        raise ValueError(f"{op_name}: `padding` must be 'valid' or 'same', received {padding!r}")
    return padding


def output_length(length, kernel, stride, padding, dilation=1):
    """Output size along one axis (None stays None: an unknown batch or sequence length)."""
    if length is None:
        return None
    effective = dilation * (kernel - 1) + 1
    if padding == "same":
        return math.ceil(length / stride)
    return max((length - effective) // stride + 1, 0)


def same_padding(length, kernel, stride, dilation=1):
    """(before, after) zero padding that gives the "same" output length."""
    effective = dilation * (kernel - 1) + 1
    out = math.ceil(length / stride)
    total = max((out - 1) * stride + effective - length, 0)
    return total // 2, total - total // 2


def padding_amounts(spatial, kernel, strides, padding, dilation):
    """Per-axis (before, after) padding for a window op over ``spatial`` sizes."""
    if padding == "valid":
        return [(0, 0)] * len(spatial)
    return [same_padding(n, k, s, d) for n, k, s, d in zip(spatial, kernel, strides, dilation)]


def conv_output_shape(input_shape, kernel_size, strides, padding, dilation=None, filters=None):
    """(batch, *spatial, channels) -> output shape of a channels_last window op."""
    dilation = dilation or (1,) * len(kernel_size)
    spatial = [
        output_length(n, k, s, padding, d)
        for n, k, s, d in zip(input_shape[1:-1], kernel_size, strides, dilation)
    ]
    channels = input_shape[-1] if filters is None else filters
    return (input_shape[0], *spatial, channels)


def deconv_output_length(length, kernel, stride, padding, output_padding=None, dilation=1):
    """Output size of a transposed convolution along one axis (Keras's formula)."""
    if length is None:
        return None
    kernel = dilation * (kernel - 1) + 1
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(kernel - stride, 0)
        return length * stride
    pad = kernel // 2 if padding == "same" else 0
    return (length - 1) * stride + kernel - 2 * pad + output_padding
