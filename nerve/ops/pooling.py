"""Pooling: max and average over sliding windows (1-D, 2-D, 3-D), and global pooling.

Inputs are channels_last, ``(batch, *spatial, channels)``; the rank (3, 4 or 5)
picks 1-D, 2-D or 3-D pooling. Output size per spatial axis (see ``conv_utils``):

    valid:  N_out = floor((N_in − K) / S) + 1
    same:   N_out = ceil(N_in / S), padded by P = max((N_out − 1)·S + K − N_in, 0),
            P // 2 before and the rest after (the extra row/column goes bottom/right)

How it runs: a window op is a loop over the K₁·K₂·… offsets *inside* the window
(never over pixels). Offset (i, j) selects, as a strided view with no copy, the
element at that offset of every window at once: ``x[:, i::S₁, j::S₂, :]``. Max
pooling folds those views with ``maximum``, average pooling with ``+``. When the
windows tile the input (stride = pool size, "valid") these views are exactly the
axes of the reshape ``(N, H/p, p, W/p, p, C)`` and backward writes each input
element once; with overlapping windows backward scatter-adds per offset. Padding
is never materialised: for each offset only the windows that see a real element
there take part (a range of output positions per axis). No im2col copy of the
windows is made, and backward keeps only the input (held by the graph anyway)
and the output.

Gradient conventions:
    max:      each window sends its gradient to ONE element, the first maximum in
              row-major window order (as PyTorch), so sums match PyTorch exactly
              when a window holds ties (e.g. zeros after a ReLU).
    average:  with "same" padding each window divides by its number of valid
              (non-padded) elements, as TensorFlow/Keras (PyTorch's
              ``count_include_pad=False``).
"""

import itertools
import math

from .. import backend
from ..autodiff import Function
from ..tensor import as_tensor
from . import conv_utils
from .reduction import max as _reduce_max
from .reduction import mean as _reduce_mean

__all__ = ["average_pool", "global_average_pool", "global_max_pool", "max_pool"]


class _Pool(Function):
    """Shared geometry of the window ops: for each offset inside the window, which windows
    see a real (non-padded) element there, and which input elements those are."""

    def __init__(self, window):
        self.pool_size, self.strides = window.kernel, window.strides
        self.pads, self.out_sizes = window.pads, window.out

    def _axis_ranges(self, spatial):
        """Per spatial axis, per window offset o: (input slice, output slice), or None.

        Along an axis of size n, offset o of the window at output q reads input q·S + o − P_before;
        the windows for which that index is inside [0, n) form one range of q, so the padding
        is never materialised: padded positions are simply left out.
        """
        ranges = []
        for n, k, s, out, (before, _) in zip(spatial, self.pool_size, self.strides, self.out_sizes, self.pads):
            axis = []
            for o in range(k):
                q_lo = max(0, -((o - before) // s))            # ceil((before − o) / s)
                q_hi = min(out - 1, (n - 1 - o + before) // s)
                if q_hi < q_lo:
                    axis.append(None)
                    continue
                first = q_lo * s + o - before
                axis.append((slice(first, first + s * (q_hi - q_lo) + 1, s), slice(q_lo, q_hi + 1)))
            ranges.append(axis)
        return ranges

    def _offsets(self, spatial):
        """Yield (input index, output index) per window offset, in row-major window order."""
        for per_axis in itertools.product(*self._axis_ranges(spatial)):
            if None in per_axis:
                continue
            yield (slice(None),) + tuple(r[0] for r in per_axis), (slice(None),) + tuple(r[1] for r in per_axis)

    def _first_offset_covers_all(self):
        """Whether offset 0 reads a real element for every window (no padding before)."""
        return not any(before for before, _ in self.pads)

    def _grad_buffer(self, shape, dtype, xp):
        """(zeroed or, when windows cover every element exactly once, uninitialised buffer, overlapping?)."""
        overlapping = any(s < k for s, k in zip(self.strides, self.pool_size))
        exact = all(
            s == k and n == out * s and pad == (0, 0)
            for n, k, s, out, pad in zip(shape[1:-1], self.pool_size, self.strides, self.out_sizes, self.pads)
        )
        return (xp.empty if exact else xp.zeros)(shape, dtype=dtype), overlapping


class MaxPool(_Pool):
    """y[window] = max of x over the window's real elements (padding counts as −∞).

    dy/dx = 1 at the first maximum of each window (row-major order), 0 elsewhere.
    """

    def forward(self, x):
        """Separably, one spatial axis after the other: the max over a box is the max along
        its first axis of the maxima along the others, and the first pass reads runs of
        W·C contiguous floats instead of C (2.2x faster on LeNet-5's 6-channel 2x2 pool)."""
        xp = backend.array_module(x)
        self.x = x       # held by the graph anyway: backward re-finds the maxima from x and y
        y = x
        for axis, offsets in enumerate(self._axis_ranges(x.shape[1:-1]), start=1):
            every_window = slice(0, self.out_sizes[axis - 1])
            folded = first = None           # first: a view that reaches every window, not yet folded
            for offset in offsets:
                if offset is None:
                    continue
                x_index, y_index = ((slice(None),) * axis + (index,) for index in offset)
                if folded is None and offset[1] == every_window:
                    if first is None:
                        first = y[x_index]
                    else:                   # two full views: one pass makes the folded array
                        folded = xp.maximum(first, y[x_index])
                    continue
                if folded is None:
                    folded = self._start(first, y, axis, x.dtype, xp)
                view = folded[y_index]
                xp.maximum(view, y[x_index], out=view)
            y = folded if folded is not None else self._start(first, y, axis, x.dtype, xp)
        self.y = y
        return y

    def _start(self, first, y, axis, dtype, xp):
        """The array maxima along ``axis`` are folded into: a copy of ``first``, or −∞ everywhere."""
        if first is not None:
            return xp.array(first, copy=True)
        shape = y.shape[:axis] + (self.out_sizes[axis - 1],) + y.shape[axis + 1:]
        fill = -xp.inf if backend.is_float_dtype(dtype) else xp.iinfo(dtype).min
        return xp.full(shape, fill, dtype=dtype)

    def backward(self, gy):
        xp = backend.array_module(gy)
        x, y = self.x, self.y
        gx, overlapping = self._grad_buffer(x.shape, gy.dtype, xp)
        unclaimed = xp.ones(gy.shape, dtype=bool)    # windows whose maximum is not found yet
        hit = xp.empty(gy.shape, dtype=bool)
        contribution = xp.empty_like(gy) if overlapping else None
        offsets = list(self._offsets(x.shape[1:-1]))
        for k, (x_index, y_index) in enumerate(offsets):
            if k == len(offsets) - 1:
                h = unclaimed[y_index]                # what is left has its maximum here
            else:
                h = hit[y_index]
                xp.equal(x[x_index], y[y_index], out=h)
                h &= unclaimed[y_index]
                unclaimed[y_index] ^= h
            if overlapping:
                c = contribution[y_index]
                xp.multiply(gy[y_index], h, out=c)
                gx[x_index] += c
            else:
                xp.multiply(gy[y_index], h, out=gx[x_index])
        return (gx,)


class AveragePool(_Pool):
    """y[window] = (1/n) Σ x over the window, n = the number of non-padded elements.

    dy/dx = 1/n for every element of the window.
    """

    def forward(self, x):
        xp = backend.array_module(x)
        self.shape = x.shape
        self.inv_count = self._inverse_counts(x.shape, x.dtype, xp)
        offsets = self._offsets(x.shape[1:-1])
        if self._first_offset_covers_all():
            y = xp.array(x[next(offsets)[0]], copy=True)
        else:
            y = xp.zeros((x.shape[0], *self.out_sizes, x.shape[-1]), dtype=x.dtype)
        for x_index, y_index in offsets:
            y[y_index] += x[x_index]
        y *= self.inv_count
        return y

    def backward(self, gy):
        xp = backend.array_module(gy)
        gx, overlapping = self._grad_buffer(self.shape, gy.dtype, xp)
        g = gy * self.inv_count
        for x_index, y_index in self._offsets(self.shape[1:-1]):
            if overlapping:
                gx[x_index] += g[y_index]
            else:
                gx[x_index] = g[y_index]
        return (gx,)

    def _inverse_counts(self, shape, dtype, xp):
        """1/n per window: a scalar without padding, else a (1, *out_sizes, 1) product of per-axis counts."""
        if not any(before or after for before, after in self.pads):
            return xp.asarray(1 / math.prod(self.pool_size), dtype=dtype)
        counts = xp.ones((1,) * len(shape), dtype=dtype)
        for axis, (n, k, s, out, (before, _)) in enumerate(
            zip(shape[1:-1], self.pool_size, self.strides, self.out_sizes, self.pads), start=1
        ):
            start = xp.arange(out) * s - before
            count = xp.minimum(start + k, n) - xp.maximum(start, 0)
            counts = counts * count.astype(dtype).reshape([-1 if a == axis else 1 for a in range(len(shape))])
        return 1 / counts


# ---- the public functions (keras.ops names) -------------------------------------------

def _pool(op_class, op_name, inputs, pool_size, strides, padding, data_format):
    x = as_tensor(inputs)
    _check_data_format(data_format, op_name)
    if x.ndim not in (3, 4, 5):
        raise ValueError(
            f"{op_name}: expected input of rank 3, 4 or 5 (batch, *spatial, channels) for 1-D, 2-D "
            f"or 3-D pooling, received shape {tuple(x.shape)}"
        )
    n = x.ndim - 2
    pool_size = conv_utils.normalize_tuple(pool_size, n, "pool_size", op_name)
    strides = pool_size if strides is None else conv_utils.normalize_tuple(strides, n, "strides", op_name)
    padding = conv_utils.normalize_padding(padding, op_name)
    window = conv_utils.Window.of_conv(x.shape[1:-1], pool_size, strides, (1,) * n, padding)
    conv_utils.check_window_fits(op_name, "pool_size", pool_size, x.shape, window.out, padding)
    return op_class(window)(x)


def _check_data_format(data_format, op_name):
    if data_format not in (None, "channels_last"):
        raise ValueError(
            f"{op_name}: nerve is channels_last only; expected data_format None or 'channels_last', "
            f"received {data_format!r}"
        )


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over windows of ``pool_size`` moved by ``strides`` (1-D, 2-D or 3-D by rank).

        y[b, o₁…, c] = max over the window at o of x[b, o₁·S₁ + i₁ − P₁ …, c]   (padding = −∞)

    Ties: the gradient goes to the first maximum of each window in row-major order (as PyTorch).

    Args:
        inputs: tensor of shape (batch, *spatial, channels), spatial of rank 1, 2 or 3.
        pool_size: int or tuple of ints, the window size per spatial axis.
        strides: int or tuple of ints; defaults to ``pool_size``.
        padding: "valid" (no padding) or "same" (output size ceil(N_in / S)).
        data_format: None or "channels_last".
    Returns:
        Tensor of shape (batch, *out_sizes, channels), same dtype as ``inputs``.

    Example:
        >>> x = nerve.ops.reshape(nerve.ops.arange(16, dtype="float32"), (1, 4, 4, 1))
        >>> max_pool(x, 2).numpy()[0, :, :, 0]
        array([[ 5.,  7.],
               [13., 15.]], dtype=float32)
    """
    return _pool(MaxPool, "max_pool", inputs, pool_size, strides, padding, data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over windows of ``pool_size`` moved by ``strides`` (1-D, 2-D or 3-D by rank).

        y[b, o, c] = (1/n_o) Σ over the window at o of x,   n_o = number of non-padded elements

    With "same" padding the border windows average their valid elements only (TensorFlow/Keras;
    PyTorch's ``count_include_pad=False``).

    Args:
        inputs: tensor of shape (batch, *spatial, channels), spatial of rank 1, 2 or 3.
            Integer inputs are averaged in ``floatx()``.
        pool_size: int or tuple of ints, the window size per spatial axis.
        strides: int or tuple of ints; defaults to ``pool_size``.
        padding: "valid" or "same".
        data_format: None or "channels_last".
    Returns:
        Tensor of shape (batch, *out_sizes, channels).
    """
    x = as_tensor(inputs)
    if not backend.is_float_dtype(x.dtype):
        x = as_tensor(x, backend.floatx())
    return _pool(AveragePool, "average_pool", x, pool_size, strides, padding, data_format)


def _spatial_axes(x, op_name):
    x = as_tensor(x)
    if x.ndim < 3:
        raise ValueError(
            f"{op_name}: expected input of rank >= 3 (batch, *spatial, channels), received shape {tuple(x.shape)}"
        )
    return x, tuple(range(1, x.ndim - 1))


def global_average_pool(x, keepdims=False):
    """Mean over every spatial axis: (batch, *spatial, channels) -> (batch, channels).

    With ``keepdims`` the spatial axes stay as size 1: (batch, 1, …, 1, channels).
    """
    x, axes = _spatial_axes(x, "global_average_pool")
    return _reduce_mean(x, axis=axes, keepdims=keepdims)


def global_max_pool(x, keepdims=False):
    """Max over every spatial axis: (batch, *spatial, channels) -> (batch, channels).

    Ties share the gradient evenly (as ``ops.max`` and TensorFlow's ``reduce_max``).
    """
    x, axes = _spatial_axes(x, "global_max_pool")
    return _reduce_max(x, axis=axes, keepdims=keepdims)
