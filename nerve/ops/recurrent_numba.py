"""Compiled LSTM backward step for the CPU (numba).

The NumPy form in :class:`recurrent.LSTMSequence.backward` is the reference; this does the same
arithmetic for one step in one pass over (batch, units), where NumPy needs ~17 passes (each a
ufunc call on a small array, so mostly call overhead). No transcendental functions are involved
(the forward pass stored σ, tanh z_c and tanh c_t), so the loop vectorizes. The recurrent GEMM
(dz·Uᵀ) stays with the BLAS. Measured (interleaved A/B, NERVE_NUMBA=1 vs 0, benchmarks/lstm.py's
sizes: batch 32, 50 steps, 64 -> 128 units, 1 thread, a machine loaded ~10x over its 2 cores): the
op's backward 21.0 -> 18.9 ms, the whole training step 47.0 -> 45.4 ms (median ratio of 8 rounds
1.06). The forward keeps NumPy: its passes are mostly tanh, which NumPy runs in SIMD and numba
(without SVML) one element at a time.

Imported lazily through :func:`compiled.kernels` only when numba is installed and ``NERVE_NUMBA``
is not ``0``; compiled once per dtype and cached on disk. The caller allocates every array.
"""

import numba

_JIT = dict(cache=True, nogil=True, fastmath={"contract"})


@numba.njit(**_JIT)
def lstm_backward_step(dh, dc, g_out, has_g_out, gates, cell_input, tanh_c, c_prev, kept, has_mask, dz, dc_next):
    """One step of LSTMSequence's adjoint (formulas in its docstring).

    Args:
        dh, dc: (batch, units) gradients reaching h_t and c_t from later steps / the final states.
        g_out: (batch, units) gradient from the step's output (already zero on masked rows);
            read only when ``has_g_out``.
        gates: (batch, 4·units) σ(z) (the c block unused); cell_input: tanh z_c; tanh_c: tanh c_t;
        c_prev: c_{t−1}.
        kept: (batch,) bool, the step's mask; read only when ``has_mask``.
    Writes:
        dz (batch, 4·units): d(pre-activations); dc_next (batch, units): δc_{t−1} (δc itself on a
        masked row, whose state carried over).
    """
    batch, units = dh.shape
    one = dh.dtype.type(1)                   # stay in the arrays' dtype (a literal 1.0 is float64)
    from_output = one if has_g_out else one - one     # multipliers, not branches: the loop vectorizes
    for b in range(batch):
        keep = one if (not has_mask or kept[b]) else one - one
        for j in range(units):
            i = gates[b, j]
            f = gates[b, units + j]
            o = gates[b, 3 * units + j]
            g = cell_input[b, j]
            tc = tanh_c[b, j]
            dh_new = dh[b, j] * keep + g_out[b, j] * from_output
            dc_new = dc[b, j] * keep + dh_new * o * (one - tc * tc)
            dz[b, j] = dc_new * g * i * (one - i)
            dz[b, units + j] = dc_new * c_prev[b, j] * f * (one - f)
            dz[b, 2 * units + j] = dc_new * i * (one - g * g)
            dz[b, 3 * units + j] = dh_new * tc * o * (one - o)
            dc_next[b, j] = dc_new * f * keep + dc[b, j] * (one - keep)
