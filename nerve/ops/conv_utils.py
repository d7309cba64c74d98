"""Shape arithmetic shared by convolution, pooling, their layers and ``summary()``: output
sizes, padding, argument checks, and the :class:`Window` every window op goes through.

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


def normalize_output_padding(output_padding, rank, owner):
    """None, or an int or ``rank`` ints >= 0 as a tuple (a transposed convolution's extra size)."""
    if output_padding is None:
        return None
    values = (output_padding,) * rank if isinstance(output_padding, int) else tuple(output_padding)
    if len(values) != rank or any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in values):
        raise ValueError(f"{owner}: `output_padding` must be a non-negative int or {rank} of them, "
                         f"received {output_padding!r}")
    return values


def check_window_fits(owner, name, kernel, input_shape, out_sizes, padding="valid", dilation=None):
    """Raise a ValueError naming ``owner`` when a window op would have an empty output axis.

    Args:
        owner: the op or layer named in the message.
        name: what the caller calls its window ("kernel_size", "pool_size").
        kernel, dilation: the window's size and dilation per spatial axis.
        input_shape: the full input shape, for the message.
        out_sizes: the output's spatial sizes (None: unknown, accepted).
    """
    if all(n is None or n >= 1 for n in out_sizes):
        return
    dilation = dilation or (1,) * len(kernel)
    reach = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    dilated = f" with dilation_rate {tuple(dilation)} (a window of {reach})" if reach != tuple(kernel) else ""
    raise ValueError(f"{owner}: {name} {tuple(kernel)}{dilated} does not fit inputs of shape "
                     f"{tuple(input_shape)} with padding '{padding}'; expected spatial sizes of at least {reach}")


class Window:
    """Where each output position of a channels_last convolution reads its input.

    Args:
        spatial: input sizes along the spatial axes (before padding).
        kernel, strides, dilation: tuples with one int per spatial axis.
        pads: (before, after) zero padding per spatial axis.
        out: output sizes along the spatial axes.
    """

    __slots__ = ("spatial", "kernel", "strides", "dilation", "pads", "out")

    def __init__(self, spatial, kernel, strides, dilation, pads, out):
        self.spatial, self.kernel, self.strides = tuple(spatial), tuple(kernel), tuple(strides)
        self.dilation, self.pads, self.out = tuple(dilation), tuple(pads), tuple(out)

    @classmethod
    def of_conv(cls, spatial, kernel, strides, dilation, padding):
        """The window of a forward convolution with "valid" or "same" padding (Keras's rule)."""
        pads = padding_amounts(spatial, kernel, strides, padding, dilation)
        out = [output_length(n, k, s, padding, d)
               for n, k, s, d in zip(spatial, kernel, strides, dilation)]
        return cls(spatial, kernel, strides, dilation, pads, out)

    @classmethod
    def of_conv_transpose(cls, spatial, kernel, strides, dilation, padding, output_padding):
        """The window of the convolution whose input gradient is this transposed convolution.

        ``spatial`` is the transposed convolution's input size (the window's output);
        its output size L follows ``deconv_output_length``. With "same" the
        padding before is the one a "same" convolution of that output would use,
        ⌊max((I − 1)·S + K_eff − L, 0) / 2⌋ (TensorFlow's conv2d_transpose rule).
        """
        lengths, pads = [], []
        for i, (n, k, s, d) in enumerate(zip(spatial, kernel, strides, dilation)):
            op = None if output_padding is None else output_padding[i]
            length = deconv_output_length(n, k, s, padding, op, d)
            reach = (n - 1) * s + d * (k - 1) + 1        # positions the windows cover
            before = max(reach - length, 0) // 2 if padding == "same" else 0
            lengths.append(length)
            pads.append((before, max(reach - before - length, 0)))
        return cls(lengths, kernel, strides, dilation, pads, spatial)

    @property
    def padded(self):
        return tuple(n + b + a for n, (b, a) in zip(self.spatial, self.pads))

    @property
    def rows(self):
        """Output positions per example: ΠO."""
        return math.prod(self.out)

    @property
    def taps(self):
        """Kernel offsets: ΠK."""
        return math.prod(self.kernel)

    def has_padding(self):
        return any(b or a for b, a in self.pads)

    def is_pointwise(self):
        """A 1x1 kernel with unit strides: the input, reshaped, is already the im2col matrix."""
        return self.taps == 1 and set(self.strides) == {1} and not self.has_padding()
