"""Whole-sequence recurrences (LSTM, GRU, simple RNN) as single ops with backpropagation through time.

Each op takes the input projection of every timestep, ``xw = x·W + b`` (batch, steps, gates·units),
computed before by one GEMM, and runs the recurrence over the steps: one GEMM per step (h·U, all
gates at once) and a few elementwise passes written into preallocated buffers. Its backward walks
the steps in reverse (the hand-written adjoint below), gathering dz for every step, and ends with
one GEMM for the recurrent kernel, dU = Σ_t h_{t−1}ᵀ·dz_t, done as H_prevᵀ·dZ over all steps.

Why a fused op: an LSTM step composed of nerve ops is ~14 Functions forward and as many backward,
each a Python call and a temporary; fused, a step is one GEMM and a few in-place passes over
(batch, units) buffers. Measured on a training step in benchmarks/lstm.py (figures and the
per-step-graph comparison in benchmarks/RESULTS.md).

Masks (Keras's rule): where ``mask[b, t]`` is False the step is skipped: the states carry over
unchanged and the output repeats the previous output (zeros with ``zero_output_for_mask``).
``go_backwards`` processes the steps last to first and returns the outputs in that order.

The ops return one packed array (batch, steps + n_states, units): the outputs in processing order,
then the final states (h, and c for the LSTM); the layer slices it.
"""

import math

from .. import backend
from ..autodiff import Function
from ..tensor import as_tensor

__all__ = ["gru_sequence", "lstm_sequence", "simple_rnn_sequence"]


def _sigmoid_(a):
    """σ(a) in place: 1/(1 + e^(−a)), with −a capped so that e^(−a) never overflows."""
    xp = backend.array_module(a)
    xp.negative(a, out=a)
    xp.minimum(a, 0.999 * math.log(float(xp.finfo(a.dtype).max)), out=a)
    xp.exp(a, out=a)
    a += 1
    xp.reciprocal(a, out=a)
    return a


class _Recurrence(Function):
    """What the three recurrences share: the step order, the mask, the output rule."""

    n_states = 1

    def __init__(self, mask=None, go_backwards=False, zero_output_for_mask=False):
        self.mask = mask                                # (batch, steps) bool, or None
        self.go_backwards = go_backwards
        self.zero_output_for_mask = zero_output_for_mask

    def _order(self, steps):
        return range(steps - 1, -1, -1) if self.go_backwards else range(steps)

    def _mask_at(self, t):
        return None if self.mask is None else self.mask[:, t, None]

    def _masked_output(self, packed, k, h_new, m):
        """Write step k's output: h_new where the step is kept, else the previous output (or 0)."""
        if m is None:
            packed[:, k] = h_new
        elif self.zero_output_for_mask or k == 0:
            packed[:, k] = h_new * m
        else:
            backend.array_module(h_new).copyto(packed[:, k], packed[:, k - 1])
            backend.array_module(h_new).copyto(packed[:, k], h_new, where=m)

    def _output_grads(self, g_packed, steps):
        """Per processing step: the gradient reaching h_new from the outputs (the output of a
        masked step is the previous one, so its gradient flows back to that one)."""
        xp = backend.array_module(g_packed)
        g_out = g_packed[:, :steps]
        if self.mask is None:
            return g_out
        order = list(self._order(steps))
        result = xp.empty_like(g_out)
        carry = xp.zeros_like(g_out[:, 0])
        for k in range(steps - 1, -1, -1):
            m = self.mask[:, order[k], None]
            total = g_out[:, k] + carry
            result[:, k] = total * m
            if not self.zero_output_for_mask:
                carry = total * ~m
        return result


class LSTMSequence(_Recurrence):
    """LSTM over all steps (Keras's gates i, f, c, o; sigmoid gates, tanh cell):

        z = xw_t + h_{t−1}·U;   i, f, o = σ(z_i), σ(z_f), σ(z_o);   g = tanh(z_c)
        c_t = f ⊙ c_{t−1} + i ⊙ g;   h_t = o ⊙ tanh(c_t)

    Backward (δh, δc: gradients reaching h_t, c_t): δc += δh ⊙ o ⊙ (1 − tanh²c_t);
    dz_i = δc ⊙ g ⊙ i(1−i), dz_f = δc ⊙ c_{t−1} ⊙ f(1−f), dz_c = δc ⊙ i ⊙ (1−g²),
    dz_o = δh ⊙ tanh c_t ⊙ o(1−o); then δh_{t−1} = dz·Uᵀ, δc_{t−1} = δc ⊙ f.
    """

    n_states = 2

    def forward(self, xw, h0, c0, u):
        xp = backend.array_module(xw)
        batch, steps, four_units = xw.shape
        n = four_units // 4
        packed = xp.empty((batch, steps + 2, n), dtype=xw.dtype)
        self.gates = gates = xp.empty((steps, batch, 4 * n), dtype=xw.dtype)
        self.h_prev = h_prev = xp.empty((steps, batch, n), dtype=xw.dtype)
        self.c_prev = c_prev = xp.empty((steps, batch, n), dtype=xw.dtype)
        self.tanh_c = tanh_c = xp.empty((steps, batch, n), dtype=xw.dtype)
        self.u = u
        h, c = h0, c0
        for k, t in enumerate(self._order(steps)):
            h_prev[k], c_prev[k] = h, c
            z = gates[k]
            xp.matmul(h, u, out=z)
            z += xw[:, t]
            _sigmoid_(z[:, :2 * n])
            xp.tanh(z[:, 2 * n:3 * n], out=z[:, 2 * n:3 * n])
            _sigmoid_(z[:, 3 * n:])
            i, f, g, o = z[:, :n], z[:, n:2 * n], z[:, 2 * n:3 * n], z[:, 3 * n:]
            c_new = f * c
            c_new += i * g
            xp.tanh(c_new, out=tanh_c[k])
            h_new = o * tanh_c[k]
            m = self._mask_at(t)
            self._masked_output(packed, k, h_new, m)
            if m is not None:
                h_new = xp.where(m, h_new, h)
                c_new = xp.where(m, c_new, c)
            h, c = h_new, c_new
        packed[:, steps], packed[:, steps + 1] = h, c
        return packed

    def backward(self, g_packed):
        xp = backend.array_module(g_packed)
        steps = self.gates.shape[0]
        n = self.u.shape[0]
        g_out = self._output_grads(g_packed, steps)
        dz_all = xp.empty_like(self.gates)
        dh = g_packed[:, steps].copy()
        dc = g_packed[:, steps + 1].copy()
        order = list(self._order(steps))
        u_t = self.u.T
        for k in range(steps - 1, -1, -1):
            m = self._mask_at(order[k])
            z = self.gates[k]
            i, f, g, o = z[:, :n], z[:, n:2 * n], z[:, 2 * n:3 * n], z[:, 3 * n:]
            tc = self.tanh_c[k]
            dh_new = dh if m is None else dh * m
            dh_new += g_out[:, k]                      # already zero on masked rows
            dc_new = dc if m is None else dc * m
            dc_new += dh_new * o * (1 - tc * tc)
            dz = dz_all[k]
            xp.multiply(dc_new, g, out=dz[:, :n])
            dz[:, :n] *= i * (1 - i)
            xp.multiply(dc_new, self.c_prev[k], out=dz[:, n:2 * n])
            dz[:, n:2 * n] *= f * (1 - f)
            xp.multiply(dc_new, i, out=dz[:, 2 * n:3 * n])
            dz[:, 2 * n:3 * n] *= 1 - g * g
            xp.multiply(dh_new, tc, out=dz[:, 3 * n:])
            dz[:, 3 * n:] *= o * (1 - o)
            dh_rec = dz @ u_t
            dc_rec = dc_new * f
            if m is None:
                dh, dc = dh_rec, dc_rec
            else:
                dh = xp.where(m, dh_rec, dh)
                dc = xp.where(m, dc_rec, dc)
        dxw = _to_batch_major(dz_all, order)
        du = self.h_prev.reshape(-1, n).T @ dz_all.reshape(-1, 4 * n) if self.needs_grad[3] else None
        return dxw, dh, dc, du


class GRUSequence(_Recurrence):
    """GRU over all steps (Keras's gates z, r, h; ``reset_after`` as Keras's default):

        reset_after:   a = h_{t−1}·U + b_rec;  z = σ(xw_z + a_z);  r = σ(xw_r + a_r)
                       ĥ = tanh(xw_h + r ⊙ a_h)
        reset before:  z = σ(xw_z + h·U_z);  r = σ(xw_r + h·U_r);  ĥ = tanh(xw_h + (r ⊙ h)·U_h)
        h_t = z ⊙ h_{t−1} + (1 − z) ⊙ ĥ

    Backward: dĥ = δh ⊙ (1 − z) ⊙ (1 − ĥ²), dz = δh ⊙ (h_{t−1} − ĥ) ⊙ z(1−z); reset_after:
    da_h = dĥ ⊙ r, dr = dĥ ⊙ a_h ⊙ r(1−r), δh_{t−1} = δh ⊙ z + [dz, dr, da_h]·Uᵀ; reset before:
    d(r⊙h) = dĥ·U_hᵀ, dr = d(r⊙h) ⊙ h ⊙ r(1−r), δh_{t−1} = δh ⊙ z + d(r⊙h) ⊙ r + [dz, dr]·U_zrᵀ.
    """

    def __init__(self, reset_after=True, **kwargs):
        super().__init__(**kwargs)
        self.reset_after = reset_after

    def forward(self, xw, h0, u, b_rec):
        xp = backend.array_module(xw)
        batch, steps, three_units = xw.shape
        n = three_units // 3
        packed = xp.empty((batch, steps + 1, n), dtype=xw.dtype)
        self.gates = gates = xp.empty((steps, batch, 3 * n), dtype=xw.dtype)    # z, r, ĥ
        self.a_h = a_h = xp.empty((steps, batch, n), dtype=xw.dtype)    # h·U_h + b (after) or (r⊙h)
        self.h_prev = h_prev = xp.empty((steps, batch, n), dtype=xw.dtype)
        self.u = u
        h = h0
        for k, t in enumerate(self._order(steps)):
            h_prev[k] = h
            z = gates[k]
            x_t = xw[:, t]
            if self.reset_after:
                a = h @ u
                a += b_rec
                xp.add(x_t[:, :2 * n], a[:, :2 * n], out=z[:, :2 * n])
                _sigmoid_(z[:, :2 * n])
                a_h[k] = a[:, 2 * n:]
                xp.multiply(z[:, n:2 * n], a_h[k], out=z[:, 2 * n:])
            else:
                xp.matmul(h, u[:, :2 * n], out=z[:, :2 * n])
                z[:, :2 * n] += x_t[:, :2 * n]
                _sigmoid_(z[:, :2 * n])
                xp.multiply(z[:, n:2 * n], h, out=a_h[k])
                xp.matmul(a_h[k], u[:, 2 * n:], out=z[:, 2 * n:])
            z[:, 2 * n:] += x_t[:, 2 * n:]
            xp.tanh(z[:, 2 * n:], out=z[:, 2 * n:])
            update, candidate = z[:, :n], z[:, 2 * n:]
            h_new = update * (h - candidate)
            h_new += candidate
            m = self._mask_at(t)
            self._masked_output(packed, k, h_new, m)
            h = h_new if m is None else xp.where(m, h_new, h)
        packed[:, steps] = h
        return packed

    def backward(self, g_packed):
        xp = backend.array_module(g_packed)
        steps = self.gates.shape[0]
        n = self.u.shape[0]
        g_out = self._output_grads(g_packed, steps)
        dz_all = xp.empty_like(self.gates)        # d(pre-activations) xw: z, r, h
        da_all = xp.empty_like(self.gates) if self.reset_after else None   # d(h·U + b)
        dh = g_packed[:, steps].copy()
        order = list(self._order(steps))
        u = self.u
        for k in range(steps - 1, -1, -1):
            m = self._mask_at(order[k])
            g = self.gates[k]
            update, reset, candidate = g[:, :n], g[:, n:2 * n], g[:, 2 * n:]
            h_prev = self.h_prev[k]
            dh_new = dh if m is None else dh * m
            dh_new += g_out[:, k]
            dz = dz_all[k]
            xp.multiply(dh_new, 1 - update, out=dz[:, 2 * n:])
            dz[:, 2 * n:] *= 1 - candidate * candidate                  # dĥ (pre-tanh)
            xp.multiply(dh_new, h_prev - candidate, out=dz[:, :n])
            dz[:, :n] *= update * (1 - update)
            dh_rec = dh_new * update
            if self.reset_after:
                da = da_all[k]
                da[:, :n] = dz[:, :n]
                xp.multiply(dz[:, 2 * n:], reset, out=da[:, 2 * n:])
                xp.multiply(dz[:, 2 * n:], self.a_h[k], out=dz[:, n:2 * n])
                dz[:, n:2 * n] *= reset * (1 - reset)
                da[:, n:2 * n] = dz[:, n:2 * n]
                dh_rec += da @ u.T
            else:
                d_rh = dz[:, 2 * n:] @ u[:, 2 * n:].T
                xp.multiply(d_rh, h_prev, out=dz[:, n:2 * n])
                dz[:, n:2 * n] *= reset * (1 - reset)
                dh_rec += d_rh * reset
                dh_rec += dz[:, :2 * n] @ u[:, :2 * n].T
            dh = dh_rec if m is None else xp.where(m, dh_rec, dh)
        dxw = _to_batch_major(dz_all, order)
        du = db = None
        h_flat = self.h_prev.reshape(-1, n)
        if self.reset_after:
            d_flat = da_all.reshape(-1, 3 * n)
            du = h_flat.T @ d_flat if self.needs_grad[2] else None
            db = d_flat.sum(axis=0) if self.needs_grad[3] else None
        elif self.needs_grad[2]:
            du = xp.empty_like(u)
            du[:, :2 * n] = h_flat.T @ dz_all[:, :, :2 * n].reshape(-1, 2 * n)
            du[:, 2 * n:] = self.a_h.reshape(-1, n).T @ dz_all[:, :, 2 * n:].reshape(-1, n)
        return dxw, dh, du, db


class SimpleRNNSequence(_Recurrence):
    """Elman RNN over all steps: h_t = tanh(xw_t + h_{t−1}·U).

    Backward: da = δh ⊙ (1 − h_t²);  δh_{t−1} = da·Uᵀ;  dU = Σ_t h_{t−1}ᵀ·da_t.
    """

    def forward(self, xw, h0, u):
        xp = backend.array_module(xw)
        batch, steps, n = xw.shape
        packed = xp.empty((batch, steps + 1, n), dtype=xw.dtype)
        self.h_new = h_all = xp.empty((steps, batch, n), dtype=xw.dtype)
        self.h_prev = h_prev = xp.empty((steps, batch, n), dtype=xw.dtype)
        self.u = u
        h = h0
        for k, t in enumerate(self._order(steps)):
            h_prev[k] = h
            a = h_all[k]
            xp.matmul(h, u, out=a)
            a += xw[:, t]
            xp.tanh(a, out=a)
            m = self._mask_at(t)
            self._masked_output(packed, k, a, m)
            h = a if m is None else xp.where(m, a, h)
        packed[:, steps] = h
        return packed

    def backward(self, g_packed):
        xp = backend.array_module(g_packed)
        steps, _, n = self.h_new.shape
        g_out = self._output_grads(g_packed, steps)
        da_all = xp.empty_like(self.h_new)
        dh = g_packed[:, steps].copy()
        order = list(self._order(steps))
        u_t = self.u.T
        for k in range(steps - 1, -1, -1):
            m = self._mask_at(order[k])
            h_new = self.h_new[k]
            dh_new = dh if m is None else dh * m
            dh_new += g_out[:, k]
            da = da_all[k]
            xp.multiply(dh_new, 1 - h_new * h_new, out=da)
            dh_rec = da @ u_t
            dh = dh_rec if m is None else xp.where(m, dh_rec, dh)
        dxw = _to_batch_major(da_all, order)
        du = self.h_prev.reshape(-1, n).T @ da_all.reshape(-1, n) if self.needs_grad[2] else None
        return dxw, dh, du


def _to_batch_major(per_step, order):
    """(steps in processing order, batch, k) -> (batch, steps in time order, k)."""
    xp = backend.array_module(per_step)
    if order and order[0] != 0:
        per_step = per_step[::-1]
    return xp.ascontiguousarray(per_step.transpose(1, 0, 2))


def _mask_array(mask):
    if mask is None:
        return None
    return as_tensor(mask).data.astype(bool, copy=False)


def lstm_sequence(xw, h0, c0, recurrent_kernel, mask=None, go_backwards=False, zero_output_for_mask=False):
    """The LSTM recurrence over every step of ``xw`` (batch, steps, 4·units); see LSTMSequence.

    Returns:
        (batch, steps + 2, units): the outputs in processing order, then h_T and c_T.
    """
    op = LSTMSequence(_mask_array(mask), go_backwards, zero_output_for_mask)
    return op(xw, h0, c0, recurrent_kernel)


def gru_sequence(xw, h0, recurrent_kernel, recurrent_bias=None, reset_after=True, mask=None,
                 go_backwards=False, zero_output_for_mask=False):
    """The GRU recurrence over every step of ``xw`` (batch, steps, 3·units); see GRUSequence.

    ``recurrent_bias`` (3·units,) is added to h·U (reset_after only; zeros when None).

    Returns:
        (batch, steps + 1, units): the outputs in processing order, then h_T.
    """
    op = GRUSequence(reset_after, mask=_mask_array(mask), go_backwards=go_backwards,
                     zero_output_for_mask=zero_output_for_mask)
    if recurrent_bias is None:
        recurrent_bias = backend.xp.zeros(as_tensor(recurrent_kernel).shape[1], dtype=as_tensor(xw).dtype)
    return op(xw, h0, recurrent_kernel, recurrent_bias)


def simple_rnn_sequence(xw, h0, recurrent_kernel, mask=None, go_backwards=False, zero_output_for_mask=False):
    """The tanh RNN recurrence over every step of ``xw`` (batch, steps, units); see SimpleRNNSequence.

    Returns:
        (batch, steps + 1, units): the outputs in processing order, then h_T.
    """
    op = SimpleRNNSequence(_mask_array(mask), go_backwards, zero_output_for_mask)
    return op(xw, h0, recurrent_kernel)
