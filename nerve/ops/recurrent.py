"""Whole-sequence recurrences (LSTM, GRU, simple RNN) as single ops with backpropagation through time.

Each op takes the input projection of every step, ``xw = x·W + b``, time-major (steps, batch,
gates·units), computed before by one GEMM, and runs the recurrence: one GEMM per step (h·U, all
gates at once) and a few elementwise passes written into preallocated buffers. Its backward walks
the steps in reverse (the adjoint in each class's docstring), writing every step's dz into the
gradient of xw, and ends with one GEMM for the recurrent kernel, dU = Σ_t h_{t−1}ᵀ·dz_t, done as
H_prevᵀ·dZ over all steps. Time-major keeps every per-step slice contiguous, and makes dxw the
buffer the steps write (no transpose); the layer transposes x (narrower than xw) instead.

Why a fused op: an LSTM step composed of nerve ops is ~14 Functions forward and as many backward,
each a Python call and a temporary; fused, a step is one GEMM and ~13 (forward) / ~20 (backward)
NumPy passes over (batch, units) buffers, the LSTM's backward passes being one compiled loop when
numba is installed (recurrent_numba). Measured in benchmarks/lstm.py (figures, and the
per-step-graph comparison, in benchmarks/RESULTS.md): the fused LSTM trains 1.8x faster than the
same layer run as a graph of per-step ops.

σ is computed as ½ + ½·tanh(x/2): the same function, one SIMD tanh and no overflow to guard.

Masks (Keras's rule): where ``mask[b, t]`` is False the step is skipped: the states carry over
unchanged and the output repeats the previous output (zeros with ``zero_output_for_mask``).
``go_backwards`` processes the steps last to first and returns the outputs in that order.

Each op returns one packed array (steps + n_states, batch, units): the outputs in processing order,
then the final states (h, and c for the LSTM); the layer slices it.
"""

from .. import backend
from ..autodiff import Function
from ..tensor import as_tensor
from . import compiled

__all__ = ["gru_sequence", "lstm_sequence", "simple_rnn_sequence"]


def _sigmoid_(a):
    """σ(a) in place, as ½ + ½·tanh(a/2) (no overflow for any input)."""
    xp = backend.array_module(a)
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


class _Recurrence(Function):
    """What the three recurrences share: the step order, the mask, the output rule."""

    def __init__(self, mask=None, go_backwards=False, zero_output_for_mask=False):
        self.mask = None if mask is None else mask.T[:, :, None]    # (steps, batch, 1) bool
        self.go_backwards = go_backwards
        self.zero_output_for_mask = zero_output_for_mask

    def _order(self, steps):
        return list(range(steps - 1, -1, -1)) if self.go_backwards else list(range(steps))

    def _mask_at(self, t):
        return None if self.mask is None else self.mask[t]

    def _write_output(self, packed, k, h_new, m):
        """Step k's output: h_new where the step is kept, else the previous output (or 0)."""
        xp = backend.array_module(h_new)
        if m is None:
            packed[k] = h_new
        elif self.zero_output_for_mask or k == 0:
            xp.multiply(h_new, m, out=packed[k])
        else:
            xp.copyto(packed[k], xp.where(m, h_new, packed[k - 1]))

    def _carry_state(self, new, old, m):
        """A masked step keeps the old state: ``new`` (a buffer) takes ``old`` where m is False."""
        if m is not None:
            backend.array_module(new).copyto(new, old, where=~m)

    def _output_grads(self, g_packed, steps):
        """Per processing step, the gradient reaching the step's new h from the outputs (the output
        of a masked step is the previous output, so its gradient flows back to that one)."""
        g_out = g_packed[:steps]
        if not g_out.any():            # only final states used (return_sequences=False): nothing to add
            return None
        if self.mask is None:
            return g_out
        xp = backend.array_module(g_packed)
        order = self._order(steps)
        result = xp.empty_like(g_out)
        carry = xp.zeros_like(g_out[0])
        for k in range(steps - 1, -1, -1):
            m = self.mask[order[k]]
            total = g_out[k] + carry
            xp.multiply(total, m, out=result[k])
            if not self.zero_output_for_mask:
                carry = total * ~m
        return result

    def _recurrent_kernel_grad(self, h_prev, dz_by_time, order, width):
        """dU = Σ_k h_{k−1}ᵀ·dz_k, one GEMM; h_prev is in processing order, dz in time order."""
        if self.go_backwards:
            h_prev = h_prev[::-1]
        units = h_prev.shape[-1]
        return h_prev.reshape(-1, units).T @ dz_by_time.reshape(-1, width)


class LSTMSequence(_Recurrence):
    """LSTM over all steps (Keras's gates i, f, c, o; sigmoid gates, tanh cell):

        z = xw_t + h_{t−1}·U;   i, f, o = σ(z_i), σ(z_f), σ(z_o);   g = tanh(z_c)
        c_t = f ⊙ c_{t−1} + i ⊙ g;   h_t = o ⊙ tanh(c_t)

    Backward (δh, δc: gradients reaching h_t, c_t): δc += δh ⊙ o ⊙ (1 − tanh²c_t);
    dz_i = δc ⊙ g ⊙ i(1−i), dz_f = δc ⊙ c_{t−1} ⊙ f(1−f), dz_c = δc ⊙ i ⊙ (1−g²),
    dz_o = δh ⊙ tanh c_t ⊙ o(1−o); then δh_{t−1} = dz·Uᵀ, δc_{t−1} = δc ⊙ f.
    """

    def forward(self, xw, h0, c0, u):
        xp = backend.array_module(xw)
        steps, batch, four_units = xw.shape
        n = four_units // 4
        dtype = xw.dtype
        hs, packed = _states_and_outputs(xp, steps, batch, n, 2, dtype, self.mask is None)
        self.h = hs                                                         # hs[k]: the state before step k
        self.gates = gates = xp.empty((steps, batch, 4 * n), dtype=dtype)   # σ(z); the c block unused
        self.cell_input = g_all = xp.empty((steps, batch, n), dtype=dtype)   # tanh(z_c)
        self.c = cs = xp.empty((steps + 1, batch, n), dtype=dtype)
        self.tanh_c = tanh_c = xp.empty((steps, batch, n), dtype=dtype)
        self.u = u
        hs[0], cs[0] = h0, c0
        product = xp.empty((batch, n), dtype=dtype)
        for k, t in enumerate(self._order(steps)):
            z = gates[k]
            xp.matmul(hs[k], u, out=z)
            z += xw[t]
            xp.tanh(z[:, 2 * n:3 * n], out=g_all[k])
            _sigmoid_(z)
            i, f, o = z[:, :n], z[:, n:2 * n], z[:, 3 * n:]
            c_new, h_new = cs[k + 1], hs[k + 1]
            xp.multiply(f, cs[k], out=c_new)
            xp.multiply(i, g_all[k], out=product)
            c_new += product
            xp.tanh(c_new, out=tanh_c[k])
            xp.multiply(o, tanh_c[k], out=h_new)
            m = self._mask_at(t)
            if m is not None:
                self._write_output(packed, k, h_new, m)
            self._carry_state(h_new, hs[k], m)
            self._carry_state(c_new, cs[k], m)
        packed[steps], packed[steps + 1] = hs[steps], cs[steps]
        return packed

    def backward(self, g_packed):
        xp = backend.array_module(g_packed)
        steps, batch, four_units = self.gates.shape
        n = four_units // 4
        g_out = self._output_grads(g_packed, steps)
        order = self._order(steps)
        dxw = xp.empty_like(self.gates)             # time order: what the input projection receives
        dh, dc = g_packed[steps].copy(), g_packed[steps + 1].copy()
        u_t = self.u.T
        fast = compiled.kernels("recurrent_numba") if xp is backend.numpy else None
        if fast is not None:
            return self._backward_compiled(fast, g_out, order, dxw, dh, dc, u_t)
        tmp = xp.empty((batch, n), dtype=g_packed.dtype)
        derivative = xp.empty((batch, 4 * n), dtype=g_packed.dtype)
        for k in range(steps - 1, -1, -1):
            t = order[k]
            m = self._mask_at(t)
            s = self.gates[k]
            i, f, o = s[:, :n], s[:, n:2 * n], s[:, 3 * n:]
            g, tc = self.cell_input[k], self.tanh_c[k]
            dh_new = dh * m if m is not None else dh
            if g_out is not None:
                dh_new += g_out[k]                      # zero on masked rows already
            dc_new = dc * m if m is not None else dc
            xp.multiply(tc, tc, out=tmp)
            xp.subtract(1, tmp, out=tmp)
            tmp *= o
            tmp *= dh_new
            dc_new += tmp                               # δc ⊙ ... + δh ⊙ o ⊙ (1 − tanh²c)
            dz = dxw[t]
            xp.multiply(dc_new, g, out=dz[:, :n])
            xp.multiply(dc_new, self.c[k], out=dz[:, n:2 * n])
            xp.multiply(dh_new, tc, out=dz[:, 3 * n:])
            xp.subtract(1, s, out=derivative)
            derivative *= s
            dz *= derivative                            # σ' on i, f, o (the c block is rewritten next)
            xp.multiply(g, g, out=tmp)
            xp.subtract(1, tmp, out=tmp)
            xp.multiply(dc_new, i, out=dz[:, 2 * n:3 * n])
            dz[:, 2 * n:3 * n] *= tmp
            dh_rec = dz @ u_t
            dc_rec = dc_new * f
            if m is None:
                dh, dc = dh_rec, dc_rec
            else:
                dh = xp.where(m, dh_rec, dh)
                dc = xp.where(m, dc_rec, dc)
        return dxw, dh, dc, self._lstm_kernel_grad(dxw, order)

    def _backward_compiled(self, fast, g_out, order, dxw, dh, dc, u_t):
        """The same adjoint with each step's elementwise part as one numba pass (recurrent_numba)."""
        xp = backend.array_module(dxw)
        dc_next = xp.empty_like(dc)
        no_mask = xp.ones(1, dtype=bool)
        for k in range(len(order) - 1, -1, -1):
            t = order[k]
            m = self._mask_at(t)
            fast.lstm_backward_step(dh, dc, dh if g_out is None else g_out[k], g_out is not None, self.gates[k],
                                    self.cell_input[k], self.tanh_c[k], self.c[k],
                                    no_mask if m is None else xp.ascontiguousarray(m[:, 0]), m is not None, dxw[t], dc_next)
            dh_rec = dxw[t] @ u_t
            if m is not None:
                xp.copyto(dh_rec, dh, where=~m)
            dh, dc, dc_next = dh_rec, dc_next, dc
        return dxw, dh, dc, self._lstm_kernel_grad(dxw, order)

    def _lstm_kernel_grad(self, dxw, order):
        if not self.needs_grad[3]:
            return None
        return self._recurrent_kernel_grad(self.h[:len(order)], dxw, order, dxw.shape[-1])


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
        steps, batch, three_units = xw.shape
        n = three_units // 3
        dtype = xw.dtype
        hs, packed = _states_and_outputs(xp, steps, batch, n, 1, dtype, self.mask is None)
        self.h = hs
        self.gates = gates = xp.empty((steps, batch, 3 * n), dtype=dtype)    # z, r, ĥ
        self.a_h = a_h = xp.empty((steps, batch, n), dtype=dtype)     # h·U_h + b (after) or r ⊙ h (before)
        self.u = u
        hs[0] = h0
        for k, t in enumerate(self._order(steps)):
            z, x_t, h = gates[k], xw[t], hs[k]
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
            h_new = hs[k + 1]
            xp.subtract(h, candidate, out=h_new)
            h_new *= update
            h_new += candidate                          # z ⊙ h + (1 − z) ⊙ ĥ
            m = self._mask_at(t)
            if m is not None:
                self._write_output(packed, k, h_new, m)
            self._carry_state(h_new, h, m)
        packed[steps] = hs[steps]
        return packed

    def backward(self, g_packed):
        xp = backend.array_module(g_packed)
        steps, batch, three_units = self.gates.shape
        n = three_units // 3
        g_out = self._output_grads(g_packed, steps)
        order = self._order(steps)
        dxw = xp.empty_like(self.gates)            # d(pre-activations) from xw: z, r, h; time order
        da_all = xp.empty_like(self.gates) if self.reset_after else None   # d(h·U + b); time order
        dh = g_packed[steps].copy()
        u = self.u
        for k in range(steps - 1, -1, -1):
            t = order[k]
            m = self._mask_at(t)
            g = self.gates[k]
            update, reset, candidate = g[:, :n], g[:, n:2 * n], g[:, 2 * n:]
            h_prev = self.h[k]
            dh_new = dh * m if m is not None else dh
            if g_out is not None:
                dh_new += g_out[k]
            dz = dxw[t]
            xp.multiply(dh_new, 1 - update, out=dz[:, 2 * n:])
            dz[:, 2 * n:] *= 1 - candidate * candidate                  # dĥ (pre-tanh)
            xp.multiply(dh_new, h_prev - candidate, out=dz[:, :n])
            dz[:, :n] *= update * (1 - update)
            dh_rec = dh_new * update
            if self.reset_after:
                xp.multiply(dz[:, 2 * n:], self.a_h[k], out=dz[:, n:2 * n])
                dz[:, n:2 * n] *= reset * (1 - reset)
                da = da_all[t]
                da[:, :2 * n] = dz[:, :2 * n]
                xp.multiply(dz[:, 2 * n:], reset, out=da[:, 2 * n:])
                dh_rec += da @ u.T
            else:
                d_rh = dz[:, 2 * n:] @ u[:, 2 * n:].T
                xp.multiply(d_rh, h_prev, out=dz[:, n:2 * n])
                dz[:, n:2 * n] *= reset * (1 - reset)
                dh_rec += d_rh * reset
                dh_rec += dz[:, :2 * n] @ u[:, :2 * n].T
            dh = dh_rec if m is None else xp.where(m, dh_rec, dh)
        du = db = None
        if self.reset_after:
            du = self._recurrent_kernel_grad(self.h[:steps], da_all, order, 3 * n) if self.needs_grad[2] else None
            db = da_all.reshape(-1, 3 * n).sum(axis=0) if self.needs_grad[3] else None
        elif self.needs_grad[2]:
            du = xp.empty_like(u)
            du[:, :2 * n] = self._recurrent_kernel_grad(self.h[:steps], dxw[:, :, :2 * n], order, 2 * n)
            du[:, 2 * n:] = self._recurrent_kernel_grad(self.a_h, dxw[:, :, 2 * n:], order, n)
        return dxw, dh, du, db


class SimpleRNNSequence(_Recurrence):
    """Elman RNN over all steps: h_t = tanh(xw_t + h_{t−1}·U).

    Backward: da = δh ⊙ (1 − h_t²);  δh_{t−1} = da·Uᵀ;  dU = Σ_t h_{t−1}ᵀ·da_t.
    """

    def forward(self, xw, h0, u):
        xp = backend.array_module(xw)
        steps, batch, n = xw.shape
        hs, packed = _states_and_outputs(xp, steps, batch, n, 1, xw.dtype, self.mask is None)
        self.h = hs
        self.h_new = h_all = xp.empty((steps, batch, n), dtype=xw.dtype)     # tanh(a) of each step
        self.u = u
        hs[0] = h0
        for k, t in enumerate(self._order(steps)):
            a = h_all[k]
            xp.matmul(hs[k], u, out=a)
            a += xw[t]
            xp.tanh(a, out=a)
            m = self._mask_at(t)
            if m is not None:
                self._write_output(packed, k, a, m)
            hs[k + 1] = a
            self._carry_state(hs[k + 1], hs[k], m)
        packed[steps] = hs[steps]
        return packed

    def backward(self, g_packed):
        xp = backend.array_module(g_packed)
        steps, _, n = self.h_new.shape
        g_out = self._output_grads(g_packed, steps)
        order = self._order(steps)
        dxw = xp.empty_like(self.h_new)
        dh = g_packed[steps].copy()
        u_t = self.u.T
        for k in range(steps - 1, -1, -1):
            t = order[k]
            m = self._mask_at(t)
            h_new = self.h_new[k]
            dh_new = dh * m if m is not None else dh
            if g_out is not None:
                dh_new += g_out[k]
            da = dxw[t]
            xp.multiply(h_new, h_new, out=da)
            xp.subtract(1, da, out=da)
            da *= dh_new
            dh_rec = da @ u_t
            dh = dh_rec if m is None else xp.where(m, dh_rec, dh)
        du = self._recurrent_kernel_grad(self.h[:steps], dxw, order, n) if self.needs_grad[2] else None
        return dxw, dh, du


def _states_and_outputs(xp, steps, batch, units, n_states, dtype, outputs_are_states):
    """The state buffer hs (steps + 1, ...; hs[0] the initial state) and the packed output
    (steps + n_states, ...). Without a mask the outputs are the states hs[1:], so the two share
    memory (packed = buffer[1:]): no copy per step, and h_T is already in place."""
    if not outputs_are_states:
        return (xp.empty((steps + 1, batch, units), dtype=dtype),
                xp.empty((steps + n_states, batch, units), dtype=dtype))
    buffer = xp.empty((steps + n_states + 1, batch, units), dtype=dtype)
    return buffer[:steps + 1], buffer[1:]


def _mask_array(mask):
    if mask is None:
        return None
    return as_tensor(mask).data.astype(bool, copy=False)


def lstm_sequence(xw, h0, c0, recurrent_kernel, mask=None, go_backwards=False, zero_output_for_mask=False):
    """The LSTM recurrence over every step of ``xw`` (steps, batch, 4·units); see LSTMSequence.

    Args:
        xw: x·W + b, time-major; h0, c0: (batch, units); recurrent_kernel: U (units, 4·units).
        mask: optional (batch, steps) booleans (True: the step is data).

    Returns:
        (steps + 2, batch, units): the outputs in processing order, then h_T and c_T.
    """
    op = LSTMSequence(_mask_array(mask), go_backwards, zero_output_for_mask)
    return op(xw, h0, c0, recurrent_kernel)


def gru_sequence(xw, h0, recurrent_kernel, recurrent_bias=None, reset_after=True, mask=None,
                 go_backwards=False, zero_output_for_mask=False):
    """The GRU recurrence over every step of ``xw`` (steps, batch, 3·units); see GRUSequence.

    ``recurrent_bias`` (3·units,) is added to h·U (reset_after only; zeros when None).

    Returns:
        (steps + 1, batch, units): the outputs in processing order, then h_T.
    """
    op = GRUSequence(reset_after, mask=_mask_array(mask), go_backwards=go_backwards,
                     zero_output_for_mask=zero_output_for_mask)
    if recurrent_bias is None:
        recurrent_bias = backend.xp.zeros(as_tensor(recurrent_kernel).shape[1], dtype=as_tensor(xw).dtype)
    return op(xw, h0, recurrent_kernel, recurrent_bias)


def simple_rnn_sequence(xw, h0, recurrent_kernel, mask=None, go_backwards=False, zero_output_for_mask=False):
    """The tanh RNN recurrence over every step of ``xw`` (steps, batch, units); see SimpleRNNSequence.

    Returns:
        (steps + 1, batch, units): the outputs in processing order, then h_T.
    """
    op = SimpleRNNSequence(_mask_array(mask), go_backwards, zero_output_for_mask)
    return op(xw, h0, recurrent_kernel)
