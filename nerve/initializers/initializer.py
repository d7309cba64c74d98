"""Initializer: the base every weight initializer derives from.

An initializer is a callable ``init(shape, dtype=None)`` returning a backend array
of that shape and dtype (``floatx()`` by default); ``Variable`` calls it once to
fill a new weight. ``get_config`` / ``from_config`` round-trip its arguments.
"""

from .. import backend
from ..utils.configurable import ConfigValue


class Initializer(ConfigValue):
    """Base class: subclasses implement ``__call__(shape, dtype=None)`` and ``get_config``."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__}: initializers implement __call__(shape, dtype=None)")

    def get_config(self):
        return {}

    def clone(self):
        return type(self).from_config(self.get_config())


def standardize_shape(shape, name):
    """``shape`` as a tuple of non-negative ints (an int is a 1-D shape)."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    for n in shape:
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValueError(f"{name}: shape must hold non-negative ints, received {shape!r}")
    return shape


def standardize_dtype(dtype):
    return backend.standardize_dtype(dtype or backend.floatx())
