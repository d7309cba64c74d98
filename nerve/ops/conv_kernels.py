"""Raw-array kernels behind the convolution ops: the window geometry, im2col and col2im.

A convolution reads, for every output position o and kernel offset k, the input
at o·S + k·d − P_before (S strides, d dilation, P the zero padding). im2col
gathers those reads into one matrix, a row per output position and a column per
(kernel offset, channel), so the convolution is one GEMM:

    cols[(n, o), (k, c)] = x_pad[n, o·S + k·d, c]          (N·ΠO, ΠK·C)
    y = cols @ W.reshape(ΠK·C, F)                          (N·ΠO, F) = (N, *O, F)

col2im is its adjoint: it adds each column back onto the input position it was
read from. It is the input gradient of a convolution and the forward pass of a
transposed convolution; it loops over the ΠK kernel offsets, never over pixels.

Everything here works on channels_last arrays with any number (1, 2, 3) of
spatial axes, on NumPy or CuPy alike.
"""

import itertools
import math

from .. import backend
from . import conv_utils


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
        pads = conv_utils.padding_amounts(spatial, kernel, strides, padding, dilation)
        out = [conv_utils.output_length(n, k, s, padding, d)
               for n, k, s, d in zip(spatial, kernel, strides, dilation)]
        return cls(spatial, kernel, strides, dilation, pads, out)

    @classmethod
    def of_conv_transpose(cls, spatial, kernel, strides, dilation, padding, output_padding):
        """The window of the convolution whose input gradient is this transposed convolution.

        ``spatial`` is the transposed convolution's input size (the window's output);
        its output size follows ``conv_utils.deconv_output_length``. With "same" the
        padding before is the one a "same" convolution of that output would use,
        ⌊max((I − 1)·S + K_eff − L, 0) / 2⌋ (TensorFlow's conv2d_transpose rule).
        """
        lengths, pads = [], []
        for i, (n, k, s, d) in enumerate(zip(spatial, kernel, strides, dilation)):
            op = None if output_padding is None else output_padding[i]
            length = conv_utils.deconv_output_length(n, k, s, padding, op, d)
            reach = (n - 1) * s + d * (k - 1) + 1        # input positions the windows cover
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

    def is_tiling(self):
        """True when the windows tile the input exactly (stride = kernel, no padding or overlap)."""
        return all(
            k == s and d * (k - 1) + 1 == k and n == o * k and b == a == 0
            for n, k, s, d, o, (b, a) in zip(self.spatial, self.kernel, self.strides,
                                              self.dilation, self.out, self.pads)
        )


def pad(x, window):
    """``x`` zero-padded by ``window.pads`` on its spatial axes (``x`` itself when none)."""
    if not any(b or a for b, a in window.pads):
        return x
    xp = backend.array_module(x)
    out = xp.zeros((x.shape[0], *window.padded, x.shape[-1]), dtype=x.dtype)
    inner = tuple(slice(b, b + n) for n, (b, _) in zip(window.spatial, window.pads))
    out[(slice(None), *inner)] = x
    return out


def windows(x, window):
    """A strided view of ``x`` (N, *S, C) as (N, *O, *K, C): no copy."""
    xp = backend.array_module(x)
    x = pad(x, window)
    axes = x.strides[1:-1]
    shape = (x.shape[0], *window.out, *window.kernel, x.shape[-1])
    strides = (
        x.strides[0],
        *(st * s for st, s in zip(axes, window.strides)),
        *(st * d for st, d in zip(axes, window.dilation)),
        x.strides[-1],
    )
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)


def im2col(x, window):
    """Gather the windows of ``x`` (N, *S, C) into a contiguous (N·ΠO, ΠK·C) matrix."""
    n, c = x.shape[0], x.shape[-1]
    if window.taps == 1 and not any(b or a for b, a in window.pads):
        # 1x1 kernel: the rows are the (strided) input positions themselves
        x = x[(slice(None), *(slice(None, o * s, s) for o, s in zip(window.out, window.strides)))]
        return backend.array_module(x).ascontiguousarray(x).reshape(n * window.rows, c)
    fast = _numba_kernels(x)
    if fast is not None and x.ndim == 4:
        return fast.im2col_2d(x, window)
    view = windows(x, window)
    return backend.array_module(x).ascontiguousarray(view).reshape(n * window.rows, window.taps * c)


def col2im(cols, window, batch, channels):
    """The adjoint of :func:`im2col`: add each column back onto the input it was read from.

    Args:
        cols: (N·ΠO, ΠK·C) array, one row per output position.
    Returns:
        (N, *S, C) array with S = ``window.spatial``.
    """
    xp = backend.array_module(cols)
    cols = cols.reshape(batch, *window.out, *window.kernel, channels)
    ndim = len(window.kernel)
    if window.is_tiling():
        # each input position is read exactly once: a transpose back, no sums
        order = [0]
        for i in range(ndim):
            order += [1 + i, 1 + ndim + i]
        return xp.ascontiguousarray(cols.transpose(*order, 2 * ndim + 1)).reshape(
            batch, *window.spatial, channels)
    fast = _numba_kernels(cols)
    if fast is not None and ndim == 2:
        return fast.col2im_2d(cols, window)
    grad = xp.zeros((batch, *window.padded, channels), dtype=cols.dtype)
    everything = (slice(None),) * (ndim + 1)
    for offset in itertools.product(*(range(k) for k in window.kernel)):
        target = tuple(
            slice(k * d, k * d + s * (o - 1) + 1, s)
            for k, d, s, o in zip(offset, window.dilation, window.strides, window.out)
        )
        grad[(slice(None), *target)] += cols[everything + offset]
    return unpad(grad, window)


def unpad(x, window):
    """The inverse of :func:`pad`: the window of ``x`` holding the unpadded input."""
    if not any(b or a for b, a in window.pads):
        return x
    inner = tuple(slice(b, b + n) for n, (b, _) in zip(window.spatial, window.pads))
    return x[(slice(None), *inner)]


def _numba_kernels(array):
    """The compiled 2-D kernels of :mod:`conv_numba`, or None (NumPy path)."""
    return None
