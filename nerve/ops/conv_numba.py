"""Compiled col2im for 2-D convolutions on the CPU (numba).

The NumPy form in :mod:`conv_kernels` is the reference; this one does the same
sums in one pass over the memory, with the zero padding folded into bounds
checks. NumPy's form makes ΠK read-modify-write passes over the input gradient,
each a strided add whose inner loop is only C floats long: 10x slower for a
6-channel LeNet layer, 3x for a 32-channel 3x3 one (im2col, a plain strided copy,
is as fast in NumPy and stays there).

Imported lazily by :mod:`conv_kernels` only when numba is installed and
``NERVE_NUMBA`` is not ``0``; compiled once per dtype and cached on disk.
The caller allocates every array (only backend.py creates arrays).
"""

import numba

_JIT = dict(cache=True, nogil=True)


@numba.njit(**_JIT)
def _col2im(cols, grad, sh, sw, dh, dw, ph, pw, oh_n, ow_n, kh_n, kw_n):
    """grad[n, oh·sh + kh·dh − ph, ow·sw + kw·dw − pw, c] = Σ cols[(n, oh, ow), (kh, kw, c)]."""
    batch, height, width, channels = grad.shape
    rows = grad.reshape(batch, height, width * channels)
    run = kw_n * channels
    rows[...] = 0
    for n in range(batch):
        for oh in range(oh_n):
            for ow in range(ow_n):
                row = (n * oh_n + oh) * ow_n + ow
                iw0 = ow * sw - pw
                whole = dw == 1 and iw0 >= 0 and iw0 + kw_n <= width
                for kh in range(kh_n):
                    ih = oh * sh + kh * dh - ph
                    base = kh * run
                    if ih < 0 or ih >= height:
                        continue
                    if whole:
                        start = iw0 * channels
                        for j in range(run):
                            rows[n, ih, start + j] += cols[row, base + j]
                    else:
                        for kw in range(kw_n):
                            iw = iw0 + kw * dw
                            if 0 <= iw < width:
                                for c in range(channels):
                                    rows[n, ih, iw * channels + c] += cols[row, base + kw * channels + c]


def col2im_2d(cols, grad, window):
    """Overwrite ``grad`` (N, H, W, C) with the adjoint of :func:`im2col_2d` of ``cols``; return it."""
    (sh, sw), (dh, dw), ((ph, _), (pw, _)) = window.strides, window.dilation, window.pads
    _col2im(cols, grad, sh, sw, dh, dw, ph, pw, *window.out, *window.kernel)
    return grad
