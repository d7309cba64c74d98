"""Compiled batch- and layer-norm kernels for the CPU (numba).

The NumPy forms in :mod:`normalization` are the reference; these do the same
arithmetic on a 2-D view (rows, columns) of a C-contiguous input in the fewest
passes over memory, where NumPy needs one pass per arithmetic step:

* ``columns_*``: statistics per column over all rows (batch norm, channels last:
  rows = N·H·W, columns = C). Forward: one pass for μ and σ² (blocks of rows
  merged with Chan et al.'s formula, which is as stable as two passes) and one
  for y. Backward: one pass for Σg and Σg·x̂, one for dx. Each pass takes a range
  of rows, so :mod:`normalization_compiled` runs ranges at once on nerve's threads
  and merges the per-range sums.
* ``rows_*``: statistics per row over its columns (layer norm: rows = the
  batch positions, columns = the normalized features). One pass each way.

Imported lazily by :mod:`normalization` only when numba is installed and
``NERVE_NUMBA`` is not ``0``; compiled once per dtype and cached on disk. The
caller allocates every array (only backend.py creates arrays). The formulas are
those of :class:`normalization.Normalize`.
"""

import math

import numba

_JIT = dict(cache=True, nogil=True)
_ROW_JIT = dict(cache=True, nogil=True, fastmath={"reassoc", "contract"})   # lets row sums use SIMD
_BLOCK = 256


@numba.njit(**_JIT)
def columns_moments(x, start, stop, mean, m2, scratch):
    """μ and M2 = Σ(x − μ)² per column over rows [start, stop) of x (rows, cols): blocks of _BLOCK
    rows merged with Chan et al.'s formula. ``scratch``: (2, cols)."""
    cols = x.shape[1]
    block_mean, block_m2 = scratch[0], scratch[1]
    mean[:] = 0
    m2[:] = 0
    seen = 0
    for first in range(start, stop, _BLOCK):
        last = min(first + _BLOCK, stop)
        count = last - first
        block_mean[:] = 0
        block_m2[:] = 0
        for i in range(first, last):
            for c in range(cols):
                block_mean[c] += x[i, c]
        for c in range(cols):
            block_mean[c] /= count
        for i in range(first, last):
            for c in range(cols):
                d = x[i, c] - block_mean[c]
                block_m2[c] += d * d
        total = seen + count
        for c in range(cols):
            delta = block_mean[c] - mean[c]
            mean[c] += delta * (count / total)
            m2[c] += block_m2[c] + delta * delta * (seen * (count / total))
        seen = total


@numba.njit(**_JIT)
def columns_finish(m2, rows, epsilon, scale, variance, rstd, slope):
    """σ² = M2/rows, rstd = 1/√(σ² + ε) and the slope k = γ·rstd per column."""
    for c in range(m2.shape[0]):
        variance[c] = m2[c] / rows
        rstd[c] = 1 / math.sqrt(variance[c] + epsilon)
        slope[c] = rstd[c] * scale[c]


@numba.njit(**_JIT)
def columns_apply(x, start, stop, mean, slope, offset, y):
    """y = (x − μ)·k + β on rows [start, stop)."""
    cols = x.shape[1]
    for i in range(start, stop):
        for c in range(cols):
            y[i, c] = (x[i, c] - mean[c]) * slope[c] + offset[c]


@numba.njit(**_JIT)
def columns_grad_sums(g, x, mean, start, stop, sum_g, sum_gx, scratch):
    """Σg and Σg·(x − μ) per column over rows [start, stop), in blocks of _BLOCK rows (float32 stays
    accurate). ``scratch``: (2, cols)."""
    cols = x.shape[1]
    block_g, block_gx = scratch[0], scratch[1]
    sum_g[:] = 0
    sum_gx[:] = 0
    for first in range(start, stop, _BLOCK):
        block_g[:] = 0
        block_gx[:] = 0
        for i in range(first, min(first + _BLOCK, stop)):
            for c in range(cols):
                block_g[c] += g[i, c]
                block_gx[c] += g[i, c] * (x[i, c] - mean[c])
        for c in range(cols):
            sum_g[c] += block_g[c]
            sum_gx[c] += block_gx[c]


@numba.njit(**_JIT)
def columns_grad_finish(sum_g, sum_gx, rstd, scale, rows, dscale, doffset, slope_g, slope_x, shift):
    """dβ = Σg, dγ = Σg·x̂, and dx's per-column terms: dx = g·k + (x − μ)·k' + shift."""
    for c in range(sum_g.shape[0]):
        doffset[c] = sum_g[c]
        dscale[c] = sum_gx[c] * rstd[c]
        slope_g[c] = scale[c] * rstd[c]
        slope_x[c] = -slope_g[c] * rstd[c] * dscale[c] / rows
        shift[c] = -slope_g[c] * doffset[c] / rows


@numba.njit(**_JIT)
def columns_grad_apply(g, x, mean, slope_g, slope_x, shift, gx, start, stop):
    """dx = γ·rstd·(g − Σg/n − x̂·Σg·x̂/n) = g·k + (x − μ)·k' + shift on rows [start, stop)."""
    cols = x.shape[1]
    for i in range(start, stop):
        for c in range(cols):
            gx[i, c] = g[i, c] * slope_g[c] + (x[i, c] - mean[c]) * slope_x[c] + shift[c]


@numba.njit(**_ROW_JIT)
def rows_forward(x, scale, offset, epsilon, y, mean, variance, rstd):
    """μ, σ² per row of x (rows, cols); y = (x − μ)·rstd·γ + β with γ, β per column."""
    rows, cols = x.shape
    for i in range(rows):
        total = x[i, 0] * 0
        for c in range(cols):
            total += x[i, c]
        mu = total / cols
        m2 = total * 0
        for c in range(cols):
            d = x[i, c] - mu
            m2 += d * d
        variance[i] = m2 / cols
        r = 1 / math.sqrt(variance[i] + epsilon)
        mean[i] = mu
        rstd[i] = r
        for c in range(cols):
            y[i, c] = (x[i, c] - mu) * r * scale[c] + offset[c]


@numba.njit(**_ROW_JIT)
def rows_backward(g, x, mean, rstd, scale, gx, dscale, doffset):
    """ĝ = γ·g; dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) per row; dγ = Σ g·x̂, dβ = Σ g per column."""
    rows, cols = x.shape
    dscale[:] = 0
    doffset[:] = 0
    for i in range(rows):
        mu = mean[i]
        r = rstd[i]
        sum_g = x[i, 0] * 0
        sum_gx = sum_g
        for c in range(cols):
            xhat = (x[i, c] - mu) * r
            ghat = g[i, c] * scale[c]
            sum_g += ghat
            sum_gx += ghat * xhat
            dscale[c] += g[i, c] * xhat
            doffset[c] += g[i, c]
        mean_g = sum_g / cols
        mean_gx = sum_gx / cols
        for c in range(cols):
            xhat = (x[i, c] - mu) * r
            gx[i, c] = (g[i, c] * scale[c] - mean_g - xhat * mean_gx) * r
