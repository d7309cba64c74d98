"""Initializers that draw nothing: Zeros, Ones, Constant, Identity."""

from .. import backend
from ..tensor import Tensor
from .initializer import Initializer, standardize_dtype, standardize_shape


class Constant(Initializer):
    """Fills the weight with ``value`` (a number, or an array broadcast to the shape).

    Args:
        value: the fill value (default 0.0).
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Constant")
        dtype = standardize_dtype(dtype)
        xp = backend.xp
        value = self.value.data if isinstance(self.value, Tensor) else self.value
        if isinstance(value, (int, float, bool)):
            return xp.full(shape, value, dtype=dtype)
        value = xp.asarray(value, dtype=dtype)
        try:
            return xp.broadcast_to(value, shape).copy()
        except ValueError:
            raise ValueError(
                f"Constant: value of shape {value.shape} cannot fill a weight of shape {shape}"
            ) from None

    def get_config(self):
        value = self.value
        if isinstance(value, Tensor):
            value = value.numpy()
        if backend.is_array(value):
            value = backend.to_numpy(value)
        if hasattr(value, "tolist"):          # arrays and NumPy scalars -> plain JSON values
            value = value.tolist()
        return {"value": value}


class Zeros(Constant):
    """Fills the weight with 0."""

    def __init__(self):
        super().__init__(0.0)

    def __call__(self, shape, dtype=None):
        return backend.xp.zeros(standardize_shape(shape, "Zeros"), dtype=standardize_dtype(dtype))

    def get_config(self):
        return {}


class Ones(Constant):
    """Fills the weight with 1."""

    def __init__(self):
        super().__init__(1.0)

    def __call__(self, shape, dtype=None):
        return backend.xp.ones(standardize_shape(shape, "Ones"), dtype=standardize_dtype(dtype))

    def get_config(self):
        return {}


class Identity(Initializer):
    """W = gain · I (a 2-D weight only; rectangular shapes get ones on the main diagonal).

    Args:
        gain: the diagonal value (default 1.0).
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "Identity")
        if len(shape) != 2:
            raise ValueError(f"Identity: needs a 2-D shape (rows, columns), received shape {shape}")
        dtype = standardize_dtype(dtype)
        return backend.xp.eye(*shape, dtype=dtype) * backend.xp.asarray(self.gain, dtype=dtype)

    def get_config(self):
        return {"gain": self.gain}
