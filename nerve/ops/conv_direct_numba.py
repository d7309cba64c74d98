"""Direct 2-D convolution on the CPU (numba): the forward and the weight gradient without im2col.

Both are one register-blocked product. With x_pad the zero-padded input (N, Hp, Wp, C), a
kernel row kh of W (KH, KW, C, F) is a (KW·C, F) matrix W_kh, and the KW·C inputs a window
reads from one input row are *contiguous*: output pixel (oh, ow) reads
x_pad[n, oh·S + kh, ow·S·C + t] for t < KW·C (channels last, dilation 1). So

    y[n, oh, ow, :]  = Σ_kh Σ_t  x_pad[n, oh·S + kh, ow·S·C + t] · W_kh[t, :]
    dW_kh[t, :]      = Σ_n,oh,ow x_pad[n, oh·S + kh, ow·S·C + t] · dY[n, oh, ow, :]

are both ``acc[i, :] += Σ_r a[i·ai + r·ar] · v[r·vr : r·vr + width]`` over a block of rows i
(output pixels for the forward, taps t for the weight gradient): :func:`_block`, a block of
rows × up to 64 filters kept in 16-float vector registers across the whole sum, each step one
vector load of v per 16 filters and one broadcast of a per row; a last partial vector of
filters is loaded and stored under a mask. A 1x1 kernel makes it a plain product (:func:`matmul`).
im2col + GEMM writes and reads back ΠK copies of the input and, through NumPy's OpenBLAS (which
runs its AVX2 kernels on this AMD CPU), reaches 60-120 GFLOP/s on ResNet-20's 16-64 channel
layers; this reaches 140-200 there, padding included, and 230-260 on GEMM-shaped products
(``benchmarks/RESULTS.md``, issue 13).

``_block`` is written in LLVM IR (numba's ``intrinsic``) because numba's own loops, for 16 or 32
filters, are fully unrolled and then vectorised over the wrong axis (3-12 GFLOP/s measured).
Sums run in a different order from the GEMM's: results agree to float32 rounding.
Float32 only (``_direct_kernels`` in :mod:`conv_kernels` says when it is used). Each call runs on
one thread without Python's lock (``nogil``); :mod:`conv_kernels` runs ranges of the batch at once.
"""

import numba
from llvmlite import binding, ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

LANES = 16                       # float32 lanes of one AVX-512 register
# Where it pays: on a CPU without AVX-512 the 16-float vectors are split and the 24 accumulators
# spill, a case never measured, so conv_kernels keeps im2col + GEMM there (tests set this to check
# the kernels' sums on any CPU).
PAYS = bool(binding.get_host_cpu_features().get("avx512f"))
# The blocks tried for 1-4 vectors of filters, largest first: up to 24 of the 32 vector registers
# hold sums, and the large blocks keep both FMA units busy through their 4-cycle latency.
BLOCK_ROWS = ((24, 4, 1), (12, 4, 1), (8, 2, 1), (6, 2, 1))
_JIT = dict(cache=True, nogil=True)


@intrinsic
def _block(typingctx, acc, acc_step, a, ai, ar, v, vr, count, init, tail, rows, vectors):
    """acc[i·acc_step + j] (+)= Σ_{r<count} a[i·ai + r·ar] · v[r·vr + j],  i < rows, j < width,

    width = 16·(vectors − 1) + tail, 1 ≤ tail ≤ 16: the last vector is loaded and stored under a
    mask of its first ``tail`` lanes. Addresses (acc, a, v) are byte addresses of float32 arrays,
    steps are in floats; (rows, vectors) must be a pair of ``BLOCK_ROWS`` (one loop is compiled
    for each, and a switch picks it); with ``init`` acc starts at 0.
    """
    sig = types.void(*([types.intp] * 8), types.boolean, types.intp, types.intp, types.intp)

    def codegen(context, builder, signature, args):
        rows, vectors = args[10:]
        loop = _Loop(builder, *args[:10])
        done = builder.append_basic_block("block.done")
        switch = builder.switch(builder.add(builder.mul(rows, ir.Constant(rows.type, 8)), vectors), done)
        for n_vec, choices in enumerate(BLOCK_ROWS, start=1):
            for n_rows in choices:
                case = builder.append_basic_block(f"block.{n_rows}x{n_vec}")
                switch.add_case(ir.Constant(rows.type, n_rows * 8 + n_vec), case)
                builder.position_at_end(case)
                loop.emit(n_rows, n_vec)
                builder.branch(done)
        builder.position_at_end(done)
        return context.get_dummy_value()

    return sig, codegen


class _Loop:
    """LLVM IR of :func:`_block` for one (rows, vectors) pair: the sums stay in vector registers."""

    def __init__(self, builder, acc_at, acc_step, a_at, ai, ar, v_at, vr, count, init, tail):
        self.builder, self.acc_step, self.ai, self.ar, self.vr = builder, acc_step, ai, ar, vr
        self.count, self.init = count, init
        f32, i32, self.i64 = ir.FloatType(), ir.IntType(32), ir.IntType(64)
        self.vec, mask_t = ir.VectorType(f32, LANES), ir.VectorType(ir.IntType(1), LANES)
        self.vec_p = self.vec.as_pointer()
        module = builder.module
        self.fma = cgutils.get_or_insert_function(module, ir.FunctionType(self.vec, [self.vec] * 3),
                                                  "llvm.fma.v16f32")
        self.masked_load = cgutils.get_or_insert_function(
            module, ir.FunctionType(self.vec, [self.vec_p, i32, mask_t, self.vec]), "llvm.masked.load.v16f32.p0")
        self.masked_store = cgutils.get_or_insert_function(
            module, ir.FunctionType(ir.VoidType(), [self.vec, self.vec_p, i32, mask_t]),
            "llvm.masked.store.v16f32.p0")
        self.acc_at, self.a_at, self.v_at = (builder.inttoptr(p, f32.as_pointer()) for p in (acc_at, a_at, v_at))
        self.undef = ir.Constant(self.vec, ir.Undefined)
        self.splat = ir.Constant(ir.VectorType(i32, LANES), [0] * LANES)
        self.zero = ir.Constant(self.vec, [0.0] * LANES)
        self.lane0 = ir.Constant(i32, 0)
        indices = ir.VectorType(self.i64, LANES)
        tails = builder.shuffle_vector(builder.insert_element(ir.Constant(indices, ir.Undefined), tail, self.lane0),
                                       ir.Constant(indices, ir.Undefined), self.splat)
        self.mask = builder.icmp_signed("<", ir.Constant(indices, list(range(LANES))), tails)
        self.align = ir.Constant(i32, 4)

    def at(self, base, index):                     # base + index floats, as a vector pointer
        return self.builder.bitcast(self.builder.gep(base, [index]), self.vec_p)

    def load(self, base, index, last):             # the last vector of a row is masked
        if not last:
            return self.builder.load(self.at(base, index), align=4)
        return self.builder.call(self.masked_load, [self.at(base, index), self.align, self.mask, self.zero])

    def acc_index(self, i, j):
        i64 = self.i64
        return self.builder.add(self.builder.mul(ir.Constant(i64, i), self.acc_step), ir.Constant(i64, j * LANES))

    def emit(self, n_rows, n_vec):
        builder, i64 = self.builder, self.i64
        start = [builder.select(self.init, self.zero, self.load(self.acc_at, self.acc_index(i, j), j == n_vec - 1))
                 for i in range(n_rows) for j in range(n_vec)]
        entry = builder.block
        head = builder.append_basic_block("block.head")
        body = builder.append_basic_block("block.body")
        end = builder.append_basic_block("block.end")
        builder.branch(head)

        builder.position_at_end(head)
        r = builder.phi(i64)
        r.add_incoming(ir.Constant(i64, 0), entry)
        sums = []
        for value in start:
            phi = builder.phi(self.vec)
            phi.add_incoming(value, entry)
            sums.append(phi)
        builder.cbranch(builder.icmp_signed("<", r, self.count), body, end)

        builder.position_at_end(body)
        v_row = builder.gep(self.v_at, [builder.mul(r, self.vr)])
        vs = [self.load(v_row, ir.Constant(i64, j * LANES), j == n_vec - 1) for j in range(n_vec)]
        a_row = builder.gep(self.a_at, [builder.mul(r, self.ar)])
        updated = []
        for i in range(n_rows):
            scalar = builder.load(builder.gep(a_row, [builder.mul(ir.Constant(i64, i), self.ai)]), align=4)
            b = builder.shuffle_vector(builder.insert_element(self.undef, scalar, self.lane0), self.undef, self.splat)
            updated += [builder.call(self.fma, [b, vs[j], sums[i * n_vec + j]]) for j in range(n_vec)]
        r.add_incoming(builder.add(r, ir.Constant(i64, 1)), builder.block)
        for phi, value in zip(sums, updated):
            phi.add_incoming(value, builder.block)
        builder.branch(head)

        builder.position_at_end(end)
        for k, value in enumerate(sums):
            i, j = divmod(k, n_vec)
            slot = self.at(self.acc_at, self.acc_index(i, j))
            if j < n_vec - 1:
                builder.store(value, slot, align=4)
            else:
                builder.call(self.masked_store, [value, slot, self.align, self.mask])


@numba.njit(inline="always", **_JIT)
def _blocks(n_vec, left, acc, acc_step, a, ai, ar, v, vr, count, init, tail):
    """Run the largest block of ``BLOCK_ROWS`` for n_vec vectors that fits ``left`` rows; return its rows."""
    choices = BLOCK_ROWS[n_vec - 1]
    rows = choices[2]
    if left >= choices[0]:
        rows = choices[0]
    elif left >= choices[1]:
        rows = choices[1]
    _block(acc, acc_step, a, ai, ar, v, vr, count, init, tail, rows, n_vec)
    return rows


@numba.njit(inline="always", **_JIT)
def _sweep(rows, filters, acc, a, ai, ar, v, count, init):
    """acc[i, :] (+)= Σ_{r<count} a[i·ai + r·ar] · v[r, :] for i < rows, all ``filters`` columns, in
    blocks of rows and pieces of 64 filters; acc and v are rows of ``filters`` floats (addresses)."""
    for f0 in range(0, filters, 64):
        width = min(64, filters - f0)
        n_vec = (width + LANES - 1) // LANES
        tail = width - LANES * (n_vec - 1)        # lanes used in the last vector
        i = 0
        while i < rows:
            i += _blocks(n_vec, rows - i, acc + (i * filters + f0) * 4, filters, a + i * ai * 4, ai, ar,
                         v + f0 * 4, filters, count, init, tail)


@numba.njit(**_JIT)
def forward(x_pad, w, y, stride_h, stride_w):
    """y[n, oh, ow, :] = Σ_kh Σ_t x_pad[n, oh·Sh + kh, ow·Sw·C + t] · w[kh, t, :]; returns y.

    x_pad (N, Hp, Wp, C) padded input, w (KH, KW·C, F), y (N, OH, OW, F) to overwrite; all
    C-contiguous float32, Hp ≥ (OH − 1)·Sh + KH, Wp ≥ (OW − 1)·Sw + KW.
    """
    batch, out_h, out_w, filters = y.shape
    channels, kernel_h, taps = x_pad.shape[3], w.shape[0], w.shape[1]
    x0, w0, y0 = x_pad.ctypes.data, w.ctypes.data, y.ctypes.data
    xs, ys = x_pad.strides, y.strides
    for n in range(batch):
        for oh in range(out_h):
            for kh in range(kernel_h):
                x_row = x0 + n * xs[0] + (oh * stride_h + kh) * xs[1]
                _sweep(out_w, filters, y0 + n * ys[0] + oh * ys[1], x_row, stride_w * channels, 1,
                       w0 + kh * taps * filters * 4, taps, kh == 0)
    return y


@numba.njit(**_JIT)
def weight_grad(x_pad, gy, gw, stride_h, stride_w):
    """gw[kh, t, :] = Σ_n,oh,ow x_pad[n, oh·Sh + kh, ow·Sw·C + t] · gy[n, oh, ow, :]; returns gw.

    x_pad (N, Hp, Wp, C), gy (N, OH, OW, F), gw (KH, KW·C, F) to overwrite; as for :func:`forward`.
    """
    batch, out_h, out_w, filters = gy.shape
    channels, kernel_h, taps = x_pad.shape[3], gw.shape[0], gw.shape[1]
    gw[...] = 0
    x0, g0, w0 = x_pad.ctypes.data, gy.ctypes.data, gw.ctypes.data
    xs, gs = x_pad.strides, gy.strides
    for n in range(batch):
        for kh in range(kernel_h):
            for oh in range(out_h):
                x_row = x0 + n * xs[0] + (oh * stride_h + kh) * xs[1]
                _sweep(taps, filters, w0 + kh * taps * filters * 4, x_row, 1, stride_w * channels,
                       g0 + n * gs[0] + oh * gs[1], out_w, False)
    return gw


def matmul(a, b, out):
    """out = a @ b for C-contiguous float32 (M, K), (K, N), (M, N): :func:`forward` of a 1x1 kernel."""
    (rows, inner), columns = a.shape, b.shape[1]
    forward(a.reshape(1, 1, rows, inner), b.reshape(1, inner, columns), out.reshape(1, 1, rows, columns), 1, 1)
    return out
