"""The 2-D matrix product of nerve's CPU ops: ``matmul(a, b) = a @ b``, on nerve's own threads.

Dense layers (:func:`nerve.ops.affine`), ``ops.matmul`` of two matrices and the convolutions'
input-gradient products all come here. A NumPy float32 product with at least 4 rows and 4
columns runs as the 1x1 case of the direct convolution (:mod:`conv_direct_numba`), cut into
ranges of rows on the threads of :mod:`cpu_threads`, where it was measured faster than NumPy's
OpenBLAS (its AVX2 kernels on this AMD CPU): 2x at ResNet-20's input-gradient products, e.g.
(32768x32)@(32x144) 1.3 against 3.0 ms. It also keeps OpenBLAS's own threads asleep: they
busy-wait about 0.1 s after each threaded product, and took a core from the convolutions' threads
(a VGG-style training step at 2 threads: 127 ms with OpenBLAS products, 84 with these; issue 13).
Everything else (float64, CuPy, small or batched products, a CPU without AVX-512, no numba,
``NERVE_NUMBA=0``) goes to the array module's matmul, which is the reference.
"""

from .. import backend
from . import compiled, cpu_threads


def matmul(a, b, out=None):
    """a @ b of 2-D arrays (M, K) @ (K, N) -> (M, N), into ``out`` when given."""
    direct = direct_module(a, b.shape[1]) if a.shape[0] >= 4 and b.dtype == a.dtype else None
    if direct is None:
        return backend.array_module(a).matmul(a, b, out=out)
    if out is None:
        out = backend.array_module(a).empty((a.shape[0], b.shape[1]), dtype=a.dtype)
    a, b = contiguous(a), contiguous(b)
    # 2 ranges of rows per thread, not 4: each range reads all of b again (at 2 threads, median of 5:
    # (128x4096)@(4096x256) 1.08 ms against 1.40; (128x256)@(256x4096) 0.82 against 1.25)
    cpu_threads.in_pieces(lambda r0, r1: direct.matmul(a[r0:r1], b, out[r0:r1]), a.shape[0],
                          out.size * b.shape[0], per_thread=2)
    return out


def direct_module(x, columns):
    """:mod:`conv_direct_numba` for a product of ``x`` into ``columns`` outputs, or None: NumPy
    float32, at least 4 columns, numba installed and ``NERVE_NUMBA`` not ``0``, AVX-512."""
    if columns < 4 or not isinstance(x, backend.ndarray) or x.dtype.char != "f":
        return None
    direct = compiled.kernels("conv_direct_numba")
    return direct if direct is not None and direct.PAYS else None


def contiguous(array):
    """``array`` itself if C-contiguous, else a C-contiguous copy."""
    return backend.array_module(array).ascontiguousarray(array)
