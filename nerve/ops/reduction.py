"""Reductions: sum, mean, max, min, var, std, logsumexp, argmax/argmin.

Each backward broadcasts the output gradient back over the reduced axes; the
``_expand`` helper restores the reduced axes as size-1 axes so that ordinary
broadcasting does the rest.
"""

import builtins
import math

import numpy

from .. import backend
from ..autodiff import Function, sum_leading_axes
from ..tensor import Tensor, as_tensor


def normalize_axis(axis, ndim, op_name="reduction", sort=True):
    """``axis`` as a tuple of non-negative axes of a tensor of rank ``ndim``: the one axis checker
    of ops and layers.

    Args:
        axis: None (every axis), an int or a sequence of ints; negative counts from the end.
        ndim: the rank (a scalar accepts axis 0 or -1, as NumPy's reductions do).
        op_name: the op or layer named in the error.
        sort: sort the axes (reductions); False keeps the caller's order (LayerNormalization).
    Raises:
        ValueError: an axis that is not an int, is out of range, or is repeated.

    Example:
        >>> normalize_axis(-1, 3), normalize_axis((2, 0), 3), normalize_axis((2, 0), 3, sort=False)
        ((2,), (0, 2), (2, 0))
    """
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    limit = builtins.max(ndim, 1)
    result = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, numpy.integer)) or not -limit <= a < limit:
            raise ValueError(f"{op_name}: axis {a!r} is out of range for a tensor of rank {ndim}")
        result.append(int(a) % limit)
    if len(set(result)) != len(result):
        raise ValueError(f"{op_name}: `axis` repeats an axis, received {axis!r}")
    return tuple(sorted(result)) if sort else tuple(result)


def _expand(gy, shape, axes, keepdims):
    """Reshape a reduced gradient so it broadcasts against the input ``shape``."""
    if keepdims:
        return gy
    kept = list(shape)
    for a in axes:
        kept[a] = 1
    return gy.reshape(kept)


class Sum(Function):
    """y = Σ x over ``axes``;  dy/dx = 1"""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        self.shape = x.shape
        return _sum(x, self.axes, self.keepdims)

    def backward(self, gy):
        xp = backend.array_module(gy)
        return (xp.broadcast_to(_expand(gy, self.shape, self.axes, self.keepdims), self.shape),)


class Mean(Function):
    """y = (1/n) Σ x over ``axes``;  dy/dx = 1/n"""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        self.shape = x.shape
        if x.dtype.char == "e":     # float16: NumPy's mean accumulates it in float32, a plain sum would not
            return x.mean(axis=self.axes, keepdims=self.keepdims)
        # NumPy's mean is this sum and division behind a Python wrapper that costs ~3x on a batch of losses
        return _sum(x, self.axes, self.keepdims) / x.dtype.type(math.prod(x.shape[a] for a in self.axes))

    def backward(self, gy):
        xp = backend.array_module(gy)
        n = 1
        for a in self.axes:
            n *= self.shape[a]
        g = _expand(gy, self.shape, self.axes, self.keepdims) / gy.dtype.type(n)
        return (xp.broadcast_to(g, self.shape),)


class Extremum(Function):
    """y = max (or min) of x over ``axes``; the gradient is shared by the elements that
    attain it (split evenly on ties, as in PyTorch's amax)."""

    def __init__(self, axes, keepdims, largest):
        self.axes, self.keepdims, self.largest = axes, keepdims, largest

    def forward(self, x):
        y = x.max(axis=self.axes, keepdims=True) if self.largest else x.min(axis=self.axes, keepdims=True)
        self.mask = x == y
        return y if self.keepdims else y.reshape([n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, gy):
        g = _expand(gy, self.mask.shape, self.axes, self.keepdims)
        count = self.mask.sum(axis=self.axes, keepdims=True).astype(gy.dtype)
        return (self.mask * (g / count),)


class Var(Function):
    """y = (1/n) Σ (x − μ)² over ``axes`` (population variance, as Keras);
    dy/dx = 2(x − μ)/n"""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        self.centered = x - x.mean(axis=self.axes, keepdims=True)
        self.n = math.prod(x.shape[a] for a in self.axes)
        return (self.centered ** 2).mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy):
        g = _expand(gy, self.centered.shape, self.axes, self.keepdims)
        return (g * self.centered * (gy.dtype.type(2) / self.n),)


class LogSumExp(Function):
    """y = log Σ eˣ, computed as m + log Σ e^(x − m) with m = max x;  dy/dx = softmax(x)"""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        xp = backend.array_module(x)
        m = x.max(axis=self.axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        e = xp.exp(x - m)
        s = e.sum(axis=self.axes, keepdims=True)
        self.softmax = e / s
        y = xp.log(s) + m
        return y if self.keepdims else y.reshape([n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, gy):
        return (_expand(gy, self.softmax.shape, self.axes, self.keepdims) * self.softmax,)


def _sum(x, axes, keepdims):
    """x.sum over ``axes``; over leading axes (a batch) as one matrix-vector product."""
    if axes != tuple(range(len(axes))) or len(axes) == x.ndim:
        return x.sum(axis=axes, keepdims=keepdims)
    total = sum_leading_axes(x, len(axes))
    return total.reshape((1,) * len(axes) + total.shape) if keepdims else total


def _axes(x, axis, name):
    return normalize_axis(axis, x.ndim, name)


def sum(x, axis=None, keepdims=False):
    """y = Σ x over ``axis`` (None: every axis);  dx = dy broadcast back over the summed axes.

    Example:
        >>> nerve.ops.sum(nerve.ops.ones((2, 3)), axis=1).numpy()
        array([3., 3.], dtype=float32)
    """
    x = as_tensor(x)
    return Sum(_axes(x, axis, "sum"), keepdims)(x)


def mean(x, axis=None, keepdims=False):
    """y = (1/n) Σ x over ``axis`` (n elements reduced; integers averaged in ``floatx()``);  dx = dy / n."""
    x = as_tensor(x)
    if not backend.is_float_dtype(x.dtype):
        x = as_tensor(x, backend.floatx())
    return Mean(_axes(x, axis, "mean"), keepdims)(x)


def max(x, axis=None, keepdims=False):
    """y = max of x over ``axis``.

    The gradient is shared equally by the elements that attain the maximum (as PyTorch's amax).
    """
    x = as_tensor(x)
    return Extremum(_axes(x, axis, "max"), keepdims, largest=True)(x)


def min(x, axis=None, keepdims=False):
    """y = min of x over ``axis``; the gradient is shared equally by the elements attaining it."""
    x = as_tensor(x)
    return Extremum(_axes(x, axis, "min"), keepdims, largest=False)(x)


amax, amin = max, min


def var(x, axis=None, keepdims=False):
    """Population variance over ``axis``: y = (1/n) Σ (x − μ)²;  dx = dy · 2(x − μ)/n."""
    x = as_tensor(x)
    return Var(_axes(x, axis, "var"), keepdims)(x)


def std(x, axis=None, keepdims=False):
    """√var(x): the population standard deviation, as Keras."""
    from .unary import sqrt
    return sqrt(var(x, axis, keepdims))


def logsumexp(x, axis=None, keepdims=False):
    """y = log Σ eˣ over ``axis``, computed as m + log Σ e^(x − m) with m = max x (no overflow);
    dx = dy · softmax(x).
    """
    x = as_tensor(x)
    return LogSumExp(_axes(x, axis, "logsumexp"), keepdims)(x)


def argmax(x, axis=None, keepdims=False):
    """The index of the largest element along ``axis`` (the first one on ties); integer, no gradient."""
    x = as_tensor(x)
    xp = backend.array_module(x.data)
    return Tensor.wrap(xp.argmax(x.data, axis=axis, keepdims=keepdims))


def argmin(x, axis=None, keepdims=False):
    """The index of the smallest element along ``axis`` (the first one on ties); integer, no gradient."""
    x = as_tensor(x)
    xp = backend.array_module(x.data)
    return Tensor.wrap(xp.argmin(x.data, axis=axis, keepdims=keepdims))
