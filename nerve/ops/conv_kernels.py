"""Raw-array kernels behind the convolution ops: im2col, col2im, and the three GEMM products
every convolution is made of. The window geometry they all go through is ``conv_utils.Window``.

A convolution reads, for every output position o and kernel offset k, the input
at o·S + k·d − P_before (S strides, d dilation, P the zero padding). im2col
gathers those reads into one matrix, a row per output position and a column per
(kernel offset, channel), so the convolution is one GEMM:

    cols[(n, o), (k, c)] = x_pad[n, o·S + k·d, c]          (N·ΠO, ΠK·C)
    y = cols @ W₂,   W₂ = W.reshape(ΠK·C, F)              (N·ΠO, F) = (N, *O, F)

col2im is its adjoint: it adds each column back onto the input position it was
read from, looping over the ΠK kernel offsets, never over pixels. From these:

    forward(x, W₂)        = im2col(x) @ W₂                 the convolution
    weight_grad(x, dY)    = im2col(x)ᵀ @ dY                dW₂
    input_grad(dY, W₂)    = col2im(dY @ W₂ᵀ)               dX, and the transposed convolution

(with unit strides and many input channels, dX is instead the convolution of dY with
the flipped kernel, which gathers where col2im scatters).

On the CPU each product runs over chunks of the batch whose im2col matrix fits in
the cache (``CHUNK_BYTES``): the matrix is written and read back while still
cached and never exists whole, so no convolution allocates ΠK times its input
(on this machine that halves the time of a 32-channel 3x3 layer, the memory
traffic being the limit). The weight gradient rebuilds the chunks it needs.

Everything works on channels_last arrays with 1, 2 or 3 spatial axes, NumPy or
CuPy. For 2-D convolutions on NumPy arrays, when numba is installed, col2im runs
compiled (:mod:`conv_numba`), and most float32 convolutions (:func:`_direct_kernels`)
skip im2col altogether: the forward and the weight gradient run as a direct convolution
(:mod:`conv_direct_numba`), the unit-stride input gradient through it as the convolution
it equals, and the input gradient's remaining products through its 1x1 case
(:func:`cpu_products.matmul`). Those compiled kernels release Python's lock, so each call is cut
into ranges of the batch (of rows for a product) run at once on the threads :mod:`cpu_threads`
says (``OMP_NUM_THREADS``, else every core; one range for work under its ``PIECE_MACS``). Each
range's outputs are the same sums whatever the count; the weight gradient adds one partial sum
per range.
``NERVE_NUMBA=0`` keeps the NumPy forms below, which are the reference.
"""

import itertools
import math

from .. import backend
from . import compiled, cpu_products, cpu_threads
from .conv_utils import Window

CHUNK_BYTES = 1 << 21          # size of one chunk's im2col matrix on the CPU
KEEP_BYTES = 1 << 25           # the largest im2col matrix a forward keeps for the weight gradient


# ---- the three products ---------------------------------------------------------------

def forward(x, w2, window, keep_cols=False):
    """y = im2col(x) @ W₂: (N, *S, C), (ΠK·C, F) -> (N, *O, F).

    With ``keep_cols``, also returns what :func:`weight_grad` can reuse: the whole im2col
    matrix when it is small (``KEEP_BYTES``), or on the direct path (:func:`_direct_kernels`)
    the padded input; otherwise None.
    """
    xp = backend.array_module(x)
    batch, filters = x.shape[0], w2.shape[-1]
    direct = _direct_kernels(x, window, filters)
    if direct is not None:
        x_pad, w_rows = cpu_products.contiguous(padded(x, window)), _kernel_rows(w2, window)
        y = xp.empty((batch, *window.out, filters), dtype=x.dtype)
        cpu_threads.in_pieces(lambda n0, n1: direct.forward(x_pad[n0:n1], w_rows, y[n0:n1], *window.strides),
                              batch, y.size * w2.shape[0])
        return y, (x_pad if keep_cols else None)
    if window.is_pointwise():
        cols = x.reshape(-1, x.shape[-1])
        return (cols @ w2).reshape(batch, *window.out, filters), (cols if keep_cols else None)
    if keep_cols and batch * window.rows * w2.shape[0] * x.dtype.itemsize <= KEEP_BYTES:
        cols = im2col(x, window)
        return (cols @ w2).reshape(batch, *window.out, filters), cols
    y = xp.empty((batch, *window.out, filters), dtype=x.dtype)
    patches = _Patches(x, window)
    for n0, n1 in _chunks(x, window, x.shape[-1]):
        xp.matmul(patches.fill(n0, n1), w2, out=y[n0:n1].reshape(-1, filters))
    return y, None


def weight_grad(x, gy, window, cols=None):
    """dW₂ = im2col(x)ᵀ @ dY: (N, *S, C), (N, *O, F) -> (ΠK·C, F); ``cols``: what forward kept."""
    gy = _blas_ready(gy)
    filters = gy.shape[-1]
    direct = _direct_kernels(x, window, filters)
    if direct is not None:
        x_pad = cols if cols is not None and cols.ndim == x.ndim else cpu_products.contiguous(padded(x, window))
        shape = (window.kernel[0], window.kernel[1] * x.shape[-1], filters)

        def part(n0, n1):             # this range's share of the sum over the batch
            gw = backend.array_module(x).empty(shape, dtype=x.dtype)
            return direct.weight_grad(x_pad[n0:n1], gy[n0:n1], gw, *window.strides)

        gw, *others = cpu_threads.in_pieces(part, x.shape[0], gy.size * shape[0] * shape[1])
        for other in others:
            gw += other
        return gw.reshape(-1, filters)
    if cols is not None:
        return cols.T @ gy.reshape(-1, filters)
    if window.is_pointwise():
        return x.reshape(-1, x.shape[-1]).T @ gy.reshape(-1, filters)
    patches = _Patches(x, window)
    gw = backend.array_module(x).zeros((patches.width, filters), dtype=x.dtype)
    for n0, n1 in _chunks(x, window, x.shape[-1]):
        gw += patches.fill(n0, n1).T @ gy[n0:n1].reshape(-1, filters)
    return gw


def input_grad(gy, w2, window, channels):
    """dX = col2im(dY @ W₂ᵀ): (N, *O, F), (ΠK·C, F) -> (N, *S, C).

    With unit strides and C ≥ 16 input channels, when C ≥ F or when that convolution takes
    the direct path and the input has at most 1.25x as many positions as the output (the
    "full" convolution does ΠS/ΠO times the forward's work: LeNet-5's 14x14 -> 10x10 layer
    takes 2.4x as long that way), it is computed instead as the convolution it equals, see
    :func:`input_grad_as_conv`.
    """
    xp = backend.array_module(gy)
    gy = _blas_ready(gy)
    batch, filters = gy.shape[0], gy.shape[-1]
    if window.is_pointwise():
        return cpu_products.matmul(gy.reshape(-1, filters), w2.T).reshape(batch, *window.spatial, channels)
    if set(window.strides) == {1} and channels >= 16 and (channels >= filters or (
            _direct_kernels(gy, window, channels) is not None
            and math.prod(window.spatial) <= 1.25 * window.rows)):
        return input_grad_as_conv(gy, w2, window, channels)
    gx = xp.empty((batch, *window.spatial, channels), dtype=gy.dtype)

    def part(start, stop):
        buffer = None
        for n0, n1 in _chunks(gy, window, channels, start, stop):
            rows = (n1 - n0) * window.rows
            if buffer is None:
                buffer = xp.empty((rows, w2.shape[0]), dtype=gy.dtype)
            gcols = buffer[:rows]
            cpu_products.matmul(gy[n0:n1].reshape(rows, filters), w2.T, out=gcols)
            col2im(gcols, window, gx[n0:n1])

    if _numba_kernels(gy, window) is not None and cpu_products.direct_module(gy, w2.shape[0]) is not None:
        cpu_threads.in_pieces(part, batch, gy.size * w2.shape[0])     # compiled products and col2im: no lock held
    else:
        part(0, batch)
    return gx


def input_grad_as_conv(gy, w2, window, channels):
    """dX of a unit-stride convolution as a "full" convolution of dY with the flipped kernel:

        dX[n, i, c] = Σ_k Σ_f dY_pad[n, i + k·d, f] · W[K − 1 − k, c, f]

    dY zero-padded by K_eff − 1 − P_before before and I − O + P_before after. Same sums as
    col2im(dY @ W₂ᵀ), but gathered: im2col writes ΠK·F floats per input position where
    col2im reads and rewrites ΠK·C, so with C ≥ F this is the faster form (VGG's 32- and
    64-channel 3x3 layers, interleaved A/B at 2 threads: 1.2-1.4x in one run, 1.0-1.2x in another).
    """
    ndim = len(window.kernel)
    flipped = w2.reshape(*window.kernel, channels, -1)[(slice(None, None, -1),) * ndim]
    w2_full = flipped.swapaxes(-1, -2).reshape(-1, channels)      # (ΠK·F, C)
    pads = [(d * (k - 1) - before, i - o + before)
            for k, d, (before, _), i, o in zip(window.kernel, window.dilation, window.pads,
                                               window.spatial, window.out)]
    full = Window(window.out, window.kernel, window.strides, window.dilation, pads, window.spatial)
    return forward(gy, w2_full, full)[0]


def _blas_ready(gy):
    """``gy`` C-contiguous. The gradient of a sum arrives as a broadcast view with zero strides,
    which BLAS cannot take as is: copied once here rather than inside every chunk's matmul
    (on a 12800x150 by 12800x16 product, copy + GEMM 3.3 ms against 3.7 ms on the view)."""
    return backend.array_module(gy).ascontiguousarray(gy)


def _chunks(x, window, channels, start=0, stop=None):
    """(start, stop) batch ranges, within ``start:stop``, whose im2col matrix takes about
    CHUNK_BYTES (all at once on GPU)."""
    stop = x.shape[0] if stop is None else stop
    if isinstance(x, backend.ndarray):
        per_example = window.rows * window.taps * channels * x.dtype.itemsize
        step = max(1, CHUNK_BYTES // max(per_example, 1))
    else:
        step = stop - start
    return [(n0, min(n0 + step, stop)) for n0 in range(start, stop, max(step, 1))]


# ---- im2col / col2im --------------------------------------------------------------------

class _Patches:
    """im2col of one input, filled chunk by chunk into one reused buffer.

    With one input channel the matrix is built transposed, (ΠK, rows), and handed out as
    its ``.T`` view: each copied run is then a row of the image (contiguous) rather
    than C = 1 float, three times faster; the GEMMs take the transposed view as is.
    """

    def __init__(self, x, window):
        self.window, self.buffer = window, None
        self.xp = backend.array_module(x)
        self.source = windows(x, window)                 # (N, *O, *K, C)
        self.width = window.taps * x.shape[-1]
        self.transposed = x.shape[-1] == 1
        if self.transposed:                             # (*K, C, N, *O)
            ndim = len(window.kernel)
            order = (*range(ndim + 1, 2 * ndim + 2), *range(ndim + 1))
            self.source = self.source.transpose(order)

    def fill(self, n0, n1):
        """The im2col matrix of examples n0..n1: ((n1 − n0)·ΠO, ΠK·C), valid until the next fill."""
        rows = (n1 - n0) * self.window.rows
        if self.buffer is None:
            self.buffer = self.xp.empty(rows * self.width, dtype=self.source.dtype)
        if self.transposed:
            part = self.source[(slice(None),) * (len(self.window.kernel) + 1) + (slice(n0, n1),)]
            cols = self.buffer[:rows * self.width].reshape(self.width, rows)
        else:
            part = self.source[n0:n1]
            cols = self.buffer[:rows * self.width].reshape(rows, self.width)
        cols.reshape(part.shape)[...] = part
        return cols.T if self.transposed else cols


def im2col(x, window):
    """The windows of ``x`` (N, *S, C) as one (N·ΠO, ΠK·C) matrix (C- or F-ordered)."""
    return _Patches(x, window).fill(0, x.shape[0])


def col2im(cols, window, grad):
    """The adjoint of :func:`im2col`: write into ``grad`` (N, *S, C) the sum, over the columns,
    of each column added back onto the input position it was read from.

    Args:
        cols: (N·ΠO, ΠK·C) array, one row per output position.
        grad: (N, *S, C) array to overwrite; returned.
    """
    xp = backend.array_module(cols)
    fast = _numba_kernels(cols, window)
    if fast is not None and grad.flags.c_contiguous:
        return fast.col2im_2d(xp.ascontiguousarray(cols), grad, window)
    batch, channels, ndim = grad.shape[0], grad.shape[-1], len(window.kernel)
    cols = cols.reshape(batch, *window.out, *window.kernel, channels)
    padded = xp.zeros((batch, *window.padded, channels), dtype=cols.dtype)
    everything = (slice(None),) * (ndim + 1)
    for offset in itertools.product(*(range(k) for k in window.kernel)):
        target = tuple(
            slice(k * d, k * d + s * (o - 1) + 1, s)
            for k, d, s, o in zip(offset, window.dilation, window.strides, window.out)
        )
        padded[(slice(None), *target)] += cols[everything + offset]
    inner = tuple(slice(b, b + n) for n, (b, _) in zip(window.spatial, window.pads))
    grad[...] = padded[(slice(None), *inner)]
    return grad


def padded(x, window):
    """``x`` (N, *S, C) with the window's zero padding: a copy, or ``x`` itself if it has none."""
    if not window.has_padding():
        return x
    result = backend.array_module(x).zeros((x.shape[0], *window.padded, x.shape[-1]), dtype=x.dtype)
    inner = tuple(slice(b, b + n) for n, (b, _) in zip(window.spatial, window.pads))
    result[(slice(None), *inner)] = x
    return result


def windows(x, window):
    """A strided view of ``x`` (N, *S, C), zero-padded, as (N, *O, *K, C): one pad copy at most."""
    xp = backend.array_module(x)
    x = padded(x, window)
    axes = x.strides[1:-1]
    shape = (x.shape[0], *window.out, *window.kernel, x.shape[-1])
    strides = (
        x.strides[0],
        *(st * s for st, s in zip(axes, window.strides)),
        *(st * d for st, d in zip(axes, window.dilation)),
        x.strides[-1],
    )
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)


def _numba_kernels(array, window):
    """The compiled kernels of :mod:`conv_numba` for a 2-D convolution of ``array``, or None.

    None (the NumPy path) for arrays that are not NumPy's float32/float64, for 1-D/3-D
    convolutions, when ``NERVE_NUMBA=0``, or when numba is not installed.
    """
    if len(window.kernel) != 2 or not isinstance(array, backend.ndarray) or array.dtype.char not in "fd":
        return None
    return compiled.kernels("conv_numba")


def _direct_kernels(x, window, filters):
    """The direct convolution of :mod:`conv_direct_numba` for convolving ``x`` into ``filters``
    channels over ``window``, or None: it takes NumPy float32 2-D convolutions with unit dilation,
    at least 4 filters and output rows at least 4 wide, on a CPU with AVX-512, when numba is
    installed and ``NERVE_NUMBA`` is not ``0``. There it was measured faster than im2col + GEMM:
    2-3x at every layer of ResNet-20 and the VGG-style net, 1.2-2x at LeNet-5's first two
    (benchmarks/RESULTS.md, issue 13); with 1 filter or 1-pixel rows (LeNet-5's last layer)
    it was slower."""
    if len(window.kernel) != 2 or set(window.dilation) != {1} or window.out[1] < 4:
        return None
    return cpu_products.direct_module(x, filters)


def _kernel_rows(w2, window):
    """W₂ (ΠK·C, F) as (KH, KW·C, F), C-contiguous: one matrix per kernel row."""
    return cpu_products.contiguous(w2).reshape(window.kernel[0], -1, w2.shape[-1])
