"""Direct 2-D convolution on the CPU (numba): the forward and the weight gradient without im2col.

Both are one register-blocked product. With x_pad the zero-padded input (N, Hp, Wp, C), a
kernel row kh of W (KH, KW, C, F) is a (KW·C, F) matrix W_kh, and the KW·C inputs a window
reads from one input row are *contiguous*: output pixel (oh, ow) reads
x_pad[n, oh·S + kh, ow·S·C + t] for t < KW·C (channels last, dilation 1). So

    y[n, oh, ow, :]  = Σ_kh Σ_t  x_pad[n, oh·S + kh, ow·S·C + t] · W_kh[t, :]
    dW_kh[t, :]      = Σ_n,oh,ow x_pad[n, oh·S + kh, ow·S·C + t] · dY[n, oh, ow, :]

are both ``acc[i, :] += Σ_r a[i·ai + r·ar] · v[r·vr : r·vr + width]`` over a block of rows i
(output pixels for the forward, taps t for the weight gradient): :func:`_block`, a few output
rows × up to 64 filters kept in 16-float vector registers across the whole sum, each step one
vector load of v per 16 filters and one broadcast of a per row. im2col + GEMM writes and
reads back ΠK copies of the input and, through NumPy's OpenBLAS (which runs its AVX2
kernels on this AMD CPU), reaches 60-100 GFLOP/s on ResNet-20's 16-64 channel layers; this
reaches 170-250 (``benchmarks/RESULTS.md``, issue 13).

``_block`` is written in LLVM IR (numba's ``intrinsic``) because numba's own loops, for 16 or 32
filters, are fully unrolled and then vectorised over the wrong axis (3-12 GFLOP/s measured).
Sums run in a different order from the GEMM's: results agree to float32 rounding.
Float32 only (``_direct_kernels`` in :mod:`conv_kernels` says when it is used).
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
ROWS = {1: 24, 2: 12, 3: 8, 4: 6}     # rows per block for 16·k filters: 24 accumulator registers
_JIT = dict(cache=True, nogil=True)


@intrinsic
def _block(typingctx, acc, acc_step, a, ai, ar, v, vr, count, init, tail, rows, vectors):
    """acc[i·acc_step + j] (+)= Σ_{r<count} a[i·ai + r·ar] · v[r·vr + j],  i < rows, j < width,

    width = 16·(vectors − 1) + tail, 1 ≤ tail ≤ 16: the last vector is loaded and stored under a
    mask of its first ``tail`` lanes. Addresses (acc, a, v) are byte addresses of float32 arrays,
    steps are in floats; ``rows`` and ``vectors`` are literal ints (one compiled block per pair);
    with ``init`` acc starts at 0.
    """
    if not isinstance(rows, types.IntegerLiteral) or not isinstance(vectors, types.IntegerLiteral):
        return None
    n_rows, n_vec = rows.literal_value, vectors.literal_value
    sig = types.void(*([types.intp] * 8), types.boolean, types.intp, rows, vectors)

    def codegen(context, builder, signature, args):
        acc_at, acc_step, a_at, ai, ar, v_at, vr, count, init, tail = args[:10]
        f32, i32, i64 = ir.FloatType(), ir.IntType(32), ir.IntType(64)
        vec, mask_t = ir.VectorType(f32, LANES), ir.VectorType(ir.IntType(1), LANES)
        vec_p = vec.as_pointer()
        fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec] * 3),
                                             "llvm.fma.v16f32")
        masked_load = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(vec, [vec_p, i32, mask_t, vec]), "llvm.masked.load.v16f32.p0")
        masked_store = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [vec, vec_p, i32, mask_t]),
            "llvm.masked.store.v16f32.p0")
        acc_at, a_at, v_at = (builder.inttoptr(p, f32.as_pointer()) for p in (acc_at, a_at, v_at))
        undef = ir.Constant(vec, ir.Undefined)
        splat = ir.Constant(ir.VectorType(i32, LANES), [0] * LANES)
        zero = ir.Constant(vec, [0.0] * LANES)
        lanes = ir.Constant(ir.VectorType(i64, LANES), list(range(LANES)))
        tail_splat = builder.shuffle_vector(
            builder.insert_element(ir.Constant(ir.VectorType(i64, LANES), ir.Undefined), tail,
                                   ir.Constant(i32, 0)),
            ir.Constant(ir.VectorType(i64, LANES), ir.Undefined), splat)
        mask = builder.icmp_signed("<", lanes, tail_splat)
        align = ir.Constant(i32, 4)

        def at(base, index):                       # base + index floats, as a vector pointer
            return builder.bitcast(builder.gep(base, [index]), vec_p)

        def load(base, index, j):                  # vector j of a row: the last one masked
            if j < n_vec - 1:
                return builder.load(at(base, index), align=4)
            return builder.call(masked_load, [at(base, index), align, mask, zero])

        def acc_index(i, j):
            return builder.add(builder.mul(ir.Constant(i64, i), acc_step), ir.Constant(i64, j * LANES))

        start = [builder.select(init, zero, load(acc_at, acc_index(i, j), j))
                 for i in range(n_rows) for j in range(n_vec)]
        entry = builder.block
        head = builder.append_basic_block("block.head")
        body = builder.append_basic_block("block.body")
        done = builder.append_basic_block("block.done")
        builder.branch(head)

        builder.position_at_end(head)
        r = builder.phi(i64)
        r.add_incoming(ir.Constant(i64, 0), entry)
        sums = []
        for value in start:
            phi = builder.phi(vec)
            phi.add_incoming(value, entry)
            sums.append(phi)
        builder.cbranch(builder.icmp_signed("<", r, count), body, done)

        builder.position_at_end(body)
        v_row = builder.gep(v_at, [builder.mul(r, vr)])
        vs = [load(v_row, ir.Constant(i64, j * LANES), j) for j in range(n_vec)]
        a_row = builder.gep(a_at, [builder.mul(r, ar)])
        updated = []
        for i in range(n_rows):
            scalar = builder.load(builder.gep(a_row, [builder.mul(ir.Constant(i64, i), ai)]), align=4)
            b = builder.shuffle_vector(builder.insert_element(undef, scalar, ir.Constant(ir.IntType(32), 0)),
                                       undef, splat)
            updated += [builder.call(fma, [b, vs[j], sums[i * n_vec + j]]) for j in range(n_vec)]
        r.add_incoming(builder.add(r, ir.Constant(i64, 1)), builder.block)
        for phi, value in zip(sums, updated):
            phi.add_incoming(value, builder.block)
        builder.branch(head)

        builder.position_at_end(done)
        for k, value in enumerate(sums):
            i, j = divmod(k, n_vec)
            if j < n_vec - 1:
                builder.store(value, at(acc_at, acc_index(i, j)), align=4)
            else:
                builder.call(masked_store, [value, at(acc_at, acc_index(i, j)), align, mask])
        return context.get_dummy_value()

    return sig, codegen


@numba.njit(inline="always", **_JIT)
def _blocks(n_vec, left, acc, acc_step, a, ai, ar, v, vr, count, init, tail):
    """Run the largest block that fits ``left`` rows for n_vec vectors of filters; return its row count."""
    if n_vec == 1:
        if left >= 24:
            _block(acc, acc_step, a, ai, ar, v, vr, count, init, tail, 24, 1)
            return 24
        if left >= 4:
            _block(acc, acc_step, a, ai, ar, v, vr, count, init, tail, 4, 1)
            return 4
        _block(acc, acc_step, a, ai, ar, v, vr, count, init, tail, 1, 1)
        return 1
    if n_vec == 2:
        if left >= 12:
            _block(acc, acc_step, a, ai, ar, v, vr, count, init, tail, 12, 2)
            return 12
        if left >= 4:
            _block(acc, acc_step, a, ai, ar, v, vr, count, init, tail, 4, 2)
            return 4
        _block(acc, acc_step, a, ai, ar, v, vr, count, init, tail, 1, 2)
        return 1
    if n_vec == 3:
        if left >= 8:
            _block(acc, acc_step, a, ai, ar, v, vr, count, init, tail, 8, 3)
            return 8
        if left >= 2:
            _block(acc, acc_step, a, ai, ar, v, vr, count, init, tail, 2, 3)
            return 2
        _block(acc, acc_step, a, ai, ar, v, vr, count, init, tail, 1, 3)
        return 1
    if left >= 6:
        _block(acc, acc_step, a, ai, ar, v, vr, count, init, tail, 6, 4)
        return 6
    if left >= 2:
        _block(acc, acc_step, a, ai, ar, v, vr, count, init, tail, 2, 4)
        return 2
    _block(acc, acc_step, a, ai, ar, v, vr, count, init, tail, 1, 4)
    return 1


@numba.njit(inline="always", **_JIT)
def _vectors(width):
    """(vectors, lanes used in the last one) for ``width`` ≤ 64 filters."""
    n_vec = (width + LANES - 1) // LANES
    return n_vec, width - LANES * (n_vec - 1)


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
                y_row = y0 + n * ys[0] + oh * ys[1]
                for f0 in range(0, filters, 64):
                    n_vec, tail = _vectors(min(64, filters - f0))
                    ow = 0
                    while ow < out_w:
                        ow += _blocks(n_vec, out_w - ow, y_row + (ow * filters + f0) * 4, filters,
                                      x_row + ow * stride_w * channels * 4, stride_w * channels, 1,
                                      w0 + (kh * taps * filters + f0) * 4, filters, taps, kh == 0, tail)
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
                g_row = g0 + n * gs[0] + oh * gs[1]
                for f0 in range(0, filters, 64):
                    n_vec, tail = _vectors(min(64, filters - f0))
                    t = 0
                    while t < taps:
                        t += _blocks(n_vec, taps - t, w0 + ((kh * taps + t) * filters + f0) * 4, filters,
                                     x_row + t * 4, 1, stride_w * channels,
                                     g_row + f0 * 4, filters, out_w, False, tail)
    return gw


def matmul(a, b, out):
    """out = a @ b for C-contiguous float32 (M, K), (K, N), (M, N): :func:`forward` of a 1x1 kernel."""
    (rows, inner), columns = a.shape, b.shape[1]
    forward(a.reshape(1, 1, rows, inner), b.reshape(1, inner, columns), out.reshape(1, 1, rows, columns), 1, 1)
    return out
