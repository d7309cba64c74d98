"""The one place that knows which array library holds nerve's numbers.

CPU arrays are NumPy's; GPU arrays are CuPy's, imported only when asked for
(``NERVE_DEVICE=gpu`` or ``nerve.config.set_device("gpu")``). Every other module
gets its array namespace from here: ``xp`` for the active device, or
``array_module(a)`` for the library that owns a given array (an op whose inputs
live on the GPU computes on the GPU whatever the default device is).

Also here: the default float dtype (``floatx``), the random generator behind
every random draw nerve makes, and the numerics-checking switch.
"""

import os

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


if os.environ.get("NERVE_DEVICE", "cpu").lower() == "gpu":
    set_device("gpu")
