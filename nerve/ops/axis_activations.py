"""Activations over an axis, named and called as ``keras.ops``: softmax, log_softmax, maxout.

Unlike the elementwise activations (``activations.py``), each output depends on a whole slice
along ``axis``: softmax and log_softmax are shifted by the slice's max so that they never
overflow, and maxout keeps the max of each group of the slice.
"""

from .. import backend
from ..autodiff import Function
from ..tensor import as_tensor
from .activations import _unary
from .reduction import normalize_axis

__all__ = ["log_softmax", "maxout", "softmax"]


def _max_for_shift(x, axes):
    """max over ``axes`` (kept), with non-finite maxima (all −inf rows) replaced by 0."""
    xp = backend.array_module(x)
    m = x.max(axis=axes, keepdims=True)
    return xp.where(xp.isfinite(m), m, 0).astype(x.dtype, copy=False)


def _log_softmax(x, axes):
    """x − m − log Σ e^(x − m) over ``axes`` on a raw array, m the max (never overflows)."""
    xp = backend.array_module(x)
    y = x - _max_for_shift(x, axes)
    y -= xp.log(xp.exp(y).sum(axis=axes, keepdims=True))
    return y


class Softmax(Function):
    """yᵢ = e^(xᵢ − m)/Σⱼ e^(xⱼ − m), m = max x (no overflow);  dx = y·(g − Σ g·y)"""

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        xp = backend.array_module(x)
        y = x - _max_for_shift(x, self.axes)
        xp.exp(y, out=y)
        y /= y.sum(axis=self.axes, keepdims=True)
        self.y = y
        return y

    def backward(self, gy):
        gx = gy * self.y
        gx -= self.y * gx.sum(axis=self.axes, keepdims=True)
        return (gx,)


class LogSoftmax(Function):
    """yᵢ = xᵢ − m − log Σⱼ e^(xⱼ − m), m = max x;  dx = g − softmax(x)·Σ g, softmax = eʸ"""

    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        self.y = _log_softmax(x, self.axes)
        return self.y

    def backward(self, gy):
        xp = backend.array_module(gy)
        return (gy - xp.exp(self.y) * gy.sum(axis=self.axes, keepdims=True),)


def softmax(x, axis=-1):
    """e^x / Σ e^x over ``axis`` (an int or a tuple), shifted by the max so it never overflows.

    Example:
        >>> softmax(nerve.Tensor([[1000.0, 1000.0]])).numpy()
        array([[0.5, 0.5]], dtype=float32)
    """
    x = as_tensor(x)
    return _unary(Softmax, x, normalize_axis(axis, x.ndim, "softmax"))


def log_softmax(x, axis=-1):
    """x − logsumexp(x) over ``axis`` (an int or a tuple): finite for any finite logits."""
    x = as_tensor(x)
    return _unary(LogSoftmax, x, normalize_axis(axis, x.ndim, "log_softmax"))


class Maxout(Function):
    """Splits ``axis`` (size k·num_units) into num_units contiguous groups of k and keeps each
    group's max:  yᵤ = max_{j<k} x[u·k + j].  The gradient goes to the (first) argmax of each group."""

    def __init__(self, num_units, axis):
        self.num_units, self.axis = num_units, axis

    def forward(self, x):
        xp = backend.array_module(x)
        self.shape = x.shape
        a = self.axis
        k = x.shape[a] // self.num_units
        grouped = x.reshape(x.shape[:a] + (self.num_units, k) + x.shape[a + 1:])
        self.index = xp.expand_dims(grouped.argmax(axis=a + 1), a + 1)
        return xp.take_along_axis(grouped, self.index, axis=a + 1).squeeze(a + 1)

    def backward(self, gy):
        xp = backend.array_module(gy)
        a = self.axis
        k = self.shape[a] // self.num_units
        positions = xp.arange(k).reshape((k,) + (1,) * (gy.ndim - a - 1))
        gx = (positions == self.index) * xp.expand_dims(gy, a + 1)
        return (gx.reshape(self.shape),)


def maxout(x, num_units, axis=-1):
    """Maxout (Goodfellow et al., 2013): max over each of ``num_units`` groups of ``axis``.

    Args:
        x: tensor whose ``axis`` has size k·num_units.
        num_units: number of groups (output size along ``axis``).
        axis: the axis to split into groups of k contiguous entries.
    Returns:
        Tensor of x's shape with ``axis`` of size num_units.
    """
    x = as_tensor(x)
    axis = normalize_axis(axis, x.ndim, "maxout")[0]
    if not isinstance(num_units, int) or num_units < 1 or x.shape[axis] % num_units:
        raise ValueError(
            f"maxout: num_units must be a positive divisor of axis {axis}'s size {x.shape[axis]} "
            f"(input shape {x.shape}), received num_units={num_units!r}"
        )
    return _unary(Maxout, x, num_units, axis)
