"""norm: vector and matrix norms as ``keras.ops.norm`` (NumPy's ``linalg.norm`` rules).

Vector norms (``axis`` an int, or ``x`` 1-D):
    ord None or 2:  ‖x‖₂ = √Σxᵢ²       ord 1: Σ|xᵢ|       ord ±inf: max / min |xᵢ|
    ord 0: the number of non-zero elements (no gradient)     other p: (Σ|xᵢ|ᵖ)^(1/p)
Matrix norms (``axis`` a pair, or ``x`` 2-D with an ``ord``):
    None / "fro": √Σxᵢⱼ²     "nuc": Σσᵢ     2 / −2: max / min σᵢ (singular values)
    1 / −1: max / min column sum of |xᵢⱼ|      inf / −inf: max / min row sum of |xᵢⱼ|
With ``ord=None`` and ``axis=None`` the 2-norm of all elements, whatever the rank.

The 2-norm has its own rule, x̄ = ȳ·x/‖x‖ (0 where ‖x‖ = 0, the subgradient PyTorch picks);
every other norm is composed from differentiable ops.
"""

import math

from .. import backend
from ..autodiff import Function
from ..tensor import as_tensor
from .math import not_equal, power
from .unary import abs as _abs
from .unary import cast
from .reduction import max as _max
from .reduction import min as _min
from .reduction import normalize_axis
from .reduction import sum as _sum
from .shape_ops import expand_dims, squeeze, transpose

__all__ = ["norm"]


class EuclideanNorm(Function):
    """y = √Σ x² over ``axes``;  x̄ = ȳ·x / y  (0 where y = 0)"""

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, x):
        xp = backend.array_module(x)
        self.x = x
        self.y = xp.sqrt((x * x).sum(axis=self.axes, keepdims=True))
        return self.y if self.keepdims else self.y.reshape([n for i, n in enumerate(self.y.shape)
                                                           if i not in self.axes])

    def backward(self, gy):
        xp = backend.array_module(gy)
        gy = gy.reshape(self.y.shape)
        safe = xp.where(self.y > 0, self.y, 1)
        return (xp.where(self.y > 0, gy / safe, 0) * self.x,)


def norm(x, ord=None, axis=None, keepdims=False):
    """The vector or matrix norm of ``x`` (see the module docstring for every ``ord``).

    Args:
        ord: the norm's order (None, int, ±inf, "fro", "nuc").
        axis: None, an int (vector norms) or a pair of ints (matrix norms).
        keepdims: keep the reduced axes with size 1.
    Example:
        >>> float(norm(nerve.ops.convert_to_tensor([3.0, 4.0])))
        5.0
    """
    x = as_tensor(x)
    if not backend.is_float_dtype(x.dtype):
        x = cast(x, backend.floatx())
    if axis is None:
        if ord is None:
            return EuclideanNorm(tuple(range(x.ndim)), keepdims)(x)
        if x.ndim not in (1, 2):
            raise ValueError(f"norm: with ord={ord!r} and axis=None, x must be 1-D or 2-D, received shape {x.shape}")
        axis = tuple(range(x.ndim))
    if x.ndim == 0:       # NumPy's linalg.norm refuses an axis of a scalar (its reductions accept 0)
        raise ValueError(f"norm: axis {axis!r} is out of range for a tensor of rank 0")
    axes = normalize_axis(axis, x.ndim, "norm", sort=False)      # (rows, cols) in the caller's order
    if len(axes) == 1:
        return _vector_norm(x, ord, axes[0], keepdims)
    if len(axes) == 2:
        return _matrix_norm(x, ord, axes, keepdims)
    raise ValueError(f"norm: axis must be an int or a pair of ints, received {axis!r}")


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return EuclideanNorm((axis,), keepdims)(x)
    if isinstance(ord, str):
        raise ValueError(f"norm: ord={ord!r} is a matrix norm; pass a pair of axes")
    if ord == math.inf:
        return _max(_abs(x), axis=axis, keepdims=keepdims)
    if ord == -math.inf:
        return _min(_abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return _sum(cast(not_equal(x, 0), x.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return _sum(_abs(x), axis=axis, keepdims=keepdims)
    return power(_sum(power(_abs(x), float(ord)), axis=axis, keepdims=keepdims), 1.0 / ord)


def _matrix_norm(x, ord, axes, keepdims):
    rows, cols = axes
    if ord is None or ord == "fro":
        result = EuclideanNorm(axes, True)(x)
    elif ord in ("nuc", 2, -2):
        from .decompositions import svd
        others = [a for a in range(x.ndim) if a not in axes]
        moved = transpose(x, others + [rows, cols])
        s = svd(moved, compute_uv=False)
        if ord == "nuc":
            result = _sum(s, axis=-1)
        else:
            result = _max(s, axis=-1) if ord == 2 else _min(s, axis=-1)
        for a in sorted(axes):
            result = expand_dims(result, a)
    elif ord in (1, -1, math.inf, -math.inf):
        summed_axis, reduced_axis = (rows, cols) if abs(ord) == 1 else (cols, rows)
        sums = _sum(_abs(x), axis=summed_axis, keepdims=True)
        pick = _max if ord > 0 else _min
        result = pick(sums, axis=reduced_axis, keepdims=True)
    else:
        raise ValueError(f"norm: invalid ord {ord!r} for a matrix norm; expected None, 'fro', 'nuc', "
                         "1, -1, 2, -2, inf or -inf")
    if keepdims:
        return result
    return squeeze(result, axis=axes)


