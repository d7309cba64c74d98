"""Conversion and creation: tensors from Python and NumPy values, and filled tensors."""

from .. import backend
from ..tensor import Tensor, as_tensor


def convert_to_tensor(x, dtype=None):
    """``x`` (array, list, number or Tensor) as a Tensor of ``dtype`` (its own, or floatx for floats)."""
    return as_tensor(x, None if dtype is None else backend.standardize_dtype(dtype))


def convert_to_numpy(x):
    """``x`` as a NumPy array (copied from the GPU when it lives there)."""
    return as_tensor(x).numpy()


def shape(x):
    """The shape of ``x`` as a tuple (``None`` for the unknown dimensions of a symbolic input)."""
    known = getattr(x, "shape", None)
    return tuple(known) if known is not None else tuple(as_tensor(x).shape)


def _filled(fill, shape, dtype):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return Tensor.wrap(backend.xp.full(shape, fill, dtype=dtype or backend.floatx()))


def zeros(shape, dtype=None):
    """A tensor of ``shape`` filled with 0 (``floatx()`` unless ``dtype``)."""
    return _filled(0, shape, dtype)


def ones(shape, dtype=None):
    """A tensor of ``shape`` filled with 1 (``floatx()`` unless ``dtype``)."""
    return _filled(1, shape, dtype)


def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value``."""
    return _filled(fill_value, shape, dtype)


def zeros_like(x, dtype=None):
    """Zeros with the shape (and, unless ``dtype``, the dtype) of ``x``."""
    x = as_tensor(x)
    return Tensor.wrap(backend.array_module(x.data).zeros_like(x.data, dtype=dtype))


def ones_like(x, dtype=None):
    """Ones with the shape (and, unless ``dtype``, the dtype) of ``x``."""
    x = as_tensor(x)
    return Tensor.wrap(backend.array_module(x.data).ones_like(x.data, dtype=dtype))


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in [start, stop) (keras.ops.arange).

    Without ``dtype``, as Keras: floatx() when start, stop or step is a float, else int32.
    """
    if dtype is None:
        bounds = [v for v in (start, stop, step) if v is not None]
        floating = any(isinstance(v, float) or backend.is_float_dtype(getattr(v, "dtype", int))
                       for v in bounds)
        dtype = backend.floatx() if floating else "int32"
    return Tensor.wrap(backend.xp.arange(start, stop, step, dtype=backend.standardize_dtype(dtype)))


def eye(N, M=None, k=0, dtype=None):
    """The N×M matrix with ones on diagonal ``k`` (0: the main one, k > 0 above it), zeros elsewhere."""
    return Tensor.wrap(backend.xp.eye(N, M, k, dtype=dtype or backend.floatx()))
