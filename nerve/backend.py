"""The one place that knows which array library holds nerve's numbers.

CPU arrays are NumPy's; GPU arrays are CuPy's, imported only when asked for
(``NERVE_DEVICE=gpu`` or ``nerve.config.set_device("gpu")``). Every other module
gets its array namespace from here: ``xp`` for the active device, or
``array_module(a)`` for the library that owns a given array (an op whose inputs
live on the GPU computes on the GPU whatever the default device is).

Also here: the default float dtype (``floatx``), the random generator behind
every random draw nerve makes, the numerics-checking switch, and how freed
array memory is kept for reuse (``NERVE_MALLOC_REUSE``, see ``keep_freed_memory``).
"""

import ctypes
import os
import sys

import numpy

_cupy = None                 # the cupy module, once a GPU has been asked for
_device = "cpu"
_floatx = "float32"
_check_numerics = False
_rng = numpy.random.default_rng()
_gpu_rng = None

xp = numpy                   # the array namespace of the active device
ndarray = numpy.ndarray      # CPU array type (GPU arrays are cupy.ndarray)


def _import_cupy():
    global _cupy
    if _cupy is None:
        try:
            import cupy
        except ImportError as err:
            raise RuntimeError(
                "nerve: the GPU device needs CuPy, which is not installed "
                "(pip install cupy-cuda12x, or nerve[gpu]); use device 'cpu' otherwise"
            ) from err
        _cupy = cupy
    return _cupy


def set_device(name):
    """Make ``"cpu"`` (NumPy) or ``"gpu"`` (CuPy) the device new tensors live on."""
    global _device, xp
    if name not in ("cpu", "gpu"):
        raise ValueError(f"set_device: expected 'cpu' or 'gpu', received {name!r}")
    xp = _import_cupy() if name == "gpu" else numpy
    _device = name


def device():
    return _device


def array_module(array):
    """NumPy or CuPy: the library that owns ``array``."""
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return _cupy
    return numpy


def device_of(array):
    return "gpu" if array_module(array) is not numpy else "cpu"


def to_device(array, name):
    """Copy ``array`` to the named device (no copy when it already lives there)."""
    if name == "gpu":
        return _import_cupy().asarray(array)
    if name == "cpu":
        return array.get() if array_module(array) is not numpy else numpy.asarray(array)
    raise ValueError(f"to_device: expected 'cpu' or 'gpu', received {name!r}")


def to_numpy(array):
    return to_device(array, "cpu")


def is_array(value):
    return isinstance(value, numpy.ndarray) or (_cupy is not None and isinstance(value, _cupy.ndarray))


# ---- dtypes -------------------------------------------------------------------------

def floatx():
    """The default float dtype, ``"float32"`` unless set to ``"float64"`` (gradient checks)."""
    return _floatx


def set_floatx(dtype):
    global _floatx
    dtype = numpy.dtype(dtype).name
    if dtype not in ("float16", "float32", "float64"):
        raise ValueError(f"set_floatx: expected float16, float32 or float64, received {dtype!r}")
    _floatx = dtype


def is_float_dtype(dtype):
    """Whether ``dtype`` (a dtype, scalar type or name) is a floating-point type."""
    # dtype.kind, not numpy.issubdtype: this runs on every op, and issubdtype costs ~1 µs
    if not isinstance(dtype, numpy.dtype):
        dtype = numpy.dtype(dtype)
    return dtype.kind == "f"


def standardize_dtype(dtype):
    """A dtype name as Keras writes it ("float32", "int64", ...)."""
    return numpy.dtype(dtype).name


# ---- randomness ---------------------------------------------------------------------

def set_seed(seed):
    """Seed the generator behind every random draw nerve makes (CPU and GPU)."""
    global _rng, _gpu_rng
    _rng = numpy.random.default_rng(seed)
    _gpu_rng = None
    if _cupy is not None:
        _gpu_rng = _cupy.random.default_rng(seed)
    _seed_box[0] = seed


_seed_box = [None]


def rng(module=None):
    """The random generator for arrays of ``module`` (default: the active device)."""
    global _gpu_rng
    module = module or xp
    if module is numpy:
        return _rng
    if _gpu_rng is None:
        _gpu_rng = _cupy.random.default_rng(_seed_box[0])
    return _gpu_rng


# ---- numerics -----------------------------------------------------------------------

def set_check_numerics(enabled):
    global _check_numerics
    _check_numerics = bool(enabled)


def check_numerics_enabled():
    return _check_numerics


# ---- host memory --------------------------------------------------------------------

_MMAP_THRESHOLD = 32 * 2**20    # glibc's ceiling for M_MMAP_THRESHOLD on 64-bit systems
_TRIM_THRESHOLD = 2**30


def keep_freed_memory():
    """Have glibc's malloc keep freed array buffers for the next step instead of returning them.

    Every training step allocates and frees the same large arrays (activations, im2col
    matrices, gradients). By default glibc hands blocks over 128 KB back to the kernel
    (``munmap``, or trimming the heap), and the next step page-faults them in again,
    zero-filled: LeNet-5 training spent a third of its time in the kernel doing so.
    Serving blocks up to 32 MB from the heap and never trimming it removes those faults;
    the price is that the process keeps its peak heap mapped. Linux with glibc only
    (elsewhere a no-op); runs at import unless ``NERVE_MALLOC_REUSE=0``. Returns whether
    it took effect.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):      # not glibc (musl, ...)
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_mmap_threshold, _MMAP_THRESHOLD) and mallopt(m_trim_threshold, _TRIM_THRESHOLD))


if os.environ.get("NERVE_MALLOC_REUSE", "1") != "0":
    keep_freed_memory()

if os.environ.get("NERVE_DEVICE", "cpu").lower() == "gpu":
    set_device("gpu")
