"""The compiled CPU path of :class:`~nerve.ops.normalization.Normalize`: batch norm with the channels
last and layer norm over the trailing axes, as numba kernels (:mod:`normalization_numba`).

Same formulas as ``Normalize`` (see :mod:`normalization`); two passes each way for batch norm (each
on ranges of rows at once, on nerve's threads), one for layer norm, and nothing kept but x and
per-channel vectors. ``compiled_layout`` says when it applies;
``NERVE_NUMBA=0`` (or no numba) turns it off, and ``Normalize``'s NumPy path is the reference.
"""

import math

from .. import backend
from ..autodiff import Function
from . import compiled, cpu_threads


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
            _columns_forward(kernels, self.x, self.scale, offset, self.epsilon, y2, self.mean, self.variance,
                             self.rstd)
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
            _columns_backward(kernels, g, x, mean, rstd, self.scale, gx2, dscale, doffset)
        else:
            kernels.rows_backward(g, x, mean, rstd, self.scale, gx2, dscale, doffset)
        grads = [gx]
        if self.has_scale:
            grads.append(dscale.reshape(self.shapes[0]))
        if self.has_offset:
            grads.append(doffset.reshape(self.shapes[-1]))
        return tuple(grads)


def _by_ranges(task, x, per_thread):
    """[task(r0, r1)] over ranges of x's rows on nerve's threads (:mod:`cpu_threads`): one range
    below ``cpu_threads.ELEMENTS`` elements, so one thread computes what it always did."""
    return cpu_threads.in_pieces(task, x.shape[0], x.size, per_thread=per_thread, min_work=cpu_threads.ELEMENTS)


def _columns_forward(kernels, x, scale, offset, epsilon, y, mean, variance, rstd):
    """Batch norm's forward on (rows, cols): μ and M2 per range of rows, merged with Chan et al.'s
    formula (M2 = M2_a + M2_b + δ²·n_a·n_b/n, δ = μ_b − μ_a), then y on ranges of rows."""
    xp, cols = backend.array_module(x), x.shape[1]

    def moments(r0, r1):
        part_mean, part_m2 = xp.empty(cols, x.dtype), xp.empty(cols, x.dtype)
        kernels.columns_moments(x, r0, r1, part_mean, part_m2, xp.empty((2, cols), x.dtype))
        return r1 - r0, part_mean, part_m2

    (seen, first_mean, m2), *others = _by_ranges(moments, x, per_thread=1)
    mean[:] = first_mean
    for count, part_mean, part_m2 in others:
        total = seen + count
        delta = part_mean - mean
        mean += delta * (count / total)
        m2 += part_m2 + delta * delta * (seen * count / total)
        seen = total
    slope = xp.empty(cols, x.dtype)
    kernels.columns_finish(m2, x.shape[0], epsilon, scale, variance, rstd, slope)
    _by_ranges(lambda r0, r1: kernels.columns_apply(x, r0, r1, mean, slope, offset, y), x, per_thread=2)


def _columns_backward(kernels, g, x, mean, rstd, scale, gx, dscale, doffset):
    """Batch norm's backward on (rows, cols): Σg and Σg·(x − μ) per range of rows, added, then dx on
    ranges of rows (the formulas of ``normalization_numba.columns_grad_*``)."""
    xp, cols = backend.array_module(x), x.shape[1]

    def sums(r0, r1):
        part_g, part_gx = xp.empty(cols, x.dtype), xp.empty(cols, x.dtype)
        kernels.columns_grad_sums(g, x, mean, r0, r1, part_g, part_gx, xp.empty((2, cols), x.dtype))
        return part_g, part_gx

    (sum_g, sum_gx), *others = _by_ranges(sums, x, per_thread=1)
    for part_g, part_gx in others:
        sum_g += part_g
        sum_gx += part_gx
    slope_g, slope_x, shift = (xp.empty(cols, x.dtype) for _ in range(3))
    kernels.columns_grad_finish(sum_g, sum_gx, rstd, scale, x.shape[0], dscale, doffset, slope_g, slope_x, shift)
    _by_ranges(lambda r0, r1: kernels.columns_grad_apply(g, x, mean, slope_g, slope_x, shift, gx, r0, r1), x,
               per_thread=2)
