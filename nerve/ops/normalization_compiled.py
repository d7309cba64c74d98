"""The compiled CPU path of :class:`~nerve.ops.normalization.Normalize`: batch norm with the channels
last and layer norm over the trailing axes, as one numba kernel each way (:mod:`normalization_numba`).

Same formulas as ``Normalize`` (see :mod:`normalization`); two passes each way for batch norm, one for
layer norm, and nothing kept but x and per-channel vectors. ``compiled_layout`` says when it applies;
``NERVE_NUMBA=0`` (or no numba) turns it off, and ``Normalize``'s NumPy path is the reference.
"""

import math

from .. import backend
from ..autodiff import Function
from . import compiled


def compiled_layout(x, params, stat_axes, param_shape):
    """"columns" (statistics over leading axes, γ and β over the trailing ones: batch norm, channels
    last), "rows" (statistics and γ, β over trailing axes: layer norm), or None (use ``Normalize``)."""
    if (not isinstance(x, backend.ndarray) or x.dtype.char not in ("f", "d")
            or not x.flags.c_contiguous or not x.size or any(p.dtype != x.dtype for p in params)):
        return None
    param_axes = tuple(i for i, n in enumerate(param_shape) if n == 1)
    lead = len(param_axes)          # γ, β must be broadcast along the leading axes only
    if param_axes != tuple(range(lead)) or tuple(param_shape[lead:]) != x.shape[lead:]:
        return None
    if compiled.kernels("normalization_numba") is None:
        return None
    if tuple(stat_axes) == tuple(range(lead)):
        return "columns"
    return "rows" if tuple(stat_axes) == tuple(range(lead, x.ndim)) else None


class CompiledNormalize(Function):
    """x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β, in the "columns" or "rows" layout (``compiled_layout``).

    After the call ``mean`` and ``variance`` hold the batch statistics (size-1 axes kept), as
    ``Normalize``'s do.
    """

    def __init__(self, layout, stat_axes, param_shape, epsilon, has_scale, has_offset):
        self.layout, self.stat_axes = layout, stat_axes
        self.param_shape = tuple(param_shape)
        self.epsilon = epsilon
        self.has_scale, self.has_offset = has_scale, has_offset
        self.param_axes = tuple(i for i, n in enumerate(self.param_shape) if n == 1)

    def forward(self, x, *params):
        xp, kernels = backend.array_module(x), compiled.kernels("normalization_numba")
        lead = len(self.param_axes)
        rows, cols = math.prod(x.shape[:lead]), math.prod(x.shape[lead:])
        self.x = x.reshape(rows, cols)
        self.shapes = [p.shape for p in params]
        self.scale = params[0].reshape(cols) if self.has_scale else xp.ones(cols, x.dtype)
        offset = params[-1].reshape(cols) if self.has_offset else xp.zeros(cols, x.dtype)
        y = xp.empty(x.shape, x.dtype)        # allocated in x's shape (no view): the kernel fills y2
        y2 = y.reshape(rows, cols)
        stats = cols if self.layout == "columns" else rows
        self.mean, self.variance, self.rstd = (xp.empty(stats, x.dtype) for _ in range(3))
        if self.layout == "columns":
            kernels.columns_forward(self.x, self.scale, offset, self.epsilon, y2, self.mean, self.variance,
                                    self.rstd, xp.empty((2, cols), x.dtype))
        else:
            kernels.rows_forward(self.x, self.scale, offset, self.epsilon, y2, self.mean, self.variance, self.rstd)
        kept = [1 if i in self.stat_axes else n for i, n in enumerate(x.shape)]
        self.mean, self.variance = self.mean.reshape(kept), self.variance.reshape(kept)
        return y

    def backward(self, gy):
        xp, kernels = backend.array_module(gy), compiled.kernels("normalization_numba")
        x = self.x
        g = xp.ascontiguousarray(gy).reshape(x.shape)
        gx = xp.empty(gy.shape, x.dtype)      # not a view, so autodiff needs no copy of it
        gx2 = gx.reshape(x.shape)
        dscale, doffset = xp.empty(x.shape[1], x.dtype), xp.empty(x.shape[1], x.dtype)
        mean, rstd = self.mean.reshape(-1), self.rstd
        if self.layout == "columns":
            scratch = xp.empty((3, x.shape[1]), x.dtype)
            kernels.columns_backward(g, x, mean, rstd, self.scale, gx2, dscale, doffset, scratch)
        else:
            kernels.rows_backward(g, x, mean, rstd, self.scale, gx2, dscale, doffset)
        grads = [gx]
        if self.has_scale:
            grads.append(dscale.reshape(self.shapes[0]))
        if self.has_offset:
            grads.append(doffset.reshape(self.shapes[-1]))
        return tuple(grads)
